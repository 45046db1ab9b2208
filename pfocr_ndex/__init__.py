"""pfocr-ndex: PFOCR pathway figures → CX2 networks → NDEx, Cytoscape and the browser."""

__version__ = "0.1.0"
