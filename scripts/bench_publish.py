"""Benchmark ``NdexPublisher`` against the local NDEx sandbox with added per-request latency.

1. Publishes N synthetic figures (copies of a sample record under new figids, with their tables),
   then publishes them again, and compares with the straightforward approach (per figure, one after
   the other: create, poll the summary until loaded, set visibility, add to the network set).
2. Publishes M more figures (default 10,000), deletes the state dir and publishes them all again:
   the re-run of a fresh machine, which must learn from the server alone that everything is current.
   The straightforward approach keeps no state on the server: it would upload all M again.

The sandbox runs in this process; each publisher runs in a child process (as it would against a
real server: no shared interpreter lock). Reports figures/s and HTTP requests per figure
(counted by the sandbox), and the upload rate between the first and the last upload (the run
without its fixed start and end: credential check, waiting for the last loads, network set). Targets:
<= 1.5 requests per figure on a fresh publish, 0 uploads on a re-run (also without the state dir,
at most ~1 request per 500 figures plus a constant), and a throughput of at least 75% of
workers / latency.

    python scripts/bench_publish.py --figures 200 --workers 4 --latency 0.05 --rerun-figures 10000
"""

from __future__ import annotations

import argparse
import multiprocessing
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path

from ndex2.client import Ndex2

from pfocr_ndex.network import build_network
from pfocr_ndex.publish import NdexPublisher
from pfocr_ndex.records import read_record
from pfocr_ndex.sandbox import NdexSandbox

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = "PMC12170841__IJN-20-7415-g0001"


def make_database(dest: Path, count: int) -> list[Path]:
    """``count`` records copied from the template under figids ``PMC9…__bench-<i>`` (tables too)."""
    source = ROOT / "examples" / "pfocr"
    (dest / "_figures").mkdir(parents=True)
    (dest / "_data").mkdir()
    text = (source / "_figures" / f"{TEMPLATE}.md").read_text(encoding="utf-8")
    tables = sorted((source / "_data").glob(f"{TEMPLATE}-*.tsv"))
    paths = []
    for i in range(count):
        figid = f"PMC9{i:06d}__bench-{i}"
        path = dest / "_figures" / f"{figid}.md"
        path.write_text(
            text.replace(TEMPLATE, figid).replace("caption: '", f"caption: 'Figure {i}. ", 1), encoding="utf-8"
        )
        for table in tables:
            shutil.copyfile(table, dest / "_data" / table.name.replace(TEMPLATE, figid))
        paths.append(path)
    return paths


def straightforward(url: str, paths: list[Path], user: str, password: str) -> tuple[float, str]:
    """One figure at a time: create, poll until completed, systemproperty, add to set."""
    warnings.simplefilter("ignore", DeprecationWarning)
    client = Ndex2(host=url, username=user, password=password, skip_version_check=True)
    start = time.perf_counter()
    set_id = client.create_networkset("bench baseline", "").rstrip("/").rsplit("/", 1)[-1]
    for path in paths:
        network = build_network(read_record(path))
        uuid = client.save_new_cx2_network(network.cx2).rstrip("/").rsplit("/", 1)[-1]
        while not client.get_network_summary(uuid).get("completed"):
            time.sleep(0.1)
        client.set_network_system_properties(uuid, {"visibility": "PUBLIC"})
        client.add_networks_to_networkset(set_id, [uuid])
    return time.perf_counter() - start, f"{len(paths)} created"


def publish(url: str, db: Path, options: dict, user: str = "bench") -> tuple[float, str]:
    start = time.perf_counter()
    echo = lambda line: print(line, file=sys.stderr)  # noqa: E731
    report = NdexPublisher(url, user, f"{user}-pw", echo=echo, **options).publish([db])
    if report.failed:
        raise SystemExit(f"{report.failed} figures failed")
    return time.perf_counter() - start, report.summary()


