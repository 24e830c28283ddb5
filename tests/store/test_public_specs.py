"""Public specs: the secret-free text written with every spec, and the reads that hand it over."""

from __future__ import annotations

import copy
import json
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text, update

from spotkeeper.clock import ManualClock
from spotkeeper.spec.secrets import SECRET_FIELDS, redact_secrets, without_secrets
from spotkeeper.store import Account, NodeDocument, NodeRecord, Store
from spotkeeper.store.database import Database, alembic_config
from spotkeeper.store.public_specs import (
    PUBLIC_SPEC_FORM,
    public_spec,
    render_public_spec,
)
from spotkeeper.store.tables import NodeRow

SECRET_SPEC: dict[str, Any] = {
    "name": "db-1",
    "region": "eastus",
    "description": "base de données, été",
    "compute": {
        "launchSpecification": {
            "login": {"userName": "skadmin", "password": "Sk-Test-Passw0rd!2024"},
            "extensions": [
                {"name": "a", "protectedSettings": {"key": "hush"}, "settings": {"x": 1}},
                {"name": "b"},
            ],
        }
    },
}

_leaf = st.none() | st.booleans() | st.integers() | st.text(max_size=4)
_json = st.recursive(
    _leaf,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=8,
)
_login = st.dictionaries(st.sampled_from(["userName", "password", "sshPublicKey"]), _json, max_size=3)
_extension = _json | st.dictionaries(st.sampled_from(["name", "protectedSettings", "settings"]), _json)
_extensions = st.lists(_extension, max_size=3) | _json
_launch = st.fixed_dictionaries(
    {}, optional={"login": _login | _json, "extensions": _extensions, "vmName": _json}
)
_wire = st.fixed_dictionaries(
    {},
    optional={
        "compute": st.fixed_dictionaries({}, optional={"launchSpecification": _launch | _json}) | _json,
        "name": _json,
        "id": _json,
        "createdAt": _json,
    },
)


@given(_wire)
@settings(max_examples=300, deadline=None)
def test_redaction_copies_nothing_it_need_not_yet_matches_a_plain_deep_copy_and_delete(
    wire: dict[str, Any],
) -> None:
    before = copy.deepcopy(wire)
    assert without_secrets(wire) == _deep_copy_and_delete(wire)
    assert redact_secrets(wire) == _deep_copy_and_delete(wire)
    server_keys = ("id", "createdAt", "updatedAt")
    expected = {k: v for k, v in _deep_copy_and_delete(wire).items() if k not in server_keys}
    assert public_spec(wire) == expected
    assert wire == before  # the input is never touched


def _deep_copy_and_delete(wire: dict[str, Any]) -> dict[str, Any]:
    """The obvious redaction, as the oracle: copy everything, then delete each secret."""
    out = copy.deepcopy(wire)

    def delete(node: object, steps: list[str]) -> None:
        if not isinstance(node, dict):
            return
        key = steps[0].removesuffix("[]")
        if key not in node:
            return
        if len(steps) == 1:
            del node[key]
        elif steps[0].endswith("[]"):
            for item in node[key] if isinstance(node[key], list) else ():
                delete(item, steps[1:])
        else:
            delete(node[key], steps[1:])

    for field in SECRET_FIELDS:
        delete(out, field.split("."))
    return out


def test_redaction_shares_every_branch_that_holds_no_secret() -> None:
    spec = copy.deepcopy(SECRET_SPEC) | {"strategy": {"fallbackToOd": True}}
    shown = without_secrets(spec)
    assert shown["strategy"] is spec["strategy"]
    assert shown["compute"]["launchSpecification"]["extensions"][1] is spec["compute"]["launchSpecification"][
        "extensions"
    ][1]
    assert "password" in spec["compute"]["launchSpecification"]["login"]


def test_a_node_is_stored_with_its_spec_rendered_without_secrets(
    store: Store, make_node: Callable[..., NodeRecord]
) -> None:
    node = make_node(spec=SECRET_SPEC)
    document = store.documents.get(node.id)
    assert document is not None and document.public_spec is not None
    assert json.loads(document.public_spec) == redact_secrets(SECRET_SPEC)
    assert "Passw0rd" not in document.public_spec and "hush" not in document.public_spec
    assert "été" in document.public_spec  # UTF-8 as the API sends it, not \\u escapes
    assert (document.id, document.account_id, document.created_at, document.updated_at) == (
        node.id,
        node.account_id,
        node.created_at,
        node.updated_at,
    )


def test_both_ways_of_writing_a_spec_write_its_public_text(
    store: Store, make_node: Callable[..., NodeRecord], clock: ManualClock
) -> None:
    node = make_node(spec=SECRET_SPEC)
    edited = copy.deepcopy(SECRET_SPEC) | {"description": "edited"}
    assert store.nodes.update_spec(
        node.id, expected_spec_version=1, spec=edited, name="db-1", now=clock.advance(5)
    )
    assert _public(store, node.id)["description"] == "edited"
    assert store.nodes.update_node(
        node.id, expected_version=1, now=clock.advance(5), spec={"name": "db-1", "description": "again"}
    )
    assert _public(store, node.id) == {"name": "db-1", "description": "again"}


