"""CX2 → cytoscape.js: the elements, stylesheet and layout a browser page hands to ``cytoscape({...})``.

The style comes from the one parsed form (``VisualStyle``); values are translated here, so the translation is
testable without a browser. Unknown visual properties and invalid values are left out, as Cytoscape's own CX2
reader does.

>>> view = cytoscape_view([{"nodes": [{"id": 0, "x": 10, "y": 20, "v": {"name": "TP53"}}]}])
>>> view["elements"], view["layout"]["name"]
([{'group': 'nodes', 'data': {'name': 'TP53', 'id': '0'}, 'position': {'x': 10, 'y': 20}}], 'preset')
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..cx2 import aliases, aspect_elements, declarations, first_element
from .model import HEX_COLOR, Mapping, VisualStyle, number

__all__ = [
    "EDGE_PROPERTIES",
    "NODE_PROPERTIES",
    "cytoscape_elements",
    "cytoscape_style",
    "cytoscape_view",
    "data_key",
    "stylesheet",
]


# --- CX2 values → cytoscape.js values ---------------------------------------------------

_FONT_FAMILY = re.compile(r"[\w \-]+")
_NODE_SHAPES = frozenset(
    {
        "ellipse",
        "triangle",
        "round-triangle",
        "rectangle",
        "round-rectangle",
        "bottom-round-rectangle",
        "cut-rectangle",
        "barrel",
        "rhomboid",
        "right-rhomboid",
        "diamond",
        "round-diamond",
        "pentagon",
        "round-pentagon",
        "hexagon",
        "round-hexagon",
        "concave-hexagon",
        "heptagon",
        "round-heptagon",
        "octagon",
        "round-octagon",
        "star",
        "tag",
        "round-tag",
        "vee",
    }
)
_NODE_SHAPE_ALIASES = {"parallelogram": "rhomboid"}
_ARROW_SHAPES = frozenset(
    {
        "tee",
        "triangle",
        "triangle-tee",
        "circle-triangle",
        "triangle-cross",
        "triangle-backcurve",
        "vee",
        "square",
        "circle",
        "diamond",
        "chevron",
        "none",
    }
)
# Cytoscape Desktop arrow names that reach CX2 files exported from it.
_ARROW_ALIASES = {
    "delta": "triangle",
    "t": "tee",
    "arrow": "vee",
    "half-top": "triangle",
    "half-bottom": "triangle",
    "open-delta": "triangle",
    "open-circle": "circle",
    "open-diamond": "diamond",
    "open-square": "square",
    "cross-delta": "triangle-cross",
    "cross-open-delta": "triangle-cross",
    "delta-short-1": "triangle",
    "delta-short-2": "triangle",
    "diamond-short-1": "diamond",
    "diamond-short-2": "diamond",
}
_LINE_STYLES = frozenset({"solid", "dotted", "dashed"})
_DASH_LIKE = frozenset(
    {
        "long-dash",
        "equal-dash",
        "dash-dot",
        "contiguous-arrow",
        "parallel-lines",
        "separate-arrow",
        "sinewave",
        "zigzag",
        "vertical-slash",
        "backward-slash",
        "forward-slash",
        "marquee-dash",
        "marquee-dash-dot",
        "marquee-equal",
    }
)
_DESKTOP_FONTS = {
    "sansserif": "sans-serif",
    "dialog": "sans-serif",
    "dialoginput": "monospace",
    "serif": "serif",
    "monospaced": "monospace",
}

Css = dict[str, Any]


def _enum_name(value: Any) -> str | None:
    return value.strip().lower().replace("_", "-") if isinstance(value, str) else None


def _color(value: Any) -> str | None:
    return value if isinstance(value, str) and HEX_COLOR.fullmatch(value) else None


def _positive(value: Any) -> float | int | None:
    found = number(value)
    return found if found is not None and found > 0 else None


def _non_negative(value: Any) -> float | int | None:
    found = number(value)
    return found if found is not None and found >= 0 else None


def _opacity(value: Any) -> float | int | None:
    found = number(value)
    return None if found is None else min(max(found, 0), 1)


def _integer(value: Any) -> int | None:
    found = number(value)
    return None if found is None else round(found)


def _degrees(value: Any) -> str | None:
    found = number(value)
    return None if found is None else f"{found}deg"


def _node_shape(value: Any) -> str | None:
    name = _enum_name(value) or ""
    name = _NODE_SHAPE_ALIASES.get(name, name)
    return name if name in _NODE_SHAPES else None


def _arrow_shape(value: Any) -> str | None:
    name = _enum_name(value) or ""
    name = _ARROW_ALIASES.get(name, name)
    return name if name in _ARROW_SHAPES else None


def _line_style(value: Any) -> str | None:
    name = _enum_name(value)
    if name in _LINE_STYLES:
        return name
    return "dashed" if name in _DASH_LIKE else ("solid" if name == "double" else None)


def _border_style(value: Any) -> str | None:
    name = _enum_name(value)
    return name if name == "double" else _line_style(name)


def _visibility(value: Any) -> str | None:
    name = _enum_name(value)
    if name in ("element", "none"):
        return name
    return {"true": "element", "false": "none"}.get(name or str(value).lower())


def _text(value: Any) -> str | None:
    return None if value is None or isinstance(value, (dict, list)) else str(value)


def _font_face(value: Any) -> Css | None:
    """``{"FONT_FAMILY", "FONT_STYLE", "FONT_WEIGHT"}`` (portable) or Desktop's ``"Family.plain,plain,12"``."""
    if isinstance(value, dict):
        family, style, weight = value.get("FONT_FAMILY"), value.get("FONT_STYLE"), value.get("FONT_WEIGHT")
    elif isinstance(value, str):
        family = value.partition(",")[0].split(".")[0]
        style = "italic" if "italic" in value.lower() else "normal"
        weight = "bold" if "bold" in value.lower() else "normal"
    else:
        return None
    css: Css = {}
    if isinstance(family, str) and _FONT_FAMILY.fullmatch(family.strip()):
        family = family.strip()
        css["font-family"] = _DESKTOP_FONTS.get(family.lower().replace("-", ""), family)
    if style in ("normal", "italic"):
        css["font-style"] = style
    if weight in ("normal", "bold"):
        css["font-weight"] = weight
    return css or None


