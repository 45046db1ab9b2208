"""Editable templates (CX2 style, network attributes, preview pages); installed as ``pfocr_ndex.templates``."""
