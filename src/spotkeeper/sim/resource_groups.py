"""Resource groups of the simulated Azure: the container every other resource must name.

A create in a resource group that does not exist fails with Azure's `ResourceGroupNotFound`
(404), so tests and the default world create their groups first, as in Azure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from spotkeeper.sim.context import SimContext, check_tags, settled
from spotkeeper.sim.errors import ArmError
from spotkeeper.sim.ids import group_id


@dataclass
class ResourceGroup:
    id: str
    name: str
    location: str
    tags: dict[str, str] = field(default_factory=dict)
    provisioning_state: str = "Succeeded"


class ResourceGroupService:
    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx

    @settled
    def create_or_update(
        self, name: str, *, location: str, tags: Mapping[str, str] | None = None
    ) -> ResourceGroup:
        if not name or len(name) > 90:
            raise ArmError(400, "InvalidResourceGroup", f"Resource group name '{name}' is invalid.")
        region = self.ctx.require_region(location)
        existing = self.ctx.state.resource_groups.get(name.lower())
        if existing is not None:
            if existing.location != region.name:
                raise ArmError(
                    409,
                    "InvalidResourceGroupLocation",
                    f"Invalid resource group location '{location}'. The Resource group already exists "
                    f"in location '{existing.location}'.",
                )
            if tags is not None:
                existing.tags = check_tags(dict(tags))
            return existing
        group = ResourceGroup(
            id=group_id(self.ctx.subscription_id, name),
            name=name,
            location=region.name,
            tags=check_tags(dict(tags or {})),
        )
        self.ctx.state.resource_groups[name.lower()] = group
        self.ctx.record("group.created", group.id)
        return group

    @settled
    def get(self, name: str) -> ResourceGroup:
        return self.ctx.require_group(name)

    @settled
    def list_groups(self) -> list[ResourceGroup]:
        return sorted(self.ctx.state.resource_groups.values(), key=lambda g: g.name.lower())
