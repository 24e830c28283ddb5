"""Costing the VM's running time into the ledger, pass by pass.

Every pass that sees the node's VM running appends the interval since the last pass, priced
at the market's current quote for the VM's (size, zone, lifecycle), beside the on-demand price
(the all-on-demand counterfactual) and the spot quote (what it would have cost on spot). Prices
are read when the interval is written, so a moving spot price is followed at the pass rate.
"""

from __future__ import annotations

from datetime import datetime

from spotkeeper.cloud.errors import CloudError
from spotkeeper.engine.context import PassContext
from spotkeeper.engine.costs import CostInterval


def accrue_costs(ctx: PassContext, until: datetime) -> None:
    """Append the VM's running time up to `until` to the ledger."""
    vm = ctx.state.vm
    if vm is None or vm.accrued_until is None or until <= vm.accrued_until:
        return
    price, od_price, spot_price = _quotes(ctx, vm.size, vm.zone, vm.lifecycle, vm.price_hour)
    size = ctx.catalog.size(vm.size)
    ctx.ledger.append(
        CostInterval(
            start=vm.accrued_until, end=until, region=ctx.region, zone=vm.zone, size=vm.size,
            lifecycle=vm.lifecycle, price_hour=price, od_price_hour=od_price,
            vcpus=size.vcpus if size else 0, spot_price_hour=spot_price,
        )
    )
    vm.accrued_until = until
    vm.price_hour = price


def stop_costs(ctx: PassContext, at: datetime) -> None:
    """The VM stopped running at `at` (eviction, removal): cost up to there, then no more."""
    vm = ctx.state.vm
    if vm is None or vm.accrued_until is None:
        return
    accrue_costs(ctx, max(at, vm.accrued_until))
    vm.accrued_until = None
    vm.running_since = None


def _quotes(
    ctx: PassContext, size: str, zone: str | None, lifecycle: str, fallback: float | None
) -> tuple[float, float, float | None]:
    od = spot = None
    try:
        offers = ctx.cloud.get_market(ctx.region, [size], [zone] if zone else [])
    except CloudError:
        offers = []
    for offer in offers:
        if offer.zone != zone:
            continue
        if offer.lifecycle == "od":
            od = offer.price_hour
        else:
            spot = offer.price_hour
    catalog_price = ctx.catalog.price(ctx.region, size)
    od_price = od if od is not None else (catalog_price.od_hour if catalog_price else (fallback or 0.0))
    paid = (spot if lifecycle == "spot" else od_price) or fallback or od_price
    return paid, od_price, spot
