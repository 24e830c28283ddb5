"""The node use cases: create, read, list, edit, ask for a state change, delete, evict on purpose.

Every door (API, CLI, console) calls these, so the rules of "what may happen to a node, when"
are enforced here once: a create is validated by every create rule, with what the cloud knows
about the region's custom and gallery images; an edit is a deep merge into the stored node
(secrets included, so an edit that does not re-send the password keeps it) validated in full
and by the edit rules for the node's current status; a state change or a delete is accepted
only when the engine's state machine allows it, and is then queued for the worker as a request
(the engine acts on it in its next pass, which a nudge makes due at once).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from spotkeeper.engine.phases import Phase, accepts_state_change, public_status
from spotkeeper.engine.state import NodeState
from spotkeeper.service.context import ServiceContext, cloud_errors, node_phase, node_state
from spotkeeper.service.dates import parse_window
from spotkeeper.service.errors import NodeNotFound, StateConflict
from spotkeeper.service.views import (
    RenderedItems,
    log_view,
    node_text,
    node_view,
    public_word,
    render_json,
    status_view,
)
from spotkeeper.spec.edits import check_edit, merge_update
from spotkeeper.spec.models import (
    DeallocationConfig,
    StateChange,
    StatefulNode,
    node_to_wire,
    parse_body,
    parse_node,
)
from spotkeeper.spec.problems import Problem, SpecError
from spotkeeper.spec.rules import KnownImages, validate_parsed
from spotkeeper.store import SEVERITIES, NewEvent, NodeDocument, NodeRecord

LOG_SEVERITIES = (*SEVERITIES, "ALL")


def image_facts(ctx: ServiceContext, region: str | None) -> KnownImages | None:
    """What the cloud knows about the custom and gallery images of `region` (None: unknown region)."""
    if not region or ctx.catalog.region(region) is None:
        return None
    with cloud_errors(f"reading the images of {region}"):
        inventory = ctx.cloud.get_inventory(region)
    return KnownImages(inventory.images)


def validated_node(
    ctx: ServiceContext, raw: Mapping[str, Any], *, moot: frozenset[tuple[str, str]] = frozenset()
) -> tuple[StatefulNode, list[Problem]]:
    """The parsed node and its warnings; raises `SpecError` with every error.

    `moot` lists (code, field) problems that do not apply to this door (an import's VM already
    has its OS disk, so it needs no image or login to boot from)."""
    node = parse_node(raw)
    problems = validate_parsed(node, catalog=ctx.catalog, images=image_facts(ctx, node.region))
    errors = [p for p in problems if p.severity == "error" and (p.code, p.field) not in moot]
    if errors:
        raise SpecError(errors)
    return node, [p for p in problems if p.severity == "warning"]


def unwrap(body: object, key: str) -> Mapping[str, Any]:
    """The object under `key` of a request body such as `{"statefulNode": {...}}`."""
    if not isinstance(body, Mapping):
        raise SpecError([Problem("INVALID_TYPE", "", f"the body must be a JSON object with {key!r}")])
    extra = sorted(str(k) for k in body if k != key)
    problems = [Problem("UNKNOWN_FIELD", k, f"unknown key {k!r}; the body holds only {key!r}") for k in extra]
    if key not in body:
        problems.append(Problem("REQUIRED", key, f"the body must hold {key!r}"))
    elif not isinstance(body[key], Mapping):
        problems.append(Problem("INVALID_TYPE", key, f"{key} must be a JSON object"))
    if problems:
        raise SpecError(problems)
    value: Mapping[str, Any] = body[key]
    return value


def create_node(ctx: ServiceContext, account_id: str, raw: Mapping[str, Any]) -> dict[str, Any]:
    node, warnings = validated_node(ctx, raw)
    now = ctx.now()
    state = NodeState()
    record = ctx.store.nodes.create(
        account_id=account_id,
        name=node.name or "",
        region=node.region or "",
        resource_group_name=node.resource_group_name or "",
        spec=node_to_wire(node, include_secrets=True),
        phase=Phase.PENDING.value,
        status=public_status(Phase.PENDING),
        now=now,
        status_json=state.to_json(),
        next_due_at=now,
    )
    ctx.store.events.append(
        record.id, time=now, message=f"node {record.name} created; launching its first VM"
    )
    for warning in warnings:
        ctx.store.events.append(
            record.id, time=now, severity="WARN", message=f"{warning.field or 'node'}: {warning.message}"
        )
    return node_view(record)


def get_node(ctx: ServiceContext, account_id: str, node_id: str) -> dict[str, Any]:
    return node_view(ctx.node(account_id, node_id))


def get_rendered(ctx: ServiceContext, account_id: str, node_id: str) -> RenderedItems:
    """`get_node` as the API sends it: spliced from the store's text, without decoding."""
    text = node_text(ctx.node_document(account_id, node_id))
    return RenderedItems([text if text is not None else render_json(get_node(ctx, account_id, node_id))])


