"""The YAML spec format, as pydantic models: the single source of truth.

``spec/*.schema.json`` at the repository root is generated from these models (``xero-wa lint
--write-schema``) and a test fails when the committed copy is stale. Field names are camelCase in
YAML (``dataSource``) and snake_case in Python (``data_source``); only the YAML spelling is accepted.

Value templates (``query``, ``headers``, ``body`` of a declarative request) are plain JSON values
in which a few markers are replaced with typed input values; see ``component.spec.templates``.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel

KEY_PATTERN = r"^[a-z][A-Za-z0-9]*$"
HANDLER_PATTERN = r"^[a-z_][a-z0-9_]*:[a-z_][A-Za-z0-9_]*$"

InputType = Literal[
    "string",
    "text",
    "password",
    "boolean",
    "integer",
    "number",
    "date",
    "timestamp",
    "code",
    "data",
    "connection",
    "picklist",
]
Family = Literal["xero", "whatsapp"]
#: What running an action can do: ``read`` changes nothing; ``write`` creates or changes records
#: or sends something; ``destructive`` deletes, voids, archives or reverses (or may: rawRequest).
Safety = Literal["read", "write", "destructive"]
Key = Annotated[str, Field(pattern=KEY_PATTERN, min_length=1, max_length=64)]
HandlerRef = Annotated[str, Field(pattern=HANDLER_PATTERN)]


class SpecModel(BaseModel):
    """Base: unknown fields are errors, YAML uses camelCase names.

    ``defer_build``: validators are built on first use, not at import. Most commands get the
    registry already checked from the start-up cache (``component.spec.cache``) and never
    validate a spec, so they need not pay for building ~40 validators.
    """

    model_config = ConfigDict(
        defer_build=True,
        extra="forbid",
        alias_generator=to_camel,
        validate_by_alias=True,
        validate_by_name=False,
        serialize_by_alias=True,
        frozen=True,
    )


class Choice(SpecModel):
    """One entry of a fixed picklist (``model`` in Prismatic's vocabulary)."""

    label: str
    value: str | int | float | bool


def _check_constraints(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if value is None:
        return None
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    try:
        Draft202012Validator.check_schema(value)
    except SchemaError as exc:
        raise ValueError(f"not a valid JSON Schema fragment: {exc.message}") from exc
    return value


class InputSpec(SpecModel):
    """One input of an action, trigger, data source or connection."""

    key: Key
    label: str = Field(min_length=1)
    type: InputType = "string"
    required: bool = False
    default: Any = None
    comments: str | None = None
    example: Any = None
    placeholder: str | None = None
    choices: list[Choice] | None = Field(default=None, min_length=1)
    collection: Literal["valuelist", "keyvaluelist"] | None = None
    data_source: Key | None = None
    hidden: bool = False
    #: For ``connection`` inputs: the connection keys this input accepts (default: the family's).
    connections: list[Key] | None = None
    #: Extra JSON Schema keywords (minimum, pattern, format, maxLength, items, ...).
    constraints: Annotated[dict[str, Any] | None, AfterValidator(_check_constraints)] = None

    @model_validator(mode="after")
    def _consistent(self) -> InputSpec:
        if self.data_source is not None and self.type not in ("picklist", "string"):
            raise ValueError("dataSource is only allowed on picklist or string inputs")
        if self.type == "connection" and self.collection is not None:
            raise ValueError("connection inputs cannot be collections")
        if self.type == "picklist" and self.choices is None and self.data_source is None:
            raise ValueError("a picklist input needs choices or a dataSource")
        return self


class ResponseSpec(SpecModel):
    """How to turn the HTTP response into the action's ``data``."""

    #: Dotted path into the JSON body (``Invoices.0``); absent means the whole body.
    select: str | None = None
    type: Literal["json", "text", "binary"] = "json"


class Pagination(SpecModel):
    """Xero page-number paging: ``page`` query parameter, ``pagination.pageCount`` in the body.

    With the ``fetchAllInput`` true, pages 1..pageCount are requested with ``pageSize`` and their
    ``items`` concatenated; the loop never asks for a page past ``pageCount`` (no empty last call).
    """

    style: Literal["page"] = "page"
    items: str
    page_input: Key | None = "page"
    fetch_all_input: Key | None = "fetchAll"
    page_param: str = "page"
    page_size_param: str = "pageSize"
    page_size: int = Field(default=1000, ge=1, le=1000)
    page_count_field: str = "pagination.pageCount"


class RestRequest(SpecModel):
    """A declarative HTTP call: no Python needed."""

    method: Literal["GET", "POST", "PUT", "DELETE"]
    #: Which base URL the path is under. ``api`` is the Xero accounting API (or the WhatsApp
    #: Graph API for whatsapp actions); ``connections`` is Xero's tenant list endpoint.
    service: Literal["api", "connections"] = "api"
    path: str = Field(pattern=r"^/")
    query: dict[str, Any] = Field(default_factory=dict)
    headers: dict[str, Any] = Field(default_factory=dict)
    body: Any = None
    #: A ``data`` input sent as the raw request body (attachments), instead of ``body``.
    body_input: Key | None = None
    content_type: str | None = None
    #: Send the accounting tenant header (Xero). Off for calls that are not per tenant.
    tenant: bool = True
    pagination: Pagination | None = None
    response: ResponseSpec = Field(default_factory=ResponseSpec)

    @model_validator(mode="after")
    def _one_body(self) -> RestRequest:
        if self.body is not None and self.body_input is not None:
            raise ValueError("give either body or bodyInput, not both")
        if self.method in ("GET", "DELETE") and (self.body is not None or self.body_input):
            raise ValueError(f"{self.method} requests carry no body")
        return self

    def path_placeholders(self) -> list[str]:
        return re.findall(r"\{([A-Za-z][A-Za-z0-9]*)\}", self.path)


class MockExchange(SpecModel):
    """One expected HTTP request and the canned response it gets, for spec examples."""

    method: str
    url: str
    match_headers: dict[str, str] | None = None
    match_json: Any = None
    status: int = 200
    json_body: Any = Field(default=None, alias="json")
    text: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)


class SpecExample(SpecModel):
    """inputs → mocked HTTP → expected output; run by one parametrized test."""

    name: str
    inputs: dict[str, Any] = Field(default_factory=dict)
    connection: dict[str, Any] | None = None
    http: list[MockExchange] = Field(default_factory=list)
    output: Any = None
    error_code: str | None = None


class _Invocable(SpecModel):
    key: Key
    label: str = Field(min_length=1)
    description: str = ""
    group: str | None = None
    connection: Family | None = None
    inputs: list[InputSpec] = Field(default_factory=list)
    example_payload: Any = None
    examples: list[SpecExample] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_inputs(self) -> _Invocable:
        seen: set[str] = set()
        for spec in self.inputs:
            if spec.key in seen:
                raise ValueError(f"input key {spec.key!r} is declared twice")
            seen.add(spec.key)
        return self

    def input(self, key: str) -> InputSpec | None:
        return next((i for i in self.inputs if i.key == key), None)


class ActionSpec(_Invocable):
    """An action: exactly one of ``request`` (declarative) or ``handler`` (Python beside it).

    ``safety`` and ``idempotent`` are required: the manifest, the OpenAPI document
    (``x-safety``/``x-idempotent``), ``describe``, the MCP tool hints and the web playground's
    confirmations read them, so no action may leave a caller guessing. ``idempotent`` means that
    repeating the call with the same inputs has no further effect (a second void changes
    nothing; a second create makes a second record).
    """

    safety: Safety
    idempotent: bool
    request: RestRequest | None = None
    handler: HandlerRef | None = None

    @model_validator(mode="after")
    def _request_or_handler(self) -> ActionSpec:
        if (self.request is None) == (self.handler is None):
            raise ValueError("an action needs exactly one of 'request' or 'handler'")
        if self.safety == "read" and not self.idempotent:
            raise ValueError("a read action is idempotent: set idempotent: true")
        if self.safety == "read" and self.request is not None and self.request.method != "GET":
            raise ValueError(f"a {self.request.method} request is not a read: set safety")
        return self


class PollSpec(SpecModel):
    """What a polling trigger asks Xero for and how it tells records apart (component/polling).

    ``modified`` reports records changed since the last run (If-Modified-Since plus the ids
    already reported); ``overdue`` reports sales invoices that reach N days overdue.
    """

    mode: Literal["modified", "overdue"] = "modified"
    path: str = Field(pattern=r"^/")
    #: The response's list (``Invoices``) and each record's id field (``InvoiceID``).
    items: str
    id_field: str
    #: The event category the trigger emits (Xero's webhook vocabulary: INVOICE, CONTACT...).
    category: str = Field(pattern=r"^[A-Z]+$")
    #: Fixed query parameters sent with every request.
    query: dict[str, str] = Field(default_factory=dict)
    #: Xero's pageSize (up to 1000); null where Xero pages by 100 and takes no pageSize (Quotes).
    page_size: int | None = Field(default=1000, ge=1, le=1000)


class TriggerSpec(_Invocable):
    """A trigger: a webhook (the service routes ``path`` to ``handler``) or a polling trigger
    (``poll``), run by ``xero-wa poll`` and the service's scheduler."""

    path: str | None = Field(default=None, pattern=r"^/")
    handler: HandlerRef | None = None
    poll: PollSpec | None = None

    @model_validator(mode="after")
    def _webhook_or_polling(self) -> TriggerSpec:
        webhook = self.path is not None or self.handler is not None
        if webhook == (self.poll is not None):
            raise ValueError("a trigger needs either path and handler (a webhook) or poll")
        if webhook and (self.path is None or self.handler is None):
            raise ValueError("a webhook trigger needs both path and handler")
        return self


class DataSourceSpec(_Invocable):
    """A picklist data source: returns ``[{key, label}]``."""

    data_source_type: Literal["picklist"] = "picklist"
    handler: HandlerRef


class ConnectionSpec(SpecModel):
    """A kind of connection; its handler turns stored values into an authenticated session."""

    key: Key
    label: str = Field(min_length=1)
    description: str = ""
    family: Family
    oauth2_type: Literal["authorization_code", "client_credentials"] | None = None
    inputs: list[InputSpec] = Field(default_factory=list)
    handler: HandlerRef


class ComponentSpec(SpecModel):
    """``component.yaml``: who we are, for the manifest."""

    key: Key
    label: str
    description: str
    version: str
    documentation_url: str | None = None


SPEC_MODELS: dict[str, type[SpecModel]] = {
    "action": ActionSpec,
    "trigger": TriggerSpec,
    "dataSource": DataSourceSpec,
    "connection": ConnectionSpec,
    "component": ComponentSpec,
}
