"""Scenario presets for the simulated Azure market, and where their numbers come from.

A scenario is the data that shapes `sim.market.Market`: how often Spot VMs are evicted, how far
Spot prices move, how often a market or a whole zone runs out of capacity. Engine tests,
what-if runs and demos pick one by name; a test that needs something specific starts from a
preset and changes a field with `dataclasses.replace` (for example `band_overrides` to put one
size into the "20+" band).

Presets (figure ids from the shared `figures.md`):

* ``calm`` — most markets evict under 5 %/h: AWS reports Spot interruptions below 5 % on
  average (F6) and its advisor's lowest band is the common one (F7); Azure quotes the same bands
  per hour (F8). A tail of busier markets keeps fallback paths exercised. Prices hold for a day
  and wander ±5 %; a market loses Spot capacity for ~20 minutes about every two weeks.
* ``volatile`` — markets spread across 5-20 %/h with a tenth above 20 %. Prices re-quote every
  4 hours with a 25 % log-spread: the same size in the same region has been quoted at both
  0.01056 and 0.020266 USD/h (azure.md §4.4), and Azure series sit 55-90 % below on-demand
  (F2, F5). Short Spot capacity outages (~15 min) about daily per market.
* ``drought`` — ``calm`` plus zone-wide Spot droughts: about one per zone every five days,
  lasting hours (mean 4 h, at most 12 h). A drought evicts every Spot VM in the zone at once
  (a wave with fraction 1.0) and refuses new Spot allocations there until it ends, which is
  what forces a node to change zone or fall back to on-demand.

Co-evictions: a wave evicts a share of the VMs of one size in one zone, and their notices all
fall within `notice_spread_s` = 180 s of the wave: F9 found co-interruptions within one
instance type and zone within 3 minutes in >92 % of 2,635 AWS+Azure events.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from spotkeeper.sim.trace import Trace, TraceError, load_trace

__all__ = [
    "BAND_RATES",
    "EVICTION_BANDS",
    "SCENARIOS",
    "Scenario",
    "Trace",
    "TraceError",
    "load_trace",
    "resolve_scenario",
]

# Azure's eviction-rate bands, percent per hour (azure.md §5, F8), in order.
EVICTION_BANDS: tuple[str, ...] = ("0-5", "5-10", "10-15", "15-20", "20+")

# The true hourly eviction probability of a market in each band is drawn uniformly from this
# range. "20+" is open-ended in Azure's quotes; 30 %/h caps it at a market where a node would
# rarely live two hours, which is as bad as a market worth simulating gets.
BAND_RATES: Mapping[str, tuple[float, float]] = MappingProxyType(
    {
        "0-5": (0.005, 0.05),
        "5-10": (0.05, 0.10),
        "10-15": (0.10, 0.15),
        "15-20": (0.15, 0.20),
        "20+": (0.20, 0.30),
    }
)


@dataclass(frozen=True, kw_only=True)
class Scenario:
    """The parameters of one simulated market. Rates are per market unless said otherwise.

    A market is one (region, zone, size); zone "" is the regional (non-zonal) market.
    """

    name: str
    description: str = ""
    # Share of (region, size) pairs whose true hourly eviction rate falls in each band (F8).
    band_weights: Mapping[str, float] = field(default_factory=lambda: {"0-5": 1.0})
    # Size-name glob (case-insensitive, e.g. "standard_d4*") -> band, checked before the weights.
    band_overrides: Mapping[str, str] = field(default_factory=dict)
    # Each eviction wave evicts each running VM of the market with a probability drawn uniformly
    # from this range (correlated evictions of one size in one zone, F9).
    co_eviction_fraction: tuple[float, float] = (0.2, 0.6)
    # Seconds after a wave within which every evicted VM gets its Preempt notice (F9: 3 min).
    notice_spread_s: float = 180.0
    # A Spot price holds for `price_period_h` hours, then re-quotes.
    price_period_h: float = 24.0
    # Standard deviation of the log Spot price around the catalog anchor (0.05 = about ±5 %).
    price_volatility: float = 0.05
    # Period-to-period autocorrelation of the log price (mean reversion towards the anchor).
    price_reversion: float = 0.8
    # Standard deviation of the fixed per-zone log-price offset (zones differ slightly).
    zone_price_spread: float = 0.02
    # No Spot price ever exceeds this share of the on-demand price.
    spot_price_cap: float = 0.9
    # Spot capacity outages of one market: new Spot allocations fail, running VMs stay.
    spot_outage_rate_per_day: float = 1 / 14
    spot_outage_mean_min: float = 20.0
    spot_outage_max_min: float = 120.0
    # On-demand capacity can run out too, more rarely and more briefly.
    od_outage_rate_per_day: float = 1 / 90
    od_outage_mean_min: float = 10.0
    od_outage_max_min: float = 60.0
    # Zone-wide Spot droughts, per (region, zone): evict every Spot VM there, refuse new ones.
    drought_rate_per_day: float = 0.0
    drought_mean_h: float = 4.0
    drought_max_h: float = 12.0

    def __post_init__(self) -> None:
        problems = list(self._problems())
        if problems:
            raise ValueError(f"invalid scenario {self.name!r}: " + "; ".join(problems))

    def _problems(self) -> list[str]:
        problems: list[str] = []
        for band, weight in self.band_weights.items():
            if band not in BAND_RATES:
                problems.append(f"band_weights: unknown band {band!r} (expected one of {EVICTION_BANDS})")
            elif weight < 0:
                problems.append(f"band_weights[{band!r}]: weight must be >= 0, got {weight}")
        if sum(w for w in self.band_weights.values() if w > 0) <= 0:
            problems.append("band_weights: at least one band needs a positive weight")
        for pattern, band in self.band_overrides.items():
            if band not in BAND_RATES:
                problems.append(f"band_overrides[{pattern!r}]: unknown band {band!r}")
        low, high = self.co_eviction_fraction
        if not 0.0 < low <= high <= 1.0:
            problems.append(f"co_eviction_fraction: need 0 < low <= high <= 1, got {(low, high)}")
        positive = {
            "notice_spread_s": self.notice_spread_s,
            "price_period_h": self.price_period_h,
            "spot_outage_mean_min": self.spot_outage_mean_min,
            "spot_outage_max_min": self.spot_outage_max_min,
            "od_outage_mean_min": self.od_outage_mean_min,
            "od_outage_max_min": self.od_outage_max_min,
            "drought_mean_h": self.drought_mean_h,
            "drought_max_h": self.drought_max_h,
        }
        problems += [f"{name}: must be > 0, got {value}" for name, value in positive.items() if value <= 0]
        non_negative = {
            "price_volatility": self.price_volatility,
            "zone_price_spread": self.zone_price_spread,
            "spot_outage_rate_per_day": self.spot_outage_rate_per_day,
            "od_outage_rate_per_day": self.od_outage_rate_per_day,
            "drought_rate_per_day": self.drought_rate_per_day,
        }
        problems += [
            f"{name}: must be >= 0, got {value}" for name, value in non_negative.items() if value < 0
        ]
        if not 0.0 <= self.price_reversion < 1.0:
            problems.append(f"price_reversion: must be in [0, 1), got {self.price_reversion}")
        if not 0.0 < self.spot_price_cap < 1.0:
            problems.append(f"spot_price_cap: must be in (0, 1), got {self.spot_price_cap}")
        return problems


_CALM = Scenario(
    name="calm",
    description="Most markets evict under 5 %/h; prices steady; rare, short Spot capacity outages.",
    band_weights={"0-5": 0.70, "5-10": 0.18, "10-15": 0.07, "15-20": 0.03, "20+": 0.02},
)

_VOLATILE = Scenario(
    name="volatile",
    description="Markets spread across 5-20 %/h; prices re-quote every 4 h; daily short outages.",
    band_weights={"0-5": 0.10, "5-10": 0.30, "10-15": 0.30, "15-20": 0.20, "20+": 0.10},
    co_eviction_fraction=(0.3, 0.9),
    price_period_h=4.0,
    price_volatility=0.25,
    price_reversion=0.85,
    zone_price_spread=0.05,
    spot_outage_rate_per_day=1.0,
    spot_outage_mean_min=15.0,
    spot_outage_max_min=60.0,
    od_outage_rate_per_day=1 / 30,
)

_DROUGHT = Scenario(
    name="drought",
    description="Calm markets plus zone-wide Spot droughts (about one per zone per 5 days, hours long).",
    band_weights=_CALM.band_weights,
    drought_rate_per_day=1 / 5,
    drought_mean_h=4.0,
    drought_max_h=12.0,
)

SCENARIOS: Mapping[str, Scenario] = MappingProxyType(
    {scenario.name: scenario for scenario in (_CALM, _VOLATILE, _DROUGHT)}
)


def resolve_scenario(scenario: str | Scenario) -> Scenario:
    """A preset by name, or the given scenario unchanged."""
    if isinstance(scenario, Scenario):
        return scenario
    try:
        return SCENARIOS[scenario]
    except KeyError:
        raise ValueError(f"unknown scenario {scenario!r}; expected one of {sorted(SCENARIOS)}") from None
