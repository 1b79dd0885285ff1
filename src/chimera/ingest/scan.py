"""Walk an artifact tree safely: what is there, what is skipped, and why.

The walk never follows a link out of the root, detects links that loop back up
the tree, and lists (rather than reads) files that are too large, unreadable or
not regular files. Skipped folders are still counted, so totals can be checked
against ``find`` or ``du`` on the same tree. Paths are shown in printable form
(bytes that are not UTF-8 as ``\\xff`` escapes), and a dataset that Chimera wrote
into the tree is listed rather than read back as results.
"""

from __future__ import annotations

import logging
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from chimera.errors import IngestError
from chimera.ingest.inventory import FileIssue
from chimera.ingest.options import IngestOptions

logger = logging.getLogger(__name__)

_TYPES = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".md": "md",
    ".markdown": "md",
    ".txt": "txt",
    ".log": "txt",
    ".out": "txt",
}
_DATASET_SUFFIXES = (".parquet", ".csv")
_OUTPUT_REASON = "a Chimera dataset and its inventory, not benchmark results"
# Counting the content of a skipped folder stops here (node_modules can be huge).
_SKIPPED_COUNT_LIMIT = 100_000


@dataclass(frozen=True)
class FileEntry:
    """One regular file found by the scan."""

    rel: str
    path: Path
    kind: str
    size: int
    mtime: float
    too_large: bool = False

    @property
    def top_dir(self) -> str:
        head, sep, _ = self.rel.partition("/")
        return head if sep else "."


@dataclass
class ScanResult:
    """Files to read, folders seen, and everything left out with its reason."""

    root: Path
    files: list[FileEntry] = field(default_factory=list)
    directories: list[str] = field(default_factory=list)
    dir_bytes: int = 0
    skipped: list[FileIssue] = field(default_factory=list)
    skipped_files: int = 0
    skipped_bytes: int = 0


def file_type(name: str) -> str:
    """The inventory type of a file name: csv, tsv, json, jsonl, md, txt, other."""
    return _TYPES.get(os.path.splitext(name)[1].lower(), "other")


def printable(name: str) -> str:
    r"""``name`` as text that can be shown and saved: bytes of a file name that
    are not UTF-8 become backslash escapes (the file is still opened by its
    real name).

    >>> printable(os.fsdecode(b"bad\xff\xfename.csv"))
    'bad\\xff\\xfename.csv'
    """
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def scan(root: Path, options: IngestOptions) -> ScanResult:
    """Walk ``root`` and return what there is to ingest."""
    if not root.exists():
        raise IngestError(f"{root} does not exist", hint="check the artifacts path")
    if not root.is_dir():
        raise IngestError(f"{root} is not a folder", hint="pass the tree's root folder")
    real_root = root.resolve()
    result = ScanResult(root=real_root)
    visited = {_dir_key(real_root)}
    stack: list[tuple[Path, str]] = [(real_root, "")]
    links: list[tuple[Path, str]] = []
    while stack or links:
        if not stack:
            # Followed links last, so a folder is always counted at its real path.
            target, rel = links.pop(0)
            if _dir_key(target) in visited:
                reason = "symlink to a folder already scanned"
                result.skipped.append(FileIssue(path=rel, reason=reason))
                continue
            visited.add(_dir_key(target))
            stack.append((target, rel))
        directory, rel = stack.pop()
        _scan_dir(directory, (rel, real_root), options, result, (stack, links), visited)
    result.files.sort(key=lambda entry: entry.rel)
    result.directories.sort()
    return result


def _dir_key(path: Path) -> tuple[int, int]:
    info = path.stat()
    return info.st_dev, info.st_ino


def _scan_dir(
    directory: Path,
    where: tuple[str, Path],
    options: IngestOptions,
    result: ScanResult,
    queues: tuple[list[tuple[Path, str]], list[tuple[Path, str]]],
    visited: set[tuple[int, int]],
) -> None:
    """List one folder: files are added, sub-folders and followed links queued."""
    (rel, root), (stack, links) = where, queues
    try:
        entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
        result.dir_bytes += directory.stat().st_size
    except PermissionError:
        result.skipped.append(FileIssue(path=rel or ".", reason="permission denied"))
        return
    except OSError as error:
        result.skipped.append(FileIssue(path=rel or ".", reason=_os_reason(error)))
        return
    result.directories.append(rel or ".")
    outputs = _chimera_outputs(entries)
    for entry in entries:
        name = printable(entry.name)
        entry_rel = f"{rel}/{name}" if rel else name
        if entry.is_symlink():
            target = _symlink_target(entry, entry_rel, root, options, result)
            if target is not None:
                links.append((target, entry_rel))
            continue
        if entry.is_dir(follow_symlinks=False):
            reason = _skip_dir_reason(entry.name, options)
            if reason:
                _count_skipped(Path(entry.path), entry_rel, reason, result)
                continue
            key = _dir_key(Path(entry.path))
            if key in visited:
                reason = "folder already scanned through a symlink"
                result.skipped.append(FileIssue(path=entry_rel, reason=reason))
                continue
            visited.add(key)
            stack.append((Path(entry.path), entry_rel))
            continue
        if entry.name in outputs:
            _skip_file(Path(entry.path), entry_rel, _OUTPUT_REASON, result)
            continue
        _add_file(Path(entry.path), entry_rel, options, result)


