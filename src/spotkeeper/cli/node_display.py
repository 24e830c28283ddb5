"""How the node commands show what the server answered: tables and trees for people.

Scripts use `--json`, which prints the server's items untouched; everything here is only for
the terminal, so it may round, colour and abbreviate. It reads the wire vocabulary (§3, §5 of
spot-api.md) and tolerates missing keys, because a view is no place to fail.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.table import Table
from rich.tree import Tree

STATUS_STYLE = {
    "active": "green",
    "paused": "cyan",
    "stopped": "cyan",
    "error": "bold red",
    "deleted": "dim",
    "launching": "yellow",
    "recovering": "yellow",
    "pausing": "yellow",
    "resuming": "yellow",
    "recycling": "yellow",
    "importing": "yellow",
    "deleting": "yellow",
}
SEVERITY_STYLE = {"ERROR": "red", "WARN": "yellow", "DEBUG": "dim"}


def styled_status(status: object) -> str:
    word = str(status or "-")
    style = STATUS_STYLE.get(word)
    return f"[{style}]{word}[/]" if style else word


def _text(value: object) -> str:
    return "-" if value is None or value == "" else str(value)


def _money(value: object) -> str:
    return f"${value:,.2f}" if isinstance(value, int | float) else "-"


def node_tags(node: Mapping[str, Any]) -> list[tuple[str, str]]:
    launch = (node.get("compute") or {}).get("launchSpecification") or {}
    return [
        (str(t.get("tagKey")), str(t.get("tagValue")))
        for t in launch.get("tags") or ()
        if isinstance(t, Mapping)
    ]


def nodes_table(rows: Sequence[tuple[Mapping[str, Any], Mapping[str, Any] | None]]) -> Table:
    """One row per node: its spec and (when known) its status item. Fits 80 columns."""
    table = Table(title=f"{len(rows)} stateful node(s)")
    for column in ("ID", "Name", "Status", "Region", "VM size", "Market", "IPs"):
        table.add_column(column, no_wrap=column in ("ID", "Status"), overflow="fold")
    for node, status in rows:
        status = status or {}
        ips = " ".join(str(status[k]) for k in ("privateIp", "publicIp") if status.get(k)) or "-"
        market = " ".join(str(status[k]) for k in ("lifeCycle", "zone") if status.get(k)) or "-"
        table.add_row(
            _text(node.get("id")),
            _text(node.get("name")),
            styled_status(status.get("status")),
            _text(node.get("region")),
            _text(status.get("vmSize")),
            market,
            ips,
        )
    return table


def status_table(status: Mapping[str, Any]) -> Table:
    table = Table(show_header=False, title=f"{_text(status.get('name'))} ({_text(status.get('id'))})")
    table.add_column("field", style="bold")
    table.add_column("value")
    fields = [
        ("Status", styled_status(status.get("status"))),
        ("Health", _text(status.get("vmHealthStatus"))),
        ("VM", _text(status.get("vmName"))),
        ("Size", _text(status.get("vmSize"))),
        ("Lifecycle", _text(status.get("lifeCycle"))),
        ("Zone", _text(status.get("zone"))),
        ("Private IP", _text(status.get("privateIp"))),
        ("Public IP", _text(status.get("publicIp"))),
        ("Region", _text(status.get("region"))),
        ("Resource group", _text(status.get("resourceGroupName"))),
        ("Created", _text(status.get("createdAt"))),
        ("Updated", _text(status.get("updatedAt"))),
    ]
    for label, key in (("Error", "errorReason"), ("Rollback", "rollbackReason")):
        if status.get(key):
            fields.append((label, f"[red]{status[key]}[/]"))
    for label, value in fields:
        table.add_row(label, value)
    return table


def resources_tree(resources: Mapping[str, Any]) -> Tree:
    tree = Tree(
        f"[bold]{_text(resources.get('name'))}[/] ({_text(resources.get('id'))}) "
        f"in {_text(resources.get('resourceGroupName'))}"
    )
    network = resources.get("network") or {}
    vnet = network.get("virtualNetwork") or {}
    net = tree.add(f"network: vnet {_text(vnet.get('name'))}")
    for nic in network.get("networkInterfaces") or ():
        primary = " (primary)" if nic.get("isPrimary") else ""
        branch = net.add(f"NIC {_text(nic.get('name'))}{primary} mac {_text(nic.get('macAddress'))}")
        for config in nic.get("ipConfigurations") or ():
            public = config.get("publicIp") or {}
            subnet = config.get("subnet") or {}
            ip = f" public {public.get('ipAddress')} ({public.get('name')})" if public else ""
            branch.add(
                f"{_text(config.get('name'))}: {_text(config.get('privateIpAddress'))} "
                f"in {_text(subnet.get('name'))}{ip}"
            )
    storage = resources.get("storage") or {}
    disks = tree.add("storage")
    os_disk = storage.get("osDisk")
    if os_disk:
        disks.add(
            f"OS disk {_text(os_disk.get('name'))} {_text(os_disk.get('storageAccountType'))} "
            f"{_text(os_disk.get('sizeGB'))} GB"
        )
    for disk in storage.get("dataDisks") or ():
        disks.add(
            f"data disk lun {_text(disk.get('lun'))} {_text(disk.get('name'))} "
            f"{_text(disk.get('storageAccountType'))} {_text(disk.get('sizeGB'))} GB"
        )
    return tree


def logs_table(entries: Sequence[Mapping[str, Any]]) -> Table:
    table = Table(title=f"{len(entries)} log entr{'y' if len(entries) == 1 else 'ies'}")
    table.add_column("Time", no_wrap=True)
    table.add_column("Severity")
    table.add_column("Message")
    for entry in entries:
        table.add_row(*log_cells(entry))
    return table


def log_cells(entry: Mapping[str, Any]) -> tuple[str, str, str]:
    severity = str(entry.get("severity") or "INFO")
    style = SEVERITY_STYLE.get(severity)
    shown = f"[{style}]{severity}[/]" if style else severity
    return _text(entry.get("createdAt")), shown, _text(entry.get("message"))


def costs_table(items: Sequence[Mapping[str, Any]], *, title: str) -> Table:
    table = Table(title=title)
    for column in ("Spot hours", "On-demand hours", "Paid", "All on-demand", "All spot", "Saved"):
        table.add_column(column, justify="right")
    for item in items:
        usage = item.get("usage") or {}
        cost = item.get("cost") or {}
        paid, od = cost.get("spotActualCost"), cost.get("odCost")
        saved = "-"
        if isinstance(paid, int | float) and isinstance(od, int | float):
            saved = f"{_money(od - paid)} ({100 * (od - paid) / od:.0f}%)" if od > 0 else _money(od - paid)
        table.add_row(
            f"{(usage.get('spot') or {}).get('hours', 0):,.1f}",
            f"{(usage.get('od') or {}).get('hours', 0):,.1f}",
            _money(paid),
            _money(od),
            _money(cost.get("spotPotentialCost")),
            saved,
        )
    return table
