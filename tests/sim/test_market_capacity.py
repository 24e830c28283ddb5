"""Spot and on-demand capacity in the simulated market: per-market outages and zone droughts."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from spotkeeper.catalog import load_catalog
from spotkeeper.sim.market import EvictionWave, Market
from spotkeeper.sim.scenarios import SCENARIOS

T0 = datetime(2026, 1, 5, tzinfo=UTC)
D2S = "Standard_D2s_v5"


def _first_drought(market: Market, zone: str) -> EvictionWave:
    cursor = T0
    while True:
        wave = market.next_eviction_wave("eastus", zone, D2S, cursor)
        assert wave is not None
        if wave.cause == "drought":
            return wave
        cursor = wave.at


def test_a_drought_takes_spot_capacity_of_every_size_in_its_zone() -> None:
    catalog = load_catalog()
    market = Market(catalog, "drought", seed=7)
    wave = _first_drought(market, "2")
    during = wave.at + timedelta(seconds=1)
    spot_sizes = [
        s.name for s in catalog.sizes_in("eastus") if market.spot_price("eastus", "2", s.name, during)
    ]
    assert len(spot_sizes) > 100
    assert market.in_drought("eastus", "2", during)
    assert not any(market.spot_available("eastus", "2", size, during) for size in spot_sizes)
    before = wave.at - timedelta(seconds=1)
    assert not market.in_drought("eastus", "2", before)
    assert sum(market.spot_available("eastus", "2", size, before) for size in spot_sizes) > 0.9 * len(
        spot_sizes
    )


def test_a_drought_leaves_on_demand_capacity_alone() -> None:
    catalog = load_catalog()
    market = Market(catalog, replace(SCENARIOS["drought"], od_outage_rate_per_day=0.0), seed=7)
    wave = _first_drought(market, "2")
    during = wave.at + timedelta(minutes=1)
    assert all(market.od_available("eastus", "2", s.name, during) for s in catalog.sizes_in("eastus"))


def test_a_drought_start_is_a_wave_that_evicts_every_spot_vm_in_the_zone() -> None:
    wave = _first_drought(Market(load_catalog(), "drought", seed=7), "1")
    assert wave.fraction == 1.0
    offsets = [wave.notice_offset(f"vm-{i}") for i in range(300)]
    assert all(offset is not None for offset in offsets)


def test_a_drought_ends_within_its_maximum_length() -> None:
    market = Market(load_catalog(), "drought", seed=7)
    wave = _first_drought(market, "3")
    longest = timedelta(hours=SCENARIOS["drought"].drought_max_h)
    probes = [wave.at + timedelta(minutes=m) for m in range(0, int(longest.total_seconds() // 60) + 2, 5)]
    assert any(market.spot_available("eastus", "3", D2S, at) for at in probes)


def test_a_regional_market_keeps_capacity_while_any_zone_has_some() -> None:
    market = Market(load_catalog(), "drought", seed=7)
    wave = _first_drought(market, "1")
    during = wave.at + timedelta(seconds=1)
    zones_dry = [market.in_drought("eastus", z, during) for z in ("1", "2", "3")]
    assert zones_dry[0]
    assert market.in_drought("eastus", "", during) == all(zones_dry)


def test_a_zone_drought_reaches_a_regional_market_as_a_partial_wave() -> None:
    market = Market(load_catalog(), "drought", seed=7)
    cursor = T0
    while (
        wave := market.next_eviction_wave("eastus", "", D2S, cursor)
    ) is not None and wave.cause != "drought":
        cursor = wave.at
    assert wave is not None
    assert wave.fraction == 1 / 3  # the share of regional VMs Azure placed in the dry zone


def test_calm_markets_have_no_droughts() -> None:
    market = Market(load_catalog(), "calm", seed=7)
    waves = market.eviction_waves("eastus", "1", D2S, T0, T0 + timedelta(days=60))
    assert waves and all(wave.cause == "market" for wave in waves)


def test_volatile_markets_have_short_spot_outages_and_rarer_on_demand_outages() -> None:
    market = Market(load_catalog(), "volatile", seed=1)
    minutes = [T0 + timedelta(minutes=m) for m in range(0, 30 * 24 * 60, 5)]
    spot_down = sum(not market.spot_available("eastus", "1", D2S, at) for at in minutes) / len(minutes)
    od_down = sum(not market.od_available("eastus", "1", D2S, at) for at in minutes) / len(minutes)
    # About one ~15-minute outage a day: roughly 1 % of the time; on-demand about 30x rarer.
    assert 0.002 < spot_down < 0.04
    assert od_down < spot_down


def test_a_spot_outage_refuses_new_vms_but_evicts_nobody() -> None:
    scenario = replace(SCENARIOS["volatile"], spot_outage_rate_per_day=24.0, band_weights={"0-5": 1.0})
    market = Market(load_catalog(), scenario, seed=1)
    minutes = [T0 + timedelta(minutes=m) for m in range(0, 2 * 24 * 60)]
    down = sum(not market.spot_available("eastus", "1", D2S, at) for at in minutes)
    assert down > 60
    waves = market.eviction_waves("eastus", "1", D2S, T0, T0 + timedelta(days=2))
    assert all(wave.cause == "market" for wave in waves)
    assert len(waves) < 20  # outages add no waves: the band (< 5 %/h) alone sets the pace


def test_capacity_is_deterministic_per_seed() -> None:
    catalog = load_catalog()
    minutes = [T0 + timedelta(minutes=m) for m in range(0, 10 * 24 * 60, 10)]

    def pattern(seed: int) -> list[bool]:
        market = Market(catalog, "volatile", seed=seed)
        return [market.spot_available("eastus", "1", D2S, at) for at in minutes]

    assert pattern(4) == pattern(4)
    assert pattern(4) != pattern(5)
