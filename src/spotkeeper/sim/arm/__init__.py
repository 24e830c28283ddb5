"""The ARM facade: the simulated Azure served as Azure Resource Manager REST over HTTPS, so the
real Azure driver (the official Azure SDK for Python) runs against it unmodified.

Laid out like a moto backend: the state is `SimAzure` (the models), `urls` is the routing
table, the `*_responses` modules parse requests and write ARM's JSON (`vm_wire` and
`vm_documents` for VMs), `operations` answers long-running-operation polls from the
simulator's timeline, `exceptions` renders errors, and `control` is the `/_sim/` API beside
the emulated one.

    from spotkeeper.sim.arm import ArmServer
    with ArmServer(sim) as server:     # or: base_url, ca_pem = server.start(); ...; server.stop()
        client = ComputeManagementClient(credential, sim.subscription_id,
                                         base_url=server.base_url, connection_verify=server.ca_pem,
                                         polling_interval=0.01)

What a driver can rely on:

* any bearer token is accepted; a request without one is a 401. Any `api-version` is accepted.
* long-running operations answer as ARM does (PUT 201/200, DELETE and POST actions 202, disks
  and snapshots 202/200) with absolute `Azure-AsyncOperation` URLs (and `Location` for DELETE
  and POST) built from the `Host` the client used; no `Retry-After` on those initial answers,
  so the client's `polling_interval` paces the polls. A poll reports what the simulator's
  timeline says: with a ManualClock nothing progresses until the clock moves
  (`POST /_sim/clock/advance`, or `ArmServer(..., auto_advance=True)` to let each poll move it
  to the operation's completion); with a ScaledClock or the wall clock, in real time; with the
  `instant` latency profile, at once.
* errors are ARM's envelope `{"error": {"code", "message", "target"}}` with the simulator's
  status and code (a capacity refusal is 409 `SkuNotAvailable`/`AllocationFailed`, which the
  SDK raises as `ResourceExistsError`); `Retry-After` (whole seconds) only on 429 and 5xx,
  because azure-core retries any error carrying it.
* the fault plan (`sim.faults`, or `POST /_sim/faults`) also applies at the HTTP layer as
  operations `arm.get`, `arm.put`, `arm.post`, `arm.patch`, `arm.delete`.
"""

from spotkeeper.sim.arm.app import ArmFacade, build_arm_app
from spotkeeper.sim.arm.server import ArmServer, TlsFiles, ensure_tls_files

__all__ = ["ArmFacade", "ArmServer", "TlsFiles", "build_arm_app", "ensure_tls_files"]
