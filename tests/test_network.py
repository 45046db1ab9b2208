"""build_network: CX2 networks of figure records validate, carry the documented attributes, load in ndex2."""

from __future__ import annotations

import html
import json
import math
import uuid
from itertools import combinations
from pathlib import Path

import networkx as nx
import orjson
import pytest
from conftest import SAMPLE_DB
from ndex2.cx2 import RawCX2NetworkFactory

from pfocr_ndex.errors import PfocrError
from pfocr_ndex.layout import iter_record_paths
from pfocr_ndex.network import _node_metrics, build_network, load_network_attributes
from pfocr_ndex.records import Entity, FigureRecord, read_record
from pfocr_ndex.style import VisualStyle, load_style
from pfocr_ndex.validate import validate_cx2

FIGURES = SAMPLE_DB / "_figures"


def make_record(
    fields: dict | None = None, entities: tuple[Entity, ...] | None = None, figid: str = "PMC1234567__fig1"
) -> FigureRecord:
    """A hand-built record with the fields a current-format record has."""
    base = {
        "figid": figid,
        "figtitle": "Title of the figure",
        "organisms": ["Mus musculus"],
        "organisms_ner": ["Homo sapiens"],
        "pmcid": "PMC1234567",
        "filename": "fig1.jpg",
        "figlink": "/pmc/articles/PMC1234567/figure/F1/",
        "number": "F1",
        "caption": "A caption.",
        "papertitle": "A paper",
        "reftext": "Ann Author, et al. J Test. 2020;1:2.",
        "year": "2020",
        "figtype": "Figure",
    }
    if entities is None:
        entities = (
            Entity("TP53", "gene", "ncbigene:7157", ("p53",), ("ncbigene_synonym",), "Homo sapiens", taxon="9606"),
            Entity("MDM2", "gene", "ncbigene:4193", ("MDM2",), ("ncbigene_symbol",), "Homo sapiens", taxon="9606"),
            Entity("MIR21", "miRNA", "ncbigene:406991", ("miR-21",), ("ncbigene_synonym",), "Homo sapiens"),
            Entity("glucose", "chemical", "chebi:17234", ("Glucose",), (), None, ("mesh:D005947",)),
            Entity("Cancer", "disease", "doid:162", ("cancer",)),
            Entity("Wnt", "gene family", None, ("Wnt",), ("famplex_relations",), "Homo sapiens"),
        )
    return FigureRecord(figid, Path(f"{figid}.md"), {**base, **(fields or {})}, entities, "tables")


def aspects(cx2: list) -> dict:
    return {name: elements for fragment in cx2 for name, elements in fragment.items()}


def attributes(network) -> dict:
    return aspects(network.cx2)["networkAttributes"][0]


def nodes_by_name(network) -> dict:
    return {n["v"]["name"]: n for n in aspects(network.cx2)["nodes"]}


def walk(value):
    """Every value nested in a JSON-like structure."""
    yield value
    if isinstance(value, dict):
        for item in value.values():
            yield from walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item)


def annotation_pairs(annotation: str) -> dict:
    """Parse a Cytoscape annotation string the way Cytoscape does (split on '|', then '=')."""
    pairs = [pair.split("=") for pair in annotation.split("|")]
    assert all(len(pair) == 2 for pair in pairs), annotation  # a pair that does not split in 2 is dropped
    return dict(pairs)


# --- hand-built records -------------------------------------------------------------------


def test_hand_built_network_is_valid_and_ordered():
    network = build_network(make_record())
    assert validate_cx2(network.cx2) == []
    names = [next(iter(f)) for f in network.cx2]
    assert names == [
        "CXVersion",
        "metaData",
        "attributeDeclarations",
        "networkAttributes",
        "nodes",
        "visualProperties",
        "visualEditorProperties",
        "status",
    ]
    assert network.node_count == 6 and network.edge_count == 0
    counts = {m["name"]: m["elementCount"] for m in aspects(network.cx2)["metaData"]}
    assert counts["nodes"] == 6


