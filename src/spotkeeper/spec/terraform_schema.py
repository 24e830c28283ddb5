"""The `spotinst_stateful_node_azure` schema as data: one table read in both directions.

The Terraform provider renames and regroups the wire fields (`fallback_to_on_demand` →
`strategy.fallbackToOd`, top-level `signal` blocks → `strategy.signals[]`, flattened
`should_persist_*` → `persistence.*`, `crg_name` → `name`, ...). Writing that mapping twice, once
for export and once for import, would let the two drift apart; so it lives here once, as data
(spot-api.md §7.2), and `terraform_write` / `terraform_read` only interpret it.

Each `Argument` or `Block` names its HCL spelling and a dotted wire path *relative to the wire
object of the enclosing block* (the resource body is relative to the node root). A dotted path
creates intermediate objects, which is how flattened provider arguments land in nested wire
objects.

What the provider cannot express is listed in `UNSUPPORTED_BY_PROVIDER`; `unsupported_fields`
walks a wire node against this table and names every field that would not survive export.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Literal

RESOURCE_TYPE = "spotinst_stateful_node_azure"

# string: HCL string; integer / boolean: HCL number / bool; strings: list of strings;
# object: an HCL object holding arbitrary JSON (extension settings).
Kind = Literal["string", "integer", "boolean", "strings", "object"]


@dataclass(frozen=True)
class Argument:
    name: str
    wire: str
    kind: Kind
    required: bool = False


@dataclass(frozen=True)
class Block:
    name: str
    wire: str
    fields: tuple[Argument | Block, ...]
    repeated: bool = False
    required: bool = False


def _arg(name: str, wire: str, kind: Kind = "string", *, required: bool = False) -> Argument:
    return Argument(name, wire, kind, required)


def _block(name: str, wire: str, *fields: Argument | Block, required: bool = False) -> Block:
    return Block(name, wire, tuple(fields), repeated=False, required=required)


def _blocks(name: str, wire: str, *fields: Argument | Block) -> Block:
    return Block(name, wire, tuple(fields), repeated=True)


def _name_and_group() -> tuple[Argument, Argument]:
    return _arg("name", "name"), _arg("resource_group_name", "resourceGroupName")


def _network_group_and_name() -> tuple[Argument, Argument]:
    # Inside `network`, the provider spells every resource group `network_resource_group_name`.
    return _arg("network_resource_group_name", "resourceGroupName"), _arg("name", "name")


_LS = "compute.launchSpecification"

RESOURCE_FIELDS: tuple[Argument | Block, ...] = (
    _arg("name", "name", required=True),
    _arg("region", "region", required=True),
    _arg("resource_group_name", "resourceGroupName", required=True),
    _arg("description", "description"),
    _arg("os", "compute.os", required=True),
    _arg("zones", "compute.zones", "strings"),
    _arg("preferred_zone", "compute.preferredZone"),
    _arg("custom_data", f"{_LS}.customData"),
    _arg("shutdown_script", f"{_LS}.shutdownScript"),
    _arg("user_data", f"{_LS}.userData"),
    _arg("vm_name", f"{_LS}.vmName"),
    _arg("vm_name_prefix", f"{_LS}.vmNamePrefix"),
    _arg("license_type", f"{_LS}.licenseType"),
    _arg("should_persist_os_disk", "persistence.shouldPersistOsDisk", "boolean", required=True),
    _arg("os_disk_persistence_mode", "persistence.osDiskPersistenceMode"),
    _arg("should_persist_data_disks", "persistence.shouldPersistDataDisks", "boolean", required=True),
    _arg("data_disks_persistence_mode", "persistence.dataDisksPersistenceMode"),
    _arg("should_persist_network", "persistence.shouldPersistNetwork", "boolean", required=True),
    _block(
        "strategy",
        "strategy",
        _arg("fallback_to_on_demand", "fallbackToOd", "boolean", required=True),
        _arg("preferred_life_cycle", "preferredLifecycle"),
        _arg("draining_timeout", "drainingTimeout", "integer"),
        _arg("availability_vs_cost", "availabilityVsCost", "integer"),
        _arg("optimization_windows", "optimizationWindows", "strings"),
        _arg("od_windows", "odWindows", "strings"),
        _arg("vm_admins", "vmAdmins", "strings"),
        _block("revert_to_spot", "revertToSpot", _arg("perform_at", "performAt")),
        _block(
            "interruption_toleration",
            "interruptionToleration",
            _arg("is_enabled", "isEnabled", "boolean"),
            _arg("threshold", "threshold", "integer"),
            _arg("evaluation_period", "evaluationPeriod", "integer"),
            _arg("cooldown", "cooldown", "integer"),
        ),
        _block(
            "capacity_reservation",
            "capacityReservation",
            _arg("should_utilize", "shouldUtilize", "boolean"),
            _arg("utilization_strategy", "utilizationStrategy"),
            _blocks(
                "capacity_reservation_groups",
                "capacityReservationGroups",
                _arg("crg_name", "name"),
                _arg("crg_resource_group_name", "resourceGroupName"),
                _arg("crg_should_prioritize", "shouldPrioritize", "boolean"),
            ),
        ),
        required=True,
    ),
    _blocks("signal", "strategy.signals", _arg("type", "type"), _arg("timeout", "timeout", "integer")),
    _block(
        "vm_sizes",
        "compute.vmSizes",
        _arg("od_sizes", "odSizes", "strings", required=True),
        _arg("spot_sizes", "spotSizes", "strings"),
        _arg("preferred_spot_sizes", "preferredSpotSizes", "strings"),
        _arg("excluded_vm_sizes", "excludedVmSizes", "strings"),
        _block(
            "spot_size_attributes",
            "spotSizeAttributes",
            _arg("max_cpu", "maxCpu", "integer"),
            _arg("min_cpu", "minCpu", "integer"),
            _arg("max_memory", "maxMemory", "integer"),
            _arg("min_memory", "minMemory", "integer"),
            _arg("max_storage", "maxStorage", "integer"),
            _arg("min_storage", "minStorage", "integer"),
        ),
    ),
    _block(
        "image",
        f"{_LS}.image",
        _block(
            "marketplace_image",
            "marketplace",
            _arg("publisher", "publisher"),
            _arg("offer", "offer"),
            _arg("sku", "sku"),
            _arg("version", "version"),
        ),
        _block(
            "custom_image",
            "custom",
            _arg("custom_image_resource_group_name", "resourceGroupName"),
            _arg("name", "name"),
        ),
        _block(
            "gallery",
            "gallery",
            _arg("gallery_resource_group_name", "resourceGroupName"),
            _arg("gallery_name", "galleryName"),
            _arg("image_name", "imageName"),
            _arg("version_name", "versionName"),
            _arg("spot_account_id", "spotAccountId"),
        ),
    ),
    _block(
        "login",
        f"{_LS}.login",
        _arg("user_name", "userName", required=True),
        _arg("ssh_public_key", "sshPublicKey"),
        _arg("password", "password"),
    ),
    _block(
        "network",
        f"{_LS}.network",
        _arg("network_resource_group_name", "resourceGroupName"),
        _arg("virtual_network_name", "virtualNetworkName"),
        _blocks(
            "network_interface",
            "networkInterfaces",
            _arg("is_primary", "isPrimary", "boolean"),
            _arg("subnet_name", "subnetName"),
            _arg("assign_public_ip", "assignPublicIp", "boolean"),
            _arg("public_ip_sku", "publicIpSku"),
            _arg("enable_ip_forwarding", "enableIpForwarding", "boolean"),
            _arg("private_ip_addresses", "privateIpAddresses", "strings"),
            _block("network_security_group", "networkSecurityGroup", *_network_group_and_name()),
            _blocks(
                "additional_ip_configurations",
                "additionalIpConfigurations",
                _arg("name", "name"),
                _arg("private_ip_address_version", "privateIpAddressVersion"),
            ),
            _blocks("public_ips", "publicIps", *_network_group_and_name()),
            _blocks(
                "application_security_groups",
                "applicationSecurityGroups",
                *_network_group_and_name(),
            ),
        ),
    ),
    _block(
        "os_disk",
        f"{_LS}.osDisk",
        _arg("size_gb", "sizeGB", "integer"),
        _arg("type", "type", required=True),
        _arg("caching", "caching"),
    ),
    _blocks(
        "data_disk",
        f"{_LS}.dataDisks",
        _arg("size_gb", "sizeGB", "integer"),
        _arg("lun", "lun", "integer"),
        _arg("type", "type"),
    ),
    _block(
        "boot_diagnostics",
        f"{_LS}.bootDiagnostics",
        _arg("is_enabled", "isEnabled", "boolean"),
        _arg("storage_url", "storageUrl"),
        _arg("type", "type"),
    ),
    _blocks(
        "extension",
        f"{_LS}.extensions",
        _arg("name", "name"),
        _arg("type", "type"),
        _arg("publisher", "publisher"),
        _arg("api_version", "apiVersion"),
        _arg("minor_version_auto_upgrade", "minorVersionAutoUpgrade", "boolean"),
        _arg("protected_settings", "protectedSettings", "object"),
        _arg("public_settings", "publicSettings", "object"),
    ),
    _blocks(
        "load_balancer",
        f"{_LS}.loadBalancersConfig.loadBalancers",
        _arg("type", "type"),
        _arg("resource_group_name", "resourceGroupName"),
        _arg("name", "name"),
        _arg("sku", "loadBalancerSku"),
        _arg("backend_pool_names", "backendPoolNames", "strings"),
    ),
    _blocks(
        "managed_service_identities",
        f"{_LS}.managedServiceIdentities",
        *_name_and_group(),
        _arg("subscription_id", "subscriptionId"),
    ),
    _blocks(
        "proximity_placement_groups",
        f"{_LS}.proximityPlacementGroups",
        *_name_and_group(),
    ),
    _blocks(
        "secret",
        f"{_LS}.secrets",
        _block("source_vault", "sourceVault", *_name_and_group()),
        _blocks(
            "vault_certificates",
            "vaultCertificates",
            _arg("certificate_url", "certificateUrl"),
            _arg("certificate_store", "certificateStore"),
        ),
    ),
    _block(
        "security",
        f"{_LS}.security",
        _arg("security_type", "securityType"),
        _arg("secure_boot_enabled", "secureBootEnabled", "boolean"),
        _arg("vtpm_enabled", "vTpmEnabled", "boolean"),
        _arg("encryption_at_host", "encryptionAtHost", "boolean"),
        _arg("confidential_os_disk_encryption", "confidentialOsDiskEncryption", "boolean"),
    ),
    _blocks("tag", f"{_LS}.tags", _arg("tag_key", "tagKey"), _arg("tag_value", "tagValue")),
    _block(
        "health",
        "health",
        _arg("health_check_types", "healthCheckTypes", "strings", required=True),
        _arg("unhealthy_duration", "unhealthyDuration", "integer"),
        _arg("grace_period", "gracePeriod", "integer"),
        _arg("auto_healing", "autoHealing", "boolean", required=True),
    ),
    _blocks(
        "scheduling_task",
        "scheduling.tasks",
        _arg("is_enabled", "isEnabled", "boolean"),
        _arg("type", "type"),
        _arg("cron_expression", "cronExpression"),
    ),
)

# Action blocks sit inside the resource but are calls, not node configuration. Their wire paths
# are relative to the request body of the matching call (spot-api.md §4).
_DELETE_SUBCONFIGS = (
    ("network", "networkDeallocationConfig"),
    ("disk", "diskDeallocationConfig"),
    ("snapshot", "snapshotDeallocationConfig"),
    ("public_ip", "publicIpDeallocationConfig"),
)

ACTION_BLOCKS: tuple[Block, ...] = (
    _block("update_state", "", _arg("state", "state", required=True)),
    _block(
        "attach_data_disk",
        "",
        _arg("data_disk_name", "dataDiskName", required=True),
        _arg("data_disk_resource_group_name", "dataDiskResourceGroupName", required=True),
        _arg("storage_account_type", "storageAccountType", required=True),
        _arg("size_gb", "sizeGB", "integer", required=True),
        _arg("lun", "lun", "integer"),
        _arg("zone", "zone"),
    ),
    _block(
        "detach_data_disk",
        "",
        _arg("data_disk_name", "dataDiskName", required=True),
        _arg("data_disk_resource_group_name", "dataDiskResourceGroupName", required=True),
        _arg("should_deallocate", "shouldDeallocate", "boolean", required=True),
        _arg("ttl_in_hours", "ttlInHours", "integer"),
    ),
    _block(
        "import_vm",
        "",
        _arg("resource_group_name", "resourceGroupName", required=True),
        _arg("original_vm_name", "originalVmName", required=True),
        _arg("draining_timeout", "drainingTimeout", "integer"),
        _arg("resources_retention_time", "resourcesRetentionTime", "integer"),
    ),
    _block(
        "delete",
        "",
        _arg("should_terminate_vm", "shouldTerminateVm", "boolean", required=True),
        *(
            argument
            for prefix, wire in _DELETE_SUBCONFIGS
            for argument in (
                _arg(f"{prefix}_should_deallocate", f"{wire}.shouldDeallocate", "boolean"),
                _arg(f"{prefix}_ttl_in_hours", f"{wire}.ttlInHours", "integer"),
            )
        ),
        _arg("should_deregister_from_lb", "shouldDeregisterFromLb", "boolean"),
        _arg("should_revert_to_od", "shouldRevertToOd", "boolean"),
    ),
)

DELETE_BLOCK: Block = ACTION_BLOCKS[-1]

# What the provider puts on the wire for `delete` arguments left out of the HCL (§4.1: unset
# TTLs become 0, not the API's 96; unset booleans false; deregistration defaults to true).
PROVIDER_DELETE_DEFAULTS: Mapping[str, object] = {
    "shouldDeregisterFromLb": True,
    "shouldRevertToOd": False,
    **{f"{wire}.shouldDeallocate": False for _, wire in _DELETE_SUBCONFIGS},
    **{f"{wire}.ttlInHours": 0 for _, wire in _DELETE_SUBCONFIGS},
}

# How a deallocation config with keys left out is completed for export so that Terraform,
# which sends every key, asks the server for what the config meant: the API's own defaults
# (ttl 96, deregister true, revert false) and "keep" for a resource kind that is not mentioned.
API_DEALLOCATION_DEFAULTS: Mapping[str, object] = {
    "shouldDeregisterFromLb": True,
    "shouldRevertToOd": False,
    **{f"{wire}.shouldDeallocate": False for _, wire in _DELETE_SUBCONFIGS},
    **{f"{wire}.ttlInHours": 96 for _, wire in _DELETE_SUBCONFIGS},
}

# Used when the caller gives no deallocation config: delete everything, after the API's
# 96-hour retention, so a `terraform destroy` can still be undone for four days.
SPOTKEEPER_DEALLOCATION: Mapping[str, object] = {
    "shouldTerminateVm": True,
    "shouldDeregisterFromLb": True,
    "shouldRevertToOd": False,
    **{wire: {"shouldDeallocate": True, "ttlInHours": 96} for _, wire in _DELETE_SUBCONFIGS},
}

# Wire fields (patterns, `[]` = every list item) that the provider schema has no argument for.
# They are left out of the exported HCL; `unsupported_fields` names them per node.
UNSUPPORTED_BY_PROVIDER: Mapping[str, str] = {
    "integrations": "OpenAPI only; the provider has no `integrations` argument",
    "strategy.shouldUtilizeCommitments": "OpenAPI only (2026-01); not in the provider",
    f"{_LS}.purchasePlan": "OpenAPI only (2026-05); not in the provider",
    f"{_LS}.dataDisks[].caching": "the provider's `data_disk` block has no `caching`",
    f"{_LS}.extensions[].enableAutomaticUpgrade": "OpenAPI only; not in the provider's `extension`",
    f"{_LS}.extensions[].protectedSettingsFromKeyVault": "OpenAPI only; not in the provider's `extension`",
    "persistence.shouldPersistVm": "removed from the provider (historical field)",
}

# Server-assigned fields: never configuration, so dropped from HCL without a warning.
READ_ONLY_FIELDS: frozenset[str] = frozenset({"id", "createdAt", "updatedAt"})

# Older spellings of a wire field the provider knows under another key (§3.3.1: the Python SDK
# and OpenAPI send `storageUri`, the provider `storageUrl`). Exported through the provider's
# argument when the provider's key is absent; imported back under the provider's key.
WIRE_ALIASES: Mapping[str, str] = {
    f"{_LS}.bootDiagnostics.storageUri": f"{_LS}.bootDiagnostics.storageUrl",
}


def join_path(prefix: str, key: str) -> str:
    if not key:
        return prefix
    return f"{prefix}.{key}" if prefix else key


def _patterns(
    fields: tuple[Argument | Block, ...], prefix: str
) -> Iterator[tuple[str, Literal["argument", "object", "list"]]]:
    for field in fields:
        full = join_path(prefix, field.wire)
        parts = full.split(".")
        for end in range(1, len(parts)):
            yield ".".join(parts[:end]), "object"
        if isinstance(field, Argument):
            yield full, "argument"
        elif field.repeated:
            yield full, "list"
            yield from _patterns(field.fields, f"{full}[]")
        else:
            yield full, "object"
            yield from _patterns(field.fields, full)


_SHAPES: dict[str, Literal["argument", "object", "list"]] = {}
for _pattern, _shape in _patterns(RESOURCE_FIELDS, ""):
    _SHAPES.setdefault(_pattern, _shape)


def lookup(node: Mapping[str, object], dotted: str) -> object | None:
    """The value at a dotted path of plain objects, or None when any step is missing."""
    current: object = node
    for key in dotted.split("."):
        if not isinstance(current, Mapping) or key not in current:
            return None
        current = current[key]
    return current


def unsupported_fields(node_wire: Mapping[str, object]) -> list[str]:
    """Dotted wire paths (with list indices) of fields `node_to_hcl` cannot carry into HCL.

    Covers the documented gaps of `UNSUPPORTED_BY_PROVIDER`, any key the provider schema does not
    know, and an alias spelling shadowed by the provider's own key. Read-only fields are skipped.
    """
    found: list[str] = []
    _walk_unsupported(node_wire, node_wire, "", "", found)
    return found


def _walk_unsupported(
    root: Mapping[str, object], obj: Mapping[str, object], pattern: str, concrete: str, found: list[str]
) -> None:
    for key, value in obj.items():
        key_pattern = join_path(pattern, key)
        key_concrete = join_path(concrete, key)
        if key_pattern in READ_ONLY_FIELDS:
            continue
        if key_pattern in WIRE_ALIASES:
            if lookup(root, WIRE_ALIASES[key_pattern]) is not None:
                found.append(key_concrete)
            continue
        shape = _SHAPES.get(key_pattern)
        if shape is None:
            found.append(key_concrete)
        elif shape == "object" and isinstance(value, Mapping):
            _walk_unsupported(root, value, key_pattern, key_concrete, found)
        elif shape == "list" and isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, Mapping):
                    _walk_unsupported(root, item, f"{key_pattern}[]", f"{key_concrete}[{index}]", found)
