"""Benchmark ``convert`` against the straightforward way on a synthetic PFOCR corpus (prints numbers).

    python scripts/bench_convert.py [--n 20000] [--baseline-n 2000] [--jobs 2] [--dir DIR] [--keep]

The corpus copies the bundled sample records and their tables (tests/data/pfocr) under new figids, so record
sizes, entity counts and the share of figures without tables follow the sample. Each approach runs in its own
child process; figures/s is wall time over all figures (process cpu includes interpreter start-up), peak
memory the child's ru_maxrss (with --jobs, the largest process).

The straightforward way: pyyaml's pure-Python SafeLoader for the front matter, csv for the tables, one
``ndex2.cx2.CX2Network.add_node`` / ``add_network_attribute`` call per item, ``json.dump`` to the file.
It is slow, so by default it runs on the first ``--baseline-n`` figures of the same corpus (rates compare).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

SAMPLE = Path(__file__).resolve().parent.parent / "tests" / "data" / "pfocr"
KINDS = ("genes", "chemicals", "diseases")

CONVERT_CHILD = """
import json, resource, sys, time
from pfocr_ndex.convert import convert
db, out, jobs = sys.argv[1], sys.argv[2], int(sys.argv[3])
started = time.perf_counter()
summary = convert([db], outdir=out, jobs=jobs, progress=False)
elapsed = time.perf_counter() - started
me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
peak = max(me.ru_maxrss, children.ru_maxrss) if jobs > 1 else me.ru_maxrss
cpu = sum(u.ru_utime + u.ru_stime for u in (me, children))
print(json.dumps({"figures": summary.converted + summary.failed, "failed": summary.failed,
                  "seconds": elapsed, "cpu_seconds": cpu, "peak_kb": peak}))
"""

STRAIGHTFORWARD_CHILD = """
import csv, json, os, resource, sys, time
import yaml
from ndex2.cx2 import CX2Network
db, out, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
figures = os.path.join(db, "_figures")
started = time.perf_counter()
count = 0
for name in sorted(os.listdir(figures))[:limit]:
    with open(os.path.join(figures, name), encoding="utf-8") as f:
        fields = yaml.load(f.read().split("\\n---", 1)[0][4:], Loader=yaml.SafeLoader)
    figid = fields["figid"]
    net = CX2Network()
    for key, value in fields.items():
        if isinstance(value, (str, int, float)):
            net.add_network_attribute(key, value)
        elif isinstance(value, list):
            net.add_network_attribute(key, ", ".join(map(str, value)))
    found = False
    seen = set()
    for kind in ("genes", "chemicals", "diseases"):
        table = os.path.join(db, "_data", f"{figid}-{kind}.tsv")
        if not os.path.exists(table):
            continue
        found = True
        with open(table, encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f, delimiter="\\t", quoting=csv.QUOTE_NONE):
                if kind == "genes":
                    key, name, represents = row["ncbigene_id"], row["ncbigene_symbol"], f"ncbigene:{row['ncbigene_id']}"
                else:
                    key = row["chebi"] if kind == "chemicals" and row["chebi"] != "NA" else row["mesh"]
                    name, represents = row["word"], key
                if key in seen:
                    continue
                seen.add(key)
                net.add_node(attributes={"name": name, "represents": represents, "type": kind[:-1],
                                         "words": [row["word"]]})
    if not found:
        for word in (fields.get("schema-jsonld") or {}).get("keywords") or []:
            net.add_node(attributes={"name": str(word), "type": "keyword"})
    with open(os.path.join(out, f"{figid}.cx2"), "w", encoding="utf-8") as f:
        json.dump(net.to_cx2(), f)
    count += 1
elapsed = time.perf_counter() - started
me = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"figures": count, "failed": 0, "seconds": elapsed, "cpu_seconds": me.ru_utime + me.ru_stime,
                  "peak_kb": me.ru_maxrss}))
