"""Build a figure's CX2 network (nodes = entities, network attributes = metadata, style from templates/).

CONTRACT:

- ``build_network(record, style=None) -> FigureNetwork``
- ``FigureNetwork.cx2`` is the CX2 document (a JSON-able list of aspects, as NDEx accepts it);
  ``to_json()`` gives its bytes (deterministic: same record + style → same bytes);
  ``to_networkx()`` gives a networkx graph for Python users.

The document is written directly (not through ndex2's ``CX2Network``, which stringifies
untyped attributes and drops declarations) with every attribute declared and typed.
Nodes sit on a grid grouped by entity type; the figure image is a Cytoscape background
annotation behind the grid (``__Annotations``), and ``__NetworkImage`` for NDEx/IQuery.

Node attributes: ``name``, ``represents`` (CURIE), ``type`` (gene, gene family, miRNA, chemical,
disease, keyword), ``organism``, ``taxon``, ``words`` (OCR words), ``sources`` (match sources),
``xrefs``; each only when it has a value.

Network attributes (each only when the record has the value): ``name`` (title, ≤500 chars),
``description`` (``<p>caption</p>`` + the figure image, as the 2020 networks), ``reference``
(reftext, bold paper title, DOI or PMC link), ``organism`` (string: the paper's organisms, else
the matched ones), ``labels`` (figid, pmcid + template labels), ``figid``, ``pfocrId``
(``<figid>.jpg``, as the 2020 networks and ``ndex_map.tsv`` expect), ``pmcId``, ``figureLink``,
``figureNumber``, ``figureTitle``, ``figureType``, ``paperLink``, ``paperTitle``,
``publicationYear`` (integer), ``doi``, ``journal``, ``publisher``, ``keywords`` (list),
``pathwayScore``, ``disease`` (HTML links, as the 2020 networks), ``wpid``, ``wikipathwaysLink``,
``nodeSource`` (where the nodes came from: tables, record lists or schema-jsonld keywords),
``prov:wasDerivedFrom`` (figure page link), ``__NetworkImage``, ``__Annotations``; then the
constants of ``templates/pfocr-network.json`` (``version``, ``networkType``, ``rights``,
``methods``, ``prov:wasGeneratedBy``, ``__iconurl``, ``@context``, …).
"""

from __future__ import annotations

import html
import math
import uuid
from dataclasses import dataclass
from functools import lru_cache
from operator import attrgetter, itemgetter
from os import PathLike
from typing import Any, NamedTuple
from urllib.parse import quote

import orjson

from .cx2 import aspect_elements, first_element, network_attributes
from .errors import PfocrError
from .records import Entity, FigureRecord, names
from .style import VisualStyle, load_style, number, read_template
from .validate import MAX_NAME, MAX_VERSION

__all__ = [
    "FigureNetwork",
    "build_network",
    "figure_image_frame",
    "figure_image_url",
    "figure_page_url",
    "load_network_attributes",
]

NETWORK_TEMPLATE = "pfocr-network.json"
NCBI = "https://www.ncbi.nlm.nih.gov"
PFOCR_SITE = "https://pfocr.wikipathways.org"
IMAGE_ANNOTATION = "org.cytoscape.view.presentation.annotations.ImageAnnotation"
# Entity types in the order their groups are laid out (others follow, alphabetically).
TYPE_ORDER = ("gene", "gene family", "miRNA", "chemical", "disease", "keyword")
NODE_ATTRIBUTE_TYPES = {
    "name": "string",
    "represents": "string",
    "type": "string",
    "organism": "string",
    "taxon": "string",
    "words": "list_of_string",
    "sources": "list_of_string",
    "xrefs": "list_of_string",
}
EDITOR_PROPERTIES = {"nodeSizeLocked": False, "arrowColorMatchesEdge": False, "nodeCustomGraphicsSizeSync": True}
GRID_ASPECT = 3 / 2  # width : height of the node grid (most figures are landscape)
CELL_GAP_X, CELL_GAP_Y = 24.0, 18.0
IMAGE_MARGIN = 40.0  # the figure extends this far beyond the grid on the left/right
IMAGE_OPACITY = 0.6
CHAR_WIDTH = 0.62  # average glyph width / font size for a sans-serif label


