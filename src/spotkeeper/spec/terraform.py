"""Terraform door: a stateful node as a `spotinst_stateful_node_azure` resource, out and in.

spotkeeper speaks Spot's wire format, so the Spot Terraform provider's resource is the natural
file format for people who keep infrastructure in Terraform. This module is the public face;
the work is split by responsibility:

- `terraform_schema`: the provider ↔ wire mapping as one table (both directions read it), the
  fields the provider cannot express (`UNSUPPORTED_BY_PROVIDER`, `unsupported_fields`);
- `terraform_hcl`: HCL literals (escaping out, python-hcl2 8's source-form strings back in);
- `terraform_write`: `node_to_hcl`;
- `terraform_read`: `hcl_to_node`, `hcl_actions`, `read_terraform`.

Both directions work on wire dicts (camelCase, spot-api.md §3), not on the pydantic models, so
an export never depends on a node having been validated first. For every node built from
provider-supported fields, `hcl_to_node(node_to_hcl(node)) == node`, with these exceptions that
HCL itself cannot tell apart from absence: a repeatable block whose list is empty or null,
a single block that is null, and a wrapper object with nothing exported inside it
(e.g. `loadBalancersConfig: {}`).

Provider caveat not expressible in the table: the provider types `extension.public_settings` and
`protected_settings` as `map(string)`. They are written as full HCL objects so nested settings
(`fileUris = [...]`) survive the round trip, but the real provider would reject non-string values.
"""

from __future__ import annotations

from spotkeeper.spec.terraform_read import TerraformResource, hcl_actions, hcl_to_node, read_terraform
from spotkeeper.spec.terraform_schema import (
    ACTION_BLOCKS,
    READ_ONLY_FIELDS,
    RESOURCE_FIELDS,
    RESOURCE_TYPE,
    UNSUPPORTED_BY_PROVIDER,
    Argument,
    Block,
    unsupported_fields,
)
from spotkeeper.spec.terraform_write import node_to_hcl, slug

__all__ = [
    "ACTION_BLOCKS",
    "READ_ONLY_FIELDS",
    "RESOURCE_FIELDS",
    "RESOURCE_TYPE",
    "UNSUPPORTED_BY_PROVIDER",
    "Argument",
    "Block",
    "TerraformResource",
    "hcl_actions",
    "hcl_to_node",
    "node_to_hcl",
    "read_terraform",
    "slug",
    "unsupported_fields",
]
