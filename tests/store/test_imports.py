"""Import records link a `sin-` id to the node it fills, with a state the client polls."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from spotkeeper.clock import ManualClock
from spotkeeper.store import NodeRecord, Store, UnknownRecordError


def test_an_import_is_recorded_against_its_node_and_account(
    store: Store, make_node: Callable[..., NodeRecord], clock: ManualClock
) -> None:
    node = make_node(status="importing")
    record = store.imports.create(
        node_id=node.id, vm_name="legacy-db", resource_group_name="prod", now=clock.now()
    )
    assert record.id.startswith("sin-") and len(record.id) == 12
    assert (record.node_id, record.account_id, record.state) == (node.id, node.account_id, "ImportStart")
    assert store.imports.get(record.id) == record
    assert store.imports.for_node(node.id) == [record]


def test_import_state_moves_and_stamps_the_update_time(
    store: Store, make_node: Callable[..., NodeRecord], clock: ManualClock
) -> None:
    record = store.imports.create(
        node_id=make_node().id, vm_name="vm", resource_group_name="rg", now=clock.now()
    )
    later = clock.advance(42)
    assert store.imports.set_state(record.id, "ImportCompleted", now=later)
    moved = store.imports.get(record.id)
    assert moved is not None and (moved.state, moved.updated_at, moved.created_at) == (
        "ImportCompleted",
        later,
        record.created_at,
    )
    assert not store.imports.set_state("sin-00000000", "ImportCompleted", now=later)


def test_an_import_into_an_unknown_node_names_it(store: Store, clock: ManualClock) -> None:
    with pytest.raises(UnknownRecordError, match="ssn-00000000"):
        store.imports.create(node_id="ssn-00000000", vm_name="vm", resource_group_name="rg", now=clock.now())
