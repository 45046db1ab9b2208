"""The CX2 visual style: loaded and checked once, parsed once, translated for each place that draws it.

- ``model``: ``load_style`` / ``style_problems`` (the rules NDEx applies) and ``VisualStyle``, the parsed form;
- ``desktop``: ``VisualStyle`` → the cyREST ``POST /v1/styles`` body for Cytoscape Desktop;
- ``cytoscapejs``: ``VisualStyle`` (and the CX2 elements) → cytoscape.js, for the browser preview;
- ``lexicon``: Cytoscape 3.10's visual-property names and value types, generated from its sources.

>>> style = VisualStyle.parse(load_style())
>>> style.node["NODE_BACKGROUND_COLOR"]
'#FFFFCC'
"""

from __future__ import annotations

from .model import Mapping, VisualStyle, load_style, number, read_template, style_problems

__all__ = ["Mapping", "VisualStyle", "load_style", "number", "read_template", "style_problems"]
