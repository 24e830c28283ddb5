"""The cost ledger in the database: writing intervals safely and the figures read back."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from spotkeeper.store import Account, LedgerConflictError, NodeRecord, Store, UnknownRecordError


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 1, day, hour, minute, tzinfo=UTC)


SPOT_D2: dict[str, Any] = {
    "region": "eastus",
    "zone": "1",
    "size": "Standard_D2s_v5",
    "lifecycle": "spot",
    "price_hour": 0.02,
    "od_price_hour": 0.096,
    "vcpus": 2,
}
OD_D4: dict[str, Any] = {
    **SPOT_D2,
    "size": "Standard_D4s_v5",
    "lifecycle": "od",
    "price_hour": 0.192,
    "od_price_hour": 0.192,
    "vcpus": 4,
}
LATER = at(31, 0)


@pytest.fixture
def node(make_node: Callable[..., NodeRecord]) -> NodeRecord:
    return make_node()


def test_costs_clip_intervals_to_the_query_window(store: Store, account: Account, node: NodeRecord) -> None:
    store.ledger.record(node_id=node.id, start=at(5, 10), end=at(5, 14), **SPOT_D2)
    figures = store.ledger.costs(account_id=account.id, start=at(5, 11), end=at(5, 13), now=LATER)
    assert figures.spot_hours == pytest.approx(2)
    assert figures.od_hours == 0
    assert figures.actual_cost == pytest.approx(2 * 0.02)
    assert figures.all_on_demand_cost == pytest.approx(2 * 0.096)


def test_daily_costs_split_a_night_run_at_utc_midnight(
    store: Store, account: Account, node: NodeRecord
) -> None:
    store.ledger.record(node_id=node.id, start=at(5, 21), end=at(6, 3), **SPOT_D2)
    days = store.ledger.daily_costs(account_id=account.id, start=at(5, 0), end=at(7, 0), now=LATER)
    assert [(d.day, round(d.figures.spot_hours, 9)) for d in days] == [
        (date(2026, 1, 5), 3),
        (date(2026, 1, 6), 3),
    ]
    assert [d.figures.all_on_demand_cost for d in days] == pytest.approx([3 * 0.096, 3 * 0.096])


def test_the_counterfactual_prices_on_demand_hours_at_what_they_cost(
    store: Store, account: Account, node: NodeRecord
) -> None:
    store.ledger.record(node_id=node.id, start=at(5, 0), end=at(5, 10), **SPOT_D2)
    store.ledger.record(node_id=node.id, start=at(5, 10), end=at(5, 12), **OD_D4)
    figures = store.ledger.costs(account_id=account.id, start=at(5, 0), end=at(6, 0), now=LATER)
    assert (figures.spot_hours, figures.od_hours) == pytest.approx((10, 2))
    assert figures.actual_cost == pytest.approx(10 * 0.02 + 2 * 0.192)
    assert figures.all_on_demand_cost == pytest.approx(10 * 0.096 + 2 * 0.192)
    assert figures.savings == pytest.approx(10 * (0.096 - 0.02))


def test_a_running_interval_is_costed_up_to_now_and_never_beyond(
    store: Store, account: Account, node: NodeRecord
) -> None:
    store.ledger.open_interval(node_id=node.id, start=at(5, 10), **SPOT_D2)
    figures = store.ledger.costs(account_id=account.id, start=at(5, 0), end=at(6, 0), now=at(5, 12, 30))
    assert figures.spot_hours == pytest.approx(2.5)
    assert store.ledger.costs(account_id=account.id, start=at(5, 0), end=at(6, 0), now=at(5, 9)).hours == 0


def test_opening_an_interval_closes_the_one_running(store: Store, account: Account, node: NodeRecord) -> None:
    first = store.ledger.open_interval(node_id=node.id, start=at(5, 10), **SPOT_D2)
    store.ledger.open_interval(node_id=node.id, start=at(5, 11), **{**SPOT_D2, "price_hour": 0.03})
    closed = store.ledger.close_interval(node.id, end=at(5, 13))
    assert closed is not None and closed.end == at(5, 13)
    rows = store.ledger.intervals(account_id=account.id, start=at(5, 0), end=at(6, 0), now=LATER)
    assert [(r.id == first.id, r.start, r.end, r.price_hour) for r in rows] == [
        (True, at(5, 10), at(5, 11), 0.02),
        (False, at(5, 11), at(5, 13), 0.03),
    ]
    assert store.ledger.open_interval_of(node.id) is None
    assert store.ledger.close_interval(node.id, end=at(5, 14)) is None


def test_writing_the_same_interval_twice_counts_it_once(
    store: Store, account: Account, node: NodeRecord
) -> None:
    once = store.ledger.record(node_id=node.id, start=at(5, 10), end=at(5, 11), **SPOT_D2)
    again = store.ledger.record(node_id=node.id, start=at(5, 10), end=at(5, 11), **SPOT_D2)
    assert again == once
    opened = store.ledger.open_interval(node_id=node.id, start=at(5, 12), **SPOT_D2)
    assert store.ledger.open_interval(node_id=node.id, start=at(5, 12), **SPOT_D2) == opened
    figures = store.ledger.costs(account_id=account.id, start=at(5, 0), end=at(6, 0), now=at(5, 13))
    assert figures.spot_hours == pytest.approx(2)


def test_an_overlapping_different_interval_is_refused(store: Store, node: NodeRecord) -> None:
    store.ledger.record(node_id=node.id, start=at(5, 10), end=at(5, 12), **SPOT_D2)
    with pytest.raises(LedgerConflictError, match="overlaps"):
        store.ledger.record(node_id=node.id, start=at(5, 11), end=at(5, 13), **OD_D4)
    with pytest.raises(LedgerConflictError):
        store.ledger.open_interval(node_id=node.id, start=at(5, 11), **SPOT_D2)


def test_costs_cover_the_whole_account_or_one_node(
    store: Store, account: Account, make_node: Callable[..., NodeRecord], clock: Any
) -> None:
    a, b = make_node(name="a"), make_node(name="b")
    other_account = store.accounts.create("other", now=clock.now())
    c = make_node(name="c", account_id=other_account.id)
    for node in (a, b, c):
        store.ledger.record(node_id=node.id, start=at(5, 0), end=at(5, 1), **SPOT_D2)
    window = {"start": at(5, 0), "end": at(6, 0), "now": LATER}
    assert store.ledger.costs(account_id=account.id, **window).spot_hours == pytest.approx(2)
    assert store.ledger.costs(account_id=account.id, node_id=a.id, **window).spot_hours == pytest.approx(1)
    usage = store.ledger.daily_size_usage(account_id=account.id, **window)
    assert [(u.day, u.size, u.lifecycle, u.vcpus, u.hours) for u in usage] == [
        (date(2026, 1, 5), "Standard_D2s_v5", "spot", 2, pytest.approx(2))
    ]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"lifecycle": "reserved"}, "lifecycle"),
        ({"price_hour": -1.0}, "price_hour"),
        ({"od_price_hour": float("nan")}, "od_price_hour"),
        ({"vcpus": 0}, "vcpus"),
    ],
)
def test_bad_intervals_are_refused_naming_the_field(
    store: Store, node: NodeRecord, overrides: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValueError, match=field):
        store.ledger.record(node_id=node.id, start=at(5, 0), end=at(5, 1), **{**SPOT_D2, **overrides})


def test_an_interval_ending_before_it_starts_is_refused(store: Store, node: NodeRecord) -> None:
    with pytest.raises(ValueError, match="before start"):
        store.ledger.record(node_id=node.id, start=at(5, 2), end=at(5, 1), **SPOT_D2)


def test_an_interval_for_an_unknown_node_names_it(store: Store) -> None:
    with pytest.raises(UnknownRecordError, match="ssn-00000000"):
        store.ledger.record(node_id="ssn-00000000", start=at(5, 0), end=at(5, 1), **SPOT_D2)


def test_a_window_ending_before_it_starts_is_refused(store: Store, account: Account) -> None:
    with pytest.raises(ValueError, match="before start"):
        store.ledger.costs(account_id=account.id, start=at(6, 0), end=at(5, 0), now=LATER)


def test_a_window_in_the_future_costs_nothing(store: Store, account: Account, node: NodeRecord) -> None:
    store.ledger.open_interval(node_id=node.id, start=at(5, 0), **SPOT_D2)
    figures = store.ledger.costs(
        account_id=account.id,
        start=at(5, 0) + timedelta(days=2),
        end=at(5, 0) + timedelta(days=3),
        now=at(5, 12),
    )
    assert figures.hours == 0 and figures.actual_cost == 0