def test_network_attributes_of_a_hand_built_record():
    attrs = attributes(build_network(make_record({"doi": "10.1000/xyz(1)"})))
    assert attrs["name"] == "Title of the figure"
    assert attrs["pmcId"] == "PMC1234567"
    assert attrs["figid"] == "PMC1234567__fig1"
    assert attrs["pfocrId"] == "PMC1234567__fig1.jpg"
    assert attrs["figureLink"] == "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC1234567/figure/F1/"
    assert attrs["paperLink"] == "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC1234567"
    assert attrs["__NetworkImage"] == "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC1234567/bin/fig1.jpg"
    assert attrs["organism"] == "Mus musculus"  # the paper's organisms before the NER ones
    assert attrs["networkType"] == "pathway"
    assert attrs["rights"] == "Waiver-No rights reserved (CC0)"
    assert attrs["labels"][:2] == ["PMC1234567__fig1", "PMC1234567"] and "PFOCR" in attrs["labels"]
    assert attrs["nodeSource"] == "tables"
    assert attrs["publicationYear"] == 2020
    assert attrs["reference"] == (
        "Ann Author, et al. J Test. 2020;1:2. <b>A paper</b> "
        '<a href="https://doi.org/10.1000/xyz(1)" target="_blank">https://doi.org/10.1000/xyz(1)</a>'
    )
    assert attrs["disease"] == '<a href="https://bioregistry.io/doid:162" target="_blank">Cancer</a>'
    assert attrs["prov:wasDerivedFrom"] == (
        '<a href="https://pfocr.wikipathways.org/figures/PMC1234567__fig1.html" '
        'target="_blank">https://pfocr.wikipathways.org/figures/PMC1234567__fig1.html</a>'
    )
    context = json.loads(attrs["@context"])
    assert {"ncbigene", "chebi", "mesh", "doid"} <= set(context)
    assert len(attrs["version"]) <= 100


def test_reference_without_doi_links_the_pmc_paper_and_organism_falls_back_to_ner():
    record = make_record()
    del record.fields["organisms"]
    attrs = attributes(build_network(record))
    assert attrs["reference"].endswith(
        '<a href="https://www.ncbi.nlm.nih.gov/pmc/articles/PMC1234567" target="_blank">'
        "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC1234567</a>"
    )
    assert attrs["organism"] == "Homo sapiens"
    assert "doi" not in attrs


def test_record_text_is_html_escaped():
    caption = 'p<0.05 & fold >2; "quoted" <script>alert(1)</script>'
    record = make_record(
        {"caption": caption, "papertitle": "A & B <i>", "reftext": "X & Y <b>"},
        entities=(Entity("Bad <disease>", "disease", "mesh:D0&1"),),
    )
    attrs = attributes(build_network(record))
    image = "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC1234567/bin/fig1.jpg"
    assert attrs["description"] == (f'<p>{html.escape(caption)}</p>\n<p><img src="{image}" style="width: 100%;"></p>')
    assert "<script>" not in attrs["description"] and "&lt;script&gt;" in attrs["description"]
    assert "&quot;quoted&quot;" in attrs["description"]
    assert attrs["reference"].startswith("X &amp; Y &lt;b&gt; <b>A &amp; B &lt;i&gt;</b> ")
    assert attrs["disease"] == '<a href="https://bioregistry.io/mesh:D0&amp;1" target="_blank">Bad &lt;disease&gt;</a>'


def test_name_is_capped_at_500_characters():
    title = "word " * 150
    attrs = attributes(build_network(make_record({"figtitle": title})))
    assert len(attrs["name"]) == 500
    assert title.strip().startswith(attrs["name"][:-1])
    assert attrs["figureTitle"] == title.strip()


