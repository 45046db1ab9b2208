"""The CX2 style, read once: loading and checking a ``visualProperties`` element, and its parsed form.

A CX2 style (one ``visualProperties`` element: ``default``, ``nodeMapping``, ``edgeMapping``) is

- checked by ``style_problems`` against the rules NDEx applies when it loads a network (ndex-object-model
  ``org/ndexbio/cx2/aspect/element/core/VisualPropertyMapping.java``, ``CxVisualProperty.java``; see
  ``validate_cx2``), and loaded from a file by ``load_style`` (which refuses a style with problems);
- parsed by ``VisualStyle.parse`` into the one form both translations read: ``style.desktop`` (Cytoscape Desktop,
  through cyREST) and ``style.cytoscapejs`` (the browser preview). Parsing keeps what is usable and leaves out
  what is malformed, as Cytoscape's own CX2 reader does, so a translation never fails on a value.

>>> style = VisualStyle.parse(load_style())
>>> style.node["NODE_SHAPE"], [m.property for m in style.node_mappings][:2]
('round-rectangle', ['NODE_LABEL', 'NODE_SHAPE'])
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from importlib.resources import files
from os import PathLike
from typing import Any, Protocol

import orjson

from ..cx2 import DATA_TYPES, aspect_elements
from ..errors import PfocrError, shown

__all__ = [
    "HEX_COLOR",
    "MAPPING_TYPES",
    "STYLE_TEMPLATE",
    "DeclaredAttributes",
    "Mapping",
    "VisualStyle",
    "load_style",
    "number",
    "read_template",
    "style_problems",
]

STYLE_TEMPLATE = "pfocr-style.cx2.json"
MAPPING_TYPES = frozenset({"PASSTHROUGH", "DISCRETE", "CONTINUOUS"})


HEX_COLOR = re.compile(r"#(?:[0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})")  # the colours both translations take


def number(value: Any) -> float | int | None:
    """A style value as a finite number, as given (an int stays an int); a numeric string counts (Cytoscape's
    own CX2 exports write ``"10.0"``), a boolean does not, nor an int too large for a float.

    >>> number(3), number("2.5"), number(True), number("inf"), number(10**400), number([1])
    (3, 2.5, None, None, None, None)
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    if isinstance(value, int):
        try:
            float(value)
        except OverflowError:
            return None
        return value
    return value if isinstance(value, float) and math.isfinite(value) else None


@dataclass(frozen=True, slots=True)
class Mapping:
    """One mapping of a CX2 style: ``property`` follows the element attribute ``attribute``.

    ``entries`` are the definition's ``map`` objects as CX2 writes them: ``{"v", "vp"}`` for DISCRETE,
    ``{"min", "includeMin", "max", "includeMax", "minVPValue", "maxVPValue"}`` ranges for CONTINUOUS.
    """

    property: str  # CX2 (portable) visual property name, e.g. NODE_BACKGROUND_COLOR
    kind: str  # PASSTHROUGH, DISCRETE or CONTINUOUS
    attribute: str
    data_type: str | None  # the definition's "type" (the attribute's data type), when given
    entries: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True, slots=True)
class VisualStyle:
    """A CX2 style in parsed form: defaults per group and mappings in document order."""

    network: dict[str, Any]
    node: dict[str, Any]
    edge: dict[str, Any]
    node_mappings: tuple[Mapping, ...]
    edge_mappings: tuple[Mapping, ...]

    @classmethod
    def parse(cls, element: object) -> VisualStyle:
        """Parse one ``visualProperties`` element, leaving out malformed parts (never raises).

        >>> VisualStyle.parse({"default": {"node": {"NODE_WIDTH": 40}}, "nodeMapping": {"NODE_LABEL": "junk"}})
        VisualStyle(network={}, node={'NODE_WIDTH': 40}, edge={}, node_mappings=(), edge_mappings=())
        """
        element = element if isinstance(element, dict) else {}
        default = _object(element.get("default"))
        return cls(
            network=_object(default.get("network")),
            node=_object(default.get("node")),
            edge=_object(default.get("edge")),
            node_mappings=_mappings(element.get("nodeMapping")),
            edge_mappings=_mappings(element.get("edgeMapping")),
        )


