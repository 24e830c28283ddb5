"""`spotkeeper node pause|resume|recycle|delete|evict|export|import`: act on a node.

State changes and deletes are requests: the server accepts them (or says why not, e.g. a
paused node cannot be paused) and the worker carries them out in its next pass, so these
commands return at once; `node status` or `node logs --follow` shows the outcome.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from spotkeeper.cli.client import SpotClient
from spotkeeper.cli.connection import open_client
from spotkeeper.cli.output import console, emit_json, errors

# Fields the server adds to a node that are not part of what one writes (§3.1 read-only).
READ_ONLY_FIELDS = ("id", "createdAt", "updatedAt", "status")
MAX_TTL_HOURS = 371  # spot-api.md §4.1: ttlInHours 0..371


class ExportFormat(StrEnum):
    terraform = "terraform"
    json = "json"


def register(app: typer.Typer) -> None:
    for state in ("pause", "resume", "recycle"):
        app.command(state, help=_STATE_HELP[state])(_state_command(state))
    app.command("delete")(delete)
    app.command("evict")(evict)
    app.command("export")(export)
    app.command("import")(import_vm)


_STATE_HELP = {
    "pause": "Deallocate the VM, keeping disks and IPs (billing for compute stops).",
    "resume": "Start a paused node's VM again.",
    "recycle": "Replace the VM (same disks, IPs and name) on the best market now.",
}


def _state_command(state: str) -> Any:
    def change(ctx: typer.Context, node_id: str = typer.Argument(..., metavar="ID")) -> None:
        with open_client(ctx) as client:
            client.change_state(node_id, state)
        console.print(f"{state} of {node_id} requested; `spotkeeper node status {node_id}` shows progress")

    change.__name__ = state
    return change


def deallocation_config(
    *, keep_disks: bool, keep_network: bool, keep_snapshots: bool, ttl_hours: int | None
) -> dict[str, Any]:
    """The §4.1 body. Keeping the network keeps the NICs and the public IPs (deleting a public
    IP forces its NIC's deletion, so they go together)."""

    def part(delete: bool) -> dict[str, Any]:
        config: dict[str, Any] = {"shouldDeallocate": delete}
        if ttl_hours is not None:
            config["ttlInHours"] = ttl_hours
        return config

    return {
        "shouldTerminateVm": True,
        "networkDeallocationConfig": part(not keep_network),
        "publicIpDeallocationConfig": part(not keep_network),
        "diskDeallocationConfig": part(not keep_disks),
        "snapshotDeallocationConfig": part(not keep_snapshots),
    }


def delete(
    ctx: typer.Context,
    node_id: Annotated[str, typer.Argument(metavar="ID")],
    keep_disks: Annotated[
        bool, typer.Option("--keep-disks", help="leave the OS and data disks in Azure")
    ] = False,
    keep_network: Annotated[
        bool, typer.Option("--keep-network", help="leave the NICs and public IPs")
    ] = False,
    keep_snapshots: Annotated[
        bool, typer.Option("--keep-snapshots", help="leave the disk snapshots")
    ] = False,
    ttl_hours: Annotated[
        int | None,
        typer.Option(
            "--ttl-hours",
            min=0,
            max=MAX_TTL_HOURS,
            help="hours before the resources are deleted [server default: 96]",
        ),
    ] = None,
) -> None:
    """Terminate the VM and delete the node; its resources go after the retention TTL."""
    body = deallocation_config(
        keep_disks=keep_disks, keep_network=keep_network, keep_snapshots=keep_snapshots, ttl_hours=ttl_hours
    )
    with open_client(ctx) as client:
        client.delete_node(node_id, body)
    kept = [
        what
        for what, keep in (("disks", keep_disks), ("network", keep_network), ("snapshots", keep_snapshots))
        if keep
    ]
    console.print(f"delete of {node_id} requested" + (f"; keeping {', '.join(kept)}" if kept else ""))


def evict(ctx: typer.Context, node_id: str = typer.Argument(..., metavar="ID")) -> None:
    """Have Azure evict the node's Spot VM now (a drill: watch it come back)."""
    with open_client(ctx) as client:
        client.simulate_eviction(node_id)
    console.print(
        f"eviction of {node_id}'s VM requested; `spotkeeper node logs {node_id} --follow` shows the recovery"
    )


def writable_node(node: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in node.items() if k not in READ_ONLY_FIELDS}


def export(
    ctx: typer.Context,
    node_id: Annotated[str, typer.Argument(metavar="ID")],
    fmt: Annotated[ExportFormat, typer.Option("--format", help="terraform or json")] = ExportFormat.terraform,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="write here instead of stdout")
    ] = None,
) -> None:
    """A node as Terraform HCL (spotinst_stateful_node_azure) or as a create body."""
    with open_client(ctx) as client:
        node = writable_node(client.get_node(node_id))
    if fmt is ExportFormat.terraform:
        from spotkeeper.spec.terraform import node_to_hcl, unsupported_fields

        text = node_to_hcl(node)
        skipped = unsupported_fields(node)
        if skipped:
            errors.print(
                f"[yellow]not expressible in the Terraform provider, left out: {', '.join(skipped)}[/]"
            )
    else:
        text = json.dumps({"statefulNode": node}, indent=2) + "\n"
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        errors.print(f"wrote {output}")


def import_vm(
    ctx: typer.Context,
    resource_group: Annotated[str, typer.Option("--resource-group", "-g", help="the VM's resource group")],
    vm: Annotated[str, typer.Option("--vm", help="the VM's name")],
    name: Annotated[str | None, typer.Option("--name", help="node name [default: the VM's name]")] = None,
    draining_timeout: Annotated[
        int, typer.Option("--draining-timeout", min=0, max=1800, help="seconds")
    ] = 120,
    retention_hours: Annotated[
        int,
        typer.Option("--retention-hours", min=0, max=731, help="hours the original VM's resources are kept"),
    ] = 96,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Turn an existing Azure VM into a stateful node (the server builds its configuration)."""
    with open_client(ctx) as client:
        node = client.import_configuration(resource_group, vm)
        if name:
            node["name"] = name
        started = client.import_vm(
            {
                "resourceGroupName": resource_group,
                "originalVmName": vm,
                "drainingTimeout": draining_timeout,
                "resourcesRetentionTime": retention_hours,
                "convertUnmanagedDisks": False,
                "node": writable_node(node),
            }
        )
        found = _import_status(client, started)
    if as_json:
        emit_json(found or started)
        return
    node_id = (started.get("node") or {}).get("id") or (found or {}).get("statefulNodeId")
    console.print(
        f"import of {escape(vm)} started as node [bold]{node_id}[/] "
        f"(import {started.get('statefulImportId')}, state {(found or {}).get('state', '-')})"
    )


def _import_status(client: SpotClient, started: dict[str, Any]) -> dict[str, Any] | None:
    import_id = started.get("statefulImportId")
    return client.import_status(str(import_id)) if import_id else None
