"""`spotkeeper catalog ...`: the offline Azure catalog (sizes with monthly costs, images)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer
from rich.table import Table

from spotkeeper.catalog import SizeRow
from spotkeeper.cli.output import console, emit_json, errors

app = typer.Typer(
    help="The offline Azure catalog: VM sizes with costs, marketplace images.", no_args_is_help=True
)


class OsType(StrEnum):
    Linux = "Linux"
    Windows = "Windows"


class SecurityType(StrEnum):
    Standard = "Standard"
    TrustedLaunch = "TrustedLaunch"
    ConfidentialVM = "ConfidentialVM"


class LifecycleChoice(StrEnum):
    spot = "spot"
    od = "od"


def _money(value: float | None) -> str:
    return "-" if value is None else f"${value:,.2f}"


@app.command("sizes")
def sizes(
    region: Annotated[str, typer.Option("--region", "-r", help="Azure region, e.g. eastus")],
    os_type: Annotated[OsType, typer.Option("--os", help="Linux or Windows")] = OsType.Linux,
    image: Annotated[
        str | None, typer.Option("--image", help="marketplace URN publisher:offer:sku[:version]")
    ] = None,
    security_type: Annotated[SecurityType, typer.Option("--security-type")] = SecurityType.Standard,
    lifecycle: Annotated[
        LifecycleChoice, typer.Option("--lifecycle", help="spot lists spot-capable sizes; od lists all")
    ] = LifecycleChoice.spot,
    min_cpu: Annotated[int | None, typer.Option("--min-cpu")] = None,
    max_cpu: Annotated[int | None, typer.Option("--max-cpu")] = None,
    min_memory: Annotated[int | None, typer.Option("--min-memory", help="GiB")] = None,
    max_memory: Annotated[int | None, typer.Option("--max-memory", help="GiB")] = None,
    min_storage: Annotated[int | None, typer.Option("--min-storage", help="temp storage GiB")] = None,
    max_storage: Annotated[int | None, typer.Option("--max-storage", help="temp storage GiB")] = None,
    show_unsupported: Annotated[
        bool, typer.Option("--unsupported", help="also list unsupported sizes with reasons")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """VM sizes for a region with the console's columns and monthly costs."""
    from spotkeeper.catalog import SizeAttributes, load_catalog, select_sizes

    catalog = load_catalog()
    if catalog.region(region) is None:
        errors.print(
            f"[red]--region: unknown region {region!r}; known: {', '.join(sorted(catalog.regions))}[/]"
        )
        raise typer.Exit(1)
    generation = architecture = None
    os_name = os_type.value
    if image:
        parts = image.split(":")
        found = catalog.find_image(*parts[:3]) if len(parts) in (3, 4) else None
        if found is None:
            errors.print(
                f"[red]--image: {image!r} is not a marketplace image in the catalog "
                "(expected publisher:offer:sku)[/]"
            )
            raise typer.Exit(1)
        generation, architecture, os_name = found.generation, found.architecture, found.os
    attributes = SizeAttributes(
        min_cpu=min_cpu,
        max_cpu=max_cpu,
        min_memory=min_memory,
        max_memory=max_memory,
        min_storage=min_storage,
        max_storage=max_storage,
    )
    selection = select_sizes(
        catalog,
        region=region,
        os=os_name,
        generation=generation,
        architecture=architecture,
        security_type=security_type.value,
        attributes=attributes,
        lifecycle=lifecycle.value,
    )
    if as_json:
        emit_json(
            {
                "region": region,
                "asOf": catalog.as_of.isoformat(),
                "source": catalog.source,
                "supported": [_row_json(row) for row in selection.supported],
                "unsupported": [
                    {**(_row_json(u.row) if u.row else {"vmSize": u.name}), "reasons": u.reasons}
                    for u in selection.unsupported
                ],
            }
        )
        return
    table = Table(
        title=f"VM sizes in {region} ({os_name}, {security_type.value}) — prices as of {catalog.as_of}"
    )
    for column in (
        "VM Size",
        "Type",
        "vCPUs",
        "Memory (GiB)",
        "Storage (GiB)",
        "Spot Cost/Month",
        "On-Demand Cost/Month",
    ):
        left = column in ("VM Size", "Type")
        table.add_column(column, justify="left" if left else "right", no_wrap=column == "VM Size")
    for row in selection.supported:
        table.add_row(
            row.size.name,
            row.size.size_type,
            str(row.size.vcpus),
            f"{row.size.memory_gib:g}",
            str(row.size.temp_storage_gib),
            _money(row.spot_month_usd),
            _money(row.od_month_usd),
        )
    console.print(table)
    console.print(
        f"{len(selection.supported)} supported, {len(selection.unsupported)} unsupported"
        + ("" if show_unsupported else " (--unsupported to see why)")
    )
    if show_unsupported and selection.unsupported:
        unsupported = Table(title="Unsupported VM sizes")
        unsupported.add_column("VM Size")
        unsupported.add_column("Why not")
        for item in selection.unsupported:
            unsupported.add_row(item.name, "; ".join(item.reasons))
        console.print(unsupported)


def _row_json(row: SizeRow) -> dict[str, object]:
    size = row.size
    return {
        "vmSize": size.name,
        "type": size.size_type,
        "vCpus": size.vcpus,
        "memoryGiB": size.memory_gib,
        "storageGiB": size.temp_storage_gib,
        "spotCostPerMonth": row.spot_month_usd,
        "odCostPerMonth": row.od_month_usd,
    }


@app.command("images")
def images(
    region: Annotated[str, typer.Option("--region", "-r")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Marketplace images known to the offline catalog."""
    from spotkeeper.catalog import load_catalog

    catalog = load_catalog()
    if catalog.region(region) is None:
        errors.print(f"[red]--region: unknown region {region!r}[/]")
        raise typer.Exit(1)
    found = catalog.images
    if as_json:
        emit_json(
            [
                {
                    "urn": i.urn,
                    "publisher": i.publisher,
                    "offer": i.offer,
                    "sku": i.sku,
                    "os": i.os,
                    "architecture": i.architecture,
                    "generation": i.generation,
                    "name": i.display_name,
                }
                for i in found
            ]
        )
        return
    table = Table(title=f"Marketplace images in {region}")
    for column in ("Image", "URN", "OS", "Arch", "Gen"):
        table.add_column(column)
    for image in found:
        table.add_row(image.display_name, image.urn, image.os, image.architecture, image.generation)
    console.print(table)