def _skip_dir_reason(name: str, options: IngestOptions) -> str | None:
    if name in options.skip_dirs:
        return "skipped folder"
    if name.startswith(".") and not options.include_hidden:
        return "hidden folder (use --include-hidden)"
    return None


def _chimera_outputs(entries: list[os.DirEntry[str]]) -> set[str]:
    """Names of datasets written by ``chimera ingest --out`` into this folder,
    each with its inventory sidecar: reading them would count results twice."""
    # Imported here: worker processes load this module to read files, and
    # storage would bring DuckDB into each of them.
    from chimera.ingest.storage import inventory_path

    names = {entry.name for entry in entries if entry.is_file(follow_symlinks=False)}
    outputs: set[str] = set()
    for name in names:
        if os.path.splitext(name)[1].lower() in _DATASET_SUFFIXES:
            sidecar = inventory_path(Path(name)).name
            if sidecar in names:
                outputs.update((name, sidecar))
    return outputs


def _add_file(path: Path, rel: str, options: IngestOptions, result: ScanResult) -> None:
    name = path.name
    if name.startswith(".") and not options.include_hidden:
        _skip_file(path, rel, "hidden file", result)
        return
    try:
        info = path.stat(follow_symlinks=False)
    except OSError as error:
        result.skipped.append(FileIssue(path=rel, reason=_os_reason(error)))
        return
    if not stat.S_ISREG(info.st_mode):
        what = "FIFO" if stat.S_ISFIFO(info.st_mode) else "socket or device"
        result.skipped.append(
            FileIssue(path=rel, reason=f"not a regular file ({what})")
        )
        return
    too_large = info.st_size > options.max_file_bytes
    result.files.append(
        FileEntry(rel, path, file_type(name), info.st_size, info.st_mtime, too_large)
    )


def _skip_file(path: Path, rel: str, reason: str, result: ScanResult) -> None:
    """List a file that is not read, counting it with the skipped ones."""
    try:
        size = path.stat(follow_symlinks=False).st_size
    except OSError as error:
        result.skipped.append(FileIssue(path=rel, reason=_os_reason(error)))
        return
    result.skipped.append(FileIssue(path=rel, reason=reason))
    result.skipped_files += 1
    result.skipped_bytes += size


def _symlink_target(
    entry: os.DirEntry[str],
    rel: str,
    root: Path,
    options: IngestOptions,
    result: ScanResult,
) -> Path | None:
    """Decide about one link; returns a folder to follow later, or None."""
    link = Path(entry.path)
    target = Path(os.path.realpath(link))
    if not target.exists():
        result.skipped.append(FileIssue(path=rel, reason="broken symlink"))
        return None
    if target != root and root not in target.parents:
        result.skipped.append(FileIssue(path=rel, reason="symlink outside root"))
        return None
    if not target.is_dir():
        result.skipped.append(
            FileIssue(path=rel, reason="symlink to a file (its target is scanned)")
        )
        return None
    if target == link.parent.resolve() or target in link.parent.resolve().parents:
        result.skipped.append(FileIssue(path=rel, reason="symlink (loop)"))
        return None
    if not options.follow_symlinks:
        result.skipped.append(
            FileIssue(path=rel, reason="symlink to a folder (not followed)")
        )
        return None
    return target


def _count_skipped(path: Path, rel: str, reason: str, result: ScanResult) -> None:
    files = size = 0
    for dirpath, _dirs, names in os.walk(path):
        for name in names:
            try:
                size += os.lstat(os.path.join(dirpath, name)).st_size
            except OSError:
                continue
            files += 1
        if files >= _SKIPPED_COUNT_LIMIT:
            break
    result.skipped_files += files
    result.skipped_bytes += size
    detail = f"{files:,} files, {size:,} bytes not scanned"
    result.skipped.append(FileIssue(path=rel, reason=f"{reason}: {detail}"))


def _os_reason(error: OSError) -> str:
    if isinstance(error, PermissionError):
        return "permission denied"
    return f"unreadable ({error.strerror or error})"
