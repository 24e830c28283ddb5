"""The simulated Azure Spot market: prices, capacity and evictions per (region, zone, size).

Why it exists: the engine's hard decisions (which size and zone, Spot or on-demand, when to go
back to Spot) depend on a market that moves. This model makes that market reproducible and
cheap: every answer is a pure function of (seed, market, time), computed lazily from hashed
draws (`sim.draws`), so the backend asks only about the markets its VMs use, in any order, and
1,000 VMs over 30 simulated days cost seconds. There is no global stepping and no state that
depends on the order of questions. A market is (region, zone, size); zone "" is regional.

The model (figure ids from the shared `figures.md`; parameters live in `sim.scenarios`):

* **Prices.** The catalog's Spot price (real Azure retail data, azure.md §4.4) is the anchor.
  The Spot price holds for `price_period_h`, then re-quotes: its log deviation from the anchor
  is a mean-reverting AR(1) walk, x_j = phi·x_{j-1} + e_j, evaluated over a fixed look-back of
  32 periods of hashed normal innovations scaled so x has standard deviation
  `price_volatility`. Zones of a region share the walk and add a small fixed per-zone offset.
  A Spot price never exceeds `spot_price_cap` x the on-demand price (Azure Spot sits 55-90 %
  below on-demand, F2/F5); on-demand prices are the catalog's list prices.
* **Capacity.** Each market has Spot capacity outages: a Poisson number of intervals per epoch
  with truncated-exponential durations (mean `spot_outage_mean_min`). During an outage new Spot
  allocations fail but running VMs stay. Each (region, zone) also has droughts; during a drought
  no Spot VM of any size can be allocated in the zone. On-demand has its own, rarer outages.
  A regional market (zone "") lacks Spot capacity only when every zone is in a drought.
* **Evictions.** Every (region, size) has a true hourly eviction probability p, drawn uniformly
  inside its band (`BAND_RATES`), the band itself from the scenario's weights. Azure quotes
  those bands per hour (azure.md §5, F8) and `eviction_band` returns the band p falls in.
  Evictions come in waves: a Poisson process per market with rate lambda per hour. Each wave
  evicts each running VM of the market independently with probability `fraction`, drawn per
  wave from `co_eviction_fraction` with mean f. A VM is therefore evicted at rate lambda·f and
  lambda = -ln(1 - p)/f makes its chance of eviction within an hour exactly p. The evicted
  VMs' Preempt notices (30 s each, F11) are spread over `notice_spread_s` = 180 s after the
  wave: F9 saw co-interruptions of one type in one zone within 3 minutes in >92 % of events
  (here all of them). A drought start is a wave with fraction 1.0 and cause "drought"; for a
  regional market a zone's drought is a wave with fraction 1/zones (the share of regional VMs
  Azure placed in that zone). A trace (`sim.trace`) overrides prices and availability of the
  markets it names, and its capacity losses replace droughts there.
"""

from __future__ import annotations

import fnmatch
import functools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal, Protocol

from spotkeeper.sim.draws import SharedPrefixDraws, poisson, standard_normal, uniform, uniforms
from spotkeeper.sim.scenarios import BAND_RATES, EVICTION_BANDS, Scenario, resolve_scenario
from spotkeeper.sim.trace import MarketKey, Trace

WaveCause = Literal["market", "drought"]

_HOUR = 3600.0
_DAY = 86_400.0
_WAVE_BUCKET_S = 6 * _HOUR  # waves are drawn per 6-hour bucket: few enough to list, many buckets cached
_PRICE_LOOKBACK = 32  # AR(1) terms summed; phi**32 < 0.006 for every preset (phi <= 0.85)
_HORIZON_S = 400 * _DAY  # next_eviction_wave looks this far ahead before answering None
_CACHE = 1 << 16


class _Price(Protocol):
    @property
    def od_hour(self) -> float: ...
    @property
    def spot_hour(self) -> float | None: ...


class _Zoned(Protocol):
    @property
    def zones(self) -> tuple[str, ...]: ...


class PriceCatalog(Protocol):
    """What the market needs from `spotkeeper.catalog.Catalog`: list prices and zones."""

    @property
    def regions(self) -> Mapping[str, _Zoned]: ...

    def price(self, region: str, size: str) -> _Price | None: ...


