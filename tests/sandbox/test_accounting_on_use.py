"""The accounting API builds each collection's routes on its first request
(``accounting.app``): the answers must be those of one router of every route, and the table
of which module serves which collection must match the routes the modules make."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import httpx
import pytest
from starlette.routing import Router

from component.sandbox.state import SandboxState
from component.sandbox.xero import accounting

pytestmark = pytest.mark.anyio


def _shape(routes: list[Any]) -> list[tuple[str, list[str]]]:
    return [(route.path, sorted(route.methods or ())) for route in routes]


def test_the_table_names_every_routes_segment_and_keeps_their_order(
    sandbox: SandboxState,
) -> None:
    every = accounting.routes(sandbox.xero)
    segments = {accounting.segment_of(route.path) for route in every}
    tabled = {s for _, names in accounting.MODULES for s in names} | {"Organisation"}
    assert segments == tabled
    for segment in segments:
        wanted = [route for route in every if accounting.segment_of(route.path) == segment]
        assert _shape(accounting.segment_routes(sandbox.xero, segment)) == _shape(wanted)


def _same_each_call(response: httpx.Response) -> tuple[int, Any]:
    if response.headers.get("content-type", "").startswith("application/json"):
        body = response.json()
        if isinstance(body, dict):
            body.pop("Id", None)
            body.pop("DateTimeUTC", None)
        return response.status_code, body
    return response.status_code, response.text


async def test_answers_are_those_of_one_router_of_every_route(
    sandbox: SandboxState, h: dict[str, str]
) -> None:
    sandbox.config.limits.per_minute = 100_000
    org = sandbox.xero.orgs[sandbox.xero.demo_tenant_id]
    invoice = next(iter(org.invoices.values())).invoice_id
    contact = next(iter(org.contacts.values())).contact_id
    requests = [
        ("GET", f"/Invoices/{invoice}"),
        ("GET", f"/Invoices/{invoice}/History"),
        ("GET", f"/Invoices/{invoice}/Attachments"),
        ("GET", "/Invoices/"),  # the trailing slash: a redirect from either
        ("DELETE", "/Invoices"),  # a method no Invoices route takes: 405
        ("GET", f"/Contacts/{contact}"),
        ("PATCH", f"/Contacts/{contact}"),
        ("GET", "/Organisation"),
        ("GET", "/TaxRates"),
        ("GET", "/Reports/Nothing"),
        ("GET", "/Nothing"),
        ("GET", "/"),
        ("GET", ""),
    ]
    whole = Router(routes=accounting.routes(sandbox.xero))
    on_use = accounting.app(sandbox.xero)
    answers: list[list[tuple[int, Any]]] = []
    for app in (whole, on_use):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://x") as client:
            answers.append(
                [
                    _same_each_call(
                        await client.request(method, path, headers=h, follow_redirects=False)
                    )
                    for method, path in requests
                ]
            )
    assert answers[0] == answers[1]
    statuses = [status for status, _ in answers[1]]
    assert statuses[0] == 200
    assert statuses[3] == 307  # /Invoices/ → /Invoices
    assert statuses[4] == 405
    assert statuses[10] == 404


PROBE = """
import sys
from component.sandbox.embedded import embedded
from component.config import get_settings
from component.sandbox.xero import accounting
import asyncio, httpx

async def main():
    box = embedded(get_settings())
    connection = box.token_connection()
    headers = {"Authorization": "Bearer " + connection["accessToken"],
               "Xero-tenant-id": connection["tenantId"]}
    transport = httpx.ASGITransport(app=box.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox.invalid") as c:
        answer = await c.get("/api.xro/2.0/Invoices", headers=headers)
    print(answer.status_code, "component.sandbox.xero.contacts" in sys.modules)

asyncio.run(main())
"""


def test_an_invoices_request_loads_no_other_resources_module() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["200", "False"]