def _label_position(value: Any) -> Css | None:
    """Approximate ``NODE_LABEL_POSITION``: ``*_ANCHOR`` is the point on the node, ``*_ALIGN`` the point on the label.

    The label sits outside the node on a side when the node point is on that side and the label point is not.
    """
    if not isinstance(value, dict):
        return None

    def side(node_point: Any, label_point: Any, low: str, high: str) -> str:
        for edge in (low, high):
            if node_point == edge and label_point != edge:
                return edge
        return "center"

    css: Css = {
        "text-halign": side(value.get("HORIZONTAL_ANCHOR"), value.get("HORIZONTAL_ALIGN"), "left", "right"),
        "text-valign": side(value.get("VERTICAL_ANCHOR"), value.get("VERTICAL_ALIGN"), "top", "bottom"),
    }
    justification = value.get("JUSTIFICATION")
    if justification in ("left", "center", "right"):
        css["text-justification"] = justification
    for key, prop in (("MARGIN_X", "text-margin-x"), ("MARGIN_Y", "text-margin-y")):
        margin = number(value.get(key))
        if margin:
            css[prop] = margin
    return css


def _label_max_width(value: Any) -> Css | None:
    width = _positive(value)
    return None if width is None else {"text-max-width": width, "text-wrap": "wrap"}


@dataclass(frozen=True, slots=True)
class _Property:
    """How one CX2 visual property becomes cytoscape.js style.

    ``css`` names the single cytoscape.js property a PASSTHROUGH / CONTINUOUS mapping can target (``None`` for
    compound values like fonts); ``convert`` turns a CX2 value into css properties, or ``None`` when invalid.
    """

    css: str | None
    convert: Callable[[Any], Any]
    interpolable: bool = False  # numbers and colours: CONTINUOUS ranges interpolate with mapData()

    def to_css(self, value: Any) -> Css | None:
        converted = self.convert(value)
        if converted is None:
            return None
        return converted if self.css is None else {self.css: converted}


