"""`spotkeeper account ...` and `spotkeeper token ...`: tenants and API tokens, straight in the store.

These run beside (or without) a server, on the same database (`--database-url`, or the SQLite
file in the data directory), because they are how the first credentials come to exist: there is
no API call to mint a token before one has a token. A token's plaintext is printed once; the
store keeps only its digest.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from spotkeeper.cli.output import console, emit_json, errors
from spotkeeper.settings import DATA_DIR_ENV, DATABASE_URL_ENV, data_dir_from, database_url_from
from spotkeeper.store import Store, UnknownRecordError

account_app = typer.Typer(help="Accounts (act-…): the tenants nodes belong to.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens: create and revoke.", no_args_is_help=True)

DataDirOption = typer.Option(
    None,
    "--data-dir",
    envvar=DATA_DIR_ENV,
    show_default=False,
    help="state directory [default: ~/.local/share/spotkeeper]",
)
DatabaseOption = typer.Option(
    None,
    "--database-url",
    envvar=DATABASE_URL_ENV,
    show_default=False,
    help="sqlite:///path or postgresql://… [default: DATA_DIR/spotkeeper.db]",
)


@contextmanager
def opened_store(data_dir: Path | None, database_url: str | None) -> Iterator[Store]:
    url = database_url_from(database_url, data_dir_from(data_dir))
    try:
        store = Store(url)
    except ValueError as error:
        errors.print(f"[red]--database-url: {escape(str(error))}[/]")
        raise typer.Exit(1) from None
    except Exception as error:  # the database server is down, the file is not writable, ...
        errors.print(
            f"[red]--database-url: cannot open {escape(url)}: {escape(str(error).splitlines()[0])}[/]"
        )
        raise typer.Exit(3) from None
    try:
        yield store
    finally:
        store.close()


def _now() -> datetime:
    return datetime.now(UTC)


@account_app.command("create")
def create_account(
    name: Annotated[str, typer.Argument(help="a name people recognise")],
    with_token: Annotated[bool, typer.Option("--with-token", help="also create an API token for it")] = False,
    data_dir: Path | None = DataDirOption,
    database_url: str | None = DatabaseOption,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Create an account; prints its act-… id (and a token with --with-token)."""
    if not name.strip():
        errors.print("[red]NAME: must not be blank[/]")
        raise typer.Exit(1)
    with opened_store(data_dir, database_url) as store:
        account = store.accounts.create(name, now=_now())
        token = store.accounts.create_token(account.id, now=_now()) if with_token else None
    if as_json:
        emit_json(
            {
                "id": account.id,
                "name": account.name,
                "createdAt": account.created_at.isoformat(),
                **({"token": token} if token else {}),
            }
        )
        return
    console.print(f"account [bold]{account.id}[/] ({escape(account.name)}) created")
    if token:
        console.print(f"token {token}  [dim](shown once; the store keeps only its digest)[/]")


@account_app.command("list")
def list_accounts(
    data_dir: Path | None = DataDirOption,
    database_url: str | None = DatabaseOption,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Every account, oldest (the default one) first."""
    with opened_store(data_dir, database_url) as store:
        accounts = store.accounts.find()
        tokens = {a.id: len([t for t in store.accounts.list_tokens(a.id) if not t.revoked]) for a in accounts}
    if as_json:
        emit_json(
            [
                {
                    "id": a.id,
                    "name": a.name,
                    "createdAt": a.created_at.isoformat(),
                    "liveTokens": tokens[a.id],
                }
                for a in accounts
            ]
        )
        return
    table = Table(title=f"{len(accounts)} account(s)")
    for column in ("ID", "Name", "Created", "Live tokens"):
        table.add_column(column)
    for a in accounts:
        table.add_row(a.id, escape(a.name), a.created_at.isoformat(timespec="seconds"), str(tokens[a.id]))
    console.print(table)


@token_app.command("create")
def create_token(
    account: Annotated[
        str | None, typer.Option("--account", help="act-… id [default: the oldest account]")
    ] = None,
    data_dir: Path | None = DataDirOption,
    database_url: str | None = DatabaseOption,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Mint an API token for an account; the plaintext is printed once."""
    with opened_store(data_dir, database_url) as store:
        if account is None:
            accounts = store.accounts.find()
            if not accounts:
                errors.print(
                    "[red]--account: there is no account yet; `spotkeeper account create NAME` "
                    "(or `spotkeeper up`) makes one[/]"
                )
                raise typer.Exit(1)
            account = accounts[0].id
        try:
            token = store.accounts.create_token(account, now=_now())
        except UnknownRecordError:
            errors.print(f"[red]--account: {escape(account)} does not exist (`spotkeeper account list`)[/]")
            raise typer.Exit(1) from None
    if as_json:
        emit_json({"account": account, "token": token})
    else:
        console.print(f"token for {account}: {token}\n[dim]shown once; the store keeps only its digest[/]")


@token_app.command("revoke")
def revoke_token(
    token: Annotated[str, typer.Argument(help="the token's plaintext, or its tok-… id")],
    data_dir: Path | None = DataDirOption,
    database_url: str | None = DatabaseOption,
) -> None:
    """Revoke a token: requests carrying it are refused from now on."""
    with opened_store(data_dir, database_url) as store:
        revoked = (
            store.accounts.revoke_token_id(token)
            if token.startswith("tok-")
            else store.accounts.revoke_token(token)
        )
    if not revoked:
        errors.print("[red]TOKEN: no live token matches[/]")
        raise typer.Exit(1)
    console.print("token revoked")
