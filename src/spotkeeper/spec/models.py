"""The stateful node spec as typed objects: parse a wire dict, write one back.

Every door (REST API, CLI, console, Terraform, JSON files) produces the Spot `statefulNode` wire
object (spot-api.md §3); this module is where it becomes typed. The models live in siblings
(`models_base` for the shared wire rules and error translation, `models_compute` for
`compute.*`, `models_node` for the root and its policy sections, `models_bodies` for the other
request bodies) and are re-exported here, so callers import from `spotkeeper.spec.models` only.

Choices, and why:

* **Wire keys only.** Input is accepted by its camelCase wire key; the snake_case attribute
  name (`sizeGB` -> `size_gb`) is for Python code, never for input. Unknown keys are errors
  (`UNKNOWN_FIELD`) naming the full wire path, with a suggestion when the key is a near miss.
* **Exact JSON types.** Clients send real JSON types, so `"true"` for a bool or `"10"` for an
  int is `INVALID_TYPE`. JSON `null` is accepted for every optional key, because Go/Terraform
  send `null` for cleared fields (`"sizeGB": null`); an explicit null is remembered and echoed.
* **Echo what was sent.** `node_to_wire` returns exactly the keys the client set (including
  explicit nulls), with the spelling it used for keys that have two (`storageUri`/`storageUrl`,
  `preferredLifecycle`/`preferredLifeCycle`, `maxStorage`/`MaxStorage`,
  `privateIpAddressVersion`/`privateIPAddressVersion`); Terraform diffs against that echo.
  Read-only keys (`id`, `createdAt`, `updatedAt`) and the retired `persistence.shouldPersistVm`
  are accepted and dropped. `privateIp`/`privateIP` appear only in response objects (node
  status, §5.1), never in a request body, so nothing here accepts them; the API emits them.
* **Required-ness.** A create needs `name`, `region`, `strategy.fallbackToOd`,
  `compute.vmSizes.odSizes` ..., but an import `node` may omit most of them and an update is a
  partial patch that is deep-merged into the stored node (`spec.edits.merge_update`) before the
  merged node is validated in full. So object keys are all optional here and the named rules
  (`spec.rules.validate_node`) report missing ones with their own codes. The only keys required
  at this level are those of *list items* that the public schema requires (a data disk's `lun`,
  `sizeGB`, `type`; a NIC's `isPrimary`, `subnetName`; an extension's five identity keys; a
  scheduling task's three keys; a signal's `type`; a capacity reservation group's or managed
  identity's `name` + `resourceGroupName`; a tag's `tagKey`): lists are replaced wholesale by
  every body, so an item is always sent complete.
* **Ranges and cross-field rules** of the node (disk sizes, one primary NIC, zones vs region)
  are rules too; the models check shape, types and enumerations (`INVALID_VALUE` lists the
  accepted wire values). The other request bodies have no rule module, so their documented
  ranges and defaults are declared on their models.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import ValidationError

from spotkeeper.spec.models_base import (
    WireModel,
    all_spelling_variants,
    describe,
    format_path,
    literal_values,
    model_at,
    problems_from,
    to_wire,
    wire_alias,
    wire_path,
)
from spotkeeper.spec.models_bodies import (
    DEFAULT_RETENTION_HOURS,
    AttachDataDisk,
    DeallocationConfig,
    DetachDataDisk,
    NodeStateAction,
    ResourceDeallocation,
    StateChange,
    StatefulNodeImport,
    SwapOsDisk,
)
from spotkeeper.spec.models_compute import (
    AdditionalIpConfiguration,
    BootDiagnostics,
    BootDiagnosticsType,
    Caching,
    Compute,
    CustomImage,
    DataDisk,
    DataDiskType,
    Extension,
    GalleryImage,
    Image,
    IpVersion,
    KeyVaultSecretRef,
    LaunchSpecification,
    LoadBalancer,
    LoadBalancersConfig,
    LoadBalancerSku,
    LoadBalancerType,
    Login,
    ManagedServiceIdentity,
    MarketplaceImage,
    Network,
    NetworkInterface,
    OsDisk,
    OsDiskType,
    OsType,
    PublicIpSku,
    PurchasePlan,
    ResourceRef,
    Secret,
    Security,
    SecurityType,
    SpotSizeAttributes,
    Tag,
    VaultCertificate,
    VmSizes,
    Zone,
)
from spotkeeper.spec.models_node import (
    CapacityReservation,
    CapacityReservationGroup,
    Health,
    HealthCheckType,
    Insights,
    Integrations,
    InterruptionToleration,
    PerformAt,
    Persistence,
    PersistenceMode,
    PreferredLifecycle,
    RevertToSpot,
    Scheduling,
    SchedulingTask,
    Signal,
    SignalType,
    StatefulNode,
    Strategy,
    TaskType,
    UtilizationStrategy,
)
from spotkeeper.spec.problems import Problem, SpecError
from spotkeeper.spec.secrets import redact_secrets

__all__ = [
    "DEFAULT_RETENTION_HOURS",
    "AdditionalIpConfiguration",
    "AttachDataDisk",
    "BootDiagnostics",
    "BootDiagnosticsType",
    "Caching",
    "CapacityReservation",
    "CapacityReservationGroup",
    "Compute",
    "CustomImage",
    "DataDisk",
    "DataDiskType",
    "DeallocationConfig",
    "DetachDataDisk",
    "Extension",
    "GalleryImage",
    "Health",
    "HealthCheckType",
    "Image",
    "Insights",
    "Integrations",
    "InterruptionToleration",
    "IpVersion",
    "KeyVaultSecretRef",
    "LaunchSpecification",
    "LoadBalancer",
    "LoadBalancerSku",
    "LoadBalancerType",
    "LoadBalancersConfig",
    "Login",
    "ManagedServiceIdentity",
    "MarketplaceImage",
    "Network",
    "NetworkInterface",
    "NodeStateAction",
    "OsDisk",
    "OsDiskType",
    "OsType",
    "PerformAt",
    "Persistence",
    "PersistenceMode",
    "PreferredLifecycle",
    "PublicIpSku",
    "PurchasePlan",
    "ResourceDeallocation",
    "ResourceRef",
    "RevertToSpot",
    "Scheduling",
    "SchedulingTask",
    "Secret",
    "Security",
    "SecurityType",
    "Signal",
    "SignalType",
    "SpotSizeAttributes",
    "StateChange",
    "StatefulNode",
    "StatefulNodeImport",
    "Strategy",
    "SwapOsDisk",
    "Tag",
    "TaskType",
    "UtilizationStrategy",
    "VaultCertificate",
    "VmSizes",
    "WireModel",
    "Zone",
    "all_spelling_variants",
    "describe",
    "format_path",
    "literal_values",
    "model_at",
    "node_to_wire",
    "parse_body",
    "parse_node",
    "to_wire",
    "wire_alias",
    "wire_path",
]

ModelT = TypeVar("ModelT", bound=WireModel)


def parse_body(model_cls: type[ModelT], raw: object, *, root: str = "") -> ModelT:
    """Validate one wire object; raises `SpecError` with every problem, paths prefixed by `root`.

    `root` is where the object sits in the request (`deallocationConfig`, `statefulNodeImport`),
    so a problem reads `deallocationConfig.diskDeallocationConfig.ttlInHours`.
    """
    if not isinstance(raw, Mapping):
        message = f"the body must be a JSON object, not {describe(raw)}"
        raise SpecError([Problem("INVALID_TYPE", root, message)])
    try:
        return model_cls.model_validate(raw)
    except ValidationError as error:
        raise SpecError(problems_from(error, raw=raw, root=root, model_cls=model_cls)) from None


def parse_node(raw: Mapping[str, object]) -> StatefulNode:
    """The typed node from its wire dict; raises `SpecError` naming each wire path at fault."""
    return parse_body(StatefulNode, raw)


def node_to_wire(node: StatefulNode, *, include_secrets: bool = False) -> dict[str, Any]:
    """The node back in wire form: the keys the client set, spelled as it spelled them.

    Write-only fields (`spec.secrets`) are left out unless `include_secrets` — only the store
    and the engine ask for them.
    """
    wire = to_wire(node)
    return wire if include_secrets else redact_secrets(wire)


def body_to_wire(body: WireModel) -> dict[str, Any]:
    """Any other body back in wire form (keys as sent; defaults not added)."""
    return to_wire(body)


__all__ += ["body_to_wire"]
