"""The Azure SDK clients one provider uses, built once with the same connection settings.

Four management-plane clients share a credential and the options that point them at an ARM
endpoint: `base_url` (real Azure when None; the simulated Azure's ARM facade in tests and
demos), `connection_verify` (the facade's CA certificate), `polling_interval` and
`retry_total` (azure-core's own retry of 408/429/5xx on idempotent methods, honouring
`Retry-After`; 0 hands every throttle to the engine at once as `Throttled`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from azure.core.credentials import TokenCredential
from azure.mgmt.compute import ComputeManagementClient
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient
from azure.mgmt.resourcegraph import ResourceGraphClient

from spotkeeper.clock import Clock

# azure-core's own defaults, restated so an option left unset means "as the SDK would do".
SDK_POLLING_INTERVAL_S = 30.0
SDK_RETRY_TOTAL = 10


@dataclass(frozen=True)
class ConnectionOptions:
    base_url: str | None = None
    connection_verify: str | bool | None = None
    polling_interval: float | None = None
    retry_total: int | None = None


@dataclass
class AzureClients:
    """The clients plus what every operation module needs beside them."""

    subscription_id: str
    compute: ComputeManagementClient
    network: NetworkManagementClient
    resources: ResourceManagementClient
    graph: ResourceGraphClient
    clock: Clock

    def now(self) -> datetime:
        return self.clock.now()

    def close(self) -> None:
        for client in (self.compute, self.network, self.resources, self.graph):
            client.close()


def connect(
    credential: TokenCredential, subscription_id: str, options: ConnectionOptions, *, clock: Clock
) -> AzureClients:
    base_url = options.base_url.rstrip("/") if options.base_url else None
    verify: str | bool = True if options.connection_verify is None else options.connection_verify
    polling = SDK_POLLING_INTERVAL_S if options.polling_interval is None else options.polling_interval
    retries = SDK_RETRY_TOTAL if options.retry_total is None else options.retry_total
    return AzureClients(
        subscription_id=subscription_id,
        compute=ComputeManagementClient(
            credential,
            subscription_id,
            base_url,
            connection_verify=verify,
            polling_interval=polling,
            retry_total=retries,
        ),
        network=NetworkManagementClient(
            credential,
            subscription_id,
            base_url,
            connection_verify=verify,
            polling_interval=polling,
            retry_total=retries,
        ),
        resources=ResourceManagementClient(
            credential,
            subscription_id,
            base_url,
            connection_verify=verify,
            polling_interval=polling,
            retry_total=retries,
        ),
        graph=ResourceGraphClient(
            credential, base_url, connection_verify=verify, polling_interval=polling, retry_total=retries
        ),
        clock=clock,
    )


__all__ = ["SDK_POLLING_INTERVAL_S", "SDK_RETRY_TOTAL", "AzureClients", "ConnectionOptions", "connect"]
