"""The composition root behind `spotkeeper up`: access, time, restarts, serving, and refusals."""

from __future__ import annotations

import json
import socket
import stat
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from spotkeeper.app import Runtime, ServerThread, SimSnapshots, build_up, ensure_access, resume_clock
from spotkeeper.cli import app
from spotkeeper.service.views import status_view
from spotkeeper.settings import ServerSettings, data_dir_from, database_url_from
from spotkeeper.store import Store
from tests.cli.conftest import up_settings
from tests.factories import valid_node

runner = CliRunner()
OPERATOR_TOKEN = "skt_chosen-by-the-operator-0123456789"


def launched_node(runtime: Runtime, *, seconds: float = 20.0) -> str:
    """Create a node through the service and wait (real time) until the worker has it running."""
    spec = valid_node(name="kept")
    spec.pop("scheduling", None)
    spec["compute"]["launchSpecification"]["vmName"] = "kept-vm"
    assert runtime.access is not None
    node_id: str = runtime.service.create(runtime.access.account.id, spec)["id"]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        record = runtime.store.nodes.get(node_id)
        if record is not None and status_view(record)["status"] == "active":
            return node_id
        time.sleep(0.05)
    raise AssertionError(f"{node_id} did not launch")


def fast(tmp_path: Path, **overrides: object) -> Runtime:
    runtime = build_up(
        up_settings(tmp_path, sim_speed=100.0, **overrides), latency="instant", with_console=False
    )
    runtime.start_background(idle_sleep=0.05)
    return runtime


# --- access ---------------------------------------------------------------------------------------


def test_the_first_token_is_saved_owner_only_and_printed_again_on_restart(tmp_path: Path) -> None:
    settings = up_settings(tmp_path)
    now = datetime.now(UTC)
    with Store(settings.database_url) as store:
        first = ensure_access(store, settings, now=now)
        again = ensure_access(store, settings, now=now)
        assert store.accounts.account_for_token(first.token) == first.account
    assert (first.origin, again.origin) == ("new", "token file")
    assert again.token == first.token and first.account.name == "default"
    assert stat.S_IMODE(settings.token_file.stat().st_mode) == 0o600
    assert settings.token_file.read_text().strip() == first.token


def test_a_revoked_saved_token_is_replaced(tmp_path: Path) -> None:
    settings = up_settings(tmp_path)
    now = datetime.now(UTC)
    with Store(settings.database_url) as store:
        first = ensure_access(store, settings, now=now)
        store.accounts.revoke_token(first.token)
        second = ensure_access(store, settings, now=now)
        assert second.origin == "new" and second.token != first.token
        assert store.accounts.account_for_token(second.token) is not None


def test_an_operator_token_is_registered_hashed_and_never_written_to_disk(tmp_path: Path) -> None:
    settings = up_settings(tmp_path, token=OPERATOR_TOKEN)
    now = datetime.now(UTC)
    with Store(settings.database_url) as store:
        access = ensure_access(store, settings, now=now)
        assert ensure_access(store, settings, now=now).account == access.account  # idempotent
        assert store.accounts.account_for_token(OPERATOR_TOKEN) == access.account
        assert len(store.accounts.list_tokens(access.account.id)) == 1
    assert access.origin == "environment"
    assert not settings.token_file.exists()


def test_a_revoked_operator_token_stays_revoked(tmp_path: Path) -> None:
    settings = up_settings(tmp_path, token=OPERATOR_TOKEN)
    now = datetime.now(UTC)
    with Store(settings.database_url) as store:
        ensure_access(store, settings, now=now)
        store.accounts.revoke_token(OPERATOR_TOKEN)
        with pytest.raises(ValueError, match="SPOTKEEPER_TOKEN: this token was revoked"):
            ensure_access(store, settings, now=now)
        assert store.accounts.account_for_token(OPERATOR_TOKEN) is None


def test_a_short_operator_token_is_refused_naming_the_variable(tmp_path: Path) -> None:
    settings = up_settings(tmp_path, token="short")
    with Store(settings.database_url) as store, pytest.raises(ValueError, match="SPOTKEEPER_TOKEN"):
        ensure_access(store, settings, now=datetime.now(UTC))


# --- time and restarts -----------------------------------------------------------------------------


def test_the_simulated_clock_never_runs_back_across_a_restart() -> None:
    ahead = datetime.now(UTC) + timedelta(days=3)
    assert resume_clock(speed=60, saved=ahead).now() >= ahead
    behind = datetime.now(UTC) - timedelta(days=3)
    assert resume_clock(speed=1, saved=behind).now() >= datetime.now(UTC) - timedelta(seconds=1)


