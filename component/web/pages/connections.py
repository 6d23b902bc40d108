"""``/connections``: connect Xero (OAuth) and WhatsApp, see health, reconnect, disconnect.

Connecting Xero runs the shared connect flow (``component.oauth.authorize``): the button posts
here, the app records the pending authorisation and sends the browser to Xero's consent page,
where the user ticks the organisations to share; Xero comes back to
``/connections/xero/callback`` (register ``XERO_WA_PUBLIC_URL`` + that path on the Xero app),
which stores the connection with every organisation reached and returns to this page. The Xero
app's client id and secret come from ``XERO_CLIENT_ID``/``XERO_CLIENT_SECRET``, the stored
connection (a reconnect), or the form.

A WhatsApp connection's form is rendered from the ``whatsappCloud`` connection spec. Secrets are
never shown back: a stored secret field left blank keeps its value.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.responses import RedirectResponse, Response

from component import errors
from component.oauth.authorize import SPEC_KEY, finish_authorization, start_authorization
from component.oauth.manage import (
    WHATSAPP_KEY,
    disconnect,
    list_connections,
    save_whatsapp,
    stored_values,
)
from component.orgs.change import OrgChanges, apply_changes
from component.web import forms, health, orgs
from component.web.page import Page, PageError, field_errors

CALLBACK_PATH = "/connections/xero/callback"
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def callback_uri(page: Page) -> str:
    base = page.web.service.config.xero_wa_public_url or str(page.request.base_url)
    return base.rstrip("/") + CALLBACK_PATH


async def show(page: Page, **extra: Any) -> Response:
    status = int(extra.pop("status", 200))
    rows = await page.db(list_connections, page.web.runtime)
    reached: dict[str, list[orgs.Org]] = {}
    known = await page.db(orgs.organisations, page.web.runtime, page.web.org_defaults)
    for org in known:
        for link in org.view.links:
            reached.setdefault(link.connection, []).append(org)
    config = page.web.service.config
    manifest = page.web.service.manifest()
    whatsapp_spec = next(c for c in manifest["connections"] if c["key"] == WHATSAPP_KEY)
    wa_fields = extra.pop("wa_fields", None) or forms.fields(whatsapp_spec)
    context: dict[str, Any] = {
        "connections": rows,
        "reached": reached,
        "organisations": known,
        "callback_uri": callback_uri(page),
        "app_configured": bool(config.xero_client_id and config.xero_client_secret),
        "wa_fields": wa_fields,
        "notice": "",
        "error": "",
        "xero_errors": {},
        "checks": {},
        **extra,
    }
    return page.render("connections.html", status, **context)


async def connect_xero(page: Page) -> Response:
    name = page.value("name") or "xero"
    if not NAME.match(name):
        return await show(page, status=400, xero_errors={"name": "use letters, digits, . _ -"})
    values = await page.db(stored_values, page.web.runtime, name, SPEC_KEY) or {}
    config = page.web.service.config
    given = {"clientId": page.value("clientId"), "clientSecret": page.value("clientSecret")}
    if config.xero_client_id:
        values["clientId"] = config.xero_client_id
    if config.xero_client_secret is not None:
        values["clientSecret"] = config.xero_client_secret.get_secret_value()
    values.update({k: v for k, v in given.items() if v})
    values["redirectUri"] = callback_uri(page)
    values.pop("tenant", None)
    if page.value("tenant"):
        values["tenant"] = page.value("tenant")[:200]
    missing = {k: "is required" for k in ("clientId", "clientSecret") if not values.get(k)}
    if missing:
        return await show(
            page, status=400, xero_errors=missing, error="Enter the Xero app's credentials."
        )
    try:
        started = await start_authorization(page.web.runtime, name, values)
    except errors.InputError as exc:
        return await show(page, status=400, xero_errors=field_errors(exc), error=exc.message)
    return RedirectResponse(started.url, status_code=303, headers={"Cache-Control": "no-store"})


async def xero_callback(page: Page) -> Response:
    query = page.request.query_params
    try:
        connected = await finish_authorization(
            page.web.runtime,
            state=query.get("state", "")[:512],
            code=query.get("code"),
            error=query.get("error"),
            error_description=query.get("error_description"),
        )
    except errors.XeroWaError as exc:
        if page.session is None:
            raise PageError(exc.http_status, "Xero was not connected", exc.message) from None
        return await show(
            page, status=exc.http_status, error=f"Xero was not connected: {exc.message}"
        )
    if page.session is None:  # signed out meanwhile: the connection is stored; sign in to see it
        return page.redirect("/login?next=/connections")
    names = ", ".join(t.tenant_name or t.tenant_id for t in connected.tenants) or "no organisation"
    return await show(page, notice=f"Xero connection {connected.name!r} is ready: {names}.")


async def connect_whatsapp(page: Page) -> Response:
    manifest = page.web.service.manifest()
    spec = next(c for c in manifest["connections"] if c["key"] == WHATSAPP_KEY)
    wa_fields = forms.fields(spec)
    forms.fill(wa_fields, page.form)
    name = page.value("name") or "whatsapp"
    if not NAME.match(name):
        raise PageError(400, "Bad name", "A connection name uses letters, digits, '.', '_' or '-'.")
    values = await page.db(stored_values, page.web.runtime, name, WHATSAPP_KEY) or {}
    values.update({f.key: f.value.strip() for f in wa_fields if f.value.strip()})
    try:
        await page.db(save_whatsapp, page.web.runtime, name, values)
    except errors.InputError as exc:
        problems = field_errors(exc)
        for f in wa_fields:
            f.error = problems.get(f.key)
            if f.type == "password":
                f.value = ""
        return await show(page, status=400, wa_fields=wa_fields, error=exc.message)
    await page.db(page.web.service.refresh_secrets)
    return await show(page, notice=f"WhatsApp connection {name!r} is saved.")


async def check(page: Page) -> Response:
    name, family = await _stored(page)
    result = await health.check(page.web.runtime, name, family)
    return await show(page, checks={name: result})


async def remove(page: Page) -> Response:
    name, _family = await _stored(page)
    if page.value("confirm") != "yes":
        return await show(
            page, status=400, error=f"Tick the box to confirm disconnecting {name!r}."
        )
    try:
        done = await disconnect(page.web.runtime, name, local_only=page.value("localOnly") == "yes")
    except errors.XeroWaError as exc:
        return await show(page, status=exc.http_status, error=exc.message)
    await page.db(page.web.service.refresh_secrets)
    note = (
        " Xero could not be told; remove the app in Xero's Connected Apps."
        if done.get("remote") == "skipped"
        else ""
    )
    return await show(page, notice=f"Connection {name!r} is disconnected.{note}")


async def _stored(page: Page) -> tuple[str, str]:
    name = page.value("name")
    rows = await page.db(list_connections, page.web.runtime)
    row = next((r for r in rows if r["name"] == name), None)
    if row is None:
        raise PageError(404, "No such connection", f"There is no stored connection {name[:64]!r}.")
    return name, str(row["family"])


async def switch_org(page: Page) -> Response:
    """Switch an organisation on or off (its jobs stop; its history stays), as ``orgs set``."""
    tenant = page.value("org")[:64]
    wanted = page.value("enabled")
    if wanted not in ("on", "off"):
        raise PageError(400, "Choose on or off", "An organisation is switched on or off.")
    runtime = page.web.runtime
    known = await page.db(orgs.organisations, runtime, page.web.org_defaults)
    org = next((o for o in known if o.tenant_id == tenant), None)
    if org is None:
        raise PageError(404, "No such organisation", "That organisation is not connected.")
    changes = OrgChanges(enabled=wanted)
    await page.db(apply_changes, runtime, page.web.org_defaults, org.tenant_id, changes)
    state = "on: its reminders and alerts run" if wanted == "on" else "off: nothing is sent for it"
    return await show(page, notice=f"{org.label} is switched {state}.")