def test_publication_year_integer_or_omitted():
    network = build_network(make_record({"year": "2019"}))
    assert attributes(network)["publicationYear"] == 2019
    declared = aspects(network.cx2)["attributeDeclarations"][0]["networkAttributes"]
    assert declared["publicationYear"] == {"d": "integer"}
    record = make_record()
    del record.fields["year"]  # records drop year: '' when reading
    network = build_network(record)
    assert "publicationYear" not in attributes(network)
    assert "publicationYear" not in aspects(network.cx2)["attributeDeclarations"][0]["networkAttributes"]


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        (0.87, 0.87),
        (1, 1.0),
        pytest.param(10**400, None, id="400 digits"),
        (math.inf, None),
        (math.nan, None),
        (True, None),
        ("0.9", None),
    ],
)
def test_pathway_score_is_a_finite_number_or_omitted(score, expected):
    network = build_network(make_record({"automl_pathway": score}))
    assert attributes(network).get("pathwayScore") == expected and validate_cx2(network.cx2) == []


@pytest.mark.parametrize(
    ("organisms", "expected"),
    [("Mus musculus", "Mus musculus"), ([" Mus musculus", "Mus musculus", None], "Mus musculus"), (9606, "9606")],
)
def test_organism_is_one_name_or_a_list_of_names(organisms, expected):
    assert attributes(build_network(make_record({"organisms": organisms})))["organism"] == expected


def test_no_empty_lists_no_nan_and_every_attribute_declared():
    record = make_record({"keywords": ""}, entities=(Entity("X", "keyword"),))
    network = build_network(record)
    for value in walk(network.cx2):
        assert value != [], "empty list in the document"
        assert not (isinstance(value, float) and math.isnan(value))
    node = aspects(network.cx2)["nodes"][0]
    assert node["v"] == {"name": "X", "type": "keyword"}
    assert set(aspects(network.cx2)["attributeDeclarations"][0]["nodes"]) == {"name", "type"}
    assert "keywords" not in attributes(network) and "disease" not in attributes(network)


def test_node_attributes():
    nodes = nodes_by_name(build_network(make_record()))
    assert nodes["TP53"]["v"] == {
        "name": "TP53",
        "represents": "ncbigene:7157",
        "type": "gene",
        "organism": "Homo sapiens",
        "taxon": "9606",
        "words": ["p53"],
        "sources": ["ncbigene_synonym"],
    }
    assert nodes["glucose"]["v"]["xrefs"] == ["mesh:D005947"]
    assert "represents" not in nodes["Wnt"]["v"]


def test_layout_groups_types_without_overlap():
    genes = tuple(Entity(f"GENE{i}", "gene", f"ncbigene:{i}") for i in range(40))
    chemicals = (Entity("a very long chemical name indeed", "chemical"), Entity("urea", "chemical"))
    network = build_network(make_record(entities=chemicals + genes))  # record order: chemicals first
    style = aspects(network.cx2)["visualProperties"][0]
    width = style["default"]["node"]["NODE_WIDTH"]
    height = style["default"]["node"]["NODE_HEIGHT"]
    nodes = aspects(network.cx2)["nodes"]
    assert [n["v"]["type"] for n in nodes] == ["gene"] * 40 + ["chemical"] * 2  # grouped, genes first
    assert [n["id"] for n in nodes] == list(range(42))
    for a, b in combinations(nodes, 2):
        assert abs(a["x"] - b["x"]) >= width or abs(a["y"] - b["y"]) >= height, (a, b)
    assert max(n["y"] for n in nodes if n["v"]["type"] == "gene") < min(
        n["y"] for n in nodes if n["v"]["type"] == "chemical"
    )
    xs = [n["x"] for n in nodes]
    ys = [n["y"] for n in nodes]
    assert (max(xs) - min(xs)) > (max(ys) - min(ys))  # a landscape grid, like most figures


