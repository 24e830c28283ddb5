"""The simulated Spot market's prices: anchored on the catalog, moving, always under on-demand,
and a pure function of (seed, market, time)."""

from __future__ import annotations

import statistics
from datetime import UTC, datetime, timedelta

import pytest

from spotkeeper.catalog import load_catalog
from spotkeeper.sim.market import Market

T0 = datetime(2026, 1, 5, tzinfo=UTC)
D2S = "Standard_D2s_v5"


def _hours(days: int, step_h: int) -> list[datetime]:
    return [T0 + timedelta(hours=h) for h in range(0, days * 24, step_h)]


@pytest.mark.parametrize("scenario", ["calm", "volatile", "drought"])
def test_spot_prices_stay_positive_and_below_on_demand_for_every_size(scenario: str) -> None:
    catalog = load_catalog()
    market = Market(catalog, scenario, seed=3)
    checked = 0
    for size in catalog.sizes_in("eastus"):
        od = market.od_price("eastus", size.name)
        assert od is not None
        for zone in ("1", "2", "3", ""):
            for at in _hours(30, 12):
                spot = market.spot_price("eastus", zone, size.name, at)
                if spot is None:
                    continue
                checked += 1
                assert 0 < spot < od, (size.name, zone, at, spot, od)
    assert checked > 10_000


def test_on_demand_price_is_the_catalog_list_price() -> None:
    catalog = load_catalog()
    market = Market(catalog, "volatile", seed=1)
    listed = catalog.price("eastus", D2S)
    assert listed is not None
    assert market.od_price("eastus", D2S) == listed.od_hour
    assert market.od_price("eastus", "Standard_Nonexistent_v9") is None


def test_sizes_without_a_spot_offer_have_no_spot_price_and_no_spot_capacity() -> None:
    market = Market(load_catalog(), "calm", seed=0)
    assert market.spot_price("eastus", "1", "Standard_B2ms", T0) is None
    assert market.spot_available("eastus", "1", "Standard_B2ms", T0) is False
    assert market.eviction_band("eastus", "Standard_B2ms") is None
    assert market.next_eviction_wave("eastus", "1", "Standard_B2ms", T0) is None


def test_spot_price_wanders_around_the_catalog_anchor() -> None:
    catalog = load_catalog()
    anchor = catalog.price("eastus", D2S)
    assert anchor is not None and anchor.spot_hour is not None
    prices = [Market(catalog, "calm", seed=5).spot_price("eastus", "1", D2S, at) for at in _hours(120, 24)]
    values = [p for p in prices if p is not None]
    median = statistics.median(values)
    assert 0.85 * anchor.spot_hour < median < 1.15 * anchor.spot_hour
    assert len(set(values)) > 20  # it moves


def test_volatile_prices_move_more_than_calm_prices() -> None:
    catalog = load_catalog()

    def spread(scenario: str) -> float:
        market = Market(catalog, scenario, seed=9)
        values = [market.spot_price("eastus", "1", D2S, at) or 0.0 for at in _hours(60, 4)]
        return statistics.pstdev(values) / statistics.fmean(values)

    assert spread("volatile") > 2 * spread("calm")


def test_a_price_holds_within_its_period_and_requotes_after_it() -> None:
    market = Market(load_catalog(), "volatile", seed=2)  # 4-hour periods
    start = datetime(2026, 1, 5, 8, tzinfo=UTC)
    within = {market.spot_price("eastus", "2", D2S, start + timedelta(minutes=m)) for m in range(0, 240, 15)}
    assert len(within) == 1
    later = {market.spot_price("eastus", "2", D2S, start + timedelta(hours=4 * k)) for k in range(12)}
    assert len(later) > 6


def test_zones_of_a_region_are_priced_slightly_differently() -> None:
    market = Market(load_catalog(), "calm", seed=4)
    prices = [market.spot_price("eastus", zone, D2S, T0) or 0.0 for zone in ("1", "2", "3")]
    assert len(set(prices)) == 3
    assert max(prices) / min(prices) < 1.2


def test_same_seed_gives_the_same_prices_whatever_was_asked_before() -> None:
    catalog = load_catalog()
    first = Market(catalog, "volatile", seed=11)
    second = Market(catalog, "volatile", seed=11)
    times = _hours(10, 3)
    # Ask the second market in reverse order and about other markets in between.
    for at in reversed(times):
        second.spot_price("westus2", "3", "Standard_E4s_v5", at)
    forward = [first.spot_price("eastus", "1", D2S, at) for at in times]
    backward = [second.spot_price("eastus", "1", D2S, at) for at in reversed(times)]
    assert forward == list(reversed(backward))


def test_different_seeds_give_different_prices() -> None:
    catalog = load_catalog()
    times = _hours(5, 4)
    one = [Market(catalog, "volatile", seed=1).spot_price("eastus", "1", D2S, at) for at in times]
    two = [Market(catalog, "volatile", seed=2).spot_price("eastus", "1", D2S, at) for at in times]
    assert one != two


def test_market_questions_need_timezone_aware_times() -> None:
    market = Market(load_catalog(), "calm")
    with pytest.raises(ValueError, match="timezone-aware"):
        market.spot_price("eastus", "1", D2S, datetime(2026, 1, 5))


def test_region_and_size_names_are_matched_case_insensitively() -> None:
    market = Market(load_catalog(), "volatile", seed=6)
    assert market.spot_price("EastUS", "1", "standard_d2s_v5", T0) == market.spot_price(
        "eastus", "1", D2S, T0
    )
    assert market.eviction_band("EASTUS", "STANDARD_D2S_V5") == market.eviction_band("eastus", D2S)
