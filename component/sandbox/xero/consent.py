"""The emulated consent screen (``consent: page``): sign in as someone, tick organisations, allow.

Xero's real consent screen lists the user's organisations with a checkbox each (the Demo Company
is always among them) and sends the browser back with a code for the ticked ones. This page does
the same, so the product's browser flow can be driven end to end: a person clicks through it,
and a test posts the form as a browser would. The form posts back to the authorize URL with the
original query string, so every OAuth parameter is checked again on the way out.

Fields: ``user`` (an e-mail; each user has their own set of connected organisations), one
``tenant`` checkbox per organisation (all ticked at first), and ``action`` = ``allow`` or
``deny`` (``deny`` returns ``error=access_denied`` like Xero's Cancel).
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from component.sandbox.xero.tokens import DEMO_USER

if TYPE_CHECKING:
    from component.sandbox.xero.world import XeroWorld

AUTHORIZE_PATH = "/identity/connect/authorize"


async def with_form(request: Request) -> Request:
    """The request with its posted form kept in ``request.state.consent_form``."""
    form = await request.form()
    request.state.consent_form = {
        "user": str(form.get("user") or ""),
        "action": str(form.get("action") or ""),
        "tenants": [str(v) for v in form.getlist("tenant")],
    }
    return request


def consent_choice(world: XeroWorld, request: Request) -> tuple[str, list[str]] | None:
    """(user, ticked tenant ids) from the posted form; None when the user pressed Cancel."""
    form = getattr(request.state, "consent_form", None) or {}
    if form.get("action") == "deny":
        return None
    user = str(form.get("user") or "").strip() or DEMO_USER["email"]
    ticked = [t for t in form.get("tenants", []) if t in world.orgs]
    return user, ticked


def consent_page(
    world: XeroWorld, params: QueryParams, problem: str = "", status: int = 200
) -> Response:
    query = urlencode(list(params.multi_items()))
    boxes = "".join(
        "<li><label><input type='checkbox' name='tenant' "
        f"value='{html.escape(org.tenant_id)}' checked> {html.escape(org.name)}</label></li>"
        for org in world.orgs.values()
    )
    warning = f"<p role='alert'>{html.escape(problem)}</p>" if problem else ""
    body = (
        "<!doctype html><meta charset='utf-8'><title>Xero | Allow access</title>"
        "<body style='font-family:sans-serif'><h2>Allow access to your Xero organisations</h2>"
        f"{warning}<form method='post' action='{AUTHORIZE_PATH}?{html.escape(query)}'>"
        "<p><label>Signed in as <input name='user' "
        f"value='{html.escape(DEMO_USER['email'])}'></label></p>"
        f"<p>Organisations to connect:</p><ul>{boxes}</ul>"
        "<button name='action' value='allow'>Allow access</button> "
        "<button name='action' value='deny'>Cancel</button></form></body>"
    )
    return HTMLResponse(body, status, headers={"Cache-Control": "no-store"})
