"""Market choice: tiers (preferred sizes, zones, lifecycles, reservations), the
availability-vs-cost score, backoff after an eviction, exclusions, and the disk path."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from spotkeeper.cloud.port import CapacityReservationGroupInfo, Lifecycle, MarketOffer
from spotkeeper.engine.placement import (
    CapacityReservationPolicy,
    EvictionHistory,
    PlacementPolicy,
    ReservationGroup,
    ReservationSlot,
    choose_market,
    needs_snapshot,
    plan_disk_move,
)

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
NO_HISTORY = EvictionHistory()


def spot(
    size: str, zone: str | None, price: float, band: str | None = "0-5", available: bool = True
) -> MarketOffer:
    return MarketOffer("eastus", zone, size, "spot", available, price, band)


def od(size: str, zone: str | None, price: float, available: bool = True) -> MarketOffer:
    return MarketOffer("eastus", zone, size, "od", available, price)


def policy(**overrides: object) -> PlacementPolicy:
    base: dict[str, object] = {
        "spot_sizes": ("Standard_D2s_v5", "Standard_D4s_v5"),
        "od_sizes": ("Standard_D2s_v5",),
        "zones": ("1", "2", "3"),
    }
    base.update(overrides)
    return PlacementPolicy(**base)  # type: ignore[arg-type]


def markets(candidates: list) -> list[tuple[str, str | None, Lifecycle]]:  # type: ignore[type-arg]
    return [c.market for c in candidates]


def test_preferred_spot_size_comes_before_a_cheaper_other_size() -> None:
    offers = [spot("Standard_D2s_v5", "1", 0.010), spot("Standard_D4s_v5", "1", 0.030)]
    ranked = choose_market(policy(preferred_spot_sizes=("Standard_D4s_v5",)), offers, NO_HISTORY, NOW)
    assert [c.size for c in ranked] == ["Standard_D4s_v5", "Standard_D2s_v5"]
    assert "preferred size" in ranked[0].reason


def test_preferred_zone_comes_first_within_a_tier_but_not_across_tiers() -> None:
    offers = [
        spot("Standard_D2s_v5", "1", 0.010),
        spot("Standard_D2s_v5", "2", 0.020),
        spot("Standard_D4s_v5", "2", 0.030),
        spot("Standard_D4s_v5", "3", 0.025),
    ]
    ranked = choose_market(
        policy(preferred_spot_sizes=("Standard_D4s_v5",), preferred_zone="2"), offers, NO_HISTORY, NOW
    )
    assert markets(ranked) == [
        ("Standard_D4s_v5", "2", "spot"),
        ("Standard_D4s_v5", "3", "spot"),
        ("Standard_D2s_v5", "2", "spot"),
        ("Standard_D2s_v5", "1", "spot"),
    ]
    assert "preferred zone" in ranked[0].reason


CHEAP_VOLATILE = spot("Standard_D2s_v5", "1", 0.010, band="20+")
DEAR_CALM = spot("Standard_D2s_v5", "2", 0.018, band="0-5")


@pytest.mark.parametrize(
    ("availability_vs_cost", "winner"),
    [(0, "1"), (20, "1"), (80, "2"), (100, "2")],
)
def test_availability_vs_cost_flips_between_cheap_volatile_and_dear_calm_markets(
    availability_vs_cost: int, winner: str
) -> None:
    ranked = choose_market(
        policy(availability_vs_cost=availability_vs_cost), [CHEAP_VOLATILE, DEAR_CALM], NO_HISTORY, NOW
    )
    assert ranked[0].zone == winner
    assert ranked[0].score >= ranked[1].score


def test_pure_cost_ranks_by_price_and_pure_availability_by_band() -> None:
    offers = [
        spot("Standard_D2s_v5", "1", 0.030, band="0-5"),
        spot("Standard_D2s_v5", "2", 0.010, band="15-20"),
        spot("Standard_D2s_v5", "3", 0.020, band="5-10"),
    ]
    by_cost = choose_market(policy(availability_vs_cost=0), offers, NO_HISTORY, NOW)
    by_availability = choose_market(policy(availability_vs_cost=100), offers, NO_HISTORY, NOW)
    assert [c.zone for c in by_cost] == ["2", "3", "1"]
    assert [c.zone for c in by_availability] == ["1", "3", "2"]


def test_market_that_just_evicted_the_node_drops_behind_its_peers_until_backoff_passes() -> None:
    offers = [spot("Standard_D2s_v5", "1", 0.010), spot("Standard_D2s_v5", "2", 0.015)]
    history = EvictionHistory().with_eviction("standard_d2s_v5", "1", NOW - timedelta(minutes=10))
    soon = choose_market(policy(preferred_zone="1"), offers, history, NOW)
    assert [c.zone for c in soon] == ["2", "1"]
    assert "evicted this node 10 min ago" in soon[1].reason
    later = choose_market(policy(preferred_zone="1"), offers, history, NOW + timedelta(minutes=51))
    assert [c.zone for c in later] == ["1", "2"]


def test_eviction_penalty_decays_so_an_older_eviction_hurts_less() -> None:
    offers = [spot("Standard_D2s_v5", "1", 0.010), spot("Standard_D2s_v5", "2", 0.010)]
    history = (
        EvictionHistory()
        .with_eviction("Standard_D2s_v5", "1", NOW - timedelta(minutes=50))
        .with_eviction("Standard_D2s_v5", "2", NOW - timedelta(minutes=5))
    )
    ranked = choose_market(policy(), offers, history, NOW)
    assert [c.zone for c in ranked] == ["1", "2"]
    assert ranked[0].score > ranked[1].score


def test_recent_eviction_does_not_push_spot_behind_on_demand() -> None:
    offers = [spot("Standard_D2s_v5", "1", 0.010), od("Standard_D2s_v5", "1", 0.096)]
    history = EvictionHistory().with_eviction("Standard_D2s_v5", "1", NOW - timedelta(minutes=1))
    ranked = choose_market(policy(), offers, history, NOW)
    assert [c.lifecycle for c in ranked] == ["spot", "od"]


def test_custom_backoff_controls_how_long_an_eviction_counts() -> None:
    offers = [spot("Standard_D2s_v5", "1", 0.010), spot("Standard_D2s_v5", "2", 0.015)]
    history = EvictionHistory().with_eviction("Standard_D2s_v5", "1", NOW - timedelta(minutes=10))
    ranked = choose_market(policy(), offers, history, NOW, backoff=timedelta(minutes=5))
    assert ranked[0].zone == "1"


def test_on_demand_follows_spot_only_with_fallback() -> None:
    offers = [spot("Standard_D2s_v5", "1", 0.010), od("Standard_D2s_v5", "1", 0.096)]
    with_fallback = choose_market(policy(fallback_to_od=True), offers, NO_HISTORY, NOW)
    without = choose_market(policy(fallback_to_od=False), offers, NO_HISTORY, NOW)
    assert [c.lifecycle for c in with_fallback] == ["spot", "od"]
    assert "fallback to on-demand" in with_fallback[1].reason
    assert [c.lifecycle for c in without] == ["spot"]


def test_without_spot_capacity_and_without_fallback_nothing_is_viable() -> None:
    offers = [spot("Standard_D2s_v5", "1", 0.010, available=False), od("Standard_D2s_v5", "1", 0.096)]
    assert choose_market(policy(fallback_to_od=False), offers, NO_HISTORY, NOW) == []


def test_preferred_on_demand_puts_on_demand_first_and_spot_last() -> None:
    offers = [spot("Standard_D2s_v5", "1", 0.010), od("Standard_D2s_v5", "1", 0.096)]
    ranked = choose_market(policy(preferred_lifecycle="od", fallback_to_od=False), offers, NO_HISTORY, NOW)
    assert [c.lifecycle for c in ranked] == ["od", "spot"]
    assert "preferred lifecycle" in ranked[0].reason


def test_unavailable_unpriced_unlisted_and_failed_markets_are_excluded() -> None:
    offers = [
        spot("Standard_D2s_v5", "1", 0.010, available=False),
        MarketOffer("eastus", "2", "Standard_D2s_v5", "spot", True, None, "0-5"),
        spot("Standard_E2s_v5", "1", 0.005),  # not in spot_sizes
        od("Standard_D4s_v5", "1", 0.192),  # not in od_sizes
        spot("Standard_D4s_v5", "3", 0.020),
        spot("Standard_D4s_v5", "2", 0.021),
    ]
    ranked = choose_market(policy(), offers, NO_HISTORY, NOW, failed=[("standard_d4s_v5", "3", "spot")])
    assert markets(ranked) == [("Standard_D4s_v5", "2", "spot")]


def test_failed_market_only_excludes_its_own_lifecycle() -> None:
    offers = [spot("Standard_D2s_v5", "1", 0.010), od("Standard_D2s_v5", "1", 0.096)]
    ranked = choose_market(policy(), offers, NO_HISTORY, NOW, failed=[("Standard_D2s_v5", "1", "spot")])
    assert markets(ranked) == [("Standard_D2s_v5", "1", "od")]


def test_allowed_zones_pin_the_node_to_its_disks_zone() -> None:
    offers = [spot("Standard_D2s_v5", "1", 0.010), spot("Standard_D2s_v5", "2", 0.020)]
    ranked = choose_market(policy(allowed_zones=frozenset({"2"})), offers, NO_HISTORY, NOW)
    assert [c.zone for c in ranked] == ["2"]


def test_zonal_policy_ignores_regional_offers_and_regional_policy_ignores_zonal_ones() -> None:
    offers = [spot("Standard_D2s_v5", None, 0.010), spot("Standard_D2s_v5", "1", 0.020)]
    assert [c.zone for c in choose_market(policy(), offers, NO_HISTORY, NOW)] == ["1"]
    regional = choose_market(policy(zones=()), offers, NO_HISTORY, NOW)
    assert [c.zone for c in regional] == [None]
    assert "regional" in regional[0].reason


def test_zones_outside_the_policy_are_not_used() -> None:
    offers = [spot("Standard_D2s_v5", "3", 0.001), spot("Standard_D2s_v5", "1", 0.020)]
    assert [c.zone for c in choose_market(policy(zones=("1",)), offers, NO_HISTORY, NOW)] == ["1"]


def test_reason_reads_as_one_line_for_the_node_log() -> None:
    offers = [spot("Standard_D4s_v5", "2", 0.021, band="0-5")]
    ranked = choose_market(
        policy(preferred_spot_sizes=("standard_d4s_v5",), preferred_zone="2"), offers, NO_HISTORY, NOW
    )
    assert ranked[0].reason == (
        "spot Standard_D4s_v5 zone 2 at $0.021/h, eviction band 0-5 %, preferred size, preferred zone"
    )


def test_sizes_match_case_insensitively_and_keep_the_offers_spelling() -> None:
    offers = [spot("Standard_D2s_v5", "1", 0.010)]
    ranked = choose_market(policy(spot_sizes=("standard_d2s_v5",)), offers, NO_HISTORY, NOW)
    assert ranked[0].size == "Standard_D2s_v5"


def test_spot_offer_without_band_counts_as_middling_risk() -> None:
    unknown = spot("Standard_D2s_v5", "1", 0.010, band=None)
    calm = spot("Standard_D2s_v5", "2", 0.010, band="0-5")
    volatile = spot("Standard_D2s_v5", "3", 0.010, band="20+")
    ranked = choose_market(policy(availability_vs_cost=100), [volatile, unknown, calm], NO_HISTORY, NOW)
    assert [c.zone for c in ranked] == ["2", "1", "3"]
    assert "eviction band unknown" in ranked[1].reason


# ----------------------------------------------------------------------------- capacity reservations


def crg(name: str, zones: tuple[str, ...], capacity: int, used: int) -> CapacityReservationGroupInfo:
    return CapacityReservationGroupInfo(
        "sk-sandbox", name, "eastus", zones, {"Standard_D2s_v5": (capacity, used)}
    )


CRG = crg("crg-1", ("1",), 2, 1)
FULL_CRG = crg("crg-full", ("1",), 2, 2)
CRG_OFFERS = [
    spot("Standard_D2s_v5", "1", 0.010),
    od("Standard_D2s_v5", "1", 0.096),
    od("Standard_D4s_v5", "1", 0.150),
]


def crg_policy(strategy: str, **overrides: object) -> PlacementPolicy:
    return policy(
        od_sizes=("Standard_D4s_v5", "Standard_D2s_v5"),
        capacity_reservation=CapacityReservationPolicy(True, strategy, ()),  # type: ignore[arg-type]
        **overrides,
    )


def test_reservation_over_spot_puts_reserved_on_demand_before_spot() -> None:
    ranked = choose_market(crg_policy("utilizeOverSpot"), CRG_OFFERS, NO_HISTORY, NOW, reservations=[CRG])
    assert markets(ranked) == [
        ("Standard_D2s_v5", "1", "od"),
        ("Standard_D2s_v5", "1", "spot"),
        ("Standard_D4s_v5", "1", "od"),
    ]
    assert ranked[0].reservation == ReservationSlot("sk-sandbox", "crg-1")
    assert "capacity reservation sk-sandbox/crg-1" in ranked[0].reason


def test_reservation_over_spot_applies_even_without_fallback() -> None:
    ranked = choose_market(
        crg_policy("utilizeOverSpot", fallback_to_od=False), CRG_OFFERS, NO_HISTORY, NOW, reservations=[CRG]
    )
    assert markets(ranked) == [("Standard_D2s_v5", "1", "od"), ("Standard_D2s_v5", "1", "spot")]


def test_reservation_over_on_demand_puts_reserved_before_other_on_demand_but_after_spot() -> None:
    # The unreserved D4s is the cheaper on-demand market, yet the reserved D2s goes first.
    offers = [
        spot("Standard_D2s_v5", "1", 0.010),
        od("Standard_D2s_v5", "1", 0.096),
        od("Standard_D4s_v5", "1", 0.05),
    ]
    ranked = choose_market(crg_policy("utilizeOverOD"), offers, NO_HISTORY, NOW, reservations=[CRG])
    assert markets(ranked) == [
        ("Standard_D2s_v5", "1", "spot"),
        ("Standard_D2s_v5", "1", "od"),
        ("Standard_D4s_v5", "1", "od"),
    ]
    assert ranked[1].reservation is not None and ranked[2].reservation is None


def test_full_or_mismatched_reservations_are_ignored() -> None:
    other_zone = crg("crg-z2", ("2",), 1, 0)
    ranked = choose_market(
        crg_policy("utilizeOverSpot"), CRG_OFFERS, NO_HISTORY, NOW, reservations=[FULL_CRG, other_zone]
    )
    assert ranked[0].lifecycle == "spot"
    assert all(c.reservation is None for c in ranked)


def test_reservations_are_ignored_when_not_utilized() -> None:
    off = policy(capacity_reservation=CapacityReservationPolicy(False, "utilizeOverSpot"))
    ranked = choose_market(off, CRG_OFFERS, NO_HISTORY, NOW, reservations=[CRG])
    assert ranked[0].lifecycle == "spot"


def test_named_reservation_groups_restrict_and_prioritize() -> None:
    second = crg("crg-2", ("1",), 4, 0)
    only_two = policy(
        capacity_reservation=CapacityReservationPolicy(
            True,
            "utilizeOverSpot",
            (ReservationGroup("crg-1", "sk-sandbox"), ReservationGroup("crg-2", "sk-sandbox", True)),
        )
    )
    ranked = choose_market(only_two, CRG_OFFERS, NO_HISTORY, NOW, reservations=[CRG, second])
    assert ranked[0].reservation == ReservationSlot("sk-sandbox", "crg-2")
    only_first = policy(
        capacity_reservation=CapacityReservationPolicy(
            True, "utilizeOverSpot", (ReservationGroup("crg-1", "sk-sandbox"),)
        )
    )
    ranked = choose_market(only_first, CRG_OFFERS, NO_HISTORY, NOW, reservations=[second])
    assert ranked[0].lifecycle == "spot"


def test_regional_reservation_serves_regional_nodes_only() -> None:
    regional_crg = crg("crg-r", (), 1, 0)
    offers = [spot("Standard_D2s_v5", None, 0.01), od("Standard_D2s_v5", None, 0.096)]
    ranked = choose_market(
        crg_policy("utilizeOverSpot", zones=()), offers, NO_HISTORY, NOW, reservations=[regional_crg]
    )
    assert ranked[0].reservation == ReservationSlot("sk-sandbox", "crg-r")
    zonal = choose_market(
        crg_policy("utilizeOverSpot"), CRG_OFFERS, NO_HISTORY, NOW, reservations=[regional_crg]
    )
    assert zonal[0].lifecycle == "spot"


# ----------------------------------------------------------------------------- policy and history


def test_policy_rejects_out_of_range_availability_vs_cost() -> None:
    with pytest.raises(ValueError, match="availability_vs_cost"):
        policy(availability_vs_cost=101)


def test_eviction_history_filters_by_market_and_time_and_prunes() -> None:
    history = (
        EvictionHistory()
        .with_eviction("Standard_D2s_v5", "1", NOW - timedelta(hours=3))
        .with_eviction("Standard_D2s_v5", "1", NOW - timedelta(minutes=5))
        .with_eviction("Standard_D2s_v5", "2", NOW - timedelta(minutes=1))
    )
    assert history.since("STANDARD_D2S_V5", "1", NOW - timedelta(hours=1)) == [NOW - timedelta(minutes=5)]
    assert len(history.times()) == 3
    assert len(history.pruned(NOW - timedelta(hours=1)).records) == 2


# ----------------------------------------------------------------------------- disks


@pytest.mark.parametrize(
    ("mode", "disk_zone", "candidate_zone", "path"),
    [
        ("reattach", "1", "1", "reattach"),
        ("reattach", None, None, "reattach"),
        ("reattach", "1", "2", "snapshot"),
        ("reattach", None, "1", "snapshot"),
        ("reattach", "1", None, "snapshot"),
        ("onLaunch", "1", "1", "snapshot"),
        ("onLaunch", None, None, "snapshot"),
    ],
)
def test_zone_change_forces_the_snapshot_path_for_reattached_disks(
    mode: str, disk_zone: str | None, candidate_zone: str | None, path: str
) -> None:
    move = plan_disk_move(mode, disk_zone=disk_zone, candidate_zone=candidate_zone)  # type: ignore[arg-type]
    assert move.path == path
    assert needs_snapshot(mode, disk_zone=disk_zone, candidate_zone=candidate_zone) is (path == "snapshot")  # type: ignore[arg-type]
    assert move.reason


def test_zone_change_reason_names_both_zones() -> None:
    assert "zone 1" in plan_disk_move("reattach", disk_zone="1", candidate_zone="2").reason
    assert "zone 2" in plan_disk_move("reattach", disk_zone="1", candidate_zone="2").reason


def test_unknown_persistence_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="persistence mode"):
        plan_disk_move("copy", disk_zone="1", candidate_zone="1")  # type: ignore[arg-type]
