"""The ingestion cases of ``../shared/cases/CASES.md`` (copied into fixtures), each
with its expected values, plus another input of the same kind of fault."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from tests.ingest.conftest import CASES, TreeWriter, copy_case, reasons, rows, run

# --- C12: NaN / Infinity literals and negative durations ------------------------------


def test_c12_non_finite_and_negative_values(tmp_path: Path) -> None:
    result = run(copy_case("C12", tmp_path))
    data = rows(result, "serve_result_nan.json")
    ttft = data[data["metric"] == "ttft_ms"].set_index("original_name")["value"]
    assert ttft.to_dict() == {
        "mean_ttft_ms": 310.5,
        "median_ttft_ms": 300.2,
        "p99_ttft_ms": 402.9,
    }
    by_name = data.set_index("original_name")
    for name in ("mean_tpot_ms", "p99_tpot_ms", "mean_itl_ms", "p99_itl_ms"):
        assert by_name.loc[name, "error"] == "non-finite"
        assert by_name.loc[name, "value"] != by_name.loc[name, "value"]  # NaN
    assert by_name.loc["median_tpot_ms", "error"] == "invalid: negative duration"
    assert by_name.loc["median_tpot_ms", "original_value"] == "-0.35"
    assert json.loads(str(data["params"].iloc[0]))["request_rate"] == "inf"


def test_c12_same_fault_in_csv_and_jsonl(write_tree: TreeWriter) -> None:
    root = write_tree(
        {
            "runs.csv": "model,ttft_ms,itl_ms\nm,NaN,-2.5\nm,inf,3.0\n",
            "runs.jsonl": '{"model": "m", "ttft_ms": Infinity, "tpot_ms": -1}\n',
        }
    )
    result = run(root)
    csv = rows(result, "runs.csv")
    # A bare "NaN" cell is how pandas writes "missing": no row, not a reason.
    found = csv[["locator", "original_name", "error"]].astype(object)
    assert found.where(found.notna(), None).values.tolist() == [
        ["line 2", "itl_ms", "invalid: negative duration"],
        ["line 3", "ttft_ms", "non-finite"],
        ["line 3", "itl_ms", None],
    ]
    jsonl = rows(result, "runs.jsonl")
    assert jsonl["error"].astype(str).tolist() == [
        "non-finite",
        "invalid: negative duration",
    ]
    assert jsonl["value"].isna().all()


# --- C14: JSON array cut off when the benchmark dies ----------------------------------


def test_c14_truncated_array_is_reported_and_salvaged(tmp_path: Path) -> None:
    result = run(copy_case("C14", tmp_path))
    assert reasons(result, "llama_bench_killed.json")[0].startswith(
        "truncated JSON (unexpected end of data)"
    )
    avg = rows(result, "llama_bench_killed.json", "avg_ts")
    assert avg["value"].tolist() == [812.5, 61.7]
    assert set(avg["status"]) == {"partial"}
    assert avg["metric"].astype(str).tolist() == [
        "prompt_throughput_tok_s",
        "throughput_tok_s",
    ]
    info = {entry.path: entry for entry in result.inventory.files}
    assert info["llama_bench_killed.json"].status == "partial"


def test_c14_truncated_jsonl_keeps_complete_lines(write_tree: TreeWriter) -> None:
    lines = [
        json.dumps({"avg_ts": 10.0 + i, "n_prompt": 0, "n_gen": 128}) for i in range(3)
    ]
    root = write_tree({"bench.jsonl": "\n".join(lines) + '\n{"avg_ts": 4'})
    result = run(root)
    assert rows(result, "bench.jsonl", "avg_ts")["value"].tolist() == [10.0, 11.0, 12.0]
    assert "line 4" in reasons(result, "bench.jsonl")[0]


# --- C15: header row repeated in an append-mode CSV -----------------------------------


def test_c15_repeated_headers_are_dropped_and_counted(tmp_path: Path) -> None:
    result = run(copy_case("C15", tmp_path))
    tokens = rows(result, "appended_runs.csv", "tokens_s")
    assert tokens["record_id"].nunique() == 5
    assert tokens["value"].mean() == pytest.approx(62.72)
    assert set(tokens["quantization"].astype(str)) == {"q4_0", "q8_0", "q5_K_M"}
    assert reasons(result, "appended_runs.csv") == [
        "header row repeated (2 rows dropped, table at line 1)"
    ]


def test_c15_repeated_header_after_blank_line_in_tsv(write_tree: TreeWriter) -> None:
    text = "model\ttokens_s\nm\t10\n\nmodel\ttokens_s\nm\t20\n"
    result = run(write_tree({"runs.tsv": text}))
    assert rows(result, "runs.tsv", "tokens_s")["value"].tolist() == [10.0, 20.0]
    assert reasons(result, "runs.tsv")[0].startswith("header row repeated (1 rows")


# --- C16: UTF-8 byte-order mark glued to the first header ---------------------


def test_c16_bom_is_stripped(tmp_path: Path) -> None:
    result = run(copy_case("C16", tmp_path))
    data = rows(result, "results_bom.csv")
    assert data["original_name"].astype(str).tolist() == [
        "tokens_per_s",
        "tokens_per_s",
    ]
    assert data["value"].tolist() == [77.5, 46.6]
    assert data["model"].astype(str).tolist() == ["demo-8b", "demo-8b"]
    assert data["quantization"].astype(str).tolist() == ["q4_0", "q8_0"]


def test_c16_bom_in_semicolon_csv_and_utf16(write_tree: TreeWriter) -> None:
    root = write_tree(
        {
            "excel.csv": "\ufeffmodel;tokens_per_s\r\ndemo;77,5\r\n".encode("utf-8"),
            "windows.csv": "model,tokens_per_s\r\ndemo,46.6\r\n".encode("utf-16"),
        }
    )
    result = run(root)
    assert rows(result, "excel.csv", "tokens_per_s")["value"].tolist() == [77.5]
    assert rows(result, "windows.csv", "tokens_per_s")["value"].tolist() == [46.6]
    assert set(rows(result, "excel.csv")["model"].astype(str)) == {"demo"}


# --- C20: symlink loops -------------------------------------------------------------


def _c20_tree(tmp_path: Path) -> Path:
    """Copy the case's files and recreate its two looping links."""
    root = tmp_path / "tree"
    shutil.copytree(CASES / "C20" / "tree", root)
    results = root / "results"
    os.symlink("..", results / "parent_link")
    os.symlink("../results", results / "self_link")
    return root


