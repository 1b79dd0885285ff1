"""Read one file into measurements: the unit of work of an ingestion.

Runs in worker processes for large trees, so it takes plain values and returns
a picklable ``FileResult``. Any failure to read a file becomes a reason in the
inventory; a bug in a reader is logged with its traceback and reported for that
file, and the rest of the tree is still ingested.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import PurePosixPath

from chimera.ingest.csv_reader import read_csv
from chimera.ingest.decode import NotText, decode_bytes
from chimera.ingest.fileresult import FileReport, FileResult, Unusable
from chimera.ingest.json_reader import read_json, read_json_lines
from chimera.ingest.json_records import JsonWalker
from chimera.ingest.markdown_reader import read_markdown
from chimera.ingest.names import context_from_path
from chimera.ingest.options import IngestOptions
from chimera.ingest.records import FlatRecord, interpret
from chimera.ingest.rows import RecordContext, RowSink
from chimera.ingest.scan import FileEntry
from chimera.ingest.text_reader import read_text
from chimera.ingest.tools import detect_tool, keys_in_head

logger = logging.getLogger(__name__)

_CONFIG_STEM = re.compile(
    r"(^|[_\-.])(config|configuration|settings|hparams|params|args)([_\-.]|$)",
    re.IGNORECASE,
)
_PARSED_TYPES = frozenset({"csv", "tsv", "json", "jsonl", "md", "txt"})


def read_file(entry: FileEntry, options: IngestOptions) -> FileResult:
    """Measurements and findings of one scanned file; never raises for bad input."""
    report = FileReport(entry.rel)
    if entry.kind not in _PARSED_TYPES:
        return FileResult(report)
    if entry.too_large:
        # MiB, as --max-file-mb counts them.
        limit = options.max_file_bytes / 2**20
        report.unusable = (
            f"too large ({entry.size / 2**20:,.1f} MiB > {limit:,.1f} MiB limit)"
        )
        return FileResult(report)
    try:
        return _read(entry, options, report)
    except Unusable as error:
        report.unusable = error.reason
    except PermissionError:
        report.unusable = "permission denied"
    except OSError as error:
        report.unusable = f"unreadable ({error.strerror or error})"
    except Exception as error:
        logger.warning("could not read %s: %r", entry.rel, error, exc_info=True)
        report.unusable = f"could not be read ({type(error).__name__}: {error})"
    return FileResult(report)


def _read(entry: FileEntry, options: IngestOptions, report: FileReport) -> FileResult:
    data = entry.path.read_bytes()
    if not data.strip():
        raise Unusable("empty file" if not data else "empty file (whitespace only)")
    try:
        decoded = decode_bytes(data)
    except NotText as error:
        raise Unusable(error.reason) from error
    del data
    if decoded.note:
        report.notes.append(decoded.note)
    text = decoded.text
    report.tool = detect_tool(entry.rel, keys_in_head(entry.kind, text[:8192]), text)
    base = base_context(entry.rel, report.tool)
    sink = RowSink(entry.rel)
    walker = JsonWalker(
        entry.rel,
        base,
        config_context=bool(_CONFIG_STEM.search(PurePosixPath(entry.rel).stem)),
        max_samples=options.max_array_samples,
    )
    for record in _records(entry.kind, text, entry.rel, base, walker, report):
        interpret(record, sink)
    return _result(report, sink, walker)


def _records(
    kind: str,
    text: str,
    rel: str,
    base: RecordContext,
    walker: JsonWalker,
    report: FileReport,
) -> Iterator[FlatRecord]:
    if kind in ("csv", "tsv"):
        return read_csv(text, rel, kind, base, report)
    if kind == "json":
        return read_json(text, walker, report)
    if kind == "jsonl":
        return read_json_lines(text, walker, report)
    if kind == "md":
        return read_markdown(text, rel, base, report)
    return read_text(text, rel, base, report)


def base_context(rel: str, tool: str | None) -> RecordContext:
    """The context a file's path gives every record in it."""
    names = context_from_path(rel)
    return RecordContext(
        model=names.model,
        model_source="name" if names.model else None,
        backend=tool,
        config=dict(names.config),
        params=dict(names.params),
        name_quantization=names.quantization,
    )


def _result(report: FileReport, sink: RowSink, walker: JsonWalker) -> FileResult:
    if walker.long_arrays:
        shown = "; ".join(walker.long_arrays[:3])
        report.notes.append(
            f"{len(walker.long_arrays)} numeric arrays longer than "
            f"{walker.max_samples} kept out of the rows (e.g. {shown})"
        )
    directory_context: dict[str, object] | None = None
    if walker.config_context:
        report.config_only = True
        found = walker.found_context
        directory_context = {
            "model": found.model,
            "quantization": found.quantization,
            "backend": found.backend or report.tool,
        }
    result = FileResult(report, directory_context=directory_context)
    if walker.partial:
        report.partial = report.partial or "salvaged records are marked partial"
    if len(sink):
        result.table = sink.table()
        result.fingerprints = sink.fingerprints()
        result.failed_records = len(sink.failed_records)
        result.records = sink.record_count()
        result.data_models = sink.data_models()
        result.models_settled = sink.models_settled()
    if sink.time_first and sink.time_last:
        result.time_first = (
            sink.time_first.sortable.isoformat(),
            sink.time_first.display,
        )
        result.time_last = (sink.time_last.sortable.isoformat(), sink.time_last.display)
    return result
