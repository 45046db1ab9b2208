"""Browser preview: one page per figure (figure image beside its network drawn by cytoscape.js) and an index.

The CX2 style is translated to a cytoscape.js stylesheet by ``style.cytoscapejs``, so the translation is testable
without a browser: ``style.cytoscapejs.cytoscape_view(cx2)`` gives the elements, stylesheet and layout a page hands
to ``cytoscape({...})``. ``write_preview(paths, outdir)`` streams records to pages that work opened from disk (all
data is inlined). cytoscape.js comes from a pinned CDN URL checked by its subresource-integrity hash, or, with
``offline=True``, from a copy in ``outdir/assets/``.
"""

from __future__ import annotations

import base64
import hashlib
import html
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from importlib.resources import files
from os import PathLike
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
import orjson
from markupsafe import Markup

from .cx2 import network_attributes
from .errors import PfocrError
from .fsutil import atomic_write_bytes, atomic_write_text
from .layout import iter_record_paths
from .network import build_network
from .records import read_record
from .style import load_style
from .style.cytoscapejs import cytoscape_view

__all__ = [
    "CYTOSCAPE_JS_CDN_URL",
    "CYTOSCAPE_JS_ENV",
    "CYTOSCAPE_JS_INTEGRITY",
    "CYTOSCAPE_JS_VERSION",
    "HEADLESS_CHROMIUM_ARGS",
    "NDEX_VIEWER_URL",
    "PreviewResult",
    "find_cytoscape_js",
    "page_filename",
    "sanitize_html",
    "subresource_integrity",
    "write_preview",
]

# Flags for Debian's Chromium driven headless (tests, benchmarks, the README screenshot): as root it needs
# --no-sandbox, and without the background-networking flags it keeps trying hosts this machine cannot reach.
HEADLESS_CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

NDEX_VIEWER_URL = "https://www.ndexbio.org/viewer/networks/"
CYTOSCAPE_JS_VERSION = "3.35.0"  # as package.json
CYTOSCAPE_JS_CDN_URL = f"https://cdn.jsdelivr.net/npm/cytoscape@{CYTOSCAPE_JS_VERSION}/dist/cytoscape.min.js"
# sha384 of dist/cytoscape.min.js in the npm tarball cytoscape-3.35.0.tgz (the one package-lock.json pins by its
# sha512); jsDelivr serves npm files byte for byte. tests/test_preview.py recomputes it from node_modules/.
CYTOSCAPE_JS_INTEGRITY = "sha384-kp3V5E6ICGTVK17un/PMnK9szzrW0dQW+dEyUb3B7dKhimb1EVzqm1wZ/Ulo7BJf"
CYTOSCAPE_JS_ENV = "PFOCR_NDEX_CYTOSCAPE_JS"
_CYTOSCAPE_JS_IN_NODE_MODULES = Path("node_modules", "cytoscape", "dist", "cytoscape.min.js")
_REPOSITORY = Path(__file__).resolve().parent.parent  # holds package.json (cytoscape pinned) in a checkout
ASSETS = "assets"
_PAGE_ASSETS = ("preview.css", "preview-figure.js", "preview-index.js")

# Network attributes shown as (sanitised) HTML; every other value is shown as text.
HTML_ATTRIBUTES = frozenset({"description", "reference", "methods", "rights", "prov:wasGeneratedBy"})


# --- HTML text from records ---------------------------------------------------------------

_ALLOWED_TAGS = frozenset({"a", "b", "br", "em", "i", "li", "ol", "p", "span", "strong", "sub", "sup", "u", "ul"})
_DROPPED_WITH_CONTENT = frozenset({"script", "style", "template", "iframe", "object", "noscript", "textarea"})