"""


def build_corpus(root: Path, n: int, seed: int = 7) -> None:
    """``n`` figures sampled (with replacement) from the sample records, each under a new figid."""
    figures, data = root / "_figures", root / "_data"
    figures.mkdir(parents=True)
    data.mkdir()
    sample = []
    for record in sorted((SAMPLE / "_figures").glob("*.md")):
        figid = record.stem
        tables = {
            kind: (SAMPLE / "_data" / f"{figid}-{kind}.tsv").read_bytes()
            for kind in KINDS
            if (SAMPLE / "_data" / f"{figid}-{kind}.tsv").exists()
        }
        sample.append((figid, record.read_bytes(), tables))
    rng = random.Random(seed)
    for i in range(n):
        figid, text, tables = rng.choice(sample)
        _pmcid, stem = figid.split("__", 1)
        new_figid = f"PMC{90_000_000 + i}__{stem}"
        (figures / f"{new_figid}.md").write_bytes(text.replace(figid.encode(), new_figid.encode()))
        for kind, table in tables.items():
            (data / f"{new_figid}-{kind}.tsv").write_bytes(table)


def link_subset(source: Path, dest: Path, n: int) -> None:
    """The first ``n`` figures of ``source`` (hard links), as a database of its own."""
    (dest / "_figures").mkdir(parents=True)
    (dest / "_data").mkdir()
    for name in sorted(os.listdir(source / "_figures"))[:n]:
        os.link(source / "_figures" / name, dest / "_figures" / name)
        figid = name[:-3]
        for kind in KINDS:
            table = source / "_data" / f"{figid}-{kind}.tsv"
            if table.exists():
                os.link(table, dest / "_data" / table.name)


def run_child(code: str, *args: object) -> dict:
    result = subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"benchmark child failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def folder_mb(folder: Path) -> float:
    return sum(e.stat().st_size for e in os.scandir(folder)) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000, help="figures in the corpus (default: %(default)s)")
    parser.add_argument(
        "--baseline-n",
        type=int,
        default=2_000,
        help="figures the slow straightforward way converts (default: %(default)s; 0 = all)",
    )
    parser.add_argument("--jobs", type=int, default=1, help="also time convert with this many processes")
    parser.add_argument(
        "--dir",
        help="where to build the corpus and write outputs (default: the system temp "
        "folder; e.g. /dev/shm to take the disk out of the measurement)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the corpus and outputs (prints where)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="pfocr-bench-", dir=args.dir))
    try:
        corpus = work / "corpus"
        build_corpus(corpus, args.n)
        quarter = work / "corpus-quarter"
        link_subset(corpus, quarter, max(1, args.n // 4))
        print(
            f"corpus: {args.n} figures from {len(list((SAMPLE / '_figures').glob('*.md')))} sample records "
            f"({folder_mb(corpus / '_figures'):.0f} MB records, {folder_mb(corpus / '_data'):.0f} MB tables) "
            f"in {work}"
        )

        rows: list[dict] = []

        def measure(label: str, code: str, db: Path, extra: object) -> dict:
            out = work / f"out-{len(rows)}"
            out.mkdir()
            result = run_child(code, db, out, extra)
            result["label"] = label
            result["rate"] = result["figures"] / result["seconds"]
            rows.append(result)
            print(
                f"{label:<58} {result['figures']:>7} figures {result['seconds']:7.2f} s "
                f"(process cpu {result['cpu_seconds']:6.2f} s) {result['rate']:8.0f} figures/s  "
                f"peak {result['peak_kb'] / 1024:6.1f} MB"
                + (f"  ({result['failed']} failed)" if result["failed"] else ""),
                flush=True,
            )
            if not args.keep:
                shutil.rmtree(out)
            return result

        full = measure("convert, jobs=1", CONVERT_CHILD, corpus, 1)
        quarter_run = measure("convert, jobs=1, N/4", CONVERT_CHILD, quarter, 1)
        if args.jobs > 1:
            measure(f"convert, jobs={args.jobs}", CONVERT_CHILD, corpus, args.jobs)
        baseline_n = args.n if args.baseline_n <= 0 else min(args.baseline_n, args.n)
        baseline = measure(
            "straightforward (pyyaml SafeLoader + ndex2 CX2Network + json)", STRAIGHTFORWARD_CHILD, corpus, baseline_n
        )

        ratio = full["rate"] / baseline["rate"]
        peak_mb = max(full["peak_kb"], quarter_run["peak_kb"]) / 1024
        print(f"convert / straightforward: {ratio:.1f}x")
        print(f"peak memory, N vs N/4: {full['peak_kb'] / 1024:.1f} MB vs {quarter_run['peak_kb'] / 1024:.1f} MB")
        print(
            "targets: "
            f">= 3000 figures/s on one core: {'yes' if full['rate'] >= 3000 else 'NO'} ({full['rate']:.0f}); "
            f">= 5x straightforward: {'yes' if ratio >= 5 else 'NO'} ({ratio:.1f}x); "
            f"peak < 300 MB: {'yes' if peak_mb < 300 else 'NO'} ({peak_mb:.0f} MB)"
        )
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
