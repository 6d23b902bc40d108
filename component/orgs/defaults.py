"""What an organisation gets when its owner has not decided: the service's configured defaults."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class OrgDefaults:
    """Job switches and connections used when an organisation has no setting of its own.

    Built from the service configuration (``XERO_WA_INVOICE_ALERTS``, ``XERO_WA_PAYMENT_ALERTS``,
    ``XERO_WA_WHATSAPP_CONNECTION``, ``XERO_WA_OWNER_PHONE``) so the same environment that ran one
    organisation keeps meaning the same thing for many.
    """

    reminders: bool = True
    invoice_alerts: bool = True
    payment_thanks: bool = False
    whatsapp_connection: str | None = None
    owner_phone: str | None = None

    @classmethod
    def from_config(cls, config: Any) -> OrgDefaults:
        """From a ``ServiceConfig`` (duck-typed, so this module does not import the service)."""
        return cls(
            reminders=bool(getattr(config, "xero_wa_reminders", True)),
            invoice_alerts=bool(config.xero_wa_invoice_alerts),
            payment_thanks=bool(config.xero_wa_payment_alerts),
            whatsapp_connection=config.xero_wa_whatsapp_connection,
            owner_phone=getattr(config, "xero_wa_owner_phone", None),
        )
