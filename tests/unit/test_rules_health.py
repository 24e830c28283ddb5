"""Health checks, auto-healing, and the load balancers an application-gateway check needs."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import valid_node, with_path
from tests.unit.rules_support import assert_no_problem, assert_problem

BALANCERS = "compute.launchSpecification.loadBalancersConfig.loadBalancers"
GATEWAY = {
    "type": "applicationGateway",
    "name": "sk-appgw",
    "resourceGroupName": "sk-sandbox",
    "loadBalancerSku": "Standard_v2",
    "backendPoolNames": ["web"],
}


def health(**fields: Any) -> dict[str, Any]:
    raw = valid_node()
    raw["health"].update(fields)
    return raw


def test_an_application_gateway_check_needs_a_gateway() -> None:
    raw = health(healthCheckTypes=["vmState", "applicationGateway"])
    assert_problem(raw, "APPLICATION_GATEWAY_CHECK_NEEDS_GATEWAY", "health.healthCheckTypes[1]")


def test_an_application_gateway_check_with_a_gateway_passes() -> None:
    raw = with_path(health(healthCheckTypes=["applicationGateway"]), BALANCERS, [GATEWAY])
    assert_no_problem(raw, "APPLICATION_GATEWAY_CHECK_NEEDS_GATEWAY")


def test_a_load_balancer_is_not_an_application_gateway() -> None:
    balancer = {**GATEWAY, "type": "loadBalancer", "loadBalancerSku": "Standard"}
    raw = with_path(health(healthCheckTypes=["applicationGateway"]), BALANCERS, [balancer])
    assert_problem(raw, "APPLICATION_GATEWAY_CHECK_NEEDS_GATEWAY", "health.healthCheckTypes[0]")


def test_the_vm_agent_check_is_accepted() -> None:
    assert_no_problem(
        health(healthCheckTypes=["vmState", "vmAgent"]), "APPLICATION_GATEWAY_CHECK_NEEDS_GATEWAY"
    )


def test_an_unknown_check_type_is_refused_by_the_parser() -> None:
    assert_problem(health(healthCheckTypes=["ping"]), "INVALID_VALUE", "health.healthCheckTypes[0]")


def test_a_check_type_listed_twice_warns() -> None:
    raw = health(healthCheckTypes=["vmState", "vmState"])
    assert_problem(raw, "DUPLICATE_HEALTH_CHECK", "health.healthCheckTypes[1]", severity="warning")


def test_auto_healing_needs_a_check_type() -> None:
    assert_problem(health(healthCheckTypes=[]), "AUTO_HEALING_NEEDS_CHECK", "health.healthCheckTypes")


def test_no_check_types_without_auto_healing_passes() -> None:
    assert_no_problem(health(healthCheckTypes=[], autoHealing=False), "AUTO_HEALING_NEEDS_CHECK")


def test_a_negative_grace_period_is_an_error() -> None:
    assert_problem(health(gracePeriod=-1), "OUT_OF_RANGE", "health.gracePeriod")


@pytest.mark.parametrize("seconds", [0, 119])
def test_a_grace_period_under_120_seconds_warns(seconds: int) -> None:
    assert_problem(
        health(gracePeriod=seconds), "GRACE_PERIOD_SHORT", "health.gracePeriod", severity="warning"
    )


def test_a_grace_period_of_120_seconds_passes() -> None:
    assert_no_problem(health(gracePeriod=120), "GRACE_PERIOD_SHORT")


def test_an_unhealthy_duration_under_120_seconds_is_an_error() -> None:
    assert_problem(health(unhealthyDuration=119), "OUT_OF_RANGE", "health.unhealthyDuration")


def test_an_unhealthy_duration_of_120_seconds_passes() -> None:
    assert_no_problem(health(unhealthyDuration=120), "OUT_OF_RANGE")


# ----------------------------------------------------------------------------- load balancers


@pytest.mark.parametrize("missing", ["type", "name", "resourceGroupName"])
def test_a_load_balancer_entry_needs_type_name_and_resource_group(missing: str) -> None:
    balancer = {k: v for k, v in GATEWAY.items() if k != missing}
    assert_problem(with_path(valid_node(), BALANCERS, [balancer]), "REQUIRED", f"{BALANCERS}[0].{missing}")


@pytest.mark.parametrize(
    ("kind", "sku"),
    [("loadBalancer", "Standard_v2"), ("applicationGateway", "Standard"), ("loadBalancer", "WAF_v2")],
)
def test_the_sku_must_belong_to_the_balancer_type(kind: str, sku: str) -> None:
    balancer = {**GATEWAY, "type": kind, "loadBalancerSku": sku}
    raw = with_path(valid_node(), BALANCERS, [balancer])
    assert_problem(raw, "LOAD_BALANCER_SKU_MISMATCH", f"{BALANCERS}[0].loadBalancerSku")


@pytest.mark.parametrize(("kind", "sku"), [("loadBalancer", "Standard"), ("applicationGateway", "WAF_v2")])
def test_a_current_sku_of_the_right_type_passes(kind: str, sku: str) -> None:
    raw = with_path(valid_node(), BALANCERS, [{**GATEWAY, "type": kind, "loadBalancerSku": sku}])
    assert_no_problem(raw, "LOAD_BALANCER_SKU_MISMATCH")
    assert_no_problem(raw, "LOAD_BALANCER_SKU_RETIRED")


@pytest.mark.parametrize(
    ("kind", "sku"), [("loadBalancer", "Basic"), ("applicationGateway", "Standard_Small")]
)
def test_a_retired_sku_warns(kind: str, sku: str) -> None:
    raw = with_path(valid_node(), BALANCERS, [{**GATEWAY, "type": kind, "loadBalancerSku": sku}])
    assert_problem(raw, "LOAD_BALANCER_SKU_RETIRED", f"{BALANCERS}[0].loadBalancerSku", severity="warning")


def test_a_blank_backend_pool_name_is_an_error() -> None:
    raw = with_path(valid_node(), BALANCERS, [{**GATEWAY, "backendPoolNames": ["web", ""]}])
    assert_problem(raw, "REQUIRED", f"{BALANCERS}[0].backendPoolNames[1]")
