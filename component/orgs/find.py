"""Naming things the user typed: an organisation, a connection, a tenant; closest matches if not.

An organisation is found by its tenant id or its name, ignoring case (names are what people
type; ids are what scripts pass). Several organisations with the same name (two "Demo Company"
tenants) are ambiguous: the error lists them with their ids. Nothing found lists the closest
names, so a typo is one glance from its fix.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import TypeVar

from component import errors
from component.orgs.view import Organisation

T = TypeVar("T")


def closest(wanted: str, choices: Sequence[str], n: int = 3) -> list[str]:
    """The closest of ``choices`` to ``wanted`` (case-insensitive), best first."""
    folded = {c.casefold(): c for c in choices}
    found = difflib.get_close_matches(wanted.casefold(), list(folded), n=n, cutoff=0.5)
    prefix = [c for f, c in folded.items() if f.startswith(wanted.casefold()[:3]) and wanted]
    ordered = [folded[f] for f in found] + prefix
    return list(dict.fromkeys(ordered))[:n]


def unknown(kind: str, field: str, wanted: str, choices: Sequence[str]) -> errors.InputError:
    """``no organisation named 'Acme'; closest: Acme Ltd, Acne Co (known: …)``."""
    near = closest(wanted, choices)
    if near:
        hint = f"; closest: {', '.join(near)}"
    elif choices:
        hint = f"; known: {', '.join(list(choices)[:10])}"
    else:
        hint = f"; there is no {kind} yet"
    error = errors.InputError.single(field, f"no {kind} named or with the id {wanted!r}{hint}")
    error.details["suggestions"] = near
    return error


def find_org(
    orgs: Sequence[Organisation], wanted: str, field: str = "organisation"
) -> Organisation:
    text = wanted.strip()
    folded = text.casefold()
    by_id = [o for o in orgs if o.tenant_id.casefold() == folded]
    if by_id:
        return by_id[0]
    by_name = [o for o in orgs if o.row.name.strip().casefold() == folded]
    if len(by_name) == 1:
        return by_name[0]
    if len(by_name) > 1:
        listed = ", ".join(f"{o.name} ({o.tenant_id})" for o in by_name)
        raise errors.InputError.single(
            field, f"{len(by_name)} organisations are named {text!r}: {listed}; pass the tenant id"
        )
    names = [o.row.name for o in orgs if o.row.name] + [o.tenant_id for o in orgs]
    raise unknown("organisation", field, text, names)


def find_name(kind: str, field: str, wanted: str, names: Sequence[str]) -> str:
    """A stored connection name, exactly or ignoring case; else the closest names."""
    if wanted in names:
        return wanted
    folded = [n for n in names if n.casefold() == wanted.casefold()]
    if len(folded) == 1:
        return folded[0]
    raise unknown(kind, field, wanted, names)
