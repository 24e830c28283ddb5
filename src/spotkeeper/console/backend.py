"""Everything the console asks of the rest of spotkeeper, in one narrow interface.

The console owns no rule: whether a node is valid, what an edit may change, which sizes can run
an image, what a node costs — all of it is the service's answer. Pages talk only to a
`ConsoleBackend`; `console.service_backend.ServiceBackend` implements it over the use cases, so
the page code reads as the product ("create this node", "pause it") and a change of the
service's shapes is absorbed in that one adapter.

Every method that can be refused raises `Refused` with a message a person can act on and, for
bad input, the problems with the wire path of each field at fault (the wizard shows them beside
the inputs).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, Protocol

from spotkeeper.console.views import (
    AuthoringReport,
    CostSummary,
    FieldProblem,
    ImageChoice,
    LogLine,
    NodeDetail,
    NodeResources,
    NodeRow,
    PickLists,
    RegionChoice,
    SizeTable,
    Viewer,
)

StateAction = Literal["pause", "resume", "recycle"]


class Refused(Exception):
    """The service said no. `problems` carry field paths when the input was at fault."""

    def __init__(self, message: str, *, problems: Sequence[FieldProblem] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.problems = list(problems)


class SignInRefused(Refused):
    """The token is unknown, revoked or malformed."""


class ConsoleBackend(Protocol):
    # --- who is looking ------------------------------------------------------------------------
    def sign_in(self, token: str) -> Viewer:
        """The account behind `token`; raises `SignInRefused`."""
        ...

    # --- nodes -----------------------------------------------------------------------------------
    def list_nodes(self, viewer: Viewer) -> list[NodeRow]: ...

    def node(self, viewer: Viewer, node_id: str) -> NodeDetail: ...

    def resources(self, viewer: Viewer, node_id: str) -> NodeResources: ...

    def log(self, viewer: Viewer, node_id: str, *, limit: int = 200) -> list[LogLine]:
        """The node's event log, newest first."""
        ...

    def costs(self, viewer: Viewer, node_id: str) -> CostSummary:
        """Cumulative spend since creation with the on-demand counterfactual."""
        ...

    def create_node(self, viewer: Viewer, node: Mapping[str, Any]) -> str:
        """Create; returns the new node id."""
        ...

    def update_node(self, viewer: Viewer, node_id: str, patch: Mapping[str, Any]) -> None:
        """Apply a partial update (absent = unchanged, None = clear, lists replace)."""
        ...

    def change_state(self, viewer: Viewer, node_id: str, action: StateAction) -> None: ...

    def delete_node(self, viewer: Viewer, node_id: str, deallocation: Mapping[str, Any]) -> None:
        """Delete with a `deallocationConfig` body (spot-api.md §4.1)."""
        ...

    def simulate_eviction(self, viewer: Viewer, node_id: str) -> None:
        """Have the (simulated) cloud evict the node's VM now, with the usual notice."""
        ...

    def attach_data_disk(self, viewer: Viewer, node_id: str, body: Mapping[str, Any]) -> None: ...

    def detach_data_disk(self, viewer: Viewer, node_id: str, body: Mapping[str, Any]) -> None: ...

    def import_vm(self, viewer: Viewer, body: Mapping[str, Any]) -> str:
        """Import an existing VM (`statefulNodeImport` body); returns the new node id."""
        ...

    # --- writing a node --------------------------------------------------------------------------
    def validate(
        self, viewer: Viewer, node: Mapping[str, Any], *, node_id: str | None = None
    ) -> AuthoringReport:
        """Every problem of `node` as a create, or as an edit of `node_id` (full node given)."""
        ...

    def locked_fields(self, viewer: Viewer, node_id: str) -> dict[str, str]:
        """Wire path -> why it cannot be edited now ("" = the whole node)."""
        ...

    def to_terraform(self, node: Mapping[str, Any]) -> str: ...

    def from_terraform(self, text: str) -> dict[str, Any]:
        """The node a `spotinst_stateful_node_azure` resource describes; raises `Refused`."""
        ...

    def describe_cron(self, expression: str) -> str:
        """The expression in words; raises `Refused` naming what is wrong with it."""
        ...

    def describe_window(self, window: str) -> str:
        """A `ddd:hh:mm-ddd:hh:mm` window in words; raises `Refused`."""
        ...

    # --- choices read from the cloud and the catalog ---------------------------------------------
    def regions(self) -> list[RegionChoice]: ...

    def pick_lists(self, viewer: Viewer, region: str) -> PickLists: ...

    def marketplace_images(self, region: str) -> list[ImageChoice]: ...

    def size_table(
        self,
        *,
        region: str,
        os: str,
        image: ImageChoice | None,
        security_type: str,
        attributes: Mapping[str, int | None] | None = None,
        excluded: Sequence[str] = (),
        lifecycle: Literal["spot", "od"] = "spot",
    ) -> SizeTable:
        """Sizes that can run the described node on `lifecycle`, and the others with reasons."""
        ...


__all__ = ["ConsoleBackend", "Refused", "SignInRefused", "StateAction"]
