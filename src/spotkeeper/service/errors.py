"""The typed failures of the use cases, so every door (API, CLI, console) maps them its own way.

The service never speaks HTTP: it raises one of these, and the API turns each into a status code
and Spot's error envelope (`api.errors`), the CLI into an exit code and a message. Bad input of
any kind (a node, a body, a query value) is a `spec.problems.SpecError` carrying `Problem`s with
the wire path at fault, so it is not repeated here.
"""

from __future__ import annotations


class ServiceError(Exception):
    """Base of the use cases' own errors. `code` is stable; `field` names the input at fault."""

    code = "SERVICE_ERROR"

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NodeNotFound(ServiceError):
    """No such node for this account (also: another account's node, or a deleted one).

    The code is the one Terraform's provider recognises as "gone" (spot-api.md §1)."""

    code = "GROUP_DOESNT_EXIST"

    def __init__(self, node_id: str) -> None:
        super().__init__(f"stateful node {node_id} does not exist", field="nodeId")
        self.node_id = node_id


class ImportNotFound(ServiceError):
    code = "IMPORT_DOESNT_EXIST"

    def __init__(self, import_id: str) -> None:
        super().__init__(f"import {import_id} does not exist", field="importId")
        self.import_id = import_id


class StateConflict(ServiceError):
    """The request is well formed but the node's current state does not allow it now."""

    code = "NODE_STATE_CONFLICT"


class Forbidden(ServiceError):
    """The caller is authenticated but may not act on what it asked for."""

    code = "FORBIDDEN"


class Unauthorized(ServiceError):
    """No credentials, or credentials that match no live token."""

    code = "UNAUTHORIZED"


class CloudResourceNotFound(ServiceError):
    """A cloud resource the request names (a VM to import, a disk to swap in) does not exist."""

    code = "RESOURCE_NOT_FOUND"


class CloudRefused(ServiceError):
    """The cloud refused the request for a reason retrying will not fix as is."""

    code = "CLOUD_REFUSED"


class CloudUnavailable(ServiceError):
    """The cloud is throttling or failing transiently; `retry_after` seconds is a hint."""

    code = "CLOUD_UNAVAILABLE"

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


__all__ = [
    "CloudRefused",
    "CloudResourceNotFound",
    "CloudUnavailable",
    "Forbidden",
    "ImportNotFound",
    "NodeNotFound",
    "ServiceError",
    "StateConflict",
    "Unauthorized",
]
