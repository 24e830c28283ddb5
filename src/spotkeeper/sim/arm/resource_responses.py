"""Subscription-level reads and the containers over HTTPS: resource groups, the generic
resource list (how a driver finds everything carrying a tag), and capacity reservation groups
with their reservations.

The generic resource list understands ARM's `$filter` forms `tagName eq 'k' [and tagValue eq
'v']`, `resourceType eq 't'`, `location eq 'l'` and `name eq 'n'`, joined with `and`; tag
names match case-insensitively and values exactly, as in ARM.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from spotkeeper.sim.arm.calls import Call, Reply
from spotkeeper.sim.arm.wire import (
    Json,
    envelope,
    integer,
    listing,
    required_text,
    strings,
    tags,
)
from spotkeeper.sim.azure import SimAzure
from spotkeeper.sim.errors import ArmError
from spotkeeper.sim.network_models import SECURITY_GROUP_TYPES
from spotkeeper.sim.reservations import CapacityReservation, CapacityReservationGroup
from spotkeeper.sim.resource_groups import ResourceGroup

CRG_TYPE = "Microsoft.Compute/capacityReservationGroups"

# ----------------------------------------------------------------------------- resource groups


def group_document(group: ResourceGroup) -> Json:
    return envelope(
        group.id,
        group.name,
        "Microsoft.Resources/resourceGroups",
        location=group.location,
        tags=group.tags,
        properties={"provisioningState": group.provisioning_state},
    )


def put_group(call: Call) -> Reply:
    body = call.json_body()
    name = call.param("group")
    existed = name.lower() in call.sim.ctx.state.resource_groups
    group = call.sim.groups.create_or_update(name, location=required_text(body, "location"), tags=tags(body))
    return Reply(200 if existed else 201, group_document(group))


def patch_group(call: Call) -> Reply:
    group = call.sim.groups.get(call.param("group"))
    updated = call.sim.groups.create_or_update(
        group.name, location=group.location, tags=tags(call.json_body()) or group.tags
    )
    return Reply(200, group_document(updated))


def get_group(call: Call) -> Reply:
    return Reply(200, group_document(call.sim.groups.get(call.param("group"))))


def group_exists(call: Call) -> Reply:
    """HEAD: 204 when the group exists, 404 otherwise (`check_existence`)."""
    exists = call.param("group").lower() in call.sim.ctx.state.resource_groups
    return Reply(204 if exists else 404)


def list_groups(call: Call) -> Reply:
    return Reply(200, listing(group_document(g) for g in call.sim.groups.list_groups()))


# ----------------------------------------------------------------------------- generic resources


@dataclass(frozen=True)
class ResourceRow:
    id: str
    name: str
    type: str
    location: str
    resource_group: str
    tags: dict[str, str]
    zones: tuple[str, ...] = ()
    managed_by: str | None = None


def every_resource(sim: SimAzure) -> Iterator[ResourceRow]:
    """Every resource of the subscription below the resource groups, in a stable order."""
    state = sim.ctx.state
    for vm in sim.compute.list_vms():
        yield ResourceRow(vm.id, vm.name, "Microsoft.Compute/virtualMachines", vm.location,
                          vm.resource_group, dict(vm.tags), (vm.zone,) if vm.zone else ())  # fmt: skip
    for disk in sim.storage.list_disks():
        yield ResourceRow(disk.id, disk.name, "Microsoft.Compute/disks", disk.location, disk.resource_group,
                          dict(disk.tags), (disk.zone,) if disk.zone else (), disk.managed_by)  # fmt: skip
    for snap in sim.storage.list_snapshots():
        yield ResourceRow(snap.id, snap.name, "Microsoft.Compute/snapshots", snap.location,
                          snap.resource_group, dict(snap.tags))  # fmt: skip
    for nic in sim.network.list_nics():
        yield ResourceRow(nic.id, nic.name, "Microsoft.Network/networkInterfaces", nic.location,
                          nic.resource_group, dict(nic.tags))  # fmt: skip
    for pip in sim.network.list_public_ips():
        yield ResourceRow(pip.id, pip.name, "Microsoft.Network/publicIPAddresses", pip.location,
                          pip.resource_group, dict(pip.tags), pip.zones)  # fmt: skip
    for vnet in sim.network.list_vnets():
        yield ResourceRow(vnet.id, vnet.name, "Microsoft.Network/virtualNetworks", vnet.location,
                          vnet.resource_group, dict(vnet.tags))  # fmt: skip
    for sg in [*sim.network.list_security_groups(kind="nsg"), *sim.network.list_security_groups(kind="asg")]:
        type_name = SECURITY_GROUP_TYPES[sg.kind]
        yield ResourceRow(sg.id, sg.name, f"Microsoft.Network/{type_name}", sg.location,
                          sg.resource_group, dict(sg.tags))  # fmt: skip
    for gw in sim.gateways.list_app_gateways():
        yield ResourceRow(gw.id, gw.name, "Microsoft.Network/applicationGateways", gw.location,
                          gw.resource_group, dict(gw.tags))  # fmt: skip
    for crg in sim.reservations.list_groups():
        yield ResourceRow(crg.id, crg.name, CRG_TYPE, crg.location, crg.resource_group, dict(crg.tags),
                          crg.zones)  # fmt: skip
    with sim.ctx.lock:
        images = [state.images[k] for k in sorted(state.images)]
        galleries = [state.galleries[k] for k in sorted(state.galleries)]
    for image in images:
        yield ResourceRow(image.id, image.name, "Microsoft.Compute/images", image.location,
                          image.resource_group, dict(image.tags))  # fmt: skip
    for gallery in galleries:
        yield ResourceRow(gallery.id, gallery.name, "Microsoft.Compute/galleries", gallery.location,
                          gallery.resource_group, dict(gallery.tags))  # fmt: skip


_CLAUSE = re.compile(r"^\s*(tagname|tagvalue|resourcetype|location|name)\s+eq\s+'((?:[^']|'')*)'\s*$", re.I)


def parse_resource_filter(expression: str) -> dict[str, str]:
    """ARM's generic-resource `$filter` as {field: value}; anything else is a 400."""
    found: dict[str, str] = {}
    for clause in re.split(r"\s+and\s+", expression.strip(), flags=re.IGNORECASE):
        match = _CLAUSE.match(clause)
        if match is None:
            raise ArmError(
                400,
                "InvalidFilterInQueryString",
                f"The $filter clause '{clause}' is not supported; use tagName/tagValue, resourceType, "
                f"location or name with 'eq', joined by 'and'.",
                target="$filter",
            )
        found[match[1].lower()] = match[2].replace("''", "'")
    if "tagvalue" in found and "tagname" not in found:
        raise ArmError(400, "InvalidFilterInQueryString", "tagValue needs a tagName.", target="$filter")
    return found


