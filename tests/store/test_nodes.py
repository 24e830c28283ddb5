"""Node rows: creation, filters, compare-and-set transitions and events logged with them."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from spotkeeper.clock import ManualClock
from spotkeeper.store import Account, NewEvent, NodeRecord, Store, UnknownRecordError
from tests.store.concurrency import run_together


def test_created_node_starts_at_version_one_and_is_due_at_once(
    store: Store, make_node: Callable[..., NodeRecord], clock: ManualClock
) -> None:
    node = make_node(spec={"name": "db-1", "login": {"password": "s3cret!"}})
    assert node.id.startswith("ssn-") and len(node.id) == 12
    assert node.version == 1
    assert node.next_due_at == clock.now()
    assert node.lease_owner is None
    assert store.nodes.get(node.id) == node
    # The stored spec keeps secrets: it is echoed back verbatim to its owner.
    assert node.spec["login"]["password"] == "s3cret!"


def test_spec_key_order_survives_the_round_trip(store: Store, make_node: Callable[..., NodeRecord]) -> None:
    spec = {"zeta": 1, "alpha": {"y": 2, "b": 3}, "mid": [3, 1, 2]}
    node = make_node(spec=spec)
    stored = store.nodes.get(node.id)
    assert stored is not None
    assert list(stored.spec) == ["zeta", "alpha", "mid"]
    assert list(stored.spec["alpha"]) == ["y", "b"]


def test_records_are_copies_so_mutating_them_changes_nothing(
    store: Store, make_node: Callable[..., NodeRecord]
) -> None:
    node = make_node()
    node.spec["name"] = "mutated"
    stored = store.nodes.get(node.id)
    assert stored is not None and stored.spec["name"] == "db-1"


def test_creating_a_node_in_an_unknown_account_names_the_account(
    store: Store, make_node: Callable[..., NodeRecord]
) -> None:
    with pytest.raises(UnknownRecordError, match="act-00000000"):
        make_node(account_id="act-00000000")


def test_an_unknown_status_word_is_refused(make_node: Callable[..., NodeRecord]) -> None:
    with pytest.raises(ValueError, match="status must be one of"):
        make_node(status="running")


def test_naive_times_are_refused_naming_the_field(make_node: Callable[..., NodeRecord]) -> None:
    with pytest.raises(ValueError, match="now must be a timezone-aware"):
        make_node(now=ManualClock().now().replace(tzinfo=None))


def test_find_filters_by_account_name_and_region_and_hides_deleted(
    store: Store, account: Account, make_node: Callable[..., NodeRecord], clock: ManualClock
) -> None:
    other = store.accounts.create("other", now=clock.now())
    a = make_node(name="web", region="eastus", now=clock.advance(1))
    b = make_node(name="web", region="westus2", now=clock.advance(1))
    c = make_node(name="db", region="eastus", now=clock.advance(1))
    make_node(account_id=other.id, name="web", region="eastus")
    assert [n.id for n in store.nodes.find(account_id=account.id)] == [a.id, b.id, c.id]
    assert [n.id for n in store.nodes.find(account_id=account.id, name="web")] == [a.id, b.id]
    assert [n.id for n in store.nodes.find(account_id=account.id, region="eastus")] == [a.id, c.id]
    assert store.nodes.update_node(c.id, expected_version=1, now=clock.now(), deleted_at=clock.now())
    assert [n.id for n in store.nodes.find(account_id=account.id, region="eastus")] == [a.id]
    assert len(store.nodes.find(account_id=account.id, include_deleted=True)) == 3


def test_compare_and_set_applies_once_and_the_stale_writer_gets_false(
    store: Store, make_node: Callable[..., NodeRecord], clock: ManualClock
) -> None:
    node = make_node()
    clock.advance(5)
    assert store.nodes.update_node(
        node.id, expected_version=1, now=clock.now(), status="active", phase="running"
    )
    # A second writer that read version 1 too must lose, and must not change anything.
    assert not store.nodes.update_node(node.id, expected_version=1, now=clock.now(), status="paused")
    stored = store.nodes.get(node.id)
    assert stored is not None
    assert (stored.version, stored.status, stored.phase) == (2, "active", "running")
    assert stored.updated_at == clock.now() and stored.created_at == node.created_at


def test_update_of_a_missing_node_reports_false(store: Store, clock: ManualClock) -> None:
    assert not store.nodes.update_node("ssn-00000000", expected_version=1, now=clock.now(), status="active")


def test_update_refuses_fields_that_are_not_changeable(
    store: Store, make_node: Callable[..., NodeRecord], clock: ManualClock
) -> None:
    node = make_node()
    with pytest.raises(TypeError, match="cannot change account_id, version"):
        store.nodes.update_node(node.id, expected_version=1, now=clock.now(), version=7, account_id="act-1")


def test_transition_events_are_logged_only_when_the_transition_applies(
    store: Store, make_node: Callable[..., NodeRecord], clock: ManualClock
) -> None:
    node = make_node()
    launched = NewEvent(time=clock.now(), message="launching Standard_D2s_v5 spot in zone 1")
    assert store.nodes.update_node(
        node.id, expected_version=1, now=clock.now(), events=[launched], phase="launching"
    )
    lost = NewEvent(time=clock.now(), message="this write lost the race", severity="WARN")
    assert not store.nodes.update_node(node.id, expected_version=1, now=clock.now(), events=[lost], phase="x")
    assert [e.message for e in store.events.query(node.id)] == [launched.message]


def test_spec_and_status_documents_are_replaced_whole(
    store: Store, make_node: Callable[..., NodeRecord], clock: ManualClock
) -> None:
    node = make_node()
    observed = {"vmName": "db-1", "vmSize": "Standard_D2s_v5", "lifecycle": "spot", "privateIp": "10.0.0.4"}
    assert store.nodes.update_node(node.id, expected_version=1, now=clock.now(), status_json=observed)
    stored = store.nodes.get(node.id)
    assert stored is not None and stored.status_json == observed


def test_a_taken_node_id_is_refused_and_the_original_kept(
    store: Store, make_node: Callable[..., NodeRecord]
) -> None:
    node = make_node()
    with pytest.raises(ValueError, match="already taken"):
        make_node(node_id=node.id, name="imposter")
    assert store.nodes.find() == [node]


def test_racing_writers_with_the_same_version_produce_exactly_one_winner(
    store: Store, make_node: Callable[..., NodeRecord], clock: ManualClock
) -> None:
    node = make_node()
    writers = 6
    outcomes: dict[str, bool] = {}

    def writer(phase: str) -> Callable[[], None]:
        def write() -> None:
            outcomes[phase] = store.nodes.update_node(
                node.id, expected_version=1, now=clock.now(), phase=phase
            )

        return write

    assert run_together([writer(f"phase-{i}") for i in range(writers)]) == []
    winners = [phase for phase, won in outcomes.items() if won]
    assert len(outcomes) == writers and len(winners) == 1
    stored = store.nodes.get(node.id)
    assert stored is not None and (stored.version, stored.phase) == (2, winners[0])
