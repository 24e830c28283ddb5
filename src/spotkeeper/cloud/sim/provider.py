"""`SimCloudProvider`: the cloud port over the simulated Azure, with no HTTP in between.

The engine's fast tests and what-if runs use this door; the ARM facade is the other one. Each
method builds the simulator's ARM-shaped request from the port's spec, calls `SimAzure`, and
turns the result into the port's frozen value objects (`views`). Every `ArmError` the simulator
raises crosses the port through `cloud.arm_codes.to_cloud_error`, the same table a real Azure
driver uses, so the engine sees one error vocabulary whichever provider it runs on.

Idempotency, as the port promises: `ensure_*` PUTs on deterministic names (the simulator's
create-or-update keeps an existing NIC's address and an existing public IP's address);
`ensure_vm` returns an existing VM of the same size, zone and priority untouched, and sends
anything else to the simulator's VM update (a resize of a deallocated VM, or Azure's
`PropertyChangeNotAllowed` for a zone or priority change); `ensure_snapshot` returns an
existing snapshot unchanged; `delete_*` of a missing resource is success. VMs are always
created with `deleteOption: Detach` for their disks, and `delete_vm` sets Detach on a VM made
elsewhere before deleting it (the port promises a VM's disks outlive it).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace

from spotkeeper.cloud.arm_codes import to_cloud_error
from spotkeeper.cloud.errors import NotFound
from spotkeeper.cloud.port import (
    CapacityReservationGroupInfo,
    DataDiskAttach,
    Disk,
    DiskSpec,
    ImageInfo,
    ImageRef,
    Inventory,
    LoadBalancerInfo,
    MarketOffer,
    NamedRef,
    Nic,
    NicSpec,
    OsDiskAttach,
    PublicIp,
    PublicIpSpec,
    ScheduledEvent,
    Snapshot,
    SnapshotSpec,
    SubnetInfo,
    TaggedResource,
    VirtualNetworkInfo,
    Vm,
    VmSpec,
    lifecycle_of,
)
from spotkeeper.cloud.sim import views
from spotkeeper.sim.azure import SimAzure
from spotkeeper.sim.errors import ArmError
from spotkeeper.sim.ids import NETWORK, resource_id
from spotkeeper.sim.requests import (
    DataDiskRequest,
    OsDiskRequest,
    OsProfileRequest,
    VmExtension,
    VmRequest,
)

_HEALTH_RANK = {"Healthy": 0, "Unknown": 1, "Unhealthy": 2}


@contextmanager
def _translated(
    *, size: str | None = None, zone: str | None = None, lifecycle: str | None = None
) -> Iterator[None]:
    try:
        yield
    except ArmError as error:
        raise to_cloud_error(
            status=error.status,
            code=error.code,
            message=error.message,
            retry_after=error.retry_after,
            size=size,
            zone=zone,
            lifecycle=lifecycle,
        ) from error


class SimCloudProvider:
    def __init__(self, sim: SimAzure) -> None:
        self.sim = sim

    def resource_id(self, resource_type: str, resource_group: str, name: str) -> str:
        """ARM's id for `name` of `resource_type`; child types take "parent/child" names
        ("Microsoft.Network/virtualNetworks/subnets", "sk-vnet/default")."""
        namespace, _, types = resource_type.partition("/")
        type_parts, name_parts = types.split("/"), name.split("/")
        if not namespace or not types or len(type_parts) != len(name_parts):
            raise ValueError(f"resource type {resource_type!r} does not fit name {name!r}")
        path = [part for pair in zip(type_parts, name_parts, strict=True) for part in pair]
        return resource_id(self.sim.subscription_id, resource_group, namespace, *path)

    # disks -------------------------------------------------------------------

    def ensure_disk(self, spec: DiskSpec) -> Disk:
        with _translated(zone=spec.zone):
            disk = self.sim.storage.create_or_update_disk(
                spec.resource_group,
                spec.name,
                location=spec.region,
                sku=spec.sku,
                create_option=spec.create_option,
                size_gb=spec.size_gb,
                zone=spec.zone,
                source_id=spec.source_id,
                image=None
                if spec.image is None
                else views.image_to_sim(spec.image, self.sim.subscription_id),
                os_type=spec.os_type,
                hyperv_generation=spec.hyperv_generation,
                tags=spec.tags,
            )
            return views.disk_view(self.sim.ctx, disk)

    def get_disk(self, resource_group: str, name: str) -> Disk:
        with _translated():
            return views.disk_view(self.sim.ctx, self.sim.storage.get_disk(resource_group, name))

    def delete_disk(self, resource_group: str, name: str) -> None:
        with _translated():
            self.sim.storage.delete_disk(resource_group, name)

    # snapshots ---------------------------------------------------------------

    def ensure_snapshot(self, spec: SnapshotSpec) -> Snapshot:
        try:
            return self.get_snapshot(spec.resource_group, spec.name)
        except NotFound:
            pass
        with _translated():
            snap = self.sim.storage.create_or_update_snapshot(
                spec.resource_group,
                spec.name,
                location=spec.region,
                source_id=spec.source_disk_id,
                incremental=spec.incremental,
                tags=spec.tags,
            )
            return views.snapshot_view(snap, self.sim.now())

    def get_snapshot(self, resource_group: str, name: str) -> Snapshot:
        with _translated():
            return views.snapshot_view(self.sim.storage.get_snapshot(resource_group, name), self.sim.now())

    def delete_snapshot(self, resource_group: str, name: str) -> None:
        with _translated():
            self.sim.storage.delete_snapshot(resource_group, name)

    # public IPs and NICs -----------------------------------------------------

    def ensure_public_ip(self, spec: PublicIpSpec) -> PublicIp:
        with _translated():
            pip = self.sim.network.create_or_update_public_ip(
                spec.resource_group,
                spec.name,
                location=spec.region,
                sku=spec.sku,
                zones=spec.zones,
                tags=spec.tags,
            )
            return views.public_ip_view(pip)

    def get_public_ip(self, resource_group: str, name: str) -> PublicIp:
        with _translated():
            return views.public_ip_view(self.sim.network.get_public_ip(resource_group, name))

    def delete_public_ip(self, resource_group: str, name: str) -> None:
        with _translated():
            self.sim.network.delete_public_ip(resource_group, name)

    def ensure_nic(self, spec: NicSpec) -> Nic:
        subnet_id = resource_id(
            self.sim.subscription_id,
            spec.network_resource_group,
            NETWORK,
            "virtualNetworks",
            spec.virtual_network,
            "subnets",
            spec.subnet,
        )
        with _translated():
            nic = self.sim.network.create_or_update_nic(
                spec.resource_group,
                spec.name,
                location=spec.region,
                subnet_id=subnet_id,
                private_ip=spec.private_ip,
                public_ip_id=spec.public_ip_id,
                network_security_group_id=spec.network_security_group_id,
                application_security_group_ids=spec.application_security_group_ids,
                backend_pool_ids=spec.backend_pool_ids,
                enable_ip_forwarding=spec.enable_ip_forwarding,
                additional_ip_configs=[(c.name, c.version) for c in spec.additional_ip_configs],
                tags=spec.tags,
            )
            return views.nic_view(nic)

    def get_nic(self, resource_group: str, name: str) -> Nic:
        with _translated():
            return views.nic_view(self.sim.network.get_nic(resource_group, name))

    def delete_nic(self, resource_group: str, name: str) -> None:
        with _translated():
            self.sim.network.delete_nic(resource_group, name)

    # VMs ---------------------------------------------------------------------

    def ensure_vm(self, spec: VmSpec) -> Vm:
        lifecycle = lifecycle_of(spec.priority)
        with _translated(size=spec.size, zone=spec.zone, lifecycle=lifecycle):
            try:
                same = self.sim.compute.get_vm(spec.resource_group, spec.name)
            except ArmError as error:
                if error.status != 404:
                    raise
                same = None
            if (
                same is not None
                and same.size.lower() == spec.size.lower()
                and same.zone == spec.zone
                and same.priority == spec.priority
            ):
                return views.vm_view(same, self.sim.now())
            vm = self.sim.compute.create_or_update_vm(spec.resource_group, spec.name, self._vm_request(spec))
            return views.vm_view(vm, self.sim.now())

    def get_vm(self, resource_group: str, name: str) -> Vm:
        with _translated():
            return views.vm_view(self.sim.compute.get_vm(resource_group, name), self.sim.now())

    def delete_vm(self, resource_group: str, name: str) -> None:
        with _translated():
            try:
                self.sim.compute.keep_disks_on_delete(resource_group, name)
            except ArmError as error:
                if error.status != 404:
                    raise
                return
            self.sim.compute.delete_vm(resource_group, name)

    def deallocate_vm(self, resource_group: str, name: str) -> None:
        with _translated():
            self.sim.compute.deallocate_vm(resource_group, name)

    def start_vm(self, resource_group: str, name: str) -> None:
        with _translated():
            vm = self.sim.compute.get_vm(resource_group, name)
        with _translated(size=vm.size, zone=vm.zone, lifecycle=vm.lifecycle):
            self.sim.compute.start_vm(resource_group, name)

    def simulate_eviction(self, resource_group: str, name: str) -> None:
        with _translated():
            self.sim.compute.simulate_eviction(resource_group, name)

    def attach_data_disk(self, resource_group: str, vm_name: str, disk: DataDiskAttach) -> None:
        with _translated():
            self.sim.compute.attach_data_disk(
                resource_group, vm_name, lun=disk.lun, disk_id=disk.disk_id, caching=disk.caching
            )

    def detach_data_disk(self, resource_group: str, vm_name: str, disk_id: str) -> None:
        with _translated():
            self.sim.compute.detach_data_disk(resource_group, vm_name, disk_id)

    def get_scheduled_events(self, resource_group: str, vm_name: str) -> list[ScheduledEvent]:
        with _translated():
            return [views.scheduled_event_view(e) for e in self.sim.scheduled_events(resource_group, vm_name)]

    # observation -------------------------------------------------------------

    def get_image(self, ref: ImageRef, region: str) -> ImageInfo:
        with _translated():
            resolved = self.sim.images.resolve(views.image_to_sim(ref, self.sim.subscription_id), region)
        info = views.image_info(resolved)
        return info if ref.kind != "marketplace" else replace(info, ref=ref)

    def get_backend_health(self, resource_group: str, gateway: str) -> Mapping[str, str]:
        with _translated():
            by_pool = self.sim.gateways.backend_health(resource_group, gateway)
        health: dict[str, str] = {}
        for members in by_pool.values():
            for address, status in members.items():
                # An address in several pools is as healthy as its worst probe.
                if _HEALTH_RANK[status] >= _HEALTH_RANK.get(health.get(address, "Healthy"), 0):
                    health[address] = status
        return health

    def list_tagged(self, key: str, value: str | None = None) -> list[TaggedResource]:
        with _translated():
            found = self.sim.list_tagged(key, value)
        return [TaggedResource(r.id, r.kind, r.resource_group, r.name, dict(r.tags)) for r in found]

    def get_market(self, region: str, sizes: Sequence[str], zones: Sequence[str] = ()) -> list[MarketOffer]:
        sim, now = self.sim, self.sim.now()
        market, catalog = sim.market, sim.catalog
        offers: list[MarketOffer] = []
        for name in sizes:
            size = catalog.size(name)
            if size is None or catalog.price(region, size.name) is None:
                continue
            band = market.eviction_band(region, size.name)
            wanted: list[str | None] = list(zones) or [None]
            for zone in wanted:
                key = zone or ""
                spot_price = market.spot_price(region, key, size.name, now)
                offers.append(
                    MarketOffer(
                        region=region,
                        zone=zone,
                        size=size.name,
                        lifecycle="spot",
                        available=spot_price is not None
                        and market.spot_available(region, key, size.name, now),
                        price_hour=spot_price,
                        eviction_band=band,
                    )
                )
                offers.append(
                    MarketOffer(
                        region=region,
                        zone=zone,
                        size=size.name,
                        lifecycle="od",
                        available=market.od_available(region, key, size.name, now),
                        price_hour=market.od_price(region, size.name),
                    )
                )
        return offers

    def get_inventory(self, region: str) -> Inventory:
        sim = self.sim
        region = region.lower()
        with _translated():
            groups = tuple(g.name for g in sim.groups.list_groups())
            vnets = tuple(
                VirtualNetworkInfo(
                    resource_group=v.resource_group,
                    name=v.name,
                    region=v.location,
                    address_space=tuple(v.address_space),
                    subnets=tuple(SubnetInfo(s.name, s.address_prefix) for s in v.subnets.values()),
                )
                for v in sim.network.list_vnets(location=region)
            )
            nsgs = tuple(
                NamedRef(s.resource_group, s.name)
                for s in sim.network.list_security_groups(kind="nsg", location=region)
            )
            asgs = tuple(
                NamedRef(s.resource_group, s.name)
                for s in sim.network.list_security_groups(kind="asg", location=region)
            )
            gateways = tuple(
                LoadBalancerInfo(
                    g.resource_group,
                    g.name,
                    "applicationGateway",
                    g.sku,
                    tuple(p.name for p in g.pools.values()),
                )
                for g in sim.gateways.list_app_gateways(location=region)
            ) + tuple(
                LoadBalancerInfo(
                    b.resource_group, b.name, "loadBalancer", b.sku, tuple(p.name for p in b.pools.values())
                )
                for b in sim.load_balancers.list_load_balancers(location=region)
            )
            crgs = []
            for crg in sim.reservations.list_groups(location=region):
                totals: dict[str, tuple[int, int]] = {}
                for r in crg.reservations.values():
                    capacity, used = totals.get(r.size, (0, 0))
                    totals[r.size] = (capacity + r.capacity, used + r.used)
                crgs.append(
                    CapacityReservationGroupInfo(
                        crg.resource_group, crg.name, crg.location, crg.zones, totals
                    )
                )
            images = tuple(views.image_info(i) for i in sim.images.list_images(location=region))
        return Inventory(
            region=region,
            resource_groups=groups,
            virtual_networks=vnets,
            network_security_groups=nsgs,
            application_security_groups=asgs,
            load_balancers=gateways,
            capacity_reservation_groups=tuple(crgs),
            images=images,
        )

    # request building ----------------------------------------------------------

    def _vm_request(self, spec: VmSpec) -> VmRequest:
        sub = self.sim.subscription_id
        if isinstance(spec.os_disk, OsDiskAttach):
            os_disk = OsDiskRequest("Attach", disk_id=spec.os_disk.disk_id, caching=spec.os_disk.caching)
            image = None
        else:
            os_disk = OsDiskRequest(
                "FromImage",
                name=spec.os_disk.name,
                sku=spec.os_disk.sku,
                size_gb=spec.os_disk.size_gb,
                caching=spec.os_disk.caching,
            )
            image = views.image_to_sim(spec.os_disk.image, sub)
        profile = spec.os_profile
        spot = spec.priority == "Spot"
        return VmRequest(
            location=spec.region,
            size=spec.size,
            os_disk=os_disk,
            nic_ids=spec.nic_ids,
            image=image,
            priority=spec.priority,
            eviction_policy=(spec.eviction_policy or "Deallocate") if spot else None,
            max_price=spec.max_price if spot else None,
            zone=spec.zone,
            data_disks=tuple(DataDiskRequest(d.lun, d.disk_id, d.caching) for d in spec.data_disks),
            os_profile=None
            if profile is None
            else OsProfileRequest(
                computer_name=profile.computer_name,
                admin_username=profile.admin_username,
                admin_password=profile.admin_password,
                ssh_public_key=profile.ssh_public_key,
                custom_data=profile.custom_data,
            ),
            user_data=spec.user_data,
            security=views.security_to_sim(spec.security),
            capacity_reservation_group_id=spec.capacity_reservation_group_id,
            boot_diagnostics=spec.boot_diagnostics,
            boot_diagnostics_storage_uri=spec.boot_diagnostics_storage_uri,
            license_type=spec.license_type,
            extensions=tuple(
                VmExtension(
                    name=e.name,
                    publisher=e.publisher,
                    type=e.type,
                    type_handler_version=e.type_handler_version,
                    auto_upgrade_minor_version=e.auto_upgrade_minor_version,
                    settings=dict(e.settings),
                    protected_settings=dict(e.protected_settings),
                )
                for e in spec.extensions
            ),
            identity_ids=spec.identity_ids,
            proximity_placement_group_id=spec.proximity_placement_group_id,
            tags=dict(spec.tags),
        )