def test_a_restart_resumes_the_node_on_the_same_vm_and_disks(tmp_path: Path) -> None:
    runtime = fast(tmp_path)
    try:
        node_id = launched_node(runtime)
        assert runtime.sim is not None
        record = runtime.store.nodes.get(node_id)
        assert record is not None
        disk_id = record.status_json["data_disks"][0]["id"]
        fingerprint = runtime.sim.write_disk(disk_id, b"written before the restart")
        before = status_view(record)
    finally:
        runtime.close()
    assert runtime.snapshots is not None and runtime.snapshots.path.exists()

    restarted = fast(tmp_path)
    try:
        assert restarted.restored
        assert restarted.sim is not None
        assert restarted.sim.disk_fingerprint(disk_id) == fingerprint
        assert restarted.cloud.get_vm("sk-sandbox", "kept-vm").name == "kept-vm"
        time.sleep(0.5)  # a few worker passes on the restored cloud
        record = restarted.store.nodes.get(node_id)
        assert record is not None
        after = status_view(record)
        assert after["status"] == "active"
        assert (after["vmName"], after["privateIp"], after["publicIp"]) == (
            before["vmName"],
            before["privateIp"],
            before["publicIp"],
        )
    finally:
        restarted.close()


def test_an_unreadable_snapshot_is_set_aside_and_the_cloud_starts_fresh(tmp_path: Path) -> None:
    settings = up_settings(tmp_path)
    settings.sim_state_file.write_bytes(b"not a pickle")
    runtime = build_up(settings, latency="instant", with_console=False)
    try:
        assert not runtime.restored
        assert (tmp_path / "sim.pickle.unreadable").exists()
        assert runtime.cloud.get_inventory("eastus").virtual_networks  # the default world is there
    finally:
        runtime.close()
    assert SimSnapshots(settings.sim_state_file).saved_time() is not None


# --- serving over a real socket --------------------------------------------------------------------


def test_the_cli_reaches_a_real_server_and_exits_3_when_it_is_gone(tmp_path: Path) -> None:
    runtime = fast(tmp_path)
    server = ServerThread.start(runtime.api)  # type: ignore[arg-type]
    assert runtime.access is not None
    env = {"SPOTKEEPER_URL": server.url, "SPOTKEEPER_TOKEN": runtime.access.token, "SPOTKEEPER_ACCOUNT": None}
    try:
        health = httpx.get(f"{server.url}/healthz")
        assert health.status_code == 200
        launched_node(runtime)
        listed = runner.invoke(app, ["node", "list", "--json"], env=env)
        assert listed.exit_code == 0, listed.output
        assert [node["name"] for node in json.loads(listed.stdout)] == ["kept"]
        scoped = runner.invoke(app, ["node", "--account", runtime.access.account.id, "list"], env=env)
        assert scoped.exit_code == 0
        foreign = runner.invoke(app, ["node", "--account", "act-00000000", "list"], env=env)
        assert foreign.exit_code == 1 and "accountId:" in foreign.stderr
    finally:
        server.stop()
        runtime.close()
    gone = runner.invoke(app, ["node", "list"], env=env)
    assert gone.exit_code == 3
    assert "[UNREACHABLE]" in gone.stderr


# --- the commands' own refusals ---------------------------------------------------------------------


@pytest.mark.parametrize("command", ["serve", "worker"])
def test_split_processes_refuse_the_private_simulated_azure(command: str, tmp_path: Path) -> None:
    result = runner.invoke(app, [command, "--cloud", "sim", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "--cloud sim" in result.stderr and "spotkeeper up" in result.stderr


def test_up_on_a_port_in_use_exits_3_naming_the_port(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = runner.invoke(
            app,
            ["up", "--port", str(port), "--data-dir", str(tmp_path)],
            env={"SPOTKEEPER_DATABASE_URL": None, "SPOTKEEPER_TOKEN": None},
        )
    assert result.exit_code == 3
    assert "--port" in result.stderr and str(port) in result.stderr


def test_up_refuses_a_weak_operator_token(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["up", "--port", "0", "--data-dir", str(tmp_path)],
        env={"SPOTKEEPER_TOKEN": "weak", "SPOTKEEPER_DATABASE_URL": None},
    )
    assert result.exit_code == 2
    assert "SPOTKEEPER_TOKEN" in result.stderr


def test_settings_take_the_flag_then_the_environment_then_the_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPOTKEEPER_DATA_DIR", str(tmp_path / "from-env"))
    monkeypatch.delenv("SPOTKEEPER_DATABASE_URL", raising=False)
    assert data_dir_from(None) == tmp_path / "from-env"
    assert data_dir_from(tmp_path / "flag") == tmp_path / "flag"
    assert database_url_from(None, tmp_path).endswith(f"{tmp_path}/spotkeeper.db")
    monkeypatch.setenv("SPOTKEEPER_DATABASE_URL", "postgresql://postgres@127.0.0.1/test")
    assert database_url_from(None, tmp_path) == "postgresql://postgres@127.0.0.1/test"
    assert database_url_from("sqlite:///x.db", tmp_path) == "sqlite:///x.db"
    monkeypatch.delenv("SPOTKEEPER_DATA_DIR")
    assert data_dir_from(None) == Path("~/.local/share/spotkeeper").expanduser()


def test_server_settings_name_the_bad_value(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="scenario"):
        ServerSettings(data_dir=tmp_path, database_url="sqlite://", scenario="stormy")
    with pytest.raises(ValueError, match="sim_speed"):
        ServerSettings(data_dir=tmp_path, database_url="sqlite://", sim_speed=0)
