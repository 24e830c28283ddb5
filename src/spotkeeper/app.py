"""The composition root: the one place that builds a running spotkeeper from its settings.

`spotkeeper up` is the main job: the API, the console, the worker and a simulated Azure in one
process on one store. `spotkeeper serve` (API + console) and `spotkeeper worker` (the loop only)
split it across processes sharing a PostgreSQL store and the Azure driver (their composition
is `app_split`, built from the pieces here). Everything else in the package takes its
collaborators as arguments; only these modules decide which store, cloud, clock and service a
process gets, so tests and the benchmark build the same runtime the CLI runs.

Decisions, each explained where it is made:

* Access (`ensure_access`): the first run creates the `default` account and an API token.
* Time (`resume_clock`): the simulated Azure runs on a `ScaledClock` that never runs backwards
  across restarts.
* The simulated Azure's state (`SimSnapshots`) survives a restart: it is saved to
  `DATA_DIR/sim.pickle` every `SNAPSHOT_EVERY` and on a clean stop, and restored on start.
"""

from __future__ import annotations

import io
import logging
import os
import pickle
import socket
import stat
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import cloudpickle
import uvicorn
from fastapi import FastAPI

from spotkeeper.catalog import Catalog, load_catalog
from spotkeeper.clock import Clock, ScaledClock
from spotkeeper.cloud.port import CloudProvider
from spotkeeper.cloud.sim import SimCloudProvider
from spotkeeper.engine.worker import Worker
from spotkeeper.service import NodeService
from spotkeeper.settings import DEFAULT_ACCOUNT_NAME, TOKEN_ENV, ServerSettings
from spotkeeper.sim import SimAzure, seed_default_world
from spotkeeper.store import Account, Store

logger = logging.getLogger(__name__)

SNAPSHOT_EVERY = timedelta(seconds=30)
MIN_OPERATOR_TOKEN = 16
SNAPSHOT_FORMAT = 1
Latency = Literal["instant", "azure-typical"]


# ----------------------------------------------------------------------------------- access


@dataclass(frozen=True)
class Access:
    """Who the printed token acts for, and where the token came from."""

    account: Account
    token: str
    origin: Literal["environment", "token file", "new"]


def default_account(store: Store, *, now: datetime) -> Account:
    """The oldest account (the one Spot clients without `accountId` act in), created if none."""
    accounts = store.accounts.find()
    return accounts[0] if accounts else store.accounts.create(DEFAULT_ACCOUNT_NAME, now=now)


def register_token(store: Store, account_id: str, token: str, *, now: datetime) -> None:
    """Store the digest of a token the operator chose, so it authenticates like a minted one.

    The store can only mint tokens (`create_token`); adopting a given one needs this bridge
    until the store offers `accounts.register_token(account_id, token, now=)`.
    """
    from sqlalchemy import select

    from spotkeeper.store.accounts import hash_token
    from spotkeeper.store.records import new_id
    from spotkeeper.store.tables import ApiTokenRow

    with store.database.session_scope(write=True) as session:
        taken = session.scalars(
            select(ApiTokenRow).where(ApiTokenRow.token_hash == hash_token(token))
        ).first()
        if taken is not None:  # the same token, revoked earlier: it stays revoked
            raise ValueError(f"{TOKEN_ENV}: this token was revoked; choose another one")
        session.add(
            ApiTokenRow(
                id=new_id("tok"),
                token_hash=hash_token(token),
                account_id=account_id,
                created_at=now,
                last_used_at=None,
                revoked=False,
            )
        )


def ensure_access(store: Store, settings: ServerSettings, *, now: datetime) -> Access:
    """The account and token `up` prints.

    With `SPOTKEEPER_TOKEN` set, that token is registered (hashed) for the default account, so a
    script that chose it knows it before the server starts. Otherwise a token is minted once and
    its plaintext is kept in `DATA_DIR/token` (mode 0600) so every restart can print it again:
    the store keeps only digests and could not. The file gives no one anything new: whoever can
    read the data directory can also write the SQLite database beside it and mint a token there.
    A revoked saved token is replaced by a fresh one.
    """
    account = default_account(store, now=now)
    if settings.token is not None:
        token = settings.token.strip()
        if len(token) < MIN_OPERATOR_TOKEN:
            # Tokens are stored as an unsalted SHA-256: safe only for high-entropy secrets.
            raise ValueError(
                f"{TOKEN_ENV}: a token must be at least {MIN_OPERATOR_TOKEN} characters "
                "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)"
            )
        owner = store.accounts.account_for_token(token)
        if owner is None:
            register_token(store, account.id, token, now=now)
            owner = account
        return Access(owner, token, "environment")
    path = settings.token_file
    if path.exists():
        saved = path.read_text(encoding="utf-8").strip()
        owner = store.accounts.account_for_token(saved) if saved else None
        if owner is not None:
            return Access(owner, saved, "token file")
    token = store.accounts.create_token(account.id, now=now)
    write_private(path, (token + "\n").encode())
    return Access(account, token, "new")


