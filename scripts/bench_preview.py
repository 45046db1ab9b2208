"""Benchmark `pfocr-ndex preview`: page writing speed, and the index page at PFOCR scale (~110k figures).

    python scripts/bench_preview.py [--figures 110000]

1. Writes the preview of the sample database (tests/data/pfocr, 99 records) in both modes (the default, cytoscape.js
   from the CDN; --offline, cytoscape.js copied from node_modules after `npm ci`) and reports pages/s and sizes.
2. Grows that index.html to --figures rows (copies of the sample rows with distinct figids) and, in headless
   Chromium, times the first render and a search (the index renders at most 500 matching rows).
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from pfocr_ndex.preview import HEADLESS_CHROMIUM_ARGS as CHROMIUM_ARGS
from pfocr_ndex.preview import write_preview

REPO = Path(__file__).resolve().parent.parent
DATA = re.compile(r'(<script type="application/json" id="figure-data"[^>]*>)(.*?)(</script>)', re.S)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--figures", type=int, default=110_000)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for offline in (False, True):
            out = Path(tmp, "offline" if offline else "cdn")
            start = time.perf_counter()
            result = write_preview([REPO / "tests" / "data" / "pfocr" / "_figures"], out, offline=offline)
            elapsed = time.perf_counter() - start
            pages = [p for p in out.glob("*.html") if p.name != "index.html"]
            sizes = sorted(p.stat().st_size for p in pages)
            assets = sum(p.stat().st_size for p in (out / "assets").iterdir())
            print(
                f"{'--offline' if offline else 'default (CDN)'}: {result.pages} pages in {elapsed:.2f} s "
                f"({result.pages / elapsed:.0f} pages/s); page size median {sizes[len(sizes) // 2] / 1024:.0f} KiB, "
                f"max {sizes[-1] / 1024:.0f} KiB; assets {assets / 1024:.0f} KiB"
            )

        index = out / "index.html"
        text = index.read_text()
        data = DATA.search(text)
        assert data is not None, "no figure-data script in index.html"
        sample = json.loads(data.group(2))
        rows = [[f"{row[0]}-{n}", *row[1:]] for n in range(args.figures // len(sample) + 1) for row in sample]
        rows = rows[: args.figures]
        grown = json.dumps(rows, separators=(",", ":")).replace("<", "\\u003c").replace(">", "\\u003e")
        index.write_text(DATA.sub(lambda m: m.group(1) + grown + m.group(3), text))
        print(f"index: {len(rows)} rows, {index.stat().st_size / 2**20:.1f} MiB")

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
            page = browser.new_page()
            start = time.perf_counter()
            page.goto(index.as_uri())
            page.wait_for_selector("#figures tbody tr")
            print(f"index first render: {time.perf_counter() - start:.2f} s ({page.text_content('#status')})")
            for query in ("homo sapiens", "wnt signaling", "PMC3117218__nihms301891f1-7"):
                took = page.evaluate(
                    """(q) => { const box = document.getElementById('search'); box.value = q;
                    const t = performance.now(); box.dispatchEvent(new Event('input'));
                    return performance.now() - t; }""",
                    query,
                )
                print(f"search {query!r}: {took:.0f} ms, {page.text_content('#status')}")
            browser.close()


if __name__ == "__main__":
    main()