def _object(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _mappings(value: object) -> tuple[Mapping, ...]:
    parsed = []
    for prop, given in _object(value).items():
        mapping = _object(given)
        definition = _object(mapping.get("definition"))
        kind, attribute, data_type = mapping.get("type"), definition.get("attribute"), definition.get("type")
        if not isinstance(kind, str) or not isinstance(attribute, str):
            continue
        entries = definition.get("map")
        parsed.append(
            Mapping(
                prop,
                kind,
                attribute,
                data_type if isinstance(data_type, str) else None,
                tuple(e for e in entries if isinstance(e, dict)) if isinstance(entries, list) else (),
            )
        )
    return tuple(parsed)


# --- checking ------------------------------------------------------------------------------------


class DeclaredAttributes(Protocol):
    """The attribute declarations of one aspect, as ``validate_cx2`` resolves them."""

    types: dict[str, str]  # name as used in elements (alias or full name) → data type
    alias_of: dict[str, str]  # alias → full name
    aliased: set[str]  # full names that have an alias


def style_problems(
    style: object,
    node_declarations: DeclaredAttributes | None = None,
    edge_declarations: DeclaredAttributes | None = None,
) -> list[str]:
    """Problems of one ``visualProperties`` element (``default``, ``nodeMapping``, ``edgeMapping``).

    Without declarations (a style template on its own) every mapping definition must carry
    its attribute's data ``type``, so the style fits networks that lack the attribute.

    >>> style_problems({"default": {}, "nodeMapping": {"NODE_LABEL": {"type": "PASSTHROUGH",
    ...     "definition": {"attribute": "name"}}}})
    ["Mapping error: NODE_LABEL lacks data type on attribute 'name'."]
    """
    if not isinstance(style, dict):
        return ["visualProperties: expected an object with 'default', 'nodeMapping', 'edgeMapping'."]
    problems: list[str] = []
    default = style.get("default")
    if default is not None and not (
        isinstance(default, dict) and all(isinstance(default.get(k, {}), dict) for k in ("network", "node", "edge"))
    ):
        problems.append("visualProperties: 'default' must be an object of 'network', 'node', 'edge' objects.")
    for key, declarations in (("nodeMapping", node_declarations), ("edgeMapping", edge_declarations)):
        mappings = style.get(key)
        if mappings is None:
            continue
        if not isinstance(mappings, dict):
            problems.append(f"visualProperties: '{key}' must be an object.")
            continue
        for prop, mapping in mappings.items():
            problems.extend(_mapping_problems(prop, mapping, declarations))
    return problems


def _mapping_problems(prop: str, mapping: object, declarations: DeclaredAttributes | None) -> list[str]:
    if not isinstance(mapping, dict) or not mapping.get("type"):
        return [f"Mapping type is missing for visual property {prop}"]
    kind = mapping["type"]
    if type(kind) is not str or kind not in MAPPING_TYPES:
        return [f"Mapping type {shown(kind)} of visual property {prop} is not PASSTHROUGH, DISCRETE or CONTINUOUS."]
    definition = mapping.get("definition")
    if not isinstance(definition, dict) or not isinstance(definition.get("attribute"), str):
        return [f"Mapping error: {prop} has no definition with an 'attribute'."]
    problems = []
    attr = definition["attribute"]
    dtype = definition.get("type")
    if declarations is not None and attr in declarations.alias_of and attr not in declarations.aliased:
        problems.append(
            f"Mapping error: {prop} uses alias '{attr}'; use the full attribute name '{declarations.alias_of[attr]}'."
        )
    elif dtype is None and (declarations is None or attr not in declarations.types):
        problems.append(f"Mapping error: {prop} lacks data type on attribute '{attr}'.")
    if dtype is not None and (type(dtype) is not str or dtype not in DATA_TYPES):
        problems.append(f"Mapping error: {prop} has unknown data type {shown(dtype)} on attribute '{attr}'.")
    if kind == "PASSTHROUGH":
        return problems
    entries = definition.get("map")
    if not isinstance(entries, list):
        return [*problems, f"Mapping error: {kind} mapping of {prop} has no 'map' array."]
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            problems.append(f"Mapping error: {kind} mapping of {prop}: entry {index} is not an object.")
        elif kind == "DISCRETE" and ("v" not in entry or "vp" not in entry):
            problems.append(f"Mapping error: DISCRETE mapping of {prop}: entry {index} needs 'v' and 'vp'.")
        elif kind == "CONTINUOUS" and "minVPValue" not in entry and "maxVPValue" not in entry:
            problems.append(
                f"Mapping error: CONTINUOUS mapping of {prop}: range {index} has neither minVPValue nor maxVPValue."
            )
    return problems


# --- loading -------------------------------------------------------------------------------------


def read_template(path: str | PathLike[str] | None, default: str) -> tuple[object, str]:
    """The JSON of ``path``, or of ``templates/<default>`` when ``path`` is None, with the label errors name."""
    label = str(path) if path is not None else f"templates/{default}"
    try:
        if path is None:
            raw = files("pfocr_ndex.templates").joinpath(default).read_bytes()
        else:
            with open(path, "rb") as f:
                raw = f.read()
        return orjson.loads(raw), label
    except OSError as err:
        raise PfocrError(f"cannot read: {err.strerror or err}", label) from None
    except orjson.JSONDecodeError as err:
        raise PfocrError(f"not valid JSON: {err}", label) from None


def load_style(path: str | PathLike[str] | None = None) -> dict:
    """Load a CX2 ``visualProperties`` style (default: ``templates/pfocr-style.cx2.json``).

    The file holds one ``visualProperties`` element (``{"default", "nodeMapping", "edgeMapping"}``),
    or a ``{"visualProperties": [...]}`` aspect, or a whole CX2 document (e.g. exported from
    Cytoscape) whose style is taken. ``default`` must be an object; a null ``nodeMapping``/``edgeMapping`` is
    read as none. Every mapping definition must carry its attribute's ``type``.
    Raises ``PfocrError`` naming the file and the problem.

    >>> style = load_style()
    >>> style["nodeMapping"]["NODE_LABEL"]["definition"]
    {'attribute': 'name', 'type': 'string'}
    """
    data, label = read_template(path, STYLE_TEMPLATE)
    if isinstance(data, list):
        data = aspect_elements(data, "visualProperties")
        if not data:
            raise PfocrError("no visualProperties aspect in this CX2 document", label)
    if isinstance(data, dict) and "visualProperties" in data:
        data = data["visualProperties"]
    if isinstance(data, list):
        if len(data) != 1:
            raise PfocrError(f"visualProperties must hold exactly one element, found {len(data)}", label)
        data = data[0]
    if not isinstance(data, dict) or "default" not in data:
        raise PfocrError("not a CX2 visualProperties style (expected 'default', 'nodeMapping', 'edgeMapping')", label)
    if not isinstance(data["default"], dict):
        raise PfocrError(f"visualProperties: 'default' must be an object, not {shown(data['default'])}", label)
    problems = style_problems(data)
    if problems:
        raise PfocrError("; ".join(problems), label)
    return {  # a null mapping is no mapping
        "default": data["default"],
        "nodeMapping": data.get("nodeMapping") or {},
        "edgeMapping": data.get("edgeMapping") or {},
    }
