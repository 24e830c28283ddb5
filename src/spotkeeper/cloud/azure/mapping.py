"""Azure SDK models → the port's frozen value objects (and the few untyped documents the driver
reads: Resource Graph rows and IMDS scheduled events), in one place.

The SDK's "hybrid" models are typed but every field is optional, and Azure's enums come back
as open strings. This module is where a field mapping is looked up or fixed, where `None`
becomes the port's default, and the only module of the driver that handles `Any`.

How the VM's runtime state is read (`../shared/reference/azure.md` §2.3): the instance view's
`statuses` are parsed by prefix, never by position (Azure omits the PowerState entry during
transitions): `PowerState/<state>` gives the power state, `ProvisioningState/failed/<Code>`
the code of a failed operation (an allocation failure Azure reported after accepting the
request), `OSState/generalized` a generalized VM. The guest agent's status is the
`displayStatus` of `vmAgent.statuses` ("Ready", "Not Ready").

Eviction: ARM does not say why a VM is deallocated. A Spot VM whose eviction policy is
Deallocate and that sits deallocated is read as evicted (`EVICTION_EVIDENCE`): that is the
state Azure leaves it in, and the engine's own deallocations (a pause) are known to the
engine, which never asks this flag about them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import Enum
from typing import Any, Literal, cast

from azure.mgmt.compute import models as compute
from azure.mgmt.network import models as network

from spotkeeper.cloud.azure.ids import group_of, name_of, parent_nic_id, parse_id
from spotkeeper.cloud.port import (
    AgentStatus,
    DataDiskAttach,
    Disk,
    ImageRef,
    Nic,
    PowerState,
    ProvisioningState,
    PublicIp,
    ScheduledEvent,
    SecurityProfile,
    Snapshot,
    Vm,
)

Row = Mapping[str, Any]  # one Resource Graph result row
EVICTION_EVIDENCE = "a deallocated Spot VM with eviction policy Deallocate"
_PROVISIONING: dict[str, ProvisioningState] = {
    "creating": "Creating",
    "updating": "Updating",
    "succeeded": "Succeeded",
    "failed": "Failed",
    "deleting": "Deleting",
    "canceled": "Failed",
    "cancelled": "Failed",
}
_POWER: frozenset[str] = frozenset(
    {"starting", "running", "stopping", "stopped", "deallocating", "deallocated"}
)
_EVENT_TYPES = frozenset({"Preempt", "Reboot", "Redeploy", "Freeze", "Terminate"})


def provisioning(value: object) -> ProvisioningState:
    """Azure's provisioning state in the port's five words; in-progress states the port has no
    word for ("Accepted", "Provisioning", "Migrating") read as "Updating"."""
    word = sdk_word(value)
    if word is None:
        return "Succeeded"
    return _PROVISIONING.get(word.lower(), "Updating")


def sdk_word(value: object) -> str | None:
    """An SDK value as Azure's own word: the SDK's enums are `str` enums whose `str()` is the
    Python name ("CachingTypes.NONE"), so their value is taken."""
    if value is None:
        return None
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)


def os_type_of(value: object) -> Literal["Linux", "Windows"] | None:
    word = sdk_word(value)
    if word is None:
        return None
    return "Windows" if word.lower() == "windows" else "Linux"


def _zone(zones: Iterable[str] | None) -> str | None:
    found = list(zones or [])
    return found[0] if found else None


# ----------------------------------------------------------------------------- disks


def disk_view(disk: compute.Disk) -> Disk:
    props = disk.properties
    managed_by = disk.managed_by or None
    raw_state = (sdk_word(props.disk_state) if props else None) or ""
    state: Literal["Unattached", "Attached", "Reserved"]
    if raw_state.lower() == "reserved":
        state = "Reserved"
    elif managed_by or raw_state.lower() in ("attached", "activesas", "activesasfrozen", "frozen"):
        state = "Attached"
    else:
        state = "Unattached"
    return Disk(
        id=disk.id or "",
        resource_group=group_of(disk.id or ""),
        name=disk.name or name_of(disk.id or ""),
        region=disk.location,
        zone=_zone(disk.zones),
        sku=(sdk_word(disk.sku.name) if disk.sku else None) or "",
        size_gb=(props.disk_size_gb if props else None) or 0,
        disk_state=state,
        managed_by=managed_by,
        provisioning_state=provisioning(props.provisioning_state if props else None),
        os_type=os_type_of(props.os_type if props else None),
        source_id=props.creation_data.source_resource_id if props and props.creation_data else None,
        tags=dict(disk.tags or {}),
    )


def snapshot_view(snap: compute.Snapshot, *, now: datetime) -> Snapshot:
    props = snap.properties
    state = provisioning(props.provisioning_state if props else None)
    percent = props.completion_percent if props else None
    if percent is None:
        percent = 100.0 if state == "Succeeded" else 0.0
    return Snapshot(
        id=snap.id or "",
        resource_group=group_of(snap.id or ""),
        name=snap.name or name_of(snap.id or ""),
        region=snap.location,
        source_disk_id=(props.creation_data.source_resource_id if props and props.creation_data else None)
        or "",
        provisioning_state=state,
        completion_percent=float(percent),
        time_created=(props.time_created if props else None) or now,
        size_gb=(props.disk_size_gb if props else None) or 0,
        os_type=os_type_of(props.os_type if props else None),
        tags=dict(snap.tags or {}),
    )


# ----------------------------------------------------------------------------- network


def public_ip_view(pip: network.PublicIPAddress) -> PublicIp:
    props = pip.properties
    config = props.ip_configuration if props else None
    return PublicIp(
        id=pip.id or "",
        resource_group=group_of(pip.id or ""),
        name=pip.name or name_of(pip.id or ""),
        region=pip.location or "",
        address=(props.ip_address if props else None) or "",
        sku=(sdk_word(pip.sku.name) if pip.sku else None) or "Standard",
        attached_nic_id=parent_nic_id(config.id) if config is not None and config.id else None,
        provisioning_state=provisioning(props.provisioning_state if props else None),
        tags=dict(pip.tags or {}),
    )


def primary_ip_configuration(
    nic: network.NetworkInterface,
) -> network.NetworkInterfaceIPConfiguration | None:
    configs = list((nic.properties.ip_configurations if nic.properties else None) or [])
    for config in configs:
        if config.properties is not None and config.properties.primary:
            return config
    return configs[0] if configs else None


def nic_view(nic: network.NetworkInterface) -> Nic:
    props = nic.properties
    primary = primary_ip_configuration(nic)
    config = primary.properties if primary is not None else None
    subnet = config.subnet if config is not None else None
    public_ip = config.public_ip_address if config is not None else None
    groups = (config.application_security_groups if config is not None else None) or []
    nsg = props.network_security_group if props else None
    vm = props.virtual_machine if props else None
    return Nic(
        id=nic.id or "",
        resource_group=group_of(nic.id or ""),
        name=nic.name or name_of(nic.id or ""),
        region=nic.location or "",
        subnet_id=(subnet.id if subnet is not None else None) or "",
        private_ip=(config.private_ip_address if config is not None else None) or "",
        public_ip_id=public_ip.id if public_ip is not None else None,
        attached_vm_id=vm.id if vm is not None else None,
        mac_address=(props.mac_address if props else None) or "",
        provisioning_state=provisioning(props.provisioning_state if props else None),
        network_security_group_id=nsg.id if nsg is not None else None,
        application_security_group_ids=tuple(g.id for g in groups if g.id),
        tags=dict(nic.tags or {}),
    )


# ----------------------------------------------------------------------------- VMs


@dataclass(frozen=True)
class InstanceState:
    """What the instance view says about a VM's runtime."""

    power_state: PowerState
    agent_status: AgentStatus
    failure_code: str | None
    generalized: bool