def test_background_image_annotation():
    network = build_network(make_record())
    (annotation,) = attributes(network)["__Annotations"]
    pairs = annotation_pairs(annotation)
    assert pairs["type"] == "org.cytoscape.view.presentation.annotations.ImageAnnotation"
    assert pairs["canvas"] == "background"
    assert pairs["URL"] == "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC1234567/bin/fig1.jpg"
    assert pairs["uuid"] == str(
        uuid.uuid5(uuid.NAMESPACE_URL, "https://pfocr.wikipathways.org/figures/PMC1234567__fig1.html")
    )
    nodes = aspects(network.cx2)["nodes"]
    left, top, width = float(pairs["x"]), float(pairs["y"]), float(pairs["width"])
    node_width = aspects(network.cx2)["visualProperties"][0]["default"]["node"]["NODE_WIDTH"]
    assert left <= min(n["x"] for n in nodes) - node_width / 2
    assert left + width >= max(n["x"] for n in nodes) + node_width / 2
    assert top <= min(n["y"] for n in nodes)
    assert 0 < float(pairs["opacity"]) <= 1


def test_urls_never_carry_annotation_separators():
    record = make_record({"filename": "a=b|c.jpg"}, figid="PMC1234567__a=b|c")
    (annotation,) = attributes(build_network(record))["__Annotations"]
    assert (
        annotation_pairs(annotation)["URL"] == "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC1234567/bin/a%3Db%7Cc.jpg"
    )


def test_without_pmcid_there_is_no_image():
    record = make_record()
    del record.fields["pmcid"]
    network = build_network(record)
    attrs = attributes(network)
    assert "__NetworkImage" not in attrs and "__Annotations" not in attrs and "paperLink" not in attrs
    assert validate_cx2(network.cx2) == []


def test_figure_without_entities_is_still_valid():
    network = build_network(make_record(entities=()))
    assert network.node_count == 0
    assert aspects(network.cx2)["nodes"] == []
    assert validate_cx2(network.cx2) == []


def test_to_json_is_deterministic_and_independent_of_field_order():
    record = make_record()
    shuffled = FigureRecord(
        record.figid, record.path, dict(reversed(list(record.fields.items()))), record.entities, record.entity_source
    )
    first = build_network(record).to_json()
    assert first == build_network(record).to_json() == build_network(shuffled).to_json()
    assert orjson.loads(first) == build_network(record).cx2
    assert b"\n" not in first and b", " not in first[:200]  # compact


def test_to_networkx():
    network = build_network(make_record())
    graph = network.to_networkx()
    assert isinstance(graph, nx.Graph)
    assert graph.number_of_nodes() == 6 and graph.number_of_edges() == 0
    assert graph.graph["pmcId"] == "PMC1234567"
    assert graph.graph["publicationYear"] == 2020
    node = next(n for n, data in graph.nodes(data=True) if data["name"] == "TP53")
    cx_node = nodes_by_name(network)["TP53"]
    assert node == cx_node["id"]
    assert graph.nodes[node]["represents"] == "ncbigene:7157"
    assert (graph.nodes[node]["x"], graph.nodes[node]["y"]) == (cx_node["x"], cx_node["y"])
    assert graph.nodes[node]["words"] == ["p53"]


def test_ndex2_loads_the_network():
    network = build_network(make_record())
    loaded = RawCX2NetworkFactory().get_cx2network(orjson.loads(network.to_json()))
    assert len(loaded.get_nodes()) == network.node_count
    assert loaded.get_network_attributes() == attributes(network)
    exported = loaded.to_cx2()
    assert len(aspects(exported)["nodes"]) == network.node_count
    assert aspects(exported)["visualProperties"][0]["nodeMapping"] == load_style()["nodeMapping"]


# --- templates ----------------------------------------------------------------------------


