"""The composition of `spotkeeper serve` and `spotkeeper worker`: spotkeeper split across
processes that share a store (PostgreSQL) and a cloud every process sees the same way — the
Azure driver, against Azure itself or against the simulated Azure that `spotkeeper sim serve`
serves as Azure Resource Manager over HTTPS (`--azure-endpoint`, `--azure-ca`).

The clock is the wall clock: the cloud is outside the process, and so is its time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from spotkeeper.app import Runtime, build_api, ensure_access
from spotkeeper.catalog import Catalog, load_catalog
from spotkeeper.clock import Clock, SystemClock
from spotkeeper.engine.worker import Worker
from spotkeeper.service import NodeService
from spotkeeper.settings import ServerSettings
from spotkeeper.store import Store

if TYPE_CHECKING:
    from spotkeeper.cloud.azure import AzureCloudProvider

# The Azure driver in `serve`/`worker`: a few quick retries of throttled or failed idempotent
# requests inside the SDK (longer waits are the engine's backoff), and the pace of the few
# operations it waits for when Azure gives no Retry-After.
AZURE_RETRY_TOTAL = 3
AZURE_POLLING_INTERVAL_S = 2.0


def azure_cloud(settings: ServerSettings, *, clock: Clock, catalog: Catalog) -> AzureCloudProvider:
    """The Azure driver for `--cloud azure`: real Azure with `DefaultAzureCredential`, or, with
    `--azure-endpoint`, the simulated Azure's ARM facade (any bearer token works there; its
    certificate is trusted through `--azure-ca`, and the VMs' Scheduled Events are read from
    the IMDS view it serves beside ARM)."""
    from spotkeeper.cloud.azure import (
        AzureCloudProvider,
        FacadeScheduledEvents,
        StaticTokenCredential,
        azure_credential,
    )

    subscription = (settings.azure_subscription or "").strip()
    endpoint = settings.azure_endpoint
    if endpoint is None:
        return AzureCloudProvider(
            azure_credential(),
            subscription,
            polling_interval=AZURE_POLLING_INTERVAL_S,
            retry_total=AZURE_RETRY_TOTAL,
            catalog=catalog,
            clock=clock,
        )
    verify: str | bool = str(settings.azure_ca) if settings.azure_ca is not None else True
    return AzureCloudProvider(
        StaticTokenCredential(),
        subscription,
        base_url=endpoint,
        connection_verify=verify,
        polling_interval=AZURE_POLLING_INTERVAL_S,
        retry_total=AZURE_RETRY_TOTAL,
        catalog=catalog,
        clock=clock,
        scheduled_events=FacadeScheduledEvents(endpoint, verify=verify),
    )


def _build_split(
    settings: ServerSettings, *, catalog: Catalog | None, api: bool, worker: bool, with_console: bool
) -> Runtime:
    if settings.cloud != "azure":
        raise ValueError(
            f"cloud: {settings.cloud!r} cannot be shared by several processes; use --cloud azure"
        )
    catalog = catalog or load_catalog()
    clock = SystemClock()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = Store(settings.database_url)
    try:
        cloud = azure_cloud(settings, clock=clock, catalog=catalog)
    except BaseException:
        store.close()
        raise
    try:
        access = ensure_access(store, settings, now=clock.now()) if api else None
        service = NodeService(store, cloud, clock, catalog=catalog)
        return Runtime(
            settings=settings,
            store=store,
            clock=clock,
            cloud=cloud,
            service=service,
            api=build_api(service, with_console=with_console) if api else None,
            worker=Worker(store, cloud, clock, catalog=catalog) if worker else None,
            access=access,
            on_close=[cloud.close],
        )
    except BaseException:
        cloud.close()
        store.close()
        raise


def build_serve(
    settings: ServerSettings, *, catalog: Catalog | None = None, with_console: bool = True
) -> Runtime:
    """`spotkeeper serve`: the API and console over a shared store and the Azure driver."""
    return _build_split(settings, catalog=catalog, api=True, worker=False, with_console=with_console)


def build_worker(settings: ServerSettings, *, catalog: Catalog | None = None) -> Runtime:
    """`spotkeeper worker`: the reconcile loop over a shared store and the Azure driver."""
    return _build_split(settings, catalog=catalog, api=False, worker=True, with_console=False)


__all__ = ["AZURE_POLLING_INTERVAL_S", "AZURE_RETRY_TOTAL", "azure_cloud", "build_serve", "build_worker"]
