"""``/playground`` (every action, searchable) and ``/playground/{actionKey}`` (its form and run).

The form is built from the action's manifest entry alone (``component.web.forms``). A POST
either runs the action (``_do=run``) or refreshes one picklist (``_do=search:KEY``) from its data
source with the search text; with htmx only the changed part of the page is swapped, without
JavaScript the whole page comes back. Actions whose manifest entry says ``safety:
destructive`` run only with the confirmation box ticked.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response

from component import errors
from component.values import to_jsonable
from component.web import forms, orgs
from component.web.page import Page, PageError, field_errors
from component.web.runner import invoke

CONFIRM_FIELD = "_confirm"
RESULT_LIMIT = 200_000


def _manifest(page: Page) -> dict[str, Any]:
    return page.web.service.manifest()


def _entry(page: Page, key: str) -> dict[str, Any]:
    for entry in _manifest(page)["actions"]:
        if entry["key"] == key:
            result: dict[str, Any] = entry
            return result
    raise PageError(404, "No such action", f"There is no action called {key[:80]!r}.")


async def index(page: Page) -> Response:
    query = page.value("q")[:100].casefold()
    groups: dict[str, list[dict[str, Any]]] = {}
    for entry in _manifest(page)["actions"]:
        text = " ".join(
            (entry["key"], entry["display"]["label"], entry["display"]["description"] or "")
        )
        if query and query not in text.casefold():
            continue
        groups.setdefault(entry["group"] or "Other", []).append(entry)
    return page.render(
        "playground_index.html", groups=dict(sorted(groups.items())), q=page.value("q")[:100]
    )


async def action(page: Page) -> Response:
    entry = _entry(page, str(page.path_params["key"]))
    known = await page.db(orgs.organisations, page.web.runtime, page.web.org_defaults)
    org = orgs.pick(known, page.value("org"))
    form_fields = forms.fields(entry)
    state: dict[str, Any] = {"result": None, "error": None, "command": None, "status": 200}
    if page.request.method == "POST":
        forms.fill(form_fields, page.form)
        todo = page.value("_do") or "run"
        if todo.startswith("search:"):
            await _load_options(page, form_fields, org, only=todo.removeprefix("search:"))
        else:
            await _run(page, entry, form_fields, org, state)
    await _load_options(page, form_fields, org, skip_loaded=True)
    return page.render(
        "playground_action.html",
        state["status"],
        entry=entry,
        fields=form_fields,
        orgs=known,
        org=org,
        destructive=entry.get("safety") == "destructive",
        confirm_field=CONFIRM_FIELD,
        result=state["result"],
        error=state["error"],
        command=state["command"],
    )


async def _run(
    page: Page,
    entry: dict[str, Any],
    form_fields: list[forms.Field],
    org: orgs.Org | None,
    state: dict[str, Any],
) -> None:
    given = forms.pairs(form_fields)
    secret = {f.key for f in form_fields if f.type == "password"}
    connection = org.connection if org is not None and entry["connection"] == "xero" else None
    state["command"] = forms.command(entry["key"], connection, given, secret)
    if entry.get("safety") == "destructive" and page.value(CONFIRM_FIELD) != "yes":
        state["error"] = "This action cannot be undone: tick the confirmation box to run it."
        state["status"] = 400
        return
    from component.inputs import from_cli_pairs

    spec = page.web.executor.prepare(entry["key"]).loaded.spec
    try:
        raw = from_cli_pairs(list(spec.inputs), given)
        result = await invoke(page.web.executor, entry["key"], raw, org)
    except errors.InputError as exc:
        problems = field_errors(exc)
        for f in form_fields:
            f.error = problems.get(f.key)
        state.update(error=exc.message, status=400)
        return
    except errors.XeroWaError as exc:
        state.update(error=exc.message, status=exc.http_status)
        return
    text = json.dumps(to_jsonable(result), indent=2, ensure_ascii=False)
    if len(text) > RESULT_LIMIT:
        text = text[:RESULT_LIMIT] + "\n… (cut: run the command beside for the whole result)"
    state["result"] = text


async def _load_options(
    page: Page,
    form_fields: list[forms.Field],
    org: orgs.Org | None,
    *,
    only: str | None = None,
    skip_loaded: bool = False,
) -> None:
    """Fill picklists from their data sources; a failure is shown beside the field."""
    for f in form_fields:
        if f.data_source is None or (only is not None and f.key != only):
            continue
        if skip_loaded and (f.options or f.options_error):
            continue
        raw = {"search": f.search} if f.search else {}
        try:
            result = await invoke(page.web.executor, f.data_source, raw, org, kind="dataSource")
        except errors.XeroWaError as exc:
            f.options_error = exc.message
            continue
        f.options = [
            (str(o.get("key")), str(o.get("label")))
            for o in result.get("data") or []
            if isinstance(o, dict)
        ]