_LABEL_PROPERTIES = {
    "LABEL": _Property("label", _text),
    "LABEL_COLOR": _Property("color", _color, True),
    "LABEL_FONT_SIZE": _Property("font-size", _positive, True),
    "LABEL_OPACITY": _Property("text-opacity", _opacity, True),
    "LABEL_FONT_FACE": _Property(None, _font_face),
    "LABEL_MAX_WIDTH": _Property(None, _label_max_width),
    "LABEL_ROTATION": _Property("text-rotation", _degrees),
    "VISIBILITY": _Property("display", _visibility),
    "Z_LOCATION": _Property("z-index", _integer),
}

NODE_PROPERTIES: dict[str, _Property] = {
    "NODE_BACKGROUND_COLOR": _Property("background-color", _color, True),
    "NODE_BACKGROUND_OPACITY": _Property("background-opacity", _opacity, True),
    "NODE_BORDER_COLOR": _Property("border-color", _color, True),
    "NODE_BORDER_WIDTH": _Property("border-width", _non_negative, True),
    "NODE_BORDER_OPACITY": _Property("border-opacity", _opacity, True),
    "NODE_BORDER_STYLE": _Property("border-style", _border_style),
    "NODE_WIDTH": _Property("width", _positive, True),
    "NODE_HEIGHT": _Property("height", _positive, True),
    "NODE_SHAPE": _Property("shape", _node_shape),
    "NODE_LABEL_POSITION": _Property(None, _label_position),
    **{f"NODE_{name}": prop for name, prop in _LABEL_PROPERTIES.items()},
}

EDGE_PROPERTIES: dict[str, _Property] = {
    "EDGE_LINE_COLOR": _Property("line-color", _color, True),
    "EDGE_WIDTH": _Property("width", _non_negative, True),
    "EDGE_OPACITY": _Property("opacity", _opacity, True),
    "EDGE_LINE_STYLE": _Property("line-style", _line_style),
    "EDGE_TARGET_ARROW_SHAPE": _Property("target-arrow-shape", _arrow_shape),
    "EDGE_SOURCE_ARROW_SHAPE": _Property("source-arrow-shape", _arrow_shape),
    "EDGE_TARGET_ARROW_COLOR": _Property("target-arrow-color", _color, True),
    "EDGE_SOURCE_ARROW_COLOR": _Property("source-arrow-color", _color, True),
    **{f"EDGE_{name}": prop for name, prop in _LABEL_PROPERTIES.items()},
}

# Where cytoscape.js defaults differ from Cytoscape's: labels centred on the node, edges able to carry arrows.
_BASE_NODE_CSS: Css = {"text-valign": "center", "text-halign": "center"}
_BASE_EDGE_CSS: Css = {"curve-style": "bezier"}


# --- element data ------------------------------------------------------------------------

_PLAIN_KEY = re.compile(r"[A-Za-z0-9_]+")
_RESERVED_KEYS = frozenset({"id", "parent", "source", "target"})


def data_key(attribute: str) -> str:
    """The cytoscape.js ``data`` key of a CX2 attribute.

    Style mappers (``data(key)``) and selectors only accept ``[A-Za-z0-9_]`` names, and ``id``/``parent``/
    ``source``/``target`` mean something to cytoscape.js, so other names are encoded (``cx_`` + escapes).

    >>> data_key("name"), data_key("parent"), data_key("GO term")
    ('name', 'cx_parent', 'cx_GO_20_term')
    """
    if _PLAIN_KEY.fullmatch(attribute) and attribute not in _RESERVED_KEYS and not attribute.startswith("cx_"):
        return attribute
    return "cx_" + "".join(ch if ch.isascii() and ch.isalnum() else f"_{ord(ch):x}_" for ch in attribute)


def _element_data(values: object, declared: dict[str, dict]) -> dict:
    """Element attributes under their full names (aliases resolved, declared defaults filled in), as data keys."""
    full_names = aliases(declared)
    items = values.items() if isinstance(values, dict) else ()
    data = {data_key(full_names.get(key, str(key))): value for key, value in items}
    for name, decl in declared.items():
        if "v" in decl:
            data.setdefault(data_key(name), decl["v"])
    return data