def list_rendered(
    ctx: ServiceContext,
    account_id: str,
    *,
    name: str | None = None,
    region: str | None = None,
    tag_key: str | None = None,
    tag_value: str | None = None,
    status: str | None = None,
) -> RenderedItems:
    """The nodes `list_records` selects, as the API sends them (see `get_rendered`).

    The name and region filters are SQL; the tag and status filters need the spec and the
    engine's state, so with either of them the selection is made by `list_records`.
    """
    chosen: set[str] | None = None
    if tag_key is not None or tag_value is not None or status is not None:
        records = list_records(
            ctx, account_id, name=name, region=region, tag_key=tag_key, tag_value=tag_value, status=status
        )
        chosen = {r.id for r in records}

    def render(document: NodeDocument) -> str | NodeDocument | None:
        if chosen is not None and document.id not in chosen:
            return None
        return node_text(document) or document  # a document: no text, rendered from its record

    texts: list[str] = []
    for rendered in ctx.store.documents.find(render, account_id=account_id, name=name, region=region):
        if isinstance(rendered, str):
            texts.append(rendered)
        elif rendered is not None:
            record = ctx.store.nodes.get(rendered.id)
            if record is not None and not record.is_deleted:  # else deleted since the list was read
                texts.append(render_json(node_view(record)))
    return RenderedItems(texts)


def list_records(
    ctx: ServiceContext,
    account_id: str,
    *,
    name: str | None = None,
    region: str | None = None,
    tag_key: str | None = None,
    tag_value: str | None = None,
    status: str | None = None,
) -> list[NodeRecord]:
    records = ctx.store.nodes.find(account_id=account_id, name=name, region=region)
    if tag_key is not None or tag_value is not None:
        records = [r for r in records if _has_tag(r, tag_key, tag_value)]
    if status is not None:
        records = [r for r in records if public_word(r) == status]
    return records


def _has_tag(record: NodeRecord, key: str | None, value: str | None) -> bool:
    launch = record.spec.get("compute", {}).get("launchSpecification", {}) or {}
    for tag in launch.get("tags") or ():
        if not isinstance(tag, Mapping):
            continue
        if (key is None or tag.get("tagKey") == key) and (value is None or tag.get("tagValue") == value):
            return True
    return False


def update_node(
    ctx: ServiceContext, account_id: str, node_id: str, patch: Mapping[str, Any]
) -> dict[str, Any]:
    """Deep-merge `patch` into the stored node, validate, apply the edit rules, store, nudge."""

    def attempt() -> NodeRecord | None:
        record = ctx.node(account_id, node_id)
        before = parse_node(record.spec)
        merged = merge_update(record.spec, patch)
        after, _warnings = validated_node(ctx, merged)
        problems = check_edit(before, after, status=public_word(record))
        if problems:
            raise SpecError(problems)
        wire = node_to_wire(after, include_secrets=True)
        if wire == record.spec:
            return record
        now = ctx.now()
        applied = ctx.store.nodes.update_spec(
            node_id,
            expected_spec_version=record.spec_version,
            spec=wire,
            name=after.name or record.name,
            now=now,
            events=[NewEvent(time=now, message="configuration updated")],
        )
        if not applied:
            return None
        return ctx.node(account_id, node_id)

    return node_view(ctx.retry_cas(attempt))


def change_state(ctx: ServiceContext, account_id: str, node_id: str, body: object) -> dict[str, Any]:
    """Queue a pause, resume or recycle the node's current phase allows."""
    change = parse_body(StateChange, body)
    record = ctx.node(account_id, node_id)
    pending = _pending_kinds(ctx, node_id)
    if "delete" in pending:
        raise StateConflict("the node is being deleted; it cannot change state", field="state")
    reason = accepts_state_change(node_phase(record), change.state)
    if reason is not None:
        raise StateConflict(reason, field="state")
    if change.state in pending:
        raise StateConflict(f"a {change.state} request is already waiting for the engine", field="state")
    now = ctx.now()
    ctx.store.requests.append(node_id, kind=change.state, payload={}, now=now)
    ctx.store.events.append(node_id, time=now, message=f"{change.state} requested")
    ctx.store.nodes.nudge(node_id, at=now)
    return status_view(ctx.node(account_id, node_id))


