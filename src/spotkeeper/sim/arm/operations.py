"""Long-running operations of the ARM facade: the `Azure-AsyncOperation` and `Location` URLs a
create, delete or action answers with, and the status a poll of them reports.

The simulated Azure already models every long operation over simulated time: an accepted
request records `<op>.accepted` in the simulator's trace and schedules its completion, which
records `<op>.succeeded` or `<op>.failed` (with Azure's code) when the clock reaches it. The
facade keeps no state of its own about progress; an `Operation` only remembers which resource
and which simulator operation a request started and where in the trace it was accepted, and a
poll reads the answer from the trace and the event queue:

    InProgress  the operation's completion is still on the simulator's event queue
    Succeeded   `<op>.succeeded` (a delete: the resource's `.deleted`), or nothing was left to
                do (the request changed nothing, so no operation was accepted)
    Failed      `<op>.failed`, with the code the fault plan chose
    Canceled    the resource was deleted or evicted before the operation completed
                (code `OperationPreempted`)

With a ManualClock and `auto_advance`, a poll of an operation still in progress first moves
the clock to the moment that operation completes (`SimAzure.run_until`), so a client's
polling loop drives simulated time the way waiting drives real time.

Wire details that the Azure SDK depends on (`../shared/reference/azure.md` §1.3): polling URLs
are absolute, built from the base URL the client used; initial 201/202 responses carry no
`Retry-After` (the generated code parses it as an integer), so the client's own
`polling_interval` paces the polls.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from spotkeeper.clock import ManualClock
from spotkeeper.sim.arm.calls import Call, Reply
from spotkeeper.sim.arm.wire import Json, iso
from spotkeeper.sim.azure import SimAzure
from spotkeeper.sim.errors import ArmError
from spotkeeper.sim.events import TraceEntry
from spotkeeper.sim.ids import key_of

MAX_REMEMBERED = 20_000
_GONE_KINDS = frozenset({"vm.deleted", "disk.deleted", "snapshot.deleted"})
_SUCCESS_KIND = {
    "vm.delete": "vm.deleted",
    "disk.delete": "disk.deleted",
    "snapshot.delete": "snapshot.deleted",
}


@dataclass
class Operation:
    id: str
    resource_key: str  # lower-cased id of the resource the operation works on
    op: str | None  # the simulator's operation ("vm.create"), None = nothing was left to do
    accepted_at: int  # index of the `<op>.accepted` trace entry
    started: datetime
    namespace: str  # "Microsoft.Compute" | "Microsoft.Network"
    location: str
    result: Callable[[], Json] | None = None  # body of the final Location GET (POST actions)


@dataclass(frozen=True)
class OperationStatus:
    status: str  # InProgress | Succeeded | Failed | Canceled
    ended: datetime | None = None
    code: str | None = None
    message: str | None = None


class OperationBook:
    """The long-running operations the facade has handed out, by id."""

    def __init__(self, sim: SimAzure, *, auto_advance: bool = False) -> None:
        self.sim = sim
        self.auto_advance = auto_advance
        self._operations: OrderedDict[str, Operation] = OrderedDict()
        self._lock = threading.Lock()

    # starting ----------------------------------------------------------------

    def mark(self) -> int:
        """Where the trace ends now: call before asking the simulator for a change."""
        return len(self.sim.trace)

    def started(
        self,
        resource_id: str,
        mark: int,
        *,
        namespace: str,
        location: str,
        result: Callable[[], Json] | None = None,
    ) -> Operation:
        """The operation a request just started on `resource_id` (found in the trace after
        `mark`); an operation with `op` None when the request was accepted without one."""
        key = key_of(resource_id)
        with self.sim.ctx.lock:
            trace = self.sim.trace
            found = next(
                (
                    (index, entry)
                    for index in range(len(trace) - 1, mark - 1, -1)
                    if (entry := trace[index]).resource == key and entry.kind.endswith(".accepted")
                ),
                None,
            )
        operation = Operation(
            id=str(uuid.uuid4()),
            resource_key=key,
            op=None if found is None else found[1].kind.removesuffix(".accepted"),
            accepted_at=-1 if found is None else found[0],
            started=self.sim.now(),
            namespace=namespace,
            location=location.lower(),
            result=result,
        )
        with self._lock:
            self._operations[operation.id] = operation
            while len(self._operations) > MAX_REMEMBERED:
                self._operations.popitem(last=False)
        return operation

    def get(self, operation_id: str) -> Operation:
        with self._lock:
            operation = self._operations.get(operation_id.lower())
        if operation is None:
            raise ArmError(404, "OperationNotFound", f"The operation '{operation_id}' was not found.")
        return operation

    # polling -----------------------------------------------------------------

    def status(self, operation: Operation) -> OperationStatus:
        sim = self.sim
        with sim.ctx.lock:
            sim.catch_up()
            current = self._status_now(operation)
            if current.status == "InProgress" and self.auto_advance and isinstance(sim.clock, ManualClock):
                due = self._due_at(operation)
                if due is not None:
                    sim.run_until(due)
                    current = self._status_now(operation)
            return current

    def _status_now(self, operation: Operation) -> OperationStatus:
        if operation.op is None:
            return OperationStatus("Succeeded", ended=operation.started)
        trace = self.sim.trace
        op = operation.op
        for entry in _entries_for(trace, operation.resource_key, operation.accepted_at + 1):
            if entry.kind in (f"{op}.succeeded", _SUCCESS_KIND.get(op)):
                return OperationStatus("Succeeded", ended=entry.time)
            if entry.kind == f"{op}.failed":
                code = entry.detail or "InternalOperationError"
                return OperationStatus(
                    "Failed", ended=entry.time, code=code, message=f"The operation '{op}' failed: {code}."
                )
            preempted_by = _preempting(op, entry)
            if preempted_by:
                return OperationStatus(
                    "Canceled",
                    ended=entry.time,
                    code="OperationPreempted",
                    message=f"The operation '{op}' was preempted: {preempted_by}.",
                )
        if self._due_at(operation) is not None:
            return OperationStatus("InProgress")
        # Completed without a record of its own (a later identical request finished it).
        return OperationStatus("Succeeded", ended=self.sim.now())

    def _due_at(self, operation: Operation) -> datetime | None:
        pending = self.sim.ctx.events.pending()
        return next(
            (e.at for e in pending if e.resource == operation.resource_key and e.kind == operation.op), None
        )


def _entries_for(trace: list[TraceEntry], key: str, start: int) -> list[TraceEntry]:
    return [entry for entry in trace[start:] if entry.resource == key]


def _preempting(op: str, entry: TraceEntry) -> str | None:
    if op.endswith(".delete"):
        return None
    if entry.kind == "vm.evicted":
        return "the Spot VM was evicted"
    if entry.kind in _GONE_KINDS or entry.kind.endswith(".delete.accepted"):
        return "the resource is being deleted"
    return None


# ----------------------------------------------------------------------------- wire


def polling_urls(call: Call, operation: Operation) -> dict[str, str]:
    """The absolute `Azure-AsyncOperation` (status monitor) and `Location` (result) URLs."""
    base = (
        f"{call.base_url}/subscriptions/{call.subscription}/providers/{operation.namespace}"
        f"/locations/{operation.location}"
    )
    version = f"api-version={call.api_version}" if call.api_version else ""
    return {
        "Azure-AsyncOperation": f"{base}/operations/{operation.id}?{version}",
        "Location": f"{base}/operationResults/{operation.id}?{version}",
    }


def accepted(
    call: Call,
    operation: Operation,
    *,
    status: int,
    body: Json | None = None,
    location_header: bool = False,
) -> Reply:
    """An LRO's initial answer: `status` with the status monitor URL (and `Location` too for
    deletes and POST actions, as ARM does)."""
    urls = polling_urls(call, operation)
    headers = {"Azure-AsyncOperation": urls["Azure-AsyncOperation"]}
    if location_header:
        headers["Location"] = urls["Location"]
    return Reply(status, body, headers)


def status_document(operation: Operation, current: OperationStatus) -> Json:
    doc: Json = {"name": operation.id, "status": current.status, "startTime": iso(operation.started)}
    if current.ended is not None and current.status != "InProgress":
        doc["endTime"] = iso(current.ended)
    if current.code is not None:
        doc["error"] = {"code": current.code, "message": current.message or current.code}
    return doc


def operation_status(call: Call) -> Reply:
    """GET .../locations/{location}/operations/{id}: the status monitor."""
    book = call.operations
    operation = book.get(call.param("operation"))
    return Reply(200, status_document(operation, book.status(operation)))


def operation_result(call: Call) -> Reply:
    """GET .../locations/{location}/operationResults/{id}: 202 while in progress; when done,
    the action's result (200), nothing (204), or the failure as an ARM error."""
    book = call.operations
    operation = book.get(call.param("operation"))
    current = book.status(operation)
    if current.status == "InProgress":
        return Reply(202, None, {"Location": polling_urls(call, operation)["Location"]})
    if current.status != "Succeeded":
        # 409, not 5xx: the client's retry policy must not re-poll a finished failure.
        raise ArmError(409, current.code or "OperationFailed", current.message or "The operation failed.")
    if operation.result is not None:
        return Reply(200, operation.result())
    return Reply(204)
