"""The embedded sandbox ``pfocr-ndex publish`` uses when it has no NDEx credentials."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from os import PathLike
from pathlib import Path

from ..credentials import Credentials

__all__ = ["SANDBOX_PASSWORD", "SANDBOX_USER", "local_sandbox"]

SANDBOX_USER = "pfocr"
SANDBOX_PASSWORD = "pfocr-sandbox"  # a local-only account of the embedded sandbox, not a secret


@contextlib.contextmanager
def local_sandbox(data_dir: str | PathLike[str] = ".ndex-sandbox") -> Iterator[Credentials]:
    """Run the embedded NDEx sandbox on 127.0.0.1 with its data in ``data_dir``; yield its credentials.

    Networks persist in ``data_dir`` across runs, so publishing again is a no-op.
    """
    from . import NdexSandbox

    Path(data_dir).mkdir(parents=True, exist_ok=True)
    with NdexSandbox(data_dir=data_dir, port=0, users={SANDBOX_USER: SANDBOX_PASSWORD}, record_limit=10_000) as sandbox:
        yield Credentials(sandbox.url, SANDBOX_USER, SANDBOX_PASSWORD, f"local sandbox in {data_dir}")