@dataclass(slots=True)
class FigureNetwork:
    """The CX2 network of one figure."""

    figid: str
    cx2: list[dict]
    node_count: int
    edge_count: int = 0

    def add_network_attribute(self, name: str, value: str) -> None:
        """Add (or replace) a string network attribute, declared as ``string``."""
        first_element(self.cx2, "attributeDeclarations").setdefault("networkAttributes", {})[name] = {"d": "string"}
        network_attributes(self.cx2)[name] = value

    def to_json(self) -> bytes:
        """The CX2 document as compact UTF-8 JSON bytes (same network → same bytes)."""
        return orjson.dumps(self.cx2)

    def to_networkx(self) -> Any:
        """A ``networkx.Graph``: node keys are CX2 ids, node attributes ``v`` plus ``x``/``y``,
        graph attributes the network attributes.

        >>> from pfocr_ndex.records import read_record
        >>> record = read_record("tests/data/pfocr/_figures/PMC12170841__IJN-20-7415-g0001.md")
        >>> G = build_network(record).to_networkx()
        >>> G.graph["pmcId"], G.nodes[0]["name"], G.number_of_nodes() == len(record.entities)
        ('PMC12170841', 'IL4', True)
        """
        import networkx as nx

        graph = nx.Graph()
        graph.graph.update(network_attributes(self.cx2))
        for node in aspect_elements(self.cx2, "nodes"):
            data = dict(node.get("v", {}))
            for axis in ("x", "y", "z"):
                if axis in node:
                    data[axis] = node[axis]
            graph.add_node(node["id"], **data)
        for edge in aspect_elements(self.cx2, "edges"):
            graph.add_edge(edge["s"], edge["t"], id=edge["id"], **edge.get("v", {}))
        return graph


# --- templates ----------------------------------------------------------------------------


def load_network_attributes(path: str | PathLike[str] | None = None) -> dict:
    """Load the constant network attributes every figure network carries
    (default: ``templates/pfocr-network.json``: ``version``, ``rights``, ``methods``, ``labels``, …).

    Values are strings, numbers, booleans or non-empty lists of strings; ``@context`` may be an
    object (it is stored as a JSON string, as NDEx expects).
    """
    data, label = read_template(path, NETWORK_TEMPLATE)
    if not isinstance(data, dict):
        raise PfocrError("expected a JSON object of network attributes", label)
    attributes = {}
    for key, given in data.items():
        value = orjson.dumps(given, option=orjson.OPT_SORT_KEYS).decode() if key == "@context" else given
        if _data_type(value) is None:
            raise PfocrError(
                f"attribute {key!r}: value must be a string, number, boolean or a non-empty list of strings", label
            )
        attributes[key] = value
    version = attributes.get("version")
    if isinstance(version, str) and len(version) > MAX_VERSION:
        raise PfocrError(f"version is {len(version)} characters long; NDEx stores at most {MAX_VERSION}", label)
    return attributes


@lru_cache(maxsize=1)
def _default_style() -> tuple[dict, _NodeMetrics]:
    """The template style (shared by every network built with it) and its metrics, read and parsed once."""
    style = load_style()
    return style, _node_metrics(VisualStyle.parse(style))


@lru_cache(maxsize=1)
def _default_network_attributes() -> dict:
    return load_network_attributes()


def _data_type(value: object) -> str | None:
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer" if -(2**31) <= value < 2**31 else "long"
    if isinstance(value, float):
        return "double" if math.isfinite(value) else None
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return "list_of_string"
    return None


# --- URLs ---------------------------------------------------------------------------------


def figure_page_url(figid: str) -> str:
    """The figure's page on the PFOCR website."""
    return f"{PFOCR_SITE}/figures/{quote(figid)}.html"


def figure_image_url(pmcid: str, filename: str) -> str:
    """The figure image at PMC (quoted, so it never holds ``|`` or ``=``)."""
    return f"{NCBI}/pmc/articles/{quote(pmcid)}/bin/{quote(filename)}"


def _link(url: str, text: str | None = None) -> str:
    return f'<a href="{html.escape(url)}" target="_blank">{html.escape(text or url)}</a>'


# --- network attributes -------------------------------------------------------------------


def _text(fields: dict, key: str) -> str | None:
    value = fields.get(key)
    if value is None or isinstance(value, (list, dict)):
        return None
    value = str(value).strip()
    return value or None


