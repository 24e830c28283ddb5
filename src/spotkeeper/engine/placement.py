"""Which market a node's next VM goes to: size, zone and lifecycle, ranked with reasons.

Every launch (first launch, recovery after an eviction, resume, recycle, revert to spot) asks
`choose_market` for the viable markets best first, then tries them in order, adding the ones
that refuse (`CapacityUnavailable`) to `failed` and asking again. Keeping the choice a pure
function of (policy, offers, this node's eviction history, time) lets the tests pin down every
rule of the seed's Strategy and VM-size sections:

* preferred spot sizes before the other spot sizes, and the preferred zone first in each tier;
* on-demand after spot (only with `fallbackToOd`) when the preferred lifecycle is spot, and
  first when it is `od` (spot then stays as the last resort, so the node still runs);
* a capacity reservation group (CRG) with free slots puts its reserved on-demand sizes before
  spot (`utilizeOverSpot`) or before the other on-demand markets (`utilizeOverOD`);
* inside a tier the `score` mixes normalized price and availability, weighted by
  `availabilityVsCost` (0 = cheapest, 100 = most available). Availability comes from Azure's
  eviction-rate band, and a market that evicted THIS node within `backoff` is both demoted
  below the markets that did not (inside its lifecycle) and penalised in proportion to how
  recent the eviction was, so the node does not walk straight back into the market that
  just threw it out.

`plan_disk_move` answers the persistence question for a candidate: can the persisted disks be
reattached, or does the zone change force the snapshot path (seed: reattach only works in the
disks' zone; Spot falls back to restoring the latest snapshot when the zone changes).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from spotkeeper.cloud.port import CapacityReservationGroupInfo, Lifecycle, MarketOffer

ReservationStrategy = Literal["utilizeOverSpot", "utilizeOverOD"]
PersistenceMode = Literal["reattach", "onLaunch"]
DiskPath = Literal["reattach", "snapshot"]
MarketKey = tuple[str, str | None, Lifecycle]

# Midpoint of each Azure eviction-rate band (percent chance of eviction per hour). "20+" has no
# top; 25 keeps it clearly worse than 15-20 without dominating the score.
BAND_MIDPOINT: Mapping[str, float] = {"0-5": 2.5, "5-10": 7.5, "10-15": 12.5, "15-20": 17.5, "20+": 25.0}
# A spot offer without a band is treated as middling rather than as safe.
UNKNOWN_BAND_MIDPOINT = 12.5
# Eviction risk (percent/hour) at which a market's availability score reaches zero.
RISK_CEILING = 30.0
# Share of the score a fresh eviction of this node removes; decays linearly to 0 over `backoff`.
EVICTION_PENALTY = 0.5


@dataclass(frozen=True)
class ReservationGroup:
    """A CRG the node may use (the wire's `capacityReservationGroups[]`)."""

    name: str
    resource_group: str
    should_prioritize: bool = False


@dataclass(frozen=True)
class CapacityReservationPolicy:
    should_utilize: bool
    strategy: ReservationStrategy
    groups: tuple[ReservationGroup, ...] = ()  # empty = any matching CRG ("automatic")


@dataclass(frozen=True)
class PlacementPolicy:
    spot_sizes: tuple[str, ...]
    od_sizes: tuple[str, ...]
    preferred_spot_sizes: tuple[str, ...] = ()
    zones: tuple[str, ...] = ()  # empty = regional
    preferred_zone: str | None = None
    allowed_zones: frozenset[str | None] | None = None  # pinned by zonal disks; None = any
    availability_vs_cost: int = 50
    preferred_lifecycle: Lifecycle = "spot"
    fallback_to_od: bool = True
    capacity_reservation: CapacityReservationPolicy | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.availability_vs_cost <= 100:
            raise ValueError(f"availability_vs_cost must be 0..100, got {self.availability_vs_cost}")
        if self.preferred_lifecycle not in ("spot", "od"):
            raise ValueError(f"preferred_lifecycle must be 'spot' or 'od', got {self.preferred_lifecycle!r}")


@dataclass(frozen=True)
class EvictionRecord:
    size: str
    zone: str | None
    at: datetime


@dataclass(frozen=True)
class EvictionHistory:
    """Evictions of this node, by market. Sizes compare case-insensitively."""

    records: tuple[EvictionRecord, ...] = ()

    def with_eviction(self, size: str, zone: str | None, at: datetime) -> EvictionHistory:
        return EvictionHistory((*self.records, EvictionRecord(size, zone, at)))

    def since(self, size: str, zone: str | None, cutoff: datetime) -> list[datetime]:
        """Eviction times in market (size, zone) after `cutoff`, oldest first."""
        key = size.casefold()
        return sorted(
            r.at for r in self.records if r.size.casefold() == key and r.zone == zone and r.at > cutoff
        )

    def times(self) -> list[datetime]:
        """Every eviction time, oldest first (what interruption toleration counts)."""
        return sorted(r.at for r in self.records)

    def pruned(self, cutoff: datetime) -> EvictionHistory:
        """Drop records at or before `cutoff`, so a long-lived node's history stays small."""
        return EvictionHistory(tuple(r for r in self.records if r.at > cutoff))


@dataclass(frozen=True)
class ReservationSlot:
    """A CRG with a free slot for the candidate's size and zone."""

    resource_group: str
    name: str


@dataclass(frozen=True)
class Candidate:
    size: str
    zone: str | None
    lifecycle: Lifecycle
    price_hour: float
    score: float
    reason: str
    reservation: ReservationSlot | None = None
    eviction_band: str | None = None

    @property
    def market(self) -> MarketKey:
        return (self.size, self.zone, self.lifecycle)


# ----------------------------------------------------------------------------- ranking

def choose_market(
    policy: PlacementPolicy,
    offers: Sequence[MarketOffer],
    history: EvictionHistory,
    now: datetime,
    *,
    failed: Collection[MarketKey] = (),
    backoff: timedelta = timedelta(hours=1),
    reservations: Sequence[CapacityReservationGroupInfo] = (),
) -> list[Candidate]:
    """Every viable market for the node's next VM, best first (empty: nothing can take it).

    `offers` are the cloud's current quotes; unavailable or unpriced offers, sizes or zones the
    policy does not list, zones outside `allowed_zones` and markets in `failed` (size, zone,
    lifecycle — size compared case-insensitively) are left out. `reservations` are the CRGs
    observed in the region; they matter only when the policy utilises capacity reservations."""
    spot_names = {s.casefold() for s in (*policy.spot_sizes, *policy.preferred_spot_sizes)}
    preferred_names = {s.casefold() for s in policy.preferred_spot_sizes}
    od_names = {s.casefold() for s in policy.od_sizes}
    failed_keys = {(size.casefold(), zone, lifecycle) for size, zone, lifecycle in failed}

    viable: list[tuple[MarketOffer, float]] = []
    for offer in offers:
        names = spot_names if offer.lifecycle == "spot" else od_names
        if offer.size.casefold() not in names or not offer.available or offer.price_hour is None:
            continue
        if not _zone_fits(policy, offer.zone):
            continue
        if (offer.size.casefold(), offer.zone, offer.lifecycle) in failed_keys:
            continue
        viable.append((offer, offer.price_hour))

    cheapest: dict[Lifecycle, float] = {}
    for offer, price in viable:
        cheapest[offer.lifecycle] = min(cheapest.get(offer.lifecycle, price), price)

    ranked: list[tuple[tuple[object, ...], Candidate]] = []
    for offer, price in viable:
        slot = _reservation_slot(policy, offer, reservations)
        tier = _tier(policy, offer, slot, preferred_names)
        if tier is None:
            continue
        recent = history.since(offer.size, offer.zone, now - backoff) if offer.lifecycle == "spot" else []
        penalty = _recency_penalty(recent, now, backoff)
        score = _score(policy, offer, price, cheapest[offer.lifecycle], penalty)
        candidate = Candidate(
            size=offer.size,
            zone=offer.zone,
            lifecycle=offer.lifecycle,
            price_hour=price,
            score=round(score, 6),
            reason=_reason(policy, offer, price, slot, preferred_names, recent, now),
            reservation=slot,
            eviction_band=offer.eviction_band if offer.lifecycle == "spot" else None,
        )
        in_preferred_zone = policy.preferred_zone is not None and offer.zone == policy.preferred_zone
        # A market that just evicted this node loses its size and zone preference (but not
        # its lifecycle tier) until `backoff` has passed.
        block, rank = tier
        key = (block, bool(recent), rank, 0 if in_preferred_zone else 1, -candidate.score,
               price, offer.size.casefold(), offer.zone or "")
        ranked.append((key, candidate))
    ranked.sort(key=lambda pair: pair[0])
    return [candidate for _, candidate in ranked]


def _zone_fits(policy: PlacementPolicy, zone: str | None) -> bool:
    if policy.zones:
        if zone not in policy.zones:
            return False
    elif zone is not None:
        return False
    return policy.allowed_zones is None or zone in policy.allowed_zones


def _tier(
    policy: PlacementPolicy, offer: MarketOffer, slot: ReservationSlot | None, preferred: set[str]
) -> tuple[int, int] | None:
    """(block, rank inside the block), lower is better; None when the policy rules it out.

    spot preferred:  [CRG over spot] [preferred spot, other spot] [CRG over OD, other OD]
    od preferred:    [CRG (either strategy), other OD] [preferred spot, other spot]
    The on-demand block of "spot preferred" exists only with `fallbackToOd`."""
    crg = policy.capacity_reservation
    if offer.lifecycle == "spot":
        return (1, 0 if offer.size.casefold() in preferred else 1)
    if policy.preferred_lifecycle == "od":
        return (0, 0 if slot is not None else 1)
    if slot is not None and crg is not None and crg.strategy == "utilizeOverSpot":
        return (0, 0)
    if not policy.fallback_to_od:
        return None
    return (2, 0 if slot is not None else 1)


def _reservation_slot(
    policy: PlacementPolicy, offer: MarketOffer, reservations: Sequence[CapacityReservationGroupInfo]
) -> ReservationSlot | None:
    crg = policy.capacity_reservation
    if offer.lifecycle != "od" or crg is None or not crg.should_utilize:
        return None
    wanted = {(g.resource_group.casefold(), g.name.casefold()): g for g in crg.groups}
    matches: list[tuple[int, ReservationSlot]] = []
    for group in reservations:
        if group.region.casefold() != offer.region.casefold():
            continue
        chosen = wanted.get((group.resource_group.casefold(), group.name.casefold()))
        if wanted and chosen is None:
            continue
        # A zonal CRG serves only its zones; a regional one only regional VMs.
        serves = offer.zone in group.zones if group.zones else offer.zone is None
        if not serves:
            continue
        free = any(
            size.casefold() == offer.size.casefold() and capacity > used
            for size, (capacity, used) in group.reservations.items()
        )
        if free:
            priority = 0 if chosen is not None and chosen.should_prioritize else 1
            matches.append((priority, ReservationSlot(group.resource_group, group.name)))
    if not matches:
        return None
    matches.sort(key=lambda m: (m[0], m[1].resource_group.casefold(), m[1].name.casefold()))
    return matches[0][1]


def _recency_penalty(recent: Sequence[datetime], now: datetime, backoff: timedelta) -> float:
    """0 (no recent eviction) .. close to 1: each eviction within `backoff` takes away up to
    EVICTION_PENALTY of what is left of the score, less the older it is."""
    keep = 1.0
    for at in recent:
        freshness = max(0.0, 1.0 - (now - at) / backoff)
        keep *= 1.0 - EVICTION_PENALTY * freshness
    return 1.0 - keep


def _risk(offer: MarketOffer) -> float:
    if offer.lifecycle == "od":
        return 0.0
    if offer.eviction_band is None:
        return UNKNOWN_BAND_MIDPOINT
    return BAND_MIDPOINT.get(offer.eviction_band.rstrip("%").strip(), UNKNOWN_BAND_MIDPOINT)


def _score(
    policy: PlacementPolicy, offer: MarketOffer, price: float, cheapest: float, penalty: float
) -> float:
    """0..1, higher is better: availability and cost weighted by `availabilityVsCost`."""
    availability = max(0.0, 1.0 - _risk(offer) / RISK_CEILING)
    cost = 1.0 if price <= 0 else cheapest / price
    weight = policy.availability_vs_cost / 100.0
    return (weight * availability + (1.0 - weight) * cost) * (1.0 - penalty)


def _reason(
    policy: PlacementPolicy,
    offer: MarketOffer,
    price: float,
    slot: ReservationSlot | None,
    preferred: set[str],
    recent: Sequence[datetime],
    now: datetime,
) -> str:
    where = f"zone {offer.zone}" if offer.zone is not None else "regional"
    words = "spot" if offer.lifecycle == "spot" else "on-demand"
    parts = [f"{words} {offer.size} {where} at ${price:.3f}/h"]
    if offer.lifecycle == "spot":
        band = offer.eviction_band.rstrip("%").strip() if offer.eviction_band else None
        parts.append(f"eviction band {band} %" if band else "eviction band unknown")
        if offer.size.casefold() in preferred:
            parts.append("preferred size")
    if policy.preferred_zone is not None and offer.zone == policy.preferred_zone:
        parts.append("preferred zone")
    if slot is not None:
        parts.append(f"capacity reservation {slot.resource_group}/{slot.name}")
    elif offer.lifecycle == "od":
        parts.append("preferred lifecycle" if policy.preferred_lifecycle == "od" else "fallback to on-demand")
    if recent:
        minutes = int((now - max(recent)) / timedelta(minutes=1))
        parts.append(f"evicted this node {minutes} min ago")
    return ", ".join(parts)


# ----------------------------------------------------------------------------- persistence


@dataclass(frozen=True)
class DiskMove:
    path: DiskPath
    reason: str


def plan_disk_move(mode: PersistenceMode, *, disk_zone: str | None, candidate_zone: str | None) -> DiskMove:
    """How a persisted disk follows the node to a VM in `candidate_zone`.

    `onLaunch` always restores from the latest snapshot. `reattach` moves the same disk when the
    VM stays in the disk's zone (or both are regional); any zone change — including between
    regional and zonal, which Azure cannot attach across — takes the snapshot path."""
    if mode == "onLaunch":
        return DiskMove("snapshot", "persistence mode onLaunch restores from the latest snapshot")
    if mode != "reattach":
        raise ValueError(f"persistence mode must be 'reattach' or 'onLaunch', got {mode!r}")
    if disk_zone == candidate_zone:
        where = f"zone {disk_zone}" if disk_zone is not None else "the region (no zone)"
        return DiskMove("reattach", f"same disk reattached in {where}")
    return DiskMove(
        "snapshot",
        f"disk is in {_zone_words(disk_zone)} but the VM goes to {_zone_words(candidate_zone)}; "
        "restoring from the latest snapshot",
    )


def needs_snapshot(mode: PersistenceMode, *, disk_zone: str | None, candidate_zone: str | None) -> bool:
    return plan_disk_move(mode, disk_zone=disk_zone, candidate_zone=candidate_zone).path == "snapshot"


def _zone_words(zone: str | None) -> str:
    return f"zone {zone}" if zone is not None else "no zone (regional)"

