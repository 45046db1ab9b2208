"""validate_cx2: a valid document passes; each NDEx rule, broken by a minimal mutation, is reported."""

from __future__ import annotations

import copy
import json
import subprocess
import sys

import pytest

from pfocr_ndex.style import style_problems
from pfocr_ndex.validate import validate_cx2

# A minimal PFOCR-style network NDEx accepts (every rule of validate.py satisfied).
DOC_EXAMPLE = [
    {"CXVersion": "2.0", "hasFragments": False},
    {
        "metaData": [
            {"name": "attributeDeclarations", "elementCount": 1},
            {"name": "networkAttributes", "elementCount": 1},
            {"name": "nodes", "elementCount": 2},
            {"name": "visualProperties", "elementCount": 1},
        ]
    },
    {
        "attributeDeclarations": [
            {
                "networkAttributes": {
                    "name": {"d": "string"},
                    "description": {"d": "string"},
                    "version": {"d": "string"},
                    "organism": {"d": "list_of_string"},
                    "pfocrId": {"d": "string"},
                    "__NetworkImage": {"d": "string"},
                    "__Annotations": {"d": "list_of_string"},
                },
                "nodes": {"name": {"d": "string"}, "represents": {"d": "string"}, "type": {"d": "string"}},
            }
        ]
    },
    {
        "networkAttributes": [
            {
                "name": "Example pathway figure",
                "description": "<p>Caption text</p>",
                "version": "2024-01",
                "organism": ["Homo sapiens"],
                "pfocrId": "PMC0000000__fig1",
                "__NetworkImage": "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC0000000/bin/fig1.jpg",
                "__Annotations": [
                    "type=org.cytoscape.view.presentation.annotations.ImageAnnotation|uuid=0|canvas=background"
                ],
            }
        ]
    },
    {
        "nodes": [
            {"id": 0, "x": 120, "y": 80, "v": {"name": "TP53", "represents": "ncbigene:7157", "type": "gene"}},
            {"id": 1, "x": 260, "y": 80, "v": {"name": "MDM2", "represents": "ncbigene:4193", "type": "gene"}},
        ]
    },
    {
        "visualProperties": [
            {
                "default": {
                    "network": {"NETWORK_BACKGROUND_COLOR": "#FFFFFF"},
                    "node": {"NODE_SHAPE": "round-rectangle", "NODE_BACKGROUND_COLOR": "#FFFFCC"},
                    "edge": {},
                },
                "nodeMapping": {
                    "NODE_LABEL": {"type": "PASSTHROUGH", "definition": {"attribute": "name", "type": "string"}}
                },
                "edgeMapping": {},
            }
        ]
    },
    {"status": [{"error": "", "success": True}]},
]

