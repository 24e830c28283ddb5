"""Azure SDK exceptions → the port's closed error set, at the edge of every driver call.

The SDK raises azure-core exceptions whose class says little: every 409 is a
`ResourceExistsError`, capacity shortages included, and a long-running operation that ended
"Failed" surfaces as a plain `HttpResponseError` whose status is that of the last poll (200).
So the decision is made on the ARM error code, status and message through the table every
ARM-speaking provider shares (`cloud.arm_codes`); this module only extracts those three and the
wait Azure asked for (`Retry-After` in seconds or as an HTTP date, or `x-ms-retry-after-ms`).
Azure sends `Retry-After` with 429 and 5xx only; a state conflict states its wait in the
message instead ("... or retry after 180 seconds" for a NIC still reserved for a deleted VM),
and that figure becomes the error's `retry_after` (the whole reservation: Azure does not say how
much of it is left). Failures to reach Azure at all (connection refused, DNS, TLS, timeouts)
are transient.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from azure.core.exceptions import (
    AzureError,
    HttpResponseError,
    ServiceRequestError,
    ServiceResponseError,
)

from spotkeeper.cloud.arm_codes import to_cloud_error
from spotkeeper.cloud.errors import CloudError, TransientCloudError

_STATED_WAIT = re.compile(r"retry after (\d+(?:\.\d+)?) seconds", re.IGNORECASE)


def retry_after_seconds(headers: Mapping[str, str], *, now: datetime | None = None) -> float | None:
    """The wait a response asks for, in seconds; None when it asks for none."""
    lowered = {key.lower(): value for key, value in headers.items()}
    for key in ("retry-after-ms", "x-ms-retry-after-ms"):
        if key in lowered:
            try:
                return max(float(lowered[key]) / 1000.0, 0.0)
            except ValueError:
                pass
    value = lowered.get("retry-after")
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)


def arm_error_parts(error: HttpResponseError) -> tuple[int, str, str, float | None]:
    """(status, ARM code, message, Retry-After seconds) of an SDK error."""
    status = error.status_code or 0
    code = ""
    message = ""
    if error.error is not None:
        code = error.error.code or ""
        message = error.error.message or ""
    if not message:
        message = error.reason or str(error.message)
    headers = getattr(error.response, "headers", None)
    retry_after = retry_after_seconds(headers) if isinstance(headers, Mapping) else None
    if retry_after is None and (stated := _STATED_WAIT.search(message)):
        retry_after = float(stated[1])
    return status, code, message, retry_after


def to_port_error(
    error: AzureError,
    *,
    size: str | None = None,
    zone: str | None = None,
    lifecycle: str | None = None,
) -> CloudError:
    """The port error for an SDK exception. `size`, `zone` and `lifecycle` describe the request
    (they fill `CapacityUnavailable`)."""
    if isinstance(error, HttpResponseError):
        status, code, message, retry_after = arm_error_parts(error)
        return to_cloud_error(
            status=status,
            code=code,
            message=message,
            retry_after=retry_after,
            size=size,
            zone=zone,
            lifecycle=lifecycle,
        )
    if isinstance(error, ServiceRequestError | ServiceResponseError):
        return TransientCloudError(f"Azure could not be reached: {error.message}", code=type(error).__name__)
    return TransientCloudError(f"Azure SDK error: {error.message}", code=type(error).__name__)


@contextmanager
def translated(
    *, size: str | None = None, zone: str | None = None, lifecycle: str | None = None
) -> Iterator[None]:
    """Run SDK calls, raising any azure-core failure as the port's error."""
    try:
        yield
    except AzureError as error:
        raise to_port_error(error, size=size, zone=zone, lifecycle=lifecycle) from error


def is_not_found(error: AzureError) -> bool:
    return isinstance(error, HttpResponseError) and error.status_code == 404


__all__ = ["arm_error_parts", "is_not_found", "retry_after_seconds", "to_port_error", "translated"]