def _matches(row: ResourceRow, wanted: dict[str, str]) -> bool:
    if "tagname" in wanted:
        value = next((v for k, v in row.tags.items() if k.lower() == wanted["tagname"].lower()), None)
        if value is None or ("tagvalue" in wanted and value != wanted["tagvalue"]):
            return False
    return (
        ("resourcetype" not in wanted or row.type.lower() == wanted["resourcetype"].lower())
        and ("location" not in wanted or row.location.lower() == wanted["location"].lower())
        and ("name" not in wanted or row.name.lower() == wanted["name"].lower())
    )


def _resource_document(row: ResourceRow) -> Json:
    return envelope(
        row.id,
        row.name,
        row.type,
        location=row.location,
        tags=row.tags,
        zones=row.zones,
        managedBy=row.managed_by,
    )


def _listed_resources(call: Call, group: str | None) -> Reply:
    expression = call.query.get("$filter", "")
    wanted = parse_resource_filter(expression) if expression.strip() else {}
    rows = [
        r
        for r in every_resource(call.sim)
        if (group is None or r.resource_group.lower() == group.lower()) and _matches(r, wanted)
    ]
    top = call.query.get("$top")
    if top is not None:
        if not top.isdigit():
            raise ArmError(
                400, "InvalidParameter", f"$top must be a whole number, not '{top}'.", target="$top"
            )
        rows = rows[: int(top)]
    return Reply(200, listing(_resource_document(r) for r in rows))


def list_resources(call: Call) -> Reply:
    return _listed_resources(call, None)


def list_resources_in_group(call: Call) -> Reply:
    group = call.sim.groups.get(call.param("group"))
    return _listed_resources(call, group.name)


# ----------------------------------------------------------------------------- capacity reservations


