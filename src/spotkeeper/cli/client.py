"""A small typed client for the Spot-compatible API, as the CLI's node commands speak it.

It speaks exactly the wire format the public Spot clients use (spot-api.md §1, §2): bearer
token, `accountId` query parameter when an account is configured, `{"statefulNode": ...}`
bodies, and the `{"request", "response": {"status", "items", "errors"}}` envelope. Talking to
our own server through the same door Terraform and the Python SDK use keeps the CLI honest:
whatever the CLI can do, a Spot client can do.

Failures become one exception, `ApiError`, carrying the envelope's `errors[]` (each with the
field at fault) and the exit code the CLI should end with: 1 when the request itself is at
fault (invalid input, unknown node, a state that does not allow it, bad credentials), 3 when
the server or the cloud behind it failed or could not be reached.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import httpx

from spotkeeper.settings import ClientSettings

NODES = "/azure/compute/statefulNode"
EXIT_INVALID = 1
EXIT_SERVER = 3
DEFAULT_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class ApiProblem:
    code: str
    message: str
    field: str = ""

    def __str__(self) -> str:
        where = f"{self.field}: " if self.field else ""
        return f"{where}{self.message} [{self.code}]"


@dataclass
class ApiError(Exception):
    """The server refused the request (`status` is its HTTP status; 0 = no answer at all)."""

    status: int
    problems: list[ApiProblem] = field(default_factory=list)
    request_id: str | None = None

    def __post_init__(self) -> None:
        super().__init__(self.summary)

    @property
    def summary(self) -> str:
        return "; ".join(str(p) for p in self.problems) or f"HTTP {self.status}"

    @property
    def exit_code(self) -> int:
        return EXIT_SERVER if self.status == 0 or self.status >= 500 else EXIT_INVALID


def error_from_response(response: httpx.Response) -> ApiError:
    """Read Spot's error envelope; anything else still yields a readable error."""
    try:
        body = response.json()
    except ValueError:
        body = None
    problems: list[ApiProblem] = []
    request_id = None
    if isinstance(body, Mapping):
        request = body.get("request")
        if isinstance(request, Mapping) and isinstance(request.get("id"), str):
            request_id = request["id"]
        envelope = body.get("response")
        for item in (envelope.get("errors") or []) if isinstance(envelope, Mapping) else []:
            if isinstance(item, Mapping):
                problems.append(
                    ApiProblem(
                        code=str(item.get("code") or response.status_code),
                        message=str(item.get("message") or ""),
                        field=str(item.get("field") or ""),
                    )
                )
    if not problems:
        text = response.text.strip()[:200] or response.reason_phrase
        problems.append(ApiProblem(code=str(response.status_code), message=text))
    return ApiError(response.status_code, problems, request_id)


