"""Benchmark ``pfocr-ndex open`` against the CyREST stand-in (tests/cyrest_standin.py), with ratios.

1. Opening every figure of a database with ``CytoscapeSession.open_networks`` (bounded transport, SUIDs known,
   one style) vs the straightforward py4cytoscape way (the same import and style, then py4cytoscape's
   ``set_visual_style`` and ``fit_content`` by network SUID, plain unbounded requests): time and HTTP requests
   per network.
2. The bounded transport alone: ``GET /v1/version`` through a session's ``BoundedSession`` (deadline watchdog,
   reply cap, kept-alive connection) vs py4cytoscape's own ``requests.request`` (a new connection each time).

Measures our side only (py4cytoscape + HTTP round trips on 127.0.0.1); a real Cytoscape adds its own import,
rendering and image download time per network.

    python scripts/bench_open.py [DB] [--requests N]      # default DB: tests/data/pfocr
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from cyrest_standin import CyRestStandIn  # noqa: E402

from pfocr_ndex.cx2 import network_attributes  # noqa: E402
from pfocr_ndex.cytoscape import STYLE_NAME, CytoscapeSession, Target, _py4cytoscape, _without_style  # noqa: E402
from pfocr_ndex.http import BoundedSession  # noqa: E402
from pfocr_ndex.style import VisualStyle, load_style  # noqa: E402
from pfocr_ndex.style.desktop import desktop_style  # noqa: E402


def ours(targets: list[Target], db: Path) -> tuple[float, int, int]:
    """Seconds, HTTP requests and networks opened by a CytoscapeSession."""
    with CyRestStandIn() as cytoscape:
        session = CytoscapeSession(cytoscape.base_url, db=db, timeout=60)
        session.connect()
        before = len(cytoscape.calls)
        start = time.perf_counter()
        opened = session.open_networks(targets)
        elapsed = time.perf_counter() - start
        assert cytoscape.dropped == [], cytoscape.dropped
        return elapsed, len(cytoscape.calls) - before, len(opened)


def straightforward(targets: list[Target]) -> tuple[float, int, int]:
    """The same networks, style and fit with py4cytoscape's own functions and SUIDs, no bounds."""
    p4c = _py4cytoscape()
    documents = [target.load_cx2() for target in targets]
    desktop = desktop_style(VisualStyle.parse(load_style()))
    with CyRestStandIn() as cytoscape:
        url = cytoscape.base_url
        p4c.commands.cyrest_get("version", base_url=url)
        before = len(cytoscape.calls)
        start = time.perf_counter()
        if STYLE_NAME not in p4c.get_visual_style_names(base_url=url):
            p4c.create_visual_style(STYLE_NAME, defaults=desktop.defaults, mappings=desktop.mappings, base_url=url)
        for cx2 in documents:
            name = str(network_attributes(cx2).get("name"))
            parameters = {"format": "cx2", "title": name, "collection": name}
            suid = p4c.commands.cyrest_post("networks", parameters=parameters, body=_without_style(cx2), base_url=url)
            p4c.set_visual_style(STYLE_NAME, network=suid["networkSUID"], base_url=url)
            p4c.fit_content(network=suid["networkSUID"], base_url=url)
        elapsed = time.perf_counter() - start
        return elapsed, len(cytoscape.calls) - before, len(documents)


def transport(count: int) -> tuple[float, float]:
    """Seconds per ``GET /v1/version``: bounded session vs ``requests.request``."""
    import requests

    with CyRestStandIn() as cytoscape:
        url = cytoscape.base_url + "/version"
        session = BoundedSession(deadline=60, max_bytes=16 << 20)
        timings = []
        for send in (session.get, lambda u: requests.request("GET", u)):
            send(url).raise_for_status()  # warm up
            start = time.perf_counter()
            for _ in range(count):
                send(url).raise_for_status()
            timings.append((time.perf_counter() - start) / count)
        return timings[0], timings[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", nargs="?", type=Path, default=ROOT / "tests" / "data" / "pfocr")
    parser.add_argument("--requests", type=int, default=500, help="requests for the transport comparison")
    args = parser.parse_args()
    figures = sorted((args.db / "_figures").glob("*.md"))
    targets = [Target(path.stem, "record", path) for path in figures]
    _py4cytoscape()  # import once, outside the timings

    our_time, our_calls, opened = ours(targets, args.db)
    plain_time, plain_calls, sent = straightforward(targets)
    print(f"{len(targets)} figures of {args.db}")
    print(
        f"  open (CytoscapeSession): {opened} networks in {our_time:.2f} s, "
        f"{our_time / max(opened, 1) * 1000:.1f} ms and {our_calls / max(opened, 1):.2f} requests per network"
    )
    print(
        f"  straightforward py4cytoscape: {sent} networks in {plain_time:.2f} s, "
        f"{plain_time / max(sent, 1) * 1000:.1f} ms and {plain_calls / max(sent, 1):.2f} requests per network"
    )
    print(
        f"  ratio (ours / straightforward): time {our_time / plain_time:.2f}, "
        f"requests {our_calls / max(plain_calls, 1):.2f}"
    )
    bounded, plain = transport(args.requests)
    print(
        f"  GET /v1/version x{args.requests}: bounded session {bounded * 1e6:.0f} µs, requests.request "
        f"{plain * 1e6:.0f} µs per request (ratio {bounded / plain:.2f})"
    )


if __name__ == "__main__":
    main()
