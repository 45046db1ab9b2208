"""Check a CX2 document against the rules the NDEx server enforces.

CONTRACT: ``validate_cx2(cx2, strict=True) -> list[str]`` returns the problems found (empty = valid),
each one line, worded like the server's own messages where it has one.

The rules and their wording follow the code NDEx runs when it loads a network: ndex-object-model
``cx2/io/CXReader.java`` (structure, order, the final ``status`` aspect),
``cx2/aspect/element/core/AttributeDeclaredAspect.java``, ``CxAttributeDeclaration.java`` and
``DeclarationEntry.java`` (declarations, types, aliases, defaults), and ndex-rest
``common/persistence/CX2NetworkLoader.java`` (element counts, one ``networkAttributes`` element, coordinates,
``name``/``version`` lengths) and ``CX2ToCXConverter.java`` (mapping types and data types).

NDEx answers 201 to any upload and runs these checks afterwards, so a network that breaks
one of them only shows up later as an ``errorMessage`` on its summary. Checking locally
first keeps bad networks from ever being published.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from itertools import chain, repeat
from operator import itemgetter
from typing import Any

import orjson

from .cx2 import DATA_TYPES, aliases
from .errors import shown as _show
from .style.model import style_problems

__all__ = ["MAX_NAME", "MAX_VERSION", "summarize_problems", "validate_cx2"]

# Core aspects in the order the CX2 specification requires. Opaque aspects (cyHiddenAttributes,
# cyTableColumn, …) are not checked for position: Cytoscape writes them in various places and
# NDEx keeps them as sent.
CORE_ORDER = {
    "attributeDeclarations": 1,
    "networkAttributes": 2,
    "nodes": 3,
    "edges": 4,
    "visualProperties": 5,
    "nodeBypasses": 6,
    "edgeBypasses": 7,
    "visualEditorProperties": 8,
}
MAX_NAME = 500  # NDEx column varchar(500)
MAX_VERSION = 100  # NDEx column varchar(100)
MAX_PROBLEMS_SHOWN = 3


def _is_int(value: object) -> bool:
    return type(value) is int or (type(value) is float and value.is_integer())


def _is_double(value: object) -> bool:
    return (type(value) is int) or (type(value) is float and math.isfinite(value))


_SCALAR_CHECKS: dict[str, tuple[Callable[[object], bool], str]] = {
    "string": (lambda v: type(v) is str, "a string"),
    "boolean": (lambda v: v is True or v is False, "a boolean type"),
    "integer": (_is_int, "an integer"),
    "long": (_is_int, "a long"),
    "double": (_is_double, "a finite number"),
}
# What NDEx itself takes (AttributeDeclaredAspect.processAttributeValue): any number for integer and long,
# truncated by Number.intValue()/longValue().
_NDEX_CHECKS = {**_SCALAR_CHECKS, "integer": (_is_double, "a number"), "long": (_is_double, "a number")}


def _value_problem(dtype: str, value: object, strict: bool = True) -> str | None:
    """Why ``value`` does not fit the declared ``dtype`` (None when it fits)."""
    checks = _SCALAR_CHECKS if strict else _NDEX_CHECKS
    scalar = checks.get(dtype)
    if scalar is not None:
        check, what = scalar
        return None if check(value) else f"Value {_show(value)} is not {what}."
    check, what = checks[dtype[8:]]
    if type(value) is not list:
        return f"Value {_show(value)} is not consistent with the declared type {dtype}."
    if not value and strict:
        return f"Empty list declared as {dtype}: omit the attribute instead."
    for item in value:
        if not check(item):
            return f"Incorrect data type found in list: Value {_show(item)} is not {what}."
    return None


def _fits(dtype: str, value: object) -> bool:
    """Fast path of ``_value_problem`` (strict): True when the value fits the type."""
    if not dtype:
        return True
    scalar = _SCALAR_CHECKS.get(dtype)
    if scalar is not None:
        return scalar[0](value)
    if type(value) is not list or not value:
        return False
    check = _SCALAR_CHECKS[dtype[8:]][0]
    return all(check(item) for item in value)


_NUMBER = (int, float)
_ONLY_STR = {str}
_ONLY_DICT = {dict}
_ONLY_INT = {int}
_ONLY_LIST = {list}
_NONE_TYPE = type(None)
_LAID_OUT_NODE = frozenset({"id", "x", "y", "v"})
_PLAIN_NODE = frozenset({"id", "v"})


def _values_fit(values: object, types: dict[str, str], aliased: set[str]) -> bool:
    """Fast check of a valid element's ``v`` (the common case); False sends it to the wording path.

    ``id`` is refused too (not a valid node attribute; the wording path tells where it matters).
    """
    if type(values) is not dict or "id" in values:
        return False
    for attr, value in values.items():
        dtype = types.get(attr)
        if dtype == "string":
            if type(value) is not str:
                return False
        elif dtype == "list_of_string":
            if type(value) is not list or not value or {*map(type, value)} != _ONLY_STR:
                return False
        elif dtype is None or not _fits(dtype, value):
            return False
    return not aliased or aliased.isdisjoint(values)


def _finite_numbers(values: list) -> bool:
    """True when every value is an int or a finite float (a sum that is finite has no inf/nan term)."""
    if not {*map(type, values)} <= _NUMBER_TYPES:
        return False
    try:
        return math.isfinite(math.fsum(values))
    except (OverflowError, ValueError):  # huge ints, intermediate overflow, inf + -inf
        return False


_NUMBER_TYPES = frozenset(_NUMBER)


def _column_fits(dtype: str, column: list, kinds: set[type]) -> bool:
    """Fast check of one attribute's values over all elements (``column``: the values present, of ``kinds``)."""
    if dtype == "string":
        return kinds == _ONLY_STR
    if dtype == "list_of_string":
        return kinds == _ONLY_LIST and all(column) and {*map(type, chain.from_iterable(column))} == _ONLY_STR
    return all(map(_fits, repeat(dtype), column))


