"""Garbage collection: deleting what the engine handed over, and what nobody owns.

Two sources. (1) Pending deletions: resources an operation superseded or a delete released,
each due after its TTL; deleted in dependency order (public IPs only after their NIC, snapshots
after nothing) and retried while Azure says they are still attached or is throttling us. Azure
often says when to come back (`Retry-After` on a 429, the seconds left of a NIC's 180 s
reservation on `NicReservedForAnotherVm`): the result carries it as `retry_after`, so the
collector asks again then instead of after a fixed pause. (2) Orphans: resources
tagged `spotkeeper-node=<id>` whose node the store no longer knows at all (e.g. a crash between
creating a resource and recording it, followed by the node's purge). Resources of deleted nodes
that the deallocation config said to keep are not orphans: the store still knows those nodes.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Literal

from spotkeeper.cloud.errors import CloudError, Conflict, Throttled
from spotkeeper.cloud.port import CloudProvider, ResourceKind, TaggedResource
from spotkeeper.engine.naming import NODE_TAG

# NICs go before their public IPs (an IP can't be deleted while associated), disks and
# snapshots are independent; VMs first of all, so their disks and NICs come free.
DELETE_ORDER: dict[ResourceKind, int] = {"vm": 0, "nic": 1, "public_ip": 2, "disk": 3, "snapshot": 4}


@dataclass(frozen=True)
class Deletion:
    resource_id: str
    kind: ResourceKind
    resource_group: str
    name: str


@dataclass(frozen=True)
class DeletionResult:
    deletion: Deletion
    outcome: Literal["deleted", "retry", "failed"]
    error: str = ""
    retry_after: float | None = None  # seconds Azure asked us to wait, when it said


def delete_resources(cloud: CloudProvider, deletions: Sequence[Deletion]) -> list[DeletionResult]:
    """Delete each resource (gone already counts as deleted). A resource Azure still holds
    (attached disk, NIC in its 180 s reservation) or a throttled request is reported `retry`;
    other errors `failed`. Both carry Azure's `retry_after` when it gave one."""
    results = []
    for deletion in sorted(deletions, key=lambda d: DELETE_ORDER[d.kind]):
        delete = {
            "vm": cloud.delete_vm, "nic": cloud.delete_nic, "public_ip": cloud.delete_public_ip,
            "disk": cloud.delete_disk, "snapshot": cloud.delete_snapshot,
        }[deletion.kind]
        try:
            delete(deletion.resource_group, deletion.name)
        except (Conflict, Throttled) as error:
            results.append(DeletionResult(deletion, "retry", error.message, _seconds(error.retry_after)))
        except CloudError as error:
            results.append(DeletionResult(deletion, "failed", f"{error.code}: {error.message}",
                                          _seconds(error.retry_after)))
        else:
            results.append(DeletionResult(deletion, "deleted"))
    return results


def _seconds(retry_after: float | None) -> float | None:
    return retry_after if retry_after is not None and retry_after > 0 else None


def find_orphans(cloud: CloudProvider, known_node_ids: Collection[str]) -> list[TaggedResource]:
    """Resources tagged as ours whose node id the store does not know."""
    known = set(known_node_ids)
    return [r for r in cloud.list_tagged(NODE_TAG) if r.tags.get(NODE_TAG) not in known]
