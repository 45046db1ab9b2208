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


class UsageError(PfocrError):
    """A command line that cannot be run as given (exit code 2)."""


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
        "record or bad path, the run goes on; exit 1 if any failed).",
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
        help="worker processes (default: %(default)s; 0 = one per CPU; at most 4 per CPU)",
    )
    p.set_defaults(func=_cmd_convert)


def _cmd_convert(args: argparse.Namespace) -> int:
    import time

    from tqdm import tqdm

    from .convert import convert, max_jobs
    from .style import load_style

    try:
        style = load_style(args.style) if args.style else None
    except PfocrError as err:
        error(f"convert: --style {err}")
        return 2
    if args.jobs > max_jobs():
        error(f"convert: --jobs {args.jobs} lowered to {max_jobs()} ({os.cpu_count() or 1} CPU(s) x 4)")

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


def _seconds(text: str) -> float:
    """argparse type: a positive, finite number of seconds (0, nan and inf are usage errors)."""
    from .http import check_deadline

    try:
        return check_deadline(float(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, not {text!r}") from None


def _workers(text: str) -> int:
    """argparse type: a number of concurrent uploads ``PublishOptions`` accepts."""
    from .publish.options import check_workers

    try:
        return check_workers(int(text))
    except (ValueError, PfocrError) as err:
        raise argparse.ArgumentTypeError(f"not a number of uploads: {text!r} ({err})") from None


def _add_server_options(p: argparse.ArgumentParser) -> None:
    """Where to publish to / look at: the options publish and status share."""
    from .publish.options import PublishOptions
    from .sandbox.local import DATA_DIR

    p.add_argument("paths", nargs="+", metavar="PATH", help="figure records, _figures/ folders or database checkouts")
    p.add_argument("--server", metavar="URL", help="NDEx server (default: the profile's, NDEX_SERVER, or ndexbio.org)")
    p.add_argument("--profile", metavar="NAME", help="section of ~/.ndexutils.conf holding user/password/server")
    p.add_argument("--conf", metavar="FILE", help="credentials file instead of ~/.ndexutils.conf")
    p.add_argument(
        "--state-dir",
        metavar="DIR",
        help=f"journal and reports (default {PublishOptions.state_dir}, or inside the sandbox dir)",
    )
    p.add_argument(
        "--sandbox-dir",
        metavar="DIR",
        default=DATA_DIR,
        help="data of the local sandbox used without credentials (default %(default)s)",
    )
    p.add_argument("--style", metavar="FILE", help="CX2 visual style instead of the bundled one")
    p.add_argument(
        "--timeout",
        type=_seconds,
        default=PublishOptions.timeout,
        metavar="SECONDS",
        help="give up on one NDEx call (not an upload) after this long, whole answer included (default %(default)g)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def _add_publish(sub: argparse._SubParsersAction) -> None:
    from .publish.options import FOLDER_LIMIT, INDEX_LEVELS, VISIBILITIES, PublishOptions

    p = sub.add_parser(
        "publish",
        help="publish figures to NDEx and fill their ndex fields",
        description="Create or update one NDEx network per figure, verify it, then write its UUID into the "
        "record's ndex: line and _data/ndex_map.tsv. Credentials: --profile (~/.ndexutils.conf) "
        "or NDEX_USERNAME/NDEX_PASSWORD[/NDEX_SERVER]; with none, a local NDEx sandbox is used. "
        "Figures whose network on the server holds the same content are not uploaded again, on any "
        "machine; an interrupted run resumes without duplicates. Exits 1 when any figure failed.",
    )
    _add_server_options(p)
    p.add_argument(
        "--visibility",
        choices=VISIBILITIES,
        default=PublishOptions.visibility,
        help="visibility of the networks (default %(default)s)",
    )
    p.add_argument("--index-level", choices=INDEX_LEVELS, help="NDEx search index level")
    p.add_argument(
        "--network-set",
        metavar="NAME",
        help=f"add the networks to this network set (split in parts of {FOLDER_LIMIT:,})",
    )
    p.add_argument(
        "--workers",
        type=_workers,
        default=PublishOptions.workers,
        metavar="N",
        help="concurrent uploads (default %(default)s)",
    )
    p.add_argument(
        "--replace-foreign",
        action="store_true",
        help="publish a new network for a figure whose record names a network this account may not change "
        "(another account's, a DOI or certified one, or one not on the server), and point the record to it",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="when a record and _data/ndex_map.tsv name different networks, publish to the record's",
    )
    p.add_argument("--dry-run", action="store_true", help="contact nothing; say what would be done")
    p.add_argument(
        "--no-fill", dest="fill", action="store_false", help="do not write UUIDs into records or ndex_map.tsv"
    )
    p.add_argument(
        "--report",
        metavar="FILE",
        help="write every figure's outcome and UUID as JSON here (default STATE_DIR/reports/publish-<time>-<pid>.json)",
    )
    p.add_argument(
        "--upload-timeout",
        type=_seconds,
        default=PublishOptions.upload_timeout,
        metavar="SECONDS",
        help="give up on an upload after this long (default %(default)g)",
    )
    p.set_defaults(func=_cmd_publish, command="publish")


def _add_status(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "status",
        help="say what NDEx holds for each figure (read-only)",
        description="For each figure: no network yet, current, content changed, own read-only, DOI, another "
        "account's, not on the server, still loading, failed load, or conflict; a summary table and a JSON "
        "report. Nothing is uploaded or written (about one request per 500 figures). Exits 1 when a "
        "figure could not be checked.",
    )
    _add_server_options(p)
    p.add_argument(
        "--json",
        dest="report",
        metavar="FILE",
        help="write every figure's situation as JSON here (default STATE_DIR/reports/status-<time>-<pid>.json)",
    )
    p.set_defaults(func=_cmd_publish, command="status")


def _check_report_path(path: str | None) -> None:
    """Refuse, before anything is sent, a report path that could not be written at the end."""
    from pathlib import Path

    if path is None:
        return
    target = Path(path)
    if target.is_dir():
        raise UsageError(f"--report {path}: is a folder; give a file name")
    if not target.parent.is_dir():
        raise UsageError(f"--report {path}: folder {target.parent} does not exist")


def _cmd_publish(args: argparse.Namespace) -> int:
    import contextlib
    from pathlib import Path

    from .credentials import resolve_credentials
    from .publish import NdexPublisher, PublishOptions, default_report_path
    from .sandbox.local import SANDBOX_USER, local_sandbox

    publishing = args.command == "publish"
    _check_report_path(args.report)
    credentials = resolve_credentials(server=args.server, profile=args.profile, conf=args.conf, warn=error)
    style = None
    if args.style:
        from .style import load_style

        style = load_style(args.style)
    fields: dict[str, object] = {"timeout": args.timeout}
    if publishing:
        fields |= {
            "visibility": args.visibility,
            "index_level": args.index_level,
            "network_set": args.network_set,
            "workers": args.workers,
            "replace_foreign": args.replace_foreign,
            "force": args.force,
            "fill": args.fill,
            "dry_run": args.dry_run,
            "upload_timeout": args.upload_timeout,
        }
    dry_run = publishing and args.dry_run
    journal_name = None
    if args.state_dir:
        fields["state_dir"] = args.state_dir
    with contextlib.ExitStack() as stack:
        if credentials is None:
            sandbox_dir = Path(args.sandbox_dir)
            fields.setdefault("state_dir", sandbox_dir / "publish-state")
            journal_name = "local-sandbox.jsonl"  # its port changes from run to run
            if dry_run:  # contacts nothing, not even the sandbox
                server, username, password = "the local NDEx sandbox", SANDBOX_USER, ""
            else:
                credentials = stack.enter_context(local_sandbox(sandbox_dir))
                print(
                    f"No NDEx credentials given: using a local NDEx sandbox at {credentials.server} "
                    f"(data in {sandbox_dir}). Use --profile or NDEX_USERNAME/NDEX_PASSWORD for NDEx."
                )
        elif not dry_run:
            verb = "Publishing to" if publishing else "Checking"
            print(f"{verb} {credentials.server} as {credentials.username} (credentials from {credentials.source}).")
        if credentials is not None:
            server, username, password = credentials.server, credentials.username, credentials.password
        options = PublishOptions(**fields)  # type: ignore[arg-type]
        progress = not args.quiet and not dry_run and sys.stderr.isatty()
        publisher = NdexPublisher(
            server,
            username,
            password,
            options,
            progress=progress,
            style=style,
            echo=print if dry_run else None,
            journal_name=journal_name,
        )
        report = publisher.publish(args.paths) if publishing else publisher.status(args.paths)
    report_path = args.report or (None if dry_run else default_report_path(options.state_dir, args.command))
    written = _write_report(report, report_path)
    if publishing:
        print(report.summary())
    else:
        _print_status(report)
    if written:
        print(f"report: {report_path}")
    if report.stopped:
        error(f"stopped early: {report.stopped}")
    return 1 if report.failed or report.stopped or written is False else 0


def _write_report(report: object, path: object) -> bool | None:
    """Write the run's report (None: no report asked for); one line (and False) if it cannot be written."""
    from pathlib import Path

    from .publish import PublishReport

    assert isinstance(report, PublishReport)
    if path is None:
        return None
    target = Path(str(path))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        report.write(target)
    except OSError as err:
        error(f"{target}: the report could not be written: {err.strerror or err}")
        return False
    return True


def _print_status(report: object) -> None:
    from .publish import SITUATIONS, PublishReport

    assert isinstance(report, PublishReport)
    counts = report.situations()
    print(f"{report.server} as {report.username}: {len(report.figures)} figure(s)")
    width = max((len(text) for text in SITUATIONS.values()), default=0)
    for situation, text in SITUATIONS.items():
        if counts.get(situation):
            print(f"  {text:<{width}}  {counts[situation]:>7,}")
    if report.failed:
        print(f"  {'could not be checked':<{width}}  {report.failed:>7,}")


def _add_fill(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "fill",
        help="fill empty ndex fields from a figid<TAB>uuid map",
        description="Write UUIDs from a figid<TAB>uuid map (e.g. _data/ndex_map.tsv) into the records' ndex: "
        "lines; nothing else in a record changes. A field holding another UUID is only replaced "
        "with --force. The database is locked while fill runs (a concurrent fill or publish is refused). "
        "Exits 1 on bad paths, bad map lines, or records that cannot be read or written.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="figure records, _figures/ folders or database checkouts")
    p.add_argument("--map", required=True, metavar="TSV", help="figid<TAB>uuid file, no header")
    p.add_argument("--force", action="store_true", help="replace ndex fields holding a different UUID")
    p.set_defaults(func=_cmd_fill)


def _cmd_fill(args: argparse.Namespace) -> int:
    from .writeback import fill_from_map

    report = fill_from_map(args.paths, args.map, force=args.force)
    if report.removed_temp_files:
        names = ", ".join(report.removed_temp_files)
        print(f"removed {len(report.removed_temp_files)} temporary file(s) left by an interrupted run: {names}")
    for line in report.errors:
        error(line)
    for line in report.conflicts:
        error(f"{line} (not replaced; use --force)")
    print(report.summary())
    return 1 if report.errors else 0


def _add_sandbox(sub: argparse._SubParsersAction) -> None:
    from .sandbox.local import DATA_DIR

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
        default=DATA_DIR,
        help="folder holding the sandbox database (default %(default)s)",
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
    import threading

    from .sandbox import NdexSandbox
    from .sandbox.local import RECORD_LIMIT, SANDBOX_PASSWORD, SANDBOX_USER

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
    with NdexSandbox(
        data_dir=args.data,
        port=args.port,
        users={user: password},
        load_delay=args.load_delay,
        record_limit=RECORD_LIMIT,
        seed=args.seed,
    ) as sandbox:
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
    from .cytoscape import DEFAULT_CYTOSCAPE_URL, DEFAULT_TIMEOUT

    p = sub.add_parser(
        "open",
        help="open figure networks in Cytoscape Desktop",
        description="Open CX2 files, figure records, figure ids or NDEx UUIDs in a running Cytoscape 3.10+ "
        "(CyREST), with the PFOCR style and the figure image behind the nodes. Cytoscape puts each network "
        "in a collection of its own.",
    )
    p.add_argument(
        "targets",
        nargs="+",
        metavar="TARGET",
        help="a .cx2 file, a figure record (.md), a figure id (looked up in --db) or an NDEx UUID",
    )
    p.add_argument(
        "--cytoscape-url",
        default=DEFAULT_CYTOSCAPE_URL,
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
    p.add_argument(
        "--collection",
        metavar="NAME",
        help="name of the collection each local network opens in: Cytoscape makes a new collection per network "
        "(default: the network's name; NDEx networks' collections are named by Cytoscape after the network)",
    )
    p.add_argument(
        "--timeout",
        type=_seconds,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help="give up when Cytoscape takes longer than this for one request, all of it (default: %(default)g)",
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
            opened = session.open_target(target)
        except CytoscapeUnavailable:
            raise
        except PfocrError as err:
            error(err)
            failures += 1
            continue
        print(f"{target}: opened as Cytoscape network {opened.suid} in a new collection {opened.collection!r}")
    return 1 if failures else 0


# --- preview (issue: browser preview) ----------------------------------------------------


def _add_preview(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "preview",
        help="write browser pages showing each figure beside its network",
        description="Write OUTDIR/index.html (a searchable list of the figures) and one page per "
        "figure: the figure image, its network drawn by cytoscape.js with the CX2 style, "
        "and its network attributes. Pages work opened from disk. By default they load "
        "cytoscape.js (the pinned version) from the jsDelivr CDN, checked by its integrity hash; "
        "--offline copies it next to them instead. Exits 1 when a record could not be previewed (the others "
        "are written).",
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
        "--offline",
        action="store_true",
        help="copy cytoscape.js into OUTDIR/assets so the pages need no network: from --cytoscape-js, "
        "else $PFOCR_NDEX_CYTOSCAPE_JS, else node_modules/ after `npm ci` in a pfocr-ndex checkout",
    )
    p.add_argument(
        "--cytoscape-js",
        metavar="FILE",
        help="the cytoscape.min.js to copy (implies --offline)",
    )
    p.set_defaults(func=_cmd_preview)


def _cmd_preview(args: argparse.Namespace) -> int:
    from .preview import write_preview

    result = write_preview(
        args.paths,
        args.outdir,
        style=args.style,
        offline=args.offline,
        cytoscape_js=args.cytoscape_js,
        on_error=error,
    )
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
    for add in (
        _add_convert,
        _add_validate,
        _add_publish,
        _add_status,
        _add_fill,
        _add_sandbox,
        _add_open,
        _add_preview,
    ):
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except UsageError as err:
        error(err)
        return 2
    except PfocrError as err:
        error(err)
        return 1
    except KeyboardInterrupt:
        error("interrupted")
        return 130