def _valid_node_ids(
    nodes: list, types: dict[str, str], aliased: set[str], node_ids: set[int], has_layout: bool
) -> set[int] | None:
    """Fast, column-wise check of a nodes aspect that is valid (the common case): its node ids,
    or None when anything is unusual (the node-by-node check then finds and words the problems).

    Accepted: all nodes ``{"id", "x", "y", "v"}`` (or all ``{"id", "v"}`` before any layout),
    new distinct int ids, finite coordinates, every ``v`` attribute declared, unaliased and fitting its type.
    """
    if {*map(type, nodes)} != _ONLY_DICT:
        return None
    keys = set().union(*nodes)
    if not (keys == _LAID_OUT_NODE or (keys == _PLAIN_NODE and not has_layout)) or {*map(len, nodes)} != {len(keys)}:
        return None
    ids = [*map(_get_id, nodes)]
    if {*map(type, ids)} != _ONLY_INT:
        return None
    id_set = {*ids}
    if len(id_set) != len(ids) or not node_ids.isdisjoint(id_set):
        return None
    if "x" in keys and not (_finite_numbers([*map(_get_x, nodes)]) and _finite_numbers([*map(_get_y, nodes)])):
        return None
    all_values = [*map(_get_v, nodes)]
    if {*map(type, all_values)} != _ONLY_DICT:
        return None
    attributes = set().union(*all_values)
    if not attributes <= types.keys() or "id" in attributes or not aliased.isdisjoint(attributes):
        return None
    for attr in attributes:
        column = [*map(dict.get, all_values, repeat(attr))]
        kinds = {*map(type, column)}
        if _NONE_TYPE in kinds:  # absent from some nodes (fine) or null (not fine)
            column = [values[attr] for values in all_values if attr in values]
            kinds = {*map(type, column)}
            if _NONE_TYPE in kinds:
                return None
        if not _column_fits(types[attr], column, kinds):
            return None
    return id_set


