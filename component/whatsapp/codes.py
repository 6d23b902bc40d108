"""Meta's WhatsApp error codes: what each means for us, what to do, and whether to retry.

Meta asks clients to branch on ``error.code`` (titles are being deprecated), so this table is the
only place a code is interpreted. Each entry says:

- ``kind``: how the reminder job and the client react (see ``Kind``);
- ``retryable``: whether sending the same request again later may succeed (the facts table);
- ``advice``: a sentence that names the cause and the fix, shown to the user. ``{template}``,
  ``{language}`` and ``{to}`` are filled from the request when known.

Codes not listed fall back to their family (200-299 permissions) or to "unknown, not retried".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

#: connection: the token is invalid or lacks permission (a person must supply a new one);
#: config: setup or payload is wrong and every similar send will fail the same way;
#: undeliverable: this recipient cannot get WhatsApp messages (fall back to another channel);
#: window: free-form message outside the 24-hour customer-service window;
#: throughput / pair / rate: rate limits (global, per recipient, app or account level);
#: spam: Meta paused this sender; transient: try again later; refused: not delivered, do not retry.
Kind = Literal[
    "connection",
    "config",
    "undeliverable",
    "window",
    "throughput",
    "pair",
    "rate",
    "spam",
    "transient",
    "refused",
]


@dataclass(frozen=True)
class CodeInfo:
    kind: Kind
    retryable: bool
    advice: str


_RENEW = "supply a new access token for the whatsappCloud connection"
_PERMISSION = (
    "the access token lacks permission for this number: use a system-user token with "
    "whatsapp_business_messaging and whatsapp_business_management for this WhatsApp account"
)
_TEMPLATE = "template '{template}' ({language})"
_TEMPLATE_FIX = "check the template name, language and parameters in WhatsApp Manager"

CODES: dict[int, CodeInfo] = {
    0: CodeInfo("connection", False, f"the access token could not be verified: {_RENEW}"),
    1: CodeInfo("transient", True, "Meta reported an unknown API error: retry later"),
    2: CodeInfo("transient", True, "Meta's service is temporarily unavailable: retry later"),
    3: CodeInfo(
        "config", False, "the app lacks the capability for this call: check the app's products"
    ),
    4: CodeInfo("rate", True, "the app made too many API calls: slow down and retry later"),
    10: CodeInfo("connection", False, _PERMISSION),
    100: CodeInfo("config", False, "a request parameter is invalid: fix the request"),
    190: CodeInfo("connection", False, f"the access token has expired or is invalid: {_RENEW}"),
    368: CodeInfo(
        "config",
        False,
        "the business number is temporarily blocked for policy violations: see Account Quality "
        "in WhatsApp Manager",
    ),
    2635: CodeInfo(
        "config",
        False,
        "this Graph API version is deprecated: set the connection's apiVersion to v23.0 or newer",
    ),
    80007: CodeInfo(
        "rate", True, "the WhatsApp Business Account's rate limit was reached: retry later"
    ),
    130429: CodeInfo(
        "throughput",
        True,
        "the business number's message throughput was exceeded: sends are slowed down globally",
    ),
    130472: CodeInfo(
        "refused", False, "Meta held back this marketing message (experiment): do not resend now"
    ),
    130497: CodeInfo(
        "config",
        False,
        "the business account may not message users in this country: check messaging policies",
    ),
    131000: CodeInfo("transient", True, "Meta failed to send for an unknown reason: retry later"),
    131005: CodeInfo("connection", False, _PERMISSION),
    131008: CodeInfo("config", False, "a required parameter is missing: fix the request"),
    131009: CodeInfo("config", False, "a parameter value is invalid: fix the request"),
    131016: CodeInfo("transient", True, "WhatsApp is temporarily unavailable: retry later"),
    131021: CodeInfo(
        "config", False, "the recipient {to} is the business number itself: use another number"
    ),
    131026: CodeInfo(
        "undeliverable",
        False,
        "the number {to} is not on WhatsApp or cannot receive messages: fall back to email",
    ),
    131030: CodeInfo(
        "config",
        False,
        "{to} is not in the allowed list of test recipients: add it in WhatsApp Manager "
        "(API Setup) or use a production number",
    ),
    131031: CodeInfo(
        "config",
        False,
        "the business account is locked (policy or verification): see WhatsApp Manager",
    ),
    131042: CodeInfo(
        "config", False, "a payment problem blocks sending: fix the payment method in Meta"
    ),
    131045: CodeInfo(
        "config", False, "the phone number's certificate is wrong: register the number again"
    ),
    131047: CodeInfo(
        "window",
        False,
        "more than 24 hours since the customer last messaged you; free-form text is not allowed, "
        "send an approved template instead",
    ),
    131048: CodeInfo(
        "spam",
        False,
        "Meta rate-limited this number for spam (low quality or blocks): pause sending from it "
        "and review message quality",
    ),
    131049: CodeInfo(
        "refused",
        False,
        "Meta did not deliver this message to keep engagement healthy: do not resend it now",
    ),
    131051: CodeInfo("config", False, "this message type is not supported: fix the request"),
    131052: CodeInfo(
        "config",
        False,
        "WhatsApp could not download the media: make the link public (https) or upload it first",
    ),
    131053: CodeInfo(
        "config", False, "the media could not be processed: check its type and size limits"
    ),
    131056: CodeInfo(
        "pair",
        True,
        "too many messages to {to} in a short time: waiting before sending to this recipient",
    ),
    131057: CodeInfo("transient", True, "the business account is in maintenance mode: retry later"),
    132000: CodeInfo(
        "config",
        False,
        f"{_TEMPLATE} got the wrong number of parameters: {_TEMPLATE_FIX}",
    ),
    132001: CodeInfo(
        "config",
        False,
        f"{_TEMPLATE} does not exist or is not approved: check the template name/language in "
        "WhatsApp Manager",
    ),
    132005: CodeInfo(
        "config", False, f"{_TEMPLATE} renders too long with these parameters: shorten them"
    ),
    132007: CodeInfo(
        "config", False, f"{_TEMPLATE} content violates a WhatsApp policy: edit the template"
    ),
    132012: CodeInfo(
        "config",
        False,
        f"a parameter of {_TEMPLATE} has the wrong format (text, currency, date_time, "
        f"document): {_TEMPLATE_FIX}",
    ),
    132015: CodeInfo(
        "config", False, f"{_TEMPLATE} is paused for low quality: edit it or use another"
    ),
    132016: CodeInfo(
        "config", False, f"{_TEMPLATE} is disabled for low quality: use another template"
    ),
    132018: CodeInfo(
        "config",
        False,
        "a template parameter contains a new line, a tab or more than 4 spaces: clean the text",
    ),
    133000: CodeInfo(
        "config", False, "the number's deregistration is incomplete: register it again"
    ),
    133004: CodeInfo("transient", True, "WhatsApp's server is temporarily unavailable: retry"),
    133010: CodeInfo(
        "config",
        False,
        "the business phone number is not registered with the Cloud API: register it first",
    ),
}

UNKNOWN = CodeInfo("refused", False, "Meta refused the request")


def lookup(code: int | None) -> CodeInfo:
    """The table entry of ``code``; permission codes 200-299 share one entry."""
    if code is None:
        return UNKNOWN
    if code in CODES:
        return CODES[code]
    if 200 <= code <= 299:
        return CODES[10]
    return UNKNOWN
