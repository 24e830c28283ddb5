"""`ConsoleBackend` over the service's use cases (`spotkeeper.service.NodeService`).

With `service_choices` (the pick-lists, images and size table), this is the only part of the
console that imports the rest of spotkeeper. It calls the use cases, turns their wire-shaped
answers into the console's views, and turns their failures
(`SpecError` with problems, the service's typed errors) into `Refused`. A few answers the
service does not offer as use cases yet are read from the layer that owns them, each marked
`# not a use case yet`; the report to the lead lists them so they can move into the service.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, TypeVar

from spotkeeper.console import service_choices as choices
from spotkeeper.console.backend import Refused, SignInRefused, StateAction
from spotkeeper.console.views import (
    AuthoringReport,
    CostPoint,
    CostSummary,
    DiskView,
    FieldProblem,
    ImageChoice,
    LogLine,
    NicView,
    NodeDetail,
    NodeResources,
    NodeRow,
    PickLists,
    RegionChoice,
    SizeTable,
    Viewer,
)
from spotkeeper.engine.schedule import describe_cron
from spotkeeper.service import NodeService, ServiceError, Unauthorized
from spotkeeper.spec.edits import locked_fields
from spotkeeper.spec.models import parse_node
from spotkeeper.spec.problems import Problem, SpecError
from spotkeeper.spec.terraform import hcl_to_node
from spotkeeper.spec.windows import DAYS, parse_window

T = TypeVar("T")
COST_POINTS = 24  # points on a node's cost-over-time chart
_DAY_NAMES = {
    "Sun": "Sunday",
    "Mon": "Monday",
    "Tue": "Tuesday",
    "Wed": "Wednesday",
    "Thu": "Thursday",
    "Fri": "Friday",
    "Sat": "Saturday",
}

def field_problem(problem: Problem) -> FieldProblem:
    severity: Literal["error", "warning"] = "warning" if problem.severity == "warning" else "error"
    return FieldProblem(code=problem.code, field=problem.field, message=problem.message, severity=severity)


@contextmanager
def refusals() -> Iterator[None]:
    """The service's failures as `Refused`, with problems for bad input."""
    try:
        yield
    except SpecError as failure:
        problems = [field_problem(p) for p in failure.problems]
        first = problems[0].message if problems else "the input is not valid"
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise Refused(f"{first}{more}", problems=problems) from failure
    except ServiceError as failure:
        problems = [FieldProblem(failure.code, failure.field, failure.message)] if failure.field else []
        raise Refused(failure.message, problems=problems) from failure


def _call(action: Callable[[], T]) -> T:
    with refusals():
        return action()


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


