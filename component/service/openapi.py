"""The OpenAPI 3.1 document of the service, generated from the registry.

One operation per action (``POST /v1/actions/<key>/invoke``, operationId = the action key) whose
request body is the action's input schema (``component.inputs.input_schema``) plus the
``connection``; one per data source; the webhook endpoints of the triggers; and the fixed routes.
Nothing here is written by hand per action, so the document cannot drift from the specs.
"""

from __future__ import annotations

from typing import Any

from component.inputs import input_schema, value_schema
from component.registry import Registry
from component.spec.models import ActionSpec, DataSourceSpec, InputSpec

JSON = "application/json"
ERROR_STATUSES = {
    "400": "Bad input: the message names every bad field",
    "401": "Missing or invalid API key",
    "404": "Unknown key, or Xero or WhatsApp has nothing with that id",
    "413": "Request body too large",
    "422": "Xero or WhatsApp refused the request as given; their messages are in details",
    "424": "The connection is missing or needs re-authorisation",
    "429": "A rate limit was reached; Retry-After says when to try again",
    "500": "A bug (reported with a reference) or a broken spec",
    "502": "Xero or WhatsApp failed, or could not be reached",
    "503": "Xero or WhatsApp is unavailable; Retry-After when they said",
    "504": "Xero or WhatsApp did not answer in time",
}
EMPTY = {"description": "Empty body"}


def build_openapi(registry: Registry) -> dict[str, Any]:
    component = registry.component
    paths: dict[str, Any] = {}
    paths.update(_fixed_paths())
    for key in sorted(registry.actions):
        action = registry.actions[key].spec
        paths[f"/v1/actions/{key}/invoke"] = {"post": _invoke_operation(action, "action")}
    for key in sorted(registry.datasources):
        source = registry.datasources[key].spec
        paths[f"/v1/datasources/{key}"] = {"get": _picklist_operation(source)}
        paths[f"/v1/datasources/{key}/invoke"] = {"post": _invoke_operation(source, "dataSource")}
    for key in sorted(registry.triggers):
        trigger = registry.triggers[key].spec
        if trigger.path is not None:  # polling triggers have no route
            paths[trigger.path] = _webhook_operations(key, trigger.label, trigger.description)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": component.label,
            "version": component.version,
            "description": component.description,
        },
        "security": [{"apiKey": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": _error_schema(), "Connection": _connection_schema(registry)},
        },
    }


def _error_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "details": {"type": "object"},
                },
            }
        },
    }


def _connection_schema(registry: Registry) -> dict[str, Any]:
    return {
        "description": "A stored connection's name, or an inline connection value.",
        "oneOf": [
            {"type": "string", "minLength": 1},
            {
                "type": "object",
                "required": ["type"],
                "properties": {"type": {"enum": sorted(registry.connections)}},
            },
        ],
    }


def _errors(*statuses: str) -> dict[str, Any]:
    ref = {"schema": {"$ref": "#/components/schemas/Error"}}
    return {s: {"description": ERROR_STATUSES[s], "content": {JSON: ref}} for s in statuses}


def _ok(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"200": {"description": description, "content": {JSON: {"schema": schema}}}}


def _data_schema() -> dict[str, Any]:
    return {"type": "object", "required": ["data"], "properties": {"data": {}}}


def _invoke_operation(spec: ActionSpec | DataSourceSpec, kind: str) -> dict[str, Any]:
    inputs = input_schema(spec.inputs)
    body: dict[str, Any] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "inputs": inputs,
            "connection": {"$ref": "#/components/schemas/Connection"},
            "tenant": {
                "type": "string",
                "minLength": 1,
                "description": "The organisation (name or Xero tenant id) to act for: its "
                "connections are used unless `connection` is given too.",
            },
        },
    }
    if inputs.get("required"):
        body["required"] = ["inputs"]
    operation: dict[str, Any] = {
        "operationId": spec.key if kind == "action" else f"{spec.key}Invoke",
        "summary": spec.label,
        "description": spec.description,
        "tags": [spec.group or ("Data sources" if kind == "dataSource" else "Actions")],
        "requestBody": {"required": False, "content": {JSON: {"schema": body}}},
        "responses": {
            **_ok(_data_schema()),
            **_errors("400", "401", "404", "413", "424", "429", "500", "502"),
        },
    }
    if isinstance(spec, ActionSpec):  # safety metadata as OpenAPI extensions
        operation["x-safety"] = spec.safety
        operation["x-idempotent"] = spec.idempotent
    return operation


