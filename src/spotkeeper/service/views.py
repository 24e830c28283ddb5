"""The shapes the use cases hand back: a node, its status, its log entries (spot-api.md §3, §5).

Each view is a plain JSON-ready dict in the wire vocabulary, built from the stored record and the
engine's remembered state, so the API returns it as is and the CLI and console read the same
keys. Choices:

* A node is its stored wire spec with write-only fields removed (`spec.secrets`), plus the
  read-only `id`, `createdAt` and `updatedAt`. Reads that only show nodes (the API's get and
  list) splice it from the store's pre-rendered public spec text (`node_text`, handed over as
  `RenderedItems`), so a list of 1,000 nodes is text joined, not 1,000 decodes, copies and
  encodes; `node_view` is the same JSON value as a dict, for callers that read the keys.
* The status item (§5.1) emits `lifeCycle`, `privateIp` and `publicIp` (the spelling the Go,
  Java and Python clients all decode) and `zone`; `status` is `public_status` of the engine's
  phase, the vocabulary the edit rules share.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from json.encoder import encode_basestring_ascii  # what json.dumps uses for a str
from typing import Any

from spotkeeper.engine.phases import public_status
from spotkeeper.engine.state import NodeState
from spotkeeper.service.context import node_phase, node_state
from spotkeeper.service.dates import wire_time
from spotkeeper.store import EventRecord, ImportRecord, NodeDocument, NodeRecord, public_spec

NODE_KIND = "spotinst:azure:statefulNode"


@dataclass(frozen=True)
class RenderedItems:
    """Answer items already rendered as JSON text, one text per item, embedded as they are.

    One wrapper for all the items rather than one per item: a list of 1,000 nodes is then a
    list of strings, which the garbage collector does not even track. Not a `str` either, so
    a renderer that does not know it fails loudly instead of quoting the text as a string.
    """

    texts: list[str]


def render_json(value: object) -> str:
    """JSON text exactly as Starlette's `JSONResponse` renders it (compact, UTF-8, no NaN)."""
    return json.dumps(value, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":"))


def public_word(record: NodeRecord) -> str:
    if record.is_deleted:
        return "deleted"
    try:
        return public_status(node_phase(record))
    except ValueError:
        return record.status


def node_view(record: NodeRecord) -> dict[str, Any]:
    """The node as `GET /statefulNode/{id}` returns it (secrets left out)."""
    return {
        "id": record.id,
        **public_spec(record.spec),
        "createdAt": wire_time(record.created_at),
        "updatedAt": wire_time(record.updated_at),
    }


def node_text(document: NodeDocument) -> str | None:
    """`node_view` of the same node as JSON text, spliced from its public spec text (which
    holds none of the keys put around it); None if the store has no text for it."""
    spec = document.public_spec
    if spec is None:
        return None
    return (
        f'{{"id":{encode_basestring_ascii(document.id)}{"," if len(spec) > 2 else ""}{spec[1:-1]},'
        f'"createdAt":"{_wire_time(document.created_at)}","updatedAt":"{_wire_time(document.updated_at)}"}}'
    )


# A list formats two times per node, and they rarely change between lists (creation never,
# the last update only when the node changes): remember the text of recent ones.
_wire_time = functools.lru_cache(maxsize=1 << 14)(wire_time)


def status_view(record: NodeRecord) -> dict[str, Any]:
    """The §5.1 status item."""
    state = node_state(record)
    vm = state.vm
    primary = _primary_nic(state)
    lifecycle = vm.lifecycle if vm is not None else None
    return {
        "id": record.id,
        "name": record.name,
        "region": record.region,
        "resourceGroupName": record.resource_group_name,
        "status": public_word(record),
        "vmName": vm.name if vm is not None else None,
        "vmSize": vm.size.lower() if vm is not None else None,
        "lifeCycle": lifecycle,
        "zone": vm.zone if vm is not None else None,
        "privateIp": primary.private_ip if primary is not None else None,
        "publicIp": primary.public_ip_address if primary is not None else None,
        "vmHealthStatus": state.health.status if vm is not None else "UNKNOWN",
        "errorReason": state.error_reason,
        "rollbackReason": state.rollback_reason,
        "createdAt": wire_time(record.created_at),
        "updatedAt": wire_time(record.updated_at),
    }


def _primary_nic(state: NodeState) -> Any:
    for nic in state.nics:
        if nic.is_primary:
            return nic
    return state.nics[0] if state.nics else None


def log_view(event: EventRecord) -> dict[str, Any]:
    """A §5.5 log entry (plus the resource it is about, when there is one)."""
    item: dict[str, Any] = {
        "message": event.message,
        "severity": event.severity,
        "createdAt": wire_time(event.time),
    }
    if event.resource_id:
        item["resourceId"] = event.resource_id
    return item


def import_view(record: ImportRecord, node: NodeRecord | None) -> dict[str, Any]:
    """The §5.3 import status item."""
    return {
        "statefulImportId": record.id,
        "statefulNodeId": record.node_id,
        "vmName": record.vm_name,
        "resourceGroupName": record.resource_group_name,
        "state": record.state,
        "nodeStatus": public_word(node) if node is not None else None,
        "createdAt": wire_time(record.created_at),
        "updatedAt": wire_time(record.updated_at),
    }