# A fuller document: every aspect kind, aliases, defaults, edges, bypasses, an opaque aspect.
DOC_FULL = [
    {"CXVersion": "2.0", "hasFragments": False},
    {
        "metaData": [
            {"name": "nodes", "elementCount": 3},
            {"name": "edges", "elementCount": 2},
            {"name": "networkAttributes"},
        ]
    },
    {
        "attributeDeclarations": [
            {
                "networkAttributes": {
                    "name": {"d": "string"},
                    "version": {"d": "string"},
                    "year": {"d": "integer"},
                    "labels": {"d": "list_of_string"},
                    "score": {"d": "double"},
                    "curated": {"d": "boolean"},
                    "note": {},
                },
                "nodes": {
                    "name": {"d": "string"},
                    "type": {"d": "string", "v": "gene"},
                    "words": {"d": "list_of_string", "a": "w"},
                    "weight": {"d": "double"},
                },
                "edges": {"interaction": {"d": "string", "a": "i"}, "count": {"d": "long"}},
            }
        ]
    },
    {
        "networkAttributes": [
            {
                "name": "Full",
                "version": "1",
                "year": 2020,
                "labels": ["a", "b"],
                "score": 0.5,
                "curated": False,
                "note": "null type counts as string",
            }
        ]
    },
    {
        "nodes": [
            {"id": 0, "x": 0, "y": 0, "v": {"name": "A", "w": ["a", "A"], "weight": 1}},
            {"id": 1, "x": 10.5, "y": 0, "z": 1, "v": {"name": "B", "type": "chemical"}},
            {"id": 7, "x": 20, "y": 5},
        ]
    },
    {"edges": [{"id": 0, "s": 0, "t": 1, "v": {"i": "binds", "count": 3}}, {"id": 1, "s": 1, "t": 7}]},
    {
        "visualProperties": [
            {
                "default": {"network": {}, "node": {"NODE_WIDTH": 60}, "edge": {}},
                "nodeMapping": {
                    "NODE_LABEL": {"type": "PASSTHROUGH", "definition": {"attribute": "name"}},
                    "NODE_WIDTH": {
                        "type": "CONTINUOUS",
                        "definition": {
                            "attribute": "weight",
                            "map": [
                                {"max": 1, "includeMax": True, "maxVPValue": 40},
                                {
                                    "min": 1,
                                    "includeMin": False,
                                    "minVPValue": 40,
                                    "maxVPValue": 80,
                                    "max": 5,
                                    "includeMax": True,
                                },
                                {"min": 5, "includeMin": False, "minVPValue": 80},
                            ],
                        },
                    },
                    "NODE_SHAPE": {
                        "type": "DISCRETE",
                        "definition": {"attribute": "type", "map": [{"v": "gene", "vp": "ellipse"}]},
                    },
                    "NODE_BORDER_COLOR": {
                        "type": "DISCRETE",
                        "definition": {"attribute": "absent", "type": "string", "map": [{"v": "x", "vp": "#000000"}]},
                    },
                },
                "edgeMapping": {"EDGE_LABEL": {"type": "PASSTHROUGH", "definition": {"attribute": "interaction"}}},
            }
        ]
    },
    {"nodeBypasses": [{"id": 7, "v": {"NODE_BACKGROUND_COLOR": "#FF0000"}}]},
    {"edgeBypasses": [{"id": 1, "v": {"EDGE_WIDTH": 3}}]},
    {"visualEditorProperties": [{"properties": {"nodeSizeLocked": False}}]},
    {"cyHiddenAttributes": [{"n": "layoutAlgorithm", "v": "Grid Layout"}]},
    {"metaData": [{"name": "cyHiddenAttributes", "elementCount": 1}]},
    {"status": [{"error": "a warning, not an error", "success": True}]},
]


def aspect(doc: list, name: str, nth: int = 0) -> list:
    """The elements of the nth fragment named ``name``."""
    return [f[name] for f in doc if name in f][nth]


def _appended(doc: list, name: str, element: object) -> list:
    """``doc`` with ``element`` added to its aspect ``name``."""
    aspect(doc, name).append(element)
    return doc


def index_of(doc: list, name: str) -> int:
    return next(i for i, f in enumerate(doc) if name in f)


def test_valid_documents_pass():
    assert validate_cx2(DOC_EXAMPLE) == []
    assert validate_cx2(DOC_FULL) == []


def test_json_text_and_bytes_are_accepted():
    text = json.dumps(DOC_FULL)
    assert validate_cx2(text) == []
    assert validate_cx2(text.encode()) == []
    assert validate_cx2(b"[{")[0].startswith("Not valid JSON")


def test_opaque_aspects_may_sit_anywhere_before_status():
    doc = copy.deepcopy(DOC_FULL)
    doc.insert(index_of(doc, "nodes"), {"cyTableColumn": [{"applies_to": "node_table", "n": "name"}]})
    assert validate_cx2(doc) == []


def test_edge_less_network_without_edges_aspect_passes():
    doc = copy.deepcopy(DOC_EXAMPLE)
    aspect(doc, "metaData").append({"name": "edges", "elementCount": 0})
    assert validate_cx2(doc) == []


# --- mutations: (id, mutate(doc) -> doc, expected fragment) -------------------------------


def _set(path_fn, key, value):
    def mutate(doc):
        path_fn(doc)[key] = value
        return doc

    return mutate


def _del(path_fn, key):
    def mutate(doc):
        del path_fn(doc)[key]
        return doc

    return mutate


def _insert(position, fragment):
    def mutate(doc):
        doc.insert(position if position >= 0 else len(doc) + position, fragment)
        return doc

    return mutate


def _move(name, before):
    def mutate(doc):
        fragment = doc.pop(index_of(doc, name))
        doc.insert(index_of(doc, before), fragment)
        return doc

    return mutate


def net(doc):
    return aspect(doc, "networkAttributes")[0]


def decl(doc):
    return aspect(doc, "attributeDeclarations")[0]


