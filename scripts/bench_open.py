"""Benchmark ``CytoscapeSession.open_networks`` against the CyREST stand-in (tests/cyrest_standin.py).

Measures our side only (py4cytoscape + HTTP round trips on 127.0.0.1); a real Cytoscape adds its own import,
rendering and image download time per network.

    python scripts/bench_open.py [DB]      # default: tests/data/pfocr
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from cyrest_standin import CyRestStandIn  # noqa: E402

from pfocr_ndex.cytoscape import CytoscapeSession  # noqa: E402


def main() -> None:
    db = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "tests" / "data" / "pfocr"
    figids = sorted(p.stem for p in (db / "_figures").glob("*.md"))
    failures: list[str] = []
    with CyRestStandIn() as cytoscape:
        session = CytoscapeSession(cytoscape.base_url, db=db, timeout=60)
        start = time.perf_counter()
        suids = session.open_networks(figids, on_error=lambda target, err: failures.append(str(err)))
        elapsed = time.perf_counter() - start
        calls = len(cytoscape.calls)
        styles = len(cytoscape.styles)
    print(
        f"{len(figids)} targets, {len(suids)} opened, {len(failures)} failed in {elapsed:.2f} s "
        f"({elapsed / max(len(figids), 1) * 1000:.0f} ms per target); {calls} HTTP calls "
        f"({calls / max(len(suids), 1):.1f} per network); {styles} styles in the stand-in at the end"
    )
    for failure in failures[:10]:
        print("  failed:", failure)


if __name__ == "__main__":
    main()