def _safe_url(url: Any) -> str | None:
    """``url`` when it is an absolute http(s) URL, else None (no ``javascript:`` or ``data:`` links)."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    return url if re.match(r"https?://[^\s]+\Z", url, re.IGNORECASE) else None


class _Sanitizer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.open: list[str] = []
        self.skipping: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skipping:
            return
        if tag in _DROPPED_WITH_CONTENT:
            self.skipping = tag
        elif tag == "br":
            self.out.append("<br>")
        elif tag == "a":
            href = _safe_url(dict(attrs).get("href"))
            self.out.append(f'<a href="{html.escape(href)}" rel="noopener noreferrer">' if href else "<a>")
            self.open.append(tag)
        elif tag in _ALLOWED_TAGS:
            self.out.append(f"<{tag}>")
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br" and not self.skipping:
            self.out.append("<br>")

    def handle_endtag(self, tag: str) -> None:
        if self.skipping:
            if tag == self.skipping:
                self.skipping = None
            return
        if tag in self.open:
            while self.open:
                closed = self.open.pop()
                self.out.append(f"</{closed}>")
                if closed == tag:
                    break

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.out.append(html.escape(data, quote=False))


def sanitize_html(text: str) -> str:
    """Keep a small set of formatting tags and http(s) links of an HTML fragment; escape everything else.

    Scripts, styles, event-handler attributes and non-http(s) links are dropped; text is re-escaped.

    >>> sanitize_html('<p>IL-6 &amp; <b>TNF</b><script>alert(1)</script> <a href="javascript:x" onclick="y">z</a></p>')
    '<p>IL-6 &amp; <b>TNF</b> <a>z</a></p>'
    """
    parser = _Sanitizer()
    parser.feed(text)
    parser.close()
    return "".join(parser.out) + "".join(f"</{tag}>" for tag in reversed(parser.open))


# --- pages -------------------------------------------------------------------------------

_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]")
# Page names stay well under NAME_MAX (255 bytes) with ".html", a "-N" suffix and the atomic write's temp name.
_MAX_PAGE_STEM = 190


def page_filename(figid: str) -> str:
    """The page file of a figure: its figid with characters outside ``[A-Za-z0-9._-]`` replaced by ``_``.

    A name longer than 190 characters is cut and ends with a hash of the whole figid, so it stays unique.

    >>> page_filename("PMC3481559__10.1177_1758834012454464-fig1"), page_filename("../x y")
    ('PMC3481559__10.1177_1758834012454464-fig1.html', '_.._x_y.html')
    >>> len(page_filename("PMC1__" + "x" * 240))
    195
    """
    name = _UNSAFE_FILENAME.sub("_", figid)
    if not name or name.startswith(".") or name.lower() == "index":
        name = "_" + name
    if len(name) > _MAX_PAGE_STEM:
        digest = hashlib.sha256(figid.encode("utf-8", "surrogatepass")).hexdigest()[:16]
        name = f"{name[: _MAX_PAGE_STEM - len(digest) - 1]}-{digest}"
    return name + ".html"


def subresource_integrity(data: bytes) -> str:
    """The ``integrity`` attribute value (sha384) of a file's bytes, as browsers check it.

    >>> subresource_integrity(b"alert(1)")
    'sha384-HT2E9NfWiuQ/w1PRai+hTyqW16NIoCGA/m8VQDUopfAtcz6YQjtsMmQd5uRbVDpW'
    """
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode("ascii")


_NOT_FOUND_OFFLINE = (
    f"preview --offline: cytoscape.js not found: pass --cytoscape-js FILE (cytoscape.min.js {CYTOSCAPE_JS_VERSION}, "
    f"from {CYTOSCAPE_JS_CDN_URL}), set ${CYTOSCAPE_JS_ENV}, or run `npm ci` in a pfocr-ndex checkout"
)


def find_cytoscape_js(explicit: str | PathLike[str] | None = None) -> Path | None:
    """Locate ``cytoscape.min.js``: ``explicit``, else ``$PFOCR_NDEX_CYTOSCAPE_JS``, else ``node_modules/`` of
    this repository or of the current directory (``npm ci`` puts it there). None when not found.

    An explicit path or environment variable naming a missing file is an error.
    """
    for given in (explicit, os.environ.get(CYTOSCAPE_JS_ENV) or None):
        if given is not None:
            path = Path(given)
            if not path.is_file():
                raise PfocrError("cytoscape.js not found (pass the path of cytoscape.min.js)", path)
            return path
    for root in (_REPOSITORY, Path.cwd()):
        path = root / _CYTOSCAPE_JS_IN_NODE_MODULES
        if path.is_file():
            return path
    return None


def _template_text(name: str) -> str:
    return files("pfocr_ndex.templates").joinpath(name).read_text(encoding="utf-8")


_SCRIPT_UNSAFE = {b"<": b"\\u003c", b">": b"\\u003e", b"&": b"\\u0026"}
_SCRIPT_UNSAFE_BYTES = re.compile(b"[<>&]")


def _script_json(value: Any) -> bytes:
    """Compact JSON safe inside ``<script type="application/json">``: ``<``, ``>``, ``&`` as ``\\u`` escapes.

    Those characters only occur inside JSON strings, where the escapes mean the same; so no ``</script>``
    or ``<!--`` in record text can end the script element.
    """
    return _SCRIPT_UNSAFE_BYTES.sub(lambda m: _SCRIPT_UNSAFE[m.group()], orjson.dumps(value))


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(_template_text),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["sanitize_html"] = lambda text: Markup(sanitize_html(text))
    env.filters["script_json"] = lambda value: Markup(_script_json(value).decode())
    return env


def _display(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(_display(item) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{key}: {_display(item)}" for key, item in value.items())
    return "" if value is None else str(value)


def _attribute_rows(attributes: dict) -> list[dict]:
    """Network attributes for the page table, kind ``html`` (sanitised), ``link`` or ``text``; ``__*`` left out."""
    rows = []
    for name, value in attributes.items():
        if name.startswith("__"):
            continue
        if name in HTML_ATTRIBUTES and isinstance(value, str):
            rows.append({"name": name, "kind": "html", "value": value})
        elif _safe_url(value):
            rows.append({"name": name, "kind": "link", "value": _safe_url(value)})
        else:
            rows.append({"name": name, "kind": "text", "value": _display(value)})
    return rows


def _ndex_url(uuid: str | None) -> str | None:
    return NDEX_VIEWER_URL + quote(uuid, safe="") if uuid else None


@dataclass(slots=True)
class PreviewResult:
    """What ``write_preview`` did."""

    pages: int  # figure pages written
    failed: int  # records that could not be previewed
    index: Path  # the index page
    cytoscape_js: Path | None  # the cytoscape.js copied next to the pages; None: they load CYTOSCAPE_JS_CDN_URL


def _figure_context(figid: str, filename: str, cx2: list[dict], node_count: int, ndex: str | None) -> dict:
    attributes = network_attributes(cx2)
    return {
        "figid": figid,
        "file": filename,
        "title": _display(attributes.get("name")) or figid,
        "organism": _display(attributes.get("organism")),
        "node_count": node_count,
        "image_url": _safe_url(attributes.get("__NetworkImage")),
        "ndex_url": _ndex_url(ndex),
        "ndex": ndex or "",
        "attributes": _attribute_rows(attributes),
        "view": cytoscape_view(cx2),
    }


def _os_error(doing: str, err: OSError, path: str | PathLike[str]) -> PfocrError:
    return PfocrError(f"{doing}: {err.strerror or err}", path)


def _previewable(
    paths: Iterable[str | PathLike[str]], style: dict | None, on_error: Callable[[PfocrError], None]
) -> Iterator[tuple[Path, dict]]:
    """``(record path, page context)`` of the records under ``paths``; bad records go to ``on_error``, skipped."""
    used: set[str] = set()
    for path in iter_record_paths(paths, on_error):
        try:
            record = read_record(path)
            network = build_network(record, style)
            filename = page_filename(network.figid)
            stem, counter = filename[: -len(".html")], 1
            while filename.lower() in used:  # two figids that differ only in unsafe characters or case
                counter += 1
                filename = f"{stem}-{counter}.html"
            page = _figure_context(network.figid, filename, network.cx2, network.node_count, record.ndex)
        except PfocrError as err:
            on_error(err)
            continue
        except OSError as err:
            on_error(_os_error("cannot read", err, err.filename or path))
            continue
        used.add(filename.lower())
        yield path, page


@dataclass(frozen=True, slots=True)
class _Script:
    """Where the pages load cytoscape.js from."""

    src: str
    integrity: str | None = None  # for the CDN: the browser runs only the pinned bytes


def _prepare(outdir: Path, library: Path | None) -> _Script:
    """Create ``outdir/assets/`` with the page scripts and styles (and cytoscape.js when ``library``)."""
    data = None
    if library is not None:
        try:
            data = library.read_bytes()
        except OSError as err:
            raise _os_error("cannot read cytoscape.js", err, library) from None
    if outdir.exists() and not outdir.is_dir():
        raise PfocrError("not a folder (the preview is written into a folder)", outdir)
    assets = outdir / ASSETS
    try:
        assets.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise _os_error("cannot create the preview folder", err, err.filename or assets) from None
    try:
        if data is not None:
            atomic_write_bytes(assets / "cytoscape.min.js", data, durable=False)
        for name in _PAGE_ASSETS:
            atomic_write_text(assets / name, _template_text(name), durable=False)
    except OSError as err:
        raise _os_error("cannot write the preview's assets", err, assets) from None
    if data is None:
        return _Script(CYTOSCAPE_JS_CDN_URL, CYTOSCAPE_JS_INTEGRITY)
    return _Script(f"{ASSETS}/cytoscape.min.js")


def write_preview(
    paths: Iterable[str | PathLike[str]],
    outdir: str | PathLike[str],
    *,
    style: dict | str | PathLike[str] | None = None,
    offline: bool = False,
    cytoscape_js: str | PathLike[str] | None = None,
    on_error: Callable[[PfocrError], None] | None = None,
) -> PreviewResult:
    """Write ``outdir/index.html``, one ``<figid>.html`` per figure record under ``paths``, and ``outdir/assets/``.

    Pages are written as the records are read (each page waits only for the next figure, for its "next"
    link); the index keeps one small row per figure (figid, title, organism, node count, NDEx UUID, and the
    page file when it is not ``<figid>.html``) as compact JSON, and is written last. A record that cannot be
    read or whose page cannot be written goes to ``on_error`` (default: raise) and is left out (the pages
    around it link to each other); every file is written atomically.
    ``style`` is a CX2 ``visualProperties`` dict or a style file (default: the project template).

    Pages load cytoscape.js from ``CYTOSCAPE_JS_CDN_URL`` with its subresource-integrity hash (the browser runs
    those exact bytes or nothing). ``offline=True`` (implied by ``cytoscape_js``) copies cytoscape.js, found by
    ``find_cytoscape_js(cytoscape_js)``, to ``outdir/assets/`` so the pages need no network; ``PfocrError``
    before anything is written when it is not found.

    >>> result = write_preview(["tests/data/pfocr/_figures"], "preview")   # doctest: +SKIP
    >>> result.pages, result.failed                                          # doctest: +SKIP
    (99, 0)
    """
    failures = 0

    def failed(err: PfocrError) -> None:
        nonlocal failures
        failures += 1
        if on_error is None:
            raise err
        on_error(err)

    if not isinstance(style, dict):
        style = load_style(style)
    library = None
    if offline or cytoscape_js is not None:
        library = find_cytoscape_js(cytoscape_js)
        if library is None:
            raise PfocrError(_NOT_FOUND_OFFLINE)
    outdir = Path(outdir)
    script = _prepare(outdir, library)

    env = _environment()
    figure_page = env.get_template("preview-figure.html")
    rows: list[bytes] = []  # index rows, kept as compact JSON: ~200 bytes a figure
    # The last page written, with its previous page: rewritten to skip a page that could not be written.
    last: tuple[dict, str | None] | None = None

    def write_page(page: dict, previous: str | None, next_file: str | None) -> None:
        html_text = figure_page.render(cytoscape=script, assets=ASSETS, **page, previous=previous, next=next_file)
        atomic_write_text(outdir / page["file"], html_text, durable=False)

    def emit(record_path: Path, page: dict, next_file: str | None) -> None:
        nonlocal last
        previous = last[0]["file"] if last is not None else None
        try:
            write_page(page, previous, next_file)
        except OSError as err:
            failed(_os_error(f"cannot write {outdir / page['file']}", err, record_path))
            if last is not None:
                try:
                    write_page(*last, next_file)
                except OSError as relink:
                    failed(_os_error(f"cannot relink {outdir / last[0]['file']}", relink, record_path))
            return
        row = [page["figid"], page["title"], page["organism"], page["node_count"], page["ndex"]]
        if page["file"] != page["figid"] + ".html":
            row.append(page["file"])
        rows.append(_script_json(row))
        last = (page, previous)

    pending: tuple[Path, dict] | None = None
    for record_path, page in _previewable(paths, style, failed):
        if pending is not None:
            emit(*pending, page["file"])
        pending = (record_path, page)
    if pending is not None:
        emit(*pending, None)

    index = outdir / "index.html"
    rows_json = Markup((b"[" + b",".join(rows) + b"]").decode())
    index_html = env.get_template("preview-index.html").render(
        assets=ASSETS, figure_count=len(rows), rows_json=rows_json, ndex_viewer=NDEX_VIEWER_URL
    )
    try:
        atomic_write_text(index, index_html, durable=False)
    except OSError as err:
        raise _os_error("cannot write the index", err, index) from None
    return PreviewResult(pages=len(rows), failed=failures, index=index, cytoscape_js=library)