def _pending_kinds(ctx: ServiceContext, node_id: str) -> set[str]:
    return {request.kind for request in ctx.store.requests.pending(node_id)}


def delete_node(ctx: ServiceContext, account_id: str, node_id: str, body: object | None) -> dict[str, Any]:
    """Queue the node's deletion with its deallocation config (defaults: terminate the VM and
    delete every resource after the default 96 h retention)."""
    raw = {"shouldTerminateVm": True} if body is None else unwrap(body, "deallocationConfig")
    config = parse_body(DeallocationConfig, raw, root="" if body is None else "deallocationConfig")
    record = ctx.node(account_id, node_id)
    phase = node_phase(record)
    if phase is Phase.STOPPED:
        raise StateConflict(
            "a stopped node cannot be deleted; start its VM from Azure or recycle the node first"
        )
    if phase in (Phase.DELETING, Phase.DELETED) or "delete" in _pending_kinds(ctx, node_id):
        return status_view(record)  # already on its way: deleting twice is the same request
    now = ctx.now()
    payload = config.model_dump(mode="json", by_alias=True)
    ctx.store.requests.append(node_id, kind="delete", payload=payload, now=now)
    ctx.store.events.append(node_id, time=now, message="delete requested")
    ctx.store.nodes.nudge(node_id, at=now)
    return status_view(ctx.node(account_id, node_id))


def node_status(ctx: ServiceContext, account_id: str, node_id: str) -> dict[str, Any]:
    return status_view(ctx.node(account_id, node_id))


def all_statuses(ctx: ServiceContext, account_id: str) -> list[dict[str, Any]]:
    return [status_view(r) for r in ctx.store.nodes.find(account_id=account_id)]


def node_log(
    ctx: ServiceContext,
    account_id: str,
    node_id: str,
    *,
    from_date: str,
    to_date: str,
    severity: str | None = None,
    resource_id: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    start, end = parse_window(from_date, to_date)
    level = (severity or "ALL").upper()
    if level not in LOG_SEVERITIES:
        raise SpecError(
            [
                Problem(
                    "INVALID_VALUE",
                    "severity",
                    f"severity must be one of {', '.join(LOG_SEVERITIES)}, got {severity!r}",
                )
            ]
        )
    count = 500 if limit is None else limit
    if not 0 <= count <= 1000:
        raise SpecError([Problem("INVALID_VALUE", "limit", f"limit must be between 0 and 1000, got {limit}")])
    ctx.node(account_id, node_id)
    events = ctx.store.events.query(
        node_id,
        since=start,
        until=end,
        severity=level,  # type: ignore[arg-type]  # checked above
        resource_id=resource_id or None,
        limit=count,
    )
    return [log_view(e) for e in events]


def simulate_eviction(ctx: ServiceContext, account_id: str, node_id: str) -> dict[str, Any]:
    """Ask Azure to evict the node's Spot VM (Azure's own `simulateEviction`), as a drill."""
    record = ctx.node(account_id, node_id)
    state = node_state(record)
    phase = node_phase(record)
    if state.vm is None or phase is not Phase.RUNNING:
        raise StateConflict(f"only a running node's VM can be evicted; the node is {public_word(record)}")
    if state.vm.lifecycle != "spot":
        raise StateConflict(f"{state.vm.name} runs on-demand; Azure evicts only Spot VMs")
    with cloud_errors(f"simulating the eviction of {state.vm.name}"):
        ctx.cloud.simulate_eviction(record.resource_group_name, state.vm.name)
    now = ctx.now()
    ctx.store.events.append(
        node_id,
        time=now,
        severity="WARN",
        message=f"eviction of {state.vm.name} simulated on request",
        resource_id=state.vm.id,
    )
    ctx.store.nodes.nudge(node_id, at=now)
    return status_view(ctx.node(account_id, node_id))


def ensure_exists(ctx: ServiceContext, account_id: str, node_id: str | None) -> None:
    if node_id is not None:
        ctx.node(account_id, node_id)


__all__ = [
    "NodeNotFound",
    "all_statuses",
    "change_state",
    "create_node",
    "delete_node",
    "ensure_exists",
    "get_node",
    "get_rendered",
    "image_facts",
    "list_records",
    "list_rendered",
    "node_log",
    "node_status",
    "simulate_eviction",
    "unwrap",
    "update_node",
    "validated_node",
]
