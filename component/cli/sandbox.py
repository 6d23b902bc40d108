"""``xero-wa sandbox ...``: run the Xero + WhatsApp sandbox on a port and drive a running one.

``serve`` prints one JSON line first (URLs as environment variables, demo credentials, tenants)
and then serves. The other commands talk to a running sandbox's ``/_sandbox/`` control API at
``--url`` (default ``$XERO_WA_SANDBOX_URL`` or ``http://127.0.0.1:8766``) and print its JSON answer.
Only the standard library is imported here; the sandbox loads when a command runs.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

#: Not 8765, where ``xero-wa connect xero`` listens for Xero's redirect by default (kept equal
#: to component.sandbox.serve.DEFAULT_PORT, which this stdlib-only module must not import).
DEFAULT_PORT = 8766


def _default_url() -> str:
    return os.environ.get("XERO_WA_SANDBOX_URL", f"http://127.0.0.1:{DEFAULT_PORT}")


def register(commands: Any) -> None:
    parser = commands.add_parser("sandbox", help="run or control the Xero + WhatsApp sandbox")
    sub = parser.add_subparsers(dest="sandbox_command", metavar="SANDBOX_COMMAND")

    def show_help(_args: argparse.Namespace) -> int:
        parser.print_help()
        return 2

    parser.set_defaults(handler=show_help)

    p = sub.add_parser("serve", help="serve the sandbox on a port (prints a JSON line first)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help="0 picks a free port")
    _data_options(p)
    p.add_argument("--xero-webhook-url", help="POST Xero webhooks here")
    p.add_argument("--whatsapp-webhook-url", help="POST WhatsApp webhooks here")
    p.add_argument(
        "--no-templates",
        action="store_true",
        help="start the WhatsApp account without templates, like a new one (then run "
        "`xero-wa templates submit`)",
    )
    p.add_argument(
        "--whatsapp-provider",
        action="store_true",
        help="also play a Cloud-API-compatible provider (360dialog's layout) in front of the "
        "number: its paths under /provider, D360-API-KEY, webhooks proven its way",
    )
    for flag, help_text in (
        ("--client-id", "Xero client id"),
        ("--client-secret", "Xero client secret"),
        ("--webhook-key", "Xero webhook signing key"),
        ("--whatsapp-token", "WhatsApp access token"),
        ("--app-secret", "Meta app secret"),
        ("--verify-token", "WhatsApp webhook verify token"),
        ("--phone-number-id", "WhatsApp phone number id"),
        ("--business-account-id", "WhatsApp business account id"),
    ):
        p.add_argument(flag, help=f"override the demo {help_text}")
    p.add_argument("--per-minute", type=int, help="Xero calls per minute per tenant (60)")
    p.add_argument("--per-day", type=int, help="Xero calls per day per tenant (5000)")
    p.add_argument("--concurrent", type=int, help="Xero calls in flight per tenant (5)")
    _fault_options(p)
    p.add_argument("--config", help="a SandboxConfig as a JSON or YAML file (flags override it)")
    p.add_argument(
        "--print-env",
        action="store_true",
        help="print the env block for this --port as shell export lines and exit, for "
        '`eval "$(xero-wa sandbox serve --print-env)"`',
    )
    p.set_defaults(handler=cmd_serve)

    p = sub.add_parser("info", help="show a running sandbox's credentials and tenants")
    _url(p)
    p.set_defaults(handler=lambda a: _control(a, "GET", "/"))

    p = sub.add_parser(
        "env",
        help='a running sandbox\'s env block as shell export lines: eval "$(xero-wa sandbox env)"',
    )
    _url(p)
    p.set_defaults(handler=cmd_env)

    p = sub.add_parser("seed", help="regenerate the demo organisations")
    _url(p)
    _data_options(p)
    p.set_defaults(handler=cmd_seed)

    p = sub.add_parser("advance", help="move sandbox time forward and deliver due webhooks")
    p.add_argument("seconds", type=float)
    _url(p)
    p.set_defaults(handler=lambda a: _control(a, "POST", "/clock/advance", {"seconds": a.seconds}))

    for name, path, help_text in (
        ("stats", "/stats", "call counts, token grants, limiter state"),
        ("messages", "/whatsapp/messages", "WhatsApp messages the product sent"),
        ("deliveries", "/webhooks/deliveries", "webhook delivery attempts"),
    ):
        p = sub.add_parser(name, help=help_text)
        _url(p)
        p.set_defaults(handler=lambda a, path=path: _control(a, "GET", path))

    p = sub.add_parser("intent-check", help="run Xero's Intent-to-Receive check against a URL")
    p.add_argument("target", help="the webhook receiver URL to check")
    _url(p)
    p.set_defaults(handler=cmd_intent_check)

    p = sub.add_parser(
        "webhook-url",
        help="show or set where a running sandbox POSTs its Xero or WhatsApp webhooks",
        description="Point one side's webhooks at a receiver (e.g. `xero-wa serve`'s "
        "/webhooks/xero or /webhooks/whatsapp), as saving the URL in Xero's developer portal or "
        "Meta's App Dashboard does. Without URL (and without --off) it shows the current one.",
    )
    p.add_argument("side", choices=("xero", "whatsapp"), help="which service's webhooks")
    p.add_argument("target", nargs="?", help="the receiver's http(s) URL")
    p.add_argument("--off", action="store_true", help="stop delivering (record them only)")
    _url(p)
    p.set_defaults(handler=cmd_webhook_url)

    p = sub.add_parser("faults", help="show or change fault injection")
    _url(p)
    _fault_options(p)
    p.add_argument("--seed", dest="fault_seed", type=int, help="seed of the fault dice")
    p.set_defaults(handler=cmd_faults)


FAULT_FLAGS = (
    "error_500_rate",
    "error_503_rate",
    "slow_rate",
    "slow_seconds",
    "reset_rate",
    "rate_limit_rate",
)


def _fault_options(p: argparse.ArgumentParser) -> None:
    for name in FAULT_FLAGS:
        unit = "seconds" if name == "slow_seconds" else "probability 0..1 per request"
        p.add_argument(f"--{name.replace('_', '-')}", type=float, help=f"fault: {unit}")


def _url(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--url",
        default=None,
        help=f"sandbox base URL (default $XERO_WA_SANDBOX_URL or http://127.0.0.1:{DEFAULT_PORT})",
    )


def _data_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seed", type=int, help="demo data seed (42)")
    p.add_argument("--today", help="date due dates are relative to (YYYY-MM-DD; default today)")
    p.add_argument("--invoices", type=int, help="invoices in the main demo organisation")
    p.add_argument("--contacts", type=int, help="contacts in the main demo organisation")


def cmd_serve(args: argparse.Namespace) -> int:
    from datetime import date

    from component import errors
    from component.sandbox.config import SandboxConfig
    from component.sandbox.serve import serve

    config = _load_config(args.config) if args.config else SandboxConfig()
    demo, main_org = config.demo, config.demo.tenants[0]
    try:
        if args.seed is not None:
            demo.seed = args.seed
        if args.today:
            demo.today = date.fromisoformat(args.today)
    except ValueError:
        raise errors.InputError.single("--today", "must be a date YYYY-MM-DD") from None
    if args.invoices is not None:
        main_org.invoices = max(0, args.invoices)
    if args.contacts is not None:
        main_org.contacts = max(0, args.contacts)
    overrides: list[tuple[Any, str, Any]] = [
        (config.xero, "webhook_url", args.xero_webhook_url),
        (config.xero, "client_id", args.client_id),
        (config.xero, "client_secret", args.client_secret),
        (config.xero, "webhook_key", args.webhook_key),
        (config.whatsapp, "webhook_url", args.whatsapp_webhook_url),
        (config.whatsapp, "access_token", args.whatsapp_token),
        (config.whatsapp, "app_secret", args.app_secret),
        (config.whatsapp, "verify_token", args.verify_token),
        (config.whatsapp, "phone_number_id", args.phone_number_id),
        (config.whatsapp, "business_account_id", args.business_account_id),
        (config.limits, "per_minute", args.per_minute),
        (config.limits, "per_day", args.per_day),
        (config.limits, "concurrent", args.concurrent),
    ]
    overrides += [(config.faults, name, getattr(args, name)) for name in FAULT_FLAGS]
    for model, attr, value in overrides:
        if value is not None:
            setattr(model, attr, value)
    if args.no_templates:
        config.whatsapp.templates = []
    if args.whatsapp_provider and config.whatsapp.provider is None:
        from component.sandbox.whatsapp.provider import ProviderEmulation

        config.whatsapp.provider = ProviderEmulation()
    try:
        config = SandboxConfig.model_validate(config.model_dump())
    except ValueError as exc:
        raise errors.InputError.single("sandbox serve", str(exc)) from None
    if args.print_env:
        return _print_env(config, args.host, args.port)
    try:
        serve(config, args.host, args.port)
    except OSError as exc:
        raise errors.InputError.single("--port", f"cannot listen: {exc.strerror}") from None
    return 0


def _print_env(config: Any, host: str, port: int) -> int:
    """The block a sandbox served with these options would print, without serving it."""
    import sys

    from component import errors
    from component.sandbox.env_block import env_block, shell_exports
    from component.sandbox.serve import public_host

    if port == 0:
        raise errors.InputError.single(
            "--print-env", "needs a fixed --port (port 0 is chosen only when serving)"
        )
    config.base_url = f"http://{public_host(host)}:{port}"
    sys.stdout.write(shell_exports(env_block(config)))
    return 0


def cmd_env(args: argparse.Namespace) -> int:
    """``eval "$(xero-wa sandbox env [--url URL])"``: point this shell at a running sandbox."""
    import sys

    from component import errors
    from component.sandbox.env_block import shell_exports

    info = _fetch(args, "GET", "/")
    env = info.get("env") if isinstance(info, dict) else None
    if not isinstance(env, dict):
        raise errors.UpstreamError(
            "the sandbox answered no env block; it is older than this xero-wa: restart it",
            errors.UpstreamInfo("sandbox"),
        )
    sys.stdout.write(shell_exports({str(k): str(v) for k, v in env.items()}))
    return 0


def _load_config(path: str) -> Any:
    """A SandboxConfig from a JSON or YAML file; problems are input errors naming the file."""
    from pathlib import Path

    import yaml
    from pydantic import ValidationError

    from component import errors
    from component.sandbox.config import SandboxConfig

    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        return SandboxConfig.model_validate(raw)
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise errors.InputError.single("--config", f"{path}: {exc}") from None


def cmd_seed(args: argparse.Namespace) -> int:
    body = {
        k: v
        for k, v in (
            ("seed", args.seed),
            ("today", args.today),
            ("invoices", args.invoices),
            ("contacts", args.contacts),
        )
        if v is not None
    }
    return _control(args, "POST", "/seed", body)


def cmd_intent_check(args: argparse.Namespace) -> int:
    return _control(args, "POST", "/xero/intent-check", {"url": args.target})


WEBHOOK_PATHS = {"xero": "/xero/webhook", "whatsapp": "/whatsapp/webhook"}


def cmd_webhook_url(args: argparse.Namespace) -> int:
    from component import errors

    if args.off and args.target:
        raise errors.InputError.single("--off", "give a URL or --off, not both")
    path = WEBHOOK_PATHS[args.side]
    if args.off:
        return _control(args, "PUT", path, {"url": None})
    if args.target is None:
        return _show_webhook(args)
    if not args.target.startswith(("http://", "https://")):
        raise errors.InputError.single("URL", "must start with http:// or https://")
    return _control(args, "PUT", path, {"url": args.target})


def _show_webhook(args: argparse.Namespace) -> int:
    """The current URL of one side (the Xero side has no GET of its own: read it from info)."""
    if args.side == "whatsapp":
        return _control(args, "GET", WEBHOOK_PATHS["whatsapp"])
    from component.cli.output import emit

    emit({"url": _fetch(args, "GET", "/")["xero"]["webhook_url"]})
    return 0


def cmd_faults(args: argparse.Namespace) -> int:
    body = {n: getattr(args, n) for n in FAULT_FLAGS if getattr(args, n) is not None}
    if args.fault_seed is not None:
        body["seed"] = args.fault_seed
    return _control(args, "PUT" if body else "GET", "/faults", body or None)


def _control(
    args: argparse.Namespace, method: str, path: str, body: dict[str, Any] | None = None
) -> int:
    from component.cli.output import emit

    data = _fetch(args, method, path, body)
    emit(data)
    if path == "/xero/intent-check" and isinstance(data, dict) and not data.get("passed"):
        return 1
    return 0


def _fetch(
    args: argparse.Namespace, method: str, path: str, body: dict[str, Any] | None = None
) -> Any:
    """One control call to the running sandbox; its JSON answer."""
    import httpx

    from component import errors

    base = (args.url or _default_url()).rstrip("/")
    try:
        response = httpx.request(method, f"{base}/_sandbox{path}", json=body, timeout=60.0)
    except httpx.HTTPError as exc:
        raise errors.UpstreamError(
            f"cannot reach the sandbox at {base} ({type(exc).__name__}); "
            "start it with `xero-wa sandbox serve`",
            errors.UpstreamInfo("sandbox", retryable=True),
        ) from None
    try:
        data = response.json()
    except ValueError:
        data = {"status": response.status_code, "body": response.text}
    if response.status_code >= 400:
        raise errors.UpstreamError(
            f"sandbox answered {response.status_code} to {method} {path}",
            errors.UpstreamInfo(
                "sandbox",
                response.status_code,
                messages=[str(data.get("error", data))] if isinstance(data, dict) else [],
            ),
        )
    return data
