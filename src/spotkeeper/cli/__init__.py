"""The `spotkeeper` command line: one Typer app assembled from small command modules.

Exit codes mean something: 0 success, 1 the input is invalid or names something that does not
exist (a validation error, an unknown node, a state that forbids the request), 2 usage errors
(Typer's own, and server options that cannot work together), 3 a server or cloud failed or
could not be reached.
"""

from __future__ import annotations

import typer

from spotkeeper.cli import (
    admin_commands,
    catalog_commands,
    demo,
    node_commands,
    server_commands,
    sim_commands,
    spec_commands,
    whatif_commands,
)

app = typer.Typer(
    name="spotkeeper",
    help="Stateful nodes on Azure Spot VMs: keep the disks, IPs and name across evictions.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
server_commands.register(app)
spec_commands.register(app)
whatif_commands.register(app)
demo.register(app)
app.add_typer(node_commands.app, name="node")
app.add_typer(catalog_commands.app, name="catalog")
app.add_typer(admin_commands.account_app, name="account")
app.add_typer(admin_commands.token_app, name="token")
app.add_typer(sim_commands.app, name="sim")

__all__ = ["app"]
