"""Cut from Stripe's own API description the small part the site's contract test needs.

The site talks to Stripe through a handful of endpoints and reads a few fields of a few
objects. The contract test (tests/orders/test_stripe_contract_offline.py) checks every request
the gateway sends, and every object the fake Stripe answers or sends in a webhook, against what
*Stripe* publishes, not against what we believe. This script writes that part, and only that
part, to ``stripe-api-subset.json`` beside it, with a header saying where it came from.

Sources (none written here):

- Stripe's OpenAPI description, ``openapi/spec3.json`` from the public repository
  ``stripe/openapi`` (a copy is in ``../shared/stripe/`` with the commit it was taken from). It
  gives request parameter schemas, object schemas and their types and enums.
- ``openapi/fixtures3.json`` from the same repository, newer: the field names objects have today.
- The typed request parameters of the installed ``stripe`` library (``stripe/params/…``), which
  are generated from the description of the API version the library pins. The copy of the spec
  we have is older than that version, so for request parameters the library decides which names
  exist (``payment_method_types`` is gone from Checkout Session create,
  ``allowed_payment_method_types`` is new); the spec keeps the types and enums of the names both
  have. Each difference is listed under ``changed_since_spec``.

Refresh (after upgrading ``stripe`` or taking a newer spec)::

    .venv/bin/python -m devtools.stripe_spec.extract \\
        --spec ../shared/stripe/openapi-spec3.json --fixtures ../shared/stripe/fixtures3.json \\
        --spec-commit <commit of openapi/spec3.yaml> --fixtures-commit <commit of fixtures3.json>

then run the contract test and read the diff of the JSON file.
"""

from __future__ import annotations

import argparse
import importlib
import json
import re
import sys
import types
import typing
from decimal import Decimal
from pathlib import Path

import typing_extensions

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "stripe-api-subset.json"
SHARED = HERE.parents[2] / "shared" / "stripe"

# What we took, and from which commit of github.com/stripe/openapi (see ../shared/stripe/README.md).
SPEC_COMMIT = "63a674638635c68de26b9f3add13e58198f4df44"
FIXTURES_COMMIT = "f6c2a48fbac2819d1feba8143d942ffc65e1c0d2"

#: Endpoints the gateway or the fake serve ("METHOD path" as in the spec) → typed params class.
ENDPOINTS = {
    "POST /v1/checkout/sessions": "stripe.params.checkout:SessionCreateParams",
    "GET /v1/checkout/sessions/{session}": "stripe.params.checkout:SessionRetrieveParams",
    "POST /v1/checkout/sessions/{session}/expire": "stripe.params.checkout:SessionExpireParams",
    "GET /v1/checkout/sessions/{session}/line_items": (
        "stripe.params.checkout:SessionListLineItemsParams"
    ),
    "POST /v1/refunds": "stripe.params:RefundCreateParams",
    "GET /v1/refunds/{refund}": "stripe.params:RefundRetrieveParams",
    "GET /v1/payment_intents/{intent}": "stripe.params:PaymentIntentRetrieveParams",
    "GET /v1/charges/{charge}": "stripe.params:ChargeRetrieveParams",
    "GET /v1/disputes/{dispute}": "stripe.params:DisputeRetrieveParams",
    "GET /v1/events/{id}": "stripe.params:EventRetrieveParams",
    "GET /v1/events": "stripe.params:EventListParams",
}

#: Parameters of Checkout Session create that the site sends (gateway and tests), kept whole.
#: The other parameters (dozens, deeply nested, for features the site does not use) keep only
#: their name and type: enough to know they exist in the pinned version.
SESSION_PARAMS_USED = {
    "allowed_payment_method_types",
    "cancel_url",
    "client_reference_id",
    "customer_email",
    "excluded_payment_method_types",
    "expand",
    "expires_at",
    "line_items",
    "locale",
    "metadata",
    "mode",
    "payment_intent_data",
    "success_url",
}

