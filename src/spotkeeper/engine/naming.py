"""Deterministic names for every cloud resource a node owns.

Idempotency at the cloud seam rests on names: `ensure_*` is a create-or-update on a name that
is a pure function of (node, role, generation), so a worker that crashes after asking Azure for
a disk and retries asks for the *same* disk instead of a second one. A generation number moves
forward only when a resource must be replaced by a new one (a snapshot restored as a new disk, a
new NIC when the network is not persisted), which keeps old and new apart until the old one is
handed to the garbage collector.
"""

from __future__ import annotations

import hashlib
import re

NODE_TAG = "spotkeeper-node"
ROLE_TAG = "spotkeeper-role"

_AZURE_NAME = re.compile(r"[^A-Za-z0-9-]+")


def slug(text: str, *, limit: int = 40) -> str:
    """Lower-case Azure-safe fragment of a human name ("dev eu1/worker" -> "dev-eu1-worker")."""
    cleaned = _AZURE_NAME.sub("-", text.strip().lower()).strip("-")
    return (cleaned or "node")[:limit].rstrip("-")


def node_suffix(node_id: str) -> str:
    """The hex part of `ssn-1a2b3c4d`, used to keep names unique per node."""
    return node_id.split("-", 1)[-1][:8]


def resource_base(node_id: str, node_name: str, vm_name: str | None) -> str:
    """The stem every resource of the node is named from. A persisted VM name is the stem
    (people recognise `db-01-osdisk`); otherwise the node's name plus its id suffix."""
    if vm_name:
        return vm_name
    return f"{slug(node_name, limit=30)}-{node_suffix(node_id)}"


def vm_name_for(
    *, node_id: str, node_name: str, vm_name: str | None, vm_name_prefix: str | None, generation: int
) -> str:
    """The VM name of a given generation: the persisted `vmName` for the whole node life, else the
    prefix (or the node's name) plus a short suffix that changes with each replacement VM, as
    Azure forbids re-using a NIC for a VM of another name within 180 s only, not the name itself."""
    if vm_name:
        return vm_name
    stem = vm_name_prefix or slug(node_name, limit=30)
    digest = hashlib.sha256(f"{node_id}:{generation}".encode()).hexdigest()[:6]
    return f"{stem}-{digest}"


def os_disk_name(base: str, generation: int) -> str:
    return f"{base}-osdisk" if generation == 0 else f"{base}-osdisk-g{generation}"


def data_disk_name(base: str, lun: int, generation: int) -> str:
    return f"{base}-data{lun}" if generation == 0 else f"{base}-data{lun}-g{generation}"


def snapshot_name(disk_name: str, serial: int) -> str:
    return f"{disk_name}-snap{serial}"


def nic_name(base: str, index: int, generation: int) -> str:
    return f"{base}-nic{index}" if generation == 0 else f"{base}-nic{index}-g{generation}"


def public_ip_name(base: str, index: int, generation: int) -> str:
    return f"{base}-pip{index}" if generation == 0 else f"{base}-pip{index}-g{generation}"


def node_tags(node_id: str, role: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Tags on every resource we create: how the garbage collector finds what belongs to whom."""
    tags = dict(extra or {})
    tags[NODE_TAG] = node_id
    tags[ROLE_TAG] = role
    return tags