def cytoscape_elements(cx2: list[Any]) -> list[dict]:
    """cytoscape.js elements of a CX2 network: node ids ``"<id>"``, edge ids ``"e<id>"``, positions from x/y.

    Attribute aliases and defaults from ``attributeDeclarations`` are resolved; attribute names become
    ``data_key()`` names. Elements without integer ids (which ``validate_cx2`` reports) are left out.
    """
    node_declarations = declarations(cx2, "nodes")
    edge_declarations = declarations(cx2, "edges")
    elements: list[dict] = []
    for node in aspect_elements(cx2, "nodes"):
        if not (isinstance(node, dict) and type(node.get("id")) is int):
            continue
        element: dict = {
            "group": "nodes",
            "data": {**_element_data(node.get("v", {}), node_declarations), "id": str(node["id"])},
        }
        if "x" in node and "y" in node:
            element["position"] = {"x": node["x"], "y": node["y"]}
        elements.append(element)
    for edge in aspect_elements(cx2, "edges"):
        if not (isinstance(edge, dict) and all(type(edge.get(key)) is int for key in ("id", "s", "t"))):
            continue
        data = _element_data(edge.get("v", {}), edge_declarations)
        data.update(id=f"e{edge['id']}", source=str(edge["s"]), target=str(edge["t"]))
        elements.append({"group": "edges", "data": data})
    return elements


# --- style -------------------------------------------------------------------------------


def _selector_value(value: Any, data_type: str | None) -> str | None:
    """A selector literal for a DISCRETE map key, or None when cytoscape.js selectors cannot express it."""
    if data_type in ("integer", "long", "double") or (
        data_type is None and number(value) is not None and not isinstance(value, str)
    ):
        found = number(value)
        return None if found is None else repr(found)
    text = str(value).lower() if isinstance(value, bool) else str(value)
    # Selector strings have no escapes: a backslash or both quote kinds cannot be written.
    if "\\" in text:
        return None
    if '"' not in text:
        return f'"{text}"'
    if "'" not in text:
        return f"'{text}'"
    return None


def _mapping_rules(group: str, prop: _Property, mapping: Mapping, declared: dict[str, dict]) -> list[dict]:
    key = data_key(mapping.attribute)
    data_type = mapping.data_type or declared.get(mapping.attribute, {}).get("d")
    kind = mapping.kind
    rules: list[dict] = []
    if kind == "PASSTHROUGH":
        if prop.css is not None:
            rules.append({"selector": f"{group}[{key}]", "style": {prop.css: f"data({key})"}})
    elif kind == "DISCRETE":
        if data_type == "boolean":
            for entry in mapping.entries:
                css = prop.to_css(entry.get("vp"))
                flag = entry.get("v")
                if css is not None and isinstance(flag, bool):
                    rules.append({"selector": f"{group}[{'?' if flag else '^'}{key}]", "style": css})
            return rules
        for entry in mapping.entries:
            literal = _selector_value(entry.get("v"), data_type)
            css = prop.to_css(entry.get("vp"))
            if literal is not None and css is not None:
                rules.append({"selector": f"{group}[{key} = {literal}]", "style": css})
    elif kind == "CONTINUOUS" and prop.css is not None:
        for band in mapping.entries:
            rule = _continuous_rule(group, key, prop, band)
            if rule is not None:
                rules.append(rule)
    return rules


def _continuous_rule(group: str, key: str, prop: _Property, band: dict) -> dict | None:
    """One CONTINUOUS range: interpolated with ``mapData()`` when bounded, else the constant at its open end."""
    low, high = number(band.get("min")), number(band.get("max"))
    if (low is None and high is None) or prop.css is None:
        return None
    selector = f"{group}[{key}]"
    if low is not None:
        selector += f"[{key} {'>=' if band.get('includeMin', True) else '>'} {low!r}]"
    if high is not None:
        selector += f"[{key} {'<=' if band.get('includeMax', True) else '<'} {high!r}]"
    low_css, high_css = prop.to_css(band.get("minVPValue")), prop.to_css(band.get("maxVPValue"))
    if low is not None and high is not None and low < high and low_css and high_css and prop.interpolable:
        value = f"mapData({key}, {low!r}, {high!r}, {low_css[prop.css]}, {high_css[prop.css]})"
        return {"selector": selector, "style": {prop.css: value}}
    css = (high_css or low_css) if low is None else (low_css or high_css)
    return None if css is None else {"selector": selector, "style": css}