def node(i):
    return lambda doc: aspect(doc, "nodes")[i]


def node_v(i):
    return lambda doc: aspect(doc, "nodes")[i]["v"]


def edge(i):
    return lambda doc: aspect(doc, "edges")[i]


def node_mapping(prop):
    return lambda doc: aspect(doc, "visualProperties")[0]["nodeMapping"][prop]


MUTATIONS = [
    # structure and order (CXReader)
    ("not-an-array", lambda doc: {"nodes": []}, "must be a JSON array"),
    ("no-cxversion-first", lambda doc: doc[1:], "expected to CX version object in the first element"),
    ("cxversion-value", _set(lambda doc: doc[0], "CXVersion", "1.0"), "expected '2.0'"),
    ("two-key-aspect", _set(lambda doc: doc[index_of(doc, "nodes")], "edges", []), "exactly one key"),
    ("aspect-not-array", lambda doc: [*doc[:4], {"nodes": {"id": 0}}, *doc[5:]], "expected an array of elements"),
    ("no-status", lambda doc: doc[:-1], "CX document ends without a 'status' aspect defined"),
    ("status-not-last", _move("status", "visualProperties"), "status must be the last aspect"),
    (
        "status-two-elements",
        lambda doc: [*doc[:-1], {"status": [{"error": "", "success": True}] * 2}],
        "Aspect 'status' should have one element in it.",
    ),
    (
        "status-failure",
        lambda doc: [*doc[:-1], {"status": [{"error": "boom", "success": False}]}],
        "Error status received in CX document",
    ),
    (
        "three-metadata",
        lambda doc: [*doc[:-1], {"metaData": []}, {"metaData": []}, doc[-1]],
        "Only 2 metadata aspects are allowed",
    ),
    (
        "aspect-after-post-metadata",
        lambda doc: [*doc[:-1], {"metaData": []}, {"cyTableColumn": []}, doc[-1]],
        "Only status aspect is allowed after post metadata section",
    ),
    (
        "order-nodes-before-network",
        _move("nodes", "networkAttributes"),
        "Aspect 'networkAttributes' must come before 'nodes'",
    ),
    (
        "declarations-after-nodes",
        _move("attributeDeclarations", "visualProperties"),
        "Attribute name is not declared in attributeDeclarations aspect.",
    ),
    # metaData (CX2NetworkLoader)
    (
        "count-mismatch",
        lambda doc: (aspect(doc, "metaData")[2].update(elementCount=3), doc)[1],
        "Element count mismatch in aspect nodes. Metadata declared element count 3, but 2 was received in CX.",
    ),
    (
        "count-mismatch-absent-aspect",
        lambda doc: _appended(doc, "metaData", {"name": "edges", "elementCount": 1}),
        "Element count mismatch in aspect edges. Metadata declared element count 1, but 0 was received in CX.",
    ),
    (
        "metadata-without-name",
        lambda doc: _appended(doc, "metaData", {"elementCount": 1}),
        "'name' is required",
    ),
    # attributeDeclarations (CxAttributeDeclaration, DeclarationEntry)
    (
        "two-declaration-elements",
        lambda doc: _appended(doc, "attributeDeclarations", {}),
        "Only one attributeDeclarations element is allowed",
    ),
    (
        "alias-on-network-attribute",
        _set(lambda doc: decl(doc)["networkAttributes"], "name", {"d": "string", "a": "n"}),
        "Declaring an alias for network attribute 'name' is not allowed",
    ),
    (
        "default-on-network-attribute",
        _set(lambda doc: decl(doc)["networkAttributes"], "name", {"d": "string", "v": "x"}),
        "Declaring default value 'x' on network attribute 'name' is not allowed",
    ),
    ("unknown-data-type", _set(lambda doc: decl(doc)["nodes"], "type", {"d": "text"}), "unknown data type 'text'"),
    (
        "default-of-wrong-type",
        _set(lambda doc: decl(doc)["nodes"], "type", {"d": "string", "v": 3}),
        "Default value of attribute 'type' in aspect nodes: Value 3 is not a string.",
    ),
    (
        "undeclared-network-attribute",
        _set(net, "foo", "bar"),
        "Attribute foo is not declared in attributeDeclarations aspect.",
    ),
    ("undeclared-node-attribute", _set(node_v(0), "score", 1.5), "node 0: Attribute score is not declared"),
    (
        "no-declarations-aspect",
        lambda doc: [f for f in doc if "attributeDeclarations" not in f],
        "Attribute name is not declared in attributeDeclarations aspect.",
    ),
    ("string-type", _set(node_v(1), "name", 5), "node 1: attribute 'name': Value 5 is not a string."),
    ("list-item-type", _set(net, "organism", ["Homo sapiens", 9606]), "Incorrect data type found in list: Value 9606"),
    ("empty-list", _set(net, "organism", []), "Empty list declared as list_of_string"),
    (
        "scalar-for-list",
        _set(net, "organism", "Homo sapiens"),
        "is not consistent with the declared type list_of_string",
    ),
    (
        "stringified-list",
        _set(net, "organism", "['Homo sapiens']"),
        "is not consistent with the declared type list_of_string",
    ),
    (
        "boolean-type",
        lambda doc: (decl(doc)["networkAttributes"].update(flag={"d": "boolean"}), net(doc).update(flag="true"), doc)[
            2
        ],
        "Value 'true' is not a boolean type.",
    ),
    (
        "integer-type",
        lambda doc: (decl(doc)["networkAttributes"].update(year={"d": "integer"}), net(doc).update(year="2020"), doc)[
            2
        ],
        "Value '2020' is not an integer.",
    ),
    (
        "integer-not-whole",
        lambda doc: (decl(doc)["networkAttributes"].update(year={"d": "integer"}), net(doc).update(year=2020.5), doc)[
            2
        ],
        "Value 2020.5 is not an integer.",
    ),
    (
        "double-nan",
        lambda doc: (decl(doc)["networkAttributes"].update(s={"d": "double"}), net(doc).update(s=float("nan")), doc)[2],
        "Value nan is not a finite number.",
    ),
    # networkAttributes (CX2NetworkLoader)
    (
        "two-network-attribute-elements",
        lambda doc: _appended(doc, "networkAttributes", {"name": "x"}),
        "Only one networkAttributes element is allowed in CX.",
    ),
    ("name-too-long", _set(net, "name", "x" * 501), "name has 501 characters; NDEx stores at most 500"),
    ("version-too-long", _set(net, "version", "v" * 101), "version has 101 characters; NDEx stores at most 100"),
    # nodes, edges, references (CX2NetworkLoader)
    ("node-id-missing", _del(node(1), "id"), "Node id is missing."),
    ("node-id-not-int", _set(node(1), "id", "1"), "Node id '1' is not an integer."),
    ("node-id-duplicate", _set(node(1), "id", 0), "Duplicate Id 0 found in aspect nodes."),
    (
        "id-inside-v",
        lambda doc: (decl(doc)["nodes"].update(id={"d": "long"}), node_v(0)(doc).update(id=5), doc)[2],
        "node 0: 'id' is not allowed as a node attribute.",
    ),
    ("x-without-y", _del(node(0), "y"), "One or more Coordinate values are missing in node 0."),
    (
        "z-without-xy",
        lambda doc: (node(0)(doc).pop("x"), node(0)(doc).pop("y"), node(0)(doc).update(z=1), doc)[3],
        "One or more Coordinate values are missing in node 0.",
    ),
    (
        "layout-then-no-coordinates",
        lambda doc: (node(1)(doc).pop("x"), node(1)(doc).pop("y"), doc)[2],
        "Coordinates missing in node 1",
    ),
    ("coordinate-not-number", _set(node(1), "x", "260"), "Coordinate x of node 1 is not a number"),
]

