"""The use cases beside Spot's API: the catalog and inventory pick-lists, validate-only, Terraform export.

The console's wizard needs, for a region: the VM sizes with their monthly costs and, for the
chosen image and security type, which sizes cannot be used and why; the marketplace, custom and
gallery images; and what exists in the subscription to refer to (resource groups, networks,
security groups, gateways, capacity reservation groups). The CLI and scripts want to check a
node without creating it and to turn one into a `spotinst_stateful_node_azure` resource.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

from spotkeeper.catalog import SizeAttributes, SizeRow, select_sizes
from spotkeeper.service.context import ServiceContext, cloud_errors
from spotkeeper.service.nodes import image_facts, unwrap
from spotkeeper.spec.models import node_to_wire, parse_node
from spotkeeper.spec.problems import Problem, SpecError
from spotkeeper.spec.rules import validate_node
from spotkeeper.spec.terraform import node_to_hcl

_RESOURCE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,63}$")


def _known_region(ctx: ServiceContext, region: str) -> str:
    if ctx.catalog.region(region) is None:
        known = ", ".join(sorted(ctx.catalog.regions))
        raise SpecError([Problem("INVALID_VALUE", "region", f"unknown region {region!r}; known: {known}")])
    return region


def _size_item(row: SizeRow, *, reasons: list[str]) -> dict[str, Any]:
    size = row.size
    return {
        "vmSize": size.name.lower(),
        "name": size.name,
        "family": size.family,
        "sizeType": size.size_type,
        "vCpus": size.vcpus,
        "memoryGiB": size.memory_gib,
        "storageGiB": size.temp_storage_gib,
        "maxDataDisks": size.max_data_disks,
        "maxNics": size.max_nics,
        "hyperVGenerations": sorted(size.hyperv_generations),
        "architecture": size.architecture,
        "spotCostPerMonth": row.spot_month_usd,
        "odCostPerMonth": row.od_month_usd,
        "supported": not reasons,
        "reasons": reasons,
    }


def catalog_sizes(
    ctx: ServiceContext,
    *,
    region: str,
    os: str = "Linux",
    image: str | None = None,
    security_type: str = "Standard",
    lifecycle: Literal["spot", "od"] = "spot",
    attributes: Mapping[str, int | None] | None = None,
) -> list[dict[str, Any]]:
    """Every catalog size for the region: supported ones first, then the others with reasons."""
    _known_region(ctx, region)
    generation = architecture = None
    if image:
        parts = image.split(":")
        found = ctx.catalog.find_image(*parts[:3]) if len(parts) in (3, 4) else None
        if found is None:
            raise SpecError(
                [
                    Problem(
                        "INVALID_VALUE",
                        "image",
                        f"{image!r} is not a marketplace image in the "
                        "catalog (expected publisher:offer:sku[:version])",
                    )
                ]
            )
        generation, architecture, os = found.generation, found.architecture, found.os
    try:
        bounds = SizeAttributes(**dict(attributes or {}))
        selection = select_sizes(
            ctx.catalog,
            region=region,
            os=os,
            generation=generation,
            architecture=architecture,
            security_type=security_type,
            attributes=bounds,
            lifecycle=lifecycle,
        )
    except ValueError as error:
        argument, _, message = str(error).partition(": ")
        field = {"security_type": "securityType", "os": "os"}.get(argument, argument)
        raise SpecError([Problem("INVALID_VALUE", _camel(field), message or str(error))]) from None
    items = [_size_item(row, reasons=[]) for row in selection.supported]
    items += [_size_item(u.row, reasons=u.reasons) for u in selection.unsupported if u.row is not None]
    return items


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def catalog_images(ctx: ServiceContext, *, region: str) -> list[dict[str, Any]]:
    """Marketplace images of the catalog plus the region's custom and gallery images."""
    _known_region(ctx, region)
    items: list[dict[str, Any]] = [
        {
            "kind": "marketplace",
            "publisher": i.publisher,
            "offer": i.offer,
            "sku": i.sku,
            "version": i.version,
            "urn": i.urn,
            "os": i.os,
            "architecture": i.architecture,
            "generation": i.generation,
            "displayName": i.display_name,
        }
        for i in ctx.catalog.images
        if not i.regions or region in i.regions
    ]
    with cloud_errors(f"reading the images of {region}"):
        inventory = ctx.cloud.get_inventory(region)
    for info in inventory.images:
        ref = info.ref
        item: dict[str, Any] = {
            "kind": ref.kind,
            "resourceGroupName": ref.resource_group,
            "name": ref.name,
            "os": info.os_type,
            "architecture": info.architecture,
            "generation": info.hyperv_generation,
            "osState": info.os_state,
            "dataDiskLuns": list(info.data_disk_luns),
        }
        if ref.kind == "gallery":
            item.update(galleryName=ref.gallery, version=ref.version)
        items.append(item)
    return items


