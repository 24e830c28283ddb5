"""What a route handler of the ARM facade receives and returns.

A handler is a plain function `Call -> Reply`: the HTTP details it needs (path parameters,
query, JSON body, the base URL the client used) arrive parsed in a `Call`, together with the
simulated Azure and the book of long-running operations; it answers with a `Reply` (status,
JSON body, headers). Handlers never see Starlette, so they read like the ARM operation they
emulate and can be called directly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from spotkeeper.sim.arm.wire import Json

if TYPE_CHECKING:
    from spotkeeper.sim.arm.operations import OperationBook
    from spotkeeper.sim.azure import SimAzure


@dataclass
class Call:
    sim: SimAzure
    operations: OperationBook
    method: str
    path: str
    params: Mapping[str, str]  # named path segments: "group", "name", "action", ...
    query: Mapping[str, str]  # keys lower-cased ("api-version", "$expand", "$filter")
    body: Any  # parsed JSON, None when the request had no body
    base_url: str  # scheme://host[:port] as the client addressed us (for polling URLs)

    @property
    def api_version(self) -> str:
        return self.query.get("api-version", "")

    @property
    def subscription(self) -> str:
        return self.sim.subscription_id

    def param(self, name: str) -> str:
        return self.params[name]

    def json_body(self) -> Json:
        """The body as a JSON object; a missing or non-object body is a 400."""
        from spotkeeper.sim.arm.exceptions import bad_json

        if not isinstance(self.body, dict):
            raise bad_json("the body must be a JSON object")
        return self.body


@dataclass
class Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