MUTATIONS_FULL = [
    ("edge-id-missing", _del(edge(0), "id"), "Edge id is missing."),
    ("edge-source-missing", _del(edge(0), "s"), "edge 0: 's' (the source node id) is missing."),
    ("edge-target-missing", _del(edge(1), "t"), "edge 1: 't' (the target node id) is missing."),
    ("edge-duplicate-id", _set(edge(1), "id", 0), "Duplicate Id 0 found in aspect edges."),
    ("edge-undefined-node", _set(edge(1), "t", 99), "1 undefined ids found in aspect nodes: [99]"),
    (
        "node-bypass-undefined",
        lambda doc: (aspect(doc, "nodeBypasses")[0].update(id=42), doc)[1],
        "1 undefined ids found in aspect nodes: [42]",
    ),
    (
        "edge-bypass-undefined",
        lambda doc: (aspect(doc, "edgeBypasses")[0].update(id=5), doc)[1],
        "1 undefined ids found in aspect edges: [5]",
    ),
    (
        "bypass-without-id",
        lambda doc: (aspect(doc, "nodeBypasses")[0].pop("id"), doc)[1],
        "element without an integer 'id'",
    ),
    (
        "full-name-instead-of-alias",
        lambda doc: (node_v(0)(doc).update(words=node_v(0)(doc).pop("w")), doc)[1],
        "node 0: attribute 'words' has an alias; elements must use the alias.",
    ),
    (
        "edge-attribute-type",
        _set(lambda doc: edge(0)(doc)["v"], "count", "3"),
        "edge 0: attribute 'count': Value '3' is not a long.",
    ),
    # visualProperties (CX2ToCXConverter)
    (
        "mapping-type-missing",
        _del(node_mapping("NODE_LABEL"), "type"),
        "Mapping type is missing for visual property NODE_LABEL",
    ),
    (
        "mapping-type-unknown",
        _set(node_mapping("NODE_LABEL"), "type", "LINEAR"),
        "is not PASSTHROUGH, DISCRETE or CONTINUOUS",
    ),
    (
        "mapping-undeclared-without-type",
        _del(lambda doc: node_mapping("NODE_BORDER_COLOR")(doc)["definition"], "type"),
        "Mapping error: NODE_BORDER_COLOR lacks data type on attribute 'absent'.",
    ),
    (
        "mapping-on-alias",
        _set(lambda doc: node_mapping("NODE_LABEL")(doc)["definition"], "attribute", "w"),
        "Mapping error: NODE_LABEL uses alias 'w'; use the full attribute name 'words'.",
    ),
    (
        "continuous-range-without-vp",
        lambda doc: (node_mapping("NODE_WIDTH")(doc)["definition"]["map"][2].pop("minVPValue"), doc)[1],
        "CONTINUOUS mapping of NODE_WIDTH: range 2 has neither minVPValue nor maxVPValue.",
    ),
    (
        "discrete-entry-without-vp",
        lambda doc: (node_mapping("NODE_SHAPE")(doc)["definition"]["map"][0].pop("vp"), doc)[1],
        "DISCRETE mapping of NODE_SHAPE: entry 0 needs 'v' and 'vp'.",
    ),
    ("mapping-without-definition", _del(node_mapping("NODE_SHAPE"), "definition"), "NODE_SHAPE has no definition"),
    (
        "editor-properties-shape",
        lambda doc: _appended(doc, "visualEditorProperties", {"x": 1}),
        "visualEditorProperties: expected elements",
    ),
]