def test_default_style_template():
    style = load_style()
    mappings = style["nodeMapping"]
    assert mappings["NODE_LABEL"] == {"type": "PASSTHROUGH", "definition": {"attribute": "name", "type": "string"}}
    assert style["default"]["node"]["NODE_SHAPE"] == "round-rectangle"
    for prop, mapping in mappings.items():
        assert "type" in mapping["definition"], prop
    colours = {e["v"]: e["vp"] for e in mappings["NODE_BACKGROUND_COLOR"]["definition"]["map"]}
    borders = {e["v"]: e["vp"] for e in mappings["NODE_BORDER_COLOR"]["definition"]["map"]}
    looks = {t: (colours[t], borders[t]) for t in ("gene", "miRNA", "chemical", "disease")}
    assert len(set(looks.values())) == 4  # the entity types look different
    assert mappings["NODE_BACKGROUND_COLOR"]["type"] == "DISCRETE"
    assert mappings["NODE_BACKGROUND_COLOR"]["definition"]["attribute"] == "type"


def test_custom_style_is_used(tmp_path):
    custom = load_style()
    custom["default"]["node"]["NODE_BACKGROUND_COLOR"] = "#123456"
    path = tmp_path / "style.json"
    path.write_text(json.dumps(custom))
    network = build_network(make_record(), style=load_style(path))
    assert aspects(network.cx2)["visualProperties"][0]["default"]["node"]["NODE_BACKGROUND_COLOR"] == "#123456"
    # a whole CX2 document (e.g. one exported from Cytoscape) works as a style file too
    document = tmp_path / "network.cx2"
    document.write_bytes(network.to_json())
    assert load_style(document)["default"]["node"]["NODE_BACKGROUND_COLOR"] == "#123456"


@pytest.mark.parametrize(
    "content, message",
    [
        (b"{not json", "not valid JSON"),
        (b'{"nodes": []}', "not a CX2 visualProperties style"),
        (
            b'{"default": {}, "nodeMapping": {"NODE_LABEL": '
            b'{"type": "PASSTHROUGH", "definition": {"attribute": "name"}}}}',
            "Mapping error: NODE_LABEL lacks data type on attribute 'name'.",
        ),
        (b'[{"CXVersion": "2.0"}]', "no visualProperties aspect"),
        (b'{"default": null}', "'default' must be an object, not None"),
        (b'{"default": [], "nodeMapping": {}}', "'default' must be an object, not []"),
    ],
)
def test_bad_style_file_is_one_clear_error(tmp_path, content, message):
    path = tmp_path / "style.json"
    path.write_bytes(content)
    with pytest.raises(PfocrError) as err:
        load_style(path)
    assert message in str(err.value)
    assert str(err.value).startswith(f"{path}: ")


def test_null_mappings_are_no_mappings(tmp_path):
    path = tmp_path / "style.json"
    path.write_text(json.dumps({"default": {"node": {"NODE_WIDTH": 50}}, "nodeMapping": None, "edgeMapping": None}))
    style = load_style(path)
    assert (style["nodeMapping"], style["edgeMapping"]) == ({}, {})
    network = build_network(make_record(), style=style)
    assert validate_cx2(network.cx2) == []


def test_the_layout_reads_the_parsed_style_and_skips_what_is_malformed():
    style = load_style()
    odd = {  # what VisualStyle.parse leaves out (validate_cx2 reports it; the layout must not fail on it)
        "default": {"node": ["junk"]},
        "nodeMapping": {
            "NODE_WIDTH": "junk",
            "NODE_HEIGHT": {"type": "DISCRETE", "definition": {"attribute": "type", "map": "junk"}},
            "NODE_SIZE": {"type": "DISCRETE", "definition": {"attribute": "type", "map": [7, {"v": "gene"}]}},
        },
    }
    plain = nodes_by_name(build_network(make_record(), style={"default": {}}))
    assert nodes_by_name(build_network(make_record(), style=odd)) == plain
    wide = {
        "type": "DISCRETE",
        "definition": {"attribute": "type", "type": "string", "map": [{"v": "gene", "vp": 400}]},
    }
    metrics = _node_metrics(VisualStyle.parse({**style, "nodeMapping": {"NODE_WIDTH": wide}}))
    assert metrics.widths == {"gene": 400.0} and metrics.height == 28.0


