"""pfocr-ndex: PFOCR pathway figures → CX2 networks → NDEx, Cytoscape and the browser.

The stages, each a module with a small API (importable from here too)::

    >>> import pfocr_ndex as pn
    >>> record = pn.read_record("examples/pfocr/_figures/PMC12170841__IJN-20-7415-g0001.md")
    >>> network = pn.build_network(record)
    >>> pn.validate_cx2(network.cx2)
    []
    >>> network.node_count == len(record.entities)
    True

``pfocr_ndex.convert.convert`` writes CX2 files, ``NdexPublisher`` publishes to NDEx and fills ``ndex`` fields,
``CytoscapeSession`` opens networks in Cytoscape Desktop, ``write_preview`` writes browser pages,
``NdexSandbox`` is a local NDEx server for trying it all without an account.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# name → module; imported on first use so `import pfocr_ndex` stays light (ndex2, py4cytoscape are slow to import).
_EXPORTS = {
    "Entity": "records",
    "FigureRecord": "records",
    "iter_record_paths": "layout",
    "read_record": "records",
    "FigureNetwork": "network",
    "build_network": "network",
    "load_style": "style",
    "validate_cx2": "validate",
    "ConvertSummary": "convert",  # the function is pfocr_ndex.convert.convert: the module name shadows it here
    "NdexPublisher": "publish",
    "PublishReport": "publish",
    "set_ndex_field": "writeback",
    "fill_from_map": "writeback",
    "NdexMap": "writeback",
    "CytoscapeSession": "cytoscape",
    "open_figure": "cytoscape",
    "open_networks": "cytoscape",
    "write_preview": "preview",
    "NdexSandbox": "sandbox",
    "PfocrError": "errors",
    "RecordError": "errors",
}

__all__ = ["__version__", *_EXPORTS]  # noqa: PLE0604 - the names, computed from one table


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pfocr_ndex' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
