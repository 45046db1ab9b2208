"""``pfocr-ndex`` command line: a thin layer over the Python API.

Exit codes: 0 success, 1 some figures failed, 2 usage error.
Every user error is one line on stderr (``pfocr-ndex: <file>: <reason>``), never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from . import __version__
from .errors import PfocrError

PROG = "pfocr-ndex"


def error(message: object) -> None:
    """Print one error line to stderr."""
    print(f"{PROG}: {message}", file=sys.stderr)


# --- convert / validate (issue: CX2 converter) -------------------------------------------

def _add_convert(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("convert", help="convert figure records to CX2 files")
    p.set_defaults(func=_cmd_convert)


def _cmd_convert(args: argparse.Namespace) -> int:
    raise NotImplementedError


def _add_validate(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("validate", help="check CX2 files against the rules NDEx enforces",
                       description="Check CX2 files against the rules the NDEx server enforces after upload. "
                                   "Prints one line per problem (FILE: problem) and a summary; "
                                   "exits 1 when any file is invalid or unreadable.")
    p.add_argument("files", nargs="+", metavar="FILE.cx2", help="CX2 files to check")
    p.add_argument("-q", "--quiet", action="store_true", help="print only the problems, no summary")
    p.set_defaults(func=_cmd_validate)


def _cmd_validate(args: argparse.Namespace) -> int:
    from .validate import validate_cx2

    invalid = 0
    for path in args.files:
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as err:
            problems = [f"cannot read: {err.strerror or err}"]
        else:
            problems = validate_cx2(data)
        for problem in problems:
            print(f"{path}: {problem}")
        invalid += bool(problems)
    if not args.quiet:
        print(f"{len(args.files) - invalid} valid, {invalid} invalid CX2 file(s)", file=sys.stderr)
    return 1 if invalid else 0


# --- publish / fill / sandbox (issue: NDEx publishing) -----------------------------------

def _add_publish(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("publish", help="publish figures to NDEx and fill their ndex fields")
    p.set_defaults(func=_cmd_publish)


def _cmd_publish(args: argparse.Namespace) -> int:
    raise NotImplementedError


def _add_fill(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("fill", help="fill empty ndex fields from a figid<TAB>uuid map")
    p.set_defaults(func=_cmd_fill)


def _cmd_fill(args: argparse.Namespace) -> int:
    raise NotImplementedError


def _add_sandbox(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sandbox", help="run a local NDEx sandbox server")
    p.set_defaults(func=_cmd_sandbox)


def _cmd_sandbox(args: argparse.Namespace) -> int:
    raise NotImplementedError


# --- open (issue: Cytoscape) -------------------------------------------------------------

def _add_open(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "open", help="open figure networks in Cytoscape Desktop",
        description="Open CX2 files, figure records, figure ids or NDEx UUIDs in a running Cytoscape 3.10+ "
                    "(CyREST), with the PFOCR style and the figure image behind the nodes.")
    p.add_argument("targets", nargs="+", metavar="TARGET",
                   help="a .cx2 file, a figure record (.md), a figure id (looked up in --db) or an NDEx UUID")
    p.add_argument("--cytoscape-url", default="http://127.0.0.1:1234/v1", metavar="URL",
                   help="CyREST address (default: %(default)s)")
    p.add_argument("--server", metavar="URL",
                   help="NDEx server for UUID targets (default: NDEX_SERVER, the profile's, or www.ndexbio.org)")
    p.add_argument("--profile", help="~/.ndexutils.conf profile with NDEx credentials (private networks only)")
    p.add_argument("--db", default=".", metavar="DIR", help="database checkout for figure ids (default: .)")
    p.add_argument("--collection", default="PFOCR", help="Cytoscape collection to open into (default: %(default)s)")
    p.add_argument("--timeout", type=float, default=120.0, metavar="SECONDS",
                   help="give up when Cytoscape takes longer than this for one request (default: %(default)g)")
    p.set_defaults(func=_cmd_open)


def _cmd_open(args: argparse.Namespace) -> int:
    from .credentials import DEFAULT_SERVER, normalize_server, resolve_credentials
    from .cytoscape import CytoscapeSession, CytoscapeUnavailable

    # Public networks need no credentials: NDEX_SERVER alone only chooses the server here.
    environ = {name: value for name, value in os.environ.items() if name != "NDEX_SERVER"}
    credentials = resolve_credentials(profile=args.profile, environ=environ)
    server = (args.server or os.environ.get("NDEX_SERVER") or (credentials.server if credentials else None)
              or DEFAULT_SERVER)
    session = CytoscapeSession(
        args.cytoscape_url, ndex_server=normalize_server(server), collection=args.collection, db=args.db,
        timeout=args.timeout, ndex_username=credentials.username if credentials else None,
        ndex_password=credentials.password if credentials else None)
    failures = 0
    for target in args.targets:
        try:
            suid = session.open_figure(target)
        except CytoscapeUnavailable:
            raise
        except PfocrError as err:
            error(err)
            failures += 1
            continue
        print(f"{target}: opened as Cytoscape network {suid} in collection {args.collection}")
    return 1 if failures else 0


# --- preview (issue: browser preview) ----------------------------------------------------

def _add_preview(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("preview", help="write browser pages showing each figure beside its network",
                       description="Write OUTDIR/index.html (a searchable list of the figures) and one page per "
                                   "figure: the figure image, its network drawn by cytoscape.js with the CX2 style, "
                                   "and its network attributes. Pages work opened from disk. Exits 1 when a record "
                                   "could not be previewed (the others are written).")
    p.add_argument("paths", nargs="+", metavar="PATH",
                   help="figure records (.md), folders of records, or a PFOCR database checkout")
    p.add_argument("-o", "--outdir", required=True, metavar="OUTDIR", help="folder to write the pages to")
    p.add_argument("--style", metavar="FILE", help="CX2 visualProperties style (default: templates/pfocr-style.cx2.json)")
    p.add_argument("--cytoscape-js", metavar="PATH",
                   help="cytoscape.min.js to copy into OUTDIR/assets (default: $PFOCR_NDEX_CYTOSCAPE_JS, "
                        "else node_modules/cytoscape/dist/ after `npm ci` in the repository)")
    p.set_defaults(func=_cmd_preview)


def _cmd_preview(args: argparse.Namespace) -> int:
    from .preview import find_cytoscape_js, write_preview

    library = find_cytoscape_js(args.cytoscape_js)
    if library is None:
        error("warning: cytoscape.js not found: pages will show figures and attributes without the network; "
              "run `npm ci` in the pfocr-ndex repository or pass --cytoscape-js PATH")
    result = write_preview(args.paths, args.outdir, style=args.style, cytoscape_js=library, on_error=error)
    print(f"preview: {result.pages} figure page(s) written, {result.failed} failed: {result.index}", file=sys.stderr)
    return 1 if result.failed else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in (_add_convert, _add_validate, _add_publish, _add_fill, _add_sandbox, _add_open, _add_preview):
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except PfocrError as err:
        error(err)
        return 1
    except KeyboardInterrupt:
        error("interrupted")
        return 130