def instance_state(
    view: compute.VirtualMachineInstanceView | None, *, provisioning_state: ProvisioningState
) -> InstanceState:
    statuses = list((view.statuses if view else None) or [])
    power: PowerState | None = None
    failure: str | None = None
    generalized = False
    for status in statuses:
        code = status.code or ""
        lowered = code.lower()
        if lowered.startswith("powerstate/"):
            word = lowered.removeprefix("powerstate/")
            power = cast(PowerState, word) if word in _POWER else "unknown"
        elif lowered.startswith("provisioningstate/failed/"):
            failure = code.split("/", 2)[2] or None
        elif lowered == "osstate/generalized":
            generalized = True
    if power is None:
        # Azure omits the PowerState entry while a VM is created or changes state.
        power = "starting" if provisioning_state == "Creating" else "unknown"
    return InstanceState(power, _agent_status(view, power), failure, generalized)


def _agent_status(view: compute.VirtualMachineInstanceView | None, power: PowerState) -> AgentStatus:
    agent = view.vm_agent if view else None
    for status in (agent.statuses if agent else None) or []:
        shown = (status.display_status or "").replace(" ", "").lower()
        if shown == "ready":
            return "Ready"
        if shown == "notready":
            return "NotReady"
    return "NotReady" if power == "starting" else "Unknown"


