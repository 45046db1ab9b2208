"""Convert figure records to CX2 files: read_record → build_network → validate_cx2 → ``OUTDIR/<figid>.cx2``.

Each figure is independent: a bad record, or a bad input path (``layout.iter_record_paths``), is reported
(one line: file and reason) and the run goes on. Files are written atomically, so an interrupted run leaves
only whole files (and temporary files, removed by the next run) and can simply be re-run.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from itertools import islice
from os import PathLike
from pathlib import Path

from .errors import Cx2ValidationError, PfocrError
from .fsutil import atomic_write_bytes, name_max, remove_stale_temp_files
from .layout import count_records, iter_record_paths
from .network import build_network
from .records import read_record
from .style import load_style
from .validate import summarize_problems, validate_cx2

__all__ = ["ConvertSummary", "convert", "convert_one", "max_jobs"]

CHUNK_SIZE = 64  # records per task sent to a worker process
CHUNKS_PER_WORKER = 4  # tasks in flight per worker: bounds memory whatever the corpus size
JOBS_PER_CPU = 4  # more worker processes than this only adds memory and start-up time


def max_jobs() -> int:
    """The most worker processes ``convert`` starts: ``JOBS_PER_CPU`` per CPU."""
    return (os.cpu_count() or 1) * JOBS_PER_CPU


@dataclass(slots=True)
class ConvertSummary:
    """What a conversion run did: ``converted`` files written, ``failed`` records with their reasons."""

    converted: int = 0
    failed: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)  # (record path, reason)

    def __str__(self) -> str:
        return f"converted {self.converted}, failed {self.failed}"


def convert_one(path: str | PathLike[str], outdir: str | PathLike[str], style: dict | None = None) -> Path:
    """Convert one record to ``outdir/<figid>.cx2`` and return that path.

    Raises ``PfocrError`` (``RecordError``, ``Cx2ValidationError``) naming the record and the problem.

    >>> convert_one("tests/data/pfocr/_figures/PMC17299__pq2202117006.md", tmp_path)   # doctest: +SKIP
    PosixPath('.../PMC17299__pq2202117006.cx2')
    """
    record = read_record(path)  # its figid is a plain file name (records._check_figid)
    name = f"{record.figid}.cx2"
    size, limit = len(name.encode("utf-8", "surrogateescape")), name_max(os.fspath(outdir))
    if size > limit:
        problem = f"figid too long: its file name {name[:24]}….cx2 is {size} bytes, the file system allows {limit}"
        raise PfocrError(problem, path)
    network = build_network(record, style)
    problems = validate_cx2(network.cx2)
    if problems:
        raise Cx2ValidationError(f"the CX2 network NDEx would reject: {summarize_problems(problems)}", path)
    target = Path(outdir, name)
    try:
        atomic_write_bytes(target, network.to_json(), durable=False)
    except OSError as err:
        raise PfocrError(f"cannot write {target}: {err.strerror or err}", path) from None
    return target


def _convert_safely(path: Path, outdir: str, style: dict | None) -> str | None:
    """``convert_one``, with any failure turned into its one-line reason (None on success)."""
    try:
        convert_one(path, outdir, style)
    except PfocrError as err:
        # a table's problem names the table: the record is named by the caller
        return err.message if err.path in (None, str(path)) else str(err)
    except Exception as err:  # noqa: BLE001  (a bug on one odd record must not stop a 110k-figure run)
        return f"internal error ({type(err).__name__}: {err}); please report it"
    return None


# Worker-process state, set once per process by _init_worker (the style is sent once, not per task).
_worker_outdir: str = ""
_worker_style: dict | None = None


def _init_worker(outdir: str, style: dict | None) -> None:
    global _worker_outdir, _worker_style
    _worker_outdir, _worker_style = outdir, style


def _convert_chunk(paths: list[Path]) -> list[tuple[str, str | None]]:
    return [(str(p), _convert_safely(p, _worker_outdir, _worker_style)) for p in paths]


def _chunks(paths: Iterator[Path], size: int) -> Iterator[list[Path]]:
    while chunk := list(islice(paths, size)):
        yield chunk


def _results(paths: Iterator[Path], outdir: str, style: dict | None, jobs: int) -> Iterator[tuple[str, str | None]]:
    """(path, reason or None) per record, in input order for one job, completion order for several."""
    if jobs <= 1:
        for path in paths:
            yield str(path), _convert_safely(path, outdir, style)
        return
    chunks = _chunks(paths, CHUNK_SIZE)
    with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=(outdir, style)) as pool:
        pending: set[Future] = {
            pool.submit(_convert_chunk, chunk) for chunk in islice(chunks, jobs * CHUNKS_PER_WORKER)
        }
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            pending.update(pool.submit(_convert_chunk, chunk) for chunk in islice(chunks, len(done)))
            for future in done:
                yield from future.result()


def convert(
    paths: Iterable[str | PathLike[str]],
    outdir: str | PathLike[str] = "cx2",
    style: dict | str | PathLike[str] | None = None,
    jobs: int = 1,
    progress: bool | None = None,
    on_error: Callable[[str, str], None] | None = None,
) -> ConvertSummary:
    """Convert every record under ``paths`` (record files, folders of records, database checkouts)
    to ``outdir/<figid>.cx2``.

    ``style``: a ``visualProperties`` dict or a style file (default: the PFOCR template).
    ``jobs``: worker processes (records are streamed to them in small chunks; 0 = one per CPU; at most
    ``max_jobs()``). ``progress``: show a progress bar on stderr (default: when stderr is a terminal).
    ``on_error(path, reason)`` is called for each record, and each bad path, that fails; the run goes on.
    Raises ``PfocrError`` before converting anything when a style file is bad or ``outdir`` cannot be made (a
    style dict is used as given: one NDEx would refuse fails each record's validation).

    >>> summary = convert(["tests/data/pfocr"], outdir="cx2")        # doctest: +SKIP
    >>> summary.converted, summary.failed                            # doctest: +SKIP
    (99, 0)
    """
    paths = [Path(p) for p in paths]
    if style is not None and not isinstance(style, dict):
        style = load_style(style)
    outdir = os.fspath(outdir)
    try:
        os.makedirs(outdir, exist_ok=True)
    except OSError as err:
        raise PfocrError(f"cannot create the output folder: {err.strerror}", outdir) from None
    remove_stale_temp_files(outdir)
    if jobs == 0:
        jobs = os.cpu_count() or 1
    jobs = min(jobs, max_jobs())
    if progress is None:
        progress = sys.stderr.isatty()

    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=count_records(paths), unit="fig", file=sys.stderr, dynamic_ncols=True)
    summary = ConvertSummary()

    def bad_path(err: PfocrError) -> None:
        summary.failed += 1
        summary.failures.append((str(err.path), err.message))
        if on_error is not None:
            on_error(str(err.path), err.message)

    try:
        for path, reason in _results(iter_record_paths(paths, bad_path), outdir, style, jobs):
            if reason is None:
                summary.converted += 1
            else:
                summary.failed += 1
                summary.failures.append((path, reason))
                if on_error is not None:
                    on_error(path, reason)
            if bar is not None:
                bar.update()
    finally:
        if bar is not None:
            bar.close()
    return summary
