"""The embedded sandbox ``pfocr-ndex publish`` uses when it has no NDEx credentials."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from os import PathLike

from ..credentials import Credentials

__all__ = ["DATA_DIR", "RECORD_LIMIT", "SANDBOX_PASSWORD", "SANDBOX_USER", "local_sandbox"]

SANDBOX_USER = "pfocr"
SANDBOX_PASSWORD = "pfocr-sandbox"  # a local-only account of the embedded sandbox, not a secret
DATA_DIR = ".ndex-sandbox"  # the data folder of the embedded sandbox and of `pfocr-ndex sandbox`
RECORD_LIMIT = 10_000  # requests a long-running local sandbox keeps for inspection


@contextlib.contextmanager
def local_sandbox(data_dir: str | PathLike[str] = DATA_DIR) -> Iterator[Credentials]:
    """Run the embedded NDEx sandbox on 127.0.0.1 with its data in ``data_dir``; yield its credentials.

    Networks persist in ``data_dir`` across runs, so publishing again is a no-op. A folder that cannot be
    used, or that another sandbox is using, is a ``PfocrError`` naming it.
    """
    from . import NdexSandbox

    with NdexSandbox(data_dir=data_dir, users={SANDBOX_USER: SANDBOX_PASSWORD}, record_limit=RECORD_LIMIT) as sandbox:
        yield Credentials(sandbox.url, SANDBOX_USER, SANDBOX_PASSWORD, f"local sandbox in {data_dir}")