def image_ref_of(ref: compute.ImageReference | None) -> ImageRef | None:
    if ref is None:
        return None
    if ref.id:
        parsed = parse_id(ref.id)
        if parsed is None:
            return None
        kinds = [t.lower() for t in parsed.types]
        if kinds == ["images"]:
            return ImageRef("custom", resource_group=parsed.resource_group, name=parsed.name)
        if kinds[:2] == ["galleries", "images"]:
            version = parsed.names[2] if len(parsed.names) >= 3 else "latest"
            return ImageRef(
                "gallery",
                resource_group=parsed.resource_group,
                gallery=parsed.names[0],
                name=parsed.names[1],
                version=version,
            )
        return None
    if ref.publisher and ref.offer and ref.sku:
        return ImageRef(
            "marketplace",
            publisher=ref.publisher,
            offer=ref.offer,
            sku=ref.sku,
            version=ref.version or "latest",
        )
    return None


def _security(profile: compute.SecurityProfile | None) -> SecurityProfile:
    if profile is None:
        return SecurityProfile()
    kind = (sdk_word(profile.security_type) or "Standard").lower()
    security_type: Literal["Standard", "TrustedLaunch", "ConfidentialVM"] = (
        "TrustedLaunch"
        if kind == "trustedlaunch"
        else "ConfidentialVM"
        if kind == "confidentialvm"
        else "Standard"
    )
    uefi = profile.uefi_settings
    return SecurityProfile(
        security_type=security_type,
        secure_boot=bool(uefi and uefi.secure_boot_enabled),
        vtpm=bool(uefi and uefi.v_tpm_enabled),
        encryption_at_host=bool(profile.encryption_at_host),
    )


def vm_view(vm: compute.VirtualMachine, *, now: datetime) -> Vm:
    props = vm.properties or compute.VirtualMachineProperties()
    storage = props.storage_profile
    os_disk = storage.os_disk if storage else None
    state = provisioning(props.provisioning_state)
    runtime = instance_state(props.instance_view, provisioning_state=state)
    priority: Literal["Spot", "Regular"] = (
        "Spot" if (sdk_word(props.priority) or "").lower() in ("spot", "low", "spotplus") else "Regular"
    )
    raw_policy = (sdk_word(props.eviction_policy) or "").lower()
    policy: Literal["Deallocate", "Delete"] | None = (
        None if priority == "Regular" else "Delete" if raw_policy == "delete" else "Deallocate"
    )
    nics = sorted(
        enumerate((props.network_profile.network_interfaces if props.network_profile else None) or []),
        key=lambda pair: (not (pair[1].properties and pair[1].properties.primary), pair[0]),
    )
    diff = os_disk.diff_disk_settings if os_disk else None
    return Vm(
        id=vm.id or "",
        resource_group=group_of(vm.id or ""),
        name=vm.name or name_of(vm.id or ""),
        region=vm.location,
        zone=_zone(vm.zones),
        size=(props.hardware_profile.vm_size if props.hardware_profile else None) or "",
        priority=priority,
        eviction_policy=policy,
        provisioning_state=state,
        power_state=runtime.power_state,
        agent_status=runtime.agent_status,
        os_disk_id=(os_disk.managed_disk.id if os_disk and os_disk.managed_disk else None) or "",
        os_type=os_type_of(os_disk.os_type if os_disk else None) or "Linux",
        data_disks=tuple(
            DataDiskAttach(lun=d.lun, disk_id=d.managed_disk.id, caching=sdk_word(d.caching) or "None")
            for d in sorted((storage.data_disks if storage else None) or [], key=lambda d: d.lun)
            if d.managed_disk is not None and d.managed_disk.id and not d.to_be_detached
        ),
        nic_ids=tuple(nic.id for _, nic in nics if nic.id),
        vm_id=props.vm_id or "",
        time_created=props.time_created or now,
        evicted=priority == "Spot" and policy == "Deallocate" and runtime.power_state == "deallocated",
        failure_code=runtime.failure_code if state == "Failed" else None,
        image=image_ref_of(storage.image_reference if storage else None),
        security=_security(props.security_profile),
        user_data=props.user_data,
        tags=dict(vm.tags or {}),
        generalized=runtime.generalized,
        ephemeral_os_disk=bool(diff and (sdk_word(diff.option) or "").lower() == "local"),
    )