def _year(record: FigureRecord) -> int | None:
    """The publication year (``year: '2019'``; empty → None); ``PfocrError`` for anything but 1 to 4 digits."""
    year = _text(record.fields, "year")
    if year is None:
        return None
    if not (len(year) <= 4 and year.isascii() and year.isdigit()):
        raise PfocrError(f"year {year[:24]!r} is not a year (1 to 4 digits)", record.path)
    return int(year)


def _finite_float(value: object) -> float | None:
    """A number as a finite float (``None`` for anything else, booleans, and ints too large for a float)."""
    if type(value) is float:
        return value if math.isfinite(value) else None
    if type(value) is int:
        try:
            return float(value)
        except OverflowError:
            return None
    return None


def _network_attributes(record: FigureRecord, constants: dict, image_url: str | None, annotation: str | None) -> dict:
    fields = record.fields
    figid = record.figid
    title = _text(fields, "figtitle")
    caption = _text(fields, "caption")
    pmcid = _text(fields, "pmcid")
    paper_title = _text(fields, "papertitle")
    doi = _text(fields, "doi")
    figlink = _text(fields, "figlink")
    paper_link = f"{NCBI}/pmc/articles/{quote(pmcid)}" if pmcid else None

    name = title or figid
    if len(name) > MAX_NAME:
        name = name[: MAX_NAME - 1] + "…"
    description = [f"<p>{html.escape(caption)}</p>"] if caption else []
    if image_url:
        description.append(f'<p><img src="{html.escape(image_url)}" style="width: 100%;"></p>')

    reference = []
    reftext = _text(fields, "reftext")
    if reftext:
        reference.append(html.escape(reftext))
    if paper_title:
        reference.append(f"<b>{html.escape(paper_title)}</b>")
    citation_url = f"https://doi.org/{quote(doi, safe='/():;')}" if doi else paper_link
    if citation_url:
        reference.append(_link(citation_url))

    organisms = names(fields.get("organisms")) or names(fields.get("organisms_ner"))
    labels = names([figid, pmcid, *constants.get("labels", [])])
    keywords = [k.strip() for k in (_text(fields, "keywords") or "").split("|") if k.strip()]
    diseases = [e for e in record.entities if e.type == "disease"]
    wpid = _text(fields, "wpid")
    page = figure_page_url(figid)

    attributes: dict[str, object] = {
        "name": name,
        "description": "\n".join(description) or None,
        "reference": " ".join(reference) or None,
        "organism": ", ".join(organisms) or None,
        "labels": labels,
        "figid": figid,
        "pfocrId": f"{figid}.jpg",  # what the 2020 NDEx networks used; ndex_map.tsv strips ".jpg"
        "pmcId": pmcid,
        "figureLink": f"{NCBI}{figlink}" if figlink and figlink.startswith("/") else figlink,
        "figureNumber": _text(fields, "number"),
        "figureTitle": title,
        "figureType": _text(fields, "figtype"),
        "paperLink": paper_link,
        "paperTitle": paper_title,
        "publicationYear": _year(record),
        "doi": doi,
        "journal": _text(fields, "journal_title"),
        "publisher": _text(fields, "publisher_name"),
        "keywords": keywords or None,
        "pathwayScore": _finite_float(fields.get("automl_pathway")),
        "disease": ", ".join(
            _link(f"https://bioregistry.io/{e.represents}", e.name) if e.represents else html.escape(e.name)
            for e in diseases
        )
        or None,
        "wpid": wpid,
        "wikipathwaysLink": f"https://www.wikipathways.org/instance/{quote(wpid)}" if wpid else None,
        "nodeSource": record.entity_source or None,
        "prov:wasDerivedFrom": _link(page),
        "__NetworkImage": image_url,
        "__Annotations": [annotation] if annotation else None,
    }
    attributes = {k: v for k, v in attributes.items() if v is not None}
    for key, value in constants.items():  # the figure's own values win over the template's
        attributes.setdefault(key, value)
    return attributes


# --- nodes and layout ---------------------------------------------------------------------


def _size(value: object, fallback: float) -> float:
    """A style size: a positive number (``style.number``), else ``fallback``."""
    found = number(value)
    return float(found) if found is not None and found > 0 else fallback


