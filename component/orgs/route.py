"""Which connections act for an organisation: the Xero one that reaches it, the WhatsApp sender.

Several stored Xero connections may reach one tenant (the owner and the bookkeeper both
connected it). The one used is, in order: the one pinned with ``orgs set --xero-connection``
when it still works; otherwise the healthiest (reached now, not waiting for re-authorisation,
most recently refreshed). Every choice comes with the sentence that explains it, shown by
``xero-wa orgs`` so nobody has to guess which login the product acts as.

The WhatsApp connection is the organisation's own choice, else ``XERO_WA_WHATSAPP_CONNECTION``,
else the only stored one. Several stored and none chosen is a real ambiguity: the organisation
is unhealthy and the fix names the command and the choices.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from component.orgs.defaults import OrgDefaults
from component.storage.organisations import LinkRow, OrgRow
from component.storage.tokens import TokenRecord


@dataclass(frozen=True)
class Choice:
    """A connection for an organisation, or the problem that leaves it without one."""

    name: str | None
    why: str
    problem: str | None = None
    fix: str | None = None


def _works(record: TokenRecord | None) -> bool:
    return record is not None and not record.needs_reauth


def _freshness(record: TokenRecord | None) -> datetime:
    if record is None or record.tokens is None:
        return datetime.min.replace(tzinfo=UTC)
    return record.tokens.expires_at


def choose_xero(
    row: OrgRow, links: Sequence[LinkRow], records: Mapping[str, TokenRecord | None]
) -> Choice:
    """The Xero connection for ``row`` among the links that reach it (see module docstring)."""
    active = [link for link in links if link.active]
    working = [link.connection for link in active if _works(records.get(link.connection))]
    pinned = row.xero_connection
    if pinned and pinned in working:
        return Choice(pinned, f"pinned with `orgs set --xero-connection {pinned}`")
    if working:
        working.sort(key=lambda name: (-_freshness(records.get(name)).timestamp(), name))
        chosen = working[0]
        why = _why(chosen, active, records, pinned)
        return Choice(chosen, why)
    if active:
        names = ", ".join(link.connection for link in active)
        first = active[0].connection
        return Choice(
            None,
            f"reached by {names}",
            problem=f"every connection that reaches it needs re-authorisation ({names})",
            fix=f"run `xero-wa connect xero --name {first}`",
        )
    gone = [link for link in links if not link.active]
    if gone:
        last = max(gone, key=lambda link: link.disconnected_at or "")
        return Choice(
            None,
            "no longer listed by Xero",
            problem=(
                f"Xero stopped listing this organisation for connection {last.connection!r} "
                f"(disconnected at {last.disconnected_at}); its history and settings are kept"
            ),
            fix=f"run `xero-wa connect xero --name {last.connection}` and tick it again",
        )
    return Choice(
        None,
        "no stored connection reaches it",
        problem="no stored Xero connection reaches this organisation",
        fix="run `xero-wa connect xero` and tick it on Xero's consent screen",
    )


def _why(
    chosen: str,
    active: Sequence[LinkRow],
    records: Mapping[str, TokenRecord | None],
    pinned: str | None,
) -> str:
    others = [link.connection for link in active if link.connection != chosen]
    lead = ""
    if pinned and pinned != chosen:
        lead = f"pinned {pinned!r} cannot be used; "
    if not others:
        return lead + "the only connection that reaches it"
    broken = [n for n in others if not _works(records.get(n))]
    if broken:
        return (
            lead
            + f"healthiest of {chosen}, {', '.join(others)} ({', '.join(broken)} needs re-authorisation)"
        )
    return lead + f"healthiest of {chosen}, {', '.join(others)} (most recently refreshed)"


def choose_whatsapp(row: OrgRow, defaults: OrgDefaults, stored: Sequence[str]) -> Choice:
    """The WhatsApp connection that sends for ``row`` (see module docstring)."""
    label = row.name or row.tenant_id
    set_cmd = f"run `xero-wa orgs set {_quote(label)} --whatsapp-connection NAME`"
    own = row.whatsapp_connection
    if own:
        if own in stored:
            return Choice(own, "chosen with `orgs set --whatsapp-connection`")
        return Choice(
            None,
            f"chosen {own!r}",
            problem=f"its WhatsApp connection {own!r} is not stored "
            f"(stored: {', '.join(stored) or 'none'})",
            fix=set_cmd if stored else "run `xero-wa connect whatsapp`",
        )
    configured = defaults.whatsapp_connection
    if configured and configured in stored:
        return Choice(configured, "XERO_WA_WHATSAPP_CONNECTION")
    if len(stored) == 1:
        return Choice(stored[0], "the only WhatsApp connection")
    if not stored:
        return Choice(
            None,
            "none stored",
            problem="no WhatsApp connection is stored",
            fix="run `xero-wa connect whatsapp`",
        )
    return Choice(
        None,
        "not chosen",
        problem=f"several WhatsApp connections are stored ({', '.join(stored)}) and none is "
        "chosen for this organisation",
        fix=set_cmd.replace("NAME", stored[0]) + f" (one of {', '.join(stored)})",
    )


def _quote(text: str) -> str:
    return f'"{text}"' if any(ch.isspace() or ch in "()'" for ch in text) else text
