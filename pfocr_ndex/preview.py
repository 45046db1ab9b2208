"""Browser preview: one page per figure (figure image beside its network drawn by cytoscape.js) and an index.

The CX2 style is translated to a cytoscape.js stylesheet here, in Python, so the translation is testable
without a browser: ``cytoscape_view(cx2)`` gives the elements, stylesheet and layout a page hands to
``cytoscape({...})``. ``write_preview(paths, outdir)`` streams records to pages that work opened from disk (all
data is inlined). cytoscape.js comes from a pinned CDN URL checked by its subresource-integrity hash, or, with
``offline=True``, from a copy in ``outdir/assets/``.

>>> view = cytoscape_view([{"nodes": [{"id": 0, "x": 10, "y": 20, "v": {"name": "TP53"}}]}])
>>> view["elements"], view["layout"]["name"]
([{'group': 'nodes', 'data': {'name': 'TP53', 'id': '0'}, 'position': {'x': 10, 'y': 20}}], 'preset')
"""

from __future__ import annotations

import base64
import hashlib
import html
import math
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from importlib.resources import files
from os import PathLike
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
import orjson
from markupsafe import Markup

from .errors import PfocrError
from .fsutil import atomic_write_bytes, atomic_write_text
from .network import build_network, load_style
from .records import iter_record_paths, read_record

__all__ = [
    "CYTOSCAPE_JS_CDN_URL",
    "CYTOSCAPE_JS_ENV",
    "CYTOSCAPE_JS_INTEGRITY",
    "CYTOSCAPE_JS_VERSION",
    "NDEX_VIEWER_URL",
    "PreviewResult",
    "cytoscape_elements",
    "cytoscape_style",
    "cytoscape_view",
    "data_key",
    "find_cytoscape_js",
    "page_filename",
    "sanitize_html",
    "subresource_integrity",
    "write_preview",
]

NDEX_VIEWER_URL = "https://www.ndexbio.org/viewer/networks/"
CYTOSCAPE_JS_VERSION = "3.35.0"  # as package.json
CYTOSCAPE_JS_CDN_URL = f"https://cdn.jsdelivr.net/npm/cytoscape@{CYTOSCAPE_JS_VERSION}/dist/cytoscape.min.js"
# sha384 of dist/cytoscape.min.js in the npm tarball cytoscape-3.35.0.tgz (the one package-lock.json pins by its
# sha512); jsDelivr serves npm files byte for byte. tests/test_preview.py recomputes it from node_modules/.
CYTOSCAPE_JS_INTEGRITY = "sha384-kp3V5E6ICGTVK17un/PMnK9szzrW0dQW+dEyUb3B7dKhimb1EVzqm1wZ/Ulo7BJf"
CYTOSCAPE_JS_ENV = "PFOCR_NDEX_CYTOSCAPE_JS"
_CYTOSCAPE_JS_IN_NODE_MODULES = Path("node_modules", "cytoscape", "dist", "cytoscape.min.js")
_REPOSITORY = Path(__file__).resolve().parent.parent  # holds package.json (cytoscape pinned) in a checkout
ASSETS = "assets"
_PAGE_ASSETS = ("preview.css", "preview-figure.js", "preview-index.js")

# Network attributes shown as (sanitised) HTML; every other value is shown as text.
HTML_ATTRIBUTES = frozenset({"description", "reference", "methods", "rights", "prov:wasGeneratedBy"})


# --- CX2 values → cytoscape.js values ---------------------------------------------------

_HEX_COLOR = re.compile(r"#(?:[0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})")
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
    return value if isinstance(value, str) and _HEX_COLOR.fullmatch(value) else None


def _number(value: Any) -> float | int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):  # Cytoscape exports write some numbers as strings ("10.0")
        try:
            value = float(value)
        except ValueError:
            return None
    if isinstance(value, (int, float)) and math.isfinite(value):
        return value
    return None


def _positive(value: Any) -> float | int | None:
    number = _number(value)
    return number if number is not None and number > 0 else None


