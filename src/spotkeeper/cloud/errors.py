"""The closed set of errors that cross the cloud port.

The engine branches on these types and nothing else: providers translate their cloud's error
codes into them at the edge (only `cloud/azure` and `cloud/sim` know ARM codes). Anything a
provider cannot classify becomes `TransientCloudError`, which the engine retries with backoff.
"""

from __future__ import annotations


class CloudError(Exception):
    """Base of every port error. `code` is the cloud's own code, kept for logs only."""

    def __init__(self, message: str, *, code: str = "", retry_after: float | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.retry_after = retry_after


class NotFound(CloudError):
    """The resource does not exist (or no longer does). `delete_*` never raises it."""


class CapacityUnavailable(CloudError):
    """Azure has no capacity for this size in this zone for this lifecycle right now."""

    def __init__(
        self,
        message: str,
        *,
        size: str,
        zone: str | None,
        lifecycle: str,
        code: str = "",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, code=code, retry_after=retry_after)
        self.size = size
        self.zone = zone
        self.lifecycle = lifecycle


class Throttled(CloudError):
    """Too many requests; wait `retry_after` seconds before calling again."""

    def __init__(self, message: str, *, retry_after: float, code: str = "TooManyRequests") -> None:
        super().__init__(message, code=code, retry_after=retry_after)


class QuotaExceeded(CloudError):
    """The subscription's quota (cores per family or region) would be exceeded."""


class Conflict(CloudError):
    """The request conflicts with the resource's current state (disk attached elsewhere,
    NIC reserved for 180 s after its VM was deleted, an operation already in progress).
    `retry_after` is set when waiting is known to resolve it."""


class TransientCloudError(CloudError):
    """A failure that is expected to pass: 5xx, a failed long-running operation, a timeout."""


class InvalidRequest(CloudError):
    """The request is wrong and retrying will not help (a bug or a spec the cloud rejects)."""


__all__ = [
    "CapacityUnavailable",
    "CloudError",
    "Conflict",
    "InvalidRequest",
    "NotFound",
    "QuotaExceeded",
    "Throttled",
    "TransientCloudError",
]
