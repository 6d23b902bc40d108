"""The accounting API mounted at ``/api.xro/2.0``: every resource's routes plus Organisation.

Xero's paths are case-insensitive (``/invoices`` works as well as ``/Invoices``), and real clients
rely on that, so a small wrapper rewrites the collection and sub-resource segments to canonical
case before routing; ids and file names are left alone.
"""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from component.sandbox.xero import (
    accounts,
    attachments,
    bank_transactions,
    contact_groups,
    contacts,
    credit_notes,
    history,
    invoices,
    items,
    payments,
    quotes,
    render,
    reports,
    settings_lists,
)
from component.sandbox.xero import envelope as xe
from component.sandbox.xero.api import Ctx, endpoint
from component.sandbox.xero.world import XeroWorld

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


def routes(world: XeroWorld) -> list[Route]:
    """Every accounting route, relative to ``/api.xro/2.0`` (the contract tests walk these)."""
    return [
        *invoices.routes(world),
        *contacts.routes(world),
        *contact_groups.routes(world),
        *items.routes(world),
        *accounts.routes(world),
        *payments.routes(world),
        *history.routes(world),
        *attachments.routes(world),
        *credit_notes.routes(world),
        *quotes.routes(world),
        *bank_transactions.routes(world),
        *settings_lists.routes(world),
        *reports.routes(world),
        Route("/Organisation", endpoint(world, "settings", organisation), methods=["GET"]),
    ]


def app(world: XeroWorld) -> ASGIApp:
    router = Router(routes=list(routes(world)))

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
        await router(scope, receive, send)

    return canonical
