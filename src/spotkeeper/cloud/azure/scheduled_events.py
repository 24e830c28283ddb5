"""Where the Azure driver learns a VM's Scheduled Events (the 30-second `Preempt` notice).

Azure publishes Scheduled Events to the VM itself only: the Instance Metadata Service at
169.254.169.254, reachable from inside the guest (`../shared/reference/azure.md` §2.5). No ARM
read returns them, so the control plane needs something in or beside the VM to relay them. A
source is that relay:

* `NoScheduledEvents` — nothing relays them (plain Azure): the driver reports none, and an
  eviction is seen when the VM turns up deallocated (`Vm.evicted`), without the notice;
* `FacadeScheduledEvents` — the simulated Azure serves every VM's IMDS document beside its
  ARM facade (`GET {base_url}/_sim/vms/{group}/{name}/scheduledevents`), standing in for the
  in-VM relay.
"""

from __future__ import annotations

import ssl
from typing import Protocol
from urllib.parse import quote

import httpx

from spotkeeper.cloud.azure import mapping
from spotkeeper.cloud.errors import NotFound, Throttled, TransientCloudError
from spotkeeper.cloud.port import ScheduledEvent

RELAY_TIMEOUT_S = 10.0


class ScheduledEventsSource(Protocol):
    def scheduled_events(self, resource_group: str, vm_name: str) -> list[ScheduledEvent]: ...

    def close(self) -> None: ...


class NoScheduledEvents:
    def scheduled_events(self, resource_group: str, vm_name: str) -> list[ScheduledEvent]:
        return []

    def close(self) -> None:
        """Nothing to release."""


class FacadeScheduledEvents:
    """The IMDS view the simulated Azure serves beside its ARM facade."""

    def __init__(self, base_url: str, *, verify: str | bool = True) -> None:
        """`verify`: the CA certificate file to trust (the facade's), or a bool."""
        self.base_url = base_url.rstrip("/")
        trust: ssl.SSLContext | bool = (
            ssl.create_default_context(cafile=verify) if isinstance(verify, str) else verify
        )
        self._http = httpx.Client(verify=trust, timeout=RELAY_TIMEOUT_S)

    def scheduled_events(self, resource_group: str, vm_name: str) -> list[ScheduledEvent]:
        group, name = quote(resource_group, safe=""), quote(vm_name, safe="")
        url = f"{self.base_url}/_sim/vms/{group}/{name}/scheduledevents"
        try:
            response = self._http.get(url, headers={"Metadata": "true"})
        except httpx.HTTPError as error:
            raise TransientCloudError(f"the scheduled-events relay could not be reached: {error}") from error
        if response.status_code == 404:
            raise NotFound(f"VM {resource_group}/{vm_name} not found", code="ResourceNotFound")
        if response.status_code == 429:
            raise Throttled("the scheduled-events relay is throttling", retry_after=1.0)
        if response.status_code != 200:
            raise TransientCloudError(
                f"the scheduled-events relay answered {response.status_code}", code=str(response.status_code)
            )
        return mapping.scheduled_events(response.json())

    def close(self) -> None:
        self._http.close()


__all__ = ["FacadeScheduledEvents", "NoScheduledEvents", "ScheduledEventsSource"]