class _NodeMetrics(NamedTuple):
    """What the layout needs from the style: node sizes and label font."""

    widths: dict[str, float]  # node width per entity type (a DISCRETE mapping on ``type``)
    height: float
    width: float
    font: float
    label_max: float


def _node_metrics(style: VisualStyle) -> _NodeMetrics:
    """Widths per entity type, node height, default width, font size and label max width from the style."""
    node_defaults = style.node
    width = _size(node_defaults.get("NODE_WIDTH"), 80.0)
    height = _size(node_defaults.get("NODE_HEIGHT"), 28.0)
    font = _size(node_defaults.get("NODE_LABEL_FONT_SIZE"), 12.0)
    label_max = _size(node_defaults.get("NODE_LABEL_MAX_WIDTH"), 200.0)
    widths: dict[str, float] = {}
    for mapping in style.node_mappings:
        if mapping.kind != "DISCRETE" or mapping.attribute != "type":
            continue
        for entry in mapping.entries:
            if mapping.property in ("NODE_WIDTH", "NODE_SIZE"):
                widths[str(entry.get("v"))] = _size(entry.get("vp"), width)
            if mapping.property in ("NODE_HEIGHT", "NODE_SIZE"):
                height = max(height, _size(entry.get("vp"), height))
    return _NodeMetrics(widths, height, width, font, label_max)


def _grouped(entities: tuple[Entity, ...]) -> list[tuple[str, list[Entity]]]:
    groups: dict[str, list[Entity]] = {}
    for entity in entities:
        groups.setdefault(entity.type, []).append(entity)
    rank = {t: i for i, t in enumerate(TYPE_ORDER)}
    return sorted(groups.items(), key=lambda item: (rank.get(item[0], len(rank)), item[0]))


