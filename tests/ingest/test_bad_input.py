"""Bad input: every broken file is listed with its reason, and the rest still counts.

One tree holds a good CSV beside each kind of breakage the ingestion must
survive; the good file's measurements must come through untouched.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from tests.ingest.conftest import TreeWriter, reasons, rows, run

GOOD = "model,tokens_s,ttft_ms\ndemo-1b,50.5,120\ndemo-1b,49.5,118\n"


@pytest.fixture
def broken_tree(write_tree: TreeWriter, tmp_path: Path) -> Path:
    root = write_tree(
        {
            "good.csv": GOOD,
            "truncated.json": '[{"model": "m", "tokens_s": 5.0}, {"model": "m", "tok',
            "truncated_object.json": '{"model": "m", "results": {"tokens_s": 5',
            "binary.csv": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
            "empty.csv": b"",
            "blank.json": b"  \n\n",
            "header_only.csv": "model,tokens_s,ttft_ms\n",
            "latin1.csv": "model,temp_c,tokens_s\ndemo,54.7\xb0C,12.5\n".encode(
                "latin-1"
            ),
            "repeated_header.csv": (
                "model,tokens_s\na,10\nmodel,tokens_s\nb,20\nmodel,tokens_s\nc,30\n"
            ),
            "prose.md": "# Notes\n\nWe ran things. Nothing was measured here.\n",
            "not_json.json": "{this is not json}",
        }
    )
    with (root / "huge.jsonl").open("wb") as handle:
        chunk = b'{"tokens_s": 1.0},' * 65536
        for _ in range(100 * 1024 * 1024 // len(chunk) + 1):
            handle.write(chunk)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.csv").write_text(GOOD)
    (root / "loops").mkdir()
    os.symlink("..", root / "loops" / "up")
    os.symlink(str(outside), root / "escape")
    os.mkfifo(root / "pipe.csv")
    return root


def test_every_breakage_is_listed_with_its_reason(broken_tree: Path) -> None:
    result = run(broken_tree)
    expected = {
        "truncated.json": "truncated JSON (unexpected end of data)",
        "truncated_object.json": "truncated JSON (unexpected end of data)",
        "binary.csv": "binary",
        "empty.csv": "empty file",
        "blank.json": "empty file",
        "header_only.csv": "no data rows",
        "huge.jsonl": "too large",
        "prose.md": "no table or metrics found",
        "not_json.json": "invalid JSON",
        "loops/up": "symlink (loop)",
        "escape": "symlink outside root",
        "pipe.csv": "not a regular file (FIFO)",
    }
    for path, reason in expected.items():
        found = reasons(result, path)
        assert any(text.startswith(reason) for text in found), (path, found)
    latin = reasons(result, "latin1.csv")
    assert latin == ["not valid UTF-8 (byte 0xB0 at offset 31); decoded as cp1252"]
    repeated = reasons(result, "repeated_header.csv")
    assert repeated == ["header row repeated (2 rows dropped, table at line 1)"]
    assert rows(result, "repeated_header.csv", "tokens_s")["value"].tolist() == [
        10,
        20,
        30,
    ]


def test_good_files_are_still_ingested(broken_tree: Path) -> None:
    result = run(broken_tree)
    good = rows(result, "good.csv")
    assert good["record_id"].nunique() == 2
    assert rows(result, "good.csv", "tokens_s")["value"].tolist() == [50.5, 49.5]
    assert rows(result, "good.csv", "ttft_ms")["value"].tolist() == [120.0, 118.0]
    salvaged = rows(result, "truncated.json")
    assert salvaged["value"].tolist() == [5.0]
    assert set(salvaged["status"]) == {"partial"}
    latin = rows(result, "latin1.csv")
    assert latin.loc[latin["metric"] == "temperature_c", "value"].tolist() == [54.7]
    assert not result.dataset["source_file"].astype(str).str.startswith("escape").any()


def test_huge_file_is_read_when_allowed_without_holding_copies(
    broken_tree: Path,
) -> None:
    """With the limit raised, the 100 MB line is parsed (as JSON Lines it is one
    invalid line) and reported, not a crash."""
    result = run(broken_tree, max_file_bytes=200 * 1024 * 1024)
    found = reasons(result, "huge.jsonl")
    assert found and found[0].startswith("not JSON Lines")


def test_unreadable_file_is_listed_as_permission_denied(
    write_tree: TreeWriter,
) -> None:
    root = write_tree({"good.csv": GOOD, "locked.csv": GOOD})
    (root / "locked.csv").chmod(0)
    if os.geteuid() != 0:
        result = run(root)
        assert reasons(result, "locked.csv") == ["permission denied"]
        assert rows(result, "good.csv")["record_id"].nunique() == 2
        return
    # Root reads any file; drop the capabilities that let it ignore file modes.
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: file modes do not stop root")
    caps = "-dac_override,-dac_read_search"
    script = (
        "import sys; from chimera.ingest import ingest, IngestOptions; "
        "result = ingest(sys.argv[1], IngestOptions(workers=1)); "
        "print(result.inventory.model_dump_json())"
    )
    completed = subprocess.run(
        [setpriv, f"--bounding-set={caps}", f"--inh-caps={caps}", "--",
         sys.executable, "-c", script, str(root)],
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    inventory = json.loads(completed.stdout)
    issues = {item["path"]: item["reason"] for item in inventory["skipped"]}
    assert issues["locked.csv"] == "permission denied"
    assert inventory["measurements"] == 4


def test_missing_root_is_one_clear_error(tmp_path: Path) -> None:
    from chimera.errors import IngestError

    with pytest.raises(IngestError, match="does not exist"):
        run(tmp_path / "nowhere")
    (tmp_path / "file.csv").write_text(GOOD)
    with pytest.raises(IngestError, match="is not a folder"):
        run(tmp_path / "file.csv")
