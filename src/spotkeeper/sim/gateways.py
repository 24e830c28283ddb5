"""Application gateways of the simulated Azure: backend pools and their health (and
`require_pool`, which also resolves load balancer pools, `sim.load_balancers`).

A stateful node can sit behind an application gateway; spotkeeper reads the gateway's backend
health to decide whether the node's VM is healthy. Members of a pool are the primary private
addresses of the NICs that name the pool (as an ip configuration's
`applicationGatewayBackendAddressPools` does in Azure) plus any literal addresses added to it.

Health of one address, as the gateway's probe would see it:
* "Healthy": a NIC has the address, its VM is running, the VM agent is Ready, the test has not
  forced the VM unhealthy, and one probe interval (30 s, the gateway default) has passed since
  the agent became Ready (no wait when the latency profile is instant: the agent was Ready at
  once);
* "Unhealthy": anything else about a NIC-backed address (no VM, VM stopped, agent not ready);
* "Unknown": a literal address no NIC in the simulator owns.

Not modelled: listeners, rules, probes' paths, the gateway's own subnet.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from spotkeeper.sim.context import SimContext, SimState, check_tags, not_found, settled
from spotkeeper.sim.errors import ArmError
from spotkeeper.sim.ids import NETWORK, key_of, parse_id, resource_id
from spotkeeper.sim.load_balancers import LoadBalancerPool, find_load_balancer_pool

if TYPE_CHECKING:
    from spotkeeper.sim.vm_models import VirtualMachine

PROBE_INTERVAL = timedelta(seconds=30)
SUPPORTED_SKUS = ("Standard_v2", "WAF_v2", "Basic")


@dataclass
class BackendPool:
    id: str
    name: str
    addresses: list[str] = field(default_factory=list)  # literal members


@dataclass
class ApplicationGateway:
    id: str
    resource_group: str
    name: str
    location: str
    sku: str
    pools: dict[str, BackendPool] = field(default_factory=dict)  # lower-cased name -> pool
    tags: dict[str, str] = field(default_factory=dict)
    provisioning_state: str = "Succeeded"


def require_pool(
    state: SimState, pool_id: str, *, location: str | None = None
) -> BackendPool | LoadBalancerPool:
    """The application gateway or load balancer backend pool `pool_id` names (a NIC's ip
    configuration may join either kind); with `location`, the pool's parent must be there."""
    parsed = parse_id(pool_id)
    types = None if parsed is None else [t.lower() for t in parsed.types]
    if parsed is None or types not in (["applicationgateways", "backendaddresspools"],
                                       ["loadbalancers", "backendaddresspools"]):
        raise ArmError(
            400,
            "InvalidResourceReference",
            f"'{pool_id}' is not an application gateway or load balancer backend pool id.",
            target="backendAddressPools",
        )
    parent_key = key_of(pool_id).rsplit("/backendaddresspools/", 1)[0]
    pool: BackendPool | LoadBalancerPool | None
    if types[0] == "loadbalancers":
        kind = "Microsoft.Network/loadBalancers/backendAddressPools"
        balancer = state.load_balancers.get(parent_key)
        pool = find_load_balancer_pool(state.load_balancers, pool_id)
        parent_location = None if balancer is None else balancer.location
    else:
        kind = "Microsoft.Network/applicationGateways/backendAddressPools"
        gateway = state.app_gateways.get(parent_key)
        pool = None if gateway is None else gateway.pools.get(parsed.names[1].lower())
        parent_location = None if gateway is None else gateway.location
    if pool is None:
        raise not_found(kind, parsed.resource_group, f"{parsed.names[0]}/{parsed.names[1]}")
    if location is not None and parent_location != location.lower():
        raise ArmError(
            400,
            "InvalidResourceReference",
            f"Backend pool {pool_id} is in {parent_location}; the network interface is in {location}.",
            target="backendAddressPools",
        )
    return pool


