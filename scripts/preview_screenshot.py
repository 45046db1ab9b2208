"""Write docs/preview.png: a figure page of the example database, as headless Chromium draws it.

Run from the repository after `npm ci` (the page is written with --offline) with Debian's chromium installed:

    python scripts/preview_screenshot.py [--out docs/preview.png] [--figure PMC10003241__ijms-24-04893-g003]

Network requests are blocked, so the page shows its offline notice where the figure image would be.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from pfocr_ndex.errors import PfocrError
from pfocr_ndex.preview import HEADLESS_CHROMIUM_ARGS as CHROMIUM_ARGS
from pfocr_ndex.preview import page_filename, write_preview

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "preview.png")
    parser.add_argument("--figure", default="PMC10003241__ijms-24-04893-g003")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        try:  # offline: the page must draw with the network blocked
            write_preview([REPO / "examples" / "pfocr" / "_figures" / f"{args.figure}.md"], tmp, offline=True)
        except PfocrError as err:
            raise SystemExit(str(err)) from None
        browser = playwright.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1100, "height": 640})
        page.route(lambda url: not url.startswith("file:"), lambda route: route.abort())
        page.goto((Path(tmp) / page_filename(args.figure)).as_uri())
        page.wait_for_selector("#figure-offline", state="visible")
        args.out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=args.out)
        browser.close()
    print(f"{args.out}: {args.out.stat().st_size} bytes")


if __name__ == "__main__":
    main()