@dataclass(frozen=True, slots=True)
class EvictionWave:
    """Azure reclaiming Spot capacity of one size in one zone at `at`.

    Each running VM of the market is evicted with probability `fraction`, decided per VM by
    `notice_offset`. `seed` and `notice_spread_s` come from the market that made the wave.
    """

    at: datetime
    region: str
    zone: str
    size: str
    fraction: float
    cause: WaveCause
    seed: int = 0
    notice_spread_s: float = 180.0
    _draws: SharedPrefixDraws = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError(f"EvictionWave.at must be timezone-aware, got naive {self.at.isoformat()}")
        if not 0.0 <= self.fraction <= 1.0:
            raise ValueError(f"EvictionWave.fraction must be in [0, 1], got {self.fraction}")
        # A wave is asked about every VM of its market: hash the wave's identity once.
        identity = (
            self.seed,
            "notice",
            self.region.lower(),
            self.zone,
            self.size.lower(),
            self.at.timestamp(),
        )
        object.__setattr__(self, "_draws", SharedPrefixDraws(2, *identity, self.cause))

    def __reduce__(self) -> tuple[type[EvictionWave], tuple[object, ...]]:
        # The hashing state is derived; rebuild it rather than pickling it (blake2b cannot be).
        fields = (self.at, self.region, self.zone, self.size, self.fraction, self.cause)
        return (EvictionWave, (*fields, self.seed, self.notice_spread_s))

    def notice_offset(self, vm_key: str) -> timedelta | None:
        """None if this wave spares the VM; else when its 30 s Preempt notice is issued after `at`.

        Deterministic per (wave, vm_key). Offsets lie in [0, notice_spread_s] and cluster early
        (offset = spread·u², median a quarter of the spread): co-evictions are near-simultaneous.
        """
        hit, delay = self._draws.uniforms(vm_key)
        if hit >= self.fraction:
            return None
        return timedelta(milliseconds=round(self.notice_spread_s * 1000.0 * delay * delay))


class _Intervals:
    """A lazily drawn set of [start, end) intervals: Poisson starts per epoch, truncated-exponential
    durations. The epoch is the longest duration, so only an epoch and its predecessor can cover
    any instant."""

    def __init__(self, seed: int, kind: str, rate_per_day: float, mean_s: float, max_s: float) -> None:
        self._seed = seed
        self._kind = kind
        self._epoch = max_s
        self._mean_per_epoch = rate_per_day * max_s / _DAY
        self._mean_s = mean_s
        self._truncation = 1.0 - math.exp(-max_s / mean_s)
        self.in_epoch: Callable[[tuple[str, ...], int], tuple[tuple[float, float], ...]] = (
            functools.lru_cache(maxsize=_CACHE)(self._draw_epoch)
        )

    @property
    def active(self) -> bool:
        return self._mean_per_epoch > 0.0

    def _draw_epoch(self, key: tuple[str, ...], epoch: int) -> tuple[tuple[float, float], ...]:
        count = poisson(self._mean_per_epoch, uniform(self._seed, self._kind, *key, epoch))
        spans = []
        for i in range(count):
            u_start, u_length = uniforms(2, self._seed, self._kind, *key, epoch, i)
            # Whole seconds, so a start survives the round trip through a datetime unchanged.
            start = float(math.floor((epoch + u_start) * self._epoch))
            length = -self._mean_s * math.log(1.0 - u_length * self._truncation)
            spans.append((start, start + length))
        return tuple(sorted(spans))

    def covers(self, key: tuple[str, ...], at: float) -> bool:
        if not self.active:
            return False
        epoch = math.floor(at / self._epoch)
        return any(start <= at < end for e in (epoch - 1, epoch) for start, end in self.in_epoch(key, e))

    def next_start(self, key: tuple[str, ...], after: float, until: float) -> float | None:
        """The first interval start strictly after `after` and before `until`."""
        if not self.active:
            return None
        epoch = math.floor(after / self._epoch)
        while epoch * self._epoch < until:
            for start, _ in self.in_epoch(key, epoch):
                if after < start < until:
                    return start
            epoch += 1
        return None


