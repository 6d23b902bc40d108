"""WhatsApp's going-live checks in ``xero-wa doctor``: what must hold before a real number sends.

- **signature secret**: an app secret (or a provider's webhook secret) is configured
  (``WHATSAPP_APP_SECRET``) or stored with a WhatsApp connection; without one every status and
  reply webhook is refused (401), so nothing is ever marked delivered, read or replied (a
  failure once ``XERO_WA_PUBLIC_URL`` says webhooks are meant to arrive, else a warning: reminders
  sent from the command line need none).
- **webhook**: ``XERO_WA_PUBLIC_URL`` is an HTTPS URL (Meta saves no other callback; plain HTTP
  is only a warning on this machine's own address, as with the sandbox; unset, a warning: no
  status, reply or STOP arrives) and a verify token is set;
  with ``--online`` the callback ``{url}/webhooks/whatsapp`` must answer Meta's subscription
  check (``hub.mode=subscribe`` with the token: the challenge echoed), as Meta tries it when the
  URL is saved in the App Dashboard.
- **number** (``--online``): each WhatsApp number the organisations send through, as Meta
  describes it (``GET /{phone-number-id}``). ``WHATSAPP_MESSAGES_PER_SECOND`` above the number's
  throughput level fails (every send above it is refused with 130429); a number upgraded to
  1,000 messages/s while the setting stays lower is a warning (the reminders go out slower than
  they could); a YELLOW or RED quality rating or an unverified number is a warning.
- **templates** (``--online``): every template the policies, alerts, run summaries and reply
  answers send exists in the account, APPROVED, in its language, filed UTILITY, with the
  parameters and buttons the product fills: ``xero-wa templates check`` (``component.whatsapp.
  template_check``); a mismatch fails with the fix (``xero-wa templates submit``).

No check prints a secret or a URL carrying one.
"""

from __future__ import annotations

import ipaddress
import secrets
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from component import errors
from component.doctor import Check

if TYPE_CHECKING:
    from component.runtime import Runtime
    from component.service.config import WebhookSecrets

WEBHOOK_PATH = "/webhooks/whatsapp"
#: Meta's throughput levels and the messages a second each allows (Business app numbers: 20).
LEVEL_RATES = {"STANDARD": 80, "HIGH": 1000}
RATE_VARIABLE = "WHATSAPP_MESSAGES_PER_SECOND"
SUBMIT_FIX = "xero-wa templates submit, then xero-wa templates check once Meta approved them"


async def whatsapp_checks(runtime: Runtime, *, online: bool) -> list[Check]:
    """The going-live checks (nothing when no WhatsApp number is stored or configured)."""
    from component.service.config import resolve_secrets

    stored = runtime.store.connections.names(family="whatsapp")
    if not stored and runtime.settings.whatsapp_access_token is None:
        return [
            Check(
                "whatsapp",
                "warn",
                "no WhatsApp number is connected: nothing can be sent",
                "xero-wa connect whatsapp",
            )
        ]
    found = resolve_secrets(runtime, runtime.settings)
    serving = bool(runtime.settings.xero_wa_public_url)
    checks = [signature_secret(found, serving), webhook_address(runtime, found)]
    if online:
        if checks[1].status != "fail":
            checks.append(await webhook_answers(runtime, found))
        checks += await numbers_described(runtime)
        checks.append(await templates_approved(runtime))
    return checks


def signature_secret(found: WebhookSecrets, serving: bool) -> Check:
    """A failure once webhooks are meant to arrive (``XERO_WA_PUBLIC_URL`` set), else a warning:
    reminders sent from the command line need no webhook."""
    name = "whatsapp signature secret"
    if found.whatsapp_app_secret:
        scheme = (
            "Meta's X-Hub-Signature-256"
            if found.whatsapp_signature == "meta"
            else (f"the provider's {found.whatsapp_signature} proof")
        )
        return Check(name, "ok", f"set: webhooks are verified with {scheme}")
    return Check(
        name,
        "fail" if serving else "warn",
        "no app secret: every status and reply webhook is refused (401), so nothing is ever "
        "marked delivered, read or replied",
        "set WHATSAPP_APP_SECRET, or store it: xero-wa connect whatsapp (appSecret)",
    )


def webhook_address(runtime: Runtime, found: WebhookSecrets) -> Check:
    """The callback URL to register, from the configuration alone."""
    name = "whatsapp webhook"
    public = (runtime.settings.xero_wa_public_url or "").rstrip("/")
    if not public:
        return Check(  # reminders still go; statuses, replies and STOP words do not arrive
            name,
            "warn",
            "XERO_WA_PUBLIC_URL is not set: there is no callback URL to give Meta, so no "
            "status, reply or STOP reaches the product",
            "set XERO_WA_PUBLIC_URL=https://… (where xero-wa serve is reached), then register "
            f"that URL + {WEBHOOK_PATH} in the Meta App Dashboard",
        )
    parts = urlsplit(public)
    callback = f"{public}{WEBHOOK_PATH}"
    if not found.whatsapp_verify_token:
        return Check(
            name,
            "fail",
            f"no verify token: Meta's subscription check of {callback} would be refused",
            "set WHATSAPP_VERIFY_TOKEN, or store it: xero-wa connect whatsapp (verifyToken)",
        )
    if parts.scheme != "https":
        local = _loopback(parts.hostname or "")
        return Check(
            name,
            "warn" if local else "fail",
            f"{callback} is not HTTPS: Meta saves only HTTPS callback URLs"
            + (" (fine for the sandbox on this machine)" if local else ""),
            "serve it behind HTTPS (a reverse proxy) and set XERO_WA_PUBLIC_URL=https://…",
        )
    return Check(name, "ok", f"register {callback} in the Meta App Dashboard")


