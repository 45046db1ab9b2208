"""CX2 style → Cytoscape Desktop: the body of cyREST's ``POST /v1/styles``, which cyREST accepts in full.

What cyREST does with that body (cytoscape/cyREST ``datamapper/VisualStyleMapper.java``):

- a visual-property name it cannot find in the renderer's lexicon is skipped without an error
  (``getVisualProperty`` → ``if (vp == null) continue``): every name sent here is a Desktop id from
  ``lexicon.json`` (``NODE_BORDER_STROKE``, not the Java field name ``NODE_BORDER_LINE_TYPE``);
- default values and continuous ``lesser``/``equal``/``greater`` are read as text; discrete ``key`` and
  ``value`` with ``textValue()``, which is ``null`` for anything but a JSON string: a number as ``value`` fails the
  whole POST (500 "Could not create new Visual Style.") for numeric properties, a number as ``key`` drops the pair.
  So every value here is a JSON string in the form the property's ``parseSerializableString`` reads: colours
  ``#RRGGBB``, numbers as decimal strings, enums by name, fonts ``Family.style,weight,size``, label positions
  ``C,C,c,0.00,0.00``; discrete keys are strings the column type parses (``MapperUtil.getColumnClass``).

Names and value conversions follow how Cytoscape itself reads a CX2 style (cytoscape/cx ``Cx2Importer`` with
ndex-object-model ``org/ndexbio/cx2/converter/CX2ToCXVisualPropertyConverter.java``); properties it has no
Desktop counterpart for, and values that would not parse, are left out and listed in ``left_out``.

>>> desktop = desktop_style(VisualStyle.parse({"default": {"node": {"NODE_BACKGROUND_OPACITY": 0.5}},
...     "nodeMapping": {"NODE_WIDTH": {"type": "DISCRETE", "definition": {"attribute": "type", "type": "string",
...         "map": [{"v": "chemical", "vp": 110}]}}}}))
>>> desktop.defaults
[{'visualProperty': 'NODE_TRANSPARENCY', 'value': '128'}]
>>> desktop.mappings[0]["map"]
[{'key': 'chemical', 'value': '110.0'}]
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import Any, NamedTuple

from .lexicon import enum_values, lookup
from .model import HEX_COLOR, Mapping, VisualStyle, number

__all__ = ["COLUMN_TYPES", "DESKTOP_NAMES", "DesktopStyle", "desktop_style", "desktop_value"]

# CX2 portable name → Desktop id (CX2ToCXVisualPropertyConverter's tables; locations, selection flags, custom
# graphics, edge bends and edge label positions are not style properties PFOCR styles use and are left out, and
# COMPOUND_NODE_* ids cannot reach cyREST: getVisualProperty looks up only NODE*, EDGE* and NETWORK* names).
DESKTOP_NAMES = {
    "NETWORK_BACKGROUND_COLOR": "NETWORK_BACKGROUND_PAINT",
    "NODE_BORDER_COLOR": "NODE_BORDER_PAINT",
    "NODE_BORDER_STYLE": "NODE_BORDER_STROKE",
    "NODE_BORDER_OPACITY": "NODE_BORDER_TRANSPARENCY",
    "NODE_BORDER_WIDTH": "NODE_BORDER_WIDTH",
    "NODE_BACKGROUND_COLOR": "NODE_FILL_COLOR",
    "NODE_BACKGROUND_OPACITY": "NODE_TRANSPARENCY",
    "NODE_HEIGHT": "NODE_HEIGHT",
    "NODE_WIDTH": "NODE_WIDTH",
    "NODE_SIZE": "NODE_SIZE",
    "NODE_SHAPE": "NODE_SHAPE",
    "NODE_VISIBILITY": "NODE_VISIBLE",
    "NODE_Z_LOCATION": "NODE_Z_LOCATION",
    "NODE_LABEL": "NODE_LABEL",
    "NODE_LABEL_COLOR": "NODE_LABEL_COLOR",
    "NODE_LABEL_FONT_FACE": "NODE_LABEL_FONT_FACE",
    "NODE_LABEL_FONT_SIZE": "NODE_LABEL_FONT_SIZE",
    "NODE_LABEL_POSITION": "NODE_LABEL_POSITION",
    "NODE_LABEL_OPACITY": "NODE_LABEL_TRANSPARENCY",
    "NODE_LABEL_ROTATION": "NODE_LABEL_ROTATION",
    "NODE_LABEL_MAX_WIDTH": "NODE_LABEL_WIDTH",
    "NODE_LABEL_BACKGROUND_COLOR": "NODE_LABEL_BACKGROUND_COLOR",
    "NODE_LABEL_BACKGROUND_SHAPE": "NODE_LABEL_BACKGROUND_SHAPE",
    "NODE_LABEL_BACKGROUND_OPACITY": "NODE_LABEL_BACKGROUND_TRANSPARENCY",
    "NODE_SELECTED_PAINT": "NODE_SELECTED_PAINT",
    "NODE_TOOLTIP": "NODE_TOOLTIP",
    "EDGE_LABEL": "EDGE_LABEL",
    "EDGE_LABEL_COLOR": "EDGE_LABEL_COLOR",
    "EDGE_LABEL_AUTOROTATE": "EDGE_LABEL_AUTOROTATE",
    "EDGE_LABEL_FONT_FACE": "EDGE_LABEL_FONT_FACE",
    "EDGE_LABEL_FONT_SIZE": "EDGE_LABEL_FONT_SIZE",
    "EDGE_LABEL_ROTATION": "EDGE_LABEL_ROTATION",
    "EDGE_LABEL_OPACITY": "EDGE_LABEL_TRANSPARENCY",
    "EDGE_LABEL_MAX_WIDTH": "EDGE_LABEL_WIDTH",
    "EDGE_LABEL_BACKGROUND_COLOR": "EDGE_LABEL_BACKGROUND_COLOR",
    "EDGE_LABEL_BACKGROUND_SHAPE": "EDGE_LABEL_BACKGROUND_SHAPE",
    "EDGE_LABEL_BACKGROUND_OPACITY": "EDGE_LABEL_BACKGROUND_TRANSPARENCY",
    "EDGE_LINE_STYLE": "EDGE_LINE_TYPE",
    "EDGE_SOURCE_ARROW_SHAPE": "EDGE_SOURCE_ARROW_SHAPE",
    "EDGE_SOURCE_ARROW_SIZE": "EDGE_SOURCE_ARROW_SIZE",
    "EDGE_TARGET_ARROW_SHAPE": "EDGE_TARGET_ARROW_SHAPE",
    "EDGE_TARGET_ARROW_SIZE": "EDGE_TARGET_ARROW_SIZE",
    "EDGE_STROKE_SELECTED_PAINT": "EDGE_STROKE_SELECTED_PAINT",
    # The stroke colour: EDGE_UNSELECTED_PAINT would only reach the line with the arrowColorMatchesEdge
    # dependency on, which a new style has off (ding EdgeColorDependencyFactory).
    "EDGE_LINE_COLOR": "EDGE_STROKE_UNSELECTED_PAINT",
    "EDGE_SOURCE_ARROW_COLOR": "EDGE_SOURCE_ARROW_UNSELECTED_PAINT",
    "EDGE_TARGET_ARROW_COLOR": "EDGE_TARGET_ARROW_UNSELECTED_PAINT",
    "EDGE_SOURCE_ARROW_SELECTED_PAINT": "EDGE_SOURCE_ARROW_SELECTED_PAINT",
    "EDGE_TARGET_ARROW_SELECTED_PAINT": "EDGE_TARGET_ARROW_SELECTED_PAINT",
    "EDGE_SELECTED_PAINT": "EDGE_SELECTED_PAINT",
    "EDGE_OPACITY": "EDGE_TRANSPARENCY",
    "EDGE_WIDTH": "EDGE_WIDTH",
    "EDGE_VISIBILITY": "EDGE_VISIBLE",
    "EDGE_CURVED": "EDGE_CURVED",
    "EDGE_Z_ORDER": "EDGE_Z_ORDER",
    "EDGE_STACKING": "EDGE_STACKING",
    "EDGE_STACKING_DENSITY": "EDGE_STACKING_DENSITY",
    "EDGE_TOOLTIP": "EDGE_TOOLTIP",
}
# CX2 attribute data type → cyREST mappingColumnType (MapperUtil.getColumnClass); list types have none.
COLUMN_TYPES = {"string": "String", "long": "Long", "integer": "Integer", "double": "Double", "boolean": "Boolean"}

# ObjectPosition.parse's pattern (cytoscape-api values/ObjectPosition.java).
_OBJECT_POSITION = re.compile(r"[NSEWC]{1,2},[NSEWC]{1,2},[clr],-?\d+(.\d+)?,-?\d+(.\d+)?")
_JAVA_FONTS = {"serif": "Serif", "sans-serif": "SansSerif", "monospace": "Monospaced"}
_VERTICAL = {"top": "N", "center": "", "bottom": "S"}
_HORIZONTAL = {"left": "W", "center": "", "right": "E"}


class DesktopStyle(NamedTuple):
    """A style in cyREST's terms; ``left_out`` names the CX2 properties (or their values) that had no place."""

    defaults: list[dict[str, str]]
    mappings: list[dict[str, Any]]
    left_out: list[str]

    def body(self, title: str) -> dict[str, Any]:
        """The ``POST /v1/styles`` body (what py4cytoscape's ``create_visual_style`` sends)."""
        return {"title": title, "defaults": self.defaults, "mappings": self.mappings}