@pytest.mark.parametrize("follow", [False, True])
def test_c20_symlink_loops_terminate(tmp_path: Path, follow: bool) -> None:
    result = run(_c20_tree(tmp_path), follow_symlinks=follow)
    skipped = {issue.path: issue.reason for issue in result.inventory.skipped}
    assert skipped == {
        "results/parent_link": "symlink (loop)",
        "results/self_link": "symlink (loop)",
    }
    assert result.inventory.totals.files == 1
    data = result.dataset
    assert data["record_id"].nunique() == 1
    assert data["model"].astype(str).tolist() == ["demo-3b"]
    assert data["value"].tolist() == [141.2]
    assert data["unit"].astype(str).tolist() == ["tok/s"]


def test_c20_followed_links_are_scanned_once(write_tree: TreeWriter) -> None:
    root = write_tree({"data/run.csv": "model,tokens_s\nm,5\n"})
    os.symlink("data", root / "alias")
    os.symlink("..", root / "data" / "up")
    result = run(root, follow_symlinks=True)
    assert result.inventory.totals.files == 1
    assert rows(result, "data/run.csv", "tokens_s")["value"].tolist() == [5.0]
    assert "symlink (loop)" in reasons(result, "data/up")


# --- C22: empty result files from failed runs ---------------------------------------


def test_c22_empty_files_and_failed_run_folder(tmp_path: Path) -> None:
    result = run(copy_case("C22", tmp_path))
    unusable = {issue.path: issue.reason for issue in result.inventory.unusable}
    empty = [path for path, reason in unusable.items() if reason == "empty file"]
    assert sorted(empty) == ["run_failed/benchmark.tsv", "run_failed/results.json"]
    assert unusable["run_partial/results.json"] == "no records (empty JSON array)"
    telemetry = {issue.path for issue in result.inventory.gaps.missing_telemetry}
    assert "run_failed" in telemetry
    good = rows(result, "run_ok/benchmark.tsv").set_index("original_name")["value"]
    assert good["mean_load"] == 97.2
    assert good["max_rss"] == 5321.4


def test_c22_other_empty_shapes(write_tree: TreeWriter) -> None:
    root = write_tree(
        {
            "ok/a.csv": "model,tokens_s\nm,5\n",
            "spaces.md": "   \n",
            "object.json": "{}",
            "lines.jsonl": "\n\n",
        }
    )
    result = run(root)
    assert reasons(result, "spaces.md") == ["empty file (whitespace only)"]
    assert reasons(result, "object.json") == ["no records (empty JSON object)"]
    assert reasons(result, "lines.jsonl") == ["empty file (whitespace only)"]
    assert rows(result, "ok/a.csv", "tokens_s")["value"].tolist() == [5.0]
