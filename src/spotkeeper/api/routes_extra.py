"""Routes beside Spot's API, for the console and scripts: catalog, inventory, validate, export, health."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from spotkeeper.api import envelope
from spotkeeper.api.auth import Caller, Service
from spotkeeper.api.bodies import documented_body, json_body

router = APIRouter(prefix="/spotkeeper", tags=["spotkeeper"])
health_router = APIRouter(tags=["spotkeeper"])
Body = Annotated[object, Depends(json_body)]
Region = Annotated[str, Query(description="Azure region, e.g. eastus")]
Bound = Annotated[int | None, Query(ge=0, le=100000)]


@router.get(
    "/catalog/sizes", summary="VM sizes of a region with monthly costs; unsupported ones with reasons"
)
def catalog_sizes(
    request: Request,
    caller: Caller,
    service: Service,
    region: Region,
    os: Annotated[Literal["Linux", "Windows"], Query()] = "Linux",
    image: Annotated[str | None, Query(description="marketplace URN publisher:offer:sku[:version]")] = None,
    security_type: Annotated[
        Literal["Standard", "TrustedLaunch", "ConfidentialVM"], Query(alias="securityType")
    ] = "Standard",
    lifecycle: Annotated[Literal["spot", "od"], Query()] = "spot",
    min_cpu: Annotated[int | None, Query(alias="minCpu", ge=0, le=100000)] = None,
    max_cpu: Annotated[int | None, Query(alias="maxCpu", ge=0, le=100000)] = None,
    min_memory: Annotated[int | None, Query(alias="minMemory", ge=0, le=100000)] = None,
    max_memory: Annotated[int | None, Query(alias="maxMemory", ge=0, le=100000)] = None,
    min_storage: Annotated[int | None, Query(alias="minStorage", ge=0, le=100000)] = None,
    max_storage: Annotated[int | None, Query(alias="maxStorage", ge=0, le=100000)] = None,
) -> Response:
    attributes = {
        "min_cpu": min_cpu,
        "max_cpu": max_cpu,
        "min_memory": min_memory,
        "max_memory": max_memory,
        "min_storage": min_storage,
        "max_storage": max_storage,
    }
    items = service.catalog_sizes(
        region=region,
        os=os,
        image=image,
        security_type=security_type,
        lifecycle=lifecycle,
        attributes=attributes,
    )
    return envelope.success(request, service.clock, kind=envelope.CATALOG_SIZE, items=items)


@router.get("/catalog/images", summary="Marketplace, custom and gallery images of a region")
def catalog_images(request: Request, caller: Caller, service: Service, region: Region) -> Response:
    return envelope.success(
        request, service.clock, kind=envelope.CATALOG_IMAGE, items=service.catalog_images(region=region)
    )


@router.get("/inventory", summary="What nodes in a region can refer to (the console's pick-lists)")
def inventory(request: Request, caller: Caller, service: Service, region: Region) -> Response:
    return envelope.success(
        request, service.clock, kind=envelope.INVENTORY, items=[service.inventory(region=region)]
    )


@router.post(
    "/validate",
    summary="Every problem of a node, without creating it",
    openapi_extra=documented_body("StatefulNodeBody"),
)
def validate(request: Request, caller: Caller, service: Service, body: Body) -> Response:
    return envelope.success(request, service.clock, kind=envelope.VALIDATION, items=[service.validate(body)])


@router.post(
    "/export/terraform",
    summary="A node as a spotinst_stateful_node_azure resource",
    openapi_extra=documented_body("TerraformExportBody"),
)
def export_terraform(
    request: Request,
    caller: Caller,
    service: Service,
    body: Body,
    resource_name: Annotated[str | None, Query(alias="resourceName", max_length=64)] = None,
) -> Response:
    item = service.export_terraform(caller.id, body, resource_name=resource_name)
    return envelope.success(request, service.clock, kind=envelope.TERRAFORM, items=[item])


@health_router.get("/healthz", summary="Liveness: the API answers and its database is reachable")
def healthz(request: Request, service: Service) -> Response:
    service.store.nodes.next_claimable_at()
    return envelope.success(request, service.clock, kind=envelope.HEALTH, items=[{"status": "ok"}])
