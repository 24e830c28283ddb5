"""The ARM facade's routes, as data: (method, path template, handler).

Templates are ARM paths with `{placeholders}` for single segments; matching ignores case, as
ARM does (the SDK itself writes `resourcegroups` in one client and `resourceGroups` in the
others). Every path under `/subscriptions/{sub}` must name the simulator's subscription. The
`api-version` query parameter is accepted whatever its value: SDK releases bump it often and
the shapes served here are the current ones. `/_sim/...` is the control API (`control`), not
part of ARM.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from spotkeeper.sim.arm import (
    control,
    disk_responses,
    graph_responses,
    image_responses,
    location_responses,
    network_responses,
    nic_responses,
    operations,
    resource_responses,
    vm_responses,
)
from spotkeeper.sim.arm.calls import Call, Reply

Handler = Callable[[Call], Reply]

SUB = "/subscriptions/{sub}"
RG = SUB + "/resourceGroups/{group}"
COMPUTE = RG + "/providers/Microsoft.Compute"
NETWORK = RG + "/providers/Microsoft.Network"
SUB_COMPUTE = SUB + "/providers/Microsoft.Compute"
SUB_NETWORK = SUB + "/providers/Microsoft.Network"
VM = COMPUTE + "/virtualMachines/{name}"
VNET = NETWORK + "/virtualNetworks/{name}"
GALLERY = COMPUTE + "/galleries/{gallery}"
CRG = COMPUTE + "/capacityReservationGroups/{name}"
SECURITY_GROUPS = "{kind:networkSecurityGroups|applicationSecurityGroups}"

ROUTES: list[tuple[str, str, Handler]] = [
    # long-running operations (both resource providers)
    (
        "GET",
        SUB + "/providers/{namespace}/locations/{location}/operations/{operation}",
        operations.operation_status,
    ),
    (
        "GET",
        SUB + "/providers/{namespace}/locations/{location}/operationResults/{operation}",
        operations.operation_result,
    ),
    # resource groups and generic resources
    ("GET", SUB + "/resourcegroups", resource_responses.list_groups),
    ("PUT", RG, resource_responses.put_group),
    ("PATCH", RG, resource_responses.patch_group),
    ("GET", RG, resource_responses.get_group),
    ("HEAD", RG, resource_responses.group_exists),
    ("GET", SUB + "/resources", resource_responses.list_resources),
    ("GET", RG + "/resources", resource_responses.list_resources_in_group),
    # virtual machines
    ("PUT", VM, vm_responses.put_vm),
    ("PATCH", VM, vm_responses.patch_vm),
    ("GET", VM, vm_responses.get_vm),
    ("DELETE", VM, vm_responses.delete_vm),
    ("GET", VM + "/instanceView", vm_responses.get_instance_view),
    ("POST", VM + "/{action}", vm_responses.vm_action),
    ("PUT", VM + "/extensions/{extension}", vm_responses.put_extension),
    ("GET", VM + "/extensions/{extension}", vm_responses.get_extension),
    ("DELETE", VM + "/extensions/{extension}", vm_responses.delete_extension),
    ("GET", VM + "/extensions", vm_responses.list_extensions),
    ("GET", COMPUTE + "/virtualMachines", vm_responses.list_vms_in_group),
    ("GET", SUB_COMPUTE + "/virtualMachines", vm_responses.list_vms),
    ("GET", SUB_COMPUTE + "/locations/{location}/virtualMachines", vm_responses.list_vms_in_location),
    # disks and snapshots
    ("PUT", COMPUTE + "/disks/{name}", disk_responses.put_disk),
    ("PATCH", COMPUTE + "/disks/{name}", disk_responses.patch_disk),
    ("GET", COMPUTE + "/disks/{name}", disk_responses.get_disk),
    ("DELETE", COMPUTE + "/disks/{name}", disk_responses.delete_disk),
    ("GET", COMPUTE + "/disks", disk_responses.list_disks_in_group),
    ("GET", SUB_COMPUTE + "/disks", disk_responses.list_disks),
    ("PUT", COMPUTE + "/snapshots/{name}", disk_responses.put_snapshot),
    ("PATCH", COMPUTE + "/snapshots/{name}", disk_responses.patch_snapshot),
    ("GET", COMPUTE + "/snapshots/{name}", disk_responses.get_snapshot),
    ("DELETE", COMPUTE + "/snapshots/{name}", disk_responses.delete_snapshot),
    ("GET", COMPUTE + "/snapshots", disk_responses.list_snapshots_in_group),
    ("GET", SUB_COMPUTE + "/snapshots", disk_responses.list_snapshots),
    # capacity reservations
    ("PUT", CRG, resource_responses.put_crg),
    ("GET", CRG, resource_responses.get_crg),
    ("GET", COMPUTE + "/capacityReservationGroups", resource_responses.list_crgs_in_group),
    ("GET", SUB_COMPUTE + "/capacityReservationGroups", resource_responses.list_crgs),
    ("PUT", CRG + "/capacityReservations/{reservation}", resource_responses.put_reservation),
    ("GET", CRG + "/capacityReservations/{reservation}", resource_responses.get_reservation),
    ("GET", CRG + "/capacityReservations", resource_responses.list_reservations),
    # images, galleries, resource SKUs
    ("PUT", COMPUTE + "/images/{name}", image_responses.put_image),
    ("GET", COMPUTE + "/images/{name}", image_responses.get_image),
    ("GET", COMPUTE + "/images", image_responses.list_images_in_group),
    ("GET", SUB_COMPUTE + "/images", image_responses.list_images),
    ("GET", GALLERY, image_responses.get_gallery),
    ("GET", COMPUTE + "/galleries", image_responses.list_galleries_in_group),
    ("GET", SUB_COMPUTE + "/galleries", image_responses.list_galleries),
    ("GET", GALLERY + "/images/{image}", image_responses.get_gallery_image),
    ("GET", GALLERY + "/images", image_responses.list_gallery_images),
    ("GET", GALLERY + "/images/{image}/versions/{version}", image_responses.get_gallery_version),
    ("GET", GALLERY + "/images/{image}/versions", image_responses.list_gallery_versions),
    (
        "GET",
        SUB_COMPUTE + "/locations/{location}/publishers/{publisher}/artifacttypes/vmimage/offers/{offer}"
        "/skus/{sku}/versions/{version}",
        image_responses.get_marketplace_version,
    ),
    (
        "GET",
        SUB_COMPUTE + "/locations/{location}/publishers/{publisher}/artifacttypes/vmimage/offers/{offer}"
        "/skus/{sku}/versions",
        image_responses.list_marketplace_versions,
    ),
    ("GET", SUB_COMPUTE + "/skus", location_responses.list_skus),
    ("GET", SUB_COMPUTE + "/locations/{location}/vmSizes", location_responses.list_vm_sizes),
    ("GET", SUB_COMPUTE + "/locations/{location}/usages", location_responses.list_usages),
    # network
    ("PUT", VNET, network_responses.put_vnet),
    ("GET", VNET, network_responses.get_vnet),
    ("GET", NETWORK + "/virtualNetworks", network_responses.list_vnets_in_group),
    ("GET", SUB_NETWORK + "/virtualNetworks", network_responses.list_vnets),
    ("PUT", VNET + "/subnets/{subnet}", network_responses.put_subnet),
    ("GET", VNET + "/subnets/{subnet}", network_responses.get_subnet),
    ("DELETE", VNET + "/subnets/{subnet}", network_responses.delete_subnet),
    ("GET", VNET + "/subnets", network_responses.list_subnets),
    ("PUT", NETWORK + "/" + SECURITY_GROUPS + "/{name}", network_responses.put_security_group),
    ("GET", NETWORK + "/" + SECURITY_GROUPS + "/{name}", network_responses.get_security_group),
    ("GET", NETWORK + "/" + SECURITY_GROUPS, network_responses.list_security_groups_in_group),
    ("GET", SUB_NETWORK + "/" + SECURITY_GROUPS, network_responses.list_security_groups),
    ("PUT", NETWORK + "/publicIPAddresses/{name}", nic_responses.put_public_ip),
    ("GET", NETWORK + "/publicIPAddresses/{name}", nic_responses.get_public_ip),
    ("DELETE", NETWORK + "/publicIPAddresses/{name}", nic_responses.delete_public_ip),
    ("GET", NETWORK + "/publicIPAddresses", nic_responses.list_public_ips_in_group),
    ("GET", SUB_NETWORK + "/publicIPAddresses", nic_responses.list_public_ips),
    ("PUT", NETWORK + "/networkInterfaces/{name}", nic_responses.put_nic),
    ("GET", NETWORK + "/networkInterfaces/{name}", nic_responses.get_nic),
    ("DELETE", NETWORK + "/networkInterfaces/{name}", nic_responses.delete_nic),
    (
        "GET",
        NETWORK + "/networkInterfaces/{name}/ipConfigurations/{config}",
        nic_responses.get_ip_configuration,
    ),
    ("GET", NETWORK + "/networkInterfaces", nic_responses.list_nics_in_group),
    ("GET", SUB_NETWORK + "/networkInterfaces", nic_responses.list_nics),
    ("PUT", NETWORK + "/applicationGateways/{name}", network_responses.put_gateway),
    ("GET", NETWORK + "/applicationGateways/{name}", network_responses.get_gateway),
    ("POST", NETWORK + "/applicationGateways/{name}/backendhealth", network_responses.backend_health),
    ("GET", NETWORK + "/applicationGateways", network_responses.list_gateways_in_group),
    ("GET", SUB_NETWORK + "/applicationGateways", network_responses.list_gateways),
    ("GET", NETWORK + "/loadBalancers/{name}", network_responses.get_load_balancer),
    ("GET", NETWORK + "/loadBalancers", network_responses.list_load_balancers),
    ("GET", SUB_NETWORK + "/loadBalancers", network_responses.list_load_balancers),
    # Resource Graph (no subscription in the path)
    ("POST", "/providers/Microsoft.ResourceGraph/resources", graph_responses.query_resources),
]

CONTROL_ROUTES: list[tuple[str, str, Handler]] = [
    ("GET", "/_sim", control.describe),
    ("GET", "/_sim/clock", control.get_clock),
    ("POST", "/_sim/clock/advance", control.advance_clock),
    ("POST", "/_sim/faults", control.add_fault),
    ("DELETE", "/_sim/faults", control.clear_faults),
    ("GET", "/_sim/faults", control.list_faults),
    ("PUT", "/_sim/disks/{disk_path:.+}/content", control.write_disk),
    ("GET", "/_sim/disks/{disk_path:.+}/content", control.read_disk),
    ("GET", "/_sim/trace", control.read_trace),
    ("GET", "/_sim/vms/{group}/{name}/scheduledevents", control.scheduled_events),
    ("POST", "/_sim/vms/{group}/{name}/scheduledevents", control.approve_event),
    ("GET", "/_sim/vms/{group}/{name}/instance", control.imds_instance),
    ("POST", "/_sim/vms/{group}/{name}/unhealthy", control.set_unhealthy),
    ("PUT", "/_sim/vms/{group}/{name}/disks/{target}/content", control.write_from_vm),
    ("PUT", "/_sim/quotas", control.set_quota),
]


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    pattern: re.Pattern[str]
    handler: Handler


_PLACEHOLDER = re.compile(r"\{(\w+)(?::([^}]+))?\}")


def compile_template(template: str) -> re.Pattern[str]:
    """`{name}` matches one path segment; `{name:regex}` matches `regex`."""
    parts: list[str] = []
    position = 0
    for match in _PLACEHOLDER.finditer(template):
        parts.append(re.escape(template[position : match.start()]))
        parts.append(f"(?P<{match[1]}>{match[2] or '[^/]+'})")
        position = match.end()
    parts.append(re.escape(template[position:]))
    return re.compile("^" + "".join(parts) + "/?$", re.IGNORECASE)


def build_routes(table: list[tuple[str, str, Handler]]) -> list[Route]:
    return [
        Route(method, template, compile_template(template), handler) for method, template, handler in table
    ]


def find_route(routes: list[Route], method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The route for (method, path) with its path parameters; None when nothing matches."""
    for route in routes:
        if route.method == method and (match := route.pattern.match(path)):
            return route, match.groupdict()
    return None