@pytest.mark.parametrize("mutate, expected", [m[1:] for m in MUTATIONS], ids=[m[0] for m in MUTATIONS])
def test_each_rule_on_the_example(mutate, expected):
    problems = validate_cx2(mutate(copy.deepcopy(DOC_EXAMPLE)))
    assert any(expected in p for p in problems), problems


@pytest.mark.parametrize("mutate, expected", [m[1:] for m in MUTATIONS_FULL], ids=[m[0] for m in MUTATIONS_FULL])
def test_each_rule_on_the_full_document(mutate, expected):
    problems = validate_cx2(mutate(copy.deepcopy(DOC_FULL)))
    assert any(expected in p for p in problems), problems


OURS = {  # rules validate_cx2 adds to NDEx's (strict=True, the default); NDEx accepts these networks
    "empty-list": MUTATIONS,
    "integer-not-whole": MUTATIONS,
    "name-too-long": MUTATIONS,
    "version-too-long": MUTATIONS,
    "full-name-instead-of-alias": MUTATIONS_FULL,
}


@pytest.mark.parametrize("rule", OURS)
def test_our_own_rules_are_left_out_when_not_strict(rule):
    [mutate] = [m[1] for m in OURS[rule] if m[0] == rule]
    doc = mutate(copy.deepcopy(DOC_FULL if OURS[rule] is MUTATIONS_FULL else DOC_EXAMPLE))
    assert validate_cx2(doc) != [] and validate_cx2(doc, strict=False) == []


