"""The node log: filters by time, severity and resource, limits, and order."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta

import pytest

from spotkeeper.clock import ManualClock
from spotkeeper.store import EventRecord, NodeRecord, Store, UnknownRecordError

DISK = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/disks/db-1-os"


@pytest.fixture
def node(make_node: Callable[..., NodeRecord]) -> NodeRecord:
    return make_node()


@pytest.fixture
def logged(store: Store, node: NodeRecord, clock: ManualClock) -> list[str]:
    """Six events one minute apart: m0 .. m5."""
    severities = ["INFO", "DEBUG", "WARN", "INFO", "ERROR", "INFO"]
    for i, severity in enumerate(severities):
        store.events.append(
            node.id,
            time=clock.now() + timedelta(minutes=i),
            message=f"m{i}",
            severity=severity,  # type: ignore[arg-type]
            resource_id=DISK if i in (1, 4) else None,
        )
    return [f"m{i}" for i in range(len(severities))]


def messages(events: Sequence[EventRecord]) -> list[str]:
    return [e.message for e in events]


def test_events_come_newest_first_by_default_and_oldest_first_on_request(
    store: Store, node: NodeRecord, logged: list[str]
) -> None:
    assert messages(store.events.query(node.id)) == list(reversed(logged))
    assert messages(store.events.query(node.id, oldest_first=True)) == logged


def test_the_time_window_includes_both_ends(
    store: Store, node: NodeRecord, logged: list[str], clock: ManualClock
) -> None:
    since, until = clock.now() + timedelta(minutes=1), clock.now() + timedelta(minutes=3)
    assert messages(store.events.query(node.id, since=since, until=until, oldest_first=True)) == [
        "m1",
        "m2",
        "m3",
    ]
    assert messages(store.events.query(node.id, until=clock.now(), oldest_first=True)) == ["m0"]


def test_a_named_severity_selects_that_level_only_and_all_selects_everything(
    store: Store, node: NodeRecord, logged: list[str]
) -> None:
    assert messages(store.events.query(node.id, severity="INFO", oldest_first=True)) == ["m0", "m3", "m5"]
    assert messages(store.events.query(node.id, severity="ERROR")) == ["m4"]
    assert messages(store.events.query(node.id, severity="DEBUG")) == ["m1"]
    assert len(store.events.query(node.id, severity="ALL")) == len(logged)


def test_events_can_be_narrowed_to_one_resource(store: Store, node: NodeRecord, logged: list[str]) -> None:
    assert messages(store.events.query(node.id, resource_id=DISK)) == ["m4", "m1"]


def test_the_limit_keeps_the_newest_entries(store: Store, node: NodeRecord, logged: list[str]) -> None:
    assert messages(store.events.query(node.id, limit=2)) == ["m5", "m4"]
    assert messages(store.events.query(node.id, limit=2, oldest_first=True)) == ["m0", "m1"]
    assert store.events.query(node.id, limit=0) == []


def test_events_at_the_same_instant_keep_their_insertion_order(
    store: Store, node: NodeRecord, clock: ManualClock
) -> None:
    for word in ("first", "second", "third"):
        store.events.append(node.id, time=clock.now(), message=word)
    assert messages(store.events.query(node.id, oldest_first=True)) == ["first", "second", "third"]
    assert messages(store.events.query(node.id)) == ["third", "second", "first"]


def test_other_nodes_events_are_not_mixed_in(
    store: Store, make_node: Callable[..., NodeRecord], clock: ManualClock
) -> None:
    a, b = make_node(name="a"), make_node(name="b")
    store.events.append(a.id, time=clock.now(), message="about a")
    store.events.append(b.id, time=clock.now(), message="about b")
    assert messages(store.events.query(a.id)) == ["about a"]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"limit": 1001}, "limit"), ({"limit": -1}, "limit"), ({"severity": "NOTICE"}, "severity")],
)
def test_bad_query_arguments_name_the_field(
    store: Store, node: NodeRecord, kwargs: dict[str, object], field: str
) -> None:
    with pytest.raises(ValueError, match=field):
        store.events.query(node.id, **kwargs)  # type: ignore[arg-type]


def test_appending_to_an_unknown_node_names_it(store: Store, clock: ManualClock) -> None:
    with pytest.raises(UnknownRecordError, match="ssn-00000000"):
        store.events.append("ssn-00000000", time=clock.now(), message="hello")


def test_an_unknown_severity_is_refused_on_append(store: Store, node: NodeRecord, clock: ManualClock) -> None:
    with pytest.raises(ValueError, match="severity"):
        store.events.append(node.id, time=clock.now(), message="x", severity="FATAL")  # type: ignore[arg-type]
