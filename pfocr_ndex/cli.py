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


def _jobs(text: str) -> int:
    try:
        jobs = int(text)
    except ValueError:
        jobs = -1
    if jobs < 0:
        raise argparse.ArgumentTypeError(f"expected a number of processes (0 = one per CPU), got {text!r}")
    return jobs


def _add_convert(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "convert",
        help="convert figure records to CX2 files",
        description="Convert PFOCR figure records to CX2 files OUTDIR/<figid>.cx2 (one line per failed "
        "record, the run goes on; exit 1 if any failed).",
    )
    p.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="a record (.md), a folder of records, or a database checkout (_figures/ + _data/)",
    )
    p.add_argument("-o", "--outdir", default="cx2", metavar="OUTDIR", help="output folder (default: %(default)s)")
    p.add_argument(
        "--style", metavar="FILE", help="CX2 visualProperties style (default: templates/pfocr-style.cx2.json)"
    )
    p.add_argument(
        "-j",
        "--jobs",
        type=_jobs,
        default=1,
        metavar="N",
        help="worker processes (default: %(default)s; 0 = one per CPU)",
    )
    p.set_defaults(func=_cmd_convert)


def _cmd_convert(args: argparse.Namespace) -> int:
    import time

    from tqdm import tqdm

    from .convert import convert
    from .network import load_style

    missing = [p for p in args.paths if not os.path.exists(p)]
    for path in missing:
        error(f"convert: {path}: no such file or directory")
    try:
        style = load_style(args.style) if args.style else None
    except PfocrError as err:
        error(f"convert: --style {err}")
        return 2
    if missing:
        return 2

    def report(path: str, reason: str) -> None:
        tqdm.write(f"{PROG}: {path}: {reason}", file=sys.stderr)

    started = time.monotonic()
    summary = convert(args.paths, outdir=args.outdir, style=style, jobs=args.jobs, on_error=report)
    elapsed = time.monotonic() - started
    rate = (summary.converted + summary.failed) / elapsed if elapsed > 0 else 0.0
    print(f"{summary} ({elapsed:.1f} s, {rate:.0f} figures/s) -> {args.outdir}")
    return 1 if summary.failed else 0