# --- values --------------------------------------------------------------------------------------


def _number(value: Any) -> float | None:
    """``model.number`` as a float (Java reads doubles; ``"110.0"``, not ``"110"``)."""
    found = number(value)
    return None if found is None else float(found)


def _paint(value: Any) -> str | None:
    if not isinstance(value, str) or not HEX_COLOR.fullmatch(value.strip()):
        return None
    digits = value.strip()[1:].upper()
    # Color.decode reads "#FFF" as 0x000FFF: write all six digits.
    return "#" + ("".join(ch * 2 for ch in digits) if len(digits) == 3 else digits)


def _double(value: Any) -> str | None:
    number = _number(value)
    return None if number is None else repr(number)


def _integer(value: Any) -> str | None:
    number = _number(value)
    return None if number is None else str(round(number))


def _boolean(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value.lower() if isinstance(value, str) and value.lower() in ("true", "false") else None


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _font(value: Any, size: Any) -> str | None:
    """``FontVisualProperty`` text: a Java logical face name, its weight and size (``SansSerif.bold,bold,12``).

    Java names its logical fonts' faces ``Family.plain|bold|italic|bolditalic``; ``parseSerializableString``
    takes the text before ``,weight,size`` as the face name and reads bold only from ``.bold,``.
    A Desktop string (``"Dialog.plain,plain,10"``) is kept.
    """
    if isinstance(value, str):
        return value if value.count(",") == 2 else None
    if not isinstance(value, dict):
        return None
    name = value.get("FONT_NAME")
    family = _JAVA_FONTS.get(str(value.get("FONT_FAMILY", "sans-serif")), "SansSerif")
    bold, italic = value.get("FONT_WEIGHT") == "bold", value.get("FONT_STYLE") == "italic"
    face = ("bold" if bold else "") + ("italic" if italic else "") or "plain"
    points = _number(size)
    return (
        f"{name if isinstance(name, str) and name else f'{family}.{face}'},"
        f"{'bold' if bold else 'plain'},{round(points) if points else 12}"
    )


def _anchor(vertical: Any, horizontal: Any) -> str:
    """A point of a node or label (``NW`` … ``C``); what is not one of the names counts as centre."""
    return (_VERTICAL.get(str(vertical), "") + _HORIZONTAL.get(str(horizontal), "")) or "C"


def _position(value: Any) -> str | None:
    """``ObjectPosition`` text: point on the node (``*_ANCHOR``), point on the label (``*_ALIGN``), justification,
    margins (ndex-object-model ``LabelPosition.toCX1String``; margins with two decimals, as Cytoscape writes them).
    """
    if isinstance(value, str):
        return value if _OBJECT_POSITION.fullmatch(value) else None
    if not isinstance(value, dict):
        return None
    margins = [_number(value.get(key, 0)) for key in ("MARGIN_X", "MARGIN_Y")]
    if None in margins:
        return None
    justify = {"left": "l", "right": "r"}.get(str(value.get("JUSTIFICATION")), "c")
    return (
        f"{_anchor(value.get('VERTICAL_ANCHOR'), value.get('HORIZONTAL_ANCHOR'))},"
        f"{_anchor(value.get('VERTICAL_ALIGN'), value.get('HORIZONTAL_ALIGN'))},{justify},"
        f"{margins[0]:.2f},{margins[1]:.2f}"
    )


def _enum(value_class: str) -> Callable[[Any], str | None]:
    names, aliases = enum_values(value_class)

    def name(value: Any) -> str | None:
        text = value.strip().upper().replace("-", "_") if isinstance(value, str) else ""
        return text if text in names or text in aliases else None

    return name


_FORMATS: dict[str, Callable[[Any], str | None]] = {
    "PaintVisualProperty": _paint,
    "DoubleVisualProperty": _double,
    "IntegerVisualProperty": _integer,
    "BooleanVisualProperty": _boolean,
    "StringVisualProperty": _string,
    "ObjectPositionVisualProperty": _position,
    **{cls: _enum(cls) for cls in ("NodeShapeVisualProperty", "LineTypeVisualProperty", "ArrowShapeVisualProperty")},
    **{cls: _enum(cls) for cls in ("LabelBackgroundShapeVisualProperty", "EdgeStackingVisualProperty")},
}

# CX2-only value conventions (CX2ToCXVisualPropertyConverter's converters), applied before formatting.
_OPACITIES = frozenset(name for name, desktop in DESKTOP_NAMES.items() if desktop.endswith("_TRANSPARENCY"))
_BORDER_STYLES = {"dotted": "DOT", "dashed": "LONG_DASH", "double": "PARALLEL_LINES"}
_LINE_STYLES = {"solid": "SOLID", "dotted": "DOT", "dashed": "LONG_DASH"}
_ARROWS = {"triangle": "DELTA", "triangle-cross": "CROSS_DELTA", "tee": "T"}


def _portable(name: str, value: Any) -> Any:
    if name in _OPACITIES:
        number = _number(value)
        return None if number is None else min(max(number, 0.0), 1.0) * 255
    if not isinstance(value, str):
        return value
    if name == "NODE_BORDER_STYLE":
        return _BORDER_STYLES.get(value, value)
    if name == "EDGE_LINE_STYLE":
        return _LINE_STYLES.get(value, value)
    if name.endswith("_ARROW_SHAPE"):
        return _ARROWS.get(value, value)
    if name.endswith("_VISIBILITY"):
        return value == "element"
    return value


def desktop_value(name: str, value: Any, font_size: Any = 12) -> str | None:
    """The Desktop text of CX2 property ``name``'s ``value``, or ``None`` when it has none (left out).

    ``font_size`` goes into font faces (Cytoscape's font face value carries a size).

    >>> desktop_value("NODE_SHAPE", "round-rectangle"), desktop_value("NODE_BORDER_STYLE", "dashed")
    ('ROUND_RECTANGLE', 'LONG_DASH')
    >>> desktop_value("NODE_LABEL_POSITION", {"HORIZONTAL_ANCHOR": "left", "VERTICAL_ANCHOR": "top",
    ...     "HORIZONTAL_ALIGN": "right", "VERTICAL_ALIGN": "bottom", "JUSTIFICATION": "left"})
    'NW,SE,l,0.00,0.00'
    >>> desktop_value("NODE_WIDTH", "wide") is None
    True
    """
    desktop = DESKTOP_NAMES.get(name)
    vp = lookup(desktop) if desktop else None
    if vp is None:
        return None
    if vp.value_class == "FontVisualProperty":
        return _font(value, font_size)
    converted = _portable(name, value)
    form = _FORMATS.get(vp.value_class)
    return None if form is None or converted is None else form(converted)


# --- the style -----------------------------------------------------------------------------------


def _key(value: Any, column_type: str) -> str | None:
    """A discrete key as text the column type parses (VisualStyleMapper.parseKeyValue)."""
    if column_type == "String":
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value) if isinstance(value, (str, int, float)) else None
    if column_type == "Boolean":
        return _boolean(value)
    number = _number(value)
    if number is None:
        return None
    if column_type == "Double":
        return repr(number)
    return str(int(number)) if number.is_integer() else None  # Long.parseLong / Integer.parseInt


