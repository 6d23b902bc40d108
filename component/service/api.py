"""The JSON action API under ``/v1``: list, describe and invoke actions and data sources.

Every route answers JSON. Success is ``{"data": ...}`` exactly as the executor returns it;
failure is ``{"error": {code, message, details}}`` with the HTTP status of the error's class
(``component.errors``), so a caller branches on ``error.code`` and never parses messages. Bad
input is always a 4xx that names the problem: a body that is not JSON says where it breaks.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from component import bounded_json, errors
from component.errors import UnknownKeyError
from component.executor import Kind
from component.orgs.defaults import OrgDefaults
from component.orgs.target import for_tenant
from component.service import auth
from component.service.http import (
    error_response,
    internal_error,
    is_large,
    json_response,
    off_loop,
    read_body,
    result_response,
)
from component.service.state import ServiceState

Endpoint = Callable[[Request], Awaitable[Response]]
INVOKE_FIELDS = ("inputs", "connection", "tenant")


def state_of(request: Request) -> ServiceState:
    state: ServiceState = request.app.state.service
    return state


def guarded(handler: Callable[[Request, ServiceState], Awaitable[Response]]) -> Endpoint:
    """API-key check and error mapping around an endpoint: no exception escapes as a bare 500."""

    async def endpoint(request: Request) -> Response:
        state = state_of(request)
        try:
            auth.check(request.headers.get("authorization"), state.api_keys)
            return await handler(request, state)
        except errors.XeroWaError as exc:
            return error_response(exc)
        except Exception as exc:
            return error_response(internal_error(exc, f"{request.method} {request.url.path}"))

    return endpoint


# ----------------------------------------------------------------------------- catalogue
async def list_actions(request: Request, state: ServiceState) -> Response:
    return Response(state.encoded("actions"), media_type="application/json")


async def get_action(request: Request, state: ServiceState) -> Response:
    key = request.path_params["key"]
    return json_response({"data": _entry(state, "actions", "action", key)})


async def manifest(request: Request, state: ServiceState) -> Response:
    return Response(state.encoded("manifest"), media_type="application/json")


def _entry(state: ServiceState, table: str, kind: str, key: str) -> dict[str, Any]:
    """The manifest entry of ``key``; unknown keys raise UnknownKeyError with suggestions."""
    entries: list[dict[str, Any]] = state.manifest()[table]
    found = next((entry for entry in entries if entry["key"] == key), None)
    if found is None:
        raise UnknownKeyError(kind, key, _suggest(key, [e["key"] for e in entries]))
    return found


def _suggest(key: str, keys: list[str]) -> list[str]:
    import difflib

    return difflib.get_close_matches(key, keys, n=3, cutoff=0.6)


# ----------------------------------------------------------------------------- invoking
async def invoke_action(request: Request, state: ServiceState) -> Response:
    return await _invoke(request, state, "action")


async def invoke_datasource(request: Request, state: ServiceState) -> Response:
    return await _invoke(request, state, "dataSource")


async def _invoke(request: Request, state: ServiceState, kind: Kind) -> Response:
    """Look the key up first, so an unknown key is a 404 before the body is even read."""
    key = request.path_params["key"]
    state.executor.prepare(key, kind)
    body = await read_body(request, state.config.xero_wa_max_body_bytes)
    inputs, connection, tenant = await off_loop(parse_invoke_body, body)
    target = await for_tenant(
        state.runtime,
        state.defaults or OrgDefaults.from_config(state.config),
        state.executor.prepare(key, kind).loaded,
        inputs,
        connection,
        tenant,
    )
    result = await state.executor.invoke(
        key,
        target.inputs,
        connection if target.session is None else None,
        kind=kind,
        source="api",
        session=target.session,
        offload=is_large(body),
    )
    return await result_response(result)


async def get_datasource(request: Request, state: ServiceState) -> Response:
    """``GET /v1/datasources/{key}?input=value&connection=NAME&tenant=ORG``: a picklist."""
    key = request.path_params["key"]
    state.runtime.registry.datasource(key)
    inputs: dict[str, Any] = {}
    for name, value in request.query_params.multi_items():
        if name in inputs:
            raise errors.InputError.single(name, "is given more than once")
        inputs[name] = value
    connection = inputs.pop("connection", None) or None
    tenant = inputs.pop("tenant", None) or None
    target = await for_tenant(
        state.runtime,
        state.defaults or OrgDefaults.from_config(state.config),
        state.executor.prepare(key, "dataSource").loaded,
        inputs,
        connection,
        tenant,
    )
    result = await state.executor.invoke(
        key,
        target.inputs,
        connection if target.session is None else None,
        kind="dataSource",
        source="api",
        session=target.session,
    )
    return await result_response(result)


def parse_invoke_body(body: bytes) -> tuple[dict[str, Any], Any, str | None]:
    """``{"inputs": {...}, "connection": NAME | {...}, "tenant": NAME | ID}`` → (inputs,
    connection, tenant); empty → ({}, None, None)."""
    if not body.strip():
        return {}, None, None
    try:
        payload = bounded_json.loads(body)
    except bounded_json.JsonProblem as exc:
        raise errors.InputError.single(
            exc.path or "body", exc.reason, context="request body"
        ) from None
    if not isinstance(payload, dict):
        raise errors.InputError.single(
            "body", f"expected a JSON object with inputs and connection, got {_kind(payload)}"
        )
    problems = [
        errors.FieldProblem(name, "unknown field; expected inputs, connection and tenant")
        for name in payload
        if name not in INVOKE_FIELDS
    ]
    inputs = payload.get("inputs")
    if inputs is None:
        inputs = {}
    if not isinstance(inputs, dict):
        problems.append(errors.FieldProblem("inputs", f"expected an object, got {_kind(inputs)}"))
    connection = payload.get("connection")
    if connection is not None and not isinstance(connection, (str, dict)):
        problems.append(
            errors.FieldProblem(
                "connection",
                f"expected a stored connection name or a connection object, got {_kind(connection)}",
            )
        )
    tenant = payload.get("tenant")
    if tenant is not None and (not isinstance(tenant, str) or not tenant.strip()):
        problems.append(
            errors.FieldProblem(
                "tenant", f"expected an organisation's name or tenant id, got {_kind(tenant)}"
            )
        )
    if problems:
        raise errors.InputError(problems, context="request body")
    return inputs, connection or None, tenant


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "a string",
        list: "an array",
        dict: "an object",
    }.get(type(value), type(value).__name__)


ROUTES = [
    Route("/v1/actions", guarded(list_actions), methods=["GET"]),
    Route("/v1/actions/{key}", guarded(get_action), methods=["GET"]),
    Route("/v1/actions/{key}/invoke", guarded(invoke_action), methods=["POST"]),
    Route("/v1/datasources/{key}", guarded(get_datasource), methods=["GET"]),
    Route("/v1/datasources/{key}/invoke", guarded(invoke_datasource), methods=["POST"]),
    Route("/v1/manifest", guarded(manifest), methods=["GET"]),
]
