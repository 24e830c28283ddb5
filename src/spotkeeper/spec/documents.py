"""Reading a node from a file a person wrote: JSON (wrapped or bare) or Terraform HCL.

Users arrive with `{"statefulNode": {...}}` bodies copied from the Spot API, bare node objects
exported by the console, or `.tf` files for the `spotinst_stateful_node_azure` resource. All three
become the same wire dict here, so validation and creation never care where a node came from.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from spotkeeper.spec.problems import Problem, SpecError


def node_from_text(text: str, *, filename: str = "<input>") -> dict[str, Any]:
    """Parse a node document; raises `SpecError` naming what is wrong with the document itself."""
    if filename.endswith(".tf"):
        from spotkeeper.spec.terraform import hcl_to_node

        return hcl_to_node(text)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise SpecError(
            [Problem("INVALID_JSON", "", f"{filename} is not valid JSON: {error.msg} "
                     f"(line {error.lineno}, column {error.colno})")]
        ) from error
    return unwrap_node(document, filename=filename)


def unwrap_node(document: object, *, filename: str = "<input>") -> dict[str, Any]:
    """Accept `{"statefulNode": {...}}` or a bare node object."""
    if not isinstance(document, dict):
        raise SpecError([Problem("INVALID_TYPE", "", f"{filename} must hold a JSON object")])
    if "statefulNode" in document:
        if len(document) != 1:
            extra = sorted(k for k in document if k != "statefulNode")
            raise SpecError(
                [Problem("UNKNOWN_FIELD", extra[0], "only 'statefulNode' may sit beside the node wrapper")]
            )
        node = document["statefulNode"]
        if not isinstance(node, dict):
            raise SpecError([Problem("INVALID_TYPE", "statefulNode", "must be a JSON object")])
        return node
    return document


def read_node_file(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise SpecError([Problem("FILE_UNREADABLE", "", f"cannot read {path}: {error.strerror}")]) from error
    return node_from_text(text, filename=path.name)
