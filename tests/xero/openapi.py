"""Xero's official OpenAPI files as a validating mock, for the contract tests.

``check(request)`` asserts that an httpx request is an operation of ``xero_accounting.yaml`` (or
``xero-identity.yaml`` for the tenant list): method and path template, only declared query
parameters and non-standard headers, every required parameter, every parameter's value valid
under its schema (an ``If-Modified-Since`` is an RFC 3339 ``date-time`` with an offset, ``page``
an integer, ``unitdp`` an integer...), a body exactly when the operation takes one, sent with a
``Content-Type`` the operation accepts (attachments: ``application/octet-stream`` only) and a
JSON body valid against the operation's request schema, and an ``Accept`` that one of the
operation's success responses can satisfy. ``answer(request, canned)`` is the mock: the status a
spec-driven mock server answers (404 no path, 405 no method, 415 wrong body type, 406 unsatisfiable
Accept, 400 anything else invalid) or the canned response. The files live outside the repository
(``../shared/specs``); ``require_openapi()`` skips a test, saying so, where they are absent.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SPECS = Path(__file__).resolve().parents[2].parent / "shared" / "specs" / "xero"
DOCUMENTS = {
    "https://api.xero.com/api.xro/2.0": ("xero_accounting.yaml", False),
    "https://api.xero.com": ("xero-identity.yaml", True),  # /Connections: case not significant
}
STANDARD_HEADERS = {
    "accept",
    "accept-encoding",
    "authorization",
    "connection",
    "content-length",
    "content-type",
    "host",
    "user-agent",
}
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    pattern: re.Pattern[str]
    parameters: list[dict[str, Any]]
    body: dict[str, Any] | None
    document: str
    #: Media types of the operation's 2xx responses (what an ``Accept`` must allow).
    produces: frozenset[str] = frozenset()

    def param_names(self, where: str) -> set[str]:
        return {p["name"] for p in self.parameters if p.get("in") == where}


@cache
def load(name: str) -> dict[str, Any]:
    document: dict[str, Any] = yaml.load((SPECS / name).read_text(), Loader=_Loader)  # noqa: S506
    return document


def resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


@cache
def operations(base: str) -> list[Operation]:
    name, fold_case = DOCUMENTS[base]
    document = load(name)
    found = []
    for template, item in document["paths"].items():
        shared = [resolve(document, p) for p in item.get("parameters", [])]
        for method, op in item.items():
            if method not in HTTP_METHODS:
                continue
            params = shared + [resolve(document, p) for p in op.get("parameters", [])]
            regex = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
            body = resolve(document, op["requestBody"]) if "requestBody" in op else None
            flags = re.IGNORECASE if fold_case else 0
            produces = frozenset(
                media
                for status, response in op.get("responses", {}).items()
                if status.startswith("2")
                for media in resolve(document, response).get("content") or {}
            )
            found.append(
                Operation(
                    method.upper(),
                    template,
                    re.compile(regex, flags),
                    params,
                    body,
                    name,
                    produces,
                )
            )
    return found


def body_validator(operation: Operation) -> Draft4Validator | None:
    """A validator of the operation's JSON body, resolving ``$ref`` inside the OpenAPI file."""
    assert operation.body is not None
    content = operation.body.get("content", {})
    if "application/json" not in content:
        return None
    schema = content["application/json"]["schema"]
    uri = f"urn:xero:{operation.document}"
    resource = Resource.from_contents(load(operation.document), default_specification=DRAFT4)
    registry: Registry[Any] = Registry().with_resource(uri, resource)
    ref = schema.get("$ref", "")
    target = {"$ref": f"{uri}{ref}"} if ref else schema
    return Draft4Validator(target, registry=registry)


def problems(request: httpx.Request, operation: Operation) -> list[str]:
    """Why ``request`` does not fit ``operation`` (empty when it does)."""
    found = []
    query = {name for name, _ in request.url.params.multi_items()}
    for name in sorted(query - operation.param_names("query")):
        found.append(f"query parameter {name!r} is not declared")
    declared_headers = {h.lower() for h in operation.param_names("header")}
    sent_headers = {h.lower() for h in request.headers}
    for name in sorted(sent_headers - declared_headers - STANDARD_HEADERS):
        found.append(f"header {name!r} is not declared")
    for param in operation.parameters:
        if not param.get("required"):
            continue
        where, name = param["in"], param["name"]
        present = name.lower() in sent_headers if where == "header" else True
        if where == "query":
            present = name in query
        if not present:
            found.append(f"required {where} parameter {name!r} is missing")
    found.extend(value_problems(request, operation))
    found.extend(body_problems(request, operation))
    found.extend(accept_problems(request, operation))
    return found


