"""The accounting API mounted at ``/api.xro/2.0``: every resource's routes plus Organisation.

Xero's paths are case-insensitive (``/invoices`` works as well as ``/Invoices``), and real clients
rely on that, so a small wrapper rewrites the collection and sub-resource segments to canonical
case before routing; ids and file names are left alone.

Each resource's module is imported, and its routes made, when a request first names its
collection (the path's first segment): ``xero-wa run getInvoice --sandbox`` loads the invoices'
routes only, not those of the twelve other resources. Every route starts with its collection's
name, so a request can only ever match routes of its own segment, and within a segment the
routes keep the order ``routes()`` lists them in: the answers are those of one router of them all.
"""

from __future__ import annotations

import importlib

from starlette.responses import Response
from starlette.routing import Route, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from component.sandbox.xero import envelope as xe
from component.sandbox.xero import render
from component.sandbox.xero.api import Ctx, endpoint
from component.sandbox.xero.world import XeroWorld

#: The modules (of ``component.sandbox.xero``) whose ``routes(world)`` make the API, in the order
#: ``routes()`` lists them, each with the first path segments its routes start with; the
#: Organisation route comes last. tests/sandbox check this table against the routes made.
MODULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("invoices", ("Invoices",)),
    ("contacts", ("Contacts",)),
    ("contact_groups", ("ContactGroups",)),
    ("items", ("Items",)),
    ("accounts", ("Accounts",)),
    ("payments", ("Payments",)),
    ("history", ("Invoices", "Contacts", "Items", "Payments")),
    ("attachments", ("Invoices", "Contacts", "Accounts")),
    ("credit_notes", ("CreditNotes",)),
    ("quotes", ("Quotes",)),
    ("bank_transactions", ("BankTransactions",)),
    (
        "settings_lists",
        (
            "TaxRates",
            "TrackingCategories",
            "Currencies",
            "BrandingThemes",
            "RepeatingInvoices",
            "Overpayments",
            "Prepayments",
        ),
    ),
    ("reports", ("Reports",)),
)

CANONICAL = {
    name.lower(): name
    for name in (
        "Invoices",
        "Contacts",
        "ContactGroups",
        "Items",
        "Accounts",
        "Payments",
        "Organisation",
        "History",
        "Attachments",
        "OnlineInvoice",
        "Email",
        "pdf",
        "CreditNotes",
        "Allocations",
        "Quotes",
        "BankTransactions",
        "RepeatingInvoices",
        "Overpayments",
        "Prepayments",
        "TaxRates",
        "TrackingCategories",
        "Currencies",
        "BrandingThemes",
        "Reports",
    )
}


def organisation(ctx: Ctx) -> Response:
    return xe.json_response(xe.envelope("Organisations", [render.organisation(ctx.org)], ctx.now))


def _module_routes(world: XeroWorld, name: str) -> list[Route]:
    module = importlib.import_module(f"component.sandbox.xero.{name}")
    made: list[Route] = module.routes(world)
    return made


def _organisation_route(world: XeroWorld) -> Route:
    return Route("/Organisation", endpoint(world, "settings", organisation), methods=["GET"])


def routes(world: XeroWorld) -> list[Route]:
    """Every accounting route, relative to ``/api.xro/2.0`` (the contract tests walk these)."""
    made = [route for name, _ in MODULES for route in _module_routes(world, name)]
    return [*made, _organisation_route(world)]


def segment_of(path: str) -> str:
    """A path's first segment: ``/Invoices/{InvoiceID}/pdf`` → ``Invoices``."""
    return path.split("/", 2)[1] if path.startswith("/") else ""


def segment_routes(world: XeroWorld, segment: str) -> list[Route]:
    """The routes starting with ``segment``, in ``routes()``'s order; only their modules load."""
    made = [
        route
        for name, segments in MODULES
        if segment in segments
        for route in _module_routes(world, name)
        if segment_of(route.path) == segment
    ]
    if segment == "Organisation":
        made.append(_organisation_route(world))
    return made


def app(world: XeroWorld) -> ASGIApp:
    known = {segment for _, segments in MODULES for segment in segments} | {"Organisation"}
    routers: dict[str, Router] = {}
    nowhere = Router(routes=[])

    def router_for(path: str) -> Router:
        """One router per first segment, made on its first request; a segment no route starts
        with gets the empty router, which answers as the whole one did (404)."""
        segment = segment_of(path)
        if segment not in known:
            return nowhere
        router = routers.get(segment)
        if router is None:
            router = routers[segment] = Router(routes=segment_routes(world, segment))
        return router

    async def canonical(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            root, path = scope.get("root_path", ""), scope["path"]
            relative = path[len(root) :] if root and path.startswith(root + "/") else path
            parts = relative.split("/")
            for index in (1, 3):  # /Collection/{id}/SubResource
                if index < len(parts):
                    parts[index] = CANONICAL.get(parts[index].lower(), parts[index])
            rewritten = "/".join(parts)
            # in place: the stats middleware reads the matched route from this same scope
            scope["path"] = root + rewritten if relative is not path else rewritten
            await router_for(rewritten)(scope, receive, send)
        else:
            await router_for("")(scope, receive, send)

    return canonical
