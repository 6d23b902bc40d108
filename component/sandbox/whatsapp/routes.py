"""The Graph API paths a WhatsApp Cloud API client calls, served at Meta's real paths.

``/{version}/...`` only matches a Graph version (``v23.0``), so these routes can sit at the root of
the sandbox app next to the Xero emulator without capturing its two-segment paths. A provider's
flat paths are served under its prefix (``component.sandbox.whatsapp.provider``). Every answer is
one Meta would give: a bad token is 190 (HTTP 401), an id that is not this number's is 100/33, a
malformed body is 100; nothing a client sends produces a 500.
"""

from __future__ import annotations

import hmac
import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.convertors import Convertor, register_url_convertor
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from component.sandbox.whatsapp import messages
from component.sandbox.whatsapp.errors import GraphError, unsupported_object
from component.sandbox.whatsapp.provider import provider_routes
from component.sandbox.whatsapp.templates import graph_template
from component.sandbox.whatsapp.world import WhatsAppWorld

ATTACHMENTS_PATH = "/whatsapp_business/attachments/"


class GraphVersionConvertor(Convertor[str]):
    """Matches ``vNN.N`` only."""

    regex = r"v\d{1,2}\.\d"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("graphversion", GraphVersionConvertor())

Handler = Callable[[Request], Awaitable[Response]]
WorldHandler = Callable[[WhatsAppWorld, Request], Awaitable[Any]]


def _token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    match = re.match(r"^\s*Bearer\s+(\S+)\s*$", header, re.IGNORECASE)
    if match:
        return match.group(1)
    return request.query_params.get("access_token")


def _authorize(world: WhatsAppWorld, request: Request) -> None:
    token = _token(request)
    expected = world.config.access_token
    if token is None or not hmac.compare_digest(token.encode(), expected.encode()):
        raise GraphError(190)


def _check_version(world: WhatsAppWorld, version: str) -> None:
    cfg = world.config
    if version not in cfg.api_versions and not cfg.accept_other_versions:
        raise GraphError(2635, f"Version {version} is not served; use {cfg.api_versions[0]}")


def graph(world: WhatsAppWorld, handler: Callable[[Request], Awaitable[Any]]) -> Handler:
    """Wrap a handler: version and token checks, JSON answer, Meta's error body on failure."""

    async def endpoint(request: Request) -> Response:
        version = str(request.path_params.get("version", world.config.api_versions[0]))
        try:
            _check_version(world, version)
            _authorize(world, request)
            result = await handler(request)
        except GraphError as error:
            if request.url.path.endswith("/messages"):
                world.rejected[error.code] += 1
            response: Response = error.response()
        else:
            response = result if isinstance(result, Response) else JSONResponse(result)
        response.headers["facebook-api-version"] = version
        return response

    return endpoint


def _own_account(world: WhatsAppWorld, request: Request) -> None:
    waba_id = str(request.path_params["waba_id"])
    if waba_id != world.config.business_account_id:
        raise unsupported_object(waba_id)


def _own_phone(world: WhatsAppWorld, request: Request) -> None:
    """Graph paths name the number; a provider's flat paths do not (the key names it)."""
    phone_id = request.path_params.get("phone_number_id")
    if phone_id is not None and not world.config.sends_from(str(phone_id)):
        raise unsupported_object(str(phone_id))


async def send_message(world: WhatsAppWorld, request: Request) -> dict[str, Any]:
    _own_phone(world, request)
    raw = await request.body()
    try:
        payload = json.loads(raw) if raw else None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise GraphError(100, f"Request body is not valid JSON: {exc}") from exc
    sender = request.path_params.get("phone_number_id")
    return messages.send(world, payload, str(sender) if sender is not None else None)


async def upload_media(world: WhatsAppWorld, request: Request) -> dict[str, Any]:
    _own_phone(world, request)
    try:
        form = await request.form()
    except Exception as exc:  # malformed multipart: Meta answers 100, never 500
        raise GraphError(100, f"Could not parse multipart body: {type(exc).__name__}") from exc
    try:
        if form.get("messaging_product") != "whatsapp":
            raise GraphError(100, "The parameter messaging_product is required.")
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise GraphError(100, "The parameter file is required.")
        declared = form.get("type")
        mime = declared if isinstance(declared, str) and declared else upload.content_type
        data = await upload.read()
        media = world.media.add(data, mime or "", upload.filename, world.clock.now())
    finally:
        await form.close()  # uploads are spooled to temporary files
    return {"id": media.id}