class ServiceBackend:
    """The console's backend bound to one `NodeService`."""

    def __init__(self, service: NodeService) -> None:
        self.service = service

    # --- who is looking ------------------------------------------------------------------------
    def sign_in(self, token: str) -> Viewer:
        try:
            account = self.service.authenticate(token)
        except Unauthorized as refusal:
            raise SignInRefused("This access token is not valid (unknown or revoked).") from refusal
        except ServiceError as refusal:
            raise SignInRefused(refusal.message) from refusal
        return Viewer(account_id=account.id, account_name=account.name, token=token)

    # --- nodes -----------------------------------------------------------------------------------
    def list_nodes(self, viewer: Viewer) -> list[NodeRow]:
        nodes = _call(lambda: self.service.list_nodes(viewer.account_id))
        statuses = {s["id"]: s for s in _call(lambda: self.service.statuses(viewer.account_id))}
        rows = []
        for node in nodes:
            status = statuses.get(node["id"], {})
            tags = (node.get("compute") or {}).get("launchSpecification", {}).get("tags") or []
            rows.append(
                NodeRow(
                    id=node["id"],
                    name=node.get("name") or "",
                    region=node.get("region") or "",
                    status=status.get("status") or "unknown",
                    vm_size=status.get("vmSize"),
                    lifecycle=status.get("lifeCycle"),
                    zone=status.get("zone"),
                    private_ip=status.get("privateIp"),
                    public_ip=status.get("publicIp"),
                    health=status.get("vmHealthStatus") or "UNKNOWN",
                    savings_usd=self._totals(viewer, node["id"], _time(node.get("createdAt")))[2],
                    tags={
                        str(t.get("tagKey")): str(t.get("tagValue", "")) for t in tags if isinstance(t, dict)
                    },
                )
            )
        return rows

    def node(self, viewer: Viewer, node_id: str) -> NodeDetail:
        spec = _call(lambda: self.service.get(viewer.account_id, node_id))
        status = _call(lambda: self.service.status(viewer.account_id, node_id))
        return NodeDetail(
            id=node_id,
            name=spec.get("name") or "",
            region=spec.get("region") or "",
            resource_group=spec.get("resourceGroupName") or "",
            status=status.get("status") or "unknown",
            health=status.get("vmHealthStatus") or "UNKNOWN",
            vm_name=status.get("vmName"),
            vm_size=status.get("vmSize"),
            lifecycle=status.get("lifeCycle"),
            zone=status.get("zone"),
            private_ip=status.get("privateIp"),
            public_ip=status.get("publicIp"),
            error_reason=status.get("errorReason"),
            created_at=_time(spec.get("createdAt")),
            spec=spec,
        )

    def resources(self, viewer: Viewer, node_id: str) -> NodeResources:
        found = _call(lambda: self.service.resources(viewer.account_id, node_id))
        spec = _call(lambda: self.service.get(viewer.account_id, node_id))
        persistence = spec.get("persistence") or {}
        zone = _call(lambda: self.service.status(viewer.account_id, node_id)).get("zone")
        disks: list[DiskView] = []
        storage = found.get("storage") or {}
        os_disk = storage.get("osDisk")
        if os_disk:
            disks.append(
                _disk(
                    os_disk,
                    "os",
                    bool(persistence.get("shouldPersistOsDisk")),
                    persistence.get("osDiskPersistenceMode"),
                    zone,
                )
            )
        for disk in storage.get("dataDisks") or []:
            disks.append(
                _disk(
                    disk,
                    "data",
                    bool(persistence.get("shouldPersistDataDisks")),
                    persistence.get("dataDisksPersistenceMode"),
                    zone,
                )
            )
        nics: list[NicView] = []
        for nic in (found.get("network") or {}).get("networkInterfaces") or []:
            config: dict[str, Any] = next(iter(nic.get("ipConfigurations") or []), {}) or {}
            public = config.get("publicIp") or {}
            nsg = nic.get("networkSecurityGroup") or {}
            nics.append(
                NicView(
                    name=nic.get("name") or "",
                    resource_group=nic.get("resourceGroupName") or "",
                    is_primary=bool(nic.get("isPrimary")),
                    subnet=(config.get("subnet") or {}).get("name"),
                    private_ip=config.get("privateIpAddress"),
                    public_ip=public.get("ipAddress"),
                    public_ip_name=public.get("name"),
                    security_group=nsg.get("name"),
                    persisted=bool(persistence.get("shouldPersistNetwork")),
                )
            )
        vnet = (found.get("network") or {}).get("virtualNetwork") or {}
        return NodeResources(disks=disks, nics=nics, virtual_network=vnet.get("name"))

    def log(self, viewer: Viewer, node_id: str, *, limit: int = 200) -> list[LogLine]:
        now = self.service.clock.now()
        entries = _call(
            lambda: self.service.log(
                viewer.account_id,
                node_id,
                from_date=_iso(now - timedelta(days=365)),
                to_date=_iso(now + timedelta(minutes=1)),
                limit=1000,
            )
        )
        lines = [
            LogLine(
                time=_time(e.get("createdAt")) or now,
                severity=str(e.get("severity", "INFO")),
                message=str(e.get("message", "")),
            )
            for e in entries
        ]
        lines.sort(key=lambda line: line.time, reverse=True)
        return lines[:limit]

    def costs(self, viewer: Viewer, node_id: str) -> CostSummary:
        spec = _call(lambda: self.service.get(viewer.account_id, node_id))
        start = _time(spec.get("createdAt")) or self.service.clock.now()
        now = self.service.clock.now()
        points = []
        span = max(now - start, timedelta(seconds=1))
        for index in range(1, COST_POINTS + 1):
            at = start + span * index / COST_POINTS
            actual, on_demand, _saved = self._totals(viewer, node_id, start, until=at)
            points.append(CostPoint(time=at, actual_usd=actual, on_demand_usd=on_demand))
        item = _call(
            lambda: self.service.costs(
                viewer.account_id,
                from_date=_iso(start),
                to_date=_iso(now + timedelta(seconds=1)),
                owner_id=node_id,
            )
        )[0]
        usage = item.get("usage") or {}
        cost = item.get("cost") or {}
        return CostSummary(
            points=[CostPoint(time=start, actual_usd=0.0, on_demand_usd=0.0), *points],
            actual_usd=float(cost.get("spotActualCost") or 0.0),
            on_demand_usd=float(cost.get("odCost") or 0.0),
            spot_hours=float((usage.get("spot") or {}).get("hours") or 0.0),
            od_hours=float((usage.get("od") or {}).get("hours") or 0.0),
        )

    def _totals(
        self, viewer: Viewer, node_id: str, start: datetime | None, *, until: datetime | None = None
    ) -> tuple[float, float, float]:
        """(actual, all on-demand, saved) USD from `start` to `until` (default: now)."""
        end = until or self.service.clock.now()
        begin = start or end - timedelta(days=365)
        try:
            item = self.service.costs(
                viewer.account_id, from_date=_iso(begin), to_date=_iso(end), owner_id=node_id
            )[0]
        except (SpecError, ServiceError, IndexError):
            return 0.0, 0.0, 0.0
        cost = item.get("cost") or {}
        actual = float(cost.get("spotActualCost") or 0.0)
        on_demand = float(cost.get("odCost") or 0.0)
        return actual, on_demand, on_demand - actual

    def create_node(self, viewer: Viewer, node: Mapping[str, Any]) -> str:
        created = _call(lambda: self.service.create(viewer.account_id, node))
        return str(created["id"])

    def update_node(self, viewer: Viewer, node_id: str, patch: Mapping[str, Any]) -> None:
        _call(lambda: self.service.update(viewer.account_id, node_id, patch))

    def change_state(self, viewer: Viewer, node_id: str, action: StateAction) -> None:
        _call(lambda: self.service.change_state(viewer.account_id, node_id, {"state": action}))

    def delete_node(self, viewer: Viewer, node_id: str, deallocation: Mapping[str, Any]) -> None:
        _call(
            lambda: self.service.delete(
                viewer.account_id, node_id, {"deallocationConfig": dict(deallocation)}
            )
        )

    def simulate_eviction(self, viewer: Viewer, node_id: str) -> None:
        _call(lambda: self.service.simulate_eviction(viewer.account_id, node_id))

    def attach_data_disk(self, viewer: Viewer, node_id: str, body: Mapping[str, Any]) -> None:
        _call(lambda: self.service.attach_data_disk(viewer.account_id, node_id, dict(body)))

    def detach_data_disk(self, viewer: Viewer, node_id: str, body: Mapping[str, Any]) -> None:
        _call(lambda: self.service.detach_data_disk(viewer.account_id, node_id, dict(body)))

    def import_vm(self, viewer: Viewer, body: Mapping[str, Any]) -> str:
        started = _call(lambda: self.service.import_vm(viewer.account_id, {"statefulNodeImport": dict(body)}))
        return str(started["node"]["id"])

    # --- writing a node --------------------------------------------------------------------------
    def validate(
        self, viewer: Viewer, node: Mapping[str, Any], *, node_id: str | None = None
    ) -> AuthoringReport:
        # An edit is checked by the create rules here; the edit rules run when it is saved
        # (`update_node` refuses with field problems) — no dry-run update use case yet.
        report = _call(lambda: self.service.validate({"statefulNode": dict(node)}))
        problems = [
            FieldProblem(
                code=str(p.get("code")),
                field=str(p.get("field") or ""),
                message=str(p.get("message")),
                severity="warning" if key == "warnings" else "error",
            )
            for key in ("errors", "warnings")
            for p in report.get(key) or []
        ]
        if node_id is not None:
            problems = [p for p in problems if not _secret_absent(p)]
        return AuthoringReport(problems=problems)

    def locked_fields(self, viewer: Viewer, node_id: str) -> dict[str, str]:
        spec = _call(lambda: self.service.get(viewer.account_id, node_id))
        status = _call(lambda: self.service.status(viewer.account_id, node_id)).get("status") or ""
        wire = {k: v for k, v in spec.items() if k not in ("id", "createdAt", "updatedAt")}
        with refusals():
            return locked_fields(parse_node(wire), status=status)  # not a use case yet

    def to_terraform(self, node: Mapping[str, Any]) -> str:
        # Export needs no account for a posted node; the service asks for one all the same.
        exported = _call(lambda: self.service.export_terraform("", {"statefulNode": dict(node)}))
        return str(exported["hcl"])

    def from_terraform(self, text: str) -> dict[str, Any]:
        with refusals():
            try:
                return hcl_to_node(text)  # not a use case yet
            except ValueError as error:
                raise Refused(str(error)) from error

    def describe_cron(self, expression: str) -> str:
        try:
            return describe_cron(expression)  # not a use case yet
        except ValueError as error:
            raise Refused(str(error)) from error

    def describe_window(self, window: str) -> str:
        try:
            parsed = parse_window(window)  # not a use case yet
        except ValueError as error:
            raise Refused(str(error)) from error
        start, end = divmod(parsed.start, 1440), divmod(parsed.end, 1440)
        hours = parsed.length.total_seconds() / 3600
        length = f"{hours:g} hours" if hours < 48 else f"{hours / 24:.1f} days"
        return (
            f"{_DAY_NAMES[DAYS[start[0]]]} {start[1] // 60:02d}:{start[1] % 60:02d} to "
            f"{_DAY_NAMES[DAYS[end[0]]]} {end[1] // 60:02d}:{end[1] % 60:02d} UTC, one continuous "
            f"span of {length}"
        )

    # --- choices ---------------------------------------------------------------------------------
    def regions(self) -> list[RegionChoice]:
        return choices.regions(self.service)

    def pick_lists(self, viewer: Viewer, region: str) -> PickLists:
        del viewer  # every account sees the one subscription the cloud provider is bound to
        return _call(lambda: choices.pick_lists(self.service, region))

    def marketplace_images(self, region: str) -> list[ImageChoice]:
        return [i for i in _call(lambda: choices.images(self.service, region)) if i.kind == "marketplace"]

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
        return _call(
            lambda: choices.size_table(
                self.service,
                region=region,
                os=os,
                image=image,
                security_type=security_type,
                attributes=attributes,
                excluded=excluded,
                lifecycle=lifecycle,
            )
        )


def _disk(
    raw: Mapping[str, Any], role: Literal["os", "data"], persisted: bool, mode: Any, zone: Any
) -> DiskView:
    return DiskView(
        role=role,
        name=str(raw.get("name") or ""),
        resource_group=str(raw.get("resourceGroupName") or ""),
        size_gb=raw.get("sizeGB"),
        sku=raw.get("storageAccountType"),
        lun=raw.get("lun"),
        zone=zone if isinstance(zone, str) else None,
        persisted=persisted,
        persistence_mode=str(mode) if persisted and mode else None,
        last_snapshot=raw.get("lastCompletedSnapshot"),
    )


def _secret_absent(problem: FieldProblem) -> bool:
    """In an edit, write-only fields are not shown, so "password required" means "keep it"."""
    return problem.code == "REQUIRED" and problem.field.endswith("login.password")