#: Objects, and the fields of each that the site's code (or the fake's own logic) reads.
OBJECTS = {
    "checkout.session": [
        "id",
        "object",
        "amount_total",
        "client_reference_id",
        "created",
        "currency",
        "customer_email",
        "expires_at",
        "livemode",
        "locale",
        "metadata",
        "mode",
        "payment_intent",
        "payment_method_types",
        "payment_status",
        "status",
        "url",
    ],
    "payment_intent": [
        "id",
        "object",
        "amount",
        "amount_received",
        "created",
        "currency",
        "latest_charge",
        "livemode",
        "metadata",
        "status",
    ],
    "charge": [
        "id",
        "object",
        "amount",
        "amount_captured",
        "amount_refunded",
        "captured",
        "created",
        "currency",
        "disputed",
        "livemode",
        "metadata",
        "paid",
        "payment_intent",
        "refunded",
        "status",
    ],
    "refund": [
        "id",
        "object",
        "amount",
        "charge",
        "created",
        "currency",
        "failure_reason",
        "metadata",
        "payment_intent",
        "reason",
        "status",
    ],
    "dispute": [
        "id",
        "object",
        "amount",
        "charge",
        "created",
        "currency",
        "evidence_details",
        "is_charge_refundable",
        "livemode",
        "metadata",
        "payment_intent",
        "reason",
        "status",
    ],
    "event": [
        "id",
        "object",
        "api_version",
        "created",
        "data",
        "livemode",
        "pending_webhooks",
        "request",
        "type",
    ],
    "api_errors": ["type", "code", "doc_url", "message", "param"],
}

#: The library's class of each object: its typed fields say which values a field takes in the
#: pinned version (dispute.status gained `appeal_needs_response`, `appeal_under_review` and
#: `prevented` after the spec we have was published).
LIBRARY_OBJECTS = {
    "checkout.session": "stripe.checkout:Session",
    "payment_intent": "stripe:PaymentIntent",
    "charge": "stripe:Charge",
    "refund": "stripe:Refund",
    "dispute": "stripe:Dispute",
    "event": "stripe:Event",
}

#: String fields whose values the spec lists only in prose ("Possible values are `a`, `b`…").
DOCUMENTED_VALUES = {("refund", "status"), ("refund", "failure_reason"), ("dispute", "reason")}

#: Event types kept from the pinned version's list (the ones about payments and refunds).
EVENT_PREFIXES = ("checkout.session.", "charge.", "refund.", "payment_intent.")

# Schema keywords worth keeping; descriptions and Stripe's own annotations are dropped.
KEEP = {
    "type",
    "enum",
    "nullable",
    "properties",
    "required",
    "items",
    "anyOf",
    "additionalProperties",
    "maxLength",
    "format",
}


# -- the OpenAPI description -------------------------------------------------------------------


def clean(schema, spec, depth=0):
    """A copy of ``schema`` with only validation keywords, references resolved.

    A reference to one of OBJECTS stays a reference (``#/objects/<name>``); a reference to any
    other Stripe resource becomes "an object" (the site never expands it); other references
    (small inner shapes) are inlined, a few levels deep.
    """
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        target = spec["components"]["schemas"][name]
        resource = target.get("x-resourceId")
        if name in OBJECTS or resource in OBJECTS:
            return {"$ref": f"#/objects/{resource or name}"}
        if resource or depth > 4:
            return {"type": "object", "x-stripe-resource": resource or name}
        return clean(target, spec, depth + 1)
    out = {}
    for key, value in schema.items():
        if key not in KEEP:
            continue
        if key == "properties":
            value = {k: clean(v, spec, depth + 1) for k, v in value.items()}
        elif key in ("items", "additionalProperties") and isinstance(value, dict):
            value = clean(value, spec, depth + 1)
        elif key == "anyOf":
            value = [clean(v, spec, depth + 1) for v in value]
        out[key] = value
    return out


