"""Check a CX2 document against the rules the NDEx server enforces (see docs: cx2.md).

CONTRACT: ``validate_cx2(cx2) -> list[str]`` returns the problems found (empty = valid),
each one line, worded like the server's own messages where it has one.
"""

from __future__ import annotations

__all__ = ["validate_cx2"]


def validate_cx2(cx2: object) -> list[str]:
    """Return the NDEx load errors ``cx2`` would cause; ``[]`` when NDEx would accept it."""
    raise NotImplementedError