def _laid_out_nodes(groups: list[tuple[str, list[Entity]]], metrics: _NodeMetrics) -> tuple[list[dict], float]:
    """The CX2 nodes, placed on a grid in group order, and the grid's width.

    Each type group starts a new block of rows; a group's cells are as wide as its widest
    node or label (labels wrap at the style's NODE_LABEL_MAX_WIDTH), and all blocks share one
    overall width chosen so the grid is about GRID_ASPECT wide. Nodes sit at their cell centres.
    """
    widths, node_height, node_width, font, label_max = metrics
    # Whole-pixel cells keep every centre a multiple of 0.5: exact floats, short JSON.
    row_height = math.ceil(node_height + CELL_GAP_Y)
    group_gap = row_height // 2
    cells = []
    for entity_type, entities in groups:
        longest = max(map(len, map(_name_of, entities))) * font * CHAR_WIDTH
        cells.append(math.ceil(max(widths.get(entity_type, node_width), min(longest, label_max)) + CELL_GAP_X))
    area = sum(len(entities) * cell for (_, entities), cell in zip(groups, cells, strict=True)) * row_height
    target_width = max(math.sqrt(area * GRID_ASPECT), max(cells, default=0))
    columns_of = [
        max(1, min(len(entities), int(target_width // cell))) for (_, entities), cell in zip(groups, cells, strict=True)
    ]
    grid_width = max((columns * cell for columns, cell in zip(columns_of, cells, strict=True)), default=0)
    nodes: list[dict] = []
    top = 0
    for (_, entities), columns, cell in zip(groups, columns_of, cells, strict=True):
        left = (grid_width - columns * cell) / 2 + cell / 2
        centre = top + row_height / 2
        for index, entity in enumerate(entities):
            row, column = divmod(index, columns)
            nodes.append(
                {"id": len(nodes), "x": left + column * cell, "y": centre + row * row_height, "v": _node_values(entity)}
            )
        top += -(-len(entities) // columns) * row_height + group_gap
    return nodes, float(grid_width)


_name_of = attrgetter("name")


def figure_image_frame(left: float, top: float, right: float) -> tuple[float, float, float]:
    """Where the figure image goes behind nodes laid out from ``left`` to ``right`` and from ``top`` down:
    its top-left corner and its width (Cytoscape derives the height from the image's aspect ratio).

    >>> figure_image_frame(0.0, 0.0, 600.0)
    (-40.0, -40.0, 680.0)
    """
    width = max(right - left, 200.0) + 2 * IMAGE_MARGIN
    return (left + right - width) / 2, top - IMAGE_MARGIN, width


def _image_annotation(figid: str, image_url: str, grid_width: float) -> str:
    """Cytoscape's ``__Annotations`` string for the figure behind the grid.

    Only ``width`` is given, so Cytoscape keeps the image's aspect ratio.
    """
    x, y, width = figure_image_frame(0.0, 0.0, grid_width)
    pairs = {
        "type": IMAGE_ANNOTATION,
        "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, figure_page_url(figid))),
        "name": "figure",
        "canvas": "background",
        "x": f"{x:.1f}",
        "y": f"{y:.1f}",
        "z": "0",
        "zoom": "1.0",
        "rotation": "0.0",
        "URL": image_url,
        "width": f"{width:.1f}",
        "opacity": str(IMAGE_OPACITY),
        "brightness": "0",
        "contrast": "0",
        "shapeType": "RECTANGLE",
        "edgeThickness": "0.0",
        "edgeOpacity": "100.0",
    }
    # Cytoscape splits on "|" then "=": no value may hold either (the URL is quoted for that).
    return "|".join(f"{k}={v}" for k, v in pairs.items())


def _node_values(entity: Entity) -> dict:
    """A node's ``v``: the entity's attributes that have a value."""
    values: dict[str, str | list[str]] = {"name": entity.name}
    if entity.represents:
        values["represents"] = entity.represents
    values["type"] = entity.type
    if entity.organism:
        values["organism"] = entity.organism
    if entity.taxon:
        values["taxon"] = entity.taxon
    if entity.words:
        values["words"] = [*entity.words]
    if entity.sources:
        values["sources"] = [*entity.sources]
    if entity.xrefs:
        values["xrefs"] = [*entity.xrefs]
    return values


def build_network(
    record: FigureRecord, style: dict | None = None, *, network_attributes: dict | None = None
) -> FigureNetwork:
    """Turn a ``FigureRecord`` into its CX2 network.

    ``style`` is a ``visualProperties`` element (``load_style()``, the default);
    ``network_attributes`` the constant attributes (``load_network_attributes()``, the default).
    Both are shared, not copied, by the returned document.

    >>> from pfocr_ndex.records import read_record
    >>> from pfocr_ndex.validate import validate_cx2
    >>> net = build_network(read_record("tests/data/pfocr/_figures/PMC12170841__IJN-20-7415-g0001.md"))
    >>> net.node_count, validate_cx2(net.cx2)
    (63, [])
    """
    style, metrics = _default_style() if style is None else (style, _node_metrics(VisualStyle.parse(style)))
    constants = _default_network_attributes() if network_attributes is None else network_attributes
    fields = record.fields
    pmcid, filename = _text(fields, "pmcid"), _text(fields, "filename")
    image_url = figure_image_url(pmcid, filename) if pmcid and filename else None

    nodes, grid_width = _laid_out_nodes(_grouped(record.entities), metrics)
    used = set().union(*map(itemgetter("v"), nodes))

    annotation = _image_annotation(record.figid, image_url, grid_width) if image_url else None
    attributes = _network_attributes(record, constants, image_url, annotation)
    declarations = {
        "networkAttributes": {k: {"d": _data_type(v)} for k, v in attributes.items()},
        "nodes": {k: {"d": t} for k, t in NODE_ATTRIBUTE_TYPES.items() if k in used},
    }
    cx2: list[dict[str, Any]] = [
        {"CXVersion": "2.0", "hasFragments": False},
        {
            "metaData": [
                {"name": "attributeDeclarations", "elementCount": 1},
                {"name": "networkAttributes", "elementCount": 1},
                {"name": "nodes", "elementCount": len(nodes)},
                {"name": "visualProperties", "elementCount": 1},
                {"name": "visualEditorProperties", "elementCount": 1},
            ]
        },
        {"attributeDeclarations": [declarations]},
        {"networkAttributes": [attributes]},
        {"nodes": nodes},
        {"visualProperties": [style]},
        {"visualEditorProperties": [{"properties": EDITOR_PROPERTIES}]},
        {"status": [{"error": "", "success": True}]},
    ]
    return FigureNetwork(record.figid, cx2, len(nodes), 0)
