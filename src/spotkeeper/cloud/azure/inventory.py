"""What exists in the subscription that a node can refer to, read through the Azure SDK: the
console's pick-lists (`get_inventory`), image resolution (`get_image`) and the garbage
collector's view of everything spotkeeper tagged (`list_tagged`).

Lists are subscription-wide and filtered to the region here (ARM lists have no location
filter for these types). Gallery image versions count for a region when they are replicated
there (`publishingProfile.targetRegions`, whose names Azure writes as display names, "East
US"); "latest" is the highest version not excluded from latest, as Azure resolves it.
`list_tagged` uses the generic resources list with ARM's tag filter
(`tagName eq 'k' and tagValue eq 'v'`) and keeps the five kinds the port knows.
"""

from __future__ import annotations

from azure.mgmt.compute import models as compute

from spotkeeper.cloud.azure import image_views, mapping
from spotkeeper.cloud.azure.clients import AzureClients
from spotkeeper.cloud.azure.errors import translated
from spotkeeper.cloud.azure.ids import group_of, name_of, parse_id
from spotkeeper.cloud.errors import NotFound
from spotkeeper.cloud.port import (
    CapacityReservationGroupInfo,
    ImageInfo,
    ImageRef,
    Inventory,
    LoadBalancerInfo,
    NamedRef,
    ResourceKind,
    SubnetInfo,
    TaggedResource,
    VirtualNetworkInfo,
)

KINDS: dict[str, ResourceKind] = {
    "microsoft.compute/virtualmachines": "vm",
    "microsoft.compute/disks": "disk",
    "microsoft.compute/snapshots": "snapshot",
    "microsoft.network/networkinterfaces": "nic",
    "microsoft.network/publicipaddresses": "public_ip",
}


def _region(value: str | None) -> str:
    return (value or "").replace(" ", "").lower()


def _odata(value: str) -> str:
    return value.replace("'", "''")


