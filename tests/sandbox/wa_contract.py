"""The WhatsApp contract harness: Meta's official OpenAPI file
(../shared/specs/whatsapp/business-messaging-api_v23.0.yaml) as a JSON-Schema validator.

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
   replaced by the inbound half of ``TextMessage_2`` plus ``from``/``id``/``timestamp``, and
   ``SystemMessage`` keeps its own half on that same inbound base.

OpenAPI ``discriminator`` is turned into JSON-Schema ``if``/``then`` so parameter and component
objects are checked against their concrete schema (jsonschema ignores ``discriminator``).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

REPO_ROOT = Path(__file__).resolve().parents[2]
SPEC = REPO_ROOT.parent / "shared" / "specs" / "whatsapp" / "business-messaging-api_v23.0.yaml"
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


def _patched(document: dict[str, Any], *, overlay: bool = False) -> dict[str, Any]:
    doc = copy.deepcopy(document)
    schemas = doc["components"]["schemas"]
    schemas["LanguageObject"]["required"] = ["code"]  # quirk 1
    for name in ("TemplateComponent", "ButtonComponent"):  # quirk 2
        for part in [schemas[name], *schemas[name].get("allOf", [])]:
            part.get("properties", {}).get("index", {}).pop("pattern", None)
    inbound_text = schemas["TextMessage_2"]["allOf"][1]  # quirk 5
    inbound_base = {
        "type": "object",
        "required": ["from", "id", "timestamp", "type"],
        "properties": {k: {"type": "string"} for k in ("from", "id", "timestamp")},
    }
    schemas["IncomingMessage"] = {"allOf": [inbound_base, inbound_text]}
    schemas["SystemMessage"] = {"allOf": [inbound_base, schemas["SystemMessage"]["allOf"][1]]}
    if overlay:
        _overlay_2026(schemas)
    doc["components"]["schemas"] = _dispatch(_strip_allof_closed(schemas))
    return doc


class Contract:
    def __init__(self, document: dict[str, Any], *, overlay: bool = False) -> None:
        self.document = document
        patched = _patched(document, overlay=overlay)
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


def _overlay_2026(schemas: dict[str, Any]) -> None:
    """What Meta's 2026 webhook references add to the v23.0 file, which predates BSUIDs.

    From the messages, status and system-message webhook references (updated May-Aug 2026):
    ``contacts[]`` carry ``user_id`` (always), ``parent_user_id`` and ``profile.username``, and
    ``wa_id`` only when the phone may be shown; messages carry ``from_user_id`` beside (or
    instead of) ``from``; statuses carry ``recipient_user_id`` beside (or instead of)
    ``recipient_id``; system messages may omit ``from`` and carry ``user_id`` and
    ``previous_user_id`` (``user_changed_user_id`` is new). Everything else stays as published,
    so a payload that has a phone still meets the original schema unchanged.
    """
    bsuid = {"type": "string", "pattern": r"^[A-Z]{2}\.(ENT\.)?[A-Za-z0-9]{1,128}$"}
    contact = schemas["ContactProfile"]
    contact["properties"]["user_id"] = bsuid
    contact["properties"]["parent_user_id"] = bsuid
    contact["properties"]["profile"]["properties"]["username"] = {"type": "string"}
    contact["properties"]["profile"]["required"] = []
    contact["required"] = []
    contact["anyOf"] = [{"required": ["wa_id"]}, {"required": ["user_id"]}]
    statuses = schemas["Statuses"]
    statuses["properties"]["recipient_user_id"] = bsuid
    statuses["required"] = ["id", "status", "timestamp"]
    statuses["anyOf"] = [{"required": ["recipient_id"]}, {"required": ["recipient_user_id"]}]
    schemas["StatusMessageValue"]["properties"]["contacts"] = {
        "type": "array",
        "items": {"$ref": PREFIX + "ContactProfile"},
    }
    system = schemas["SystemMessage"]["allOf"][1]["properties"]["system"]
    system["properties"]["type"]["enum"] = ["user_changed_number", "user_changed_user_id"]
    for key in ("user_id", "previous_user_id", "parent_user_id", "previous_parent_user_id"):
        system["properties"][key] = bsuid
    system["required"] = ["body", "type", "user_id", "previous_user_id"]
    sender = {
        "type": "object",
        "required": ["id", "timestamp", "type"],
        "properties": {
            **{k: {"type": "string"} for k in ("from", "id", "timestamp")},
            "from_user_id": bsuid,
        },
    }
    schemas["SystemMessage"] = {"allOf": [sender, schemas["SystemMessage"]["allOf"][1]]}
    kinds = {
        "text": schemas["TextMessage_2"]["allOf"][1],
        "button": schemas["ButtonMessage"]["allOf"][1],
        "interactive": schemas["InteractiveMessageReply"]["allOf"][1],
    }
    schemas["IncomingMessage"] = {
        "allOf": [
            {**sender, "anyOf": [{"required": ["from"]}, {"required": ["from_user_id"]}]},
            {"properties": {"type": {"enum": list(kinds)}}},
            *(
                {"if": {"properties": {"type": {"const": k}}}, "then": part}
                for k, part in kinds.items()
            ),
        ]
    }


def load_contract(*, overlay: bool = False) -> Contract:
    """The published file (patched for its quirks), with the 2026 overlay when asked."""
    with SPEC.open(encoding="utf-8") as handle:
        # The C loader is the safe one too; it parses the 1 MB file in a third of a second.
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        document = yaml.load(handle, Loader=loader)  # noqa: S506 - a safe loader
    return Contract(document, overlay=overlay)