def _non_negative(value: Any) -> float | int | None:
    number = _number(value)
    return number if number is not None and number >= 0 else None


def _opacity(value: Any) -> float | int | None:
    number = _number(value)
    return None if number is None else min(max(number, 0), 1)


def _integer(value: Any) -> int | None:
    number = _number(value)
    return None if number is None else round(number)


def _degrees(value: Any) -> str | None:
    number = _number(value)
    return None if number is None else f"{number}deg"


def _node_shape(value: Any) -> str | None:
    name = _enum_name(value)
    name = _NODE_SHAPE_ALIASES.get(name, name)
    return name if name in _NODE_SHAPES else None


def _arrow_shape(value: Any) -> str | None:
    name = _enum_name(value)
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
        margin = _number(value.get(key))
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


def _aspect(cx2: list[dict], name: str) -> list:
    for aspect in cx2:
        if name in aspect:
            return aspect[name]
    return []


def _declarations(cx2: list[dict], aspect: str) -> dict[str, dict]:
    declared = _aspect(cx2, "attributeDeclarations")
    return declared[0].get(aspect, {}) if declared else {}


def _element_data(values: dict, declarations: dict[str, dict]) -> dict:
    """Element attributes under their full names (aliases resolved, declared defaults filled in), as data keys."""
    full_names = {decl["a"]: name for name, decl in declarations.items() if decl.get("a")}
    data = {data_key(full_names.get(key, key)): value for key, value in values.items()}
    for name, decl in declarations.items():
        if "v" in decl:
            data.setdefault(data_key(name), decl["v"])
    return data


def cytoscape_elements(cx2: list[dict]) -> list[dict]:
    """cytoscape.js elements of a CX2 network: node ids ``"<id>"``, edge ids ``"e<id>"``, positions from x/y.

    Attribute aliases and defaults from ``attributeDeclarations`` are resolved; attribute names become
    ``data_key()`` names.
    """
    node_declarations = _declarations(cx2, "nodes")
    edge_declarations = _declarations(cx2, "edges")
    elements: list[dict] = []
    for node in _aspect(cx2, "nodes"):
        element: dict = {
            "group": "nodes",
            "data": {**_element_data(node.get("v", {}), node_declarations), "id": str(node["id"])},
        }
        if "x" in node and "y" in node:
            element["position"] = {"x": node["x"], "y": node["y"]}
        elements.append(element)
    for edge in _aspect(cx2, "edges"):
        data = _element_data(edge.get("v", {}), edge_declarations)
        data.update(id=f"e{edge['id']}", source=str(edge["s"]), target=str(edge["t"]))
        elements.append({"group": "edges", "data": data})
    return elements


# --- style -------------------------------------------------------------------------------


def _selector_value(value: Any, data_type: str | None) -> str | None:
    """A selector literal for a DISCRETE map key, or None when cytoscape.js selectors cannot express it."""
    if data_type in ("integer", "long", "double") or (
        data_type is None and _number(value) is not None and not isinstance(value, str)
    ):
        number = _number(value)
        return None if number is None else repr(number)
    text = str(value).lower() if isinstance(value, bool) else str(value)
    # Selector strings have no escapes: a backslash or both quote kinds cannot be written.
    if "\\" in text:
        return None
    if '"' not in text:
        return f'"{text}"'
    if "'" not in text:
        return f"'{text}'"
    return None


