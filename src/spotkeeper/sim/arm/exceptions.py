"""How the facade's failures go on the wire: ARM's error envelope with the right status.

The simulated Azure already fails in ARM's terms (`ArmError(status, code, message, target,
retry_after)`); this module adds the few errors that belong to HTTP itself (no route, a body
that is not JSON, a missing bearer token, a subscription that is not the simulator's) and
renders any of them as Azure does: `{"error": {"code", "message", "target"}}` with the status,
and a `Retry-After` header in whole seconds on a 429 (or 5xx) that says when to come back.
"""

from __future__ import annotations

import math

from spotkeeper.sim.errors import ArmError

__all__ = [
    "ArmError",
    "bad_json",
    "error_headers",
    "no_route",
    "not_authenticated",
    "wrong_subscription",
]


def error_headers(error: ArmError) -> dict[str, str]:
    """`Retry-After` only on 429 and 5xx, as ARM sends it: azure-core's retry policy retries
    ANY error that carries the header, so a 400 `NicReservedForAnotherVm` or a 409 "VM busy"
    with it would make the SDK sleep and resend instead of surfacing the error (Azure states
    those waits in the message)."""
    headers = {"x-ms-failure-cause": "gateway" if error.status == 429 else "service"}
    if error.retry_after is not None and (error.status == 429 or error.status >= 500):
        # azure-core parses Retry-After as a number; whole seconds are what ARM sends.
        headers["Retry-After"] = str(max(1, math.ceil(error.retry_after)))
    return headers


def no_route(method: str, path: str) -> ArmError:
    return ArmError(
        400,
        "NotSupportedBySimulator",
        f"The simulated Azure does not serve {method} {path}. The ARM facade's routes are listed in "
        f"spotkeeper.sim.arm.urls.",
    )


def bad_json(problem: str) -> ArmError:
    return ArmError(400, "InvalidRequestContent", f"The request content was invalid: {problem}.")


def not_authenticated() -> ArmError:
    return ArmError(
        401,
        "AuthenticationFailed",
        "Authentication failed. The 'Authorization' header is missing or is not a bearer token.",
    )


def wrong_subscription(subscription_id: str) -> ArmError:
    return ArmError(404, "SubscriptionNotFound", f"The subscription '{subscription_id}' could not be found.")
