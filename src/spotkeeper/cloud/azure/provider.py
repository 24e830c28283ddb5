"""`AzureCloudProvider`: the cloud port over real Azure, through the official Azure SDK.

The same class drives real Azure and the simulated Azure's ARM facade; only the endpoint, the
CA to trust and the credential differ (`base_url`, `connection_verify`,
`credentials.StaticTokenCredential`). Each group of port methods lives in its own module —
`disks`, `network`, `compute`, `market`, `inventory` — over one set of SDK clients (`clients`);
request bodies are written in `bodies`, SDK models read in `mapping`, and every azure-core
exception crosses the port through `errors` (ARM codes → the port's closed error set by the
table in `cloud.arm_codes`).

    provider = AzureCloudProvider(azure_credential(), subscription_id)
    with AzureCloudProvider(StaticTokenCredential(), sub, base_url=url, connection_verify=ca_pem,
                            polling_interval=0.05, retry_total=0) as provider:
        provider.get_inventory("eastus")
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from types import TracebackType

from azure.core.credentials import TokenCredential

from spotkeeper.catalog import Catalog, load_catalog
from spotkeeper.clock import Clock, SystemClock
from spotkeeper.cloud.azure.clients import ConnectionOptions, connect
from spotkeeper.cloud.azure.compute import ComputeOperations
from spotkeeper.cloud.azure.disks import DiskOperations
from spotkeeper.cloud.azure.ids import typed_id
from spotkeeper.cloud.azure.inventory import InventoryReader
from spotkeeper.cloud.azure.market import MARKET_CACHE_TTL, REFUSAL_MEMORY, MarketReader, RefusalMemory
from spotkeeper.cloud.azure.network import NetworkOperations
from spotkeeper.cloud.azure.scheduled_events import NoScheduledEvents, ScheduledEventsSource
from spotkeeper.cloud.port import (
    DataDiskAttach,
    Disk,
    DiskSpec,
    ImageInfo,
    ImageRef,
    Inventory,
    MarketOffer,
    Nic,
    NicSpec,
    PublicIp,
    PublicIpSpec,
    ScheduledEvent,
    Snapshot,
    SnapshotSpec,
    TaggedResource,
    Vm,
    VmSpec,
)


class AzureCloudProvider:
    """The `CloudProvider` port over Azure Resource Manager.

    `base_url`: the ARM endpoint (None: public Azure); `connection_verify`: a CA bundle path
    (the facade's) or a bool; `polling_interval`: seconds between polls of the few operations
    the driver waits for; `retry_total`: azure-core's automatic retries of throttled or failed
    idempotent requests (0: every 429 reaches the engine as `Throttled` at once); `catalog`:
    the offline price catalog for on-demand prices; `clock`: for the refusal memory and the
    market cache; `scheduled_events`: the relay of the VMs' Scheduled Events (none on plain
    Azure, see `scheduled_events`); `refusal_memory`, `market_cache_ttl`: see `market`."""

    def __init__(
        self,
        credential: TokenCredential,
        subscription_id: str,
        *,
        base_url: str | None = None,
        connection_verify: str | bool | None = None,
        polling_interval: float | None = None,
        retry_total: int | None = None,
        catalog: Catalog | None = None,
        clock: Clock | None = None,
        scheduled_events: ScheduledEventsSource | None = None,
        refusal_memory: timedelta = REFUSAL_MEMORY,
        market_cache_ttl: timedelta = MARKET_CACHE_TTL,
    ) -> None:
        if not subscription_id.strip():
            raise ValueError("subscription_id must name an Azure subscription")
        self.subscription_id = subscription_id
        self.clock: Clock = clock or SystemClock()
        options = ConnectionOptions(base_url, connection_verify, polling_interval, retry_total)
        self.clients = connect(credential, subscription_id, options, clock=self.clock)
        self.refusals = RefusalMemory(self.clock, memory=refusal_memory)
        self.scheduled_events_source: ScheduledEventsSource = scheduled_events or NoScheduledEvents()
        self._disks = DiskOperations(self.clients)
        self._network = NetworkOperations(self.clients)
        self._compute = ComputeOperations(
            self.clients, refusals=self.refusals, scheduled_events=self.scheduled_events_source
        )
        self._market = MarketReader(
            self.clients, catalog or load_catalog(), self.refusals, cache_ttl=market_cache_ttl
        )
        self._inventory = InventoryReader(self.clients)

    def close(self) -> None:
        self.clients.close()
        self.scheduled_events_source.close()

    def __enter__(self) -> AzureCloudProvider:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def resource_id(self, resource_type: str, resource_group: str, name: str) -> str:
        return typed_id(self.subscription_id, resource_type, resource_group, name)

    # disks and snapshots -----------------------------------------------------

    def ensure_disk(self, spec: DiskSpec) -> Disk:
        return self._disks.ensure_disk(spec)

    def get_disk(self, resource_group: str, name: str) -> Disk:
        return self._disks.get_disk(resource_group, name)

    def delete_disk(self, resource_group: str, name: str) -> None:
        self._disks.delete_disk(resource_group, name)

    def ensure_snapshot(self, spec: SnapshotSpec) -> Snapshot:
        return self._disks.ensure_snapshot(spec)

    def get_snapshot(self, resource_group: str, name: str) -> Snapshot:
        return self._disks.get_snapshot(resource_group, name)

    def delete_snapshot(self, resource_group: str, name: str) -> None:
        self._disks.delete_snapshot(resource_group, name)

    # public IPs and NICs -----------------------------------------------------

    def ensure_public_ip(self, spec: PublicIpSpec) -> PublicIp:
        return self._network.ensure_public_ip(spec)

    def get_public_ip(self, resource_group: str, name: str) -> PublicIp:
        return self._network.get_public_ip(resource_group, name)

    def delete_public_ip(self, resource_group: str, name: str) -> None:
        self._network.delete_public_ip(resource_group, name)

    def ensure_nic(self, spec: NicSpec) -> Nic:
        return self._network.ensure_nic(spec)

    def get_nic(self, resource_group: str, name: str) -> Nic:
        return self._network.get_nic(resource_group, name)

    def delete_nic(self, resource_group: str, name: str) -> None:
        self._network.delete_nic(resource_group, name)

    # VMs ---------------------------------------------------------------------

    def ensure_vm(self, spec: VmSpec) -> Vm:
        return self._compute.ensure_vm(spec)

    def get_vm(self, resource_group: str, name: str) -> Vm:
        return self._compute.get_vm(resource_group, name)

    def delete_vm(self, resource_group: str, name: str) -> None:
        self._compute.delete_vm(resource_group, name)

    def deallocate_vm(self, resource_group: str, name: str) -> None:
        self._compute.deallocate_vm(resource_group, name)

    def start_vm(self, resource_group: str, name: str) -> None:
        self._compute.start_vm(resource_group, name)

    def simulate_eviction(self, resource_group: str, name: str) -> None:
        self._compute.simulate_eviction(resource_group, name)

    def attach_data_disk(self, resource_group: str, vm_name: str, disk: DataDiskAttach) -> None:
        self._compute.attach_data_disk(resource_group, vm_name, disk)

    def detach_data_disk(self, resource_group: str, vm_name: str, disk_id: str) -> None:
        self._compute.detach_data_disk(resource_group, vm_name, disk_id)

    def get_scheduled_events(self, resource_group: str, vm_name: str) -> list[ScheduledEvent]:
        return self._compute.get_scheduled_events(resource_group, vm_name)

    # observation -------------------------------------------------------------

    def get_image(self, ref: ImageRef, region: str) -> ImageInfo:
        return self._inventory.get_image(ref, region)

    def get_backend_health(self, resource_group: str, gateway: str) -> Mapping[str, str]:
        return self._network.get_backend_health(resource_group, gateway)

    def list_tagged(self, key: str, value: str | None = None) -> list[TaggedResource]:
        return self._inventory.list_tagged(key, value)

    def get_market(self, region: str, sizes: Sequence[str], zones: Sequence[str] = ()) -> list[MarketOffer]:
        return self._market.get_market(region, sizes, zones)

    def get_inventory(self, region: str) -> Inventory:
        return self._inventory.get_inventory(region)


__all__ = ["AzureCloudProvider"]
