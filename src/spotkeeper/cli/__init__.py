"""The `spotkeeper` command line: one Typer app assembled from small command modules.

Exit codes mean something: 0 success, 1 the input is invalid (validation errors), 2 usage
errors (Typer's own), 3 a server or cloud refused the request.
"""

from __future__ import annotations

import typer

from spotkeeper.cli import catalog_commands, spec_commands

app = typer.Typer(
    name="spotkeeper",
    help="Stateful nodes on Azure Spot VMs: keep the disks, IPs and name across evictions.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
spec_commands.register(app)
app.add_typer(catalog_commands.app, name="catalog")

__all__ = ["app"]
