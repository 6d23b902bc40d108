"""addContactsToGroup: a list of ContactIDs becomes Xero's ``{"Contacts": [{"ContactID"}]}``.

A declarative template cannot turn a list of ids into a list of objects, and a flow has the ids
as a list, so this one step is code.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from component.context import ActionContext
from component.xero.errors import json_body


async def run(ctx: ActionContext) -> Any:
    group = quote(ctx.inputs["contactGroupId"], safe="")
    path = f"/ContactGroups/{group}/Contacts"
    ids = list(dict.fromkeys(str(i).strip() for i in ctx.inputs["contactIds"] if str(i).strip()))
    body = {"Contacts": [{"ContactID": contact_id} for contact_id in ids]}
    what = f"addContactsToGroup (PUT {path})"
    return json_body(await ctx.xero.request("PUT", path, json=body, what=what), what)
