"""What Cytoscape's visual-property classes make of a text: ``parseSerializableString``, after the Java code.

Each parser takes the text cyREST hands over (``None`` where Java has ``null``, e.g. ``textValue()`` of a JSON
number) and returns the parsed value, ``None`` where Java returns ``null``, or raises ``JavaException`` where
Java throws (which makes cyREST's ``POST /v1/styles`` fail with 500). Sources: cytoscape/cytoscape-api
``presentation-api/.../property/*VisualProperty.java`` and ``values/ObjectPosition.java`` (release/3.10.3),
ding's ``DVisualLexicon`` for the extra line types and node shapes (via ``pfocr_ndex/style/lexicon.json``).
Named colours (PaintVisualProperty's COLOR_MAP, read from a resource file) are not modelled: they parse to None.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from pfocr_ndex.style.lexicon import enum_values


class JavaException(Exception):
    """Java would throw here (NullPointerException, NumberFormatException, IllegalArgumentException)."""


# Double.valueOf: optional sign, NaN/Infinity, or decimal digits with an optional exponent and type suffix;
# surrounding whitespace is ignored. (Hexadecimal floats are not modelled.)
_JAVA_DOUBLE = re.compile(r"[+-]?(NaN|Infinity|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[fFdD]?)")
_JAVA_INT = re.compile(r"[+-]?\d+")


def java_double(text: str | None) -> float:
    """``Double.valueOf(text)`` / ``Double.parseDouble``."""
    if text is None:
        raise JavaException("NullPointerException")
    stripped = text.strip()
    if not _JAVA_DOUBLE.fullmatch(stripped):
        raise JavaException(f'NumberFormatException: For input string: "{text}"')
    return float(stripped.rstrip("fFdD").replace("Infinity", "inf"))


def java_int(text: str | None, bits: int = 32) -> int:
    """``Integer.parseInt`` (``bits=32``) / ``Long.parseLong`` (``bits=64``): digits only, in range."""
    if text is None or not _JAVA_INT.fullmatch(text):
        raise JavaException(f"NumberFormatException: For input string: {text!r}")
    value = int(text)
    if not -(2 ** (bits - 1)) <= value < 2 ** (bits - 1):
        raise JavaException(f"NumberFormatException: For input string: {text!r}")
    return value


def java_boolean(text: str | None) -> bool:
    """``Boolean.valueOf`` / ``Boolean.parseBoolean``: ``"true"`` in any case, everything else false."""
    return text is not None and text.lower() == "true"


def paint(text: str | None) -> tuple[int, int, int] | None:
    """PaintVisualProperty: ``#hex`` through ``Color.decode`` or ``rgb(r,g,b)``; ``None`` when neither parses."""
    if text is None:
        return None
    text = text.strip().upper()
    if text.startswith("#"):
        digits = text[1:]
        if not re.fullmatch(r"[0-9A-F]+", digits) or int(digits, 16) >= 2**31:  # Integer.decode
            return None
        value = int(digits, 16)
        return (value >> 16) & 0xFF, (value >> 8) & 0xFF, value & 0xFF
    parts = re.sub(r"(?i)rgb *\(", "", text).replace(")", "").split(",")
    if len(parts) != 3:
        return None
    try:
        r, g, b = (java_int(part.strip()) for part in parts)
    except JavaException:
        return None
    if not all(0 <= c <= 255 for c in (r, g, b)):
        raise JavaException("IllegalArgumentException: Color parameter outside of expected range")
    return r, g, b


def integer(text: str | None) -> int:
    """IntegerVisualProperty: ``Double.valueOf(text).intValue()`` (Cytoscape 2 wrote integers as "1.0")."""
    value = java_double(text)
    if math.isnan(value):
        return 0
    return int(max(min(value, 2**31 - 1), -(2**31)))


def _named(value_class: str, fallback: str | None = None) -> Callable[[str | None], str | None]:
    names, aliases = enum_values(value_class)

    def parse(text: str | None) -> str | None:
        if text is None:
            return fallback
        upper = text.upper()
        return aliases.get(upper) or (upper if upper in names else fallback)

    return parse


