"""The WhatsApp users the emulated business number talks to, as Meta identifies them in 2026.

Since April 2026 every user has a business-scoped user id (BSUID, ``user_id``): a two-letter ISO
country code, a dot and up to 128 alphanumerics (``IN.1502576394655843``), different for every
business portfolio and regenerated when the user changes phone number. A user may adopt a
username; Meta then withholds the phone number (``wa_id``/``from``/``recipient_id``) from webhooks,
except while the number is in the portfolio's "contact book" (Meta records phone ↔ BSUID for every
user the business messaged by phone since early April 2026). So the same person can arrive with a
phone, or with only a BSUID and a ``username``: receivers must match on either.

This module decides, per user, what a webhook may reveal; ``webhooks.py`` writes the shapes.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

#: ``<ISO country>.<alphanumerics>``; ``US.ENT.…`` is a parent BSUID.
BSUID = re.compile(r"^[A-Z]{2}\.(?:ENT\.)?[A-Za-z0-9]{1,128}$")


def is_bsuid(value: str) -> bool:
    return bool(BSUID.match(value))


@dataclass
class WaUser:
    """One WhatsApp user as the business portfolio sees them."""

    wa_id: str
    user_id: str
    name: str = "Customer"
    username: str | None = None
    #: Meta may withhold the number when a username is adopted (unless in the contact book).
    hides_phone: bool = False
    previous_user_ids: list[str] = field(default_factory=list)

    def contact(self, *, phone_visible: bool, with_profile: bool = True) -> dict[str, object]:
        """The ``contacts[]`` entry of a webhook for this user."""
        entry: dict[str, object] = {}
        if with_profile:
            profile: dict[str, str] = {"name": self.name}
            if self.username:
                profile["username"] = self.username
            entry["profile"] = profile
        if phone_visible:
            entry["wa_id"] = self.wa_id
        entry["user_id"] = self.user_id
        return entry


def bsuid_for(wa_id: str, *, salt: str, generation: int = 0) -> str:
    """A stable BSUID for ``wa_id`` within one portfolio (``salt``); a new generation after a
    number or id change gives a different one, as Meta does."""
    import phonenumbers  # on use: the sandbox starts without it

    try:
        region = phonenumbers.region_code_for_number(phonenumbers.parse("+" + wa_id)) or "ZZ"
    except phonenumbers.NumberParseException:
        region = "ZZ"
    if region == "ZZ":
        region = "XX"
    digest = hashlib.sha256(f"{salt}/{wa_id}/{generation}".encode()).hexdigest()
    return f"{region}.{int(digest, 16) % 10**16:016d}"


class Directory:
    """Users by phone and by BSUID, plus the portfolio's contact book."""

    def __init__(self, salt: str) -> None:
        self.salt = salt
        self.by_phone: dict[str, WaUser] = {}
        self.by_bsuid: dict[str, WaUser] = {}
        #: Numbers the business messaged by phone: Meta keeps showing their phone in webhooks.
        self.contact_book: set[str] = set()

    def add(
        self,
        wa_id: str,
        *,
        name: str = "Customer",
        username: str | None = None,
        hides_phone: bool = False,
    ) -> WaUser:
        user = self.by_phone.get(wa_id)
        if user is None:
            user = WaUser(wa_id, bsuid_for(wa_id, salt=self.salt))
            self.by_phone[wa_id] = user
            self.by_bsuid[user.user_id] = user
        user.name = name
        user.username = username
        user.hides_phone = hides_phone
        return user

    def for_phone(self, wa_id: str) -> WaUser:
        """The user behind a number (created on first sight, as every WhatsApp user has one)."""
        return self.by_phone.get(wa_id) or self.add(wa_id)

    def for_bsuid(self, user_id: str) -> WaUser | None:
        return self.by_bsuid.get(user_id)

    def phone_visible(self, user: WaUser) -> bool:
        return not user.hides_phone or user.wa_id in self.contact_book

    def change_number(self, user: WaUser, new_wa_id: str) -> str:
        """The user moved to ``new_wa_id``: a new BSUID too. Returns the previous BSUID."""
        previous = user.user_id
        generation = len(user.previous_user_ids) + 1
        del self.by_phone[user.wa_id]
        self.contact_book.discard(user.wa_id)
        user.wa_id = new_wa_id
        user.previous_user_ids.append(previous)
        user.user_id = bsuid_for(new_wa_id, salt=self.salt, generation=generation)
        self.by_phone[new_wa_id] = user
        self.by_bsuid.pop(previous, None)
        self.by_bsuid[user.user_id] = user
        return previous

    def change_user_id(self, user: WaUser) -> str:
        """Meta regenerated the user's BSUID (no number change). Returns the previous one."""
        previous = user.user_id
        user.previous_user_ids.append(previous)
        user.user_id = bsuid_for(user.wa_id, salt=self.salt, generation=len(user.previous_user_ids))
        self.by_bsuid.pop(previous, None)
        self.by_bsuid[user.user_id] = user
        return previous
