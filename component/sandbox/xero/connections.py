"""``GET /connections`` and ``DELETE /connections/{id}``: the tenants a token may reach.

Served as ``/connections`` (Xero's documentation) and ``/Connections`` (Xero's identity spec and
the official SDKs' ``get_connections``): Xero's paths are case-insensitive.

A client-credentials token sees the one organisation it is bound to. Deleting a connection
disconnects that tenant: later calls with its ``Xero-tenant-Id`` get 403.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from component.sandbox.xero import envelope as xe
from component.sandbox.xero.api import bearer
from component.sandbox.xero.tokens import AccessToken, Connection
from component.sandbox.xero.world import XeroWorld


def _rows(world: XeroWorld, token: AccessToken) -> list[Connection]:
    if token.link is not None:
        return list(token.link.connections.values())
    if token.bound_tenant is None or token.bound_tenant not in world.orgs:
        return []
    org = world.orgs[token.bound_tenant]
    return [Connection(org.tenant_id, org.tenant_id, org.tenant_id, org.created, org.created)]


def _json(world: XeroWorld, row: Connection) -> dict[str, Any]:
    org = world.orgs.get(row.tenant_id)
    return {
        "id": row.id,
        "authEventId": row.auth_event_id,
        "tenantId": row.tenant_id,
        "tenantType": "ORGANISATION",
        "tenantName": org.name if org else "",
        "createdDateUtc": xe.connection_date(row.created),
        "updatedDateUtc": xe.connection_date(row.updated),
    }


def routes(world: XeroWorld) -> list[Route]:
    async def listing(request: Request) -> Response:
        try:
            token = bearer(world, request)
        except xe.XeroProblem as problem:
            return problem.response
        event = request.query_params.get("authEventId")
        rows = [
            r
            for r in _rows(world, token)
            if r.tenant_id in world.orgs and (not event or r.auth_event_id == event)
        ]
        return xe.json_response([_json(world, r) for r in rows])

    async def remove(request: Request) -> Response:
        try:
            token = bearer(world, request)
        except xe.XeroProblem as problem:
            return problem.response
        wanted = request.path_params["id"].lower()
        if token.link is not None:
            for tenant_id, row in list(token.link.connections.items()):
                if row.id == wanted:
                    del token.link.connections[tenant_id]
                    return Response(status_code=204)
        return xe.not_found()

    return [
        route
        for base in ("/connections", "/Connections")
        for route in (
            Route(base, listing, methods=["GET"]),
            Route(base + "/{id}", remove, methods=["DELETE"]),
        )
    ]