_get_id, _get_x, _get_y, _get_v = (itemgetter(key) for key in ("id", "x", "y", "v"))


class _Declarations:
    """The declared attributes of one aspect, with aliases resolved."""

    __slots__ = ("alias_of", "aliased", "types")

    def __init__(self, entries: dict) -> None:
        self.types: dict[str, str] = {}  # name as used in elements -> data type
        for name, entry in entries.items():
            dtype = (entry.get("d") if isinstance(entry, dict) else None) or "string"
            self.types[name] = dtype if type(dtype) is str and dtype in DATA_TYPES else ""  # "": reported, unchecked
        self.alias_of: dict[str, str] = aliases(entries)  # alias -> full name
        self.aliased: set[str] = set(self.alias_of.values())  # full names that have an alias
        for alias, name in self.alias_of.items():
            self.types.setdefault(alias, self.types[name])


class _Checker:
    def __init__(self, strict: bool) -> None:
        self.strict = strict
        self.problems: list[str] = []
        self.declarations: dict[str, _Declarations] = {}
        self.raw_declarations: dict[str, dict] = {}
        self.counts: dict[str, int] = {}
        self.metadata_counts: dict[str, object] = {}
        self.node_ids: set[int] = set()
        self.edge_ids: set[int] = set()
        self.edge_node_refs: set[int] = set()
        self.node_bypass_refs: set[int] = set()
        self.edge_bypass_refs: set[int] = set()
        self.has_layout = False
        self.network_attribute_elements = 0
        self.declaration_elements = 0

    def add(self, problem: str) -> None:
        self.problems.append(problem)

    # --- document structure -------------------------------------------------------------

    def run(self, cx2: object) -> list[str]:
        if not isinstance(cx2, list):
            self.add("A CX2 document must be a JSON array of aspects.")
            return self.problems
        if not cx2 or not isinstance(cx2[0], dict) or "CXVersion" not in cx2[0]:
            self.add("Illegal cx format: expected to CX version object in the first element.")
            return self.problems
        if cx2[0].get("CXVersion") != "2.0":
            self.add(f"CXVersion is {_show(cx2[0].get('CXVersion'))}, expected '2.0'.")
        metadata_blocks = 0
        last_rank = -1
        last_name = "CXVersion"
        status_at = None
        for position, fragment in enumerate(cx2[1:], start=1):
            if status_at is not None:
                self.add("End of array expected after the 'status' aspect: status must be the last aspect.")
                break
            if not isinstance(fragment, dict) or len(fragment) != 1:
                self.add(f"Element {position} is not an aspect: expected an object with exactly one key.")
                continue
            ((name, elements),) = fragment.items()
            if not isinstance(elements, list):
                self.add(f"Aspect '{name}': expected an array of elements.")
                continue
            if name == "status":
                status_at = position
                self.check_status(elements)
                continue
            if name == "metaData":
                metadata_blocks += 1
                if metadata_blocks > 2:
                    self.add("Only 2 metadata aspects are allowed in a CX network.")
                else:
                    self.check_metadata(elements)
                continue
            if metadata_blocks == 2:
                self.add(f"Only status aspect is allowed after post metadata section, found '{name}'.")
                continue
            self.counts[name] = self.counts.get(name, 0) + len(elements)
            rank = CORE_ORDER.get(name)
            if rank is None:
                continue  # an opaque aspect: kept as sent, wherever it is
            if rank < last_rank:
                self.add(f"Aspect '{name}' must come before '{last_name}'.")
            elif rank > last_rank:
                last_rank, last_name = rank, name
            getattr(self, "check_" + name)(elements)
        if status_at is None:
            self.add("CX document ends without a 'status' aspect defined.")
        self.check_counts()
        self.check_references()
        return self.problems

    def check_status(self, elements: list) -> None:
        if len(elements) != 1:
            self.add("Aspect 'status' should have one element in it.")
            return
        status = elements[0]
        if not isinstance(status, dict) or status.get("success") is not True:
            error = status.get("error") if isinstance(status, dict) else None
            self.add(
                f"Error status received in CX document (success is not true). Error message: {error or ''}".rstrip()
            )

    def check_metadata(self, elements: list) -> None:
        for element in elements:
            if not isinstance(element, dict) or not isinstance(element.get("name"), str):
                self.add("Malformed metaData element: 'name' is required.")
                continue
            count = element.get("elementCount")
            if count is not None and type(count) is not int:
                self.add(f"metaData elementCount of aspect {element['name']} is not an integer: {_show(count)}.")
                continue
            self.metadata_counts[element["name"]] = count

    def check_counts(self) -> None:
        for name, declared in self.metadata_counts.items():
            actual = self.counts.get(name, 0)
            if declared is not None and declared != actual:
                self.add(
                    f"Element count mismatch in aspect {name}. Metadata declared element count "
                    f"{declared}, but {actual} was received in CX."
                )
        if self.declaration_elements > 1:
            self.add("Only one attributeDeclarations element is allowed in CX.")

    def check_references(self) -> None:
        for refs, defined, aspect in (
            (self.edge_node_refs | self.node_bypass_refs, self.node_ids, "nodes"),
            (self.edge_bypass_refs, self.edge_ids, "edges"),
        ):
            undefined = sorted(refs - defined)
            if undefined:
                shown = " ".join(map(str, undefined[:20])) + (" ..." if len(undefined) > 20 else "")
                self.add(f"{len(undefined)} undefined ids found in aspect {aspect}: [{shown}]")

    # --- attribute declarations and attributes ------------------------------------------

    def check_attributeDeclarations(self, elements: list) -> None:  # noqa: N802 (aspect name)
        self.declaration_elements += len(elements)
        for element in elements:
            if not isinstance(element, dict):
                self.add("Malformed attributeDeclarations element: expected an object.")
                continue
            for aspect, entries in element.items():
                if not isinstance(entries, dict):
                    self.add(f"Malformed attribute declarations of aspect {aspect}: expected an object.")
                    continue
                for attr, entry in entries.items():
                    self.check_declaration(aspect, attr, entry)
                self.raw_declarations.setdefault(aspect, {}).update(entries)
                self.declarations[aspect] = _Declarations(self.raw_declarations[aspect])

    def check_declaration(self, aspect: str, attr: str, entry: object) -> None:
        if not isinstance(entry, dict):
            self.add(f"Malformed declaration of attribute '{attr}' in aspect {aspect}: expected an object.")
            return
        dtype = entry.get("d")
        if dtype is not None and (type(dtype) is not str or dtype not in DATA_TYPES):
            self.add(f"Attribute '{attr}' in aspect {aspect} has unknown data type {_show(dtype)}.")
            return
        if aspect == "networkAttributes":
            if "v" in entry:
                self.add(
                    f"Declaring default value '{entry['v']}' on network attribute '{attr}' "
                    "is not allowed according to CX2 specification."
                )
            if "a" in entry:
                self.add(
                    f"Declaring an alias for network attribute '{attr}' is not allowed according to CX2 specification."
                )
            return
        alias = entry.get("a")
        if alias is not None and not isinstance(alias, str):
            self.add(f"Alias of attribute '{attr}' in aspect {aspect} is not a string.")
        if "v" in entry:
            problem = _value_problem(dtype or "string", entry["v"], self.strict)
            if problem:
                self.add(f"Default value of attribute '{attr}' in aspect {aspect}: {problem}")

    def attribute_problems(self, aspect: str, where: str, values: object) -> None:
        """Check an element's ``v``: every attribute declared, every value of its declared type."""
        if not isinstance(values, dict):
            self.add(f"{where}: 'v' must be an object.")
            return
        declarations = self.declarations.get(aspect)
        types = declarations.types if declarations else {}
        if declarations and _values_fit(values, types, declarations.aliased):
            return
        for attr, value in values.items():
            dtype = types.get(attr)
            if dtype is None:
                self.add(f"{where}: Attribute {attr} is not declared in attributeDeclarations aspect.")
            elif not _fits(dtype, value) and (problem := _value_problem(dtype, value, self.strict)):
                self.add(f"{where}: attribute '{attr}': {problem}")
            elif self.strict and declarations is not None and attr in declarations.aliased:
                self.add(f"{where}: attribute '{attr}' has an alias; elements must use the alias.")

    def check_networkAttributes(self, elements: list) -> None:  # noqa: N802
        self.network_attribute_elements += len(elements)
        if self.network_attribute_elements > 1:
            self.add("Only one networkAttributes element is allowed in CX.")
        for element in elements:
            self.attribute_problems("networkAttributes", "networkAttributes", element)
            if not isinstance(element, dict):
                continue
            if not self.strict:
                continue
            name, version = element.get("name"), element.get("version")
            if isinstance(name, str) and len(name) > MAX_NAME:
                self.add(f"networkAttributes: name has {len(name)} characters; NDEx stores at most {MAX_NAME}.")
            if isinstance(version, str) and len(version) > MAX_VERSION:
                self.add(
                    f"networkAttributes: version has {len(version)} characters; NDEx stores at most {MAX_VERSION}."
                )

    # --- nodes, edges, bypasses -----------------------------------------------------------

    def check_nodes(self, elements: list) -> None:
        declarations = self.declarations.get("nodes")
        types = declarations.types if declarations else {}
        aliased = declarations.aliased if declarations else set()
        node_ids = self.node_ids
        valid_ids = _valid_node_ids(elements, types, aliased, node_ids, self.has_layout)
        if valid_ids is not None:
            node_ids |= valid_ids
            self.has_layout = self.has_layout or "x" in elements[0]
            return
        for node in elements:
            if type(node) is not dict:
                self.add("Malformed node: expected an object.")
                continue
            node_id = node.get("id")
            if node_id is None:
                self.add("Node id is missing.")
                continue
            if type(node_id) is not int:
                self.add(f"Node id {_show(node_id)} is not an integer.")
                continue
            if node_id in node_ids:
                self.add(f"Duplicate Id {node_id} found in aspect nodes.")
            node_ids.add(node_id)
            values = node.get("v")
            if values is not None and not _values_fit(values, types, aliased):
                if type(values) is dict and "id" in values:
                    self.add(f"node {node_id}: 'id' is not allowed as a node attribute.")
                self.attribute_problems("nodes", f"node {node_id}", values)
            x: Any = node.get("x")
            if not (
                self.has_layout
                and type(x) in _NUMBER
                and x - x == 0
                and type(node.get("y")) in _NUMBER
                and node["y"] - node["y"] == 0
                and node.get("z") is None
            ):
                self.check_coordinates(node, node_id)

    def check_coordinates(self, node: dict, node_id: int) -> None:
        x, y, z = node.get("x"), node.get("y"), node.get("z")
        if (x is None) != (y is None) or (z is not None and x is None):
            self.add(f"One or more Coordinate values are missing in node {node_id}.")
            return
        if x is None:
            if self.has_layout:
                self.add(f"Coordinates missing in node {node_id}")
            return
        self.has_layout = True
        for axis, value in (("x", x), ("y", y), ("z", z)):
            if value is not None and not _is_double(value):
                self.add(f"Coordinate {axis} of node {node_id} is not a number: {_show(value)}.")

    def check_edges(self, elements: list) -> None:
        for edge in elements:
            if type(edge) is not dict:
                self.add("Malformed edge: expected an object.")
                continue
            edge_id = edge.get("id")
            if edge_id is None:
                self.add("Edge id is missing.")
                continue
            if type(edge_id) is not int:
                self.add(f"Edge id {_show(edge_id)} is not an integer.")
                continue
            if edge_id in self.edge_ids:
                self.add(f"Duplicate Id {edge_id} found in aspect edges.")
            self.edge_ids.add(edge_id)
            for end in ("s", "t"):
                ref = edge.get(end)
                if ref is None:
                    self.add(
                        f"edge {edge_id}: '{end}' (the {'source' if end == 's' else 'target'} node id) is missing."
                    )
                elif type(ref) is not int:
                    self.add(f"edge {edge_id}: '{end}' {_show(ref)} is not an integer node id.")
                else:
                    self.edge_node_refs.add(ref)
            if edge.get("v") is not None:
                self.attribute_problems("edges", f"edge {edge_id}", edge["v"])

    def _check_bypasses(self, elements: list, kind: str, refs: set[int]) -> None:
        for bypass in elements:
            ref = bypass.get("id") if isinstance(bypass, dict) else None
            if type(ref) is not int:
                self.add(f"{kind}Bypasses: element without an integer 'id'.")
                continue
            refs.add(ref)
            if not isinstance(bypass.get("v"), dict):
                self.add(f"{kind}Bypasses: element {ref} has no 'v' object of visual properties.")

    def check_nodeBypasses(self, elements: list) -> None:  # noqa: N802
        self._check_bypasses(elements, "node", self.node_bypass_refs)

    def check_edgeBypasses(self, elements: list) -> None:  # noqa: N802
        self._check_bypasses(elements, "edge", self.edge_bypass_refs)

    # --- style ----------------------------------------------------------------------------

    def check_visualProperties(self, elements: list) -> None:  # noqa: N802
        for element in elements:
            self.problems.extend(
                style_problems(element, self.declarations.get("nodes"), self.declarations.get("edges"))
            )

    def check_visualEditorProperties(self, elements: list) -> None:  # noqa: N802
        for element in elements:
            if not isinstance(element, dict) or not isinstance(element.get("properties"), dict):
                self.add('visualEditorProperties: expected elements {"properties": {...}}.')