def _reservation_document(crg: CapacityReservationGroup, reservation: CapacityReservation) -> Json:
    vms = [{"id": vm_key} for vm_key in sorted(reservation.vm_ids)]
    return envelope(
        reservation.id,
        reservation.name,
        f"{CRG_TYPE}/capacityReservations",
        location=crg.location,
        zones=[reservation.zone] if reservation.zone else None,
        sku={"name": reservation.size, "capacity": reservation.capacity},
        properties={
            "reservationId": _stable_guid(reservation.id),
            "provisioningState": "Succeeded",
            "virtualMachinesAssociated": vms,
            "instanceView": {
                "utilizationInfo": {"currentCapacity": reservation.capacity, "virtualMachinesAllocated": vms}
            },
        },
    )


def _stable_guid(value: str) -> str:
    import uuid

    return str(uuid.uuid5(uuid.NAMESPACE_URL, value.lower()))


def crg_document(sim: SimAzure, crg: CapacityReservationGroup, *, expand: bool = False) -> Json:
    associated = [
        {"id": vm.id}
        for vm in sim.compute.list_vms()
        if vm.capacity_reservation_group_id and vm.capacity_reservation_group_id.lower() == crg.id.lower()
    ]
    props: Json = {
        "provisioningState": crg.provisioning_state,
        "capacityReservations": [{"id": r.id} for r in crg.reservations.values()],
        "virtualMachinesAssociated": associated,
    }
    if expand:
        props["instanceView"] = {
            "capacityReservations": [
                {
                    "name": r.name,
                    "utilizationInfo": {
                        "currentCapacity": r.capacity,
                        "virtualMachinesAllocated": [{"id": v} for v in sorted(r.vm_ids)],
                    },
                }
                for r in crg.reservations.values()
            ]
        }
    return envelope(
        crg.id,
        crg.name,
        CRG_TYPE,
        location=crg.location,
        tags=crg.tags,
        zones=list(crg.zones),
        properties=props,
    )


def put_crg(call: Call) -> Reply:
    body = call.json_body()
    sim, group, name = call.sim, call.param("group"), call.param("name")
    existed = any(c.name.lower() == name.lower() and c.resource_group.lower() == group.lower()
                  for c in sim.reservations.list_groups())  # fmt: skip
    crg = sim.reservations.create_or_update_group(
        group, name, location=required_text(body, "location"), zones=strings(body, "zones"), tags=tags(body)
    )
    return Reply(200 if existed else 201, crg_document(sim, crg))


def get_crg(call: Call) -> Reply:
    crg = call.sim.reservations.get_group(call.param("group"), call.param("name"))
    expand = "instanceview" in call.query.get("$expand", "").lower()
    return Reply(200, crg_document(call.sim, crg, expand=expand))


def list_crgs_in_group(call: Call) -> Reply:
    group = call.sim.groups.get(call.param("group")).name.lower()
    found = [c for c in call.sim.reservations.list_groups() if c.resource_group.lower() == group]
    return Reply(200, listing(crg_document(call.sim, c) for c in found))


def list_crgs(call: Call) -> Reply:
    return Reply(200, listing(crg_document(call.sim, c) for c in call.sim.reservations.list_groups()))


def put_reservation(call: Call) -> Reply:
    body = call.json_body()
    sim, group, crg_name, name = call.sim, call.param("group"), call.param("name"), call.param("reservation")
    crg = sim.reservations.get_group(group, crg_name)
    existed = name.lower() in crg.reservations
    zones = strings(body, "zones")
    capacity = integer(body, "sku.capacity")
    reservation = sim.reservations.create_or_update_reservation(
        group,
        crg_name,
        name,
        size=required_text(body, "sku.name"),
        capacity=0 if capacity is None else capacity,
        zone=zones[0] if zones else None,
    )
    return Reply(200 if existed else 201, _reservation_document(crg, reservation))


def get_reservation(call: Call) -> Reply:
    crg = call.sim.reservations.get_group(call.param("group"), call.param("name"))
    reservation = crg.reservations.get(call.param("reservation").lower())
    if reservation is None:
        raise ArmError(
            404,
            "ResourceNotFound",
            f"The Resource '{CRG_TYPE}/capacityReservations/{crg.name}/{call.param('reservation')}' under "
            f"resource group '{crg.resource_group}' was not found.",
        )
    return Reply(200, _reservation_document(crg, reservation))


def list_reservations(call: Call) -> Reply:
    crg = call.sim.reservations.get_group(call.param("group"), call.param("name"))
    return Reply(200, listing(_reservation_document(crg, r) for r in crg.reservations.values()))
