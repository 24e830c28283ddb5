"""`spotkeeper account ...` and `spotkeeper token ...`, straight on the store."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from spotkeeper.cli import app
from spotkeeper.store import Store

runner = CliRunner()


def invoke(data_dir: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(
        app,
        [*args, "--data-dir", str(data_dir)],
        env={"SPOTKEEPER_DATABASE_URL": None, "SPOTKEEPER_DATA_DIR": None},
    )
    return result.exit_code, result.stdout, result.stderr


def test_an_account_and_its_token_authenticate_in_the_store(tmp_path: Path) -> None:
    code, out, _ = invoke(tmp_path, "account", "create", "acme", "--with-token", "--json")
    assert code == 0
    created = json.loads(out)
    assert created["id"].startswith("act-") and created["token"].startswith("skt_")
    with Store(f"sqlite:///{tmp_path / 'spotkeeper.db'}") as store:
        account = store.accounts.account_for_token(created["token"])
    assert account is not None and (account.id, account.name) == (created["id"], "acme")


def test_token_create_defaults_to_the_oldest_account_and_revoke_ends_it(tmp_path: Path) -> None:
    first = json.loads(invoke(tmp_path, "account", "create", "first", "--json")[1])
    invoke(tmp_path, "account", "create", "second")
    code, out, _ = invoke(tmp_path, "token", "create", "--json")
    assert code == 0
    minted = json.loads(out)
    assert minted["account"] == first["id"]
    assert invoke(tmp_path, "token", "revoke", minted["token"])[0] == 0
    with Store(f"sqlite:///{tmp_path / 'spotkeeper.db'}") as store:
        assert store.accounts.account_for_token(minted["token"]) is None
    code, _, err = invoke(tmp_path, "token", "revoke", minted["token"])
    assert code == 1 and "no live token" in err


def test_token_create_for_an_unknown_account_names_the_option(tmp_path: Path) -> None:
    invoke(tmp_path, "account", "create", "acme")
    code, _, err = invoke(tmp_path, "token", "create", "--account", "act-00000000")
    assert code == 1
    assert "--account: act-00000000 does not exist" in err


def test_token_create_without_any_account_says_how_to_make_one(tmp_path: Path) -> None:
    code, _, err = invoke(tmp_path, "token", "create")
    assert code == 1 and "account create" in err


def test_account_list_counts_live_tokens(tmp_path: Path) -> None:
    invoke(tmp_path, "account", "create", "acme", "--with-token")
    code, out, _ = invoke(tmp_path, "account", "list", "--json")
    assert code == 0
    [listed] = json.loads(out)
    assert (listed["name"], listed["liveTokens"]) == ("acme", 1)


def test_a_bad_database_url_names_the_option(tmp_path: Path) -> None:
    result = runner.invoke(app, ["account", "list", "--database-url", "mysql://nope/db"])
    assert result.exit_code == 1
    assert "--database-url" in result.stderr
