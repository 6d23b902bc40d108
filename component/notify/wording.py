"""The words of a shipped template in one language, and the Hindi translation of each.

A WhatsApp template is one name with a translation per language; each translation has its own
body, footer and button labels, but the same parameters in the same order and the same buttons
(types and count). ``component.notify.templates`` holds the English wording (used for ``en`` and
``en_US``); this module holds the others, reviewed to read naturally rather than word for word.

Every translation obeys what Meta checks at submission (``xero-wa templates submit``): no
parameter at the very start or end of the body, at least three words of text per parameter,
button labels of at most 25 characters, no parameter in the footer.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Wording:
    """Body (with ``{{1}}`` or ``{{name}}`` placeholders), footer and button labels."""

    body: str
    footer: str | None = None
    #: The URL button's label (None: the template has no URL button).
    button: str | None = None
    quick_replies: tuple[str, ...] = ()


STOP_FOOTER_HI = "रुकने के लिए STOP लिखें"
PAY_BUTTON_HI = "देखें और भुगतान करें"
QUICK_REPLIES_HI = ("भुगतान कर दिया", "और समय चाहिए", "रिमाइंडर बंद करें")

HINDI: dict[str, Wording] = {
    "payment_reminder": Wording(
        "नमस्ते {{1}}, चालान {{2}} ({{3}}) की देय तिथि {{4}} थी और अब यह {{5}} दिन से बकाया है। "
        "कृपया जल्द से जल्द भुगतान करें।",
        STOP_FOOTER_HI,
        PAY_BUTTON_HI,
        QUICK_REPLIES_HI,
    ),
    "payment_reminder_pdf": Wording(
        "नमस्ते {{1}}, चालान {{2}} ({{3}}) की देय तिथि {{4}} थी और अब यह {{5}} दिन से बकाया है। "
        "चालान इस संदेश के साथ संलग्न है।",
        STOP_FOOTER_HI,
        PAY_BUTTON_HI,
        QUICK_REPLIES_HI,
    ),
    "payment_reminder_final": Wording(
        "अंतिम रिमाइंडर, {{1}}: चालान {{2}} ({{3}}) की देय तिथि {{4}} थी और यह {{5}} दिन से "
        "बकाया है। आगे की कार्रवाई से बचने के लिए कृपया आज ही भुगतान करें।",
        STOP_FOOTER_HI,
        PAY_BUTTON_HI,
        QUICK_REPLIES_HI,
    ),
    "payment_reminder_multi": Wording(
        "नमस्ते {{1}}, यह आपके कुल {{2}} के बकाया चालानों के बारे में एक रिमाइंडर है: {{3}}। "
        "कृपया जल्द से जल्द भुगतान करें।",
        STOP_FOOTER_HI,
        PAY_BUTTON_HI,
    ),
    "invoice_new": Wording(
        "नमस्ते {{1}}, चालान {{2}} ({{3}}) की देय तिथि {{4}} है। आप नीचे दिए गए बटन से इसे "
        "ऑनलाइन देख सकते हैं और भुगतान कर सकते हैं।",
        button="चालान देखें",
    ),
    "payment_received": Wording(
        "धन्यवाद {{party_name}}: हमें चालान {{invoice_number}} के लिए {{amount}} प्राप्त हुए हैं। "
        "समय पर भुगतान के लिए आपका आभार।",
    ),
    "run_summary": Wording(
        "रिमाइंडर रन पूरा हुआ ({{1}}): {{2}} भेजे गए, {{3}} छोड़े गए और {{4}} विफल रहे। "
        "ध्यान देने योग्य: {{5}}। पूरा विवरण xero-wa के रन इतिहास में देखें।",
    ),
    "customer_reply": Wording(
        "नमस्ते, {{1}} के एक ग्राहक ने भुगतान रिमाइंडर का जवाब दिया है। {{2}} ने चालान {{3}} के बारे में "
        "लिखा: {{4}}। कृपया WhatsApp पर उनसे संपर्क करें।",
    ),
    "optout_confirmed": Wording(
        "नमस्ते {{1}}, अब आपको WhatsApp पर भुगतान रिमाइंडर नहीं भेजे जाएंगे। इन्हें फिर से पाने के लिए START लिखें।",
    ),
    "promise_ask": Wording(
        "नमस्ते {{1}}, चालान {{2}} के बारे में बताने के लिए धन्यवाद। कृपया वह तारीख लिखकर भेजें "
        "जब तक आप भुगतान करेंगे, अगले {{3}} दिनों के भीतर।",
    ),
    "promise_noted": Wording(
        "धन्यवाद {{1}}। हमने नोट कर लिया है कि आप चालान {{2}} का भुगतान {{3}} तक करेंगे, और "
        "तब तक हम कोई रिमाइंडर नहीं भेजेंगे।",
    ),
    "paid_noted": Wording(
        "धन्यवाद {{1}}। हमने बता दिया है कि चालान {{2}} का भुगतान हो गया है, और जब तक हमारी "
        "लेखा टीम इसकी जाँच करती है, रिमाइंडर रोक दिए गए हैं।",
    ),
}