# ----------------------------------------------------------------------------- documents


def rows_of(data: Any) -> list[Row]:
    """Resource Graph's `data` as a list of row objects (whether the answer came as
    "objectArray" or as "table" columns and rows)."""
    if isinstance(data, list):
        return [row for row in data if isinstance(row, Mapping)]
    if isinstance(data, Mapping):
        columns = [str(c.get("name", "")) for c in data.get("columns") or [] if isinstance(c, Mapping)]
        return [
            dict(zip(columns, row, strict=False)) for row in data.get("rows") or [] if isinstance(row, list)
        ]
    return []


def _row_value(row: Row, path: str) -> Any:
    """The value at a dotted path with `[n]` indexes ("properties.spotPrices[0].priceUSD")."""
    current: Any = row
    for step in path.split("."):
        name, _, index = step.partition("[")
        current = current.get(name) if isinstance(current, Mapping) else None
        if index:
            position = int(index.rstrip("]"))
            current = current[position] if isinstance(current, list) and position < len(current) else None
        if current is None:
            return None
    return current


def row_text(row: Row, path: str) -> str | None:
    value = _row_value(row, path)
    return None if value is None else str(value)


def row_number(row: Row, path: str) -> float | None:
    value = _row_value(row, path)
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def eviction_band(value: str | None) -> str | None:
    """Azure's eviction-rate band ("0-5" … "20+"), tolerating a trailing "%" and spaces."""
    if not value:
        return None
    band = value.replace("%", "").replace(" ", "")
    return band or None


def scheduled_events(document: Any) -> list[ScheduledEvent]:
    """An IMDS scheduled-events document (`{"DocumentIncarnation", "Events": [...]}`)."""
    events: list[ScheduledEvent] = []
    raw = document.get("Events") if isinstance(document, Mapping) else None
    for event in raw or []:
        if not isinstance(event, Mapping):
            continue
        kind = str(event.get("EventType", ""))
        if kind not in _EVENT_TYPES:
            continue
        status: Literal["Scheduled", "Started"] = (
            "Started" if str(event.get("EventStatus", "")) == "Started" else "Scheduled"
        )
        source: Literal["Platform", "User"] = (
            "User" if str(event.get("EventSource", "")) == "User" else "Platform"
        )
        duration = event.get("DurationInSeconds", -1)
        events.append(
            ScheduledEvent(
                event_id=str(event.get("EventId", "")),
                event_type=cast(Literal["Preempt", "Reboot", "Redeploy", "Freeze", "Terminate"], kind),
                resources=tuple(str(r) for r in event.get("Resources") or []),
                status=status,
                not_before=_imds_time(event.get("NotBefore")),
                source=source,
                duration_s=int(duration) if isinstance(duration, int | float) else -1,
                description=str(event.get("Description", "")),
            )
        )
    return events


def _imds_time(value: Any) -> datetime | None:
    """IMDS writes NotBefore as an RFC 1123 date ("Mon, 19 Sep 2016 18:29:47 GMT"), blank once
    the event has started."""
    if not value or not isinstance(value, str):
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


__all__ = [
    "EVICTION_EVIDENCE",
    "InstanceState",
    "Row",
    "disk_view",
    "eviction_band",
    "image_ref_of",
    "instance_state",
    "nic_view",
    "os_type_of",
    "primary_ip_configuration",
    "provisioning",
    "public_ip_view",
    "row_number",
    "row_text",
    "rows_of",
    "scheduled_events",
    "sdk_word",
    "snapshot_view",
    "vm_view",
]