class InventoryReader:
    def __init__(self, clients: AzureClients) -> None:
        self.clients = clients

    # inventory ---------------------------------------------------------------

    def get_inventory(self, region: str) -> Inventory:
        region = region.lower()
        compute_client, network_client = self.clients.compute, self.clients.network
        with translated():
            groups = tuple(g.name for g in self.clients.resources.resource_groups.list() if g.name)
            vnets = tuple(
                VirtualNetworkInfo(
                    resource_group=group_of(v.id or ""),
                    name=v.name or "",
                    region=_region(v.location),
                    address_space=tuple(
                        (v.properties.address_space.address_prefixes or [])
                        if v.properties and v.properties.address_space
                        else []
                    ),
                    subnets=tuple(
                        SubnetInfo(
                            s.name or "",
                            (s.properties.address_prefix if s.properties else None)
                            or next(
                                iter((s.properties.address_prefixes if s.properties else None) or []), ""
                            ),
                        )
                        for s in ((v.properties.subnets if v.properties else None) or [])
                    ),
                )
                for v in network_client.virtual_networks.list_all()
                if _region(v.location) == region
            )
            nsgs = tuple(
                NamedRef(group_of(g.id or ""), g.name or "")
                for g in network_client.network_security_groups.list_all()
                if _region(g.location) == region
            )
            asgs = tuple(
                NamedRef(group_of(g.id or ""), g.name or "")
                for g in network_client.application_security_groups.list_all()
                if _region(g.location) == region
            )
            balancers = [
                LoadBalancerInfo(
                    group_of(g.id or ""),
                    g.name or "",
                    "applicationGateway",
                    mapping.sdk_word(g.properties.sku.name if g.properties and g.properties.sku else None)
                    or "",
                    tuple(
                        p.name or ""
                        for p in ((g.properties.backend_address_pools if g.properties else None) or [])
                    ),
                )
                for g in network_client.application_gateways.list_all()
                if _region(g.location) == region
            ]
            balancers += [
                LoadBalancerInfo(
                    group_of(b.id or ""),
                    b.name or "",
                    "loadBalancer",
                    mapping.sdk_word(b.sku.name if b.sku else None) or "",
                    tuple(
                        p.name or ""
                        for p in ((b.properties.backend_address_pools if b.properties else None) or [])
                    ),
                )
                for b in network_client.load_balancers.list_all()
                if _region(b.location) == region
            ]
            reservations = tuple(
                self._reservation_group(crg)
                for crg in compute_client.capacity_reservation_groups.list_by_subscription()
                if _region(crg.location) == region
            )
            images = self._images(region)
        return Inventory(
            region=region,
            resource_groups=groups,
            virtual_networks=vnets,
            network_security_groups=nsgs,
            application_security_groups=asgs,
            load_balancers=tuple(balancers),
            capacity_reservation_groups=reservations,
            images=images,
        )

    def _reservation_group(self, crg: compute.CapacityReservationGroup) -> CapacityReservationGroupInfo:
        group = group_of(crg.id or "")
        totals: dict[str, tuple[int, int]] = {}
        for reservation in self.clients.compute.capacity_reservations.list_by_capacity_reservation_group(
            group, crg.name or ""
        ):
            size = reservation.sku.name or ""
            capacity, used = totals.get(size, (0, 0))
            associated = (
                reservation.properties.virtual_machines_associated if reservation.properties else None
            ) or []
            totals[size] = (capacity + (reservation.sku.capacity or 0), used + len(associated))
        return CapacityReservationGroupInfo(
            group, crg.name or "", _region(crg.location), tuple(crg.zones or ()), totals
        )

    def _images(self, region: str) -> tuple[ImageInfo, ...]:
        compute_client = self.clients.compute
        found = [
            image_views.custom_image_info(image)
            for image in sorted(compute_client.images.list(), key=lambda i: (i.id or "").lower())
            if _region(image.location) == region
        ]
        for gallery in sorted(compute_client.galleries.list(), key=lambda g: (g.id or "").lower()):
            group, gallery_name = group_of(gallery.id or ""), gallery.name or ""
            for definition in compute_client.gallery_images.list_by_gallery(group, gallery_name):
                versions = compute_client.gallery_image_versions.list_by_gallery_image(
                    group, gallery_name, definition.name or ""
                )
                for version in sorted(versions, key=lambda v: image_views.version_key(v.name or "")):
                    if region in image_views.version_regions(version):
                        found.append(
                            image_views.gallery_image_info(definition, version, gallery=gallery_name)
                        )
        return tuple(found)

    # images ------------------------------------------------------------------

    def get_image(self, ref: ImageRef, region: str) -> ImageInfo:
        compute_client = self.clients.compute
        with translated():
            if ref.kind == "marketplace":
                version = ref.version or "latest"
                if version.lower() == "latest":
                    listed = compute_client.virtual_machine_images.list(
                        region, ref.publisher, ref.offer, ref.sku
                    )
                    if not listed:
                        raise NotFound(
                            f"no version of image {ref.publisher}:{ref.offer}:{ref.sku} in {region}"
                        )
                    version = max((v.name for v in listed), key=image_views.version_key)
                image = compute_client.virtual_machine_images.get(
                    region, ref.publisher, ref.offer, ref.sku, version
                )
                return image_views.marketplace_image_info(ref, image)
            if ref.kind == "custom":
                return image_views.custom_image_info(compute_client.images.get(ref.resource_group, ref.name))
            definition = compute_client.gallery_images.get(ref.resource_group, ref.gallery, ref.name)
            if ref.version and ref.version.lower() != "latest":
                chosen = compute_client.gallery_image_versions.get(
                    ref.resource_group, ref.gallery, ref.name, ref.version
                )
            else:
                candidates = [
                    v
                    for v in compute_client.gallery_image_versions.list_by_gallery_image(
                        ref.resource_group, ref.gallery, ref.name
                    )
                    if not image_views.excluded_from_latest(v)
                    and region.lower() in image_views.version_regions(v)
                ]
                if not candidates:
                    raise NotFound(f"gallery image {ref.gallery}/{ref.name} has no version in {region}")
                chosen = max(candidates, key=lambda v: image_views.version_key(v.name or ""))
            return image_views.gallery_image_info(definition, chosen, gallery=ref.gallery)

    # tags --------------------------------------------------------------------

    def list_tagged(self, key: str, value: str | None = None) -> list[TaggedResource]:
        expression = f"tagName eq '{_odata(key)}'"
        if value is not None:
            expression += f" and tagValue eq '{_odata(value)}'"
        found: list[TaggedResource] = []
        with translated():
            for resource in self.clients.resources.resources.list(filter=expression):
                kind = KINDS.get((resource.type or "").lower())
                tags = dict(resource.tags or {})
                # Tag names are case-insensitive in ARM, values are not.
                present = next((v for k, v in tags.items() if k.lower() == key.lower()), None)
                if (
                    kind is None
                    or not resource.id
                    or present is None
                    or (value is not None and present != value)
                ):
                    continue
                ref = parse_id(resource.id)
                found.append(
                    TaggedResource(
                        id=resource.id,
                        kind=kind,
                        resource_group=ref.resource_group if ref else group_of(resource.id),
                        name=resource.name or name_of(resource.id),
                        tags=tags,
                    )
                )
        return found


__all__ = ["KINDS", "InventoryReader"]
