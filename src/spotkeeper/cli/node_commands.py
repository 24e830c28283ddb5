"""`spotkeeper node create|list|get|status|resources|logs|costs`: create nodes and read them.

Every command here is a thin translation of one or two API calls (spot-api.md §2) into a table,
or into the server's JSON untouched with `--json`. The state-changing commands (pause, delete,
evict, export, import) are in `node_actions`.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.json import JSON
from rich.markup import escape

from spotkeeper.cli import node_actions
from spotkeeper.cli.client import EXIT_SERVER, SpotClient
from spotkeeper.cli.connection import open_client, remember_client_settings, reporting_failures
from spotkeeper.cli.node_display import (
    costs_table,
    log_cells,
    logs_table,
    node_tags,
    nodes_table,
    resources_tree,
    status_table,
    styled_status,
)
from spotkeeper.cli.output import console, emit_json, errors
from spotkeeper.settings import ACCOUNT_ENV, TOKEN_ENV, URL_ENV
from spotkeeper.spec.documents import read_node_file

app = typer.Typer(
    help="Stateful nodes on a spotkeeper server (SPOTKEEPER_URL, SPOTKEEPER_TOKEN).", no_args_is_help=True
)
node_actions.register(app)

# The widest window the API accepts: every log entry and every costed hour of a node.
EVERYTHING_FROM = "0"
EVERYTHING_TO = "253402300799999"
SETTLED = {"active", "paused", "stopped"}
FAILED = {"error", "deleted"}
UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


@app.callback()
def connection(
    ctx: typer.Context,
    url: Annotated[
        str | None,
        typer.Option("--url", envvar=URL_ENV, help="server base URL [default: http://127.0.0.1:8080]"),
    ] = None,
    token: Annotated[str | None, typer.Option("--token", envvar=TOKEN_ENV, help="API token (Bearer)")] = None,
    account: Annotated[
        str | None, typer.Option("--account", envvar=ACCOUNT_ENV, help="act-… account id")
    ] = None,
) -> None:
    """Talk to a spotkeeper server over its Spot-compatible API."""
    remember_client_settings(ctx, url=url, token=token, account=account)


def window_start(since: str | None) -> str:
    """`--since 2h` (s/m/h/d before now) or an ISO date/date-time, as a `fromDate` value."""
    if since is None:
        return EVERYTHING_FROM
    text = since.strip()
    if text[:-1].isdigit() and text[-1:] in UNITS:
        start = datetime.now(UTC) - timedelta(**{UNITS[text[-1]]: int(text[:-1])})
        return str(int(start.timestamp() * 1000))
    return text


@app.command("create")
def create(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Option("--file", "-f", help="node file: JSON ({'statefulNode': …} or bare) or .tf")
    ],
    wait: Annotated[bool, typer.Option("--wait", help="follow the node's log until its VM runs")] = False,
    timeout: Annotated[
        float, typer.Option("--timeout", help="seconds --wait waits before giving up")
    ] = 900.0,
    poll: Annotated[float, typer.Option("--poll", help="seconds between --wait checks", min=0.05)] = 1.0,
    as_json: Annotated[bool, typer.Option("--json", help="print the created node as JSON")] = False,
) -> None:
    """Create a stateful node from a file; its first VM launches in the background."""
    with reporting_failures():
        node = read_node_file(file)
    with open_client(ctx) as client:
        created = client.create_node(node)
        node_id = str(created.get("id"))
        if as_json and not wait:
            emit_json(created)
            return
        if not as_json:
            console.print(f"created [bold]{escape(str(created.get('name')))}[/] as [bold]{node_id}[/]")
        if wait:
            status = follow_until_settled(
                client,
                node_id,
                since=str(created.get("createdAt") or "0"),
                timeout=timeout,
                poll=poll,
                quiet=as_json,
            )
            if as_json:
                emit_json(status)
            else:
                console.print(status_table(status))
            if status.get("status") != "active":
                raise typer.Exit(EXIT_SERVER)


def follow_until_settled(
    client: SpotClient, node_id: str, *, since: str, timeout: float, poll: float, quiet: bool = False
) -> dict[str, Any]:
    """Print the node's new log lines while a spinner shows its status, until it runs (or
    fails, or `timeout` seconds pass). Returns the last status item."""
    seen: set[tuple[str, str]] = set()
    deadline = time.monotonic() + timeout
    status = client.status(node_id)
    with console.status(f"{node_id}: {status.get('status')}", spinner="dots") as spinner:
        while True:
            entries = client.logs(node_id, from_date=since, to_date=EVERYTHING_TO, limit=1000)
            for entry in reversed(entries):  # the API answers newest first
                key = (str(entry.get("createdAt")), str(entry.get("message")))
                if key not in seen:
                    seen.add(key)
                    if not quiet:
                        stamp, severity, message = log_cells(entry)
                        console.print(f"[dim]{stamp}[/] {severity} {escape(message)}", soft_wrap=True)
            word = str(status.get("status"))
            if word in SETTLED or word in FAILED:
                return status
            if time.monotonic() >= deadline:
                if not quiet:
                    errors.print(f"[yellow]gave up waiting after {timeout:g} s; {node_id} is {word}[/]")
                return status
            spinner.update(
                f"{node_id}: {styled_status(word)} "
                f"{'on ' + str(status['vmName']) if status.get('vmName') else ''}"
            )
            time.sleep(poll)
            status = client.status(node_id)


def _tag_filter(tags: list[str]) -> list[tuple[str, str | None]]:
    wanted: list[tuple[str, str | None]] = []
    for tag in tags:
        key, sep, value = tag.partition("=")
        if not key:
            errors.print(f"[red]--tag: {tag!r} must be KEY=VALUE or KEY[/]")
            raise typer.Exit(1)
        wanted.append((key, value if sep else None))
    return wanted


@app.command("list")
def list_nodes(
    ctx: typer.Context,
    tag: Annotated[
        list[str] | None, typer.Option("--tag", help="KEY=VALUE (or KEY); repeat to require several")
    ] = None,
    status: Annotated[
        str | None, typer.Option("--status", help="e.g. active, paused, recovering, error")
    ] = None,
    name: Annotated[str | None, typer.Option("--name")] = None,
    region: Annotated[str | None, typer.Option("--region")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Your nodes, with their status, VM, lifecycle and IPs."""
    wanted = _tag_filter(tag or [])
    with open_client(ctx) as client:
        first_key, first_value = wanted[0] if wanted else (None, None)
        nodes = client.list_nodes(
            name=name, region=region, tag_key=first_key, tag_value=first_value, status=status
        )
        statuses = {s.get("id"): s for s in client.all_statuses()}
    rows: list[tuple[Mapping[str, Any], Mapping[str, Any] | None]] = []
    for node in nodes:
        node_status = statuses.get(node.get("id"))
        tags = node_tags(node)
        if any(not any(k == key and (value is None or v == value) for k, v in tags) for key, value in wanted):
            continue
        if status is not None and (node_status or {}).get("status") != status:
            continue
        rows.append((node, node_status))
    if as_json:
        emit_json([{**node, "status": s} for node, s in rows])
    else:
        console.print(nodes_table(rows))


