"""Check requests and objects against ``stripe-api-subset.json`` (Stripe's own description).

Two dialects, as on the wire: request parameters arrive form-encoded (every value a string,
nested in brackets, see ``devtools.fake_stripe.wire.decode_form``), objects come back as JSON.
Standard library only, so the fake Stripe can use it to refuse what Stripe refuses.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import NamedTuple

SUBSET_FILE = Path(__file__).with_name("stripe-api-subset.json")


@functools.cache
def subset():
    return json.loads(SUBSET_FILE.read_text(encoding="utf-8"))


def pinned_api_version():
    return subset()["_about"]["pinned_api_version"]


@functools.cache
def _templates():
    patterns = []
    for key in subset()["requests"]:
        method, _, path = key.partition(" ")
        regex = re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(path))
        patterns.append((method, re.compile(regex + r"\Z"), key))
    return patterns


def endpoint(method, path):
    """The subset's key (``"POST /v1/refunds"``) for a concrete request, or None."""
    return next((key for m, regex, key in _templates() if m == method and regex.match(path)), None)


def request_schema(key):
    return subset()["requests"][key]["schema"]


class Problem(NamedTuple):
    kind: str  # unknown, missing, invalid_integer, invalid_boolean, invalid_number, invalid_value…
    param: str
    message: str


# -- requests ----------------------------------------------------------------------------------


def form_problems(schema, value, param=""):
    """What Stripe would refuse in form-decoded parameters, as a list of Problems."""
    problems = []
    _check_form(schema, value, param, problems)
    return problems


def _name(param, key):
    return f"{param}[{key}]" if param else str(key)


def _check_form(schema, value, param, out):
    if "anyOf" in schema:
        attempts = []
        for branch in schema["anyOf"]:
            found = form_problems(branch, value, param)
            if not found:
                return
            attempts.append((_fit(branch, value), found))
        out.extend(max(attempts, key=lambda a: a[0])[1])
        return
    kind = schema.get("type")
    if kind == "object":
        if not isinstance(value, dict):
            out.append(Problem("invalid_object", param, f"Invalid object: {param}"))
            return
        properties = schema.get("properties")
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            if properties is not None and key in properties:
                _check_form(properties[key], item, _name(param, key), out)
            elif isinstance(extra, dict):
                _check_form(extra, item, _name(param, key), out)
            elif properties is not None and not extra:
                name = _name(param, key)
                out.append(Problem("unknown", name, f"Received unknown parameter: {name}"))
        for key in schema.get("required", []):
            if key not in value:
                name = _name(param, key)
                out.append(Problem("missing", name, f"Missing required param: {name}."))
    elif kind == "array":
        if not isinstance(value, list):
            out.append(Problem("invalid_array", param, f"Invalid array: {param}"))
            return
        for index, item in enumerate(value):
            _check_form(schema.get("items") or {}, item, _name(param, index), out)
    elif kind is None:
        return
    elif not isinstance(value, str):
        out.append(Problem("invalid_value", param, f"Invalid {kind}: {param} must be a {kind}"))
    elif kind == "integer":
        if not re.fullmatch(r"-?\d+", value):
            out.append(Problem("invalid_integer", param, f"Invalid integer: {value}"))
    elif kind == "boolean":
        if value not in ("true", "false"):
            out.append(Problem("invalid_boolean", param, f"Invalid boolean: {value}"))
    elif kind == "number":
        if not re.fullmatch(r"-?\d+(\.\d+)?", value):
            out.append(Problem("invalid_number", param, f"Invalid decimal: {value}"))
    elif kind == "string":
        if "enum" in schema and value not in schema["enum"]:
            allowed = ", ".join(v for v in schema["enum"] if v)
            message = f"Invalid {param}: must be one of {allowed}"
            out.append(Problem("invalid_value", param, message))
        elif "maxLength" in schema and len(value) > schema["maxLength"]:
            message = f"Invalid {param}: must be at most {schema['maxLength']} characters"
            out.append(Problem("too_long", param, message))