def summarize_problems(problems: list[str]) -> str:
    """``validate_cx2``'s problems on one line: the first few, then how many more.

    >>> summarize_problems(["a", "b", "c", "d", "e"])
    'a; b; c (and 2 more)'
    """
    more = len(problems) - MAX_PROBLEMS_SHOWN
    return "; ".join(problems[:MAX_PROBLEMS_SHOWN]) + (f" (and {more} more)" if more > 0 else "")


def validate_cx2(cx2: object, *, strict: bool = True) -> list[str]:
    """Return the NDEx load errors ``cx2`` would cause; ``[]`` when NDEx would accept it.

    ``cx2`` is a parsed CX2 document (a list of aspects) or its JSON text (``bytes``/``str``).

    Ours, not NDEx's (they keep this tool's own networks clean), unless ``strict=False``: an empty list
    (NDEx keeps it), a number that is not whole for an ``integer``/``long`` (NDEx truncates it), an element
    using the full name of an aliased attribute (NDEx's ``replaceShortenedName`` leaves it as it is; all in
    ndex-object-model ``AttributeDeclaredAspect``), and ``name``/``version`` longer than NDEx's columns (in
    NDEx a database error when the summary is saved, after every other check: the sandbox's loader words it so).

    >>> validate_cx2([{"CXVersion": "2.0", "hasFragments": False}, {"status": [{"error": "", "success": True}]}])
    []
    >>> validate_cx2([{"CXVersion": "2.0", "hasFragments": False}])
    ["CX document ends without a 'status' aspect defined."]
    """
    if isinstance(cx2, (bytes, bytearray, memoryview, str)):
        try:
            cx2 = orjson.loads(cx2)
        except orjson.JSONDecodeError as err:
            return [f"Not valid JSON: {err}"]
    return _Checker(strict).run(cx2)
