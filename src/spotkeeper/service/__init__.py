"""The use cases shared by the API, the CLI and the console: `NodeService`.

Every door calls these methods and nothing else, so no rule about nodes lives in a route, a
command or a page. The methods take the caller's account id first (a node of another account
does not exist for them) and raw wire bodies where the API receives JSON; they return JSON-ready
dicts in the wire vocabulary, and fail with the typed errors of `service.errors` or with
`spec.problems.SpecError` (every problem of the input, each naming its wire path). They never
speak HTTP.

The work is split by subject: `nodes` (create, read, edit, state changes, delete, status, log,
eviction drill), `actions` (data disks and the OS disk, performed under the node's lease),
`imports`, `costs`, `resources`, `extras` (catalog, inventory, validate-only, Terraform export).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, Literal

from spotkeeper.catalog import Catalog
from spotkeeper.clock import Clock
from spotkeeper.cloud.port import CloudProvider
from spotkeeper.service import actions, costs, extras, imports, nodes, resources
from spotkeeper.service.context import ServiceContext
from spotkeeper.service.errors import (
    CloudRefused,
    CloudResourceNotFound,
    CloudUnavailable,
    Forbidden,
    ImportNotFound,
    NodeNotFound,
    ServiceError,
    StateConflict,
    Unauthorized,
)
from spotkeeper.service.views import RenderedItems, node_view
from spotkeeper.store import Account, Store

__all__ = [
    "CloudRefused",
    "CloudResourceNotFound",
    "CloudUnavailable",
    "Forbidden",
    "ImportNotFound",
    "NodeNotFound",
    "NodeService",
    "RenderedItems",
    "ServiceError",
    "StateConflict",
    "Unauthorized",
]


class NodeService:
    """The stateful-node use cases over one store, one cloud and one clock."""

    def __init__(
        self,
        store: Store,
        cloud: CloudProvider,
        clock: Clock,
        *,
        catalog: Catalog | None = None,
        disk_wait_seconds: float = 60.0,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        extra: dict[str, Any] = {} if sleep is None else {"sleep": sleep}
        self.ctx = ServiceContext.build(
            store, cloud, clock, catalog=catalog, disk_wait_seconds=disk_wait_seconds, **extra
        )

    @property
    def store(self) -> Store:
        return self.ctx.store

    @property
    def clock(self) -> Clock:
        return self.ctx.clock

    # --- who is asking ------------------------------------------------------------------------

    def authenticate(
        self,
        token: str,
        *,
        account_id: str | None = None,
        later: Callable[[Callable[[], object]], object] | None = None,
    ) -> Account:
        """The account a bearer token acts for. `account_id`, when given, must be that account:
        a token never reaches into another account (`Forbidden`).

        Authenticating only reads. The token's use is recorded at most once a minute, by a
        write of its own; `later`, when given, is handed that write to run once the answer has
        been sent (the API's deferred chores), so no request waits on the database's write lock.
        """
        holder = self.store.accounts.token_holder(token) if token else None
        if holder is None:
            raise Unauthorized("missing or invalid API token (send 'Authorization: Bearer <token>')")
        now = self.clock.now()
        if holder.use_is_stale(now):
            record = functools.partial(self.store.accounts.record_use, holder.token_id, now=now)
            if later is None:
                record()
            else:
                later(record)
        account = holder.account
        if account_id is not None and account_id != account.id:
            raise Forbidden(f"this token acts for account {account.id}, not {account_id}", field="accountId")
        return account

    # --- nodes --------------------------------------------------------------------------------

    def create(self, account_id: str, node: Mapping[str, Any]) -> dict[str, Any]:
        return nodes.create_node(self.ctx, account_id, node)

    def create_from_body(self, account_id: str, body: object) -> dict[str, Any]:
        """`POST /statefulNode` with `{"statefulNode": {...}}`."""
        return nodes.create_node(self.ctx, account_id, nodes.unwrap(body, "statefulNode"))

    def get(self, account_id: str, node_id: str) -> dict[str, Any]:
        return nodes.get_node(self.ctx, account_id, node_id)

    def list_nodes(
        self,
        account_id: str,
        *,
        name: str | None = None,
        region: str | None = None,
        tag_key: str | None = None,
        tag_value: str | None = None,
        status: str | None = None,
    ) -> list[dict[str, Any]]:
        records = nodes.list_records(
            self.ctx,
            account_id,
            name=name,
            region=region,
            tag_key=tag_key,
            tag_value=tag_value,
            status=status,
        )
        return [node_view(r) for r in records]

    def get_rendered(self, account_id: str, node_id: str) -> RenderedItems:
        """`get` as JSON text for the API, spliced from the store's text without decoding."""
        return nodes.get_rendered(self.ctx, account_id, node_id)

    def list_rendered(
        self,
        account_id: str,
        *,
        name: str | None = None,
        region: str | None = None,
        tag_key: str | None = None,
        tag_value: str | None = None,
        status: str | None = None,
    ) -> RenderedItems:
        """`list_nodes` as JSON texts for the API: the same nodes, same order, same values."""
        return nodes.list_rendered(
            self.ctx,
            account_id,
            name=name,
            region=region,
            tag_key=tag_key,
            tag_value=tag_value,
            status=status,
        )

    def update(self, account_id: str, node_id: str, patch: Mapping[str, Any]) -> dict[str, Any]:
        return nodes.update_node(self.ctx, account_id, node_id, patch)

    def update_from_body(self, account_id: str, node_id: str, body: object) -> dict[str, Any]:
        """`PUT /statefulNode/{id}` with `{"statefulNode": {...partial...}}`."""
        return nodes.update_node(self.ctx, account_id, node_id, nodes.unwrap(body, "statefulNode"))

    def change_state(self, account_id: str, node_id: str, body: object) -> dict[str, Any]:
        """`{"state": "pause" | "resume" | "recycle"}`."""
        return nodes.change_state(self.ctx, account_id, node_id, body)

    def delete(self, account_id: str, node_id: str, body: object | None = None) -> dict[str, Any]:
        """`{"deallocationConfig": {...}}`, or None for the defaults."""
        return nodes.delete_node(self.ctx, account_id, node_id, body)

    def status(self, account_id: str, node_id: str) -> dict[str, Any]:
        return nodes.node_status(self.ctx, account_id, node_id)

    def statuses(self, account_id: str) -> list[dict[str, Any]]:
        return nodes.all_statuses(self.ctx, account_id)

    def resources(self, account_id: str, node_id: str) -> dict[str, Any]:
        return resources.node_resources(self.ctx, account_id, node_id)

    def log(
        self,
        account_id: str,
        node_id: str,
        *,
        from_date: str,
        to_date: str,
        severity: str | None = None,
        resource_id: str | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        return nodes.node_log(
            self.ctx,
            account_id,
            node_id,
            from_date=from_date,
            to_date=to_date,
            severity=severity,
            resource_id=resource_id,
            limit=limit,
        )

    def simulate_eviction(self, account_id: str, node_id: str) -> dict[str, Any]:
        return nodes.simulate_eviction(self.ctx, account_id, node_id)

    # --- disks --------------------------------------------------------------------------------

    def attach_data_disk(self, account_id: str, node_id: str, body: object) -> dict[str, Any]:
        return actions.attach_data_disk(self.ctx, account_id, node_id, body)

    def detach_data_disk(self, account_id: str, node_id: str, body: object) -> dict[str, Any]:
        return actions.detach_data_disk(self.ctx, account_id, node_id, body)

    def swap_os_disk(self, account_id: str, node_id: str, body: object) -> dict[str, Any]:
        return actions.swap_os_disk(self.ctx, account_id, node_id, body)

    # --- imports ------------------------------------------------------------------------------

    def import_configuration(self, account_id: str, resource_group: str, vm_name: str) -> dict[str, Any]:
        del account_id  # every account sees the one subscription the cloud provider is bound to
        return imports.import_configuration(self.ctx, resource_group, vm_name)

    def import_vm(self, account_id: str, body: object) -> dict[str, Any]:
        """`{"statefulNodeImport": {...}}`."""
        return imports.import_vm(self.ctx, account_id, body)

    def import_status(self, account_id: str, import_id: str) -> dict[str, Any]:
        return imports.import_status(self.ctx, account_id, import_id)

    # --- costs --------------------------------------------------------------------------------

    def costs(
        self, account_id: str, *, from_date: str, to_date: str, owner_id: str | None = None
    ) -> list[dict[str, Any]]:
        return costs.total_costs(
            self.ctx, account_id, from_date=from_date, to_date=to_date, owner_id=owner_id
        )

    def daily_costs(
        self, account_id: str, *, from_date: str, to_date: str, owner_id: str | None = None
    ) -> list[dict[str, Any]]:
        return costs.daily_costs(
            self.ctx, account_id, from_date=from_date, to_date=to_date, owner_id=owner_id
        )

    def daily_size_usage(
        self, account_id: str, *, from_date: str, to_date: str, owner_id: str | None = None
    ) -> list[dict[str, Any]]:
        return costs.daily_size_usage(
            self.ctx, account_id, from_date=from_date, to_date=to_date, owner_id=owner_id
        )

    # --- beside Spot's API --------------------------------------------------------------------

    def catalog_sizes(
        self,
        *,
        region: str,
        os: str = "Linux",
        image: str | None = None,
        security_type: str = "Standard",
        lifecycle: Literal["spot", "od"] = "spot",
        attributes: Mapping[str, int | None] | None = None,
    ) -> list[dict[str, Any]]:
        return extras.catalog_sizes(
            self.ctx,
            region=region,
            os=os,
            image=image,
            security_type=security_type,
            lifecycle=lifecycle,
            attributes=attributes,
        )

    def catalog_images(self, *, region: str) -> list[dict[str, Any]]:
        return extras.catalog_images(self.ctx, region=region)

    def inventory(self, *, region: str) -> dict[str, Any]:
        return extras.inventory(self.ctx, region=region)

    def validate(self, body: object) -> dict[str, Any]:
        """`{"statefulNode": {...}}` -> `{valid, errors, warnings}` (never raises for a bad node)."""
        return extras.validate_only(self.ctx, body)

    def export_terraform(
        self, account_id: str, body: object, *, resource_name: str | None = None
    ) -> dict[str, Any]:
        return extras.export_terraform(self.ctx, account_id, body, resource_name=resource_name)
