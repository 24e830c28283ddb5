"""Configuration: where spotkeeper keeps its data, which database and cloud it uses, where a
client finds the server.

Every setting has one name in three places — a command-line flag, an environment variable and
a default — and a flag wins over the variable, which wins over the default. The names live here
once so the CLI's `--help`, the README's Configuration table and the code cannot drift apart.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from spotkeeper.store import database_url_from_env, default_database_url

DATA_DIR_ENV = "SPOTKEEPER_DATA_DIR"
DATABASE_URL_ENV = "SPOTKEEPER_DATABASE_URL"
TOKEN_ENV = "SPOTKEEPER_TOKEN"
URL_ENV = "SPOTKEEPER_URL"
ACCOUNT_ENV = "SPOTKEEPER_ACCOUNT"
HOST_ENV = "SPOTKEEPER_HOST"
PORT_ENV = "SPOTKEEPER_PORT"
CLOUD_ENV = "SPOTKEEPER_CLOUD"
SCENARIO_ENV = "SPOTKEEPER_SCENARIO"
SIM_SPEED_ENV = "SPOTKEEPER_SIM_SPEED"
SEED_ENV = "SPOTKEEPER_SEED"
AZURE_SUBSCRIPTION_ENV = "AZURE_SUBSCRIPTION_ID"  # the Azure CLI's and SDK samples' own name
AZURE_ENDPOINT_ENV = "SPOTKEEPER_AZURE_ENDPOINT"
AZURE_CA_ENV = "SPOTKEEPER_AZURE_CA"

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
DEFAULT_URL = f"http://{DEFAULT_HOST}:{DEFAULT_PORT}"
DEFAULT_DATA_DIR = Path("~/.local/share/spotkeeper")
DEFAULT_ACCOUNT_NAME = "default"
CLOUDS = ("sim", "azure")
SCENARIOS = ("calm", "volatile", "drought")

TOKEN_FILE = "token"
SIM_STATE_FILE = "sim.pickle"


def data_dir_from(flag: Path | None) -> Path:
    """`--data-dir`, else `$SPOTKEEPER_DATA_DIR`, else `~/.local/share/spotkeeper` (expanded)."""
    if flag is not None:
        return flag.expanduser()
    from_env = os.environ.get(DATA_DIR_ENV, "").strip()
    return Path(from_env).expanduser() if from_env else DEFAULT_DATA_DIR.expanduser()


def database_url_from(flag: str | None, data_dir: Path) -> str:
    """`--database-url`, else `$SPOTKEEPER_DATABASE_URL`, else the SQLite file in the data dir."""
    if flag is not None and flag.strip():
        return flag.strip()
    return database_url_from_env(default_database_url(data_dir))


@dataclass(frozen=True, kw_only=True)
class ServerSettings:
    """What a server process (`up`, `serve`, `worker`) runs with."""

    data_dir: Path
    database_url: str
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    cloud: str = "sim"
    scenario: str = "calm"
    sim_speed: float = 1.0
    seed: int = 0
    token: str | None = None  # a token chosen by the operator ($SPOTKEEPER_TOKEN)
    # --cloud azure: the subscription, and an ARM endpoint other than Azure's (the simulated
    # Azure's facade from `spotkeeper sim serve`) with the CA certificate to trust for it
    azure_subscription: str | None = None
    azure_endpoint: str | None = None
    azure_ca: Path | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.port < 65536:
            raise ValueError(f"port: {self.port} is not a TCP port (1-65535, or 0 for any free port)")
        if self.cloud not in CLOUDS:
            raise ValueError(f"cloud: {self.cloud!r} is not available; choose one of {', '.join(CLOUDS)}")
        if self.scenario not in SCENARIOS:
            raise ValueError(f"scenario: {self.scenario!r} is unknown; choose one of {', '.join(SCENARIOS)}")
        if self.sim_speed <= 0:
            raise ValueError(f"sim_speed: {self.sim_speed} must be positive")
        if self.token is not None and not self.token.strip():
            raise ValueError(f"{TOKEN_ENV}: is set but blank")
        if self.cloud == "azure":
            self._check_azure()

    def _check_azure(self) -> None:
        if not (self.azure_subscription or "").strip():
            raise ValueError(
                f"azure_subscription: --cloud azure needs the subscription (--azure-subscription or "
                f"${AZURE_SUBSCRIPTION_ENV})"
            )
        endpoint = self.azure_endpoint
        if endpoint is not None and not endpoint.startswith("https://"):
            raise ValueError(
                f"azure_endpoint: {endpoint!r} must be an https:// URL (Azure's SDK sends bearer tokens over "
                "TLS only)"
            )
        if self.azure_ca is not None:
            if endpoint is None:
                raise ValueError(
                    "azure_ca: a CA certificate is only for --azure-endpoint; Azure's own is trusted"
                )
            if not self.azure_ca.is_file():
                raise ValueError(f"azure_ca: {self.azure_ca} is not a file")

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def token_file(self) -> Path:
        return self.data_dir / TOKEN_FILE

    @property
    def sim_state_file(self) -> Path:
        return self.data_dir / SIM_STATE_FILE


@dataclass(frozen=True, kw_only=True)
class ClientSettings:
    """Where the CLI's node commands send their requests, and as whom."""

    url: str = DEFAULT_URL
    token: str | None = None
    account: str | None = None

    @classmethod
    def from_env(
        cls, *, url: str | None = None, token: str | None = None, account: str | None = None
    ) -> ClientSettings:
        return cls(
            url=(url or os.environ.get(URL_ENV, "").strip() or DEFAULT_URL).rstrip("/"),
            token=token or os.environ.get(TOKEN_ENV, "").strip() or None,
            account=account or os.environ.get(ACCOUNT_ENV, "").strip() or None,
        )
