"""The style package: the parsed form, the Desktop translation against Cytoscape's lexicon and value parsers,
the lexicon's provenance, and the one CX2 aspect accessor."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cytoscape_values import JavaException, font, java_double, object_position, paint, parse_value, parses_exactly

from pfocr_ndex.cx2 import aspect_elements, declarations, first_element, network_attributes
from pfocr_ndex.style import Mapping, VisualStyle, load_style
from pfocr_ndex.style.desktop import DESKTOP_NAMES, desktop_style, desktop_value
from pfocr_ndex.style.lexicon import lexicon, lookup

ROOT = Path(__file__).resolve().parent.parent
MIRRORS = Path("/work/.mirror")
TEMPLATE = load_style()
# A style using every translated property once, with CX2 values of each kind.
EVERY_PROPERTY = {
    "NETWORK_BACKGROUND_COLOR": "#fafafa",
    "NODE_BORDER_COLOR": "#123",
    "NODE_BORDER_STYLE": "double",
    "NODE_BORDER_OPACITY": 0.5,
    "NODE_BORDER_WIDTH": 2,
    "NODE_BACKGROUND_COLOR": "#FFFFCC",
    "NODE_BACKGROUND_OPACITY": 1.5,
    "NODE_HEIGHT": 28,
    "NODE_WIDTH": "80.0",
    "NODE_SIZE": 40.5,
    "NODE_SHAPE": "round-rectangle",
    "NODE_VISIBILITY": "none",
    "NODE_Z_LOCATION": -1,
    "NODE_LABEL": "a label",
    "NODE_LABEL_COLOR": "#000000",
    "NODE_LABEL_FONT_FACE": {"FONT_FAMILY": "serif", "FONT_STYLE": "italic", "FONT_WEIGHT": "bold"},
    "NODE_LABEL_FONT_SIZE": 11.6,
    "NODE_LABEL_POSITION": {
        "HORIZONTAL_ALIGN": "left",
        "VERTICAL_ALIGN": "top",
        "HORIZONTAL_ANCHOR": "right",
        "VERTICAL_ANCHOR": "bottom",
        "JUSTIFICATION": "right",
        "MARGIN_X": 2,
        "MARGIN_Y": -1.5,
    },
    "NODE_LABEL_OPACITY": 0,
    "NODE_LABEL_ROTATION": 45,
    "NODE_LABEL_MAX_WIDTH": 140,
    "NODE_LABEL_BACKGROUND_COLOR": "#FFFFFF",
    "NODE_LABEL_BACKGROUND_SHAPE": "round-rectangle",
    "NODE_LABEL_BACKGROUND_OPACITY": 0.25,
    "NODE_SELECTED_PAINT": "#FFFF00",
    "NODE_TOOLTIP": "tip",
    "EDGE_LABEL": "e",
    "EDGE_LABEL_COLOR": "#000000",
    "EDGE_LABEL_AUTOROTATE": False,
    "EDGE_LABEL_FONT_FACE": {"FONT_FAMILY": "monospace", "FONT_STYLE": "normal", "FONT_WEIGHT": "normal"},
    "EDGE_LABEL_FONT_SIZE": 10,
    "EDGE_LABEL_ROTATION": 0,
    "EDGE_LABEL_OPACITY": 1,
    "EDGE_LABEL_MAX_WIDTH": 200,
    "EDGE_LABEL_BACKGROUND_COLOR": "#FFFFFF",
    "EDGE_LABEL_BACKGROUND_SHAPE": "rectangle",
    "EDGE_LABEL_BACKGROUND_OPACITY": 1,
    "EDGE_LINE_STYLE": "dashed",
    "EDGE_SOURCE_ARROW_SHAPE": "tee",
    "EDGE_SOURCE_ARROW_SIZE": 6,
    "EDGE_TARGET_ARROW_SHAPE": "triangle-cross",
    "EDGE_TARGET_ARROW_SIZE": 6,
    "EDGE_STROKE_SELECTED_PAINT": "#FF0000",
    "EDGE_LINE_COLOR": "#848484",
    "EDGE_SOURCE_ARROW_COLOR": "#000000",
    "EDGE_TARGET_ARROW_COLOR": "#000000",
    "EDGE_SOURCE_ARROW_SELECTED_PAINT": "#FFFF00",
    "EDGE_TARGET_ARROW_SELECTED_PAINT": "#FFFF00",
    "EDGE_SELECTED_PAINT": "#FF0000",
    "EDGE_OPACITY": 0.8,
    "EDGE_WIDTH": 1.5,
    "EDGE_VISIBILITY": "element",
    "EDGE_CURVED": True,
    "EDGE_Z_ORDER": 1,
    "EDGE_STACKING": "haystack",
    "EDGE_STACKING_DENSITY": 0.5,
    "EDGE_TOOLTIP": "tip",
}


# --- the lexicon --------------------------------------------------------------------------------


def test_every_desktop_name_is_in_cytoscapes_lexicon():
    for portable, desktop in DESKTOP_NAMES.items():
        vp = lookup(desktop)
        assert vp is not None, f"{portable} → {desktop}: not a Cytoscape 3.10 visual property id or alias"
        assert vp.id == desktop


def test_every_emitted_value_parses_as_its_property_reads_it():
    assert set(EVERY_PROPERTY) == set(DESKTOP_NAMES)
    for portable, value in EVERY_PROPERTY.items():
        text = desktop_value(portable, value)
        vp = lookup(DESKTOP_NAMES[portable])
        assert text is not None and vp is not None, portable
        assert parses_exactly(vp.value_class, text), f"{portable} = {value!r} → {text!r} ({vp.value_class})"


def test_the_template_translates_whole_and_every_value_parses():
    desktop = desktop_style(VisualStyle.parse(TEMPLATE))

    assert desktop.left_out == []
    for default in desktop.defaults:
        vp = lookup(default["visualProperty"])
        assert vp is not None and parses_exactly(vp.value_class, default["value"]), default
    for mapping in desktop.mappings:
        vp = lookup(mapping["visualProperty"])
        assert vp is not None
        for pair in mapping.get("map", []):
            assert isinstance(pair["key"], str) and parses_exactly(vp.value_class, pair["value"]), pair
    translated = {d["visualProperty"] for d in desktop.defaults}
    assert (
        len(translated) == len(desktop.defaults) == sum(map(len, (TEMPLATE["default"][g] for g in TEMPLATE["default"])))
    )


def test_lexicon_names_its_sources():
    source = lexicon()["source"]
    assert source["cytoscape/cytoscape-api"]["ref"] == "release/3.10.3"
    assert source["cytoscape/cytoscape-impl"]["ref"] == "release/3.10.3"
    assert all(len(entry["commit"]) == 40 for entry in source.values())
    assert lookup("NODE_BORDER_STROKE") is not None and lookup("NODE_BORDER_LINE_TYPE") is None
    assert lookup("NODE_Z_ORDER") is None and lookup("EDGE_Z_ORDER") is not None


@pytest.mark.skipif(not (MIRRORS / "cytoscape+cytoscape-api").is_dir(), reason="no cytoscape source mirrors here")
def test_lexicon_regenerates_identically(tmp_path):
    output = tmp_path / "lexicon.json"
    script = ROOT / "scripts" / "gen_lexicon.py"
    subprocess.run([sys.executable, str(script), "--mirrors", str(MIRRORS), "--output", str(output)], check=True)
    assert output.read_bytes() == (ROOT / "pfocr_ndex" / "style" / "lexicon.json").read_bytes()


# --- the Desktop translation ------------------------------------------------------------------------


def test_portable_values_become_desktop_ones():
    assert desktop_value("NODE_BACKGROUND_OPACITY", 0.5) == "128"
    assert desktop_value("NODE_BACKGROUND_OPACITY", 7) == "255"  # clamped
    assert desktop_value("NODE_BORDER_COLOR", "#abc") == "#AABBCC"  # Color.decode reads #ABC as 0x000ABC
    assert desktop_value("NODE_BORDER_STYLE", "double") == "PARALLEL_LINES"
    assert desktop_value("EDGE_LINE_STYLE", "dotted") == "DOT"
    assert desktop_value("EDGE_TARGET_ARROW_SHAPE", "triangle") == "DELTA"
    assert desktop_value("EDGE_TARGET_ARROW_SHAPE", "open-circle") == "OPEN_CIRCLE"
    assert desktop_value("NODE_VISIBILITY", "none") == "false"
    assert desktop_value("NODE_LABEL_FONT_FACE", {"FONT_FAMILY": "sans-serif", "FONT_WEIGHT": "bold"}, 14) == (
        "SansSerif.bold,bold,14"
    )
    assert desktop_value("NODE_LABEL_FONT_FACE", {"FONT_FAMILY": "serif", "FONT_NAME": "Georgia"}) == "Georgia,plain,12"
    assert desktop_value("NODE_LABEL_POSITION", {"HORIZONTAL_ANCHOR": "right", "MARGIN_X": 2.5}) == "E,C,c,2.50,0.00"
    assert desktop_value("NODE_WIDTH", 80) == "80.0"
    assert desktop_value("NODE_LABEL_FONT_SIZE", 11.6) == "12"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("NODE_SHAPE", "star"),  # cytoscape.js has it, Cytoscape Desktop does not
        ("NODE_WIDTH", "wide"),
        ("NODE_WIDTH", True),
        pytest.param("NODE_WIDTH", 10**400, id="NODE_WIDTH-too-large-for-a-double"),
        ("NODE_BACKGROUND_COLOR", "red"),
        ("NODE_LABEL_POSITION", "middle"),
        ("NODE_LABEL_FONT_FACE", 12),
        ("NODE_CUSTOMGRAPHICS_1", "org.cytoscape.ding.customgraphics.NullCustomGraphics,0,[ Remove Graphics ],"),
        ("COMPOUND_NODE_SHAPE", "ROUND_RECTANGLE"),  # a ding id, but cyREST only looks up NODE*/EDGE*/NETWORK*
    ],
)
def test_values_that_would_not_parse_are_left_out(name, value):
    assert desktop_value(name, value) is None
    assert desktop_style(VisualStyle.parse({"default": {"node": {name: value}}})).left_out == [name]


@pytest.mark.parametrize("value", [[], ["dashed"], {}, {"a": []}, [[1]]], ids=repr)
def test_list_and_object_values_are_left_out_never_a_failure(tmp_path, value):
    """load_style takes any JSON value for a property; the Desktop translation leaves out what it cannot use."""
    style: dict[str, dict[str, Any]] = {"default": {"node": {}, "edge": {}}, "nodeMapping": {}, "edgeMapping": {}}
    for name in DESKTOP_NAMES:
        group = "edge" if name.startswith("EDGE") else "node"
        style["default"][group][name] = value
        style[f"{group}Mapping"][name] = {
            "type": "DISCRETE",
            "definition": {"attribute": "type", "type": "string", "map": [{"v": "gene", "vp": value}]},
        }
    path = tmp_path / "style.json"
    path.write_text(json.dumps(style))
    desktop = desktop_style(VisualStyle.parse(load_style(path)))
    # an object is read as a font face or a label position with every part missing; nothing else takes one
    objects = {"NODE_LABEL_FONT_FACE", "EDGE_LABEL_FONT_FACE", "NODE_LABEL_POSITION"}
    kept = set() if isinstance(value, list) else objects
    assert {d["visualProperty"] for d in desktop.defaults} == {m["visualProperty"] for m in desktop.mappings} == kept
    assert len(desktop.left_out) == 2 * (len(DESKTOP_NAMES) - len(kept))


def test_discrete_keys_are_strings_of_the_column_type():
    def mapping(data_type: str, keys: list) -> dict:
        return {
            "type": "DISCRETE",
            "definition": {"attribute": "a", "type": data_type, "map": [{"v": k, "vp": 50} for k in keys]},
        }

    style = VisualStyle.parse(
        {
            "nodeMapping": {"NODE_WIDTH": mapping("long", [1, 2.0]), "NODE_HEIGHT": mapping("double", [1, 2.5])},
            "edgeMapping": {"EDGE_WIDTH": mapping("boolean", [True]), "EDGE_Z_ORDER": mapping("integer", [1.5])},
        }
    )
    desktop = desktop_style(style)

    assert [(m["visualProperty"], m["mappingColumnType"], m["map"]) for m in desktop.mappings] == [
        ("NODE_WIDTH", "Long", [{"key": "1", "value": "50.0"}, {"key": "2", "value": "50.0"}]),
        ("NODE_HEIGHT", "Double", [{"key": "1.0", "value": "50.0"}, {"key": "2.5", "value": "50.0"}]),
        ("EDGE_WIDTH", "Boolean", [{"key": "true", "value": "50.0"}]),
    ]
    assert desktop.left_out == ["EDGE_Z_ORDER (discrete mapping)"]  # 1.5 is no integer key


def test_continuous_ranges_become_points_as_the_cx2_importer_reads_them():
    ranges = [
        {"max": 1, "includeMax": False, "maxVPValue": 10},
        {"min": 1, "includeMin": True, "max": 5, "includeMax": True, "minVPValue": 20, "maxVPValue": 30},
        {"min": 5, "includeMin": False, "minVPValue": 40},
    ]
    style = VisualStyle.parse(
        {
            "nodeMapping": {
                "NODE_WIDTH": {"type": "CONTINUOUS", "definition": {"attribute": "s", "type": "double", "map": ranges}}
            }
        }
    )
    [mapping] = desktop_style(style).mappings

    assert mapping["points"] == [
        {"value": 1.0, "lesser": "10.0", "equal": "20.0", "greater": "20.0"},
        {"value": 5.0, "lesser": "30.0", "equal": "30.0", "greater": "40.0"},
    ]
    bounded = VisualStyle.parse(
        {
            "nodeMapping": {
                "NODE_WIDTH": {
                    "type": "CONTINUOUS",
                    "definition": {
                        "attribute": "s",
                        "type": "double",
                        "map": [
                            {
                                "min": 0,
                                "includeMin": True,
                                "max": 1,
                                "includeMax": True,
                                "minVPValue": 1,
                                "maxVPValue": 2,
                            }
                        ],
                    },
                }
            }
        }
    )
    assert [p["value"] for p in desktop_style(bounded).mappings[0]["points"]] == [0.0, 1.0]


def test_parsed_style_keeps_what_is_usable():
    style = VisualStyle.parse(
        {
            "default": {"node": {"NODE_WIDTH": 40}, "edge": "junk"},
            "nodeMapping": {
                "NODE_LABEL": {"type": "PASSTHROUGH", "definition": {"attribute": "name", "type": "string"}},
                "NODE_SHAPE": {"type": "DISCRETE", "definition": {"attribute": "t", "map": [{"v": "a", "vp": "x"}, 3]}},
                "NODE_COLOR": {"definition": {"attribute": "t"}},
            },
        }
    )
    assert (style.node, style.edge, style.network) == ({"NODE_WIDTH": 40}, {}, {})
    assert style.node_mappings == (
        Mapping("NODE_LABEL", "PASSTHROUGH", "name", "string"),
        Mapping("NODE_SHAPE", "DISCRETE", "t", None, ({"v": "a", "vp": "x"},)),
    )


# --- parseSerializableString, as the Java reads it ----------------------------------------------------


def test_java_value_parsers_follow_the_java_code():
    assert java_double(" 1.5 ") == 1.5 and java_double("2d") == 2.0 and java_double("-Infinity") == float("-inf")
    for text in ("inf", "nan", "1_0", "", None):
        with pytest.raises(JavaException):
            java_double(text)
    assert paint("#ffffcc") == (255, 255, 204) and paint("#FFF") == (0, 15, 255) and paint("rgb(1, 2, 3)") == (1, 2, 3)
    assert paint("red") is None and paint(None) is None and paint("#GG0000") is None
    with pytest.raises(JavaException):
        paint("rgb(1, 2, 300)")
    assert font("SansSerif.bold,bold,12") == ("SansSerif", True, 12)
    assert font("SansSerif.plain,plain,12") == ("SansSerif.plain", False, 12)
    assert font("SansSerif,bold,12") == ("SansSerif", False, 12)  # bold is read from ".bold," only
    assert font("Arial-1-14") == ("Arial", True, 14) and font(None) == ("SansSerif", False, 12)
    assert object_position("NW,SE,l,2.00,-1.50") == ("NW", "SE", "l", 2.0, -1.5)
    assert object_position("middle") == ("C", "C", "c", 0.0, 0.0)
    assert parse_value("NodeShapeVisualProperty", "circle") == "ELLIPSE"
    assert parse_value("NodeShapeVisualProperty", "vee") == "VEE"  # ding adds it to the range
    assert parse_value("NodeShapeVisualProperty", "star") is None
    assert parse_value("LineTypeVisualProperty", "wavy") == "SOLID"  # silently
    assert parse_value("LineTypeVisualProperty", "zigzag") == "ZIGZAG"
    assert parse_value("IntegerVisualProperty", "12.9") == 12 and parse_value("BooleanVisualProperty", None) is False
    with pytest.raises(JavaException):
        parse_value("DoubleVisualProperty", None)  # what a JSON number as a discrete value becomes


# --- one CX2 aspect accessor ------------------------------------------------------------------------


def test_aspects_are_read_across_fragments():
    doc = [
        {"CXVersion": "2.0", "hasFragments": True},
        {"attributeDeclarations": [{"nodes": {"name": {"d": "string"}}}]},
        {"nodes": [{"id": 0}]},
        "junk",
        {"nodes": [{"id": 1}], "edges": "not a list"},
        {"attributeDeclarations": [{"nodes": {"type": {"d": "string", "a": "t"}}}]},
        {"networkAttributes": [["not an object"]]},
    ]
    assert [n["id"] for n in aspect_elements(doc, "nodes")] == [0, 1]
    assert aspect_elements(doc, "edges") == [] and aspect_elements("not a document", "nodes") == []
    assert declarations(doc, "nodes") == {"name": {"d": "string"}, "type": {"d": "string", "a": "t"}}
    assert network_attributes(doc) == {} and first_element(doc, "visualProperties") == {}


def test_the_translation_reads_every_fragment():
    """A style and nodes split over fragments draw as one (preview and Desktop read the same accessor)."""
    from pfocr_ndex.style.cytoscapejs import cytoscape_view

    doc = [
        {"CXVersion": "2.0", "hasFragments": True},
        {"nodes": [{"id": 0, "x": 0, "y": 0, "v": {}}]},
        {"nodes": [{"id": 1, "x": 5, "y": 5, "v": {}}]},
        {"visualProperties": [json.loads(json.dumps(TEMPLATE))]},
    ]
    view = cytoscape_view(doc)
    assert [e["data"]["id"] for e in view["elements"]] == ["0", "1"]
    assert view["style"][0]["style"]["background-color"] == "#FFFFCC"


def test_the_browser_view_leaves_out_what_it_cannot_draw():
    """Malformed declarations and elements (validate_cx2 reports them) are left out, never a crash."""
    from pfocr_ndex.style.cytoscapejs import cytoscape_view

    doc = [
        {"CXVersion": "2.0", "hasFragments": False},
        {"attributeDeclarations": [{"nodes": {"type": {"d": "string", "a": ["t"]}, "name": {"a": "n"}}}]},
        {"nodes": [{"id": 0, "v": {"type": "gene", "n": "A"}}, ["junk"], {"v": {}}, {"id": []}]},
        {"edges": [{"id": 0, "s": 0, "t": 0}, {"id": 1}, {"id": 2, "s": "0", "t": 0}, "junk"]},
    ]
    view = cytoscape_view(doc)
    assert [e["data"] for e in view["elements"]] == [
        {"type": "gene", "name": "A", "id": "0"},
        {"id": "e0", "source": "0", "target": "0"},
    ]


def test_both_translations_read_numbers_alike():
    from pfocr_ndex.style.cytoscapejs import stylesheet

    for value, desktop, browser in (
        ("80.0", "80.0", 80.0),
        (80, "80.0", 80),
        (10**400, None, None),
        (True, None, None),
    ):
        style = VisualStyle.parse({"default": {"node": {"NODE_WIDTH": value}}})
        assert desktop_value("NODE_WIDTH", value) == desktop
        assert stylesheet(style)[0]["style"].get("width") == browser