_CY2_FONT = re.compile(r"(.+)-(\d+)-(\d+)")
_FONT = re.compile(r"(\.[bB]old)?,[a-zA-Z]+,\d+(\.\d+)?")
_FONT_BOLD = re.compile(r"(?i).*\.bold,[a-zA-Z]+,.*")
_FONT_SIZE = re.compile(r".+,[^,]+,")


def font(text: str | None) -> tuple[str, bool, int]:
    """FontVisualProperty: (face name, bold, size), as ``parseFont`` / ``parseCy2Font`` build the Java Font."""
    if text is None or not text.strip():
        return "SansSerif", False, 12
    cy2 = _CY2_FONT.fullmatch(text)
    if cy2:
        return cy2.group(1), java_int(cy2.group(2)) & 1 == 1, java_int(cy2.group(3))
    size_text = _FONT_SIZE.sub("", text)
    try:
        size = java_int(size_text) if size_text else 12
    except JavaException:
        size = 12
    return _FONT.sub("", text), bool(_FONT_BOLD.fullmatch(text)), size


_POSITION = re.compile(r"([NSEWC]{1,2}+),([NSEWC]{1,2}+),([clr]{1}+),(-?\d+(.\d+)?),(-?\d+(.\d+)?)")
_POSITIONS = {"NW", "N", "NE", "W", "C", "E", "SW", "S", "SE", "NONE"}


def object_position(text: str | None) -> tuple[str, str, str, float, float]:
    """ObjectPosition.parse: (target anchor, label anchor, justification, x, y); the default when no match."""
    if text is None:
        raise JavaException("NullPointerException")
    match = _POSITION.fullmatch(text)
    if not match:
        return "C", "C", "c", 0.0, 0.0
    target, anchor = (value if value in _POSITIONS else "C" for value in (match.group(1), match.group(2)))
    return target, anchor, match.group(3), java_double(match.group(4)), java_double(match.group(6))


PARSERS: dict[str, Callable[[str | None], Any]] = {
    "PaintVisualProperty": paint,
    "DoubleVisualProperty": java_double,
    "IntegerVisualProperty": integer,
    "BooleanVisualProperty": java_boolean,
    "StringVisualProperty": lambda text: text,
    "FontVisualProperty": font,
    "ObjectPositionVisualProperty": object_position,
    "NodeShapeVisualProperty": _named("NodeShapeVisualProperty"),
    "ArrowShapeVisualProperty": _named("ArrowShapeVisualProperty"),
    "LabelBackgroundShapeVisualProperty": _named("LabelBackgroundShapeVisualProperty"),
    "EdgeStackingVisualProperty": _named("EdgeStackingVisualProperty"),
    # An unknown line type becomes SOLID, silently (LineTypeVisualProperty.parseSerializableString).
    "LineTypeVisualProperty": _named("LineTypeVisualProperty", fallback="SOLID"),
    "DefaultVisualizableVisualProperty": lambda text: "visualizable",
}


def parse_value(value_class: str, text: str | None) -> Any:
    """``parseSerializableString`` of ``value_class``; classes not modelled (custom graphics, bends) raise."""
    parser = PARSERS.get(value_class)
    if parser is None:
        raise JavaException(f"{value_class} is not modelled by this stand-in")
    return parser(text)


def parses_exactly(value_class: str, text: str) -> bool:
    """Whether ``text`` parses to a real value of its own, not to null or to a silent fallback.

    A line type Java does not know becomes SOLID and an unmatched label position the centre: those count as not
    parsing, as does any text Java would throw on.
    """
    try:
        value = parse_value(value_class, text)
    except JavaException:
        return False
    if value is None:
        return False
    if value_class == "LineTypeVisualProperty":
        names, _ = enum_values(value_class)
        return text.upper() in names
    if value_class == "ObjectPositionVisualProperty":
        return _POSITION.fullmatch(text) is not None
    return True