async def get_object(world: WhatsAppWorld, request: Request) -> dict[str, Any]:
    object_id = str(request.path_params["object_id"])
    cfg = world.config
    if object_id == cfg.phone_number_id:
        return {
            "verified_name": cfg.verified_name,
            "display_phone_number": cfg.display_phone_number,
            "id": cfg.phone_number_id,
            "quality_rating": "GREEN",
            "code_verification_status": "VERIFIED",
            "platform_type": "CLOUD_API",
            "throughput": {"level": "HIGH" if cfg.throughput_per_second > 80 else "STANDARD"},
        }
    media = world.media.get(object_id)
    if media is None:
        raise unsupported_object(object_id)
    url = f"{str(request.base_url).rstrip('/')}{ATTACHMENTS_PATH}?mid={media.id}"
    return media.describe(url)


async def delete_object(world: WhatsAppWorld, request: Request) -> dict[str, Any]:
    object_id = str(request.path_params["object_id"])
    if not world.media.delete(object_id):
        raise unsupported_object(object_id)
    return {"success": True}


async def list_templates(world: WhatsAppWorld, request: Request) -> dict[str, Any]:
    _own_account(world, request)
    world.templates.settle(world.clock.now())
    query = request.query_params
    rows = [
        graph_template(spec, language)
        for spec in world.config.templates
        for language in spec.languages
    ]
    for key in ("name", "status", "language", "category"):
        wanted = query.get(key)
        if wanted:
            rows = [r for r in rows if str(r[key]).lower() == wanted.lower()]
    try:
        limit = int(query.get("limit", "25"))
    except ValueError as exc:
        raise GraphError(100, "Param limit must be an integer") from exc
    after = query.get("after")
    start = int(after) if after and after.isdigit() else 0
    page = rows[start : start + max(1, limit)]
    cursors = {"before": str(start), "after": str(start + len(page))}
    result: dict[str, Any] = {"data": page, "paging": {"cursors": cursors}}
    if start + len(page) < len(rows):
        result["paging"]["next"] = (
            f"{str(request.url).split('?', 1)[0]}?limit={limit}&after={start + len(page)}"
        )
    return result


async def create_template(world: WhatsAppWorld, request: Request) -> dict[str, Any]:
    if "waba_id" in request.path_params:
        _own_account(world, request)
    raw = await request.body()
    try:
        payload = json.loads(raw) if raw else None
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise GraphError(100, f"Request body is not valid JSON: {exc}") from exc
    return world.templates.submit(payload, world.clock.now())


async def download(world: WhatsAppWorld, request: Request) -> Response:
    media = world.media.get(request.query_params.get("mid", ""))
    if media is None:
        return Response(status_code=404)
    return Response(media.data, media_type=media.mime_type)


#: The handlers a provider's flat paths share with the Graph routes.
SHARED: dict[str, WorldHandler] = {
    "send": send_message,
    "media": upload_media,
    "create_template": create_template,
}


def routes(world: WhatsAppWorld) -> list[BaseRoute]:
    """Graph API routes for ``world`` (and its provider's, when it has one); mount at the root."""

    def g(handler: WorldHandler) -> Handler:
        async def call(request: Request) -> Any:
            return await handler(world, request)

        return graph(world, call)

    v = "/{version:graphversion}"
    return [
        Route(f"{v}/{{phone_number_id}}/messages", g(send_message), methods=["POST"]),
        Route(f"{v}/{{phone_number_id}}/media", g(upload_media), methods=["POST"]),
        Route(f"{v}/{{waba_id}}/message_templates", g(list_templates), methods=["GET"]),
        Route(f"{v}/{{waba_id}}/message_templates", g(create_template), methods=["POST"]),
        Route(f"{v}/{{object_id}}", g(get_object), methods=["GET"]),
        Route(f"{v}/{{object_id}}", g(delete_object), methods=["DELETE"]),
        Route(ATTACHMENTS_PATH, g(download), methods=["GET"]),
        *provider_routes(world, SHARED),
    ]