def test_missing_style_file(tmp_path):
    with pytest.raises(PfocrError, match="cannot read"):
        load_style(tmp_path / "absent.json")


def test_network_attribute_template(tmp_path):
    defaults = load_network_attributes()
    assert defaults["rights"] == "Waiver-No rights reserved (CC0)"
    assert isinstance(defaults["@context"], str) and json.loads(defaults["@context"])
    path = tmp_path / "attrs.json"
    path.write_text(
        json.dumps(
            {
                **json.loads((Path(__file__).parent.parent / "templates" / "pfocr-network.json").read_text()),
                "version": "2026-01",
                "labels": ["PFOCR", "test"],
                "name": "not the figure's",
                "author": "A curator",
            }
        )
    )
    attrs = attributes(build_network(make_record(), network_attributes=load_network_attributes(path)))
    assert attrs["version"] == "2026-01"
    assert attrs["author"] == "A curator"
    assert attrs["name"] == "Title of the figure"  # the figure's own values win
    assert attrs["labels"] == ["PMC1234567__fig1", "PMC1234567", "PFOCR", "test"]


@pytest.mark.parametrize(
    "content, message",
    [
        ({"version": "v" * 101}, "at most 100"),
        ({"labels": []}, "non-empty list"),
        ({"nested": {"a": 1}}, "attribute 'nested'"),
    ],
)
def test_bad_network_attribute_template(tmp_path, content, message):
    path = tmp_path / "attrs.json"
    path.write_text(json.dumps(content))
    with pytest.raises(PfocrError, match=message):
        load_network_attributes(path)


# --- the real sample records --------------------------------------------------------------

SAMPLE_PATHS = sorted(iter_record_paths([SAMPLE_DB]))


def test_sample_has_records():
    assert len(SAMPLE_PATHS) == 99


@pytest.mark.parametrize("path", SAMPLE_PATHS, ids=[p.stem for p in SAMPLE_PATHS])
def test_every_sample_record_gives_a_valid_network(path):
    record = read_record(path)
    network = build_network(record)
    assert validate_cx2(network.to_json()) == []
    assert network.node_count == len(record.entities)
    attrs = attributes(network)
    assert attrs["figid"] == record.figid == path.stem
    assert attrs["pfocrId"] == f"{path.stem}.jpg"
    assert len(attrs["name"]) <= 500
    for value in walk(network.cx2):
        assert value != []


def real(figid: str):
    return build_network(read_record(FIGURES / f"{figid}.md"))


