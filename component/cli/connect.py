"""``connect``, ``connections`` and ``disconnect``: making, listing and removing connections.

Secrets are never taken from the command line (they would land in shell history and ``ps``):
``XERO_CLIENT_SECRET``, ``WHATSAPP_ACCESS_TOKEN``, ``WHATSAPP_APP_SECRET`` and
``WHATSAPP_VERIFY_TOKEN`` supply them (from the environment or ``.env``, through the one settings
object), or a hidden prompt asks when a terminal is attached. ``WHATSAPP_PHONE_NUMBER_ID`` and
``WHATSAPP_BUSINESS_ACCOUNT_ID`` stand in for their flags, so the env block printed by
``xero-wa sandbox serve`` is all ``connect whatsapp`` needs.
Reconnecting a stored connection reuses its stored settings, so ``xero-wa connect xero --name
NAME`` is all a connection that needs re-authorisation asks for.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

XERO_TYPES = {False: "xeroOAuth2", True: "xeroClientCredentials"}


def register(commands: Any) -> None:
    p = commands.add_parser(
        "connect", help="connect Xero (browser or custom connection) or WhatsApp"
    )
    p.add_argument("service", choices=("xero", "whatsapp"), help="what to connect")
    p.add_argument("--name", help="name to store the connection under (default: the service)")
    p.add_argument(
        "--tenant",
        metavar="NAME_OR_ID",
        help="the one Xero organisation to switch on (default: ask, or all)",
    )
    p.add_argument(
        "--client-credentials",
        action="store_true",
        help="a Xero custom connection (client credentials, no browser)",
    )
    p.add_argument("--client-id", help="Xero app client id (default: $XERO_CLIENT_ID)")
    p.add_argument("--scopes", help="space-separated Xero scopes (default: the spec's)")
    p.add_argument("--redirect-uri", help="redirect URI registered on the Xero app")
    p.add_argument("--no-browser", action="store_true", help="print the URL, do not open it")
    p.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for consent")
    p.add_argument("--phone-number-id", help="WhatsApp sending phone number id")
    p.add_argument("--business-account-id", help="WhatsApp Business Account id")
    p.add_argument("--api-version", help="Graph API version (default v23.0)")
    # A Cloud-API-compatible provider (README: "WhatsApp through a provider", 360dialog).
    p.add_argument("--provider", choices=("meta", "compatible"), help="WhatsApp provider profile")
    p.add_argument("--base-url", help="provider API root (https://waba-v2.360dialog.io)")
    p.add_argument("--auth-header", help="provider auth header (D360-API-KEY)")
    p.add_argument("--auth-scheme", help="word before the key in that header ('' for none)")
    p.add_argument("--path-style", choices=("graph", "flat"), help="provider path style")
    p.add_argument(
        "--webhook-signature",
        choices=("meta", "hmac-sha256", "header-secret"),
        help="how the provider proves webhook deliveries",
    )
    p.add_argument("--webhook-header", help="header of the webhook proof")
    p.set_defaults(handler=cmd_connect)

    p = commands.add_parser("connections", help="list stored connections (secrets masked)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(handler=cmd_connections)

    p = commands.add_parser("disconnect", help="disconnect at Xero and forget a connection")
    p.add_argument("name", help="stored connection name")
    p.add_argument("--revoke", action="store_true", help="also revoke the refresh token")
    p.add_argument("--local-only", action="store_true", help="forget it without telling Xero")
    p.set_defaults(handler=cmd_disconnect)


def cmd_connect(args: argparse.Namespace) -> int:
    import asyncio

    from component.cli.output import emit
    from component.config import get_settings
    from component.runtime import Runtime

    settings = get_settings()
    _before_storing_secrets(settings)
    runtime = Runtime(settings=settings)

    async def run() -> Any:
        try:
            if args.service == "whatsapp":
                return _connect_whatsapp(runtime, args)
            if args.client_credentials:
                return await _connect_client_credentials(runtime, args)
            return await _connect_xero(runtime, args)
        finally:
            await runtime.aclose()

    connected = asyncio.run(run())
    if connected.family == "xero":  # which organisations were saved, in words, on stderr
        sys.stderr.write(connected.summary() + "\n")
        for note in connected.notes:
            sys.stderr.write(f"note: {note}\n")
    emit({"data": connected.to_json()})
    return 0


def _before_storing_secrets(settings: Any) -> None:
    """The data folder made private (or refused), and one warning when tokens will be stored
    unencrypted, naming the file and the variable that changes it (issue 10 item 35)."""
    from component.private_home import make_private

    note = make_private(settings.xero_wa_home)
    if note:
        sys.stderr.write(f"note: {note}\n")
    if not _secret(settings.xero_wa_secret_key):
        where = (
            f"the database {settings.store_location}"
            if settings.xero_wa_database_url
            else f"{settings.store_path} (readable only by you)"
        )
        sys.stderr.write(
            "warning: XERO_WA_SECRET_KEY is not set, so tokens and secrets are stored "
            f"unencrypted in {where}; set it to encrypt them at rest (README: Secrets at rest)\n"
        )


async def _connect_xero(runtime: Any, args: argparse.Namespace) -> Any:
    from component.oauth.authorize import finish_authorization, start_authorization
    from component.oauth.callback import CallbackListener, is_loopback

    name = args.name or "xero"
    values = _xero_values(runtime, args, name)
    started = await start_authorization(runtime, name, values)
    if is_loopback(started.redirect_uri):
        async with CallbackListener(started.redirect_uri, started.state) as listener:
            _show(started.url, open_browser=not args.no_browser)
            params = await listener.wait(args.timeout)
    else:
        _show(started.url, open_browser=not args.no_browser)
        params = _pasted_redirect()
    return await finish_authorization(
        runtime,
        state=params.get("state", ""),
        code=params.get("code"),
        error=params.get("error"),
        error_description=params.get("error_description"),
        chooser=_prompt_enabled if sys.stdin.isatty() else None,
    )


async def _connect_client_credentials(runtime: Any, args: argparse.Namespace) -> Any:
    from component.oauth.manage import connect_client_credentials

    name = args.name or "xero"
    return await connect_client_credentials(runtime, name, _xero_values(runtime, args, name))


def _xero_values(runtime: Any, args: argparse.Namespace, name: str) -> dict[str, Any]:
    """Flags and settings (environment, ``.env``) first, then the stored connection's values,
    then spec defaults."""
    from component.oauth.manage import stored_values

    type_key = XERO_TYPES[bool(args.client_credentials)]
    values = stored_values(runtime, name, type_key) or {}
    settings = runtime.settings
    given = {
        "clientId": args.client_id or settings.xero_client_id,
        "clientSecret": _secret(settings.xero_client_secret),
        "scopes": args.scopes,
    }
    if not args.client_credentials:
        given.update(tenant=args.tenant, redirectUri=args.redirect_uri)
    values.update({k: v for k, v in given.items() if v})
    if not values.get("clientId"):
        values["clientId"] = _ask("Xero client id", "XERO_CLIENT_ID", "--client-id", secret=False)
    if not values.get("clientSecret"):
        values["clientSecret"] = _ask("Xero client secret", "XERO_CLIENT_SECRET", None)
    return values


def _connect_whatsapp(runtime: Any, args: argparse.Namespace) -> Any:
    from component.oauth.manage import save_whatsapp, stored_values

    name = args.name or "whatsapp"
    values = stored_values(runtime, name, "whatsappCloud") or {}
    settings = runtime.settings
    given = {
        "accessToken": _secret(settings.whatsapp_access_token),
        "appSecret": _secret(settings.whatsapp_app_secret),
        "verifyToken": _secret(settings.whatsapp_verify_token),
        "phoneNumberId": args.phone_number_id or settings.whatsapp_phone_number_id,
        "businessAccountId": args.business_account_id or settings.whatsapp_business_account_id,
        "apiVersion": args.api_version,
        "provider": args.provider,
        "baseUrl": args.base_url,
        "authHeader": args.auth_header,
        "authScheme": args.auth_scheme,
        "pathStyle": args.path_style,
        "webhookSignature": args.webhook_signature,
        "webhookHeader": args.webhook_header,
    }
    values.update({k: v for k, v in given.items() if v})
    if args.auth_scheme == "":
        values["authScheme"] = ""
    if not values.get("accessToken"):
        values["accessToken"] = _ask("WhatsApp access token", "WHATSAPP_ACCESS_TOKEN", None)
    if not values.get("phoneNumberId"):
        values["phoneNumberId"] = _ask(
            "WhatsApp phone number id",
            "WHATSAPP_PHONE_NUMBER_ID",
            "--phone-number-id",
            secret=False,
        )
    return save_whatsapp(runtime, name, values)


def _secret(value: Any) -> str | None:
    """The text of a ``SecretStr`` setting (None when unset or blank)."""
    return (value.get_secret_value().strip() or None) if value is not None else None


def _ask(label: str, env: str | None, flag: str | None, *, secret: bool = True) -> str:
    """Prompt on a terminal; otherwise say exactly which variable or flag supplies the value."""
    if not sys.stdin.isatty():
        from component import errors

        ways = [f"set {env} (in the environment or .env)"] if env else []
        ways += [f"pass {flag}"] if flag else []
        how = " or ".join(ways) or "run this on a terminal to be asked"
        raise errors.InputError.single(label, f"is required: {how}")
    if secret:
        import getpass

        return getpass.getpass(f"{label}: ").strip()
    sys.stderr.write(f"{label}: ")
    sys.stderr.flush()
    return sys.stdin.readline().strip()


def _show(url: str, *, open_browser: bool) -> None:
    sys.stderr.write(f"Open this URL to authorise Xero:\n\n  {url}\n\nWaiting for Xero...\n")
    sys.stderr.flush()
    if open_browser:
        import webbrowser

        webbrowser.open(url)


def _pasted_redirect() -> dict[str, str]:
    """For a redirect URI this machine does not serve: the user pastes where Xero sent them."""
    from urllib.parse import parse_qsl, urlsplit

    pasted = _ask("Paste the full URL Xero redirected your browser to", None, None, secret=False)
    return dict(parse_qsl(urlsplit(pasted).query, keep_blank_values=True))


async def _prompt_enabled(tenants: Any) -> Any:
    """Which organisations to switch on: numbers separated by commas, Enter for all."""
    import asyncio

    sys.stderr.write("Xero authorised several organisations:\n")
    for index, tenant in enumerate(tenants, 1):
        sys.stderr.write(f"  {index}. {tenant.tenant_name} ({tenant.tenant_id})\n")
    for _attempt in range(3):
        sys.stderr.write("Which should be switched on (e.g. 1,3) [all]? ")
        sys.stderr.flush()
        answer = (await asyncio.to_thread(sys.stdin.readline)).strip().lower()
        picked = _numbers(answer, len(tenants))
        if picked is not None:
            return [tenants[i - 1] for i in picked] if picked else list(tenants)
        sys.stderr.write(f"expected numbers from 1 to {len(tenants)}, or Enter for all\n")
    sys.stderr.write("switching all of them on (change it with `xero-wa orgs set`)\n")
    return list(tenants)


def _numbers(answer: str, count: int) -> list[int] | None:
    """``"1, 3"`` → [1, 3]; ``""`` or ``"all"`` → []; anything else → None."""
    if answer in ("", "all", "a"):
        return []
    parts = [p.strip() for p in answer.replace(" ", ",").split(",") if p.strip()]
    if not parts or not all(p.isdigit() and 1 <= int(p) <= count for p in parts):
        return None
    return sorted({int(p) for p in parts})


def cmd_connections(args: argparse.Namespace) -> int:
    import asyncio

    from component.cli.output import emit
    from component.config import get_settings
    from component.oauth.manage import list_connections
    from component.runtime import Runtime

    runtime = Runtime(settings=get_settings())
    try:
        rows = list_connections(runtime)
    finally:
        asyncio.run(runtime.aclose())
    if args.json:
        emit(rows)
        return 0
    from rich.table import Table

    from component.cli.tables import data_console

    table = Table(title=f"{len(rows)} connections", title_justify="left")
    for column in ("name", "type", "status", "tenant", "access token expires"):
        table.add_column(column)
    for row in rows:
        tenant = row.get("tenantName") or row.get("tenantId") or ""
        status = row.get("status", "")
        table.add_row(row["name"], row["type"], status, tenant, row.get("accessTokenExpiresAt", ""))
    data_console().print(table)
    for row in rows:  # plain text: a fix is a command to copy, not something to wrap or style
        if row.get("fix"):
            print(f"{row['name']}: {row.get('problem', row['status'])}. Fix: {row['fix']}")
    return 0


def cmd_disconnect(args: argparse.Namespace) -> int:
    import asyncio

    from component.cli.output import emit
    from component.config import get_settings
    from component.oauth.manage import disconnect
    from component.runtime import Runtime

    runtime = Runtime(settings=get_settings())

    async def run() -> dict[str, Any]:
        try:
            return await disconnect(
                runtime, args.name, revoke_token=args.revoke, local_only=args.local_only
            )
        finally:
            await runtime.aclose()

    emit({"data": asyncio.run(run())})
    return 0