def inventory(ctx: ServiceContext, *, region: str) -> dict[str, Any]:
    """What nodes in `region` can refer to, for the console's pick-lists."""
    _known_region(ctx, region)
    with cloud_errors(f"reading the inventory of {region}"):
        found = ctx.cloud.get_inventory(region)

    def named(refs: Any) -> list[dict[str, str]]:
        return [{"name": r.name, "resourceGroupName": r.resource_group} for r in refs]

    return {
        "region": found.region,
        "resourceGroups": list(found.resource_groups),
        "virtualNetworks": [
            {
                "name": v.name,
                "resourceGroupName": v.resource_group,
                "region": v.region,
                "addressSpace": list(v.address_space),
                "subnets": [{"name": s.name, "addressPrefix": s.address_prefix} for s in v.subnets],
            }
            for v in found.virtual_networks
        ],
        "networkSecurityGroups": named(found.network_security_groups),
        "applicationSecurityGroups": named(found.application_security_groups),
        "loadBalancers": [
            {
                "name": lb.name,
                "resourceGroupName": lb.resource_group,
                "type": lb.type,
                "sku": lb.sku,
                "backendPoolNames": list(lb.backend_pools),
            }
            for lb in found.load_balancers
        ],
        "capacityReservationGroups": [
            {
                "name": g.name,
                "resourceGroupName": g.resource_group,
                "region": g.region,
                "zones": list(g.zones),
                "reservations": [
                    {"vmSize": size, "capacity": cap, "used": used}
                    for size, (cap, used) in sorted(g.reservations.items())
                ],
            }
            for g in found.capacity_reservation_groups
        ],
        "images": [
            {
                "kind": i.ref.kind,
                "resourceGroupName": i.ref.resource_group,
                "name": i.ref.name,
                "galleryName": i.ref.gallery or None,
                "os": i.os_type,
                "generation": i.hyperv_generation,
                "osState": i.os_state,
            }
            for i in found.images
        ],
    }


def validate_only(ctx: ServiceContext, body: object) -> dict[str, Any]:
    """Every problem of a node, without creating it (the report, valid or not)."""
    raw = unwrap(body, "statefulNode")
    region = raw.get("region")
    facts = image_facts(ctx, region) if isinstance(region, str) else None
    report = validate_node(raw, catalog=ctx.catalog, images=facts)
    return report.as_dict()


def export_terraform(
    ctx: ServiceContext, account_id: str, body: object, *, resource_name: str | None = None
) -> dict[str, Any]:
    """A `spotinst_stateful_node_azure` resource for a posted node or a stored one (`nodeId`)."""
    if isinstance(body, Mapping) and "nodeId" in body:
        node_id = body["nodeId"]
        if not isinstance(node_id, str) or set(body) != {"nodeId"}:
            raise SpecError(
                [
                    Problem(
                        "INVALID_VALUE", "nodeId", 'send either {"nodeId": "ssn-…"} or {"statefulNode": {…}}'
                    )
                ]
            )
        wire = node_to_wire(parse_node(ctx.node(account_id, node_id).spec))
    else:
        wire = node_to_wire(parse_node(unwrap(body, "statefulNode")), include_secrets=True)
    if resource_name is not None and not _RESOURCE_NAME.match(resource_name):
        raise SpecError(
            [
                Problem(
                    "INVALID_VALUE",
                    "resourceName",
                    "resourceName must start with a letter or '_' and hold up to 64 "
                    "letters, digits, '_' and '-'",
                )
            ]
        )
    return {"resourceName": resource_name, "hcl": node_to_hcl(wire, resource_name=resource_name)}