def test_not_strict_still_applies_ndex_rules():
    doc = copy.deepcopy(DOC_FULL)
    net(doc).update(year="2020", labels=[], score=True)
    node_v(0)(doc).update(words=["a"], w=[])
    assert validate_cx2(doc, strict=False) == [
        "networkAttributes: attribute 'year': Value '2020' is not a number.",
        "networkAttributes: attribute 'score': Value True is not a finite number.",
    ]


def test_problems_are_single_lines():
    doc = copy.deepcopy(DOC_EXAMPLE)
    net(doc)["name"] = 7
    doc.pop()
    problems = validate_cx2(doc)
    assert len(problems) == 2
    assert all("\n" not in p for p in problems)


def test_undefined_ids_are_listed_once_sorted():
    doc = copy.deepcopy(DOC_FULL)
    edge(0)(doc).update(s=50, t=40)
    edge(1)(doc).update(s=40)
    assert [p for p in validate_cx2(doc) if "undefined" in p] == ["2 undefined ids found in aspect nodes: [40 50]"]


def test_style_problems_without_declarations_requires_types():
    style = aspect(DOC_FULL, "visualProperties")[0]
    problems = style_problems(style)
    assert "Mapping error: NODE_LABEL lacks data type on attribute 'name'." in problems
    assert "Mapping error: EDGE_LABEL lacks data type on attribute 'interaction'." in problems
    assert style_problems(aspect(DOC_EXAMPLE, "visualProperties")[0]) == []


# --- CLI ----------------------------------------------------------------------------------


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pfocr_ndex", "validate", *args], capture_output=True, text=True, timeout=60
    )


def test_cli_exit_codes_and_messages(tmp_path):
    good = tmp_path / "good.cx2"
    good.write_text(json.dumps(DOC_FULL))
    bad_doc = copy.deepcopy(DOC_EXAMPLE)
    bad_doc.pop()
    bad = tmp_path / "bad.cx2"
    bad.write_text(json.dumps(bad_doc))
    garbage = tmp_path / "garbage.cx2"
    garbage.write_bytes(b"\x00not json")
    missing = tmp_path / "missing.cx2"

    ok = run_cli(str(good))
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout == ""
    assert "1 valid, 0 invalid" in ok.stderr

    result = run_cli(str(good), str(bad), str(garbage), str(missing))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert f"{bad}: CX document ends without a 'status' aspect defined." in lines
    assert any(line.startswith(f"{garbage}: Not valid JSON") for line in lines)
    assert f"{missing}: cannot read: No such file or directory" in lines
    assert len(lines) == 3
    assert "Traceback" not in result.stderr
    assert "1 valid, 3 invalid" in result.stderr


UNHASHABLE = [  # values that cannot be dict keys, where a name or a type is expected: reported, never a crash
    ("data-type-list", _set(lambda doc: decl(doc)["nodes"], "type", {"d": ["string"]}), "unknown data type ['string']"),
    ("data-type-object", _set(lambda doc: decl(doc)["networkAttributes"], "name", {"d": {}}), "unknown data type {}"),
    ("alias-list", _set(lambda doc: decl(doc)["nodes"], "type", {"d": "string", "a": ["t"]}), "is not a string"),
    ("node-id-list", _set(node(1), "id", []), "Node id [] is not an integer."),
    ("mapping-type-list", _set(node_mapping("NODE_LABEL"), "type", ["PASSTHROUGH"]), "is not PASSTHROUGH, DISCRETE"),
    (
        "definition-type-list",
        _set(lambda doc: node_mapping("NODE_LABEL")(doc)["definition"], "type", ["string"]),
        "NODE_LABEL has unknown data type ['string']",
    ),
]


@pytest.mark.parametrize("mutate, expected", [m[1:] for m in UNHASHABLE], ids=[m[0] for m in UNHASHABLE])
def test_values_that_cannot_be_keys_are_reported(tmp_path, mutate, expected):
    doc = mutate(copy.deepcopy(DOC_EXAMPLE))
    assert any(expected in p for p in validate_cx2(doc)), validate_cx2(doc)
    path = tmp_path / "odd.cx2"
    path.write_text(json.dumps(doc))
    result = run_cli(str(path))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert any(line.startswith(f"{path}: ") and expected in line for line in result.stdout.splitlines())