class Market:
    """Prices, capacity and eviction waves for every market of a catalog, as functions of time."""

    def __init__(
        self,
        catalog: PriceCatalog,
        scenario: str | Scenario = "calm",
        seed: int = 0,
        trace: Trace | None = None,
    ) -> None:
        self.catalog = catalog
        self.scenario = resolve_scenario(scenario)
        self.seed = seed
        self.trace = trace
        s = self.scenario
        self._bands = [(band, s.band_weights.get(band, 0.0)) for band in EVICTION_BANDS]
        self._band_total = sum(max(weight, 0.0) for _, weight in self._bands)
        self._mean_fraction = sum(s.co_eviction_fraction) / 2.0
        self._innovation_sd = s.price_volatility * math.sqrt(1.0 - s.price_reversion**2)
        self._spot_outages = _Intervals(
            seed,
            "spot-outage",
            s.spot_outage_rate_per_day,
            s.spot_outage_mean_min * 60,
            s.spot_outage_max_min * 60,
        )
        self._od_outages = _Intervals(
            seed, "od-outage", s.od_outage_rate_per_day, s.od_outage_mean_min * 60, s.od_outage_max_min * 60
        )
        self._droughts = _Intervals(
            seed, "drought", s.drought_rate_per_day, s.drought_mean_h * _HOUR, s.drought_max_h * _HOUR
        )
        self._waves_in: Callable[[MarketKey, int], tuple[tuple[float, float], ...]] = functools.lru_cache(
            maxsize=_CACHE
        )(self._draw_waves_in)
        self._price_shock: Callable[[str, str, int], float] = functools.lru_cache(maxsize=_CACHE)(
            self._draw_price_shock
        )
        self._rate: Callable[[str, str], float | None] = functools.lru_cache(maxsize=_CACHE)(self._draw_rate)

    # ------------------------------------------------------------------ prices

    def od_price(self, region: str, size: str) -> float | None:
        """The on-demand list price in USD/hour; None if the size is not offered in the region."""
        price = self.catalog.price(region, size)
        return price.od_hour if price else None

    def spot_price(self, region: str, zone: str, size: str, at: datetime) -> float | None:
        """The Spot price in USD/hour at `at`; None if the size has no Spot offer in the region."""
        price = self.catalog.price(region, size)
        if price is None or price.spot_hour is None:
            return None
        key = _key(region, zone, size)
        now = _seconds(at)
        if self.trace is not None:
            point = self.trace.point_at(key, now)
            if point is not None and point.spot_price is not None:
                return point.spot_price
        s = self.scenario
        period = math.floor(now / (s.price_period_h * _HOUR))
        log_deviation = sum(
            s.price_reversion**lag * self._price_shock(key[0], key[2], period - lag)
            for lag in range(_PRICE_LOOKBACK)
        )
        if zone:
            log_deviation += s.zone_price_spread * standard_normal(
                uniform(self.seed, "zone-price", key[0], zone, key[2])
            )
        modelled = price.spot_hour * math.exp(log_deviation)
        capped = min(modelled, s.spot_price_cap * price.od_hour)
        return max(round(capped, 6), 1e-6)

    def _draw_price_shock(self, region: str, size: str, period: int) -> float:
        return self._innovation_sd * standard_normal(uniform(self.seed, "price", region, size, period))

    # ---------------------------------------------------------------- capacity

    def spot_available(self, region: str, zone: str, size: str, at: datetime) -> bool:
        """Whether a new Spot VM of `size` could be allocated in the market at `at`."""
        if self._spot_anchor(region, size) is None:
            return False
        key = _key(region, zone, size)
        now = _seconds(at)
        if self.trace is not None:
            point = self.trace.point_at(key, now)
            if point is not None:
                return point.available
        if self._spot_outages.covers(key, now):
            return False
        return not self._in_drought(key[0], zone, now)

    def od_available(self, region: str, zone: str, size: str, at: datetime) -> bool:
        """Whether a new on-demand VM of `size` could be allocated in the market at `at`."""
        if self.catalog.price(region, size) is None:
            return False
        return not self._od_outages.covers(_key(region, zone, size), _seconds(at))

    def in_drought(self, region: str, zone: str, at: datetime) -> bool:
        """Whether Spot capacity of every size is gone from the zone (all zones, for zone "")."""
        return self._in_drought(region.lower(), zone, _seconds(at))

    def _in_drought(self, region: str, zone: str, now: float) -> bool:
        if not self._droughts.active:
            return False
        if zone:
            return self._droughts.covers((region, zone), now)
        zones = self._zones(region)
        return bool(zones) and all(self._droughts.covers((region, z), now) for z in zones)

    def _zones(self, region: str) -> tuple[str, ...]:
        found = self.catalog.regions.get(region)
        return tuple(found.zones) if found is not None else ()

    # --------------------------------------------------------------- evictions

    def eviction_rate(self, region: str, size: str) -> float | None:
        """The market's true probability that a running Spot VM is evicted within an hour."""
        return self._rate(region.lower(), size.lower())

    def eviction_band(self, region: str, size: str) -> str | None:
        """The band Azure would quote ("0-5" … "20+", percent per hour); None without a Spot offer."""
        rate = self.eviction_rate(region, size)
        if rate is None:
            return None
        for band in EVICTION_BANDS:
            low, high = BAND_RATES[band]
            if low <= rate < high:
                return band
        return EVICTION_BANDS[-1] if rate >= BAND_RATES[EVICTION_BANDS[-1]][0] else EVICTION_BANDS[0]

    def _draw_rate(self, region: str, size: str) -> float | None:
        if self._spot_anchor(region, size) is None:
            return None
        band = self._band_for(region, size)
        low, high = BAND_RATES[band]
        return low + (high - low) * uniform(self.seed, "rate", region, size)

    def _band_for(self, region: str, size: str) -> str:
        for pattern, band in self.scenario.band_overrides.items():
            if fnmatch.fnmatchcase(size, pattern.lower()):
                return band
        target = uniform(self.seed, "band", region, size) * self._band_total
        running = 0.0
        chosen = EVICTION_BANDS[0]
        for band, weight in self._bands:
            if weight <= 0:
                continue
            chosen = band
            running += weight
            if target < running:
                break
        return chosen

    def next_eviction_wave(self, region: str, zone: str, size: str, after: datetime) -> EvictionWave | None:
        """The first wave strictly after `after` that may evict Spot VMs of this market.

        None if the size has no Spot offer, or nothing happens within 400 days.
        """
        rate = self.eviction_rate(region, size)
        if rate is None:
            return None
        key = _key(region, zone, size)
        start = _seconds(after)
        until = start + _HORIZON_S
        best: tuple[float, float, WaveCause] | None = None
        market_wave = self._next_market_wave(key, rate, start, until)
        if market_wave is not None:
            best = (market_wave[0], market_wave[1], "market")
        for loss_at, fraction in self._capacity_losses(key, start, until if best is None else best[0]):
            if best is None or loss_at < best[0]:
                best = (loss_at, fraction, "drought")
        if best is None:
            return None
        at, fraction, cause = best
        return EvictionWave(
            at=datetime.fromtimestamp(at, UTC),
            region=region,
            zone=zone,
            size=size,
            fraction=fraction,
            cause=cause,
            seed=self.seed,
            notice_spread_s=self.scenario.notice_spread_s,
        )

    def eviction_waves(
        self, region: str, zone: str, size: str, start: datetime, end: datetime
    ) -> list[EvictionWave]:
        """Every wave in (start, end], in time order (for what-if reports and benchmarks)."""
        waves: list[EvictionWave] = []
        cursor = start
        while True:
            wave = self.next_eviction_wave(region, zone, size, cursor)
            if wave is None or wave.at > end:
                return waves
            waves.append(wave)
            cursor = wave.at

    def _next_market_wave(
        self, key: MarketKey, rate: float, after: float, until: float
    ) -> tuple[float, float] | None:
        if rate <= 0.0:
            return None
        bucket = math.floor(after / _WAVE_BUCKET_S)
        while bucket * _WAVE_BUCKET_S < until:
            for at, fraction in self._waves_in(key, bucket):
                if at > after:
                    return (at, fraction)
            bucket += 1
        return None

    def _draw_waves_in(self, key: MarketKey, bucket: int) -> tuple[tuple[float, float], ...]:
        rate = self.eviction_rate(key[0], key[2]) or 0.0
        waves_per_hour = -math.log(1.0 - rate) / self._mean_fraction
        count = poisson(waves_per_hour * _WAVE_BUCKET_S / _HOUR, uniform(self.seed, "waves", *key, bucket))
        low, high = self.scenario.co_eviction_fraction
        waves = []
        for i in range(count):
            u_at, u_fraction = uniforms(2, self.seed, "wave", *key, bucket, i)
            # Whole seconds keep wave times readable in logs; two waves in one second merge harmlessly.
            at = float(math.floor((bucket + u_at) * _WAVE_BUCKET_S))
            waves.append((at, low + (high - low) * u_fraction))
        return tuple(sorted(waves))

    def _capacity_losses(self, key: MarketKey, after: float, until: float) -> list[tuple[float, float]]:
        """(time, fraction) of the first capacity loss after `after`: a drought start, or a trace's
        switch to unavailable. Within a trace's span the trace replaces droughts."""
        region, zone, _ = key
        trace_start: float | None = None
        losses: list[tuple[float, float]] = []
        if self.trace is not None and self.trace.covers(key):
            trace_start = self.trace.starts_at(key)
            loss = self.trace.next_capacity_loss(key, after)
            if loss is not None and loss < until:
                losses.append((loss, 1.0))
        if self._droughts.active:
            limit = until if trace_start is None else min(until, trace_start)
            zones = (zone,) if zone else self._zones(region)
            for z in zones:
                start = self._droughts.next_start((region, z), after, limit)
                if start is not None:
                    losses.append((start, 1.0 if zone else 1.0 / len(zones)))
        return losses

    def _spot_anchor(self, region: str, size: str) -> float | None:
        price = self.catalog.price(region, size)
        return price.spot_hour if price is not None else None


def _key(region: str, zone: str, size: str) -> MarketKey:
    return (region.lower(), zone, size.lower())


def _seconds(at: datetime) -> float:
    if at.tzinfo is None:
        raise ValueError(f"market times must be timezone-aware, got naive {at.isoformat()}")
    return at.timestamp()
