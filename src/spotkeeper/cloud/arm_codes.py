"""Azure Resource Manager errors → the port's closed error set, decided by one table.

Every provider that speaks ARM (the simulated Azure here; the Azure SDK driver later, from
`HttpResponseError.status_code`, `.error.code`, `.message` and the `Retry-After` header) turns
an ARM error into a port error with `to_cloud_error`, so the engine sees the same error for the
same Azure answer whichever provider produced it. The rules are tried in order; the first that
matches decides:

    rule                      matches                                              port error
    quota                     code QuotaExceeded, or OperationNotAllowed about a    QuotaExceeded
                              "quota" (Azure reports core quotas that way)
    data-disk limit           OperationNotAllowed "maximum number of data disks"    InvalidRequest
    capacity                  SkuNotAvailable, AllocationFailed,                    CapacityUnavailable
                              ZonalAllocationFailed, OverconstrainedAllocation-
                              Request, OverconstrainedZonalAllocationRequest,
                              SpotPriceGreaterThanProvidedMaxPrice
    throttled                 status 429 (or a throttling code)                     Throttled(retry_after)
    not found                 status 404                                            NotFound
    state conflicts           NicReservedForAnotherVm, NicInUse, PrivateIPAddress-  Conflict(retry_after)
                              InUse, PublicIPAddressInUse, PublicIPAddress-
                              CannotBeDeleted, InUseSubnetCannotBeUpdated,
                              AnotherOperationInProgress (Azure sends some as 400)
    server                    status 5xx                                            TransientCloudError
    conflict                  status 409                                            Conflict
    client                    any other 4xx                                         InvalidRequest
    (none)                                                                          TransientCloudError

Note the 409s: the Azure SDK raises `ResourceExistsError` for every 409, capacity errors
included, which is why the decision is made on the ARM code and not on the exception class.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from spotkeeper.cloud.errors import (
    CapacityUnavailable,
    CloudError,
    Conflict,
    InvalidRequest,
    NotFound,
    QuotaExceeded,
    Throttled,
    TransientCloudError,
)

CAPACITY_CODES = frozenset(
    {
        "SkuNotAvailable",
        "AllocationFailed",
        "ZonalAllocationFailed",
        "OverconstrainedAllocationRequest",
        "OverconstrainedZonalAllocationRequest",
        "SpotPriceGreaterThanProvidedMaxPrice",
    }
)
THROTTLE_CODES = frozenset({"TooManyRequests", "SubscriptionRequestsThrottled", "TenantRequestsThrottled"})
STATE_CONFLICT_CODES = frozenset(
    {
        "NicReservedForAnotherVm",
        "NicInUse",
        "PrivateIPAddressInUse",
        "PublicIPAddressInUse",
        "PublicIPAddressCannotBeDeleted",
        "InUseSubnetCannotBeUpdated",
        "AnotherOperationInProgress",
    }
)
# Azure's throttling answers carry Retry-After; this is the wait when one does not.
DEFAULT_THROTTLE_RETRY_AFTER = 30.0

Match = Callable[[int, str, str], bool]


@dataclass(frozen=True)
class Rule:
    name: str
    matches: Match  # (status, code, lower-cased message) -> bool
    error: type[CloudError]


RULES: tuple[Rule, ...] = (
    Rule(
        "quota",
        lambda status, code, text: (
            code == "QuotaExceeded" or (code == "OperationNotAllowed" and "quota" in text)
        ),
        QuotaExceeded,
    ),
    Rule(
        "data-disk limit",
        lambda status, code, text: code == "OperationNotAllowed" and "maximum number of data disks" in text,
        InvalidRequest,
    ),
    Rule("capacity", lambda status, code, text: code in CAPACITY_CODES, CapacityUnavailable),
    Rule("throttled", lambda status, code, text: status == 429 or code in THROTTLE_CODES, Throttled),
    Rule("not found", lambda status, code, text: status == 404, NotFound),
    Rule("state conflicts", lambda status, code, text: code in STATE_CONFLICT_CODES, Conflict),
    Rule("server", lambda status, code, text: status >= 500, TransientCloudError),
    Rule("conflict", lambda status, code, text: status == 409, Conflict),
    Rule("client", lambda status, code, text: 400 <= status < 500, InvalidRequest),
)


def classify(status: int, code: str, message: str = "") -> type[CloudError]:
    """The port error class for an ARM error (see the module docstring)."""
    text = message.lower()
    for rule in RULES:
        if rule.matches(status, code, text):
            return rule.error
    return TransientCloudError


def classify_failure_code(code: str) -> type[CloudError]:
    """The port error class for the code of a long-running operation that ended "Failed"
    (a VM whose `failure_code` is `AllocationFailed` failed for lack of capacity; anything
    else is taken as transient)."""
    return CapacityUnavailable if code in CAPACITY_CODES else TransientCloudError


def to_cloud_error(
    *,
    status: int,
    code: str,
    message: str,
    retry_after: float | None = None,
    size: str | None = None,
    zone: str | None = None,
    lifecycle: str | None = None,
) -> CloudError:
    """Build the port error for an ARM error. `size`, `zone` and `lifecycle` describe the
    request (they fill `CapacityUnavailable`); `retry_after` is the Retry-After in seconds."""
    error = classify(status, code, message)
    text = f"{code}: {message}" if code else message
    if error is CapacityUnavailable:
        return CapacityUnavailable(
            text, size=size or "", zone=zone, lifecycle=lifecycle or "", code=code, retry_after=retry_after
        )
    if error is Throttled:
        return Throttled(text, retry_after=retry_after or DEFAULT_THROTTLE_RETRY_AFTER, code=code)
    return error(text, code=code, retry_after=retry_after)


__all__ = [
    "CAPACITY_CODES",
    "DEFAULT_THROTTLE_RETRY_AFTER",
    "RULES",
    "STATE_CONFLICT_CODES",
    "THROTTLE_CODES",
    "Rule",
    "classify",
    "classify_failure_code",
    "to_cloud_error",
]