def _mapping_rules(group: str, prop: _Property, mapping: dict, declarations: dict[str, dict]) -> list[dict]:
    definition = mapping.get("definition") or {}
    attribute = definition.get("attribute")
    if not isinstance(attribute, str):
        return []
    key = data_key(attribute)
    data_type = definition.get("type") or declarations.get(attribute, {}).get("d")
    kind = mapping.get("type")
    rules: list[dict] = []
    if kind == "PASSTHROUGH":
        if prop.css is not None:
            rules.append({"selector": f"{group}[{key}]", "style": {prop.css: f"data({key})"}})
    elif kind == "DISCRETE":
        if data_type == "boolean":
            for entry in definition.get("map", []):
                css = prop.to_css(entry.get("vp"))
                flag = entry.get("v")
                if css is not None and isinstance(flag, bool):
                    rules.append({"selector": f"{group}[{'?' if flag else '^'}{key}]", "style": css})
            return rules
        for entry in definition.get("map", []):
            literal = _selector_value(entry.get("v"), data_type)
            css = prop.to_css(entry.get("vp"))
            if literal is not None and css is not None:
                rules.append({"selector": f"{group}[{key} = {literal}]", "style": css})
    elif kind == "CONTINUOUS" and prop.css is not None:
        for band in definition.get("map", []):
            rule = _continuous_rule(group, key, prop, band)
            if rule is not None:
                rules.append(rule)
    return rules


def _continuous_rule(group: str, key: str, prop: _Property, band: dict) -> dict | None:
    """One CONTINUOUS range: interpolated with ``mapData()`` when bounded, else the constant at its open end."""
    low, high = _number(band.get("min")), _number(band.get("max"))
    if low is None and high is None:
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


def _translate(values: dict, table: dict[str, _Property]) -> Css:
    css: Css = {}
    for name, value in values.items():
        prop = table.get(name)
        converted = prop.to_css(value) if prop else None
        if converted:
            css.update(converted)
    return css


def cytoscape_style(cx2: list[dict]) -> list[dict]:
    """Translate a CX2 network's ``visualProperties`` and bypasses to a cytoscape.js stylesheet.

    Rules come in precedence order: defaults (``node``, ``edge``), mappings (PASSTHROUGH → ``data()``,
    DISCRETE → one selector per entry, CONTINUOUS → one selector per range with ``mapData()``), then bypasses
    (``node#<id>``, ``edge#e<id>``). Unknown visual properties and invalid values are left out, as Cytoscape's
    own CX2 reader does.

    >>> cytoscape_style([{"visualProperties": [{"default": {"node": {"NODE_BACKGROUND_COLOR": "#FFFFCC"}},
    ...     "nodeMapping": {"NODE_SHAPE": {"type": "DISCRETE", "definition": {"attribute": "type",
    ...         "type": "string", "map": [{"v": "chemical", "vp": "ellipse"}]}}}}]}])[2]
    {'selector': 'node[type = "chemical"]', 'style': {'shape': 'ellipse'}}
    """
    visual = (_aspect(cx2, "visualProperties") or [{}])[0]
    defaults = visual.get("default", {})
    style = [
        {"selector": "node", "style": {**_BASE_NODE_CSS, **_translate(defaults.get("node", {}), NODE_PROPERTIES)}},
        {"selector": "edge", "style": {**_BASE_EDGE_CSS, **_translate(defaults.get("edge", {}), EDGE_PROPERTIES)}},
    ]
    # Each cytoscape.js property comes from one visual property, so mapping rules with the same selector
    # (e.g. shape and colour both mapped on `type`) merge without changing what wins.
    merged: dict[str, Css] = {}
    for group, aspect, table, declarations in (
        ("node", "nodeMapping", NODE_PROPERTIES, _declarations(cx2, "nodes")),
        ("edge", "edgeMapping", EDGE_PROPERTIES, _declarations(cx2, "edges")),
    ):
        for visual_property, mapping in (visual.get(aspect) or {}).items():
            if visual_property in table and isinstance(mapping, dict):
                for mapped in _mapping_rules(group, table[visual_property], mapping, declarations):
                    merged.setdefault(mapped["selector"], {}).update(mapped["style"])
    style += [{"selector": selector, "style": css} for selector, css in merged.items()]
    for aspect, selector, table in (
        ("nodeBypasses", "node#{}", NODE_PROPERTIES),
        ("edgeBypasses", "edge#e{}", EDGE_PROPERTIES),
    ):
        for bypass in _aspect(cx2, aspect):
            css = _translate(bypass.get("v", {}), table)
            if css and isinstance(bypass.get("id"), int):
                style.append({"selector": selector.format(bypass["id"]), "style": css})
    return style