def test_a_style_file_with_a_list_as_a_type_is_one_line(tmp_path):
    style = copy.deepcopy(aspect(DOC_EXAMPLE, "visualProperties")[0])
    style["nodeMapping"]["NODE_LABEL"]["type"] = ["PASSTHROUGH"]
    path = tmp_path / "style.json"
    path.write_text(json.dumps(style))
    result = subprocess.run(
        [sys.executable, "-m", "pfocr_ndex", "convert", str(path), "-o", str(tmp_path / "out"), "--style", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and result.stderr == (
        f"pfocr-ndex: convert: --style {path}: Mapping type ['PASSTHROUGH'] of visual property NODE_LABEL "
        "is not PASSTHROUGH, DISCRETE or CONTINUOUS.\n"
    )


def test_cli_usage_error():
    assert run_cli().returncode == 2


def _figure_network() -> list:
    """A real converted figure (about 60 laid-out nodes with optional attributes), as parsed JSON."""
    from conftest import SAMPLE_DB

    from pfocr_ndex.network import build_network
    from pfocr_ndex.records import read_record

    network = build_network(read_record(SAMPLE_DB / "_figures" / "PMC12170841__IJN-20-7415-g0001.md"))
    return json.loads(network.to_json())


def _figure_node(doc: list, index: int) -> dict:
    return next(f["nodes"] for f in doc if "nodes" in f)[index]


# Whole-aspect checks must not let one odd node among many through (each node is at index 40).
ONE_BAD_NODE_AMONG_MANY = [
    ("nan-x", lambda n: n.update(x=float("nan")), "Coordinate x of node 40 is not a number: nan."),
    ("infinite-y", lambda n: n.update(y=float("-inf")), "Coordinate y of node 40 is not a number: -inf."),
    ("bool-x", lambda n: n.update(x=True), "Coordinate x of node 40 is not a number: True."),
    ("z-only-here", lambda n: n.update(z="1"), "Coordinate z of node 40 is not a number: '1'."),
    ("no-coordinates", lambda n: (n.pop("x"), n.pop("y")), "Coordinates missing in node 40"),
    (
        "null-attribute",
        lambda n: n["v"].update(represents=None),
        "node 40: attribute 'represents': Value None is not a string.",
    ),
    (
        "empty-words",
        lambda n: n["v"].update(words=[]),
        "node 40: attribute 'words': Empty list declared as list_of_string",
    ),
    (
        "int-in-words",
        lambda n: n["v"]["words"].append(7),
        "node 40: attribute 'words': Incorrect data type found in list: Value 7 is not a string.",
    ),
    (
        "tuple-words",
        lambda n: n["v"].update(words=tuple(n["v"]["words"])),
        "is not consistent with the declared type list_of_string.",
    ),
    ("int-name", lambda n: n["v"].update(name=3), "node 40: attribute 'name': Value 3 is not a string."),
    ("undeclared", lambda n: n["v"].update(score=1.0), "node 40: Attribute score is not declared"),
    ("duplicate-id", lambda n: n.update(id=0), "Duplicate Id 0 found in aspect nodes."),
    ("v-not-object", lambda n: n.update(v=["TP53"]), "node 40: 'v' must be an object."),
]


@pytest.mark.parametrize(
    "mutate, expected", [m[1:] for m in ONE_BAD_NODE_AMONG_MANY], ids=[m[0] for m in ONE_BAD_NODE_AMONG_MANY]
)
def test_one_bad_node_among_many_is_reported(mutate, expected):
    doc = _figure_network()
    assert validate_cx2(doc) == []
    mutate(_figure_node(doc, 40))
    problems = validate_cx2(doc)
    assert len(problems) == 1 and expected in problems[0], problems


def test_unusual_but_valid_nodes_pass():
    doc = _figure_network()
    _figure_node(doc, 3).update(x=10**400)  # too big for a float, still an integer
    _figure_node(doc, 4).update(v=None)  # no attributes
    _figure_node(doc, 5).update(z=2.5)  # a z coordinate
    for node in next(f["nodes"] for f in doc if "nodes" in f)[6:]:
        node["v"].pop("represents", None)  # an optional attribute on few nodes only
    assert validate_cx2(doc) == []


def test_a_null_attribute_is_reported_where_other_nodes_lack_it():
    doc = _figure_network()
    for node in next(f["nodes"] for f in doc if "nodes" in f)[:20]:
        node["v"].pop("represents")
    _figure_node(doc, 40)["v"]["represents"] = None
    assert validate_cx2(doc) == ["node 40: attribute 'represents': Value None is not a string."]