def _continuous_points(mapping: Mapping, name: str, font_size: Any) -> list[dict[str, Any]] | None:
    """Cytoscape's continuous points from CX2 ranges, as ``Cx2Importer.addContinuousMapping`` builds them.

    A point sits at each boundary between two ranges (lesser: the lower range's ``maxVPValue``, greater: the
    upper range's ``minVPValue``, equal: the side that includes the boundary); a bounded first or last range
    also gets a point at its outer end holding its value there. ``None`` when a value would not parse.
    """
    ranges = mapping.entries
    points: list[tuple[Any, Any, Any, Any]] = []
    first, last = (ranges[0], ranges[-1]) if ranges else ({}, {})
    if "min" in first:
        points.append((first["min"], first.get("minVPValue"), first.get("minVPValue"), first.get("minVPValue")))
    for below, above in itertools.pairwise(ranges):
        lesser = below.get("maxVPValue", above.get("minVPValue"))
        greater = above.get("minVPValue", below.get("maxVPValue"))
        # The importer sets equal from the lower range's includeMax, then the upper range's includeMin wins.
        equal = greater if above.get("includeMin", True) or not below.get("includeMax", True) else lesser
        points.append((below.get("max"), lesser, equal, greater))
    if "max" in last:
        points.append((last["max"], last.get("maxVPValue"), last.get("maxVPValue"), last.get("maxVPValue")))
    converted = []
    for boundary, *values in points:
        number = _number(boundary)
        texts = [desktop_value(name, value, font_size) for value in values]
        if number is None or None in texts:
            return None
        lesser, equal, greater = texts
        converted.append({"value": number, "lesser": lesser, "equal": equal, "greater": greater})
    return converted or None