def _translate(values: object, table: dict[str, _Property]) -> Css:
    css: Css = {}
    for name, value in values.items() if isinstance(values, dict) else ():
        prop = table.get(name)
        converted = prop.to_css(value) if prop else None
        if converted:
            css.update(converted)
    return css


def stylesheet(
    style: VisualStyle,
    node_declarations: dict[str, dict] | None = None,
    edge_declarations: dict[str, dict] | None = None,
) -> list[dict]:
    """The cytoscape.js rules of a parsed CX2 style: defaults (``node``, ``edge``), then mapping rules.

    PASSTHROUGH becomes ``data()``, DISCRETE one selector per entry, CONTINUOUS one selector per range with
    ``mapData()``. A mapping without a data type takes the attribute's declared one (``*_declarations``).
    """
    rules = [
        {"selector": "node", "style": {**_BASE_NODE_CSS, **_translate(style.node, NODE_PROPERTIES)}},
        {"selector": "edge", "style": {**_BASE_EDGE_CSS, **_translate(style.edge, EDGE_PROPERTIES)}},
    ]
    # Each cytoscape.js property comes from one visual property, so mapping rules with the same selector
    # (e.g. shape and colour both mapped on `type`) merge without changing what wins.
    merged: dict[str, Css] = {}
    for group, mappings, table, declared in (
        ("node", style.node_mappings, NODE_PROPERTIES, node_declarations or {}),
        ("edge", style.edge_mappings, EDGE_PROPERTIES, edge_declarations or {}),
    ):
        for mapping in mappings:
            if mapping.property in table:
                for mapped in _mapping_rules(group, table[mapping.property], mapping, declared):
                    merged.setdefault(mapped["selector"], {}).update(mapped["style"])
    return rules + [{"selector": selector, "style": css} for selector, css in merged.items()]


def cytoscape_style(cx2: list[Any]) -> list[dict]:
    """Translate a CX2 network's ``visualProperties`` and bypasses to a cytoscape.js stylesheet.

    Rules come in precedence order: the style's (``stylesheet``), then bypasses (``node#<id>``, ``edge#e<id>``).

    >>> cytoscape_style([{"visualProperties": [{"default": {"node": {"NODE_BACKGROUND_COLOR": "#FFFFCC"}},
    ...     "nodeMapping": {"NODE_SHAPE": {"type": "DISCRETE", "definition": {"attribute": "type",
    ...         "type": "string", "map": [{"v": "chemical", "vp": "ellipse"}]}}}}]}])[2]
    {'selector': 'node[type = "chemical"]', 'style': {'shape': 'ellipse'}}
    """
    return _document_rules(cx2, VisualStyle.parse(first_element(cx2, "visualProperties")))


def _document_rules(cx2: list[Any], style: VisualStyle) -> list[dict]:
    rules = stylesheet(style, declarations(cx2, "nodes"), declarations(cx2, "edges"))
    for aspect, selector, table in (
        ("nodeBypasses", "node#{}", NODE_PROPERTIES),
        ("edgeBypasses", "edge#e{}", EDGE_PROPERTIES),
    ):
        for bypass in aspect_elements(cx2, aspect):
            if not isinstance(bypass, dict):
                continue
            css = _translate(bypass.get("v"), table)
            if css and isinstance(bypass.get("id"), int):
                rules.append({"selector": selector.format(bypass["id"]), "style": css})
    return rules


def cytoscape_view(cx2: list[Any]) -> dict:
    """Everything a page passes to cytoscape.js: ``elements``, ``style``, ``layout`` and ``background`` colour.

    The layout is ``preset`` (CX2 x/y) when every node has coordinates, else ``grid``.
    """
    elements = cytoscape_elements(cx2)
    nodes = [element for element in elements if element["group"] == "nodes"]
    positioned = all("position" in node for node in nodes)
    style = VisualStyle.parse(first_element(cx2, "visualProperties"))
    background = _color(style.network.get("NETWORK_BACKGROUND_COLOR"))
    return {
        "elements": elements,
        "style": _document_rules(cx2, style),
        "layout": {"name": "preset" if positioned else "grid", "padding": 20},
        "background": background or "#FFFFFF",
    }
