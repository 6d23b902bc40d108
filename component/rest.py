"""Runs a declarative ``request:`` spec: builds the call from typed inputs, pages, selects.

Paging follows Xero's page-number style: with ``fetchAll`` on, pages 1..``pagination.pageCount``
are fetched at the spec's ``pageSize`` (1000) and their items concatenated into the first page's
envelope. The loop stops at ``pageCount``, or at a short page when Xero sends no pagination
block, so it never asks for an empty page past the end.
"""

from __future__ import annotations

from typing import Any

import httpx

from component import errors
from component.context import ActionContext
from component.spec.models import Pagination, ResponseSpec, RestRequest
from component.spec.templates import TemplateError, query_text, render, render_path
from component.values import Binary
from component.xero.errors import json_body
from component.xero.paging import collect_pages, dig


async def execute(ctx: ActionContext, request: RestRequest) -> Any:
    try:
        call = _build(ctx, request)
    except TemplateError as exc:
        raise errors.InputError.single(
            exc.field, exc.reason, context=f"action {ctx.spec.key}"
        ) from None
    pagination = request.pagination
    if (
        pagination is not None
        and pagination.fetch_all_input
        and ctx.inputs.get(pagination.fetch_all_input)
    ):
        return await _fetch_all(ctx, request, pagination, call)
    if pagination is not None and pagination.page_input:
        page = ctx.inputs.get(pagination.page_input)
        if page is not None:
            call["params"][pagination.page_param] = query_text(page)
    response = await _send(ctx, request, call)
    return _select(response, request.response)


def _build(ctx: ActionContext, request: RestRequest) -> dict[str, Any]:
    values = ctx.inputs
    call: dict[str, Any] = {
        "path": render_path(request.path, values),
        "params": {k: query_text(v) for k, v in (render(request.query, values) or {}).items()},
        "headers": {k: query_text(v) for k, v in (render(request.headers, values) or {}).items()},
        "json": None,
        "content": None,
    }
    if request.body_input is not None:
        data = values.get(request.body_input)
        if not isinstance(data, Binary):
            raise TemplateError(request.body_input, "is required as the request body")
        call["content"] = data.data
        call["headers"].setdefault("Content-Type", request.content_type or data.content_type)
    elif request.body is not None:
        call["json"] = render(request.body, values)
        if call["json"] is None:
            call["json"] = {}
    return call


async def _send(ctx: ActionContext, request: RestRequest, call: dict[str, Any]) -> httpx.Response:
    if ctx.spec.connection != "xero":
        raise errors.SpecError(
            [f"{ctx.spec.key}: declarative requests are only supported for Xero actions"]
        )
    accept = {"binary": "*/*", "text": "text/plain, */*"}.get(
        request.response.type, "application/json"
    )
    if request.response.type == "binary" and "Accept" in call["headers"]:
        accept = call["headers"].pop("Accept")
    return await ctx.xero.request(
        request.method,
        call["path"],
        service=request.service,
        params=call["params"] or None,
        headers=call["headers"] or None,
        json=call["json"],
        content=call["content"],
        tenant=request.tenant,
        accept=accept,
        what=f"{ctx.spec.key} ({request.method} {call['path']})",
    )


async def _fetch_all(
    ctx: ActionContext, request: RestRequest, pagination: Pagination, call: dict[str, Any]
) -> Any:
    params = call["params"]
    params[pagination.page_size_param] = str(pagination.page_size)

    async def fetch_page(page: int) -> Any:
        params[pagination.page_param] = str(page)
        return json_body(await _send(ctx, request, call), f"{ctx.spec.key} page {page}")

    merged = await collect_pages(
        fetch_page,
        items=pagination.items,
        page_size=pagination.page_size,
        page_count_field=pagination.page_count_field,
        what=ctx.spec.key,
    )
    return _select_body(merged, request.response)


def _select(response: httpx.Response, spec: ResponseSpec) -> Any:
    if spec.type == "binary":
        return Binary(
            response.content,
            response.headers.get("Content-Type", "application/octet-stream").split(";")[0],
            _file_name(response),
        )
    if spec.type == "text":
        return response.text
    if response.status_code == 204 or not response.content:
        return None
    return _select_body(json_body(response, f"{response.request.method} {response.url.path}"), spec)


def _select_body(body: Any, spec: ResponseSpec) -> Any:
    return body if spec.select is None else dig(body, spec.select)


def _file_name(response: httpx.Response) -> str | None:
    disposition = response.headers.get("Content-Disposition", "")
    for part in disposition.split(";"):
        name, _, value = part.strip().partition("=")
        if name.lower() == "filename" and value:
            return str(value).strip('"')
    last = response.url.path.rsplit("/", 1)[-1]
    return last or None
