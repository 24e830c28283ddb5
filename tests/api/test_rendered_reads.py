"""The get and list routes splice stored text; they must answer exactly what the node views hold.

`GET /statefulNode` and `GET /statefulNode/{id}` are built from each node's pre-rendered public
spec, while every other door (console, CLI, the answers to a create or an edit) builds the
same view as a dict. These tests hold the two to the same JSON, key order included, and check
the bookkeeping that moved off the request path (a token's last use) still happens.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from spotkeeper.api.tagging import RequestTagging, defer
from tests.api.support import BASE, ApiWorld, node_spec
from tests.factories import WINDOWS_PASSWORD

EXTENSION = {
    "name": "init",
    "type": "CustomScript",
    "publisher": "Microsoft.Azure.Extensions",
    "apiVersion": "2.1",
    "minorVersionAutoUpgrade": True,
    "protectedSettings": {"commandToExecute": "echo hush-hush"},
}


def as_sent(value: Any) -> str:
    """JSON text with the key order kept, to compare two answers key by key and in order."""
    return json.dumps(value, ensure_ascii=False)


def test_get_and_list_answer_exactly_the_node_views(world: ApiWorld) -> None:
    plain = world.create()
    secret = world.create(
        node_spec(login={"userName": "azureuser", "password": WINDOWS_PASSWORD}, extensions=[EXTENSION])
        | {"name": "secret", "description": "base de données, été"}
    )
    world.run_for(timedelta(minutes=2))  # worker passes move `updatedAt`
    views = world.service.list_nodes(world.account.id)
    listed = world.call("GET", BASE)
    assert listed.status_code == 200 and listed.headers["content-type"] == "application/json"
    body = listed.json()
    assert [as_sent(item) for item in body["response"]["items"]] == [as_sent(view) for view in views]
    assert body["response"]["count"] == 2 and body["response"]["kind"] == "spotinst:azure:statefulNode"
    for node_id in (plain, secret):
        (got,) = world.ok("GET", f"{BASE}/{node_id}")
        assert as_sent(got) == as_sent(world.service.get(world.account.id, node_id))
    assert WINDOWS_PASSWORD not in listed.text and "hush-hush" not in listed.text
    assert "été" in listed.text  # UTF-8, as JSONResponse sent it


def test_filtered_lists_answer_the_same_views_as_unfiltered_ones(world: ApiWorld) -> None:
    world.create()
    tagged = world.create(node_spec(tags=[{"tagKey": "team", "tagValue": "db"}]) | {"name": "second"})
    views = {view["id"]: view for view in world.service.list_nodes(world.account.id)}
    for params in ({"tagKey": "team"}, {"status": "launching", "tagValue": "db"}, {"name": "second"}):
        (item,) = world.ok("GET", BASE, params=params)
        assert as_sent(item) == as_sent(views[tagged])
    assert world.ok("GET", BASE, params={"status": "active"}) == []


def test_an_edit_shows_in_the_next_get_and_list(world: ApiWorld) -> None:
    node_id = world.launched()
    world.ok("PUT", f"{BASE}/{node_id}", json={"statefulNode": {"description": "edited"}})
    assert world.ok("GET", f"{BASE}/{node_id}")[0]["description"] == "edited"
    assert [n["description"] for n in world.ok("GET", BASE)] == ["edited"]


def test_another_accounts_node_is_not_found_by_get_nor_listed(world: ApiWorld) -> None:
    node_id = world.create()
    response = world.call("GET", f"{BASE}/{node_id}", headers=world.other_headers)
    assert response.status_code == 404
    assert world.ok("GET", BASE, headers=world.other_headers) == []


def test_a_tokens_use_is_recorded_after_the_answer_at_most_once_a_minute(world: ApiWorld) -> None:
    def last_used() -> object:
        return world.store.accounts.list_tokens(world.account.id)[0].last_used_at

    assert last_used() is None
    first = world.clock.now()
    world.ok("GET", BASE)
    assert last_used() == first
    world.clock.advance(30)
    world.ok("GET", BASE)
    assert last_used() == first
    later = world.clock.advance(timedelta(minutes=1))
    assert world.call("GET", f"{BASE}/ssn-00000000").status_code == 404  # a refused request counts too
    assert last_used() == later


def test_a_chore_that_fails_after_the_answer_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    app = FastAPI()
    app.add_middleware(RequestTagging)
    ran: list[str] = []

    def broken() -> None:
        ran.append("broken")
        raise RuntimeError("the database went away")

    @app.get("/ping")
    def ping(request: Request) -> dict[str, str]:
        defer(request, broken)
        defer(request, lambda: ran.append("next"))
        return {"pong": "yes"}

    with caplog.at_level(logging.WARNING, logger="spotkeeper.api"), TestClient(app) as client:
        response = client.get("/ping")
    assert response.status_code == 200 and response.json() == {"pong": "yes"}
    assert response.headers["X-Request-Id"]
    assert ran == ["broken", "next"]
    assert any("chore" in record.getMessage() for record in caplog.records)