def write_private(path: Path, data: bytes) -> None:
    """Write `data` readable by the owner only, atomically (a reader never sees half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, stat.S_IRUSR | stat.S_IWUSR)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(scratch, path)
    finally:
        if scratch.exists():
            scratch.unlink()


# ----------------------------------------------------------------------------- the simulated Azure


def resume_clock(*, speed: float, saved: datetime | None) -> ScaledClock:
    """Simulated time for `up`: wall time sped up by `speed`, never earlier than the last run's.

    At speed 1 the simulated Azure follows the wall clock, so events that fell due while the
    process was down (an eviction wave, an LRO completing) happen at once on restart, as Azure
    would have gone on without us. Faster than real time, the simulated clock is ahead of the
    wall; restarting from the wall would move it backwards under the store's timestamps, so it
    resumes where it stopped instead.
    """
    wall = datetime.now(UTC)
    return ScaledClock(speed, start=max(wall, saved) if saved is not None else wall)


@dataclass
class SimSnapshots:
    """Saves the simulated Azure to a file and restores it, so a restart keeps the cloud.

    The simulator lives in memory; without this a restart would find the store remembering
    nodes whose VMs, disks and IPs no longer exist. The snapshot is a pickle (cloudpickle, for
    the event heap's closures) of the whole `SimAzure` minus what is rebuilt from the flags:
    the clock, the catalog, and the market, latency and fault models (pure functions of seed
    and scenario). It is taken under the simulator's lock, so it is consistent, every
    `SNAPSHOT_EVERY` and on a clean stop; after a crash the last one is at most that old, and
    the engine reconciles the difference (a resource it made since is missing: it makes it
    again; read-before-create never duplicates). A snapshot that cannot be read (another
    spotkeeper version) is set aside as `sim.pickle.unreadable` and the cloud starts fresh:
    every node then finds its VM gone; the engine never recreates a disk that held data empty,
    so such nodes report the loss instead of booting blank.
    """

    path: Path

    def save(self, sim: SimAzure, *, scenario: str) -> None:
        externals = _externals(sim)
        buffer = io.BytesIO()
        with sim.ctx.lock:
            header = {
                "format": SNAPSHOT_FORMAT,
                "seed": sim.seed,
                "scenario": scenario,
                "simTime": sim.clock.now().isoformat(),
            }
            pickle.dump(header, buffer)
            _SnapshotPickler(buffer, externals).dump(sim)
        write_private(self.path, buffer.getvalue())

    def saved_time(self) -> datetime | None:
        header = self._header()
        return datetime.fromisoformat(header["simTime"]) if header else None

    def _header(self) -> dict[str, Any] | None:
        if not self.path.exists():
            return None
        try:
            with self.path.open("rb") as handle:
                header = pickle.load(handle)
        except Exception:
            return None
        return header if isinstance(header, dict) and header.get("format") == SNAPSHOT_FORMAT else None

    def restore(self, fresh: SimAzure) -> SimAzure | None:
        """The saved simulator wired to `fresh`'s clock and models; None when there is none."""
        if not self.path.exists():
            return None
        try:
            with self.path.open("rb") as handle:
                header = pickle.load(handle)
                if not isinstance(header, dict) or header.get("format") != SNAPSHOT_FORMAT:
                    raise ValueError(f"unknown snapshot format {header!r}")
                sim = _SnapshotUnpickler(handle, _externals(fresh)).load()
            if not isinstance(sim, SimAzure):
                raise TypeError(f"the snapshot holds a {type(sim).__name__}")
        except Exception as error:
            logger.warning(
                "the simulated Azure in %s cannot be restored (%s); starting a fresh one", self.path, error
            )
            self.path.replace(self.path.with_name(self.path.name + ".unreadable"))
            return None
        return sim


def _externals(sim: SimAzure) -> dict[str, object]:
    return {
        "clock": sim.clock,
        "catalog": sim.catalog,
        "market": sim.market,
        "latency": sim.latency,
        "faults": sim.faults,
    }


_LOCK_TYPES = (type(threading.Lock()), type(threading.RLock()))


class _SnapshotPickler(cloudpickle.Pickler):  # type: ignore[misc]
    def __init__(self, file: io.BytesIO, externals: dict[str, object]) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._external_ids = {id(obj): name for name, obj in externals.items()}

    def persistent_id(self, obj: object) -> str | None:
        return self._external_ids.get(id(obj))

    def reducer_override(self, obj: object) -> Any:
        if isinstance(obj, _LOCK_TYPES):  # a lock's state means nothing in another process
            return (threading.RLock if "RLock" in type(obj).__name__ else threading.Lock, ())
        return super().reducer_override(obj)


class _SnapshotUnpickler(pickle.Unpickler):
    def __init__(self, file: Any, externals: dict[str, object]) -> None:
        super().__init__(file)
        self._externals = externals

    def persistent_load(self, pid: Any) -> object:
        return self._externals[str(pid)]


# ----------------------------------------------------------------------------------- runtimes


@dataclass
class Runtime:
    """A built spotkeeper: store, cloud, service, API app, worker; `close()` stops it cleanly."""

    settings: ServerSettings
    store: Store
    clock: Clock
    cloud: CloudProvider
    service: NodeService
    api: FastAPI | None
    worker: Worker | None
    access: Access | None = None
    sim: SimAzure | None = None
    restored: bool = False
    snapshots: SimSnapshots | None = None
    on_close: list[Callable[[], None]] = field(default_factory=list)  # e.g. the Azure driver's clients
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start_background(self, *, idle_sleep: float = 1.0) -> None:
        """Start the worker loop (and the simulator's snapshots) in daemon threads."""
        if self.worker is not None:
            worker = self.worker
            self._spawn("spotkeeper-worker", lambda: worker.run_forever(self._stop, idle_sleep=idle_sleep))
        if self.sim is not None and self.snapshots is not None:
            self._spawn("spotkeeper-sim-snapshots", self._snapshot_loop)

    def _spawn(self, name: str, target: Any) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _snapshot_loop(self) -> None:
        while not self._stop.wait(SNAPSHOT_EVERY.total_seconds()):
            self.save_sim()

    def save_sim(self) -> None:
        if self.sim is not None and self.snapshots is not None:
            try:
                self.snapshots.save(self.sim, scenario=self.settings.scenario)
            except Exception:
                logger.exception("could not save the simulated Azure to %s", self.snapshots.path)

    def close(self, *, join_seconds: float = 30.0) -> None:
        """Stop the worker (its current pass finishes), save the simulator, close the store."""
        self._stop.set()
        for thread in self._threads:
            thread.join(join_seconds)
        self._threads.clear()
        self.save_sim()
        for release in self.on_close:
            release()
        self.store.close()


def build_up(
    settings: ServerSettings,
    *,
    latency: Latency = "azure-typical",
    catalog: Catalog | None = None,
    with_console: bool = True,
) -> Runtime:
    """Everything in one process: API, console, worker, simulated Azure, one store."""
    catalog = catalog or load_catalog()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    snapshots = SimSnapshots(settings.sim_state_file)
    clock = resume_clock(speed=settings.sim_speed, saved=snapshots.saved_time())
    fresh = SimAzure(
        clock=clock, seed=settings.seed, scenario=settings.scenario, latency=latency, catalog=catalog
    )
    sim = snapshots.restore(fresh)
    restored = sim is not None
    if sim is None:
        sim = fresh
        seed_default_world(sim)
    store = Store(settings.database_url)
    try:
        access = ensure_access(store, settings, now=clock.now())
        cloud = SimCloudProvider(sim)
        service = NodeService(store, cloud, clock, catalog=catalog)
        api = build_api(service, with_console=with_console)
        worker = Worker(store, cloud, clock, catalog=catalog)
    except BaseException:
        store.close()
        raise
    return Runtime(
        settings=settings,
        store=store,
        clock=clock,
        cloud=cloud,
        service=service,
        api=api,
        worker=worker,
        access=access,
        sim=sim,
        restored=restored,
        snapshots=snapshots,
    )


def build_api(service: NodeService, *, with_console: bool = True) -> FastAPI:
    """The Spot-compatible API with the web console mounted beside it."""
    from spotkeeper.api import create_app

    app = create_app(service)
    if with_console:
        mount_console(app, service)
    return app


def mount_console(app: FastAPI, service: NodeService) -> None:
    from spotkeeper.console import mount_console as mount

    mount(app, service)


# ----------------------------------------------------------------------------------- serving


class PortUnavailable(OSError):
    """The address `up`/`serve` was told to listen on cannot be bound."""


def bind(host: str, port: int) -> socket.socket:
    """Bind before uvicorn starts, so "port in use" is our error (exit 3) and port 0 works."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise PortUnavailable(f"cannot listen on {host}:{port}: {error.strerror}") from error
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def uvicorn_server(app: FastAPI, *, log_level: str = "warning") -> uvicorn.Server:
    # lifespan on: the console (NiceGUI) starts its event loop in the app's startup hook
    config = uvicorn.Config(
        app, log_level=log_level, lifespan="on", access_log=False, timeout_graceful_shutdown=10
    )
    return uvicorn.Server(config)


@dataclass
class ServerThread:
    """A real uvicorn server on a loopback port in a background thread (tests, benchmarks)."""

    server: uvicorn.Server
    thread: threading.Thread
    url: str

    @classmethod
    def start(
        cls, app: FastAPI, *, host: str = "127.0.0.1", port: int = 0, timeout: float = 10.0
    ) -> ServerThread:
        sock = bind(host, port)
        bound_port = sock.getsockname()[1]
        server = uvicorn_server(app)
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, daemon=True, name=f"uvicorn-{bound_port}"
        )
        thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"uvicorn did not start on {host}:{bound_port}")
            time.sleep(0.01)
        return cls(server, thread, f"http://{host}:{bound_port}")

    def stop(self, timeout: float = 10.0) -> None:
        self.server.should_exit = True
        self.thread.join(timeout)
