"""The in-process sandbox behind ``--sandbox``: the app, an httpx transport into it, demo
connections, and settings whose every base URL points at ``http://sandbox.invalid``.

``.invalid`` never resolves, so a request that escapes the in-process transport fails loudly
instead of reaching a real service. The demo organisation is seeded deterministically (same seed
and today → same ids every run).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette

from component.clock import Clock
from component.config import SANDBOX_BASE, Settings
from component.sandbox.app import create_app
from component.sandbox.clock import SandboxClock
from component.sandbox.config import SandboxConfig
from component.sandbox.delivery import AttemptRecord
from component.sandbox.faults import SandboxTransport
from component.sandbox.state import SandboxState, build_sandbox

#: Scopes of the demo Xero token: everything the component's actions use.
DEMO_SCOPES = frozenset(
    {
        "openid",
        "profile",
        "email",
        "offline_access",
        "accounting.transactions",
        "accounting.invoices",
        "accounting.payments",
        "accounting.contacts",
        "accounting.settings",
        "accounting.attachments",
    }
)


@dataclass
class EmbeddedSandbox:
    settings: Settings
    transport: SandboxTransport
    clock: SandboxClock
    state: SandboxState
    app: Starlette

    #: Demo connections made so far, by family (``demo_connection``).
    _made: dict[str, dict[str, Any] | None] = field(default_factory=dict, repr=False)

    @property
    def demo_connections(self) -> dict[str, dict[str, Any]]:
        """Both demo connections (each made on first use and kept, see ``demo_connection``)."""
        made = {family: self.demo_connection(family) for family in _DEMO}
        return {family: value for family, value in made.items() if value is not None}

    def demo_connection(self, family: str) -> dict[str, Any] | None:
        """One family's demo connection, made on first use: ``xero-wa run --sandbox`` against
        Xero makes no WhatsApp one, so the WhatsApp side of the sandbox is never made (nor
        imported)."""
        if family not in self._made:
            self._made[family] = demo_connection(self.state, family)
        return self._made[family]

    async def drain(self) -> list[AttemptRecord]:
        """Deliver every webhook that is due now (Xero and WhatsApp)."""
        return await self.state.deliverer.drain()

    def token_connection(self) -> dict[str, Any]:
        """A ``xeroToken`` connection for the demo organisation, issued now by the sandbox.

        For tests and benchmarks that count calls: no token request shows up among them. The
        token dies after 30 minutes of sandbox time like any Xero access token.
        """
        xero = self.state.xero
        tokens = xero.tokens.mint(self.state.config.xero.client_id, list(xero.orgs), DEMO_SCOPES)
        return {
            "type": "xeroToken",
            "accessToken": tokens["access_token"],
            "tenantId": xero.demo_tenant_id,
        }


def demo_connections(state: SandboxState) -> dict[str, dict[str, Any]]:
    """Connection values per family for the sandbox's demo organisation and phone number (through
    its provider when the sandbox plays one)."""
    return {family: _DEMO[family](state) for family in _DEMO}


def demo_connection(state: SandboxState, family: str) -> dict[str, Any] | None:
    """One family's entry of ``demo_connections`` (None for a family it has none of)."""
    make = _DEMO.get(family)
    return make(state) if make else None


def _xero_connection(state: SandboxState) -> dict[str, Any]:
    # A custom connection: it fetches a new 30-minute token whenever the old one expires,
    # so a long `serve --sandbox` or reminder run keeps working, as it would against Xero.
    return {
        "type": "xeroClientCredentials",
        "clientId": state.config.xero.client_id,
        "clientSecret": state.config.xero.client_secret,
        "scopes": " ".join(sorted(DEMO_SCOPES - {"offline_access", "openid", "profile", "email"})),
    }


def _whatsapp_connection(state: SandboxState) -> dict[str, Any]:
    wa = state.config.whatsapp
    whatsapp: dict[str, Any] = {
        "type": "whatsappCloud",
        "accessToken": wa.access_token,
        "phoneNumberId": wa.phone_number_id,
        "businessAccountId": wa.business_account_id,
        "appSecret": wa.app_secret,
        "verifyToken": wa.verify_token,
        "apiVersion": wa.api_versions[0],
    }
    if wa.provider is not None:
        whatsapp.update(wa.provider.connection(state.config.base_url))
    return whatsapp


_DEMO = {"xero": _xero_connection, "whatsapp": _whatsapp_connection}


def embedded(
    settings: Settings, *, clock: Clock | None = None, config: SandboxConfig | None = None
) -> EmbeddedSandbox:
    """A seeded sandbox wired for in-process use by a Runtime (``--sandbox``, tests)."""
    config = config if config is not None else SandboxConfig()
    config.base_url = SANDBOX_BASE
    state = build_sandbox(clock=clock, config=config)
    app = create_app(state)
    return EmbeddedSandbox(
        settings=settings.for_sandbox(SANDBOX_BASE),
        transport=SandboxTransport(app=app),
        clock=state.clock,
        state=state,
        app=app,
    )