class GatewayService:
    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx

    @settled
    def create_or_update_app_gateway(
        self,
        resource_group: str,
        name: str,
        *,
        location: str,
        sku: str = "Standard_v2",
        backend_pools: Sequence[str] = (),
        tags: Mapping[str, str] | None = None,
    ) -> ApplicationGateway:
        """Pools named in `backend_pools` are created; existing pools keep their members and a
        pool left out of the list is removed unless a NIC still refers to it."""
        ctx = self.ctx
        group = ctx.require_group(resource_group)
        region = ctx.require_region(location)
        canonical = next((s for s in SUPPORTED_SKUS if s.lower() == sku.lower()), None)
        if canonical is None:
            raise ArmError(
                400,
                "ApplicationGatewaySkuNotSupported",
                f"Application gateway SKU '{sku}' is not supported; the v1 SKUs are retired, use one of "
                f"{', '.join(SUPPORTED_SKUS)}.",
                target="sku.name",
            )
        gw_id = resource_id(ctx.subscription_id, group.name, NETWORK, "applicationGateways", name)
        gateway = ctx.state.app_gateways.get(key_of(gw_id))
        if gateway is None:
            gateway = ApplicationGateway(gw_id, group.name, name, region.name, canonical)
        wanted = {pool_name.lower(): pool_name for pool_name in backend_pools}
        for key, pool in gateway.pools.items():
            if key not in wanted and self._pool_members(pool):
                raise ArmError(
                    400,
                    "ApplicationGatewayBackendAddressPoolInUse",
                    f"Backend pool {pool.name} is referenced by network interfaces and cannot be removed.",
                )
        gateway.sku = canonical
        gateway.tags = check_tags(dict(tags or {}))
        gateway.pools = {
            key: gateway.pools.get(key) or BackendPool(f"{gw_id}/backendAddressPools/{pool_name}", pool_name)
            for key, pool_name in wanted.items()
        }
        ctx.state.app_gateways[key_of(gw_id)] = gateway
        ctx.record("appgw.put", gw_id, ",".join(sorted(wanted)))
        return gateway

    @settled
    def get_app_gateway(self, resource_group: str, name: str) -> ApplicationGateway:
        gw_id = resource_id(self.ctx.subscription_id, resource_group, NETWORK, "applicationGateways", name)
        gateway = self.ctx.state.app_gateways.get(key_of(gw_id))
        if gateway is None:
            raise not_found("Microsoft.Network/applicationGateways", resource_group, name)
        return gateway

    @settled
    def list_app_gateways(self, *, location: str | None = None) -> list[ApplicationGateway]:
        gateways = [self.ctx.state.app_gateways[key] for key in sorted(self.ctx.state.app_gateways)]
        return [g for g in gateways if location is None or g.location == location.lower()]

    @settled
    def add_backend_address(self, resource_group: str, gateway: str, pool: str, address: str) -> None:
        """Add a literal member (an address no NIC need own) to a pool."""
        target = self._pool(resource_group, gateway, pool)
        if address not in target.addresses:
            target.addresses.append(address)

    @settled
    def backend_health(self, resource_group: str, gateway: str) -> dict[str, dict[str, str]]:
        """Health per pool name, then per member address (see the module docstring)."""
        gw = self.get_app_gateway(resource_group, gateway)
        return {pool.name: self._pool_health(pool) for pool in gw.pools.values()}

    def _pool(self, resource_group: str, gateway: str, pool: str) -> BackendPool:
        gw = self.get_app_gateway(resource_group, gateway)
        found = gw.pools.get(pool.lower())
        if found is None:
            raise not_found(
                "Microsoft.Network/applicationGateways/backendAddressPools",
                resource_group,
                f"{gateway}/{pool}",
            )
        return found

    def _pool_members(self, pool: BackendPool) -> list[str]:
        pool_key = key_of(pool.id)
        return sorted(
            nic.id
            for nic in self.ctx.state.nics.values()
            if pool_key in {key_of(p) for p in nic.backend_pool_ids}
        )

    def _pool_health(self, pool: BackendPool) -> dict[str, str]:
        state = self.ctx.state
        health: dict[str, str] = {}
        for nic_id in self._pool_members(pool):
            nic = state.nics[key_of(nic_id)]
            vm = None if nic.vm_id is None else state.vms.get(key_of(nic.vm_id))
            health[nic.private_ip] = "Unhealthy" if vm is None else self._probe(vm)
        owned = {nic.private_ip for nic in state.nics.values()}
        for address in pool.addresses:
            if address not in health:
                health[address] = "Unknown" if address not in owned else self._literal_health(address)
        return health

    def _literal_health(self, address: str) -> str:
        nic = next(n for n in self.ctx.state.nics.values() if n.private_ip == address)
        vm = None if nic.vm_id is None else self.ctx.state.vms.get(key_of(nic.vm_id))
        return "Unhealthy" if vm is None else self._probe(vm)

    def _probe(self, vm: VirtualMachine) -> str:
        now = self.ctx.now()
        ready_at = vm.agent_ready_at
        if vm.power_state != "running" or vm.forced_unhealthy or ready_at is None or now < ready_at:
            return "Unhealthy"
        probe_delay = PROBE_INTERVAL if vm.agent_delay > timedelta(0) else timedelta(0)
        return "Healthy" if now >= ready_at + probe_delay else "Unhealthy"
