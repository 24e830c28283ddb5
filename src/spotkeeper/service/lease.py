"""Holding a node's lease while a use case itself acts on the cloud for it.

The disk actions (attach, detach, swap the OS disk) change the node's VM and the engine's memory
of its disks together, and answer with the result, so the service performs them itself instead
of queueing them for the engine. While it does, no worker may run a pass on the node: a pass
that replaced the VM in the middle of an attach would attach the disk to a VM that is going
away. The lease is the store's own mechanism for "who may act on this node now": a worker only
claims a node whose lease is free or expired, so the service takes the lease with a
compare-and-set (refusing while a worker holds a live one), acts, and writes the new spec and
state while releasing the lease in one compare-and-set. If the service dies in between, the
lease simply expires and the engine takes over; every cloud step is idempotent (deterministic
names, create-or-update), so repeating the request is safe.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from spotkeeper.engine.state import NodeState
from spotkeeper.service.context import ServiceContext
from spotkeeper.service.errors import StateConflict
from spotkeeper.store import NewEvent, NodeRecord

LEASE = timedelta(minutes=3)


@dataclass
class HeldNode:
    record: NodeRecord  # as of taking the lease: its version is the compare-and-set token
    owner: str
    released: bool = False


def take_lease(ctx: ServiceContext, account_id: str, node_id: str) -> HeldNode:
    owner = f"api-{secrets.token_hex(4)}"

    def attempt() -> HeldNode | None:
        record = ctx.node(account_id, node_id)
        now = ctx.now()
        if record.lease_owner is not None and (
            record.lease_expires_at is None or record.lease_expires_at > now
        ):
            raise StateConflict("the engine is working on the node right now; try again in a few seconds")
        taken = ctx.store.nodes.update_node(
            node_id,
            expected_version=record.version,
            now=now,
            lease_owner=owner,
            lease_expires_at=now + LEASE,
        )
        return HeldNode(ctx.node(account_id, node_id), owner) if taken else None

    return ctx.retry_cas(attempt)


def finish(
    ctx: ServiceContext,
    held: HeldNode,
    *,
    spec: Mapping[str, Any] | None = None,
    state: NodeState | None = None,
    events: Sequence[NewEvent] = (),
) -> None:
    """Write the new spec and state, release the lease and make the node due, in one write."""
    now = ctx.now()
    changes: dict[str, Any] = {"lease_owner": None, "lease_expires_at": None, "next_due_at": now}
    if spec is not None:
        changes["spec"] = dict(spec)
    if state is not None:
        changes["status_json"] = state.to_json()
    applied = ctx.store.nodes.update_node(
        held.record.id, expected_version=held.record.version, now=now, events=events, **changes
    )
    held.released = True
    if not applied:
        raise StateConflict(
            "the node's lease ran out before the change could be recorded; check the node's disks and retry"
        )


def give_back(ctx: ServiceContext, held: HeldNode) -> None:
    """Release the lease without changing anything (the action failed before changing the node)."""
    if held.released:
        return
    held.released = True
    ctx.store.nodes.release_lease(held.record.id, held.owner, next_due_at=ctx.now())


@contextmanager
def holding(ctx: ServiceContext, account_id: str, node_id: str) -> Iterator[HeldNode]:
    held = take_lease(ctx, account_id, node_id)
    try:
        yield held
    finally:
        give_back(ctx, held)