def test_real_figure_attributes():
    # Expected values read by eye from tests/data/pfocr/_figures/PMC12170841__IJN-20-7415-g0001.md
    network = real("PMC12170841__IJN-20-7415-g0001")
    attrs = attributes(network)
    assert attrs["name"] == (
        "Action of sEVs in promoting SC regeneration after SCI: (1) The sEVs alleviate "
        "symptoms by modulating the neuroinflammatory response to SCI"
    )
    assert attrs["pmcId"] == "PMC12170841"
    assert attrs["paperLink"] == "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC12170841"
    assert attrs["figureLink"] == "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC12170841/figure/F1/"
    image = "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC12170841/bin/IJN-20-7415-g0001.jpg"
    assert attrs["__NetworkImage"] == image
    assert annotation_pairs(attrs["__Annotations"][0])["URL"] == image
    assert attrs["figureNumber"] == "F1"
    assert attrs["publicationYear"] == 2025
    assert attrs["doi"] == "10.2147/IJN.S522028"
    assert attrs["journal"] == "International Journal of Nanomedicine"
    assert attrs["organism"] == "Homo sapiens"  # organisms: NA, organisms_ner: Homo sapiens
    assert attrs["reference"] == (
        "Anam Anjum, et al. Int J Nanomedicine. 2025;20(NA). <b>Advanced Therapeutic Approaches Based on Small "
        "Extracellular Vehicles (sEVs) For the Regeneration of Spinal Cord Injuries</b> "
        '<a href="https://doi.org/10.2147/IJN.S522028" target="_blank">https://doi.org/10.2147/IJN.S522028</a>'
    )
    assert attrs["description"].startswith("<p>Mechanism of action of sEVs in promoting SC regeneration after SCI: (1)")
    assert attrs["keywords"] == [
        "neuroinflammation",
        "mesenchymal stem cells",
        "MSC",
        "angiogenesis",
        "glial scar formation",
        "nerve regeneration",
    ]
    nodes = nodes_by_name(network)
    # genes table row: 9606 Homo sapiens Primates IL4, IL4 IL4 3565 ncbigene_symbol
    assert nodes["IL4"]["v"]["represents"] == "ncbigene:3565"
    assert nodes["IL4"]["v"]["words"] == ["IL4,"]
    assert nodes["IL4"]["v"]["organism"] == "Homo sapiens"
    # chemicals table row: Amino Acid NA Amino acid alpha-amino acid chebi:33704
    assert nodes["alpha-amino acid"]["v"]["type"] == "chemical"
    assert nodes["alpha-amino acid"]["v"]["represents"] == "chebi:33704"


def test_real_figure_without_doi_with_wpid():
    attrs = attributes(real("PMC6365454__fnins-13-00025-g0002"))
    assert attrs["wpid"] == "WP5283"
    assert attrs["wikipathwaysLink"] == "https://www.wikipathways.org/instance/WP5283"
    assert "doi" not in attrs
    assert attrs["reference"].endswith(
        '<a href="https://www.ncbi.nlm.nih.gov/pmc/articles/PMC6365454" '
        'target="_blank">https://www.ncbi.nlm.nih.gov/pmc/articles/PMC6365454</a>'
    )
    assert attrs["organism"] == "Drosophila melanogaster, Homo sapiens"  # organisms: NA; two NER organisms


def test_real_figure_with_empty_year():
    attrs = attributes(real("PMC1995599__nihms25729f2"))  # year: ''
    assert "publicationYear" not in attrs
    assert attrs["name"] == "MOLECULAR AND CELLULAR MECHANISMS OF THE ANABOLIC EFFECT OF INTERMITTENT PTH"


def test_real_caption_with_angle_brackets_is_escaped():
    description = attributes(real("PMC2537575__1471-2105-9-S9-S4-5"))["description"]
    assert "Dark red &gt; 3-fold increase in gene expression; light red &lt; 3-fold increase" in description


def test_real_disease_from_the_diseases_table():
    # diseases table row: OBS proteins mesh:D011488 NA NA NA
    attrs = attributes(real("PMC10003241__ijms-24-04893-g003"))
    assert 'href="https://bioregistry.io/mesh:D011488"' in attrs["disease"]


def test_legacy_record():
    network = real("PMC17299__pq2202117006")
    attrs = attributes(network)
    assert attrs["organism"] == "Homo sapiens"
    assert attrs["nodeSource"] == "record lists"
    assert validate_cx2(network.cx2) == []


def test_real_network_round_trips_through_ndex2():
    network = real("PMC12170841__IJN-20-7415-g0001")
    loaded = RawCX2NetworkFactory().get_cx2network(orjson.loads(network.to_json()))
    assert len(loaded.get_nodes()) == network.node_count
    assert len(loaded.get_network_attributes()) == len(attributes(network))
    assert loaded.get_network_attributes()["__Annotations"] == attributes(network)["__Annotations"]
    assert validate_cx2(loaded.to_cx2()) == []
