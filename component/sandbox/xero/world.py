"""The emulated Xero: identity, organisations, limits, idempotency and webhooks in one object.

``XeroWorld`` holds state only; the HTTP surface is in ``identity.py``, ``connections.py`` and the
accounting route modules. ``seed`` rebuilds the demo organisations deterministically: the same
seed and ``today`` give the same tenant ids, so tokens and connections survive a re-seed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import httpx

from component.sandbox.clock import SandboxClock
from component.sandbox.config import SandboxConfig
from component.sandbox.delivery import WebhookDeliverer
from component.sandbox.xero.demo import generate_org
from component.sandbox.xero.idempotency import IdempotencyStore
from component.sandbox.xero.limits import Limiter
from component.sandbox.xero.org import Org
from component.sandbox.xero.tokens import TokenBook
from component.sandbox.xero.webhooks import XeroWebhooks


class XeroWorld:
    def __init__(
        self,
        clock: SandboxClock,
        config: SandboxConfig,
        deliverer: WebhookDeliverer,
        client_factory: Callable[[], httpx.AsyncClient],
    ) -> None:
        self.clock = clock
        self.config = config
        self.tokens = TokenBook(clock, config)
        self.orgs: dict[str, Org] = {}
        self.limiter = Limiter(clock, config)
        self.idempotency = IdempotencyStore(clock, config)
        self.webhooks = XeroWebhooks(clock, config, deliverer, client_factory)
        self.today: date | None = None

    def seed(self, today: date | None = None) -> date:
        """(Re)generate every demo organisation; returns the ``today`` used."""
        demo = self.config.demo
        day = today or demo.today or self.clock.today()
        now = self.clock.now()
        self.orgs = {}
        for index, spec in enumerate(demo.tenants):
            org = generate_org(spec, index, demo.seed, day, now)
            self.orgs[org.tenant_id] = org
        self.idempotency.reset()
        self.today = day
        return day

    @property
    def demo_tenant_id(self) -> str:
        return next(iter(self.orgs))

    def custom_connection_tenant(self) -> str | None:
        """The tenant client-credentials tokens are bound to (configured, else the first)."""
        wanted = self.config.xero.custom_connection_tenant
        if wanted:
            for org in self.orgs.values():
                if wanted in (org.tenant_id, org.name):
                    return org.tenant_id
            return None
        return next(iter(self.orgs), None)

    def counts(self) -> dict[str, dict[str, int]]:
        return {
            org.tenant_id: {
                "contacts": len(org.contacts),
                "invoices": len(org.invoices),
                "payments": len(org.payments),
                "items": len(org.items),
                "accounts": len(org.accounts),
            }
            for org in self.orgs.values()
        }
