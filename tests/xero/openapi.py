"""Xero's official OpenAPI files as a request checker, for the contract tests.

``check(request)`` asserts that an httpx request is an operation of ``xero_accounting.yaml`` (or
``xero-identity.yaml`` for the tenant list): method and path template, only declared query
parameters and non-standard headers, every required parameter, and a body exactly when the
operation takes one, a JSON body valid against the operation's request schema. The files live
outside the repository (``../shared/specs``); ``require_openapi()`` skips a test, saying so, where
they are absent.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
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
            found.append(
                Operation(method.upper(), template, re.compile(regex, flags), params, body, name)
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
    found.extend(body_problems(request, operation))
    return found


def body_problems(request: httpx.Request, operation: Operation) -> list[str]:
    if operation.body is None:
        return ["the operation takes no body"] if request.content else []
    if not request.content:
        return ["the operation requires a body"] if operation.body.get("required") else []
    validator = body_validator(operation)
    if validator is None:  # raw bytes (application/octet-stream attachments)
        return []
    body = json.loads(request.content)
    return [
        f"body{''.join(f'[{p!r}]' for p in error.absolute_path)}: {error.message}"
        for error in validator.iter_errors(body)
    ]


def check(request: httpx.Request) -> None:
    url = str(request.url.copy_with(query=None))
    base = max((b for b in DOCUMENTS if url.startswith(b)), key=len)
    path = url[len(base) :] or "/"
    if base == "https://api.xero.com" and path.lower() == "/connections":
        path = "/Connections"
    candidates = [
        op for op in operations(base) if op.method == request.method and op.pattern.match(path)
    ]
    assert candidates, f"{request.method} {path} is no operation of {DOCUMENTS[base][0]}"
    reasons = {f"{op.method} {op.template}": problems(request, op) for op in candidates}
    assert any(not r for r in reasons.values()), reasons


def require_openapi() -> None:
    absent = f"Xero's OpenAPI files are not available at {SPECS} (../shared is absent)"
    if not (SPECS / "xero_accounting.yaml").is_file():
        pytest.skip(reason=absent)
