"""Injected faults for the NDEx sandbox: what a flaky proxy or an overloaded server does."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

__all__ = ["FAULT_KINDS", "Fault", "FaultPlan"]

FAULT_KINDS = ("status", "lost_response", "hang")


@dataclass
class Fault:
    """One planned fault; ``remaining=None`` means it fires on every matching request."""

    kind: str
    method: str | None
    path_regex: re.Pattern[str] | None
    remaining: int | None
    status: int
    delay: float

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method != method:
            return False
        return self.path_regex is None or self.path_regex.search(path) is not None


class FaultPlan:
    """Faults the sandbox applies to the next matching requests, in the order they were added.

    Kinds:

    - ``"status"``: answer ``status`` without performing the operation (502/503/504/429 with a
      proxy's HTML page, other codes with the NDEx JSON error body).
    - ``"lost_response"``: perform the operation, then close the connection without answering.
    - ``"hang"``: wait ``delay`` seconds, then answer normally.

    >>> plan = FaultPlan()
    >>> _ = plan.add("status", method="POST", path_regex=r"^/v3/networks$", status=503)
    >>> plan.take("POST", "/v3/networks").status
    503
    >>> plan.take("POST", "/v3/networks") is None
    True
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(
        self,
        kind: str,
        *,
        method: str | None = None,
        path_regex: str | None = None,
        count: int | None = 1,
        status: int = 503,
        delay: float = 0.0,
    ) -> Fault:
        """Plan a fault for the next ``count`` requests matching ``method`` and ``path_regex``
        (``re.search`` on the path without query; ``None`` matches all; ``count=None``: forever)."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {', '.join(FAULT_KINDS)}")
        if count is not None and count < 1:
            raise ValueError("count must be >= 1 or None")
        if not 100 <= status <= 599:
            raise ValueError(f"status {status} is not an HTTP status code")
        fault = Fault(
            kind,
            method.upper() if method else None,
            re.compile(path_regex) if path_regex is not None else None,
            count,
            status,
            float(delay),
        )
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        """Drop every planned fault."""
        with self._lock:
            self._faults.clear()

    @property
    def pending(self) -> list[Fault]:
        """Faults that have not fired their ``count`` times yet."""
        with self._lock:
            return list(self._faults)

    def take(self, method: str, path: str) -> Fault | None:
        """The first planned fault matching this request, used up by one; ``None`` if none."""
        with self._lock:
            for index, fault in enumerate(self._faults):
                if fault.matches(method, path):
                    if fault.remaining is not None:
                        fault.remaining -= 1
                        if fault.remaining == 0:
                            del self._faults[index]
                    return fault
        return None
