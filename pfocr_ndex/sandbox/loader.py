"""The sandbox's loading task: what ``CX2NetworkLoader`` checks and records of an uploaded CX2.

ndex-rest ``common/persistence/CX2NetworkLoader.persistCXNetwork`` validates the stored CX2 and
saves name, description, version, counts and the network attributes as properties
(``CxNetworkAttribute.toV1PropertyList``: every attribute but name/description/version, values
as text, lists as JSON); the sandbox runs ``pfocr_ndex.validate.validate_cx2(strict=False)`` for the
checks (only those NDEx applies), then saves the summary, which fails as PostgreSQL does on a name or
version longer than the ``network`` table's columns (``ndex_db_schema.sql``).
"""

from __future__ import annotations

import json
from typing import Any

import orjson

from ..cx2 import aspect_elements, declarations, network_attributes
from ..validate import MAX_NAME, MAX_VERSION, validate_cx2

__all__ = ["LoadFailure", "load_cx2", "replace_network_attributes", "typed_value"]

RESERVED_ATTRIBUTES = ("name", "description", "version")
VARCHAR_LIMITS = {"name": MAX_NAME, "version": MAX_VERSION}  # network table columns


class LoadFailure(Exception):
    """The loading task rejected the uploaded CX2 (becomes the summary's ``errorMessage``)."""


def _network_attribute_value_text(value: Any, data_type: str) -> str:
    """``CxNetworkAttribute.toV1PropertyList``: ``toString()`` of single values, JSON of lists."""
    if data_type.startswith("list_of_"):
        return json.dumps(value, separators=(",", ":"))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _summarize_cx2(cx2: Any) -> dict[str, Any]:
    """What ``CX2NetworkLoader`` records about an accepted network."""
    declared = declarations(cx2, "networkAttributes")
    attributes = network_attributes(cx2)
    properties = []
    for key, value in attributes.items():
        if key in RESERVED_ATTRIBUTES:
            continue
        data_type = declared.get(key, {}).get("d") or "string"
        properties.append(
            {"predicateString": key, "dataType": data_type, "value": _network_attribute_value_text(value, data_type)}
        )
    for key in RESERVED_ATTRIBUTES:
        if attributes.get(key) is not None and not isinstance(attributes[key], str):
            raise LoadFailure(f"Network attribute {key} has to be a string.")
    for column, limit in VARCHAR_LIMITS.items():  # NDEx: saveCX2NetworkEntry's SQLException, wrapped
        value = attributes.get(column)
        if isinstance(value, str) and len(value) > limit:
            raise LoadFailure(
                f"DB error when saving network summary: ERROR: value too long for type character varying({limit})"
            )
    nodes = aspect_elements(cx2, "nodes")
    status = aspect_elements(cx2, "status")
    warnings = []
    if status and isinstance(status[0], dict) and status[0].get("error"):
        warnings.append("Message from Status aspect: " + str(status[0]["error"]))
    return {
        "name": attributes.get("name"),
        "description": attributes.get("description"),
        "version": attributes.get("version"),
        "properties": properties,
        "node_count": len(nodes),
        "edge_count": len(aspect_elements(cx2, "edges")),
        "has_layout": any(isinstance(n, dict) and "x" in n for n in nodes),
        "warnings": warnings,
    }


def typed_value(value: Any, data_type: str) -> Any:
    """A property value (text, as ndex2 sends them) as the JSON value its CX2 ``dataType`` needs."""
    if data_type.startswith("list_of_"):
        items = json.loads(value) if isinstance(value, str) else value
        if not isinstance(items, list):
            raise ValueError(f"Value {value} is not a list.")
        return [typed_value(item, data_type[len("list_of_") :]) for item in items]
    if not isinstance(value, str):
        return value
    if data_type in ("integer", "long"):
        return int(value)
    if data_type == "double":
        return float(value)
    if data_type == "boolean":
        return value.lower() == "true"
    return value


def replace_network_attributes(cx2: list[Any], reserved: dict[str, Any], properties: list[dict[str, Any]]) -> list[Any]:
    """``updateNetworkAttributesAspect``: the CX2 with its network attributes rebuilt from the
    summary's name/description/version and ``properties``."""
    attributes: dict[str, Any] = {key: reserved[key] for key in RESERVED_ATTRIBUTES if reserved.get(key) is not None}
    declared: dict[str, Any] = {key: {"d": "string"} for key in attributes}
    for prop in properties:
        attributes[prop["predicateString"]] = typed_value(prop["value"], prop["dataType"])
        declared[prop["predicateString"]] = {"d": prop["dataType"]}
    aspects = [f for f in cx2 if not (isinstance(f, dict) and "networkAttributes" in f)]
    keys = [next(iter(f), None) if isinstance(f, dict) else None for f in aspects]
    if "attributeDeclarations" in keys:
        index = keys.index("attributeDeclarations")
        old = aspects[index]["attributeDeclarations"]
        aspects[index] = {"attributeDeclarations": [{**(old[0] if old else {}), "networkAttributes": declared}]}
    else:  # declarations come right after CXVersion and metaData
        index = 2 if "metaData" in keys[:2] else 1
        aspects.insert(index, {"attributeDeclarations": [{"networkAttributes": declared}]})
    aspects.insert(index + 1, {"networkAttributes": [attributes]})
    return aspects


def load_cx2(data: bytes) -> dict[str, Any]:
    """Run the loading task's checks on uploaded CX2 bytes: its summary fields, or ``LoadFailure``."""
    try:
        cx2 = orjson.loads(data)
    except orjson.JSONDecodeError as err:
        raise LoadFailure(f"Unexpected character in CX2 stream: {err}") from None
    try:
        errors = validate_cx2(cx2, strict=False)
    except Exception as err:  # noqa: BLE001 - the real task turns any RuntimeException into the errorMessage
        raise LoadFailure(str(err) or "Unknow server error.") from None
    if errors:
        raise LoadFailure(errors[0])
    try:
        return _summarize_cx2(cx2)
    except LoadFailure:
        raise
    except Exception as err:  # noqa: BLE001 - a document the validator let through but the loader cannot read
        raise LoadFailure(str(err) or "Unknow server error.") from None