def _desktop_mapping(mapping: Mapping, font_size: Any) -> dict[str, Any] | None:
    desktop = DESKTOP_NAMES.get(mapping.property)
    column_type = COLUMN_TYPES.get(mapping.data_type or "string")
    if desktop is None or lookup(desktop) is None or column_type is None:
        return None
    converted: dict[str, Any] = {
        "mappingType": mapping.kind.lower(),
        "mappingColumn": mapping.attribute,
        "mappingColumnType": column_type,
        "visualProperty": desktop,
    }
    if mapping.kind == "PASSTHROUGH":
        return converted
    if mapping.kind == "DISCRETE":
        pairs = [
            {"key": _key(entry.get("v"), column_type), "value": desktop_value(mapping.property, entry.get("vp"))}
            for entry in mapping.entries
        ]
        if any(pair["key"] is None or pair["value"] is None for pair in pairs):
            return None
        converted["map"] = pairs
        return converted
    if mapping.kind == "CONTINUOUS" and column_type in ("Double", "Integer", "Long"):
        points = _continuous_points(mapping, mapping.property, font_size)
        if points is not None:
            converted["points"] = points
            return converted
    return None


def desktop_style(style: VisualStyle) -> DesktopStyle:
    """Translate a parsed CX2 style to cyREST's ``defaults`` and ``mappings``.

    A mapping without a data type maps a string attribute (``load_style`` refuses such mappings). A property or
    mapping that cannot be expressed whole is left out (all of a mapping or nothing) and named in ``left_out``.
    """
    font_sizes = {
        "network": 12,
        "node": style.node.get("NODE_LABEL_FONT_SIZE", 12),
        "edge": style.edge.get("EDGE_LABEL_FONT_SIZE", 10),
    }
    defaults, left_out = [], []
    for group, values in (("network", style.network), ("node", style.node), ("edge", style.edge)):
        for name, value in values.items():
            text = desktop_value(name, value, font_sizes[group])
            if text is None:
                left_out.append(name)
            else:
                defaults.append({"visualProperty": DESKTOP_NAMES[name], "value": text})
    mappings = []
    for group, group_mappings in (("node", style.node_mappings), ("edge", style.edge_mappings)):
        for mapping in group_mappings:
            converted = _desktop_mapping(mapping, font_sizes[group])
            if converted is None:
                left_out.append(f"{mapping.property} ({mapping.kind.lower()} mapping)")
            else:
                mappings.append(converted)
    return DesktopStyle(defaults, mappings, left_out)
