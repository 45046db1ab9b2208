"""Time build_network, validate_cx2 and to_json on the sample records (no assertions; prints numbers).

    /work/venv/bin/python scripts/bench_network.py [RECORDS_DIR]
"""

from __future__ import annotations

import sys
import time
import timeit
from pathlib import Path

from pfocr_ndex.network import build_network
from pfocr_ndex.records import iter_record_paths, read_record
from pfocr_ndex.validate import validate_cx2

root = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent.parent / "tests" / "data" / "pfocr")
records = [read_record(p) for p in iter_record_paths([root])]
networks = [build_network(r) for r in records]
nodes = sum(n.node_count for n in networks)


def report(label: str, func, repeat: int = 5, number: int = 20) -> None:
    # CPU time of this process: less disturbed by other jobs sharing the machine than wall time.
    best = min(timeit.repeat(func, repeat=repeat, number=number, timer=time.process_time)) / number
    print(f"{label:<28} {best / len(records) * 1e6:8.1f} µs/figure {best / nodes * 1e6:6.2f} µs/node "
          f"{len(records) / best:9.0f} figures/s")


print(f"{len(records)} records, {nodes} nodes ({nodes / len(records):.1f}/figure)")
report("read_record", lambda: [read_record(r.path) for r in records], number=5)
report("build_network", lambda: [build_network(r) for r in records])
report("validate_cx2", lambda: [validate_cx2(n.cx2) for n in networks])
report("to_json", lambda: [n.to_json() for n in networks])


def convert_one(record) -> bytes:
    network = build_network(record)
    validate_cx2(network.cx2)
    return network.to_json()


report("build+validate+to_json", lambda: [convert_one(r) for r in records])