#: RFC 3339 ``date-time`` (what OpenAPI's ``format: date-time`` means): the offset is required.
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def value_error(value: str, schema: dict[str, Any]) -> str | None:
    """Why a parameter's text does not fit its schema (type and format), else None."""
    kind, fmt = schema.get("type"), schema.get("format")
    if kind == "integer" and not re.fullmatch(r"-?\d+", value):
        return f"{value!r} is not an integer"
    if kind == "boolean" and value not in ("true", "false"):
        return f"{value!r} is not a boolean"
    if fmt == "date-time":
        if not RFC3339.match(value):
            return f"{value!r} is not an RFC 3339 date-time (an explicit offset is required)"
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            return f"{value!r} is not a valid date-time"
    if fmt == "date":
        try:
            date.fromisoformat(value) if len(value) == 10 else date.fromisoformat("x")
        except ValueError:
            return f"{value!r} is not a full-date (YYYY-MM-DD)"
    if fmt == "uuid":
        try:
            uuid.UUID(value)
        except ValueError:
            return f"{value!r} is not a uuid"
    return None


def value_problems(request: httpx.Request, operation: Operation) -> list[str]:
    """Every query and header parameter sent must be valid under its declared schema."""
    found = []
    query = dict(request.url.params.multi_items())
    headers = {k.lower(): v for k, v in request.headers.items()}
    for param in operation.parameters:
        where, name = param["in"], param["name"]
        value = query.get(name) if where == "query" else None
        if where == "header":
            value = headers.get(name.lower())
        if value is None or where not in ("query", "header"):
            continue
        reason = value_error(value, param.get("schema") or {})
        if reason:
            found.append(f"{where} parameter {name!r}: {reason}")
    return found


def accept_problems(request: httpx.Request, operation: Operation) -> list[str]:
    """An ``Accept`` none of the operation's success media types satisfies is a 406."""
    accept = request.headers.get("accept")
    if not accept or not operation.produces:
        return []
    wanted = [part.split(";")[0].strip().lower() for part in accept.split(",")]
    for media in operation.produces:
        kind = media.split("/")[0]
        if any(w in ("*/*", media, f"{kind}/*") for w in wanted):
            return []
    return [
        f"Accept {accept!r} cannot be satisfied: the operation answers {sorted(operation.produces)}"
    ]


def body_problems(request: httpx.Request, operation: Operation) -> list[str]:
    if operation.body is None:
        return ["the operation takes no body"] if request.content else []
    if not request.content:
        return ["the operation requires a body"] if operation.body.get("required") else []
    sent = request.headers.get("content-type", "").split(";")[0].strip().lower()
    accepted = sorted(operation.body.get("content", {}))
    if sent not in accepted:
        return [
            f"Content-Type {sent or '(none)'!r} is not accepted; the operation takes {accepted}"
        ]
    validator = body_validator(operation)
    if validator is None:  # raw bytes (application/octet-stream attachments)
        return []
    body = json.loads(request.content)
    return [
        f"body{''.join(f'[{p!r}]' for p in error.absolute_path)}: {error.message}"
        for error in validator.iter_errors(body)
    ]


def _located(request: httpx.Request) -> tuple[str, str]:
    url = str(request.url.copy_with(query=None))
    base = max((b for b in DOCUMENTS if url.startswith(b)), key=len)
    path = url[len(base) :] or "/"
    return base, path


def verdict(request: httpx.Request) -> tuple[int, list[str]]:
    """What a mock server built from the spec answers: (0, []) when the request is valid, else
    the status it refuses with and why (404, 405, 415, 406 or 400)."""
    base, path = _located(request)
    on_path = [op for op in operations(base) if op.pattern.match(path)]
    if not on_path:
        return 404, [f"{request.method} {path} is no operation of {DOCUMENTS[base][0]}"]
    candidates = [op for op in on_path if op.method == request.method]
    if not candidates:
        return 405, [f"{request.method} {path} is no operation of {DOCUMENTS[base][0]}"]
    reasons = {f"{op.method} {op.template}": problems(request, op) for op in candidates}
    if any(not r for r in reasons.values()):
        return 0, []
    flat = [f"{where}: {r}" for where, found in reasons.items() for r in found]
    if all(any("Content-Type" in r for r in found) for found in reasons.values()):
        return 415, flat
    if all(any(r.startswith("Accept ") for r in found) for found in reasons.values()):
        return 406, flat
    return 400, flat


def check(request: httpx.Request) -> None:
    """Assert the request is valid under the official spec (the reasons otherwise)."""
    status, reasons = verdict(request)
    assert status == 0, reasons[0] if status in (404, 405) else {status: reasons}


def answer(request: httpx.Request, canned: httpx.Response) -> httpx.Response:
    """The validating mock: ``canned`` for a valid request, else the refusal as JSON."""
    status, reasons = verdict(request)
    if status == 0:
        return canned
    return httpx.Response(status, json={"mock": "xero_accounting.yaml", "problems": reasons})


def require_openapi() -> None:
    absent = f"Xero's OpenAPI files are not available at {SPECS} (../shared is absent)"
    if not (SPECS / "xero_accounting.yaml").is_file():
        pytest.skip(reason=absent)
