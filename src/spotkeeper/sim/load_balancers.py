"""Standard load balancers of the simulated Azure: backend pools a node's NIC can join.

A stateful node names its load balancers in `loadBalancersConfig` (type `loadBalancer`, a
resource group, a name and backend pool names); spotkeeper puts the primary IP configuration of
the node's primary NIC into those pools, as an ip configuration's
`loadBalancerBackendAddressPools` does in Azure, so every VM the node runs is behind them.
Members of a pool are therefore the NICs that name it (nothing is stored on the pool itself).

Azure's rules kept here: only the Standard (and Gateway) SKUs exist (Basic load balancers
were retired on 30 September 2025, like Basic public IPs); a pool referenced by a NIC cannot be
removed (400 `LoadBalancerBackendAddressPoolInUse`); a NIC joins only pools of load balancers
in its own region. Not modelled: frontends, rules, probes, outbound rules, inbound NAT, and
health (spotkeeper judges health through application gateways only).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from spotkeeper.sim.context import SimContext, check_tags, not_found, settled
from spotkeeper.sim.errors import ArmError
from spotkeeper.sim.ids import NETWORK, key_of, resource_id

LOAD_BALANCER_SKUS = ("Standard", "Gateway")


@dataclass
class LoadBalancerPool:
    id: str
    name: str


@dataclass
class LoadBalancer:
    id: str
    resource_group: str
    name: str
    location: str
    sku: str
    pools: dict[str, LoadBalancerPool] = field(default_factory=dict)  # lower-cased name -> pool
    tags: dict[str, str] = field(default_factory=dict)
    provisioning_state: str = "Succeeded"


class LoadBalancerService:
    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx

    @settled
    def create_or_update_load_balancer(
        self,
        resource_group: str,
        name: str,
        *,
        location: str,
        sku: str = "Standard",
        backend_pools: Sequence[str] = (),
        tags: Mapping[str, str] | None = None,
    ) -> LoadBalancer:
        """Pools named in `backend_pools` are created; a pool left out is removed unless a NIC
        still refers to it. The SKU of an existing load balancer cannot change."""
        ctx = self.ctx
        group = ctx.require_group(resource_group)
        region = ctx.require_region(location)
        canonical = next((s for s in LOAD_BALANCER_SKUS if s.lower() == sku.lower()), None)
        if canonical is None:
            raise ArmError(
                400,
                "InvalidParameter",
                f"Load balancer SKU '{sku}' is not supported; Basic load balancers are retired, use one of "
                f"{', '.join(LOAD_BALANCER_SKUS)}.",
                target="sku.name",
            )
        lb_id = resource_id(ctx.subscription_id, group.name, NETWORK, "loadBalancers", name)
        balancer = ctx.state.load_balancers.get(key_of(lb_id))
        if balancer is None:
            balancer = LoadBalancer(lb_id, group.name, name, region.name, canonical)
        elif balancer.sku != canonical:
            raise ArmError(
                400,
                "CannotChangeSkuOfLoadBalancer",
                f"The SKU of load balancer {name} is {balancer.sku} and cannot be changed to {canonical}.",
                target="sku.name",
            )
        wanted = {pool_name.lower(): pool_name for pool_name in backend_pools}
        for key, pool in balancer.pools.items():
            if key not in wanted and self.pool_members(pool.id):
                raise ArmError(
                    400,
                    "LoadBalancerBackendAddressPoolInUse",
                    f"Backend pool {pool.name} is referenced by network interfaces and cannot be removed.",
                )
        balancer.tags = check_tags(dict(tags or {}))
        balancer.pools = {
            key: balancer.pools.get(key)
            or LoadBalancerPool(f"{lb_id}/backendAddressPools/{pool_name}", pool_name)
            for key, pool_name in wanted.items()
        }
        ctx.state.load_balancers[key_of(lb_id)] = balancer
        ctx.record("lb.put", lb_id, ",".join(sorted(wanted)))
        return balancer

    @settled
    def get_load_balancer(self, resource_group: str, name: str) -> LoadBalancer:
        lb_id = resource_id(self.ctx.subscription_id, resource_group, NETWORK, "loadBalancers", name)
        balancer = self.ctx.state.load_balancers.get(key_of(lb_id))
        if balancer is None:
            raise not_found("Microsoft.Network/loadBalancers", resource_group, name)
        return balancer

    @settled
    def list_load_balancers(self, *, location: str | None = None) -> list[LoadBalancer]:
        balancers = [self.ctx.state.load_balancers[key] for key in sorted(self.ctx.state.load_balancers)]
        return [b for b in balancers if location is None or b.location == location.lower()]

    @settled
    def backend_members(self, resource_group: str, name: str) -> dict[str, list[str]]:
        """Per pool name, the private addresses of the NICs in it (sorted)."""
        balancer = self.get_load_balancer(resource_group, name)
        nics = self.ctx.state.nics
        return {
            pool.name: sorted(nics[key_of(nic_id)].private_ip for nic_id in self.pool_members(pool.id))
            for pool in balancer.pools.values()
        }

    def pool_members(self, pool_id: str) -> list[str]:
        """Ids of the NICs whose primary IP configuration is in the pool."""
        pool_key = key_of(pool_id)
        return sorted(
            nic.id
            for nic in self.ctx.state.nics.values()
            if pool_key in {key_of(p) for p in nic.backend_pool_ids}
        )


def find_load_balancer_pool(
    balancers: Mapping[str, LoadBalancer], pool_id: str
) -> LoadBalancerPool | None:
    """The pool a `.../loadBalancers/{lb}/backendAddressPools/{pool}` id names, if it exists."""
    balancer = balancers.get(key_of(pool_id).rsplit("/backendaddresspools/", 1)[0])
    pool_name = key_of(pool_id).rsplit("/backendaddresspools/", 1)[-1]
    return None if balancer is None else balancer.pools.get(pool_name)
