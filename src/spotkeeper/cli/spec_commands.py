"""`spotkeeper validate` and `spotkeeper export`: work on node files without a server."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from spotkeeper.cli.output import console, emit_json, errors, print_problems
from spotkeeper.spec.documents import read_node_file
from spotkeeper.spec.problems import SpecError, ValidationReport


class ExportFormat(StrEnum):
    terraform = "terraform"
    json = "json"


def register(app: typer.Typer) -> None:
    app.command("validate")(validate)
    app.command("export")(export)


def _load_and_validate(path: Path) -> tuple[dict[str, object] | None, ValidationReport]:
    from spotkeeper.spec.rules import validate_node

    try:
        node = read_node_file(path)
    except SpecError as error:
        report = ValidationReport()
        report.extend(error.problems)
        return None, report
    return node, validate_node(node)


def validate(
    file: Annotated[
        Path, typer.Argument(help="{'statefulNode': ...} JSON, a bare node object, or a .tf file")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="print {valid, errors, warnings} as JSON")] = False,
) -> None:
    """Check a node against every rule; exit 0 when valid, 1 when not."""
    _, report = _load_and_validate(file)
    if as_json:
        emit_json(report.as_dict())
    else:
        print_problems(report.errors, title=f"{len(report.errors)} error(s)")
        print_problems(report.warnings, title=f"{len(report.warnings)} warning(s)")
        if report.valid:
            console.print(f"[green]{file} is a valid stateful node[/]")
    raise typer.Exit(0 if report.valid else 1)


def export(
    file: Annotated[Path, typer.Argument(help="node file (JSON or .tf)")],
    fmt: Annotated[
        ExportFormat, typer.Option("--format", "-f", help="terraform or json")
    ] = ExportFormat.terraform,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="write here instead of stdout")
    ] = None,
) -> None:
    """Convert a node file to Terraform HCL or to the Spot API's JSON body."""
    node, report = _load_and_validate(file)
    if node is None or not report.valid:
        print_problems(report.errors, title="the node is not valid; nothing exported")
        raise typer.Exit(1)
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
