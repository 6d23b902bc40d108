"""A refused send, sorted once: may a later attempt succeed, and what does it block?

Meta's code decides (``component.whatsapp.codes`` interprets each code):

==============  ===========================================================  =====
kind            meaning                                                      retry
==============  ===========================================================  =====
unknown         the request left but no answer came: held for review         never
undeliverable   131026, not on WhatsApp: Xero e-mails the invoice instead    no
template        wrong for one template (name, language, parameters)          yes
sender          the sender's setup (token, account, spam pause)              yes
recipient       about this recipient only (131021, 131030 test list ...)     131030
transient       Meta busy, rate limits left after paced retries, network     yes
other           anything else Meta refused for good                          no
==============  ===========================================================  =====

"template" and "sender" are retried because fixing the configuration is all it takes; the
reminder job also stops every later send of the same scope in the run (``reminders.send``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from component import errors
from component.whatsapp import errors as wa

RefusalKind = Literal[
    "unknown", "undeliverable", "template", "sender", "recipient", "transient", "other"
]

#: Meta codes that are wrong for one template (name, language, parameters): other templates go on.
TEMPLATE_CODES = frozenset(
    {100, 131008, 131009, 132000, 132001, 132005, 132007, 132012, 132015, 132016, 132068, 132069}
)
#: Codes about one recipient only: that message fails, the others go on.
RECIPIENT_CODES = frozenset({131021, 131030, 130497})
#: Not on WhatsApp's test list: allowed once the number is added (or the account is live).
RETRY_RECIPIENT_CODES = frozenset({131030})


@dataclass(frozen=True)
class Refusal:
    kind: RefusalKind
    #: Meta's code as text, or the error's own code (``upstream_error``, ``connection_error``).
    code: str
    message: str
    retry: bool
    error: errors.XeroWaError

    @property
    def meta_code(self) -> int | None:
        return wa.meta_code(self.error)


def classify(exc: errors.XeroWaError) -> Refusal:
    """Sort one refusal (see the table above)."""
    code = wa.meta_code(exc)
    shown = str(code) if code is not None else exc.code
    kind = _kind(exc, code)
    retry = kind in ("template", "sender", "transient") or code in RETRY_RECIPIENT_CODES
    return Refusal(kind, shown, exc.message, retry, exc)


def _kind(exc: errors.XeroWaError, code: int | None) -> RefusalKind:
    if wa.is_outcome_unknown(exc):
        return "unknown"
    if wa.is_undeliverable(exc):
        return "undeliverable"
    if code in RECIPIENT_CODES:
        return "recipient"
    if code in TEMPLATE_CODES:
        return "template"
    if wa.is_configuration_error(exc) or wa.error_kind(exc) == "spam":
        return "sender"
    if isinstance(exc, errors.ConnectionError):
        return "sender"
    if isinstance(exc, errors.UpstreamError) and (exc.retryable or wa.is_rate_limited(exc)):
        return "transient"
    return "other"