def spec_request_schema(spec, path, method):
    """The request's parameters as one object schema (form body, or query string for GET)."""
    operation = spec["paths"][path][method]
    if method == "get":
        properties = {
            p["name"]: clean(p["schema"], spec)
            for p in operation.get("parameters", [])
            if p["in"] == "query"
        }
        required = [
            p["name"]
            for p in operation.get("parameters", [])
            if p["in"] == "query" and p.get("required")
        ]
        schema = {"type": "object", "properties": properties, "additionalProperties": False}
        if required:
            schema["required"] = required
        return schema
    body = operation.get("requestBody", {}).get("content", {})
    form = body.get("application/x-www-form-urlencoded", {}).get("schema")
    schema = clean(form, spec) if form else {"type": "object", "properties": {}}
    schema["additionalProperties"] = False
    return schema


def documented_values(description):
    """``a``, ``b`` or ``c`` listed in a description, for strings the spec does not enumerate."""
    return sorted(set(re.findall(r"`([a-z][a-z0-9_]*)`", description or ""))) or None


def object_schema(spec, fixtures, name, fields):
    source = spec["components"]["schemas"][name]
    pinned = library_enums(LIBRARY_OBJECTS.get(name), fields)
    properties, changed = {}, []
    for field in fields:
        raw = source["properties"][field]
        schema = clean(raw, spec)
        if (name, field) in DOCUMENTED_VALUES:
            values = documented_values(raw.get("description"))
            if values:
                schema["x-documented-values"] = values
        key = "enum" if "enum" in schema else "x-documented-values"
        if field in pinned and set(pinned[field]) != set(schema.get(key, pinned[field])):
            schema[key] = pinned[field]
            changed.append(field)
        properties[field] = schema
    known = set(source["properties"]) | set(fixtures.get(name, {}))
    described = {
        "fields": properties,
        "required": sorted(set(source.get("required", [])) & set(fields)),
        "known_fields": sorted(known),
    }
    if changed:
        described["changed_since_spec"] = {"enums": changed}
    return described


