"""Throughput of the NDEx sandbox through the real ndex2 client (no assertions; prints numbers).

    python scripts/bench_sandbox.py [NETWORKS] [THREADS]

Uploads NETWORKS copies of the sample figures' CX2 with THREADS concurrent clients, waits for
every loading task, pages the owner's summaries, adds all to a network set, and restarts the
sandbox on the same data folder.
"""

from __future__ import annotations

import sys
import tempfile
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ndex2.client import Ndex2

from pfocr_ndex.layout import iter_record_paths
from pfocr_ndex.network import build_network
from pfocr_ndex.records import read_record
from pfocr_ndex.sandbox import NdexSandbox

count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
threads = int(sys.argv[2]) if len(sys.argv) > 2 else 4
root = Path(__file__).parent.parent / "tests" / "data" / "pfocr"
samples = [build_network(read_record(p)).cx2 for p in iter_record_paths([root])]
local = threading.local()


def client(url: str) -> Ndex2:
    if not hasattr(local, "client"):
        local.client = Ndex2(host=url, username="bench", password="bench-pw", skip_version_check=True)
    return local.client


def timed(label: str, func, n: int):
    start = time.perf_counter()
    result = func()
    elapsed = time.perf_counter() - start
    print(f"{label:<36} {elapsed:7.2f} s  {n / elapsed:8.0f} /s")
    return result


with tempfile.TemporaryDirectory() as data:
    with NdexSandbox(data_dir=data, users={"bench": "bench-pw"}, load_delay=0.0) as sb:

        def create(i: int) -> str:
            return client(sb.url).save_new_cx2_network(samples[i % len(samples)]).rsplit("/", 1)[1]

        with ThreadPoolExecutor(threads) as pool:
            ids = timed(f"create ({threads} threads)", lambda: list(pool.map(create, range(count))), count)

        def wait_loaded() -> None:
            reader = Ndex2(host=sb.url, username="bench", password="bench-pw", skip_version_check=True)
            for start in range(0, len(ids), 2000):
                while not all(s["completed"] for s in reader.networks.get_summaries(ids[start : start + 2000])):
                    time.sleep(0.05)

        timed("all loading tasks done (batch summaries)", wait_loaded, count)
        with ThreadPoolExecutor(threads) as pool:
            timed(
                f"get_network_summary ({threads} threads)",
                lambda: list(pool.map(lambda i: client(sb.url).get_network_summary(i), ids)),
                count,
            )
        pager = Ndex2(host=sb.url, username="bench", password="bench-pw", skip_version_check=True)
        timed(
            "user summaries, pages of 1000",
            lambda: [pager.get_user_network_summaries("bench", offset=o, limit=1000) for o in range(0, count, 1000)],
            count,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            set_id = pager.create_networkset("bench", "").rsplit("/", 1)[1]
            timed("add all to a network set (1 call)", lambda: pager.add_networks_to_networkset(set_id, ids), count)
        served = len(sb.requests)
    size = (Path(data) / "ndex-sandbox.sqlite").stat().st_size + sum(
        p.stat().st_size for p in Path(data).glob("ndex-sandbox.sqlite-*")
    )
    print(f"requests served: {served}; database {size / 1e6:.1f} MB ({size / count / 1e3:.1f} kB/network)")
    start = time.perf_counter()
    with NdexSandbox(data_dir=data) as again:
        n = len(again.networks_of("bench"))
    print(f"restart + list {n} networks: {time.perf_counter() - start:.2f} s")
