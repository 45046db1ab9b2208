"""Per-stage CPU cost of converting the sample records, streamed as ``convert`` runs them (prints numbers).

    python scripts/bench_network.py [--records DIR] [--rounds 20] [--dir OUTDIR]

Each figure goes read_record → build_network → validate_cx2 → to_json → atomic write (to a temporary
folder under ``--dir``, default the system temp folder; e.g. /dev/shm to take the disk out), one figure
at a time so that nothing is held between figures. Each stage is timed with the process CPU clock
(less disturbed by other jobs on the machine than wall time); the best of ``--rounds`` passes is kept.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

from pfocr_ndex.fsutil import atomic_write_bytes
from pfocr_ndex.layout import iter_record_paths
from pfocr_ndex.network import build_network
from pfocr_ndex.records import read_record
from pfocr_ndex.validate import validate_cx2

STAGES = ("read_record", "build_network", "validate_cx2", "to_json", "atomic write")


def one_pass(paths: list[Path], outdir: str) -> list[float]:
    """CPU seconds spent in each stage over all ``paths``."""
    spent = [0.0] * len(STAGES)
    clock = time.process_time
    for path in paths:
        t0 = clock()
        record = read_record(path)
        t1 = clock()
        network = build_network(record)
        t2 = clock()
        problems = validate_cx2(network.cx2)
        t3 = clock()
        data = network.to_json()
        t4 = clock()
        atomic_write_bytes(os.path.join(outdir, f"{record.figid}.cx2"), data, durable=False)
        t5 = clock()
        assert not problems, problems
        for i, (start, end) in enumerate(((t0, t1), (t1, t2), (t2, t3), (t3, t4), (t4, t5))):
            spent[i] += end - start
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--records",
        default=Path(__file__).parent.parent / "tests" / "data" / "pfocr",
        help="a database checkout or folder of records (default: the bundled sample)",
    )
    parser.add_argument("--rounds", type=int, default=20, help="passes over the records (default: %(default)s)")
    parser.add_argument("--dir", help="where the output folder goes (default: the system temp folder)")
    args = parser.parse_args()

    paths = list(iter_record_paths([args.records]))
    nodes = sum(build_network(read_record(p)).node_count for p in paths)
    outdir = tempfile.mkdtemp(prefix="pfocr-bench-network-", dir=args.dir)
    try:
        best = [float("inf")] * len(STAGES)
        for _ in range(args.rounds):
            # a fresh folder each pass: every write creates its file, as in a first conversion
            shutil.rmtree(outdir)
            os.mkdir(outdir)
            best = [min(b, s) for b, s in zip(best, one_pass(paths, outdir), strict=False)]
    finally:
        shutil.rmtree(outdir, ignore_errors=True)
    print(
        f"{len(paths)} records, {nodes} nodes ({nodes / len(paths):.1f}/figure), best of {args.rounds} passes, "
        f"output in {os.path.dirname(outdir)}"
    )
    for stage, seconds in zip(STAGES, best, strict=False):
        print(f"{stage:<14} {seconds / len(paths) * 1e6:8.1f} µs/figure {seconds / nodes * 1e6:6.2f} µs/node")
    total = sum(best)
    print(f"{'total':<14} {total / len(paths) * 1e6:8.1f} µs/figure {len(paths) / total:9.0f} figures/s")


if __name__ == "__main__":
    main()
