"""The ARM-error table every ARM-speaking provider shares (`cloud.arm_codes`)."""

from __future__ import annotations

import pytest

from spotkeeper.cloud.arm_codes import (
    DEFAULT_THROTTLE_RETRY_AFTER,
    classify,
    classify_failure_code,
    to_cloud_error,
)
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


@pytest.mark.parametrize(
    ("status", "code", "message", "expected"),
    [
        (404, "ResourceNotFound", "", NotFound),
        (404, "ResourceGroupNotFound", "", NotFound),
        (409, "SkuNotAvailable", "", CapacityUnavailable),
        (409, "AllocationFailed", "", CapacityUnavailable),
        (409, "ZonalAllocationFailed", "", CapacityUnavailable),
        (409, "OverconstrainedAllocationRequest", "", CapacityUnavailable),
        (429, "TooManyRequests", "", Throttled),
        (
            409,
            "OperationNotAllowed",
            "... exceeding approved standardDSv5Family Cores quota ...",
            QuotaExceeded,
        ),
        (409, "QuotaExceeded", "", QuotaExceeded),
        (409, "OperationNotAllowed", "The maximum number of data disks allowed ... is 4.", InvalidRequest),
        (409, "OperationNotAllowed", "Disk d is already attached to VM v.", Conflict),
        (409, "PropertyChangeNotAllowed", "", Conflict),
        (400, "NicReservedForAnotherVm", "", Conflict),
        (400, "PrivateIPAddressInUse", "", Conflict),
        (400, "InvalidParameter", "Parameter 'osProfile' is not allowed.", InvalidRequest),
        (400, "OperationNotAllowed", "Regular VM", InvalidRequest),
        (500, "InternalServerError", "", TransientCloudError),
        (503, "ServiceUnavailable", "", TransientCloudError),
        (302, "Odd", "", TransientCloudError),
    ],
)
def test_arm_errors_map_to_the_port_error_set(
    status: int, code: str, message: str, expected: type[CloudError]
) -> None:
    assert classify(status, code, message) is expected


def test_capacity_error_carries_the_market_it_was_about() -> None:
    error = to_cloud_error(status=409, code="SkuNotAvailable", message="m", size="Standard_D2s_v5", zone="2",
                           lifecycle="spot")  # fmt: skip
    assert isinstance(error, CapacityUnavailable)
    assert (error.size, error.zone, error.lifecycle, error.code) == (
        "Standard_D2s_v5",
        "2",
        "spot",
        "SkuNotAvailable",
    )


def test_throttling_without_retry_after_gets_the_default_wait() -> None:
    error = to_cloud_error(status=429, code="TooManyRequests", message="slow down")
    assert isinstance(error, Throttled)
    assert error.retry_after == DEFAULT_THROTTLE_RETRY_AFTER


def test_conflict_keeps_the_retry_after() -> None:
    error = to_cloud_error(status=400, code="NicReservedForAnotherVm", message="wait", retry_after=42.0)
    assert isinstance(error, Conflict)
    assert error.retry_after == 42.0


def test_failed_operation_codes_split_into_capacity_and_transient() -> None:
    assert classify_failure_code("AllocationFailed") is CapacityUnavailable
    assert classify_failure_code("OSProvisioningTimedOut") is TransientCloudError
