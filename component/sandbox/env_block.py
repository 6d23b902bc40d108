"""The environment block that points ``xero-wa`` at a served sandbox (issue 10 item 33).

``sandbox serve`` prints it in its first JSON line, ``sandbox serve --print-env`` and
``sandbox env`` as shell lines for ``eval``; the sandbox's control index answers it too.
"""

from __future__ import annotations

import shlex

from component.sandbox.config import SandboxConfig


def env_block(config: SandboxConfig) -> dict[str, str]:
    """Every variable that points ``xero-wa`` at this sandbox: API URLs, the sandbox's own URL
    (for ``xero-wa sandbox stats`` and the other control commands) and the credentials
    ``connect xero``, ``connect whatsapp`` and ``serve`` read, so one exported block is enough."""
    base = config.base_url.rstrip("/")
    wa = config.whatsapp
    env = {
        "XERO_WA_SANDBOX_URL": base,
        "XERO_API_URL": f"{base}/api.xro/2.0",
        "XERO_IDENTITY_URL": base,
        "XERO_LOGIN_URL": base,
        "XERO_CONNECTIONS_URL": f"{base}/connections",
        "WHATSAPP_API_URL": base,
        "WHATSAPP_API_VERSION": wa.api_versions[0],
        "XERO_CLIENT_ID": config.xero.client_id,
        "XERO_CLIENT_SECRET": config.xero.client_secret,
        "XERO_WEBHOOK_KEY": config.xero.webhook_key,
        "WHATSAPP_ACCESS_TOKEN": wa.access_token,
        "WHATSAPP_APP_SECRET": wa.app_secret,
        "WHATSAPP_VERIFY_TOKEN": wa.verify_token,
        "WHATSAPP_PHONE_NUMBER_ID": wa.phone_number_id,
        "WHATSAPP_BUSINESS_ACCOUNT_ID": wa.business_account_id,
    }
    if wa.provider is not None:
        # The number is behind a provider: what `xero-wa connect whatsapp` and `serve` need.
        env["WHATSAPP_ACCESS_TOKEN"] = wa.provider.api_key
        env["WHATSAPP_APP_SECRET"] = wa.provider.webhook_secret
        env["WHATSAPP_WEBHOOK_SIGNATURE"] = wa.provider.webhook_signature
        env["WHATSAPP_WEBHOOK_HEADER"] = wa.provider.webhook_header
    return env


def shell_exports(env: dict[str, str]) -> str:
    """The block as POSIX shell lines, for ``eval "$(xero-wa sandbox env)"``."""
    return "".join(f"export {name}={shlex.quote(value)}\n" for name, value in env.items())
