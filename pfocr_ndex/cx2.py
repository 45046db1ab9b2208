"""The one way to read aspects out of a CX2 document, fragments included.

A CX2 document is a JSON array of single-key objects (``{"nodes": [...]}``); with ``hasFragments`` an aspect
may come in several such objects, whose elements then follow one another (the CX2 specification, cytoscape/cx
``docs/_posts/2022-11-17-cytoscape-exchange-format-specification-(version-2).markdown``, "fragments"). These
readers take every fragment of an aspect in document order and skip what is not an aspect (non-objects,
non-array values), so callers never index a fragment themselves.

>>> doc = [{"CXVersion": "2.0", "hasFragments": True}, {"nodes": [{"id": 0}]}, {"nodes": [{"id": 1}]},
...        {"networkAttributes": [{"name": "A"}]}]
>>> [node["id"] for node in aspect_elements(doc, "nodes")], network_attributes(doc)
([0, 1], {'name': 'A'})
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "DATA_TYPES",
    "aliases",
    "aspect_elements",
    "declarations",
    "first_element",
    "network_attributes",
]

# Attribute data types of attributeDeclarations (ndex-object-model org/ndexbio/cx2/aspect/element/core/
# ATTRIBUTE_DATA_TYPE.java); a declaration without "d" means string.
_SCALAR_TYPES = ("string", "boolean", "integer", "long", "double")
DATA_TYPES = frozenset([*_SCALAR_TYPES, *(f"list_of_{t}" for t in _SCALAR_TYPES)])


def aspect_elements(cx2: object, name: str) -> list[Any]:
    """Every element of aspect ``name``, over all its fragments in document order (``[]`` when absent).

    >>> aspect_elements([{"nodes": "not an array"}, "junk", {"nodes": [1]}], "nodes")
    [1]
    """
    elements: list[Any] = []
    if isinstance(cx2, list):
        for fragment in cx2:
            if isinstance(fragment, dict):
                value = fragment.get(name)
                if isinstance(value, list):
                    elements.extend(value)
    return elements


def first_element(cx2: object, name: str) -> dict[str, Any]:
    """The first element of a one-element aspect (``networkAttributes``, ``visualProperties``), ``{}`` if none.

    >>> first_element([{"visualProperties": [{"default": {}}]}], "visualProperties")
    {'default': {}}
    """
    elements = aspect_elements(cx2, name)
    first = elements[0] if elements else None
    return first if isinstance(first, dict) else {}


def network_attributes(cx2: object) -> dict[str, Any]:
    """The network attributes (the first ``networkAttributes`` element), ``{}`` when there are none."""
    return first_element(cx2, "networkAttributes")


def declarations(cx2: object, aspect: str) -> dict[str, dict[str, Any]]:
    """The attribute declarations of ``aspect`` (``nodes``, ``edges``, ``networkAttributes``): name → entry.

    Entries of several ``attributeDeclarations`` elements are merged, a later one winning; malformed entries
    are left out.

    >>> declarations([{"attributeDeclarations": [{"nodes": {"name": {"d": "string"}, "bad": 1}}]}], "nodes")
    {'name': {'d': 'string'}}
    """
    merged: dict[str, dict[str, Any]] = {}
    for element in aspect_elements(cx2, "attributeDeclarations"):
        entries = element.get(aspect) if isinstance(element, dict) else None
        if isinstance(entries, dict):
            merged.update((key, entry) for key, entry in entries.items() if isinstance(entry, dict))
    return merged


def aliases(entries: dict[str, Any]) -> dict[str, str]:
    """Alias → full name, from the declarations of one aspect (``a`` of each entry; one not a string is none).

    >>> aliases({"type": {"d": "string", "a": "t"}, "name": {"a": ["not a name"]}, "bad": 1})
    {'t': 'type'}
    """
    return {
        entry["a"]: name
        for name, entry in entries.items()
        if isinstance(entry, dict) and isinstance(entry.get("a"), str)
    }