class SpotClient:
    """The stateful-node routes. Pass `http` to reuse a client (tests hand in an in-process one)."""

    def __init__(
        self,
        settings: ClientSettings,
        *,
        http: httpx.Client | None = None,
        timeout: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        self.settings = settings
        headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": "spotkeeper-cli",
        }
        if settings.token:
            headers["Authorization"] = f"Bearer {settings.token}"
        self._owned = http is None
        self._http = http or httpx.Client(base_url=settings.url, timeout=timeout)
        self._headers = headers

    # --- transport -------------------------------------------------------------------------------

    def _send(
        self, method: str, path: str, *, params: Mapping[str, object] | None = None, body: object = None
    ) -> list[dict[str, Any]]:
        query = {k: str(v) for k, v in (params or {}).items() if v is not None}
        if self.settings.account:
            query["accountId"] = self.settings.account
        try:
            response = self._http.request(method, path, params=query, json=body, headers=self._headers)
        except httpx.TransportError as error:
            raise ApiError(
                0,
                [
                    ApiProblem(
                        "UNREACHABLE",
                        f"cannot reach {self.settings.url}: {error} "
                        "(is `spotkeeper up` running? set SPOTKEEPER_URL)",
                    )
                ],
            ) from error
        if response.status_code != 200:
            raise error_from_response(response)
        try:
            envelope = response.json()["response"]
        except (ValueError, KeyError, TypeError) as error:
            raise ApiError(
                502, [ApiProblem("BAD_ENVELOPE", f"{method} {path}: the answer is not Spot's envelope")]
            ) from error
        items = envelope.get("items") if isinstance(envelope, Mapping) else None
        return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []

    def _one(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        items = self._send(method, path, **kwargs)
        if not items:
            raise ApiError(502, [ApiProblem("EMPTY_RESPONSE", f"{method} {path} returned no item")])
        return items[0]

    # --- nodes -----------------------------------------------------------------------------------

    def create_node(self, node: Mapping[str, Any]) -> dict[str, Any]:
        return self._one("POST", NODES, body={"statefulNode": dict(node)})

    def list_nodes(
        self,
        *,
        name: str | None = None,
        region: str | None = None,
        tag_key: str | None = None,
        tag_value: str | None = None,
        status: str | None = None,
    ) -> list[dict[str, Any]]:
        return self._send(
            "GET",
            NODES,
            params={
                "name": name,
                "region": region,
                "tagKey": tag_key,
                "tagValue": tag_value,
                "status": status,
            },
        )

    def get_node(self, node_id: str) -> dict[str, Any]:
        return self._one("GET", f"{NODES}/{node_id}")

    def update_node(self, node_id: str, patch: Mapping[str, Any]) -> dict[str, Any]:
        return self._one("PUT", f"{NODES}/{node_id}", body={"statefulNode": dict(patch)})

    def delete_node(self, node_id: str, deallocation: Mapping[str, Any]) -> None:
        self._send("DELETE", f"{NODES}/{node_id}", body={"deallocationConfig": dict(deallocation)})

    def change_state(self, node_id: str, state: str) -> None:
        self._send("PUT", f"{NODES}/{node_id}/state", body={"state": state})

    def simulate_eviction(self, node_id: str) -> None:
        self._send("POST", f"{NODES}/{node_id}/simulateEviction")

    def status(self, node_id: str) -> dict[str, Any]:
        return self._one("GET", f"{NODES}/{node_id}/status")

    def all_statuses(self) -> list[dict[str, Any]]:
        return self._send("GET", f"{NODES}/status")

    def resources(self, node_id: str) -> dict[str, Any]:
        return self._one("GET", f"{NODES}/{node_id}/resources")

    def logs(
        self,
        node_id: str,
        *,
        from_date: str,
        to_date: str,
        severity: str | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        return self._send(
            "GET",
            f"{NODES}/{node_id}/log",
            params={"fromDate": from_date, "toDate": to_date, "severity": severity, "limit": limit},
        )

    def costs(self, *, from_date: str, to_date: str, owner_id: str | None = None) -> list[dict[str, Any]]:
        return self._send(
            "GET", f"{NODES}/cost", params={"fromDate": from_date, "toDate": to_date, "ownerId": owner_id}
        )

    # --- import ----------------------------------------------------------------------------------

    def import_configuration(self, resource_group: str, vm_name: str) -> dict[str, Any]:
        return self._one(
            "GET", f"{NODES}/resourceGroup/{resource_group}/virtualMachine/{vm_name}/importConfiguration"
        )

    def import_vm(self, config: Mapping[str, Any]) -> dict[str, Any]:
        return self._one("POST", f"{NODES}/import", body={"statefulNodeImport": dict(config)})

    def import_status(self, import_id: str) -> dict[str, Any]:
        return self._one("GET", f"{NODES}/import/{import_id}/status")

    # --- lifetime --------------------------------------------------------------------------------

    def close(self) -> None:
        if self._owned:
            self._http.close()

    def __enter__(self) -> SpotClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()
