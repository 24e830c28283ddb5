"""The envelope every answer has, and who may ask what (tokens, accountId, account isolation)."""

from __future__ import annotations

import re

from tests.api.support import BASE, ApiWorld

IMPORT_CONFIGURATION = (
    f"{BASE}/resourceGroup/{{resourceGroupName}}/virtualMachine/{{virtualMachineName}}/importConfiguration"
)
WIRE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def test_success_is_http_200_with_the_spot_envelope(world: ApiWorld) -> None:
    node_id = world.create()
    response = world.call("GET", f"{BASE}/{node_id}")
    body = response.json()
    assert response.status_code == 200
    assert body["request"]["url"] == f"{BASE}/{node_id}"
    assert body["request"]["method"] == "GET"
    assert body["request"]["timestamp"] == "2026-01-05T00:00:00.000Z"
    assert response.headers["X-Request-Id"] == body["request"]["id"]
    assert body["response"]["status"] == {"code": 200, "message": "OK"}
    assert body["response"]["kind"] == "spotinst:azure:statefulNode"
    assert body["response"]["count"] == 1 == len(body["response"]["items"])


def test_node_timestamps_are_rfc3339_with_milliseconds_and_z(world: ApiWorld) -> None:
    node = world.ok("GET", f"{BASE}/{world.create()}")[0]
    assert WIRE_TIME.match(node["createdAt"]) and WIRE_TIME.match(node["updatedAt"])


def test_an_unknown_node_is_404_group_doesnt_exist(world: ApiWorld) -> None:
    response = world.call("GET", f"{BASE}/ssn-00000000")
    assert response.status_code == 404
    errors = response.json()["response"]["errors"]
    assert errors[0]["code"] == "GROUP_DOESNT_EXIST"
    assert "ssn-00000000" in errors[0]["message"]
    assert response.json()["request"]["method"] == "GET"


def test_a_request_without_a_token_is_401(world: ApiWorld) -> None:
    response = world.call("GET", BASE, headers={})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json()["response"]["errors"][0]["code"] == "UNAUTHORIZED"


def test_an_unknown_or_revoked_token_is_401(world: ApiWorld) -> None:
    assert world.call("GET", BASE, headers={"Authorization": "Bearer skt_nope"}).status_code == 401
    world.store.accounts.revoke_token(world.token)
    assert world.call("GET", BASE).status_code == 401


def test_account_id_of_the_tokens_own_account_is_accepted(world: ApiWorld) -> None:
    assert world.call("GET", BASE, params={"accountId": world.account.id}).status_code == 200


def test_account_id_of_another_account_is_403_naming_the_field(world: ApiWorld) -> None:
    response = world.call("GET", BASE, params={"accountId": world.other_account.id})
    assert response.status_code == 403
    error = response.json()["response"]["errors"][0]
    assert (error["code"], error["field"]) == ("FORBIDDEN", "accountId")


def test_another_accounts_node_does_not_exist_for_the_caller(world: ApiWorld) -> None:
    node_id = world.create()
    for method, path in (
        ("GET", f"{BASE}/{node_id}"),
        ("GET", f"{BASE}/{node_id}/status"),
        ("PUT", f"{BASE}/{node_id}/state"),
        ("DELETE", f"{BASE}/{node_id}"),
    ):
        body = {"state": "pause"} if path.endswith("state") else None
        response = world.call(method, path, json=body, headers=world.other_headers)
        assert response.status_code == 404, (method, path)
        assert response.json()["response"]["errors"][0]["code"] == "GROUP_DOESNT_EXIST"
    assert world.ok("GET", BASE, headers=world.other_headers) == []
    assert world.ok("GET", f"{BASE}/status", headers=world.other_headers) == []


def test_unknown_routes_and_methods_answer_in_the_envelope(world: ApiWorld) -> None:
    missing = world.call("GET", "/azure/compute/nothing")
    assert missing.status_code == 404
    assert missing.json()["response"]["errors"][0]["code"] == "NOT_FOUND"
    wrong = world.call("PATCH", BASE)
    assert wrong.status_code == 405
    assert wrong.json()["response"]["errors"][0]["code"] == "METHOD_NOT_ALLOWED"


def test_a_body_that_is_not_json_is_400_invalid_json(world: ApiWorld) -> None:
    response = world.client.post(
        BASE, content=b"{nope", headers={**world.headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["response"]["errors"][0]["code"] == "INVALID_JSON"


def test_healthz_answers_without_a_token(world: ApiWorld) -> None:
    response = world.call("GET", "/healthz", headers={})
    assert response.status_code == 200
    assert response.json()["response"]["items"] == [{"status": "ok"}]


def test_openapi_documents_every_route_and_the_body_schemas(world: ApiWorld) -> None:
    schema = world.call("GET", "/openapi.json", headers={}).json()
    paths = schema["paths"]
    expected = {
        BASE: {"post", "get"},
        f"{BASE}/{{nodeId}}": {"get", "put", "delete"},
        f"{BASE}/{{nodeId}}/state": {"put"},
        f"{BASE}/{{nodeId}}/status": {"get"},
        f"{BASE}/status": {"get"},
        f"{BASE}/{{nodeId}}/resources": {"get"},
        IMPORT_CONFIGURATION: {"get"},
        f"{BASE}/import": {"post"},
        f"{BASE}/import/{{importId}}/status": {"get"},
        f"{BASE}/{{nodeId}}/dataDisk/attach": {"put"},
        f"{BASE}/{{nodeId}}/dataDisk/detach": {"put"},
        f"{BASE}/{{nodeId}}/osDisk/swap": {"put"},
        f"{BASE}/{{nodeId}}/log": {"get"},
        f"{BASE}/cost": {"get"},
        f"{BASE}/cost/daily": {"get"},
        f"{BASE}/sizeUsage/daily": {"get"},
        f"{BASE}/{{nodeId}}/simulateEviction": {"post"},
        "/spotkeeper/catalog/sizes": {"get"},
        "/spotkeeper/catalog/images": {"get"},
        "/spotkeeper/validate": {"post"},
        "/spotkeeper/export/terraform": {"post"},
        "/spotkeeper/inventory": {"get"},
        "/healthz": {"get"},
    }
    for path, methods in expected.items():
        assert methods <= set(paths[path]), path
    create_body = paths[BASE]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert create_body == {"$ref": "#/components/schemas/StatefulNodeBody"}
    components = schema["components"]["schemas"]
    assert "sizeGB" in components["DataDisk"]["properties"]
    assert "fallbackToOd" in components["Strategy"]["properties"]
    assert world.call("GET", "/docs", headers={}).status_code == 200
