"""Who is calling: `Authorization: Bearer <token>` on every route, and `accountId` if given.

A token belongs to one account (`store.accounts`). The optional `accountId` query parameter the
Spot clients send selects the account; it must be the token's own account, else 403
`FORBIDDEN` (the token is valid, so 401 would tell the client to re-authenticate when the real
problem is the account it named). Without `accountId` the token's account is used, as Spot
does with an organisation's default account. A node of another account is simply not found.
"""

from __future__ import annotations

import functools
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from spotkeeper.api.tagging import defer
from spotkeeper.service import NodeService, Unauthorized
from spotkeeper.store import Account

bearer = HTTPBearer(auto_error=False, description="An API token: `Authorization: Bearer skt_…`")


def the_service(request: Request) -> NodeService:
    service: NodeService = request.app.state.service
    return service


async def service_of(request: Request) -> NodeService:
    # `async` only so FastAPI calls it on the event loop: a sync dependency costs a hop to a
    # worker thread and back, for what is an attribute read.
    return the_service(request)


def caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    account_id: Annotated[
        str | None,
        Query(
            alias="accountId", description="the account to act in (act-…); must be the token's own account"
        ),
    ] = None,
) -> Account:
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise Unauthorized("missing API token (send 'Authorization: Bearer <token>')")
    # Recording the token's use (once a minute) waits until the answer has been sent.
    return the_service(request).authenticate(
        credentials.credentials, account_id=account_id, later=functools.partial(defer, request)
    )


Caller = Annotated[Account, Depends(caller)]
Service = Annotated[NodeService, Depends(service_of)]
