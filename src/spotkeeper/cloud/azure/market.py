"""The Spot and on-demand market as real Azure lets a client see it.

Azure publishes three things about a (size, region) market, and nothing more:

* the Spot eviction-rate band ("0-5" … "20+" percent per hour, trailing 28 days) and the Spot
  price history (index 0 the latest, per OS type), both in Azure Resource Graph's
  `SpotResources` table. Two fixed queries ask for them (the shape of Microsoft's published
  samples); the rows are filtered again here, so a filter Resource Graph ignored cannot leak
  other sizes or regions in. Answers are cached for `cache_ttl` (Resource Graph allows a user
  about 15 queries per 5 seconds, and the figures move slowly);
* on-demand prices, which are not in Resource Graph: they come from the offline catalog
  (`spotkeeper.catalog`, Linux pay-as-you-go), as does the Spot price when Resource Graph has
  no row for a size;
* whether there is capacity *now*: no Azure API says so before a VM is asked for. So an offer
  is `available` unless Azure recently refused that very market: every capacity refusal the
  driver meets (`SkuNotAvailable`, `AllocationFailed`, … at create or start, or reported later
  as a VM's failed provisioning) is remembered per (region, size, zone, lifecycle) for
  `REFUSAL_MEMORY` (10 minutes, about the time Azure's own guidance gives for retrying an
  allocation elsewhere before coming back), and the market is quoted unavailable meanwhile.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from azure.mgmt.resourcegraph.models import QueryRequest, QueryRequestOptions

from spotkeeper.catalog import Catalog
from spotkeeper.clock import Clock
from spotkeeper.cloud.azure import mapping
from spotkeeper.cloud.azure.clients import AzureClients
from spotkeeper.cloud.azure.errors import translated
from spotkeeper.cloud.port import Lifecycle, MarketOffer

REFUSAL_MEMORY = timedelta(minutes=10)
MARKET_CACHE_TTL = timedelta(minutes=5)
EVICTION_RATE_TYPE = "microsoft.compute/skuspotevictionrate/location"
PRICE_HISTORY_TYPE = "microsoft.compute/skuspotpricehistory/ostype/location"
_GRAPH_PAGE = 1000
# (region, lower-cased sizes) → lower-cased size → band or price
_Query = Callable[[str, list[str]], dict[str, str | float]]
# Size and region names are ARM names; anything else is never spliced into a query.
_SAFE_NAME = re.compile(r"^[A-Za-z0-9_.\-]+$")


class RefusalMemory:
    """Markets Azure refused recently, by (region, size, zone, lifecycle)."""

    def __init__(self, clock: Clock, *, memory: timedelta = REFUSAL_MEMORY) -> None:
        self.clock = clock
        self.memory = memory
        self._until: dict[tuple[str, str, str, str], datetime] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _key(region: str, size: str, zone: str | None, lifecycle: str) -> tuple[str, str, str, str]:
        return (region.lower(), size.lower(), zone or "", lifecycle)

    def refused(self, region: str, size: str, zone: str | None, lifecycle: Lifecycle | str) -> None:
        with self._lock:
            self._until[self._key(region, size, zone, lifecycle)] = self.clock.now() + self.memory

    def is_refused(self, region: str, size: str, zone: str | None, lifecycle: Lifecycle | str) -> bool:
        key = self._key(region, size, zone, lifecycle)
        with self._lock:
            until = self._until.get(key)
            if until is None:
                return False
            if self.clock.now() >= until:
                del self._until[key]
                return False
            return True


class MarketReader:
    def __init__(
        self,
        clients: AzureClients,
        catalog: Catalog,
        refusals: RefusalMemory,
        *,
        cache_ttl: timedelta = MARKET_CACHE_TTL,
    ) -> None:
        self.clients = clients
        self.catalog = catalog
        self.refusals = refusals
        self.cache_ttl = cache_ttl
        self._cache: dict[tuple[str, str, tuple[str, ...]], tuple[datetime, dict[str, str | float]]] = {}
        self._lock = threading.Lock()

    def get_market(self, region: str, sizes: Sequence[str], zones: Sequence[str] = ()) -> list[MarketOffer]:
        known = []
        for name in sizes:
            size = self.catalog.size(name)
            if size is not None and self.catalog.price(region, size.name) is not None:
                known.append(size.name)
        if not known:
            return []
        bands = self.eviction_bands(region, known)
        prices = self.spot_prices(region, known)
        offers: list[MarketOffer] = []
        wanted: list[str | None] = list(zones) or [None]
        for name in known:
            quoted = self.catalog.price(region, name)
            assert quoted is not None
            spot_price = prices.get(name.lower(), quoted.spot_hour)
            for zone in wanted:
                offers.append(
                    MarketOffer(
                        region=region,
                        zone=zone,
                        size=name,
                        lifecycle="spot",
                        available=spot_price is not None
                        and not self.refusals.is_refused(region, name, zone, "spot"),
                        price_hour=spot_price,
                        eviction_band=bands.get(name.lower()),
                    )
                )
                offers.append(
                    MarketOffer(
                        region=region,
                        zone=zone,
                        size=name,
                        lifecycle="od",
                        available=not self.refusals.is_refused(region, name, zone, "od"),
                        price_hour=quoted.od_hour,
                    )
                )
        return offers

    # Resource Graph ----------------------------------------------------------

    def eviction_bands(self, region: str, sizes: Sequence[str]) -> dict[str, str]:
        """Lower-cased size name → eviction-rate band."""
        found = self._cached("bands", region, sizes, self._query_bands)
        return {k: v for k, v in found.items() if isinstance(v, str)}

    def spot_prices(self, region: str, sizes: Sequence[str]) -> dict[str, float]:
        """Lower-cased size name → the latest Linux Spot price in USD per hour."""
        found = self._cached("prices", region, sizes, self._query_prices)
        return {k: v for k, v in found.items() if isinstance(v, float)}

    def _cached(
        self,
        what: str,
        region: str,
        sizes: Sequence[str],
        query: _Query,
    ) -> dict[str, str | float]:
        key = (what, region.lower(), tuple(sorted(s.lower() for s in sizes)))
        now = self.clients.now()
        with self._lock:
            hit = self._cache.get(key)
        if hit is not None and now - hit[0] < self.cache_ttl:
            return hit[1]
        answer = query(region, list(key[2]))
        with self._lock:
            self._cache[key] = (now, answer)
        return answer

    def _query_bands(self, region: str, sizes: list[str]) -> dict[str, str | float]:
        text = (
            f"SpotResources | where type =~ '{EVICTION_RATE_TYPE}' and location in~ ({_quoted([region])})"
            f" and sku.name in~ ({_quoted(sizes)})"
        )
        found: dict[str, str | float] = {}
        for row in self._rows(text):
            name, where = mapping.row_text(row, "sku.name"), mapping.row_text(row, "location")
            band = mapping.eviction_band(mapping.row_text(row, "properties.evictionRate"))
            if name and band and (where or "").lower() == region.lower() and name.lower() in sizes:
                found[name.lower()] = band
        return found

    def _query_prices(self, region: str, sizes: list[str]) -> dict[str, str | float]:
        text = (
            f"SpotResources | where type =~ '{PRICE_HISTORY_TYPE}' and properties.osType =~ 'linux'"
            f" and location in~ ({_quoted([region])}) and sku.name in~ ({_quoted(sizes)})"
        )
        found: dict[str, str | float] = {}
        for row in self._rows(text):
            name, where = mapping.row_text(row, "sku.name"), mapping.row_text(row, "location")
            os_type = mapping.row_text(row, "properties.osType") or ""
            price = mapping.row_number(row, "properties.spotPrices[0].priceUSD")
            if (
                name
                and price is not None
                and os_type.lower() == "linux"
                and (where or "").lower() == region.lower()
                and name.lower() in sizes
            ):
                found[name.lower()] = price
        return found

    def _rows(self, query: str) -> list[mapping.Row]:
        rows: list[mapping.Row] = []
        token: str | None = None
        while True:
            request = QueryRequest(
                subscriptions=[self.clients.subscription_id],
                query=query,
                options=QueryRequestOptions(result_format="objectArray", top=_GRAPH_PAGE, skip_token=token),
            )
            with translated():
                answer = self.clients.graph.resources(request)
            rows.extend(mapping.rows_of(answer.data))
            token = answer.skip_token
            if not token:
                return rows


def _quoted(names: Sequence[str]) -> str:
    for name in names:
        if not _SAFE_NAME.match(name):
            raise ValueError(f"{name!r} is not an ARM size or region name")
    return ", ".join(f"'{name.lower()}'" for name in names)


__all__ = ["MARKET_CACHE_TTL", "REFUSAL_MEMORY", "MarketReader", "RefusalMemory"]