@app.command("get")
def get(
    ctx: typer.Context,
    node_id: str = typer.Argument(..., metavar="ID"),
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The node's configuration (secrets are never returned)."""
    with open_client(ctx) as client:
        node = client.get_node(node_id)
    if as_json:
        emit_json(node)
    else:
        import json

        console.print(JSON(json.dumps(node)))


@app.command("status")
def status(
    ctx: typer.Context,
    node_id: str = typer.Argument(..., metavar="ID"),
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Status, VM, size, lifecycle, zone, IPs and health."""
    with open_client(ctx) as client:
        item = client.status(node_id)
    if as_json:
        emit_json(item)
    else:
        console.print(status_table(item))


@app.command("resources")
def resources(
    ctx: typer.Context,
    node_id: str = typer.Argument(..., metavar="ID"),
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The Azure resources the node keeps: NICs, IPs, OS and data disks."""
    with open_client(ctx) as client:
        item = client.resources(node_id)
    if as_json:
        emit_json(item)
    else:
        console.print(resources_tree(item))


@app.command("logs")
def logs(
    ctx: typer.Context,
    node_id: Annotated[str, typer.Argument(metavar="ID")],
    since: Annotated[
        str | None, typer.Option("--since", help="30m, 2h, 7d or an ISO date/date-time [default: all]")
    ] = None,
    severity: Annotated[
        str | None, typer.Option("--severity", help="DEBUG, INFO, WARN, ERROR or ALL")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=0, max=1000)] = 500,
    follow: Annotated[bool, typer.Option("--follow", help="keep printing new entries until Ctrl-C")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The node's log, oldest first."""
    start = window_start(since)
    with open_client(ctx) as client:
        entries = list(
            reversed(
                client.logs(node_id, from_date=start, to_date=EVERYTHING_TO, severity=severity, limit=limit)
            )
        )
        if as_json:
            emit_json(entries)
        else:
            console.print(logs_table(entries))
        if follow:
            _follow_logs(client, node_id, start=start, severity=severity, seen=entries, as_json=as_json)


def _follow_logs(
    client: SpotClient,
    node_id: str,
    *,
    start: str,
    severity: str | None,
    seen: list[dict[str, Any]],
    as_json: bool,
) -> None:
    known = {(str(e.get("createdAt")), str(e.get("message"))) for e in seen}
    try:
        while True:
            time.sleep(1.0)
            for entry in reversed(
                client.logs(node_id, from_date=start, to_date=EVERYTHING_TO, severity=severity, limit=1000)
            ):
                key = (str(entry.get("createdAt")), str(entry.get("message")))
                if key in known:
                    continue
                known.add(key)
                if as_json:
                    emit_json(entry)
                else:
                    stamp, level, message = log_cells(entry)
                    console.print(f"[dim]{stamp}[/] {level} {escape(message)}", soft_wrap=True)
    except KeyboardInterrupt:
        return


@app.command("costs")
def costs(
    ctx: typer.Context,
    node_id: Annotated[str, typer.Argument(metavar="ID")],
    from_date: Annotated[
        str, typer.Option("--from", help="ISO date/date-time or Unix ms [default: all]")
    ] = EVERYTHING_FROM,
    to_date: Annotated[
        str, typer.Option("--to", help="ISO date/date-time or Unix ms [default: all]")
    ] = EVERYTHING_TO,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """What the node's hours cost, against all on-demand and all spot."""
    with open_client(ctx) as client:
        client.get_node(node_id)  # an unknown id is an error, not an empty bill
        items = client.costs(from_date=from_date, to_date=to_date, owner_id=node_id)
    if as_json:
        emit_json(items)
    else:
        console.print(costs_table(items, title=f"Costs of {node_id}"))