def _fit(branch, value):
    """How well a branch's shape fits a value, to report the relevant branch's problems."""
    kind = branch.get("type")
    if isinstance(value, dict):
        return kind == "object"
    if isinstance(value, list):
        return kind == "array"
    return kind not in ("object", "array")


# -- objects ---------------------------------------------------------------------------------


def object_problems(obj, name=None, where=None):
    """What in a JSON object differs from Stripe's description of it, as a list of strings.

    Checks the fields the site reads (type, enum, documented values, presence when Stripe
    always sends them) and that every field is one Stripe has (spec or today's fixtures).
    """
    name = name or (obj.get("object") if isinstance(obj, dict) else None)
    where = where or name or "object"
    described = subset()["objects"].get(name)
    if described is None:
        return [f"{where}: no description for object type {name!r}"]
    if not isinstance(obj, dict):
        return [f"{where}: expected an object, got {type(obj).__name__}"]
    problems = []
    for field in described["required"]:
        if field not in obj:
            problems.append(f"{where}.{field}: missing (Stripe always sends it)")
    for field, value in obj.items():
        if field not in described["known_fields"]:
            problems.append(f"{where}.{field}: Stripe's {name} has no such field")
        elif field in described["fields"]:
            _check_json(described["fields"][field], value, f"{where}.{field}", problems)
    if name == "event" and isinstance(obj.get("type"), str):
        if obj["type"] not in subset()["event_types"]:
            problems.append(f"{where}.type: {obj['type']!r} is not an event type of the version")
        inner = (obj.get("data") or {}).get("object")
        if isinstance(inner, dict) and inner.get("object") in subset()["objects"]:
            problems += object_problems(inner, where=f"{where}.data.object")
    if name == "api_errors" and obj.get("code") and obj["code"] not in subset()["error_codes"]:
        problems.append(f"{where}.code: {obj['code']!r} is not one of Stripe's error codes")
    return problems


_JSON_TYPES = {
    "string": (str,),
    "integer": (int,),
    "boolean": (bool,),
    "number": (int, float),
    "object": (dict,),
    "array": (list,),
}


def _check_json(schema, value, where, out):
    if "$ref" in schema:
        if isinstance(value, dict):
            out.extend(object_problems(value, schema["$ref"].rsplit("/", 1)[1], where))
        else:
            out.append(f"{where}: expected an expanded object")
        return
    if value is None:
        if not schema.get("nullable"):
            out.append(f"{where}: null is not allowed")
        return
    if "anyOf" in schema:
        for branch in schema["anyOf"]:
            found = []
            _check_json(branch, value, where, found)
            if not found:
                return
        out.append(f"{where}: {value!r} matches none of {schema['anyOf']}")
        return
    kind = schema.get("type")
    if kind is None:
        return
    expected = _JSON_TYPES[kind]
    if not isinstance(value, expected) or (isinstance(value, bool) and kind != "boolean"):
        out.append(f"{where}: expected {kind}, got {type(value).__name__} {value!r}")
        return
    if "enum" in schema and value not in schema["enum"]:
        out.append(f"{where}: {value!r} is not one of {schema['enum']}")
    if "x-documented-values" in schema and value not in schema["x-documented-values"]:
        out.append(f"{where}: {value!r} is not one of {schema['x-documented-values']}")
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        out.append(f"{where}: longer than {schema['maxLength']}")
    if kind == "object":
        properties = schema.get("properties") or {}
        for key in schema.get("required", []):
            if key not in value:
                out.append(f"{where}.{key}: missing")
        for key, item in value.items():
            if key in properties:
                _check_json(properties[key], item, f"{where}.{key}", out)
            elif isinstance(schema.get("additionalProperties"), dict):
                _check_json(schema["additionalProperties"], item, f"{where}.{key}", out)
    elif kind == "array":
        for index, item in enumerate(value):
            _check_json(schema.get("items") or {}, item, f"{where}[{index}]", out)
