"""The wizard's choices as the service reads them: pick-lists, images and the size table.

Split from `service_backend` (the adapter) because turning the inventory, catalog images and
catalog sizes into the console's choice values is its own job; the adapter delegates here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from spotkeeper.console.views import (
    ImageChoice,
    LoadBalancerChoice,
    NamedResource,
    PickLists,
    RegionChoice,
    ReservationGroupChoice,
    SizeChoice,
    SizeTable,
    VirtualNetworkChoice,
)
from spotkeeper.service import NodeService


def regions(service: NodeService) -> list[RegionChoice]:
    catalog = service.ctx.catalog  # not a use case yet
    return [
        RegionChoice(name=r.name, display_name=r.display_name, zones=tuple(r.zones))
        for r in sorted(catalog.regions.values(), key=lambda r: r.display_name)
    ]


def pick_lists(service: NodeService, region: str) -> PickLists:
    """What the region holds that a node can refer to, as the wizard's choices."""
    found = service.inventory(region=region)
    own_images = [i for i in images(service, region) if i.kind != "marketplace"]

    def named(items: Any) -> tuple[NamedResource, ...]:
        return tuple(NamedResource(resource_group=i["resourceGroupName"], name=i["name"]) for i in items)

    return PickLists(
        region=region,
        resource_groups=tuple(found.get("resourceGroups") or ()),
        virtual_networks=tuple(
            VirtualNetworkChoice(
                resource_group=v["resourceGroupName"],
                name=v["name"],
                subnets=tuple((s["name"], s.get("addressPrefix") or "") for s in v["subnets"]),
            )
            for v in found.get("virtualNetworks") or ()
        ),
        security_groups=named(found.get("networkSecurityGroups") or ()),
        application_security_groups=named(found.get("applicationSecurityGroups") or ()),
        load_balancers=tuple(
            LoadBalancerChoice(
                resource_group=b["resourceGroupName"],
                name=b["name"],
                type=b["type"],
                sku=b.get("sku") or "",
                backend_pools=tuple(b.get("backendPoolNames") or ()),
            )
            for b in found.get("loadBalancers") or ()
        ),
        reservation_groups=tuple(
            ReservationGroupChoice(
                resource_group=g["resourceGroupName"],
                name=g["name"],
                zones=tuple(g.get("zones") or ()),
                sizes=tuple(sorted({r["vmSize"] for r in g.get("reservations") or ()})),
            )
            for g in found.get("capacityReservationGroups") or ()
        ),
        images=tuple(own_images),
    )


def images(service: NodeService, region: str) -> list[ImageChoice]:
    """Marketplace, custom and gallery images; a gallery image's versions become one choice."""
    items = service.catalog_images(region=region)
    choices: list[ImageChoice] = []
    galleries: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for item in items:
        kind = item.get("kind")
        if kind == "marketplace":
            choices.append(
                ImageChoice(
                    kind="marketplace",
                    os=item["os"],
                    generation=item["generation"],
                    architecture=item["architecture"],
                    label=item.get("displayName") or item["sku"],
                    publisher=item["publisher"],
                    offer=item["offer"],
                    sku=item["sku"],
                )
            )
        elif kind == "custom":
            choices.append(
                ImageChoice(
                    kind="custom",
                    os=item["os"],
                    generation=item["generation"],
                    architecture=item["architecture"],
                    label=item["name"],
                    resource_group=item["resourceGroupName"],
                    name=item["name"],
                    specialized=item.get("osState") == "Specialized",
                    has_data_disks=bool(item.get("dataDiskLuns")),
                )
            )
        elif kind == "gallery":
            key = (item["resourceGroupName"], item.get("galleryName") or "", item["name"])
            galleries.setdefault(key, []).append(item)
    for (resource_group, gallery, name), versions in sorted(galleries.items()):
        first = versions[0]
        choices.append(
            ImageChoice(
                kind="gallery",
                os=first["os"],
                generation=first["generation"],
                architecture=first["architecture"],
                label=name,
                resource_group=resource_group,
                name=name,
                gallery=gallery,
                versions=tuple(
                    sorted(
                        {
                            str(v.get("version"))
                            for v in versions
                            if v.get("version") and v.get("version") != "latest"
                        }
                    )
                ),
                specialized=first.get("osState") == "Specialized",
                has_data_disks=any(v.get("dataDiskLuns") for v in versions),
            )
        )
    return choices


def size_table(
    service: NodeService,
    *,
    region: str,
    os: str,
    image: ImageChoice | None,
    security_type: str,
    attributes: Mapping[str, int | None] | None = None,
    excluded: Sequence[str] = (),
    lifecycle: Literal["spot", "od"] = "spot",
) -> SizeTable:
    # The service reads generation and architecture from a marketplace URN only; for custom and
    # gallery images the table is filtered by OS alone (see the report).
    urn = f"{image.publisher}:{image.offer}:{image.sku}" if image and image.kind == "marketplace" else None
    # The use case takes the bounds by their Python names (min_cpu), not the wire's (minCpu).
    bounds = None if attributes is None else {_snake(k): v for k, v in attributes.items() if v is not None}
    items = service.catalog_sizes(
        region=region,
        os=os,
        image=urn,
        security_type=security_type,
        lifecycle=lifecycle,
        attributes=bounds,
    )
    skip = {name.lower() for name in excluded}
    supported: list[SizeChoice] = []
    unsupported: list[SizeChoice] = []
    for item in items:
        if item["vmSize"] in skip:
            continue
        choice = SizeChoice(
            name=item["name"],
            wire_name=item["vmSize"],
            size_type=item["sizeType"],
            vcpus=item["vCpus"],
            memory_gib=item["memoryGiB"],
            storage_gib=item["storageGiB"],
            spot_month_usd=item.get("spotCostPerMonth"),
            od_month_usd=item.get("odCostPerMonth"),
            reasons=tuple(item.get("reasons") or ()),
        )
        (supported if item.get("supported") else unsupported).append(choice)
    return SizeTable(supported=supported, unsupported=unsupported)


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)