def test_documents_are_the_nodes_find_returns_in_its_order(
    store: Store, make_node: Callable[..., NodeRecord], account: Account, clock: ManualClock
) -> None:
    first = make_node(name="a")
    second = make_node(name="b", region="westus2", now=clock.advance(1))
    gone = make_node(name="c", now=clock.advance(1))
    store.nodes.update_node(gone.id, expected_version=1, now=clock.advance(1), deleted_at=clock.now())

    def ids(**filters: Any) -> list[str]:
        return store.documents.find(lambda d: d.id, **filters)

    assert ids(account_id=account.id) == [first.id, second.id]
    assert ids(account_id=account.id) == [r.id for r in store.nodes.find(account_id=account.id)]
    assert ids(region="westus2") == [second.id]
    assert ids(name="a") == [first.id]
    assert ids(include_deleted=True) == [first.id, second.id, gone.id]
    assert ids(account_id="act-00000000") == []
    deleted = store.documents.find(lambda d: d, name="c", include_deleted=True)
    assert deleted == [store.documents.get(gone.id)] and deleted[0].is_deleted
    assert store.documents.get("ssn-00000000") is None


def test_a_list_of_many_nodes_is_read_whole_and_in_order(
    store: Store, make_node: Callable[..., NodeRecord], clock: ManualClock
) -> None:
    made = [make_node(name=f"n{i:03d}", now=clock.advance(1)).id for i in range(250)]  # several partitions
    assert store.documents.find(lambda d: d.id) == made


def test_text_rendered_under_other_rules_is_never_handed_over(
    store: Store, make_node: Callable[..., NodeRecord]
) -> None:
    node = make_node(spec=SECRET_SPEC)
    leaked = '{"leaked":"Sk-Test-Passw0rd!2024"}'
    _tamper(store, node.id, public_spec=leaked, public_spec_form="0123456789abcdef")
    for document in (store.documents.get(node.id), store.documents.find(lambda d: d)[0]):
        assert isinstance(document, NodeDocument)
        assert document.public_spec == render_public_spec(SECRET_SPEC)
    with Store(store.url) as reopened:  # opening the store rewrites stale rows
        assert _columns(reopened, node.id) == (render_public_spec(SECRET_SPEC), PUBLIC_SPEC_FORM)


def test_a_spec_that_is_not_strict_json_has_no_public_text(tmp_path: Path) -> None:
    with Store(f"sqlite:///{tmp_path / 'nan.db'}") as store:
        now = ManualClock().now()
        owner = store.accounts.create("acme", now=now)
        node = store.nodes.create(
            account_id=owner.id,
            name="db-1",
            region="eastus",
            resource_group_name="rg",
            spec={"name": "db-1", "weight": float("nan")},
            phase="pending",
            status="launching",
            now=now,
        )
        assert _columns(store, node.id) == (None, None)
        document = store.documents.get(node.id)
        assert document is not None and document.public_spec is None
        assert store.documents.refresh() == 0  # nothing it could render


def test_a_database_from_before_public_specs_gets_them_when_opened(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    database = Database(url)
    with database.write_connection() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "0002")
        connection.execute(
            text(
                "INSERT INTO accounts (id, name, created_at)"
                " VALUES ('act-00000001', 'acme', '2026-01-05 00:00:00.000000')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO nodes (id, account_id, name, region, resource_group_name, spec, status_json,"
                " phase, status, version, created_at, updated_at) VALUES ('ssn-00000001', 'act-00000001',"
                " 'db-1', 'eastus', 'rg', :spec, '{}', 'pending', 'launching', 1,"
                " '2026-01-05 00:00:00.000000', '2026-01-05 00:00:00.000000')"
            ),
            {"spec": json.dumps(SECRET_SPEC)},
        )
    database.dispose()
    with Store(url) as store:
        assert _columns(store, "ssn-00000001") == (render_public_spec(SECRET_SPEC), PUBLIC_SPEC_FORM)
        assert store.nodes.get("ssn-00000001") is not None


def test_authenticating_a_token_waits_for_no_writer(tmp_path: Path) -> None:
    path = tmp_path / "locked.db"
    with Store(f"sqlite:///{path}") as store:
        now = ManualClock().now()
        token = store.accounts.create_token(store.accounts.create("acme", now=now).id, now=now)
        writer = sqlite3.connect(path, isolation_level=None)
        writer.execute("BEGIN IMMEDIATE")  # a worker mid-commit holds SQLite's one write lock
        try:
            found: list[object] = []
            reader = threading.Thread(target=lambda: found.append(store.accounts.token_holder(token)))
            started = time.monotonic()
            reader.start()
            reader.join(timeout=10)
            assert found and time.monotonic() - started < 5
        finally:
            writer.execute("ROLLBACK")
            writer.close()


def _public(store: Store, node_id: str) -> dict[str, Any]:
    document = store.documents.get(node_id)
    assert document is not None and document.public_spec is not None
    loaded: dict[str, Any] = json.loads(document.public_spec)
    return loaded


def _tamper(store: Store, node_id: str, **values: Any) -> None:
    with store.database.session_scope(write=True) as session:
        session.execute(update(NodeRow).where(NodeRow.id == node_id).values(**values))


def _columns(store: Store, node_id: str) -> tuple[str | None, str | None]:
    with store.database.session_scope() as session:
        found = session.execute(
            select(NodeRow.public_spec, NodeRow.public_spec_form).where(NodeRow.id == node_id)
        ).one()
    return found[0], found[1]
