"""Serving the ARM facade over HTTPS on the loopback interface, with a throw-away certificate.

The Azure SDK refuses bearer tokens over plain HTTP (`../shared/reference/azure.md` §1.2), so
the facade speaks HTTPS with a certificate for `127.0.0.1` and `localhost` signed by a CA
minted on first use (`trustme`). A client trusts it with `connection_verify=<ca.pem>`; nothing
else about the SDK changes:

    server = ArmServer(sim)
    base_url, ca_pem = server.start()          # "https://127.0.0.1:PORT", "/tmp/.../ca.pem"
    client = ComputeManagementClient(credential, sim.subscription_id, base_url=base_url,
                                     connection_verify=ca_pem, polling_interval=0.01)
    ...
    server.stop()

With `cert_dir` the CA and the server's key pair are kept in that directory and reused by the
next start, so a long-lived client's trust survives a restart of `spotkeeper sim serve`.
"""

from __future__ import annotations

import asyncio
import socket
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import uvicorn

from spotkeeper.sim.arm.app import ArmFacade
from spotkeeper.sim.azure import SimAzure

CA_FILE, CERT_FILE, KEY_FILE = "ca.pem", "server.pem", "server-key.pem"
GRACE_SECONDS = 0.2


@dataclass(frozen=True)
class TlsFiles:
    ca: Path  # what clients trust
    cert: Path  # the server's certificate chain
    key: Path


def ensure_tls_files(directory: Path) -> TlsFiles:
    """A CA and a server certificate for 127.0.0.1/localhost in `directory`, minted unless
    all three files are already there."""
    directory.mkdir(parents=True, exist_ok=True)
    files = TlsFiles(directory / CA_FILE, directory / CERT_FILE, directory / KEY_FILE)
    if all(path.exists() for path in (files.ca, files.cert, files.key)):
        return files
    import trustme

    authority = trustme.CA(organization_name="spotkeeper simulated Azure")
    leaf = authority.issue_cert("127.0.0.1", "localhost", "::1")
    authority.cert_pem.write_to_path(str(files.ca))
    leaf.private_key_pem.write_to_path(str(files.key))
    files.key.chmod(0o600)
    with files.cert.open("wb") as chain:
        for blob in leaf.cert_chain_pems:
            chain.write(blob.bytes())
    return files


class ArmServer:
    """The facade on `https://{host}:{port}` in a background thread (port 0 = any free port)."""

    def __init__(
        self,
        sim: SimAzure,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        cert_dir: Path | None = None,
        auto_advance: bool = False,
        log_level: str = "warning",
    ) -> None:
        self.sim = sim
        self.host = host
        self.port = port
        self.facade = ArmFacade(sim, auto_advance=auto_advance)
        self._cert_dir = cert_dir
        self._tempdir: tempfile.TemporaryDirectory[str] | None = None
        self._log_level = log_level
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self.base_url = ""
        self.ca_pem = ""

    def start(self, *, timeout: float = 10.0) -> tuple[str, str]:
        """Start serving; returns (base URL, path of the CA certificate to trust)."""
        if self._server is not None:
            return self.base_url, self.ca_pem
        directory = self._cert_dir
        if directory is None:
            self._tempdir = tempfile.TemporaryDirectory(prefix="spotkeeper-arm-")
            directory = Path(self._tempdir.name)
        tls = ensure_tls_files(directory)
        sock = _bind(self.host, self.port)
        port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.facade.asgi(),
            log_level=self._log_level,
            lifespan="off",
            access_log=False,
            ssl_certfile=str(tls.cert),
            ssl_keyfile=str(tls.key),
            timeout_graceful_shutdown=5,
        )
        server = _FacadeServer(config)
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, daemon=True, name=f"arm-facade-{port}"
        )
        thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                server.should_exit = True
                sock.close()
                raise RuntimeError(f"the ARM facade did not start on {self.host}:{port}")
            time.sleep(0.01)
        self._server, self._thread, self._socket = server, thread, sock
        shown = f"[{self.host}]" if ":" in self.host else self.host
        self.base_url, self.ca_pem = f"https://{shown}:{port}", str(tls.ca)
        return self.base_url, self.ca_pem

    def switch_to(self, sim: SimAzure) -> None:
        """Serve another simulated Azure on the same URL and certificate (see
        `ArmFacade.switch_to`); cheaper than a server per test."""
        self.sim = sim
        self.facade.switch_to(sim)

    def stop(self, *, timeout: float = 10.0) -> None:
        """Stop serving (requests in flight get `GRACE_SECONDS` to finish)."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
        if self._socket is not None:
            self._socket.close()
        if self._tempdir is not None:
            self._tempdir.cleanup()
        self._server = self._thread = self._socket = self._tempdir = None

    def serve_forever(self) -> None:
        """Block until the server stops (Ctrl-C); for `spotkeeper sim serve`."""
        if self._thread is None:
            self.start()
        assert self._thread is not None
        try:
            while self._thread.is_alive():
                self._thread.join(0.5)
        finally:
            self.stop()

    def __enter__(self) -> ArmServer:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()


class _FacadeServer(uvicorn.Server):
    """uvicorn, except that shutting down does not wait on idle keep-alive connections: a
    TLS close waits for the client's `close_notify`, and an SDK client holding a pooled
    connection may never send it."""

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        async def abort_stragglers() -> None:
            await asyncio.sleep(GRACE_SECONDS)
            for connection in list(self.server_state.connections):
                transport = getattr(connection, "transport", None)
                if transport is not None:
                    transport.abort()

        stragglers = asyncio.ensure_future(abort_stragglers())
        try:
            await super().shutdown(sockets)
        finally:
            stragglers.cancel()


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise OSError(f"cannot listen on {host}:{port}: {error.strerror}") from error
    sock.listen(512)
    return sock
