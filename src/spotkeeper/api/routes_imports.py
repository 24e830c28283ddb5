"""Spot's import routes (spot-api.md §2 rows 10-12): read a VM's config, import it, poll the import."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from spotkeeper.api import envelope
from spotkeeper.api.auth import Caller, Service
from spotkeeper.api.bodies import documented_body, json_body

router = APIRouter(prefix="/azure/compute/statefulNode", tags=["imports"])
Body = Annotated[object, Depends(json_body)]


@router.get(
    "/resourceGroup/{resourceGroupName}/virtualMachine/{virtualMachineName}/importConfiguration",
    summary="A node config that would manage an existing VM as it is",
)
def import_configuration(
    request: Request, caller: Caller, service: Service, resourceGroupName: str, virtualMachineName: str
) -> Response:
    item = service.import_configuration(caller.id, resourceGroupName, virtualMachineName)
    return envelope.success(request, service.clock, kind=envelope.NODE, items=[item])


@router.post(
    "/import",
    summary="Import an existing VM as a stateful node",
    openapi_extra=documented_body("ImportNodeBody"),
)
def import_vm(request: Request, caller: Caller, service: Service, body: Body) -> Response:
    return envelope.success(
        request, service.clock, kind=envelope.IMPORT, items=[service.import_vm(caller.id, body)]
    )


@router.get("/import/{importId}/status", summary="Progress of an import")
def import_status(request: Request, caller: Caller, service: Service, importId: str) -> Response:
    item = service.import_status(caller.id, importId)
    return envelope.success(request, service.clock, kind=envelope.IMPORT_STATUS, items=[item])
