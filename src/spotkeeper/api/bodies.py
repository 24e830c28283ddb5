"""Request bodies: read as raw JSON, parsed by the spec package, documented from its models.

Routes do not let FastAPI validate bodies against pydantic models: the spec package's parser is
the one place that knows the wire rules (camelCase keys, two spellings for some keys, unknown
keys rejected with the full wire path, JSON `null` allowed), and its problems carry the codes
clients see. FastAPI only reads the JSON here; the OpenAPI document still describes every body,
generated from the same spec models (`body_schemas`), so `/docs` and schema-driven tools see
the real shapes.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from pydantic.json_schema import models_json_schema

from spotkeeper.spec.models import (
    AttachDataDisk,
    DeallocationConfig,
    DetachDataDisk,
    StateChange,
    StatefulNode,
    StatefulNodeImport,
    SwapOsDisk,
)
from spotkeeper.spec.problems import Problem, SpecError

REF = "#/components/schemas/{model}"


async def _read_json(request: Request) -> object | None:
    raw = await request.body()
    if not raw.strip():
        return None
    try:
        parsed: object = json.loads(raw)
    except (ValueError, RecursionError) as error:
        raise SpecError(
            [Problem("INVALID_JSON", "", f"the request body is not valid JSON: {error}")]
        ) from None
    return parsed


async def json_body(request: Request) -> object:
    """The request's JSON body; a missing one is an error naming what the route expects."""
    body = await _read_json(request)
    if body is None:
        raise SpecError([Problem("REQUIRED", "", "this request needs a JSON body")])
    return body


async def optional_json_body(request: Request) -> object | None:
    return await _read_json(request)


def _wrapper(key: str, model: str, *, required: bool = True) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {key: {"$ref": REF.format(model=model)}},
        "required": [key] if required else [],
        "additionalProperties": False,
    }


def body_schemas() -> dict[str, Any]:
    """Components for every request body, in wire (camelCase) form."""
    _refs, definitions = models_json_schema(
        [
            (model, "validation")
            for model in (
                StatefulNode,
                DeallocationConfig,
                StatefulNodeImport,
                StateChange,
                AttachDataDisk,
                DetachDataDisk,
                SwapOsDisk,
            )
        ],
        ref_template=REF,
        by_alias=True,
    )
    schemas: dict[str, Any] = dict(definitions.get("$defs", {}))
    schemas["StatefulNodeBody"] = _wrapper("statefulNode", "StatefulNode")
    schemas["DeleteNodeBody"] = _wrapper("deallocationConfig", "DeallocationConfig")
    schemas["ImportNodeBody"] = _wrapper("statefulNodeImport", "StatefulNodeImport")
    schemas["TerraformExportBody"] = {
        "type": "object",
        "description": "either a node to convert, or the id of a stored node",
        "properties": {
            "statefulNode": {"$ref": REF.format(model="StatefulNode")},
            "nodeId": {"type": "string", "pattern": "^ssn-[0-9a-f]{8}$"},
        },
        "additionalProperties": False,
    }
    return schemas


def documented_body(schema: str, *, required: bool = True) -> dict[str, Any]:
    """`openapi_extra` for a route whose body is the component `schema`."""
    return {
        "requestBody": {
            "required": required,
            "content": {"application/json": {"schema": {"$ref": REF.format(model=schema)}}},
        }
    }
