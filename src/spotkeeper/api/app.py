"""The FastAPI application: Spot's stateful-node API for Azure, plus spotkeeper's own routes.

`create_app(service)` wires one `NodeService` into the routes, the error envelope and the
OpenAPI document (`/openapi.json`, `/docs`). Routers are included literal paths first (`/cost`,
`/import`, `/status`, `/resourceGroup/…`) so no literal segment is ever matched as a node id.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from spotkeeper.api import routes_costs, routes_extra, routes_imports, routes_nodes
from spotkeeper.api.bodies import body_schemas
from spotkeeper.api.errors import install_error_handlers
from spotkeeper.api.tagging import RequestTagging
from spotkeeper.service import NodeService

DESCRIPTION = """\
A wire-compatible implementation of Spot's Elastigroup Stateful Node API for Azure
(`/azure/compute/statefulNode`), so the Spot SDKs and tools can drive spotkeeper, plus
spotkeeper's own routes under `/spotkeeper` (catalog, inventory, validate, Terraform export).

Every route needs `Authorization: Bearer <token>`. Every answer is Spot's envelope
`{request, response: {status, kind, items, count}}`; errors carry `response.errors[]` with
`code`, `message` and the `field` at fault.
"""


def create_app(service: NodeService, *, title: str = "spotkeeper", version: str = "0.1.0") -> FastAPI:
    app = FastAPI(
        title=title,
        version=version,
        description=DESCRIPTION,
        docs_url="/docs",
        openapi_url="/openapi.json",
        redoc_url=None,
    )
    app.state.service = service
    app.add_middleware(RequestTagging)
    install_error_handlers(app, service.clock)
    for router in (
        routes_costs.router,
        routes_imports.router,
        routes_nodes.router,
        routes_extra.router,
        routes_extra.health_router,
    ):
        app.include_router(router)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title, version=app.version, description=app.description, routes=app.routes
            )
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            for name, definition in body_schemas().items():
                components.setdefault(name, definition)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