def in_child(function, *args) -> tuple[float, str]:
    """Run ``function(*args)`` in a fresh process; return its (seconds, summary)."""
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(function, args)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--figures", type=int, default=200)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds added to every request")
    parser.add_argument(
        "--load-delay", type=float, default=0.01, help="seconds the sandbox takes to load each network, one at a time"
    )
    parser.add_argument(
        "--baseline-figures", type=int, default=40, help="figures for the (slow) straightforward comparison"
    )
    parser.add_argument(
        "--rerun-figures", type=int, default=10_000, help="figures for the fresh-machine re-run (0: skip it)"
    )
    args = parser.parse_args()

    users = {"bench": "bench-pw", "baseline": "baseline-pw", "fresh": "fresh-pw"}
    with (
        tempfile.TemporaryDirectory(prefix="bench-publish-") as tmp,
        NdexSandbox(users=users, load_delay=args.load_delay) as sb,
    ):
        tmp_path = Path(tmp)
        paths = make_database(tmp_path / "db", args.figures)
        sb.latency = args.latency
        options = {
            "state_dir": tmp_path / "state",
            "workers": args.workers,
            "network_set": "bench",
            "poll_interval": 0.25,
        }

        def run(label: str, function, *args) -> tuple[float, int, list[float]]:
            mark = len(sb.requests)
            seconds, summary = in_child(function, sb.url, *args)
            served = sb.requests[mark:]
            uploads = [r.received for r in served if r.method in ("POST", "PUT") and r.path.startswith("/v3/networks")]
            print(f"{label}: {summary}")
            return seconds, len(served), uploads

        fresh_s, fresh_requests, fresh_uploads = run("fresh publish", publish, tmp_path / "db", options)
        rerun_s, rerun_requests, rerun_uploads = run("re-run", publish, tmp_path / "db", options)
        n = args.figures
        m = min(args.baseline_figures, n)
        base_s, base_requests, _ = run("straightforward", straightforward, paths[:m], "baseline", "baseline-pw")
        big = args.rerun_figures
        reruns = {}
        if big:
            # the big database is published without latency or load time: only the re-runs are measured
            sb.latency, sb.load_delay = 0.0, 0.0
            make_database(tmp_path / "big", big)
            shutil.copytree(tmp_path / "big", tmp_path / "big-unfilled")
            big_options = {**options, "state_dir": tmp_path / "big-state", "workers": 8}
            run("big publish", publish, tmp_path / "big", big_options, "fresh")
            sb.latency = args.latency
            for label, db, fill in (
                ("records filled", tmp_path / "big", True),
                ("records never filled", tmp_path / "big-unfilled", False),
            ):
                shutil.rmtree(tmp_path / "big-state")
                reruns[label] = run(f"fresh machine, {label}", publish, db, {**big_options, "fill": fill}, "fresh")

    ceiling = args.workers / args.latency
    fresh_rate, base_rate = n / fresh_s, m / base_s
    # uploads/s from the first upload's arrival to the last's: the rate without the run's fixed
    # start (credential check) and end (waiting for the last loads, the network-set call)
    steady_rate = (len(fresh_uploads) - 1) / (fresh_uploads[-1] - fresh_uploads[0])
    print()
    print(
        f"{n} figures, {args.workers} workers, {args.latency * 1000:.0f} ms latency per request, "
        f"{args.load_delay:.2f} s server load time"
    )
    print(
        f"fresh publish : {fresh_s:6.2f} s  {fresh_rate:6.1f} figures/s  "
        f"{fresh_requests / n:.2f} requests/figure ({fresh_requests} requests, {len(fresh_uploads)} uploads)  "
        f"[target <= 1.5 requests/figure]"
    )
    print(
        f"               throughput {fresh_rate / ceiling:.0%} of workers/latency = {ceiling:.0f} figures/s "
        f"[target >= 75%]"
    )
    print(
        f"               between the first and the last upload: {steady_rate:6.1f} uploads/s "
        f"= {steady_rate / ceiling:.0%} of workers/latency"
    )
    print(
        f"re-run        : {rerun_s:6.2f} s  {len(rerun_uploads)} uploads, {rerun_requests} requests [target 0 uploads]"
    )
    print(
        f"straightforward (sequential create + poll + systemproperty + add-to-set, {m} figures): "
        f"{base_rate:6.1f} figures/s  {base_requests / m:.2f} requests/figure"
    )
    print(
        f"ratio         : {fresh_rate / base_rate:.1f}x the throughput, "
        f"{(base_requests / m) / (fresh_requests / n):.1f}x fewer requests per figure"
    )
    for label, (seconds, requests, uploads) in reruns.items():
        print(
            f"fresh-machine re-run of {big:,} figures ({label}, no state dir): {seconds:6.2f} s  "
            f"{len(uploads)} uploads, {requests} requests = 1 per {big / max(requests, 1):.0f} figures  "
            f"[target 0 uploads, <= 1 request per 500 figures + a constant]"
        )
    if reruns:
        print(f"               the straightforward publisher keeps nothing on the server: it uploads all {big:,} again")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
