"""Create rules for health checks and auto-healing, and for the load balancers they rely on.

Health (spot-api.md §3.6): check types `vmState`, `applicationGateway`, `vmAgent`; an
application-gateway check needs an application gateway in `loadBalancersConfig`; auto-healing
replaces unhealthy VMs and so needs at least one check type. `gracePeriod` must be 0 or more
(OpenAPI) and the console docs say it "must be at least 120 seconds", so below 120 is a warning;
`unhealthyDuration` must be at least 120 seconds (OpenAPI).

Load balancers (§3.3.1): a `loadBalancer` takes SKU `Standard` or `Basic`; an
`applicationGateway` takes `Standard_Small`, `Standard_Medium`, `Standard_Large`, `Standard_v2`,
`WAF_Medium`, `WAF_Large` or `WAF_v2`. Azure retired the Basic Load Balancer on 30 September
2025 and the v1 Application Gateway SKUs (Standard_Small/Medium/Large, WAF_Medium/Large) on
28 April 2026; the node only joins an existing balancer's backend pool, so a retired SKU is a
warning, not an error.
"""

from __future__ import annotations

from collections.abc import Iterator

from spotkeeper.spec.problems import Problem
from spotkeeper.spec.rules.context import LAUNCH, Rule, RuleContext, at, error, is_blank, warning

GRACE_PERIOD_ADVISED = 120
UNHEALTHY_DURATION_MIN = 120
SKUS_BY_TYPE: dict[str, tuple[str, ...]] = {
    "loadBalancer": ("Standard", "Basic"),
    "applicationGateway": (
        "Standard_Small",
        "Standard_Medium",
        "Standard_Large",
        "Standard_v2",
        "WAF_Medium",
        "WAF_Large",
        "WAF_v2",
    ),
}
RETIRED_SKUS: dict[tuple[str, str], str] = {
    ("loadBalancer", "Basic"): "Azure retired the Basic Load Balancer on 30 September 2025; use Standard",
    **{
        ("applicationGateway", sku): f"Azure retired the v1 Application Gateway SKU {sku} on 28 April 2026; "
        "use Standard_v2 or WAF_v2"
        for sku in ("Standard_Small", "Standard_Medium", "Standard_Large", "WAF_Medium", "WAF_Large")
    },
}
_BALANCERS = f"{LAUNCH}.loadBalancersConfig.loadBalancers"


def check_health(ctx: RuleContext) -> Iterator[Problem]:
    health = ctx.node.health
    if health is None:
        return
    types = health.health_check_types or []
    seen: set[str] = set()
    for i, kind in enumerate(types):
        field = at("health.healthCheckTypes", i)
        if kind in seen:
            yield warning("DUPLICATE_HEALTH_CHECK", field, f"{kind} is listed twice")
        seen.add(kind)
        if kind == "applicationGateway" and not _has_application_gateway(ctx):
            yield error(
                "APPLICATION_GATEWAY_CHECK_NEEDS_GATEWAY",
                field,
                "the applicationGateway health check needs an application gateway in "
                "compute.launchSpecification.loadBalancersConfig",
            )
    if health.auto_healing and not types:
        yield error(
            "AUTO_HEALING_NEEDS_CHECK",
            "health.healthCheckTypes",
            "auto-healing replaces unhealthy VMs, so it needs at least one health check type "
            "(vmState, applicationGateway or vmAgent)",
        )
    if health.grace_period is not None:
        if health.grace_period < 0:
            yield error(
                "OUT_OF_RANGE", "health.gracePeriod", f"must be 0 or more seconds (got {health.grace_period})"
            )
        elif health.grace_period < GRACE_PERIOD_ADVISED:
            yield warning(
                "GRACE_PERIOD_SHORT",
                "health.gracePeriod",
                f"a grace period under {GRACE_PERIOD_ADVISED} seconds may judge a VM before it has booted; "
                f"the Spot docs ask for at least {GRACE_PERIOD_ADVISED}",
            )
    if health.unhealthy_duration is not None and health.unhealthy_duration < UNHEALTHY_DURATION_MIN:
        yield error(
            "OUT_OF_RANGE",
            "health.unhealthyDuration",
            f"must be at least {UNHEALTHY_DURATION_MIN} seconds (got {health.unhealthy_duration})",
        )


def _has_application_gateway(ctx: RuleContext) -> bool:
    launch = ctx.node.compute.launch_specification if ctx.node.compute else None
    config = launch.load_balancers_config if launch else None
    return any(lb.type == "applicationGateway" for lb in (config.load_balancers or [] if config else []))


def check_load_balancers(ctx: RuleContext) -> Iterator[Problem]:
    launch = ctx.node.compute.launch_specification if ctx.node.compute else None
    config = launch.load_balancers_config if launch else None
    if config is None:
        return
    for i, balancer in enumerate(config.load_balancers or []):
        base = at(_BALANCERS, i)
        for key, value in (
            ("type", balancer.type),
            ("name", balancer.name),
            ("resourceGroupName", balancer.resource_group_name),
        ):
            if is_blank(value):
                yield error("REQUIRED", f"{base}.{key}", f"a load balancer entry needs {key}")
        sku, kind = balancer.load_balancer_sku, balancer.type
        if sku is None or kind is None:
            continue
        if sku not in SKUS_BY_TYPE[kind]:
            yield error(
                "LOAD_BALANCER_SKU_MISMATCH",
                f"{base}.loadBalancerSku",
                f"{sku} is not a SKU of a {kind}; a {kind} takes {', '.join(SKUS_BY_TYPE[kind])}",
            )
        elif (kind, sku) in RETIRED_SKUS:
            yield warning("LOAD_BALANCER_SKU_RETIRED", f"{base}.loadBalancerSku", RETIRED_SKUS[(kind, sku)])
        for j, pool in enumerate(balancer.backend_pool_names or []):
            if is_blank(pool):
                yield error(
                    "REQUIRED", at(f"{base}.backendPoolNames", j), "a backend pool name cannot be empty"
                )


RULES: tuple[Rule, ...] = (check_health, check_load_balancers)
