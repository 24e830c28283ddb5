"""The node log and the three cost routes: filters, date forms, windows and the §5.6 figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.api.support import BASE, ApiWorld

DAY = {"fromDate": "2026-01-05", "toDate": "2026-01-05"}


def test_log_needs_both_dates(world: ApiWorld) -> None:
    node_id = world.create()
    response = world.call("GET", f"{BASE}/{node_id}/log", params={"fromDate": "2026-01-05"})
    assert response.status_code == 400
    assert response.json()["response"]["errors"][0]["field"] == "toDate"


def test_log_entries_have_message_severity_and_time_newest_first(world: ApiWorld) -> None:
    node_id = world.launched()
    entries = world.ok("GET", f"{BASE}/{node_id}/log", params=DAY)
    assert entries[-1]["message"].startswith("node sk-test-node created")
    assert {"message", "severity", "createdAt"} <= set(entries[0])
    assert entries[0]["createdAt"] >= entries[-1]["createdAt"]


def test_log_filters_by_severity_and_limit(world: ApiWorld) -> None:
    node_id = world.launched()
    warnings = world.ok("GET", f"{BASE}/{node_id}/log", params=DAY | {"severity": "WARN"})
    assert warnings and all(e["severity"] == "WARN" for e in warnings)
    assert len(world.ok("GET", f"{BASE}/{node_id}/log", params=DAY | {"limit": 2})) == 2
    assert world.ok("GET", f"{BASE}/{node_id}/log", params=DAY | {"limit": 0}) == []


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 1001},
        {"limit": -1},
        {"severity": "LOUD"},
        {"fromDate": "yesterday"},
        {"toDate": "2026-01-01"},
    ],
)
def test_log_refuses_bad_query_values_naming_the_parameter(
    world: ApiWorld, params: dict[str, object]
) -> None:
    node_id = world.create()
    response = world.call("GET", f"{BASE}/{node_id}/log", params=DAY | params)
    assert response.status_code == 400
    assert response.json()["response"]["errors"][0]["field"] == next(iter(params))


def test_log_accepts_unix_milliseconds(world: ApiWorld) -> None:
    node_id = world.create()
    start = int(datetime(2026, 1, 4, tzinfo=UTC).timestamp() * 1000)
    end = int(datetime(2026, 1, 6, tzinfo=UTC).timestamp() * 1000)
    entries = world.ok("GET", f"{BASE}/{node_id}/log", params={"fromDate": start, "toDate": end})
    assert len(entries) >= 1
    before = world.ok(
        "GET", f"{BASE}/{node_id}/log", params={"fromDate": "2025-12-01", "toDate": "2025-12-31"}
    )
    assert before == []


def test_costs_total_daily_and_size_usage_after_running_two_hours(world: ApiWorld) -> None:
    node_id = world.launched()
    world.run_for(timedelta(hours=2))
    total = world.ok("GET", f"{BASE}/cost", params=DAY)
    assert len(total) == 1
    hours = total[0]["usage"]["spot"]["hours"] + total[0]["usage"]["od"]["hours"]
    assert 1.9 < hours < 2.2
    cost = total[0]["cost"]
    assert 0 < cost["spotActualCost"] < cost["odCost"]
    assert cost["spotPotentialCost"] <= cost["spotActualCost"] + 1e-9
    daily = world.ok("GET", f"{BASE}/cost/daily", params={"fromDate": "2026-01-04", "toDate": "2026-01-05"})
    assert [d["cost"]["day"] for d in daily] == ["2026-01-04T00:00:00.000Z", "2026-01-05T00:00:00.000Z"]
    assert daily[0]["usage"]["spot"]["hours"] == 0
    assert daily[1]["cost"]["spotActualCost"] == pytest.approx(cost["spotActualCost"])
    usage = world.ok("GET", f"{BASE}/sizeUsage/daily", params=DAY)
    assert {u["lifeCycle"] for u in usage} == {"spot"}
    assert sum(u["cpus"] for u in usage) > hours  # vCPU-hours of 2-vCPU or larger sizes
    only = world.ok("GET", f"{BASE}/cost", params=DAY | {"ownerId": node_id})
    assert only == total


def test_costs_of_another_accounts_node_are_not_found(world: ApiWorld) -> None:
    node_id = world.create()
    response = world.call(
        "GET", f"{BASE}/cost", params=DAY | {"ownerId": node_id}, headers=world.other_headers
    )
    assert response.status_code == 404
    assert world.ok("GET", f"{BASE}/cost", params=DAY, headers=world.other_headers)[0]["cost"]["odCost"] == 0


def test_a_daily_window_longer_than_400_days_is_refused(world: ApiWorld) -> None:
    response = world.call(
        "GET", f"{BASE}/cost/daily", params={"fromDate": "2020-01-01", "toDate": "2026-01-05"}
    )
    assert response.status_code == 400
    assert response.json()["response"]["errors"][0]["code"] == "WINDOW_TOO_LONG"
