"""What an update may change, and how a partial update combines with the stored node.

An update (`PUT /statefulNode/{id}`) is a partial document: Terraform sends only what changed,
on top of pre-created empty objects (`"strategy": {}`), and `null` for what it clears
(spot-api.md §7.3). `merge_update` applies such a patch to the stored wire dict; the merged node
is then validated in full by the create rules and, here, by the edit rules in `check_edit`:

* `region`, `resourceGroupName` and `compute.os` never change after creation (`IMMUTABLE_FIELD`).
* A node is edited only while `active` or `paused` (`EDIT_NOT_ALLOWED_IN_STATE`) — but an edit
  that changes nothing is accepted in any state, because Terraform sends a near-empty PUT before
  every action call (`update_state`, disk attach), including `recycle` of a stopped node.
* Persistence settings cannot change while the node is paused (`PERSISTENCE_LOCKED_WHILE_PAUSED`):
  the kept disks and NIC of a paused node were taken under the current settings.
* With the OS disk persisted, `image`, `login`, `customData` and `shutdownScript` are locked
  (`LOCKED_BY_OS_DISK_PERSISTENCE`): every replacement VM boots from the kept disk, so a new
  image or login would silently never apply. With the network persisted, the network (virtual
  network and every network interface) is locked (`LOCKED_BY_NETWORK_PERSISTENCE`): the kept NIC
  and its IPs are bound to their subnet.

Which persistence decides a lock: the seed says persisting "disables editing ... after the VM is
created", i.e. the persistence in effect when the edit arrives. We lock a field when persistence
is on *both* before and after the edit, so one edit may turn persistence off and change the
field it unlocks (the Terraform provider's changelog records that the real service accepts
disk/network changes together with a persistence change). Turning persistence on together with
such a change is allowed: nothing was kept yet that the change would contradict.

Comparisons use effective values (an explicit `null` equals an absent key) and include secrets:
`check_edit` expects both nodes complete, as stored — the merge keeps a stored password that the
patch does not re-send, so an unchanged login is not reported as changed.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from spotkeeper.spec.models import StatefulNode, all_spelling_variants
from spotkeeper.spec.problems import Problem

EDITABLE_STATUSES: frozenset[str] = frozenset({"active", "paused"})

_LAUNCH = ("compute", "launch_specification")
_NETWORK = (*_LAUNCH, "network")

# (wire path, attribute path) of each field an edit rule watches.
IMMUTABLE_FIELDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("region", ("region",)),
    ("resourceGroupName", ("resource_group_name",)),
    ("compute.os", ("compute", "os")),
)
PERSISTENCE_FIELDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("persistence.shouldPersistOsDisk", ("persistence", "should_persist_os_disk")),
    ("persistence.osDiskPersistenceMode", ("persistence", "os_disk_persistence_mode")),
    ("persistence.shouldPersistDataDisks", ("persistence", "should_persist_data_disks")),
    ("persistence.dataDisksPersistenceMode", ("persistence", "data_disks_persistence_mode")),
    ("persistence.shouldPersistNetwork", ("persistence", "should_persist_network")),
)
OS_DISK_LOCKED_FIELDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("compute.launchSpecification.image", (*_LAUNCH, "image")),
    ("compute.launchSpecification.login", (*_LAUNCH, "login")),
    ("compute.launchSpecification.customData", (*_LAUNCH, "custom_data")),
    ("compute.launchSpecification.shutdownScript", (*_LAUNCH, "shutdown_script")),
)
NETWORK_LOCKED_FIELDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("compute.launchSpecification.network.resourceGroupName", (*_NETWORK, "resource_group_name")),
    ("compute.launchSpecification.network.virtualNetworkName", (*_NETWORK, "virtual_network_name")),
    ("compute.launchSpecification.network.networkInterfaces", (*_NETWORK, "network_interfaces")),
)

_IMMUTABLE_REASON = "cannot be changed after the node is created; create a new node instead"
_PAUSED_REASON = (
    "persistence settings cannot be edited while the node is paused: its kept disks and network "
    "were saved under the current settings; resume the node first"
)
_OS_DISK_REASON = (
    "is locked while the OS disk is persisted (persistence.shouldPersistOsDisk): every replacement "
    "VM boots from the kept OS disk, so a change here would never be applied"
)
_NETWORK_REASON = (
    "is locked while the network is persisted (persistence.shouldPersistNetwork): the kept network "
    "interface and its IP addresses stay bound to their virtual network and subnet"
)
_UNLOCK_HINT = "; turn the persistence off (in the same edit, if you like) to change it"


# --- merging a partial update ------------------------------------------------------------------


def merge_update(current_wire: Mapping[str, Any], patch_wire: Mapping[str, Any]) -> dict[str, Any]:
    """The stored node with a partial update applied (neither argument is modified).

    Absent key = unchanged; `{}` = unchanged; a list replaces the stored list wholesale; an
    explicit `null` clears the key. Sending a key in its other spelling (`storageUrl` for a stored
    `storageUri`) replaces the stored one, so the result never holds both.
    """
    merged: dict[str, Any] = copy.deepcopy(dict(current_wire))
    _merge_into(merged, patch_wire, all_spelling_variants())
    return merged


def _merge_into(
    target: dict[str, Any], patch: Mapping[str, Any], variants: dict[str, tuple[str, ...]]
) -> None:
    for key, value in patch.items():
        for other in variants.get(key, ()):
            if other != key and other in target:
                target[key] = target.pop(other)
        if value is None:
            target.pop(key, None)
        elif isinstance(value, Mapping):
            existing = target.get(key)
            if isinstance(existing, dict):
                _merge_into(existing, value, variants)
            else:
                fresh: dict[str, Any] = {}
                _merge_into(fresh, value, variants)
                # `{}` (or an object of nulls) for an absent key changes nothing
                if fresh or key in target:
                    target[key] = fresh
        else:
            target[key] = copy.deepcopy(value)


# --- edit rules --------------------------------------------------------------------------------


def check_edit(before: StatefulNode, after: StatefulNode, *, status: str) -> list[Problem]:
    """Every reason the edit from `before` to `after` is refused while the node is in `status`."""
    if _effective(before) == _effective(after):
        return []
    problems: list[Problem] = []
    if status not in EDITABLE_STATUSES:
        problems.append(
            Problem(
                "EDIT_NOT_ALLOWED_IN_STATE",
                "",
                f"a node can be edited only while it is active or paused; it is {status}",
            )
        )
    hint = "" if status == "paused" else _UNLOCK_HINT
    os_locked = _persists(before, "should_persist_os_disk") and _persists(after, "should_persist_os_disk")
    net_locked = _persists(before, "should_persist_network") and _persists(after, "should_persist_network")
    rules = (
        ("IMMUTABLE_FIELD", IMMUTABLE_FIELDS, " " + _IMMUTABLE_REASON, True),
        ("PERSISTENCE_LOCKED_WHILE_PAUSED", PERSISTENCE_FIELDS, ": " + _PAUSED_REASON, status == "paused"),
        ("LOCKED_BY_OS_DISK_PERSISTENCE", OS_DISK_LOCKED_FIELDS, f" {_OS_DISK_REASON}{hint}", os_locked),
        ("LOCKED_BY_NETWORK_PERSISTENCE", NETWORK_LOCKED_FIELDS, f" {_NETWORK_REASON}{hint}", net_locked),
    )
    for code, fields, reason, applies in rules:
        if not applies:
            continue
        for path, attrs in fields:
            if _changed(before, after, attrs):
                problems.append(Problem(code, path, f"{path}{reason}"))
    return problems


def locked_fields(node: StatefulNode, *, status: str) -> dict[str, str]:
    """Wire path -> why it cannot be edited now (the console disables these with the reason).

    The key `""` means the whole node is locked (not in an editable state).
    """
    locked: dict[str, str] = {}
    if status not in EDITABLE_STATUSES:
        locked[""] = f"a node can be edited only while it is active or paused; it is {status}"
    for path, _attrs in IMMUTABLE_FIELDS:
        locked[path] = _IMMUTABLE_REASON
    if status == "paused":
        for path, _attrs in PERSISTENCE_FIELDS:
            locked[path] = _PAUSED_REASON
    if _persists(node, "should_persist_os_disk"):
        for path, _attrs in OS_DISK_LOCKED_FIELDS:
            locked[path] = _OS_DISK_REASON
    if _persists(node, "should_persist_network"):
        for path, _attrs in NETWORK_LOCKED_FIELDS:
            locked[path] = _NETWORK_REASON
    return locked


def _persists(node: StatefulNode, attribute: str) -> bool:
    value: object = getattr(node.persistence, attribute) if node.persistence is not None else None
    return value is True


def _changed(before: StatefulNode, after: StatefulNode, attrs: tuple[str, ...]) -> bool:
    return bool(_value_at(before, attrs) != _value_at(after, attrs))


def _value_at(node: StatefulNode, attrs: tuple[str, ...]) -> Any:
    current: Any = node
    for attr in attrs:
        if current is None:
            return None
        current = getattr(current, attr)
    return _effective(current)


def _effective(value: Any) -> Any:
    """A value with spelling and explicit-null-versus-absent differences removed."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [_effective(item) for item in value]
    return value
