"""Contract: what clients send and what the WhatsApp sandbox answers validate against Meta's
official OpenAPI file (../shared/specs/whatsapp/business-messaging-api_v23.0.yaml).

The file is used as published, with only these documented defects neutralised (a validator built
on them would reject every real request):

1. ``LanguageObject`` requires ``policy``; real requests omit it (SOURCES.md).
2. The button ``index`` pattern ``^[2-6, 11-14]$`` rejects ``"0"`` (SOURCES.md).
3. ``DocumentMessage`` lacks ``filename``/``caption`` (SOURCES.md): harmless here because
   ``MediaObject`` does not forbid extra keys.
4. ``TextMessage``/``DocumentMessage``/``ImageMessage`` put ``additionalProperties: false`` in the
   second half of an ``allOf``, which forbids the ``messaging_product``/``to`` of the first half:
   dropped inside ``allOf`` members only.
5. Inbound-message schemas were merged onto the outbound ``BaseMessageProperties`` (they require
   ``to``/``recipient_type``, which inbound messages never carry): ``IncomingMessage`` is
   replaced by the inbound half of ``TextMessage_2`` plus ``from``/``id``/``timestamp``.

OpenAPI ``discriminator`` is turned into JSON-Schema ``if``/``then`` so parameter and component
objects are checked against their concrete schema (jsonschema ignores ``discriminator``).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from component.clock import FakeClock
from component.sandbox.whatsapp import StatusTiming, WhatsAppConfig
from component.sandbox.whatsapp.standalone import Standalone, standalone

REPO_ROOT = Path(__file__).resolve().parents[2]
SPEC = REPO_ROOT.parent / "shared" / "specs" / "whatsapp" / "business-messaging-api_v23.0.yaml"

pytestmark = pytest.mark.skipif(
    not SPEC.exists(), reason=f"official WhatsApp OpenAPI file not present at {SPEC}"
)

PHONE_ID = "106540352242922"
WABA_ID = "419561257915477"
URL = f"/v23.0/{PHONE_ID}/messages"
CUSTOMER = "+919820012345"
URI = "urn:whatsapp-business-messaging-api"
PREFIX = "#/components/schemas/"


def _rewrite_refs(node: Any, old: str, new: str) -> Any:
    if isinstance(node, dict):
        return {
            k: (new if k == "$ref" and v == old else _rewrite_refs(v, old, new))
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_rewrite_refs(v, old, new) for v in node]
    return node


def _strip_allof_closed(node: Any) -> Any:
    """Quirk 4: drop ``additionalProperties: false`` from ``allOf`` members."""
    if isinstance(node, dict):
        out = {k: _strip_allof_closed(v) for k, v in node.items()}
        if isinstance(out.get("allOf"), list):
            for member in out["allOf"]:
                if isinstance(member, dict) and member.get("additionalProperties") is False:
                    del member["additionalProperties"]
        return out
    if isinstance(node, list):
        return [_strip_allof_closed(v) for v in node]
    return node


def _dispatch(schemas: dict[str, Any]) -> dict[str, Any]:
    """Make ``discriminator`` mappings binding (``if type == k then $ref``)."""
    out = dict(schemas)
    for name, schema in schemas.items():
        disc = schema.get("discriminator") if isinstance(schema, dict) else None
        if not disc or "mapping" not in disc or name == "IncomingMessage":
            continue
        prop, mapping = disc["propertyName"], disc["mapping"]
        branches = [
            {
                "if": {"properties": {prop: {"const": key}}, "required": [prop]},
                "then": {"$ref": ref},
            }
            for key, ref in mapping.items()
        ]
        known = {"properties": {prop: {"enum": list(mapping)}}, "required": [prop]}
        if "oneOf" in schema:
            rest = {k: v for k, v in schema.items() if k not in ("oneOf", "discriminator")}
            out[name] = {**rest, "allOf": [*rest.get("allOf", []), known, *branches]}
            continue
        wrapper = f"{name}__dispatch"
        out[wrapper] = {"allOf": [{"$ref": PREFIX + name}, known, *branches]}
        targets = {ref.rsplit("/", 1)[1] for ref in mapping.values()}
        for other in list(out):
            if other not in targets and other not in (name, wrapper):
                out[other] = _rewrite_refs(out[other], PREFIX + name, PREFIX + wrapper)
    return out


def _patched(document: dict[str, Any]) -> dict[str, Any]:
    doc = copy.deepcopy(document)
    schemas = doc["components"]["schemas"]
    schemas["LanguageObject"]["required"] = ["code"]  # quirk 1
    for name in ("TemplateComponent", "ButtonComponent"):  # quirk 2
        for part in [schemas[name], *schemas[name].get("allOf", [])]:
            part.get("properties", {}).get("index", {}).pop("pattern", None)
    inbound_text = schemas["TextMessage_2"]["allOf"][1]  # quirk 5
    schemas["IncomingMessage"] = {
        "allOf": [
            {
                "type": "object",
                "required": ["from", "id", "timestamp", "type"],
                "properties": {k: {"type": "string"} for k in ("from", "id", "timestamp")},
            },
            inbound_text,
        ]
    }
    doc["components"]["schemas"] = _dispatch(_strip_allof_closed(schemas))
    return doc


class Contract:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        patched = _patched(document)
        self.registry: Registry[Any] = Registry().with_resource(
            URI, Resource.from_contents(patched, default_specification=DRAFT202012)
        )
        self.paths: dict[str, Any] = patched["paths"]

    def validate(self, instance: Any, pointer: str) -> None:
        schema = {"$ref": f"{URI}#{pointer}"}
        validator = jsonschema.Draft202012Validator(schema, registry=self.registry)
        errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.path))
        assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])

    def schema(self, name: str, instance: Any) -> None:
        self.validate(instance, f"/components/schemas/{name}")

    def response(self, path: str, method: str, instance: Any) -> None:
        escaped = path.replace("~", "~0").replace("/", "~1")
        pointer = f"/paths/{escaped}/{method}/responses/200/content/application~1json/schema"
        self.validate(instance, pointer)


@pytest.fixture(scope="module")
def contract() -> Contract:
    with SPEC.open(encoding="utf-8") as handle:
        # The C loader is the safe one too; it parses the 1 MB file in a third of a second.
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        return Contract(yaml.load(handle, Loader=loader))  # noqa: S506 - a safe loader


@pytest.fixture
def box(clock: FakeClock) -> Standalone:
    return standalone(clock, WhatsAppConfig(status_timing=StatusTiming(read_probability=1.0)))


def reminder(to: str = CUSTOMER) -> dict[str, Any]:
    money = {"fallback_value": "₹48,500.00", "code": "INR", "amount_1000": 48500000}
    document = {"link": "https://example.com/INV-0142.pdf", "filename": "INV-0142.pdf"}
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "template",
        "biz_opaque_callback_data": "reminder:INV-0142:1",
        "template": {
            "name": "payment_reminder_pdf",
            "language": {"code": "en"},
            "components": [
                {"type": "header", "parameters": [{"type": "document", "document": document}]},
                {
                    "type": "body",
                    "parameters": [
                        {"type": "text", "text": "Priya Textiles"},
                        {"type": "text", "text": "INV-0142"},
                        {"type": "currency", "currency": money},
                        {"type": "date_time", "date_time": {"fallback_value": "7 July 2026"}},
                        {"type": "text", "text": "7"},
                    ],
                },
                {
                    "type": "button",
                    "sub_type": "url",
                    "index": "0",
                    "parameters": [{"type": "text", "text": "iNv0142aBcD"}],
                },
            ],
        },
    }


def named(to: str = CUSTOMER) -> dict[str, Any]:
    money = {"fallback_value": "₹500.00", "code": "INR", "amount_1000": 500000}
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "template",
        "template": {
            "name": "payment_received",
            "language": {"code": "en_US"},
            "components": [
                {
                    "type": "body",
                    "parameters": [
                        {"type": "text", "text": "Priya", "parameter_name": "party_name"},
                        {"type": "currency", "currency": money, "parameter_name": "amount"},
                        {"type": "text", "text": "INV-0142", "parameter_name": "invoice_number"},
                    ],
                }
            ],
        },
    }


def text(to: str = CUSTOMER) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "text",
        "text": {"preview_url": False, "body": "Thanks, we received your message."},
    }


def media_message(kind: str, media: dict[str, Any], to: str = CUSTOMER) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": kind,
        kind: media,
    }


def test_every_served_graph_path_is_in_the_spec(contract: Contract) -> None:
    served = {
        "/{Version}/{Phone-Number-ID}/messages": "post",
        "/{Version}/{Phone-Number-ID}/media": "post",
        "/{Version}/{Media-ID}": "get",
        "/{Version}/{WABA-ID}/message_templates": "get",
    }
    for path, method in served.items():
        assert method in contract.paths[path], path


@pytest.mark.parametrize(
    "request_body",
    [
        reminder(),
        named(),
        text(),
        media_message("document", {"id": "1234567890", "filename": "a.pdf", "caption": "c"}),
        media_message("document", {"link": "https://example.com/a.pdf", "filename": "a.pdf"}),
        media_message("image", {"link": "https://example.com/a.png"}),
    ],
    ids=["reminder", "named", "text", "document-id", "document-link", "image-link"],
)
def test_requests_our_tests_send_match_the_message_schema(
    contract: Contract, request_body: dict[str, Any]
) -> None:
    contract.schema("Message", request_body)


def test_the_schema_still_rejects_what_it_should(contract: Contract) -> None:
    """The neutralised quirks do not make the validator accept anything."""
    broken = reminder()
    broken["template"]["components"][1]["parameters"][2] = {
        "type": "currency",
        "currency": {"fallback_value": "₹1", "code": "INR"},
    }
    with pytest.raises(AssertionError, match="amount_1000"):
        contract.schema("Message", broken)
    with pytest.raises(AssertionError):
        contract.schema("Message", {**text(), "type": "text", "text": {"body": 5}})


@pytest.mark.anyio
async def test_success_responses_match_the_spec(box: Standalone, contract: Contract) -> None:
    async with box.client() as client:
        await client.post("/_sandbox/whatsapp/inbound", json={"from": CUSTOMER, "text": "Hi"})
        upload = await client.post(
            f"/v23.0/{PHONE_ID}/media",
            data={"messaging_product": "whatsapp", "type": "application/pdf"},
            files={"file": ("INV-0142.pdf", b"%PDF-1.4", "application/pdf")},
        )
        media_id = upload.json()["id"]
        bodies = [
            reminder(),
            named(to="+919820054321"),
            text(to="+919820011111"),
            media_message("document", {"id": media_id, "filename": "INV-0142.pdf"}, "+9198200222"),
        ]
        responses = [await client.post(URL, json=body) for body in bodies]
        info = await client.get(f"/v23.0/{media_id}")
        listing = await client.get(f"/v23.0/{WABA_ID}/message_templates")
    for body, response in zip(bodies, responses, strict=True):
        contract.schema("Message", body)
        assert response.status_code == 200, response.text
        contract.response("/{Version}/{Phone-Number-ID}/messages", "post", response.json())
        contract.schema("MessageResponsePayload", response.json())
    contract.response("/{Version}/{Phone-Number-ID}/media", "post", upload.json())
    contract.response("/{Version}/{Media-ID}", "get", info.json())
    contract.response("/{Version}/{WABA-ID}/message_templates", "get", listing.json())


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("token", "body"),
    [
        ("bad", reminder()),
        (None, {"messaging_product": "whatsapp"}),
        (None, {**reminder(), "template": {"name": "nope", "language": {"code": "en"}}}),
        (None, {**reminder(), "template": {**reminder()["template"], "components": []}}),
    ],
)
async def test_error_responses_match_graph_api_error(
    box: Standalone, contract: Contract, token: str | None, body: dict[str, Any]
) -> None:
    async with box.client(token=token) as client:
        response = await client.post(URL, json=body)
    assert response.status_code in {400, 401}
    contract.schema("GraphAPIError", response.json())
    contract.schema("ErrorResponse", response.json())


@pytest.mark.anyio
async def test_status_webhooks_match_the_webhook_schema(
    box: Standalone, contract: Contract
) -> None:
    async with box.client() as client:
        await client.post(URL, json=reminder())
        await client.post(URL, json=reminder(to="+919999900000"))  # not on WhatsApp
    await box.world.advance(120)
    statuses = box.recorder.statuses()
    assert {s["status"] for s in statuses} == {"sent", "delivered", "read", "failed"}
    for hook in box.recorder.received:
        payload = json.loads(hook.body)
        contract.schema("WebhookPayload", payload)
        contract.schema("StatusMessageValue", payload["entry"][0]["changes"][0]["value"])
    failed = next(s for s in statuses if s["status"] == "failed")
    contract.schema("ErrorObject_2", failed["errors"][0])


@pytest.mark.anyio
async def test_inbound_message_webhook_matches_the_webhook_schema(
    box: Standalone, contract: Contract
) -> None:
    async with box.client() as client:
        await client.post(
            "/_sandbox/whatsapp/inbound", json={"from": CUSTOMER, "text": "STOP", "name": "Priya"}
        )
    await box.world.advance(0)
    [hook] = box.recorder.received
    payload = hook.json()
    contract.schema("WebhookPayload", payload)
    contract.schema("IncomingMessageValueGeneral", payload["entry"][0]["changes"][0]["value"])


def test_listing_shape_is_what_a_client_reads(contract: Contract) -> None:
    """The spec's listing schema is loose; pin the fields the product's config check reads."""
    schema = contract.document["paths"]["/{Version}/{WABA-ID}/message_templates"]["get"]
    item = schema["responses"]["200"]["content"]["application/json"]["schema"]["properties"]
    fields = set(item["data"]["items"]["properties"])
    assert {"name", "language", "status", "category", "components", "id"} <= fields


def test_the_neutralised_quirks_are_still_in_the_published_file(contract: Contract) -> None:
    """If Meta fixes its file, this fails: then drop the corresponding patch above."""
    raw = Registry().with_resource(
        URI, Resource.from_contents(contract.document, default_specification=DRAFT202012)
    )

    def valid(instance: Any, name: str) -> bool:
        schema = {"$ref": f"{URI}#/components/schemas/{name}"}
        return jsonschema.Draft202012Validator(schema, registry=raw).is_valid(instance)

    assert not valid({"code": "en"}, "LanguageObject")  # quirk 1
    assert not valid(reminder()["template"]["components"][2], "ButtonComponent")  # quirk 2
    assert not valid(text(), "TextMessage")  # quirk 4
    assert "to" in contract.document["components"]["schemas"]["BaseMessageProperties"]["required"]