def library_enums(dotted, fields):
    """The values each of `fields` takes in the pinned version, where the library's class
    lists them (``Literal[...]``); fields typed otherwise are left to the spec."""
    if dotted is None:
        return {}
    module_name, _, class_name = dotted.partition(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    namespace = sys.modules[cls.__module__].__dict__
    enums = {}
    for field in fields:
        annotation = cls.__annotations__.get(field)
        if annotation is None:
            continue
        try:
            schema = typed_schema(annotation, namespace)
        except (TypeError, NameError):  # a nested object: not an enumeration
            continue
        if "enum" in schema:
            enums[field] = sorted(set(schema["enum"]))
    return enums


# -- the stripe library's typed parameters (the pinned API version) ---------------------------

# NotRequired[...] / Required[...] say whether a key is required, not what it holds.
_WRAPPERS = {
    typing.NotRequired,
    typing.Required,
    typing_extensions.NotRequired,
    typing_extensions.Required,
}


def _resolve(annotation, namespace):
    if isinstance(annotation, typing.ForwardRef):
        annotation = annotation.__forward_arg__
    if isinstance(annotation, str):
        annotation = eval(annotation, namespace)  # noqa: S307 — the installed library's own hints
    return annotation


def typed_schema(annotation, namespace):
    """A schema, in the spec's dialect, for one of the library's TypedDict annotations."""
    annotation = _resolve(annotation, namespace)
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in _WRAPPERS:
        return typed_schema(args[0], namespace)
    if typing.is_typeddict(annotation) or _is_typeddict(annotation):
        module = sys.modules[annotation.__module__].__dict__
        own = _params_of(annotation)
        schema = {
            "type": "object",
            "properties": {key: typed_schema(own[key], module) for key in own},
        }
        required = sorted(k for k in annotation.__required_keys__ if k in own)
        if required:
            schema["required"] = required
        return schema
    if origin in (typing.Literal, typing_extensions.Literal):
        return {"type": "string", "enum": list(args)}
    if origin in (typing.Union, types.UnionType):
        members = [typed_schema(a, namespace) for a in args if a is not type(None)]
        members = [m for i, m in enumerate(members) if m not in members[:i]]
        enums = [m for m in members if "enum" in m]
        others = [m for m in members if "enum" not in m]
        if enums and all(m == {"type": "string"} for m in others):
            # Literal[...] | str: the library stays open to values of later versions; the
            # pinned version knows exactly the listed ones. Literal[''] alone means "any
            # string, or empty to unset".
            values = [v for m in enums for v in m["enum"]]
            if not others or [v for v in values if v != ""]:
                return {"type": "string", "enum": values}
            return {"type": "string"}
        if len(members) == 1:
            return members[0]
        return {"anyOf": members}
    if origin in (list, typing.List):  # noqa: UP006
        return {"type": "array", "items": typed_schema(args[0], namespace)}
    if origin in (dict, typing.Dict) or (  # noqa: UP006
        origin is not None and getattr(origin, "__name__", "") == "UntypedStripeObject"
    ):
        value = args[-1] if args else str
        return {"type": "object", "additionalProperties": typed_schema(value, namespace)}
    if annotation is str:
        return {"type": "string"}
    if annotation is bool:
        return {"type": "boolean"}
    if annotation is int:
        return {"type": "integer"}
    if annotation in (float, Decimal):
        return {"type": "string", "format": "decimal"}
    if getattr(annotation, "__name__", "") == "UntypedStripeObject":
        return {"type": "object"}
    raise TypeError(f"No schema for {annotation!r}")


def _is_typeddict(annotation):
    return typing_extensions.is_typeddict(annotation)


def _params_of(cls):
    """The request parameters of a *Params TypedDict, without the library's request options."""
    from stripe._request_options import RequestOptions

    options = set(RequestOptions.__annotations__)
    return {k: v for k, v in cls.__annotations__.items() if k not in options}


def typed_params(dotted):
    module_name, _, class_name = dotted.partition(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    return typed_schema(cls, sys.modules[cls.__module__].__dict__)


# -- pinned version = spec, narrowed and extended by the library -----------------------------


def _object_branch(schema):
    if schema.get("type") == "object" and "properties" in schema:
        return schema
    for branch in schema.get("anyOf", []):
        if branch.get("type") == "object" and "properties" in branch:
            return branch
    return None


def _array_branch(schema):
    if schema.get("type") == "array":
        return schema
    return next((b for b in schema.get("anyOf", []) if b.get("type") == "array"), None)


def merge(spec_schema, typed, path, changes):
    """The spec's schema for one parameter, made to say what the pinned version accepts."""
    if spec_schema is None:
        changes["added"].append(path)
        return dict(typed, **{"x-source": "stripe-python typed params"})
    merged = json.loads(json.dumps(spec_schema))
    spec_object, typed_object = _object_branch(merged), _object_branch(typed)
    if spec_object is not None and typed_object is not None:
        spec_props = spec_object["properties"]
        for key in sorted(set(spec_props) - set(typed_object["properties"])):
            changes["removed"].append(f"{path}[{key}]" if path else key)
        spec_object["properties"] = {
            key: merge(spec_props.get(key), value, f"{path}[{key}]" if path else key, changes)
            for key, value in typed_object["properties"].items()
        }
        if typed_object.get("required"):
            spec_object["required"] = typed_object["required"]
        else:
            spec_object.pop("required", None)
        return merged
    spec_array, typed_array = _array_branch(merged), _array_branch(typed)
    if spec_array is not None and typed_array is not None:
        spec_array["items"] = merge(
            spec_array.get("items"), typed_array["items"], f"{path}[]", changes
        )
        return merged
    target = next((b for b in [merged, *merged.get("anyOf", [])] if "enum" in b), None)
    if target is not None and "enum" in typed and set(typed["enum"]) != set(target["enum"]):
        target["enum"] = sorted(set(typed["enum"]))
        changes["enums"].append(path)
    return merged


# -- the file ------------------------------------------------------------------------------------


def shallow(schema):
    """Only what a parameter is (its type), not what it contains."""
    out = {k: schema[k] for k in ("type", "nullable", "enum", "maxLength", "format") if k in schema}
    if "anyOf" in schema:
        out["anyOf"] = [shallow(branch) for branch in schema["anyOf"]]
    return out


def cut(schema, changes, used):
    """Keep whole the parameters in ``used``; reduce the others to their name and type."""
    properties = schema["properties"]
    for name in properties:
        if name not in used:
            properties[name] = dict(shallow(properties[name]), **{"x-cut": True})
    for kind, paths in changes.items():
        changes[kind] = [p for p in paths if p.partition("[")[0] in used or "[" not in p]
    return schema


def extract(spec, fixtures, spec_commit, fixtures_commit):
    import stripe

    requests = {}
    for key, params_class in ENDPOINTS.items():
        method, _, path = key.partition(" ")
        changes = {"added": [], "removed": [], "enums": []}
        described = spec_request_schema(spec, path, method.lower())
        schema = merge(described, typed_params(params_class), "", changes)
        if key == "POST /v1/checkout/sessions":
            schema = cut(schema, changes, SESSION_PARAMS_USED)
        requests[key] = {
            "typed_params": params_class.replace(":", "."),
            "schema": schema,
            "changed_since_spec": {k: v for k, v in changes.items() if v},
        }
    objects = {
        name: object_schema(spec, fixtures["resources"], name, fields)
        for name, fields in OBJECTS.items()
    }
    hooks = typed_params("stripe.params:WebhookEndpointCreateParams")
    all_types = hooks["properties"]["enabled_events"]["items"]["enum"]
    from stripe._payment_intent import PaymentIntent

    codes = typed_schema(
        PaymentIntent.LastPaymentError.__annotations__["code"],
        sys.modules[PaymentIntent.__module__].__dict__,
    )["enum"]
    return {
        "_about": {
            "what": "The part of Stripe's API description the CÉSIQ site's contract test needs.",
            "source": "https://github.com/stripe/openapi",
            "spec": f"openapi/spec3.yaml at commit {spec_commit} (as JSON)",
            "spec_api_version": spec["info"]["version"],
            "fixtures": f"openapi/fixtures3.json at commit {fixtures_commit}",
            "pinned_api_version": stripe.api_version,
            "pinned_by": f"stripe-python {stripe.VERSION}: request parameter names, event types "
            "and error codes come from its typed params (stripe/params), generated from "
            "Stripe's description of the pinned version",
            "refresh": "python -m devtools.stripe_spec.extract --spec <spec3.json> "
            "--fixtures <fixtures3.json> --spec-commit <sha> --fixtures-commit <sha>",
            "generated_by": "devtools/stripe_spec/extract.py (do not edit by hand)",
        },
        "requests": requests,
        "objects": objects,
        "event_types": sorted(t for t in all_types if t.startswith(EVENT_PREFIXES)),
        "error_codes": sorted(codes),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", type=Path, default=SHARED / "openapi-spec3.json")
    parser.add_argument("--fixtures", type=Path, default=SHARED / "fixtures3.json")
    parser.add_argument("--spec-commit", default=SPEC_COMMIT)
    parser.add_argument("--fixtures-commit", default=FIXTURES_COMMIT)
    parser.add_argument("--out", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    spec = json.loads(args.spec.read_text(encoding="utf-8"))
    fixtures = json.loads(args.fixtures.read_text(encoding="utf-8"))
    subset = extract(spec, fixtures, args.spec_commit, args.fixtures_commit)
    text = json.dumps(subset, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    args.out.write_text(text, encoding="utf-8")
    print(f"{args.out}: {len(text) // 1024} KiB, {len(subset['requests'])} endpoints")


if __name__ == "__main__":
    main()
