"""ARM resource ids for the simulated Azure.

ARM names every resource by a path, `/subscriptions/{sub}/resourceGroups/{rg}/providers/
{namespace}/{type}/{name}[/{child type}/{child name}]`, and compares those paths without regard
to case. The simulator keeps the spelling a resource was created with (that is what Azure
echoes back) and stores and looks resources up by the lower-cased id, so `Standard_D2s_v5`
and `standard_d2s_v5`, or `sk-Sandbox` and `sk-sandbox`, are one and the same, as in Azure.
"""

from __future__ import annotations

from spotkeeper.arm_ids import ParsedId, group_id, key_of, parse_id, resource_id, same_id

COMPUTE = "Microsoft.Compute"
NETWORK = "Microsoft.Network"

__all__ = ["COMPUTE", "NETWORK", "ParsedId", "group_id", "key_of", "parse_id", "resource_id", "same_id"]


