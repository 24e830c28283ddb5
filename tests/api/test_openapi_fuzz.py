"""Schemathesis fuzzes every operation of `/openapi.json` against the app: no input, however odd,
may make the server fail (5xx). Bounded to a few examples per operation so it stays well under a
minute; positive (schema-valid) and negative (schema-violating) inputs are both generated.

The world is built when the module is collected because schemathesis parametrizes the test from
the schema at that moment (its fixture-based loader does not run on this pytest).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from tests.api.support import ApiWorld

WORLD = ApiWorld()
WORLD.create()  # so the list, status and cost routes have something to show
schema = schemathesis.openapi.from_asgi("/openapi.json", WORLD.app)


@pytest.fixture(scope="module", autouse=True)
def _close_world() -> Iterator[None]:
    yield
    WORLD.close()


@schema.parametrize()
@settings(
    max_examples=4, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)
def test_no_input_makes_the_api_fail(case: schemathesis.Case) -> None:
    case.call_and_validate(headers=WORLD.headers, checks=[not_a_server_error])