def _picklist_operation(spec: DataSourceSpec) -> dict[str, Any]:
    parameters = [_query_parameter(i) for i in spec.inputs if i.type != "connection"]
    parameters.append(
        {
            "name": "connection",
            "in": "query",
            "required": False,
            "description": "The stored connection to use (default: the only one of its family).",
            "schema": {"type": "string"},
        }
    )
    parameters.append(
        {
            "name": "tenant",
            "in": "query",
            "required": False,
            "description": "The organisation (name or tenant id) to act for.",
            "schema": {"type": "string"},
        }
    )
    return {
        "operationId": spec.key,
        "summary": spec.label,
        "description": spec.description,
        "tags": ["Data sources"],
        "parameters": parameters,
        "responses": {
            **_ok(_data_schema()),
            **_errors("400", "401", "404", "424", "429", "500", "502"),
        },
    }


def _query_parameter(spec: InputSpec) -> dict[str, Any]:
    schema = value_schema(spec)
    if spec.default is not None:
        schema["default"] = spec.default
    param: dict[str, Any] = {
        "name": spec.key,
        "in": "query",
        "required": bool(spec.required and spec.default is None),
        "schema": schema,
    }
    if spec.comments:
        param["description"] = spec.comments
    return param


def _webhook_operations(key: str, label: str, description: str) -> dict[str, Any]:
    """Webhook receivers: no API key (they are signed), empty bodies, 401 on a bad signature."""
    post = {
        "operationId": key,
        "summary": label,
        "description": description,
        "tags": ["Webhooks"],
        "security": [],
        "requestBody": {"required": True, "content": {JSON: {"schema": {"type": "object"}}}},
        "responses": {
            "200": EMPTY,
            "400": {"description": "Correctly signed but not a webhook payload"},
            "401": {"description": "Missing or wrong signature (empty body)"},
            "413": _errors("413")["413"],
        },
    }
    operations: dict[str, Any] = {"post": post}
    if key == "whatsappStatusWebhook":
        operations["get"] = {
            "operationId": f"{key}Verify",
            "summary": "Meta's subscription check",
            "tags": ["Webhooks"],
            "security": [],
            "parameters": [
                {"name": name, "in": "query", "required": False, "schema": {"type": "string"}}
                for name in ("hub.mode", "hub.verify_token", "hub.challenge")
            ],
            "responses": {
                "200": {
                    "description": "The challenge",
                    "content": {"text/plain": {"schema": {"type": "string"}}},
                },
                "403": {"description": "Mode or token do not match"},
            },
        }
    return operations


def _fixed_paths() -> dict[str, Any]:
    open_: dict[str, Any] = {"security": []}
    any_json = {"type": "object"}
    return {
        "/healthz": {
            "get": {
                **open_,
                "operationId": "healthz",
                "tags": ["Operations"],
                "responses": _ok(any_json, "The process is alive"),
            }
        },
        "/readyz": {
            "get": {
                **open_,
                "operationId": "readyz",
                "tags": ["Operations"],
                "responses": {
                    **_ok(any_json, "Ready"),
                    "503": {
                        "description": "Not ready; says why",
                        "content": {JSON: {"schema": any_json}},
                    },
                },
            }
        },
        "/v1/manifest": {
            "get": {
                "operationId": "manifest",
                "tags": ["Catalogue"],
                "responses": {**_ok(any_json), **_errors("401")},
            }
        },
        "/v1/actions": {
            "get": {
                "operationId": "listActions",
                "tags": ["Catalogue"],
                "responses": {**_ok(_data_schema()), **_errors("401")},
            }
        },
        "/v1/actions/{key}": {
            "get": {
                "operationId": "describeAction",
                "tags": ["Catalogue"],
                "parameters": [
                    {"name": "key", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {**_ok(_data_schema()), **_errors("401", "404")},
            }
        },
        "/oauth/xero/start": {
            "get": {
                "operationId": "oauthXeroStart",
                "tags": ["OAuth"],
                "description": "Redirects the browser to Xero's consent page. Authenticate with the "
                "Bearer header or the api_key query parameter.",
                "parameters": [
                    {"name": n, "in": "query", "required": False, "schema": {"type": "string"}}
                    for n in ("name", "tenant", "api_key")
                ],
                "responses": {"302": {"description": "To Xero"}, **_errors("400", "401", "500")},
            }
        },
        "/oauth/xero/callback": {
            "get": {
                **open_,
                "operationId": "oauthXeroCallback",
                "tags": ["OAuth"],
                "parameters": [
                    {"name": n, "in": "query", "required": False, "schema": {"type": "string"}}
                    for n in ("code", "state", "error", "error_description")
                ],
                "responses": {
                    "200": {"description": "Connected (HTML page)"},
                    "400": {"description": "Unknown state or missing code (HTML page)"},
                    "424": {"description": "Xero refused (HTML page)"},
                    "502": {"description": "Xero could not be reached (HTML page)"},
                },
            }
        },
    }
