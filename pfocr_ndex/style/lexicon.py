"""Cytoscape Desktop's visual-property names, as cyREST looks them up (``lexicon.json``, generated from sources).

``lexicon.json`` is written by ``scripts/gen_lexicon.py`` from cytoscape/cytoscape-api ``BasicVisualLexicon`` and
cytoscape/cytoscape-impl ``DVisualLexicon`` (commits in its ``source``): every visual property's id, target and
Java class (whose ``parseSerializableString`` reads its values), the aliases, and the named values of the
enum-like classes.

>>> lookup("NODE_BORDER_STROKE")
VisualProperty(id='NODE_BORDER_STROKE', target='node', value_class='LineTypeVisualProperty')
>>> lookup("NODE_BORDER_LINE_TYPE") is None    # the Java field's name, not the id: cyREST skips it
True
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import Any, NamedTuple

import orjson

__all__ = ["VisualProperty", "enum_values", "lexicon", "lookup"]

# cyREST VisualStyleMapper.getVisualProperty: the target is chosen by the (case-sensitive) name prefix.
_PREFIXES = (("NODE", "node"), ("EDGE", "edge"), ("NETWORK", "network"))


class VisualProperty(NamedTuple):
    """One visual property of the lexicon."""

    id: str
    target: str  # "node", "edge" or "network"
    value_class: str  # the Java class, e.g. "PaintVisualProperty"


@cache
def lexicon() -> dict[str, Any]:
    """The parsed ``lexicon.json``."""
    data: dict[str, Any] = orjson.loads(files("pfocr_ndex.style").joinpath("lexicon.json").read_bytes())
    return data


def lookup(name: str) -> VisualProperty | None:
    """The visual property cyREST finds for ``name`` (``None``: cyREST skips the name without an error).

    As ``VisualStyleMapper.getVisualProperty`` then ``AbstractVisualLexicon.lookup``: ``NODE…``, ``EDGE…`` and
    ``NETWORK…`` names are looked up among that target's ids and aliases, ignoring case; other names never are.

    >>> lookup("NODE_Fill_Color").id, lookup("node_fill_color"), lookup("nodeFillColor")
    ('NODE_FILL_COLOR', None, None)
    """
    data = lexicon()
    for prefix, target in _PREFIXES:
        if name.startswith(prefix):
            found = data["lookup"][target].get(name.lower())
            if found is None:
                return None
            return VisualProperty(found, target, data["properties"][found]["class"])
    return None


def enum_values(value_class: str) -> tuple[frozenset[str], dict[str, str]]:
    """The names an enum-like class parses (``NodeShapeVisualProperty`` …) and its aliases (alias → name).

    >>> names, aliases = enum_values("NodeShapeVisualProperty")
    >>> "ROUND_RECTANGLE" in names, aliases["CIRCLE"]
    (True, 'ELLIPSE')
    """
    values = lexicon()["values"][value_class]
    return frozenset(values["names"]), dict(values["aliases"])
