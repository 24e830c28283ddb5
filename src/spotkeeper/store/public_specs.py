"""The public form of a node's spec, rendered once when the spec is written, read as text.

A default read of a node shows its spec without the write-only fields (`spec.secrets`), and
with the read-only keys the server owns (`id`, `createdAt`, `updatedAt`) put around it. Doing
that per read meant decoding the stored JSON, deep-copying it to strip two keys and encoding it
again — for a list of 1,000 nodes, a quarter of a second of CPU per request. The spec changes
only when a client edits it, so the store renders the public spec (`public_spec`: no secrets,
no server-owned keys, which the spec parser drops anyway) as JSON text at write time,
in the same statement that writes `spec`, and a read hands that text over untouched
(`NodeDocument.public_spec`): the API splices it into its answer without decoding anything.

Three rules keep the text honest:

* It is written by the same statement as `spec`, by every write of `spec` in this package
  (`public_columns` is the one place that computes it), so the two never disagree.
* It is tagged with `PUBLIC_SPEC_FORM`, a digest of the rendering and of the key lists.
  A row rendered under other rules (a field became secret since) is stale: reads render it
  again from `spec` instead of trusting it, and opening the store (`Store(url)`) rewrites them.
* It is rendered from the spec exactly as a read would decode it (a JSON round trip), with the
  settings the API's JSON responses use (compact, UTF-8, no NaN). A spec that is not strict
  JSON (a NaN inside an extension's settings) gets no text; readers fall back to `spec`.

`public_spec` is `spec.secrets.without_secrets` (which copies only the containers on the way to
a secret) minus the server's keys: what the text holds, as a dict.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any, TypeAlias

from sqlalchemy import Select, and_, or_, select, update
from sqlalchemy.orm import Session

from spotkeeper.spec.secrets import SECRET_FIELDS, without_secrets
from spotkeeper.store.tables import NodeRow

AnySelect: TypeAlias = Select[*tuple[Any, ...]]
# Read-only keys a node's view puts around its spec. The spec parser drops them from what a
# client sends, so no spec written through the service holds them; leaving them out of the
# public form as well lets a view place them without looking inside the text.
SERVER_KEYS = ("id", "createdAt", "updatedAt")
_RENDERING = "json compact utf-8 strict v1"
PUBLIC_SPEC_FORM = hashlib.sha256(
    "\n".join((_RENDERING, *SECRET_FIELDS, "server keys:", *SERVER_KEYS)).encode()
).hexdigest()[:16]


def public_spec(spec: Mapping[str, Any]) -> dict[str, Any]:
    """The spec as a default read shows it: no write-only field, no server-owned key."""
    shown = without_secrets(spec)
    for key in SERVER_KEYS:
        shown.pop(key, None)
    return shown


def render_public_spec(spec: Mapping[str, Any]) -> str | None:
    """`public_spec` as compact JSON text (an object); None if the spec is not strict JSON."""
    try:
        stored = json.loads(json.dumps(spec))  # what a read of the JSON column decodes
        return json.dumps(public_spec(stored), ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError, RecursionError):
        return None


def public_columns(spec: Mapping[str, Any]) -> dict[str, str | None]:
    """The column values to write beside `spec` (every write of `spec` must include them)."""
    text = render_public_spec(spec)
    return {"public_spec": text, "public_spec_form": None if text is None else PUBLIC_SPEC_FORM}


def stale_condition() -> Any:
    """SQL: the row's public text is missing or was rendered under other rules."""
    return or_(NodeRow.public_spec_form.is_(None), NodeRow.public_spec_form != PUBLIC_SPEC_FORM)


def has_stale_public_specs(session: Session) -> bool:
    return session.scalar(select(NodeRow.id).where(stale_condition()).limit(1)) is not None


def refresh_public_specs(session: Session) -> int:
    """Render again every stale row's public text; returns how many rows were rewritten.

    Each rewrite is guarded by the `spec_version` it was rendered from, so a spec edit landing
    meanwhile (which writes its own text) is never overwritten with an older rendering.
    """
    query = select(NodeRow.id, NodeRow.spec, NodeRow.spec_version).where(stale_condition())
    stale = list(session.execute(query))
    rewritten = 0
    for node_id, spec, spec_version in stale:
        columns = public_columns(spec)
        if columns["public_spec"] is None:
            continue  # not strict JSON: readers keep falling back to `spec`
        result = session.execute(
            update(NodeRow)
            .where(and_(NodeRow.id == node_id, NodeRow.spec_version == spec_version))
            .values(**columns)
            .execution_options(synchronize_session=False)
        )
        rewritten += int(getattr(result, "rowcount", 0) == 1)
    return rewritten
