"""The ARM facade: the simulated Azure served as Azure Resource Manager REST over HTTPS, so the
real Azure driver (the official Azure SDK for Python) runs against it unmodified.

Laid out like a moto backend: the state is `SimAzure` (the models), `urls` is the routing
table, the `*_responses` modules parse requests and write ARM's JSON, `operations` answers
long-running-operation polls from the simulator's timeline, `exceptions` renders errors, and
`control` is the `/_sim/` API beside the emulated one.

    from spotkeeper.sim.arm import ArmServer
    with ArmServer(sim) as server:     # or: base_url, ca_pem = server.start()
        client = ComputeManagementClient(credential, sim.subscription_id,
                                         base_url=server.base_url, connection_verify=server.ca_pem)
"""

from spotkeeper.sim.arm.app import ArmFacade, build_arm_app
from spotkeeper.sim.arm.server import ArmServer, TlsFiles, ensure_tls_files

__all__ = ["ArmFacade", "ArmServer", "TlsFiles", "build_arm_app", "ensure_tls_files"]