def _add_validate(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "validate",
        help="check CX2 files against the rules NDEx enforces",
        description="Check CX2 files against the rules the NDEx server enforces after upload. "
        "Prints one line per problem (FILE: problem) and a summary; "
        "exits 1 when any file is invalid or unreadable.",
    )
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
    p = sub.add_parser(
        "publish",
        help="publish figures to NDEx and fill their ndex fields",
        description="Create or update one NDEx network per figure, verify it, then write its UUID into the "
        "record's ndex: line and _data/ndex_map.tsv. Credentials: --profile (~/.ndexutils.conf) "
        "or NDEX_USERNAME/NDEX_PASSWORD[/NDEX_SERVER]; with none, a local NDEx sandbox is used. "
        "Re-runs skip unchanged figures; an interrupted run resumes without duplicates. "
        "Exits 1 when any figure failed.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="figure records, _figures/ folders or database checkouts")
    p.add_argument("--server", metavar="URL", help="NDEx server (default: the profile's, NDEX_SERVER, or ndexbio.org)")
    p.add_argument("--profile", metavar="NAME", help="section of ~/.ndexutils.conf holding user/password/server")
    p.add_argument("--conf", metavar="FILE", help="credentials file instead of ~/.ndexutils.conf")
    p.add_argument(
        "--visibility",
        choices=("PUBLIC", "PRIVATE", "UNLISTED"),
        default="PUBLIC",
        help="visibility of the networks (default PUBLIC)",
    )
    p.add_argument("--index-level", choices=("NONE", "META", "ALL"), help="NDEx search index level")
    p.add_argument(
        "--network-set", metavar="NAME", help="add the networks to this network set (split in parts of 100,000)"
    )
    p.add_argument("--workers", type=int, default=4, metavar="N", help="concurrent uploads (default 4)")
    p.add_argument(
        "--replace-foreign",
        action="store_true",
        help="create new networks for UUIDs this account cannot update, and replace the field",
    )
    p.add_argument("--dry-run", action="store_true", help="contact nothing; say what would be done")
    p.add_argument(
        "--no-fill", dest="fill", action="store_false", help="do not write UUIDs into records or ndex_map.tsv"
    )
    p.add_argument(
        "--report",
        metavar="FILE",
        help="where to write every figure's outcome and UUID as JSON (default STATE_DIR/last-report.json)",
    )
    p.add_argument("--style", metavar="FILE", help="CX2 visual style instead of the bundled one")
    p.add_argument(
        "--state-dir",
        metavar="DIR",
        help="journal of earlier publishes (default .pfocr-ndex, or inside the sandbox dir)",
    )
    p.add_argument(
        "--sandbox-dir",
        metavar="DIR",
        default=".ndex-sandbox",
        help="data of the local sandbox used without credentials (default .ndex-sandbox)",
    )
    p.add_argument(
        "--upload-timeout",
        type=float,
        default=300.0,
        metavar="SECONDS",
        help="give up on an upload after this long (default 300)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_publish)


def _cmd_publish(args: argparse.Namespace) -> int:
    import contextlib
    from pathlib import Path

    from .credentials import resolve_credentials
    from .publish import NdexPublisher, local_sandbox

    if args.workers < 1:
        raise PfocrError("--workers must be at least 1")
    credentials = resolve_credentials(server=args.server, profile=args.profile, conf=args.conf)
    style = None
    if args.style:
        from .network import load_style

        style = load_style(args.style)
    options = dict(
        visibility=args.visibility,
        index_level=args.index_level,
        network_set=args.network_set,
        workers=args.workers,
        replace_foreign=args.replace_foreign,
        fill=args.fill,
        dry_run=args.dry_run,
        style=style,
        progress=not args.quiet and not args.dry_run and sys.stderr.isatty(),
        upload_timeout=args.upload_timeout,
    )
    if args.dry_run:
        options["echo"] = print
    with contextlib.ExitStack() as stack:
        if credentials is None:
            sandbox_dir = Path(args.sandbox_dir)
            options.update(
                sandbox_dir=str(sandbox_dir),
                state_key="sandbox",
                state_dir=args.state_dir or str(sandbox_dir / "publish-state"),
            )
            if args.dry_run:  # contacts nothing, not even the sandbox
                server, username, password = "sandbox", "pfocr", ""
            else:
                _, credentials = stack.enter_context(local_sandbox(sandbox_dir))
                print(
                    f"No NDEx credentials given: publishing to a local NDEx sandbox at {credentials.server} "
                    f"(data in {sandbox_dir}). Use --profile or NDEX_USERNAME/NDEX_PASSWORD for NDEx."
                )
        else:
            options["state_dir"] = args.state_dir or ".pfocr-ndex"
            if not args.dry_run:
                print(
                    f"Publishing to {credentials.server} as {credentials.username} "
                    f"(credentials from {credentials.source})."
                )
        if credentials is not None:
            server, username, password = credentials.server, credentials.username, credentials.password
        publisher = NdexPublisher(server, username, password, **options)
        report = publisher.publish(args.paths)
    report_path = args.report or (None if args.dry_run else Path(options["state_dir"]) / "last-report.json")
    if report_path:
        report.write(report_path)
    print(report.summary())
    if report_path:
        print(f"report: {report_path}")
    return 1 if report.failed else 0


def _add_fill(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "fill",
        help="fill empty ndex fields from a figid<TAB>uuid map",
        description="Write UUIDs from a figid<TAB>uuid map (e.g. _data/ndex_map.tsv) into the records' ndex: "
        "lines; nothing else in a record changes. A field holding another UUID is only replaced "
        "with --force. Exits 1 on bad map lines or unreadable records.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="figure records, _figures/ folders or database checkouts")
    p.add_argument("--map", required=True, metavar="TSV", help="figid<TAB>uuid file, no header")
    p.add_argument("--force", action="store_true", help="replace ndex fields holding a different UUID")
    p.set_defaults(func=_cmd_fill)


def _cmd_fill(args: argparse.Namespace) -> int:
    from .writeback import fill_from_map

    report = fill_from_map(args.paths, args.map, force=args.force)
    for line in report.errors:
        error(line)
    for line in report.conflicts:
        error(f"{line} (not replaced; use --force)")
    print(report.summary())
    return 1 if report.errors else 0


def _add_sandbox(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sandbox",
        help="run a local NDEx sandbox server",
        description="Serve, on 127.0.0.1 until Ctrl-C, the part of the NDEx REST API that publishing uses, "
        "with networks kept in DIR/ndex-sandbox.sqlite. Point publish (or ndex2.client.Ndex2) at "
        "the printed URL to try a publish without an NDEx account; the default DIR is the one "
        "'pfocr-ndex publish' uses when it has no credentials, so its networks show up here.",
    )
    p.add_argument("--port", type=int, default=0, metavar="N", help="TCP port (default: a free one)")
    p.add_argument(
        "--data",
        metavar="DIR",
        default=".ndex-sandbox",
        help="folder holding the sandbox database (default .ndex-sandbox)",
    )
    p.add_argument("--user", metavar="NAME", help="account to create (default: a demo account)")
    p.add_argument(
        "--password-env", metavar="VAR", help="environment variable holding --user's password (never printed)"
    )
    p.add_argument(
        "--seed",
        metavar="FILE",
        help="JSON-lines file of networks that exist before the run (other owners', read-only, DOI; "
        "see docs/sandbox.md); networks already in DIR are kept",
    )
    p.add_argument(
        "--load-delay",
        type=float,
        default=0.05,
        metavar="SECONDS",
        help="how long the server takes to load each network; one at a time, in upload order (default 0.05)",
    )
    p.set_defaults(func=_cmd_sandbox)


def _cmd_sandbox(args: argparse.Namespace) -> int:
    import secrets
    import sqlite3
    import threading

    from .publish import SANDBOX_PASSWORD, SANDBOX_USER
    from .sandbox import NdexSandbox

    if not 0 <= args.port <= 65535:
        raise PfocrError(f"--port {args.port}: a TCP port is 0 (any free one) to 65535")
    if (args.user is None) != (args.password_env is None):
        raise PfocrError("--user and --password-env go together")
    if args.user is not None:
        password = os.environ.get(args.password_env, "")
        if not password:
            raise PfocrError(f"environment variable {args.password_env} (password of {args.user}) is empty or unset")
        user, shown_password = args.user, f"${args.password_env}"
    else:
        user = "demo"
        password = shown_password = secrets.token_urlsafe(12)  # a throwaway local account: shown once
    try:
        sandbox = NdexSandbox(
            data_dir=args.data,
            port=args.port,
            users={user: password},
            load_delay=args.load_delay,
            record_limit=10_000,
            seed=args.seed,
        )
    except sqlite3.Error as err:
        raise PfocrError(f"cannot open the sandbox database: {err}", args.data) from None
    except OSError as err:
        if err.filename:
            raise PfocrError(err.strerror or str(err), err.filename) from None
        raise PfocrError(f"cannot listen on 127.0.0.1:{args.port}: {err.strerror or err}") from None
    with sandbox:
        lines = [f"NDEx sandbox at {sandbox.url} (data in {sandbox.data_dir}); Ctrl-C stops it."]
        if args.seed:
            added, kept = sandbox.seeded
            lines.append(f"seeded {added} network(s) from {args.seed} ({kept} already there, kept)")
        lines.append(f"account: {user}  password: {shown_password}")
        if user.lower() != SANDBOX_USER and sandbox.has_user(SANDBOX_USER):
            lines.append(
                f"account: {SANDBOX_USER}  password: {SANDBOX_PASSWORD}  (the fixed account of the sandbox "
                f"'{PROG} publish' embeds; it owns the networks published without credentials and can change "
                "or delete them)"
            )
        lines += [
            "publish to it:",
            f"  NDEX_SERVER={sandbox.url} NDEX_USERNAME={user} NDEX_PASSWORD={shown_password} {PROG} publish PATH...",
            f'or from Python: ndex2.client.Ndex2(host="{sandbox.url}", username="{user}", password=...)',
        ]
        print("\n".join(lines), flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("sandbox stopped", file=sys.stderr)
    return 0


# --- open (issue: Cytoscape) -------------------------------------------------------------


def _add_open(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "open",
        help="open figure networks in Cytoscape Desktop",
        description="Open CX2 files, figure records, figure ids or NDEx UUIDs in a running Cytoscape 3.10+ "
        "(CyREST), with the PFOCR style and the figure image behind the nodes.",
    )
    p.add_argument(
        "targets",
        nargs="+",
        metavar="TARGET",
        help="a .cx2 file, a figure record (.md), a figure id (looked up in --db) or an NDEx UUID",
    )
    p.add_argument(
        "--cytoscape-url",
        default="http://127.0.0.1:1234/v1",
        metavar="URL",
        help="CyREST address (default: %(default)s)",
    )
    p.add_argument(
        "--server",
        metavar="URL",
        help="NDEx server for UUID targets (default: NDEX_SERVER, the profile's, or www.ndexbio.org)",
    )
    p.add_argument("--profile", help="~/.ndexutils.conf profile with NDEx credentials (private networks only)")
    p.add_argument("--db", default=".", metavar="DIR", help="database checkout for figure ids (default: .)")
    p.add_argument("--collection", default="PFOCR", help="Cytoscape collection to open into (default: %(default)s)")
    p.add_argument(
        "--timeout",
        type=float,
        default=120.0,
        metavar="SECONDS",
        help="give up when Cytoscape takes longer than this for one request (default: %(default)g)",
    )
    p.set_defaults(func=_cmd_open)


def _cmd_open(args: argparse.Namespace) -> int:
    from .credentials import DEFAULT_SERVER, normalize_server, resolve_credentials
    from .cytoscape import CytoscapeSession, CytoscapeUnavailable

    # Public networks need no credentials: NDEX_SERVER alone only chooses the server here.
    environ = {name: value for name, value in os.environ.items() if name != "NDEX_SERVER"}
    credentials = resolve_credentials(profile=args.profile, environ=environ)
    server = (
        args.server or os.environ.get("NDEX_SERVER") or (credentials.server if credentials else None) or DEFAULT_SERVER
    )
    session = CytoscapeSession(
        args.cytoscape_url,
        ndex_server=normalize_server(server),
        collection=args.collection,
        db=args.db,
        timeout=args.timeout,
        ndex_username=credentials.username if credentials else None,
        ndex_password=credentials.password if credentials else None,
    )
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
    p = sub.add_parser(
        "preview",
        help="write browser pages showing each figure beside its network",
        description="Write OUTDIR/index.html (a searchable list of the figures) and one page per "
        "figure: the figure image, its network drawn by cytoscape.js with the CX2 style, "
        "and its network attributes. Pages work opened from disk. Exits 1 when a record "
        "could not be previewed (the others are written).",
    )
    p.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="figure records (.md), folders of records, or a PFOCR database checkout",
    )
    p.add_argument("-o", "--outdir", required=True, metavar="OUTDIR", help="folder to write the pages to")
    p.add_argument(
        "--style", metavar="FILE", help="CX2 visualProperties style (default: templates/pfocr-style.cx2.json)"
    )
    p.add_argument(
        "--cytoscape-js",
        metavar="PATH",
        help="cytoscape.min.js to copy into OUTDIR/assets (default: $PFOCR_NDEX_CYTOSCAPE_JS, "
        "else node_modules/cytoscape/dist/ after `npm ci` in the repository)",
    )
    p.set_defaults(func=_cmd_preview)


def _cmd_preview(args: argparse.Namespace) -> int:
    from .preview import find_cytoscape_js, write_preview

    library = find_cytoscape_js(args.cytoscape_js)
    if library is None:
        error(
            "warning: cytoscape.js not found: pages will show figures and attributes without the network; "
            "run `npm ci` in the pfocr-ndex repository or pass --cytoscape-js PATH"
        )
    result = write_preview(args.paths, args.outdir, style=args.style, cytoscape_js=library, on_error=error)
    print(f"preview: {result.pages} figure page(s) written, {result.failed} failed: {result.index}", file=sys.stderr)
    return 1 if result.failed else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="PFOCR pathway figures as CX2 networks: convert, publish to NDEx (filling the "
        "records' ndex fields), open in Cytoscape, preview in the browser.",
    )
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
