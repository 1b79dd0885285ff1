"""File and folder names that are not UTF-8: read from their real path, shown
with backslash escapes."""

from __future__ import annotations

import os
from pathlib import Path

from tests.ingest.conftest import TreeWriter, rows, run

from chimera.ingest import Inventory
from chimera.ingest.scan import printable

_CSV = "model,throughput_tok_s\n{model},{value}\n"


def _write(root: Path, raw_rel: bytes, text: str) -> None:
    """Write ``text`` at a path given as raw bytes (not valid UTF-8)."""
    path = os.path.join(os.fsencode(root), raw_rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)


def test_printable_escapes_bytes_that_are_not_utf8() -> None:
    assert printable(os.fsdecode(b"bad\xff\xfename.csv")) == r"bad\xff\xfename.csv"
    assert printable("caf\u00e9/r\u00e9sultats.csv") == "caf\u00e9/r\u00e9sultats.csv"


def test_file_name_not_utf8_is_read_and_shown_escaped(write_tree: TreeWriter) -> None:
    root = write_tree({"good.csv": _CSV.format(model="C", value=3)})
    _write(root, b"bad\xff\xfename.csv", _CSV.format(model="B", value=2))

    result = run(root)

    shown = r"bad\xff\xfename.csv"
    assert rows(result, shown)["value"].tolist() == [2.0]
    assert rows(result, "good.csv")["value"].tolist() == [3.0]
    statuses = {info.path: info.status for info in result.inventory.files}
    assert statuses == {shown: "ingested", "good.csv": "ingested"}


def test_folder_name_not_utf8_is_read_and_shown_escaped(
    write_tree: TreeWriter,
) -> None:
    root = write_tree({"good.csv": _CSV.format(model="C", value=3)})
    _write(root, b"caf\xe9/run.csv", _CSV.format(model="D", value=4))

    result = run(root)

    assert rows(result, r"caf\xe9/run.csv")["value"].tolist() == [4.0]
    assert r"caf\xe9" in result.inventory.top_level_dirs
    # The inventory is saved as strict JSON: every path in it must be text.
    saved = result.inventory.model_dump_json()
    assert Inventory.model_validate_json(saved).files == result.inventory.files


def test_root_name_not_utf8_is_shown_escaped(tmp_path: Path) -> None:
    root = os.path.join(os.fsencode(tmp_path), b"r\xe9sultats")
    _write(Path(os.fsdecode(root)), b"run.csv", _CSV.format(model="A", value=1))

    result = run(Path(os.fsdecode(root)))

    assert result.inventory.root == str(tmp_path.resolve()) + r"/r\xe9sultats"
    assert rows(result, "run.csv")["value"].tolist() == [1.0]