async def webhook_answers(runtime: Runtime, found: WebhookSecrets) -> Check:
    """Meta's subscription check against the callback: the challenge must come back."""
    name = "whatsapp webhook (online)"
    public = (runtime.settings.xero_wa_public_url or "").rstrip("/")
    callback = f"{public}{WEBHOOK_PATH}"
    challenge = str(secrets.randbelow(10**9))
    params = {
        "hub.mode": "subscribe",
        "hub.verify_token": found.whatsapp_verify_token,
        "hub.challenge": challenge,
    }
    try:
        response = await runtime.http.get(callback, params=params, timeout=10.0)
    except Exception as exc:  # the network: name the failure, never the URL with the token
        return Check(
            name,
            "fail",
            f"{callback} did not answer ({type(exc).__name__}): Meta could not save it",
            "start xero-wa serve where XERO_WA_PUBLIC_URL points",
        )
    if response.status_code == 200 and response.text == challenge:
        return Check(name, "ok", f"{callback} answers Meta's subscription check")
    return Check(
        name,
        "fail",
        f"{callback} answered {response.status_code} to Meta's subscription check "
        "(the challenge did not come back)",
        "the verify token set here must be the one xero-wa serve uses (WHATSAPP_VERIFY_TOKEN "
        "or the stored connection's verifyToken)",
    )


async def numbers_described(runtime: Runtime) -> list[Check]:
    """One check per WhatsApp connection the organisations send through (see module doc)."""
    from component.cli.template_targets import targets
    from component.whatsapp.client import WhatsAppClient

    try:
        found = await targets(
            runtime, runtime.settings, org=None, policy_file=None, connection=None
        )
    except errors.XeroWaError as exc:
        return [Check("whatsapp number (online)", "fail", exc.message)]
    checks = []
    for target in found:
        if not target.reachable:
            continue  # the templates check reports what is missing
        name = f"whatsapp number of {target.label} (online)"
        try:
            session = await target.session(runtime)
            number = await WhatsAppClient(runtime, session).phone_number()
        except errors.XeroWaError as exc:
            checks.append(Check(name, "fail", f"Meta could not be asked: {exc.message}"))
            continue
        checks.append(number_check(name, number, runtime.settings.whatsapp_messages_per_second))
    return checks


def number_check(name: str, number: dict[str, object] | None, rate: float) -> Check:
    """The number's throughput against the configured send rate, its quality and verification."""
    if number is None:
        return Check(name, "ok", "the provider does not describe its numbers; nothing to compare")
    shown = f"{number.get('verified_name') or '?'} ({number.get('display_phone_number') or '?'})"
    throughput = number.get("throughput")
    level = str(throughput.get("level", "")) if isinstance(throughput, dict) else ""
    allowed = LEVEL_RATES.get(level)
    setting = f"{RATE_VARIABLE}={rate:g}"
    if allowed is not None and rate > allowed:
        return Check(
            name,
            "fail",
            f"{shown} may send {allowed} messages a second ({level}) but {setting}: every "
            "send above its throughput is refused (130429)",
            f"set {RATE_VARIABLE}={allowed}",
        )
    warnings = []
    if allowed is not None and rate < allowed:
        warnings.append(f"it may send {allowed} messages a second ({level}) but {setting}")
    quality = str(number.get("quality_rating") or "UNKNOWN")
    if quality in ("YELLOW", "RED"):
        warnings.append(f"its quality rating is {quality}: customers block or report it")
    verified = number.get("code_verification_status")
    if verified not in (None, "VERIFIED"):
        warnings.append(f"its code verification is {verified}")
    if warnings:
        fix = f"set {RATE_VARIABLE}={allowed}" if allowed is not None and rate < allowed else None
        return Check(name, "warn", f"{shown}: " + "; ".join(warnings), fix)
    pace = f"{level} ({allowed} messages a second)" if allowed else f"level {level or 'unknown'}"
    return Check(name, "ok", f"{shown}: quality {quality}, throughput {pace}, {setting}")


async def templates_approved(runtime: Runtime) -> Check:
    """``xero-wa templates check`` for every WhatsApp connection the organisations use."""
    from component.cli.template_targets import targets
    from component.whatsapp.client import WhatsAppClient
    from component.whatsapp.template_check import check

    name = "whatsapp templates (online)"
    try:
        found = await targets(
            runtime, runtime.settings, org=None, policy_file=None, connection=None
        )
        problems: list[str] = []
        warnings: list[str] = []
        checked = 0
        for target in found:
            problems += target.problems
            if not target.reachable:
                continue
            session = await target.session(runtime)
            listing = await WhatsAppClient(runtime, session).list_templates()
            report = check(target.requirements, listing)
            checked += len(report.checked)
            for finding in report.findings:
                line = f"{finding.template} ({finding.language}): {finding.problem}"
                (problems if finding.severity == "error" else warnings).append(line)
    except errors.XeroWaError as exc:
        return Check(name, "fail", f"the templates could not be checked: {exc.message}")
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        return Check(name, "fail", "; ".join(problems[:3]) + more, SUBMIT_FIX)
    if warnings:
        return Check(name, "warn", "; ".join(warnings[:3]), "xero-wa templates check")
    return Check(name, "ok", f"{checked} template(s) approved, UTILITY, matching what is sent")


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
