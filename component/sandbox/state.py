"""``SandboxState``: everything one sandbox holds, and :func:`build_sandbox` to make one.

One object owns the clock, the configuration, the webhook deliverer shared by both emulators, the
Xero world, the WhatsApp world, the fault injector and the call statistics. The ASGI app
(``app.create_app``), the embedded sandbox (``--sandbox``) and ``sandbox serve`` are views of it.

For tests::

    clock = FakeClock()
    state = build_sandbox(clock=clock, config=SandboxConfig(limits=LimitsConfig(per_minute=5)),
                          webhook_transport=httpx.ASGITransport(app=my_receiver))
    app = create_app(state)

``clock`` may be shared with the client's runtime so one ``clock.advance`` moves both;
``webhook_transport`` routes webhook deliveries to an in-process receiver.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

import httpx

from component.clock import SYSTEM_CLOCK, Clock
from component.sandbox.clock import SandboxClock
from component.sandbox.config import SandboxConfig
from component.sandbox.delivery import WebhookDeliverer
from component.sandbox.faults import FaultInjector
from component.sandbox.stats import CallStats
from component.sandbox.xero.world import XeroWorld

if TYPE_CHECKING:
    from component.sandbox.whatsapp.world import WhatsAppWorld


@dataclass
class SandboxState:
    clock: SandboxClock
    config: SandboxConfig
    deliverer: WebhookDeliverer
    xero: XeroWorld
    faults: FaultInjector
    calls: CallStats
    client_factory: Callable[[], httpx.AsyncClient]
    _whatsapp: WhatsAppWorld | None = field(default=None, init=False, repr=False)

    @property
    def whatsapp(self) -> WhatsAppWorld:
        """The WhatsApp world, built on first use: a new world has sent nothing and queued no
        webhook, so building it late is the same as building it with the sandbox, and
        ``xero-wa run --sandbox`` against Xero never pays for it (nor for phonenumbers)."""
        if self._whatsapp is None:
            from component.sandbox.whatsapp.world import WhatsAppWorld

            self._whatsapp = WhatsAppWorld(self.clock, self.config.whatsapp, self.deliverer)
        return self._whatsapp

    def seed(self, today: date | None = None) -> date:
        """(Re)generate the demo organisations (same seed + today → same ids)."""
        return self.xero.seed(today)

    def reset(self) -> None:
        """Back to a freshly seeded state: data, limits, statistics, queued webhooks."""
        self.deliverer.reset()
        self.whatsapp.reset(self.config.whatsapp)
        self.xero.limiter.reset()
        self.calls.reset()
        self.faults.injected.clear()
        self.xero.webhooks.sent.clear()
        self.seed(self.xero.today)

    def stats(self) -> dict[str, Any]:
        xero = self.xero
        return {
            "now": self.clock.now().isoformat(),
            "clock_offset_seconds": self.clock.offset_seconds,
            "calls": dict(sorted(self.calls.calls.items())),
            "responses": dict(sorted(self.calls.statuses.items())),
            "token_grants": dict(xero.tokens.grants),
            "token_failures": dict(xero.tokens.failures),
            "limits": xero.limiter.snapshot(),
            "idempotency": {
                "replays": xero.idempotency.replays,
                "conflicts": xero.idempotency.conflicts,
            },
            "faults_injected": dict(self.faults.injected),
            "webhooks": {
                "xero_payloads": len(xero.webhooks.sent),
                "pending_deliveries": self.deliverer.pending(),
                "attempts": len(self.deliverer.attempts()),
            },
            "xero_data": xero.counts(),
            "whatsapp": self.whatsapp.stats(),
        }


def build_sandbox(
    clock: Clock | None = None,
    config: SandboxConfig | None = None,
    *,
    webhook_transport: httpx.AsyncBaseTransport | None = None,
    seed: bool = True,
) -> SandboxState:
    """A complete sandbox on ``clock`` (default: the system clock), seeded unless ``seed=False``.

    ``webhook_transport`` carries outgoing webhooks (Xero and WhatsApp) and intent-to-receive
    probes; ``None`` uses the network.
    """
    config = config if config is not None else SandboxConfig()
    sandbox_clock = (
        clock if isinstance(clock, SandboxClock) else SandboxClock(clock or SYSTEM_CLOCK)
    )

    def client_factory() -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=webhook_transport, follow_redirects=False)

    deliverer = WebhookDeliverer(sandbox_clock, client_factory, seed=config.demo.seed)
    state = SandboxState(
        clock=sandbox_clock,
        config=config,
        deliverer=deliverer,
        xero=XeroWorld(sandbox_clock, config, deliverer, client_factory),
        faults=FaultInjector(sandbox_clock, config),
        calls=CallStats(),
        client_factory=client_factory,
    )
    if seed:
        state.seed()
    return state