def cytoscape_view(cx2: list[dict]) -> dict:
    """Everything a page passes to cytoscape.js: ``elements``, ``style``, ``layout`` and ``background`` colour.

    The layout is ``preset`` (CX2 x/y) when every node has coordinates, else ``grid``.
    """
    elements = cytoscape_elements(cx2)
    nodes = [element for element in elements if element["group"] == "nodes"]
    positioned = all("position" in node for node in nodes)
    visual = (_aspect(cx2, "visualProperties") or [{}])[0]
    background = _color(visual.get("default", {}).get("network", {}).get("NETWORK_BACKGROUND_COLOR"))
    return {
        "elements": elements,
        "style": cytoscape_style(cx2),
        "layout": {"name": "preset" if positioned else "grid", "padding": 20},
        "background": background or "#FFFFFF",
    }


# --- HTML text from records ---------------------------------------------------------------

_ALLOWED_TAGS = frozenset({"a", "b", "br", "em", "i", "li", "ol", "p", "span", "strong", "sub", "sup", "u", "ul"})
_DROPPED_WITH_CONTENT = frozenset({"script", "style", "template", "iframe", "object", "noscript", "textarea"})


def _safe_url(url: Any) -> str | None:
    """``url`` when it is an absolute http(s) URL, else None (no ``javascript:`` or ``data:`` links)."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    return url if re.match(r"https?://[^\s]+\Z", url, re.IGNORECASE) else None


class _Sanitizer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.open: list[str] = []
        self.skipping: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skipping:
            return
        if tag in _DROPPED_WITH_CONTENT:
            self.skipping = tag
        elif tag == "br":
            self.out.append("<br>")
        elif tag == "a":
            href = _safe_url(dict(attrs).get("href"))
            self.out.append(f'<a href="{html.escape(href)}" rel="noopener noreferrer">' if href else "<a>")
            self.open.append(tag)
        elif tag in _ALLOWED_TAGS:
            self.out.append(f"<{tag}>")
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br" and not self.skipping:
            self.out.append("<br>")

    def handle_endtag(self, tag: str) -> None:
        if self.skipping:
            if tag == self.skipping:
                self.skipping = None
            return
        if tag in self.open:
            while self.open:
                closed = self.open.pop()
                self.out.append(f"</{closed}>")
                if closed == tag:
                    break

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.out.append(html.escape(data, quote=False))


def sanitize_html(text: str) -> str:
    """Keep a small set of formatting tags and http(s) links of an HTML fragment; escape everything else.

    Scripts, styles, event-handler attributes and non-http(s) links are dropped; text is re-escaped.

    >>> sanitize_html('<p>IL-6 &amp; <b>TNF</b><script>alert(1)</script> <a href="javascript:x" onclick="y">z</a></p>')
    '<p>IL-6 &amp; <b>TNF</b> <a>z</a></p>'
    """
    parser = _Sanitizer()
    parser.feed(text)
    parser.close()
    return "".join(parser.out) + "".join(f"</{tag}>" for tag in reversed(parser.open))


# --- pages -------------------------------------------------------------------------------

_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]")
# Page names stay well under NAME_MAX (255 bytes) with ".html", a "-N" suffix and the atomic write's temp name.
_MAX_PAGE_STEM = 190


def page_filename(figid: str) -> str:
    """The page file of a figure: its figid with characters outside ``[A-Za-z0-9._-]`` replaced by ``_``.

    A name longer than 190 characters is cut and ends with a hash of the whole figid, so it stays unique.

    >>> page_filename("PMC3481559__10.1177_1758834012454464-fig1"), page_filename("../x y")
    ('PMC3481559__10.1177_1758834012454464-fig1.html', '_.._x_y.html')
    >>> len(page_filename("PMC1__" + "x" * 240))
    195
    """
    name = _UNSAFE_FILENAME.sub("_", figid)
    if not name or name.startswith(".") or name.lower() == "index":
        name = "_" + name
    if len(name) > _MAX_PAGE_STEM:
        digest = hashlib.sha256(figid.encode("utf-8", "surrogatepass")).hexdigest()[:16]
        name = f"{name[: _MAX_PAGE_STEM - len(digest) - 1]}-{digest}"
    return name + ".html"


def subresource_integrity(data: bytes) -> str:
    """The ``integrity`` attribute value (sha384) of a file's bytes, as browsers check it.

    >>> subresource_integrity(b"alert(1)")
    'sha384-HT2E9NfWiuQ/w1PRai+hTyqW16NIoCGA/m8VQDUopfAtcz6YQjtsMmQd5uRbVDpW'
    """
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode("ascii")


_NOT_FOUND_OFFLINE = (
    f"preview --offline: cytoscape.js not found: pass --cytoscape-js FILE (cytoscape.min.js {CYTOSCAPE_JS_VERSION}, "
    f"from {CYTOSCAPE_JS_CDN_URL}), set ${CYTOSCAPE_JS_ENV}, or run `npm ci` in a pfocr-ndex checkout"
)


def find_cytoscape_js(explicit: str | PathLike[str] | None = None) -> Path | None:
    """Locate ``cytoscape.min.js``: ``explicit``, else ``$PFOCR_NDEX_CYTOSCAPE_JS``, else ``node_modules/`` of
    this repository or of the current directory (``npm ci`` puts it there). None when not found.

    An explicit path or environment variable naming a missing file is an error.
    """
    for given in (explicit, os.environ.get(CYTOSCAPE_JS_ENV) or None):
        if given is not None:
            path = Path(given)
            if not path.is_file():
                raise PfocrError("cytoscape.js not found (pass the path of cytoscape.min.js)", path)
            return path
    for root in (_REPOSITORY, Path.cwd()):
        path = root / _CYTOSCAPE_JS_IN_NODE_MODULES
        if path.is_file():
            return path
    return None


def _template_text(name: str) -> str:
    return files("pfocr_ndex.templates").joinpath(name).read_text(encoding="utf-8")


_SCRIPT_UNSAFE = {b"<": b"\\u003c", b">": b"\\u003e", b"&": b"\\u0026"}
_SCRIPT_UNSAFE_BYTES = re.compile(b"[<>&]")


def _script_json(value: Any) -> bytes:
    """Compact JSON safe inside ``<script type="application/json">``: ``<``, ``>``, ``&`` as ``\\u`` escapes.

    Those characters only occur inside JSON strings, where the escapes mean the same; so no ``</script>``
    or ``<!--`` in record text can end the script element.
    """
    return _SCRIPT_UNSAFE_BYTES.sub(lambda m: _SCRIPT_UNSAFE[m.group()], orjson.dumps(value))


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(_template_text),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["sanitize_html"] = lambda text: Markup(sanitize_html(text))
    env.filters["script_json"] = lambda value: Markup(_script_json(value).decode())
    return env


def _display(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(_display(item) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{key}: {_display(item)}" for key, item in value.items())
    return "" if value is None else str(value)


def _attribute_rows(attributes: dict) -> list[dict]:
    """Network attributes for the page table, kind ``html`` (sanitised), ``link`` or ``text``; ``__*`` left out."""
    rows = []
    for name, value in attributes.items():
        if name.startswith("__"):
            continue
        if name in HTML_ATTRIBUTES and isinstance(value, str):
            rows.append({"name": name, "kind": "html", "value": value})
        elif _safe_url(value):
            rows.append({"name": name, "kind": "link", "value": _safe_url(value)})
        else:
            rows.append({"name": name, "kind": "text", "value": _display(value)})
    return rows


def _ndex_url(uuid: str | None) -> str | None:
    return NDEX_VIEWER_URL + quote(uuid, safe="") if uuid else None


@dataclass(slots=True)
class PreviewResult:
    """What ``write_preview`` did."""

    pages: int  # figure pages written
    failed: int  # records that could not be previewed
    index: Path  # the index page
    cytoscape_js: Path | None  # the cytoscape.js copied next to the pages; None: they load CYTOSCAPE_JS_CDN_URL


def _figure_context(figid: str, filename: str, cx2: list[dict], node_count: int, ndex: str | None) -> dict:
    attributes = (_aspect(cx2, "networkAttributes") or [{}])[0]
    return {
        "figid": figid,
        "file": filename,
        "title": _display(attributes.get("name")) or figid,
        "organism": _display(attributes.get("organism")),
        "node_count": node_count,
        "image_url": _safe_url(attributes.get("__NetworkImage")),
        "ndex_url": _ndex_url(ndex),
        "ndex": ndex or "",
        "attributes": _attribute_rows(attributes),
        "view": cytoscape_view(cx2),
    }


def _record_paths(paths: Iterable[str | PathLike[str]], on_error: Callable[[PfocrError], None]) -> Iterator[Path]:
    """``iter_record_paths`` one argument at a time, so a missing path is one error, not the end of the run."""
    for given in paths:
        try:
            yield from iter_record_paths([given])
        except PfocrError as err:
            on_error(err)


def _os_error(doing: str, err: OSError, path: str | PathLike[str]) -> PfocrError:
    return PfocrError(f"{doing}: {err.strerror or err}", path)


def _previewable(
    paths: Iterable[str | PathLike[str]], style: dict | None, on_error: Callable[[PfocrError], None]
) -> Iterator[tuple[Path, dict]]:
    """``(record path, page context)`` of the records under ``paths``; bad records go to ``on_error``, skipped."""
    used: set[str] = set()
    for path in _record_paths(paths, on_error):
        try:
            record = read_record(path)
            network = build_network(record, style)
            filename = page_filename(network.figid)
            stem, counter = filename[: -len(".html")], 1
            while filename.lower() in used:  # two figids that differ only in unsafe characters or case
                counter += 1
                filename = f"{stem}-{counter}.html"
            page = _figure_context(network.figid, filename, network.cx2, network.node_count, record.ndex)
        except PfocrError as err:
            on_error(err)
            continue
        except OSError as err:
            on_error(_os_error("cannot read", err, err.filename or path))
            continue
        used.add(filename.lower())
        yield path, page


@dataclass(frozen=True, slots=True)
class _Script:
    """Where the pages load cytoscape.js from."""

    src: str
    integrity: str | None = None  # for the CDN: the browser runs only the pinned bytes


def _prepare(outdir: Path, library: Path | None) -> _Script:
    """Create ``outdir/assets/`` with the page scripts and styles (and cytoscape.js when ``library``)."""
    data = None
    if library is not None:
        try:
            data = library.read_bytes()
        except OSError as err:
            raise _os_error("cannot read cytoscape.js", err, library) from None
    if outdir.exists() and not outdir.is_dir():
        raise PfocrError("not a folder (the preview is written into a folder)", outdir)
    assets = outdir / ASSETS
    try:
        assets.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise _os_error("cannot create the preview folder", err, err.filename or assets) from None
    try:
        if data is not None:
            atomic_write_bytes(assets / "cytoscape.min.js", data, durable=False)
        for name in _PAGE_ASSETS:
            atomic_write_text(assets / name, _template_text(name), durable=False)
    except OSError as err:
        raise _os_error("cannot write the preview's assets", err, assets) from None
    if data is None:
        return _Script(CYTOSCAPE_JS_CDN_URL, CYTOSCAPE_JS_INTEGRITY)
    return _Script(f"{ASSETS}/cytoscape.min.js")


def write_preview(
    paths: Iterable[str | PathLike[str]],
    outdir: str | PathLike[str],
    *,
    style: dict | str | PathLike[str] | None = None,
    offline: bool = False,
    cytoscape_js: str | PathLike[str] | None = None,
    on_error: Callable[[PfocrError], None] | None = None,
) -> PreviewResult:
    """Write ``outdir/index.html``, one ``<figid>.html`` per figure record under ``paths``, and ``outdir/assets/``.

    Pages are written as the records are read (each page waits only for the next figure, for its "next"
    link); the index keeps one small row per figure (figid, title, organism, node count, NDEx UUID, and the
    page file when it is not ``<figid>.html``) as compact JSON, and is written last. A record that cannot be
    read or whose page cannot be written goes to ``on_error`` (default: raise) and is left out (the pages
    around it link to each other); every file is written atomically.
    ``style`` is a CX2 ``visualProperties`` dict or a style file (default: the project template).

    Pages load cytoscape.js from ``CYTOSCAPE_JS_CDN_URL`` with its subresource-integrity hash (the browser runs
    those exact bytes or nothing). ``offline=True`` (implied by ``cytoscape_js``) copies cytoscape.js, found by
    ``find_cytoscape_js(cytoscape_js)``, to ``outdir/assets/`` so the pages need no network; ``PfocrError``
    before anything is written when it is not found.

    >>> result = write_preview(["tests/data/pfocr/_figures"], "preview")   # doctest: +SKIP
    >>> result.pages, result.failed                                          # doctest: +SKIP
    (99, 0)
    """
    failures = 0

    def failed(err: PfocrError) -> None:
        nonlocal failures
        failures += 1
        if on_error is None:
            raise err
        on_error(err)

    if not isinstance(style, dict):
        style = load_style(style)
    library = None
    if offline or cytoscape_js is not None:
        library = find_cytoscape_js(cytoscape_js)
        if library is None:
            raise PfocrError(_NOT_FOUND_OFFLINE)
    outdir = Path(outdir)
    script = _prepare(outdir, library)

    env = _environment()
    figure_page = env.get_template("preview-figure.html")
    rows: list[bytes] = []  # index rows, kept as compact JSON: ~200 bytes a figure
    # The last page written, with its previous page: rewritten to skip a page that could not be written.
    last: tuple[dict, str | None] | None = None

    def write_page(page: dict, previous: str | None, next_file: str | None) -> None:
        html_text = figure_page.render(cytoscape=script, assets=ASSETS, **page, previous=previous, next=next_file)
        atomic_write_text(outdir / page["file"], html_text, durable=False)

    def emit(record_path: Path, page: dict, next_file: str | None) -> None:
        nonlocal last
        previous = last[0]["file"] if last is not None else None
        try:
            write_page(page, previous, next_file)
        except OSError as err:
            failed(_os_error(f"cannot write {outdir / page['file']}", err, record_path))
            if last is not None:
                try:
                    write_page(*last, next_file)
                except OSError as relink:
                    failed(_os_error(f"cannot relink {outdir / last[0]['file']}", relink, record_path))
            return
        row = [page["figid"], page["title"], page["organism"], page["node_count"], page["ndex"]]
        if page["file"] != page["figid"] + ".html":
            row.append(page["file"])
        rows.append(_script_json(row))
        last = (page, previous)

    pending: tuple[Path, dict] | None = None
    for record_path, page in _previewable(paths, style, failed):
        if pending is not None:
            emit(*pending, page["file"])
        pending = (record_path, page)
    if pending is not None:
        emit(*pending, None)

    index = outdir / "index.html"
    rows_json = Markup((b"[" + b",".join(rows) + b"]").decode())
    index_html = env.get_template("preview-index.html").render(
        assets=ASSETS, figure_count=len(rows), rows_json=rows_json, ndex_viewer=NDEX_VIEWER_URL
    )
    try:
        atomic_write_text(index, index_html, durable=False)
    except OSError as err:
        raise _os_error("cannot write the index", err, index) from None
    return PreviewResult(pages=len(rows), failed=failures, index=index, cytoscape_js=library)
