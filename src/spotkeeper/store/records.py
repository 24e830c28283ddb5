"""The plain values the store hands out, and the vocabulary it checks on the way in.

Repositories return frozen dataclasses, never ORM objects, so no caller ever holds a session
or trips over lazy loading after the transaction has closed. JSON documents (`spec`,
`status_json`) are fresh dicts decoded for each read: mutating one changes nothing stored.

All times are timezone-aware UTC. The store never reads a clock: every function that needs
"now" takes it from the caller, so the engine's `ManualClock` drives leases and TTLs in tests.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final, Literal, NamedTuple, TypeVar

# Public node status words shared by the edits rules, the engine and the API (see the briefing).
NODE_STATUSES: Final = frozenset(
    {
        "launching",
        "active",
        "pausing",
        "paused",
        "resuming",
        "recycling",
        "recovering",
        "stopped",
        "error",
        "importing",
        "deleting",
        "deleted",
    }
)

Severity = Literal["DEBUG", "INFO", "WARN", "ERROR"]
SeverityFilter = Literal["DEBUG", "INFO", "WARN", "ERROR", "ALL"]
SEVERITIES: Final[tuple[Severity, ...]] = ("DEBUG", "INFO", "WARN", "ERROR")

Lifecycle = Literal["spot", "od"]
LIFECYCLES: Final[tuple[Lifecycle, ...]] = ("spot", "od")

DeletionKind = Literal["disk", "snapshot", "nic", "public_ip", "vm"]
DELETION_KINDS: Final[tuple[DeletionKind, ...]] = ("disk", "snapshot", "nic", "public_ip", "vm")

# What the API may ask of a node. `delete` carries the §4.1 deallocationConfig as its payload;
# the disk requests carry their request body (§4). The worker decides which it can act on.
RequestKind = Literal[
    "pause", "resume", "recycle", "delete", "attach_data_disk", "detach_data_disk", "swap_os_disk"
]
REQUEST_KINDS: Final[tuple[RequestKind, ...]] = (
    "pause",
    "resume",
    "recycle",
    "delete",
    "attach_data_disk",
    "detach_data_disk",
    "swap_os_disk",
)

# Writing last_used_at on every request would turn each authenticated read into a write.
LAST_USED_RESOLUTION: Final = timedelta(minutes=1)

_ID_PATTERN = re.compile(r"^(act|ssn|sin|tok)-[0-9a-f]{8}$")


class UnknownRecordError(LookupError):
    """A row the caller referred to (account, node, import …) does not exist."""


class LedgerConflictError(ValueError):
    """A cost interval overlaps a different one already recorded for the same node.

    A node runs at most one VM at a time, so two overlapping priced intervals would bill the
    same hour twice; the store refuses rather than silently double counting.
    """


def new_id(prefix: Literal["act", "ssn", "sin", "tok"]) -> str:
    """A public id such as `ssn-1a2b3c4d` (Spot's id shapes: prefix + 8 hex digits)."""
    return f"{prefix}-{secrets.token_hex(4)}"


def check_id(value: str, *, prefix: str, field: str) -> str:
    if not _ID_PATTERN.match(value) or not value.startswith(prefix + "-"):
        raise ValueError(f"{field} must look like '{prefix}-' followed by 8 hex digits, got {value!r}")
    return value


def require_utc(value: datetime, *, field: str) -> datetime:
    """Refuse naive datetimes: a naive value silently means "local time" somewhere else."""
    if not isinstance(value, datetime):
        raise TypeError(f"{field} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{field} must be a timezone-aware datetime (UTC), got naive {value.isoformat()}")
    return value.astimezone(UTC)


_Choice = TypeVar("_Choice", bound=str)


def narrow_choice(value: str, choices: tuple[_Choice, ...], *, field: str) -> _Choice:
    """`value` as one of `choices` (typed as the Literal they belong to), or a clear error."""
    for choice in choices:
        if value == choice:
            return choice
    raise ValueError(f"{field} must be one of {', '.join(choices)}; got {value!r}")


def check_choice(value: str, choices: tuple[str, ...] | frozenset[str], *, field: str) -> str:
    if value not in choices:
        allowed = ", ".join(sorted(choices))
        raise ValueError(f"{field} must be one of {allowed}; got {value!r}")
    return value


@dataclass(frozen=True)
class Account:
    id: str
    name: str
    created_at: datetime


@dataclass(frozen=True)
class TokenRecord:
    """What is known about an API token. The plaintext is never stored, so it is not here."""

    id: str
    account_id: str
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool


@dataclass(frozen=True)
class TokenHolder:
    """A live token's account, and when the token's use was last recorded."""

    account: Account
    token_id: str
    last_used_at: datetime | None

    def use_is_stale(self, now: datetime) -> bool:
        """Whether a use at `now` should be recorded (the last one is a minute old or more)."""
        return self.last_used_at is None or now - self.last_used_at >= LAST_USED_RESOLUTION


@dataclass(frozen=True)
class NodeRecord:
    """One stateful node row.

    `spec` is the node's full wire dict INCLUDING secrets (admin password, custom data,
    protected extension settings): the database is as sensitive as the credentials it holds.
    `status_json` is what the engine last observed (VM name, size, lifecycle, zone, IPs,
    resource ids, health …); `phase` is the engine's internal state, `status` the public word.
    `version` grows by one on every write and is the compare-and-set token for `update_node`
    and the worker's `commit_pass`; `spec_version` grows only with spec edits and is the token
    for `update_spec`. `failed_passes` counts the worker's consecutive passes that raised.
    """

    id: str
    account_id: str
    name: str
    region: str
    resource_group_name: str
    spec: dict[str, Any]
    status_json: dict[str, Any]
    phase: str
    status: str
    version: int
    lease_owner: str | None
    lease_expires_at: datetime | None
    next_due_at: datetime | None
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None
    spec_version: int = 1
    failed_passes: int = 0

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class NodeDocument(NamedTuple):
    """What a default read of a node shows, read without decoding any stored JSON.

    `public_spec` is the node's spec without its write-only fields, as compact JSON text (an
    object), rendered when the spec was written (see `public_specs.py`). None: the spec is not
    strict JSON (say, a NaN in an extension's settings), so there is no text to hand over; read
    the full record with `NodeRepository.get` instead. A named tuple rather than a frozen
    dataclass like the other records: a list builds a thousand of them, three times faster.
    """

    id: str
    account_id: str
    public_spec: str | None
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


@dataclass(frozen=True)
class NewEvent:
    """An event to append, e.g. together with a node transition in `update_node(events=...)`."""

    time: datetime
    message: str
    severity: Severity = "INFO"
    resource_id: str | None = None


@dataclass(frozen=True)
class EventRecord:
    id: int
    node_id: str
    time: datetime
    severity: Severity
    message: str
    resource_id: str | None


@dataclass(frozen=True)
class LedgerInterval:
    """A span during which one VM of a node ran at one price. `end is None`: still running."""

    id: int
    node_id: str
    account_id: str
    start: datetime
    end: datetime | None
    region: str
    zone: str | None
    size: str
    lifecycle: Lifecycle
    price_hour: float
    od_price_hour: float
    vcpus: int
    spot_price_hour: float | None = None  # the spot quote seen beside it (None: not recorded)


@dataclass(frozen=True)
class CostFigures:
    """Usage and money over a window (USD; hours are fractional).

    `actual_cost` is what the VMs cost at the prices they ran at; `all_on_demand_cost` is the
    counterfactual of every one of those hours billed on-demand for the same size, which is
    what spotkeeper saves against. Suggested wire mapping (§5.6): `usage.spot.hours`,
    `usage.od.hours`, `cost.spotActualCost` = actual_cost, `cost.odCost` = all_on_demand_cost.
    """

    spot_hours: float
    od_hours: float
    spot_actual_cost: float
    od_actual_cost: float
    all_on_demand_cost: float

    @property
    def hours(self) -> float:
        return self.spot_hours + self.od_hours

    @property
    def actual_cost(self) -> float:
        return self.spot_actual_cost + self.od_actual_cost

    @property
    def savings(self) -> float:
        return self.all_on_demand_cost - self.actual_cost


@dataclass(frozen=True)
class DailyCost:
    day: date  # a UTC calendar day
    figures: CostFigures


@dataclass(frozen=True)
class SizeUsage:
    day: date  # a UTC calendar day
    size: str
    lifecycle: Lifecycle
    vcpus: int
    hours: float

    @property
    def vcpu_hours(self) -> float:
        return self.vcpus * self.hours


@dataclass(frozen=True)
class PendingDeletion:
    id: int
    resource_id: str
    kind: DeletionKind
    node_id: str | None
    reason: str
    due_at: datetime
    created_at: datetime
    done_at: datetime | None
    attempts: int
    last_error: str | None


@dataclass(frozen=True)
class RequestRecord:
    """One request made of a node; `consumed_at` is set by the pass that acted on it."""

    id: int
    node_id: str
    kind: RequestKind
    payload: dict[str, Any]
    created_at: datetime
    consumed_at: datetime | None

    @property
    def is_pending(self) -> bool:
        return self.consumed_at is None


@dataclass(frozen=True)
class ImportRecord:
    id: str
    account_id: str
    node_id: str
    state: str
    vm_name: str
    resource_group_name: str
    created_at: datetime
    updated_at: datetime
