"""Build a figure's CX2 network (nodes = entities, network attributes = metadata, style from templates/).

CONTRACT (fill in the bodies):

- ``build_network(record, style=None) -> FigureNetwork``
- ``FigureNetwork.cx2`` is the CX2 document (a JSON-able list of aspects, as NDEx accepts it);
  ``to_json()`` gives its bytes (deterministic: same record + style → same bytes);
  ``to_networkx()`` gives a networkx graph for Python users.
"""

from __future__ import annotations

from dataclasses import dataclass
from os import PathLike

from .records import FigureRecord

__all__ = ["FigureNetwork", "build_network", "load_style"]


@dataclass(slots=True)
class FigureNetwork:
    """The CX2 network of one figure."""

    figid: str
    cx2: list[dict]
    node_count: int
    edge_count: int = 0

    def to_json(self) -> bytes:
        """The CX2 document as compact UTF-8 JSON bytes."""
        raise NotImplementedError

    def to_networkx(self):
        """A ``networkx.Graph`` with node and graph attributes from the CX2."""
        raise NotImplementedError


def load_style(path: str | PathLike[str] | None = None) -> dict:
    """Load a CX2 ``visualProperties`` style (default: ``templates/pfocr-style.cx2.json``)."""
    raise NotImplementedError


def build_network(record: FigureRecord, style: dict | None = None) -> FigureNetwork:
    """Turn a ``FigureRecord`` into its CX2 network."""
    raise NotImplementedError
