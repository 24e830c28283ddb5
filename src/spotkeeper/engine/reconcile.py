"""One reconcile pass over one node: observe, decide, act, and report what to persist.

`reconcile_node` is the engine's single entry point. The worker (or a test, or a what-if run)
calls it with the node's spec and remembered state; it returns the new state with the events,
cost intervals and deletions to write in the same compare-and-set, and when to come back. A
delete request beats everything; an operation in flight continues; otherwise the node's phase
decides what to look at (`engine.steady`); a node stored `importing` starts the import. Time
comes only from `now`, the cloud only through the port: the pass is deterministic given the
cloud's answers.
"""

from __future__ import annotations

from datetime import datetime

from spotkeeper.catalog import Catalog
from spotkeeper.cloud.port import CloudProvider
from spotkeeper.engine.context import EngineSettings, PassContext, PassResult, engine_catalog
from spotkeeper.engine.operations import run_operation, start_operation
from spotkeeper.engine.phases import Phase, public_status
from spotkeeper.engine.state import NodeState
from spotkeeper.engine.steady import observe_parked, observe_running, start_and_run
from spotkeeper.spec.models import StatefulNode


def reconcile_node(
    node_id: str,
    spec: StatefulNode,
    state: NodeState,
    *,
    cloud: CloudProvider,
    now: datetime,
    catalog: Catalog | None = None,
    settings: EngineSettings | None = None,
) -> PassResult:
    ctx = PassContext(
        node_id=node_id, spec=spec, state=state.model_copy(deep=True), cloud=cloud,
        catalog=engine_catalog(catalog), now=now, settings=settings or EngineSettings(),
    )
    next_due = _pass(ctx)
    return PassResult(
        state=ctx.state, status=public_status(Phase(ctx.state.phase)), events=ctx.events, ledger=ctx.ledger,
        deletions=ctx.deletions, next_due=next_due,
    )


def _pass(ctx: PassContext) -> datetime | None:
    state = ctx.state
    if Phase(state.phase) is Phase.DELETED:
        return None
    if state.deletion is not None and (state.operation is None or state.operation.kind != "delete"):
        if state.operation is not None:
            ctx.log(f"{state.operation.kind} interrupted: the node is being deleted", severity="WARN")
        if state.import_source is not None and state.import_source.progress != "ImportCompleted":
            state.import_source.progress = "ImportFailed"
        start_operation(ctx, "delete", "delete requested")
    if state.operation is not None:
        due = run_operation(ctx)
        if due is not None:
            return due
        if Phase(state.phase) is Phase.DELETED:
            return None
        return ctx.now  # settled this pass: look at the node afresh on the next one
    phase = Phase(state.phase)
    if phase is Phase.PENDING:
        return start_and_run(ctx, "launch", "node created; launching its first VM")
    if phase is Phase.IMPORTING:
        source = state.import_source
        what = f"VM {source.original_vm_name} of {source.resource_group_name}" if source else "a VM"
        return start_and_run(ctx, "import", f"node created from {what}; taking it over")
    if phase is Phase.RUNNING:
        return observe_running(ctx)
    return observe_parked(ctx)
