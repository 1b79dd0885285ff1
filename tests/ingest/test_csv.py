"""CSV and TSV reading: dialects, encodings, units, blocks, failed rows."""

from __future__ import annotations

import pytest
from tests.ingest.conftest import TreeWriter, reasons, rows, run


def test_semicolon_decimal_comma_and_thousands(write_tree: TreeWriter) -> None:
    text = (
        "model;tokens_s;ttft_ms;eval_count\n"
        "demo;12,5;1.234,5;1.024\n"
        "demo;7,25;980,0;2.048\n"
    )
    result = run(write_tree({"eu.csv": text}))
    assert rows(result, "eu.csv", "tokens_s")["value"].tolist() == [12.5, 7.25]
    assert rows(result, "eu.csv", "ttft_ms")["value"].tolist() == [1234.5, 980.0]
    assert rows(result, "eu.csv", "eval_count")["value"].tolist() == [1024.0, 2048.0]


def test_tab_and_pipe_delimiters_are_sniffed(write_tree: TreeWriter) -> None:
    root = write_tree(
        {
            "tabs.csv": "model\ttokens_s\ndemo\t10.5\ndemo\t11.5\n",
            "pipes.txt.csv": "model|tokens_s\ndemo|9.5\n",
        }
    )
    result = run(root)
    assert rows(result, "tabs.csv", "tokens_s")["value"].tolist() == [10.5, 11.5]
    assert rows(result, "pipes.txt.csv", "tokens_s")["value"].tolist() == [9.5]


def test_quoted_newlines_and_json_cells(write_tree: TreeWriter) -> None:
    text = (
        "model,response,tokens_s,options\n"
        'demo,"line one\nline two, with comma",41.5,'
        '"{""temperature"":0.3,""top_p"":0.9}"\n'
        'demo,short,42.5,"{""num_ctx"": 4096}"\n'
    )
    result = run(write_tree({"runs.csv": text}))
    data = rows(result, "runs.csv", "tokens_s")
    assert data["locator"].tolist() == ["line 2", "line 4"]
    assert data["value"].tolist() == [41.5, 42.5]
    assert data["temperature"].tolist()[0] == 0.3
    assert data["top_p"].tolist()[0] == 0.9
    assert data["num_ctx"].tolist()[1] == 4096.0


def test_units_in_cells_and_headers(write_tree: TreeWriter) -> None:
    text = (
        "model,Latency (ms),ttft_s,Throughput (tokens/sec),mean_ttft_ms,speed,mem\n"
        "demo,12.3 ms,0.25,45 tok/s,300,45 tok/s,512 MiB\n"
        "demo,N/A,n/a,,—,-,\n"
    )
    result = run(write_tree({"units.csv": text}))
    data = rows(result, "units.csv").set_index("original_name")
    assert data.loc["Latency (ms)", "value"] == 12.3
    assert data.loc["Latency (ms)", "metric"] == "latency_ms"
    assert data.loc["ttft_s", "value"] == 250.0
    assert data.loc["ttft_s", "unit"] == "ms"
    assert data.loc["ttft_s", "original_unit"] == "s"
    assert data.loc["Throughput (tokens/sec)", "metric"] == "throughput_tok_s"
    assert data.loc["mean_ttft_ms", "stat"] == "mean"
    assert data.loc["speed", "metric"] == "throughput_tok_s"
    assert data.loc["mem", "value"] == pytest.approx(512 * 1.048576)
    assert data.loc["mem", "unit"] == "MB"
    # The second row holds only "missing" markers: no measurement, no zero.
    assert len(rows(result, "units.csv")) == 6


def test_failed_rows_keep_no_values(write_tree: TreeWriter) -> None:
    text = (
        "model,ttft_s,tokens_s,eval_count,error\n"
        "demo,0.000000,0.00,0,Failed to connect to Ollama\n"
        "demo,0.12,55.5,120,\n"
        "demo,,,,timed out\n"
    )
    result = run(write_tree({"runs.csv": text}))
    data = rows(result, "runs.csv")
    failed = data[data["status"] == "failed"]
    assert failed["record_id"].nunique() == 2
    assert failed["value"].isna().all()
    assert set(failed["error"].astype(str)) == {
        "Failed to connect to Ollama",
        "timed out",
    }
    assert rows(result, "runs.csv", "tokens_s").dropna(subset=["value"])[
        "value"
    ].tolist() == [55.5]
    assert result.inventory.gaps.failed_runs == 2


def test_success_false_and_zero_completed_mark_failures(write_tree: TreeWriter) -> None:
    text = (
        "name,completed,failed,output_throughput,success\n"
        "a,0,8,0.0,TRUE\n"
        "b,8,0,93.7,TRUE\n"
        "c,8,0,0.0,FALSE\n"
    )
    result = run(write_tree({"runs.csv": text}))
    status = rows(result, "runs.csv").groupby("locator")["status"].first()
    assert status.to_dict() == {"line 2": "failed", "line 3": "ok", "line 4": "failed"}


def test_config_and_model_from_file_and_folder_names(write_tree: TreeWriter) -> None:
    root = write_tree(
        {
            "gemma3_1b-it-qat/gpu80_ctx512_temp0p8/run.csv": "tokens_s\n88.5\n",
            "g60_c2048_t0.8.csv": "model,tokens_s\nllama3.1:8b-instruct-q4_0,77.1\n",
            "num_ctx=1024/results.csv": "tokens_s\n70.0\n",
        }
    )
    result = run(root)
    first = rows(result, "gemma3_1b-it-qat/gpu80_ctx512_temp0p8/run.csv").iloc[0]
    assert (first["num_gpu"], first["num_ctx"], first["temperature"]) == (
        80.0,
        512.0,
        0.8,
    )
    assert first["model"] == "gemma3:1b-it-qat"
    second = rows(result, "g60_c2048_t0.8.csv").iloc[0]
    assert (second["num_gpu"], second["num_ctx"], second["temperature"]) == (
        60.0,
        2048.0,
        0.8,
    )
    assert second["model"] == "llama3.1:8b-instruct-q4_0"
    assert second["quantization"] == "q4_0"
    assert rows(result, "num_ctx=1024/results.csv")["num_ctx"].tolist() == [1024.0]


def test_blocks_with_different_headers(write_tree: TreeWriter) -> None:
    text = (
        "Metric,avg,p50,p99\r\n"
        "Time to First Token (ms),28.74,26.77,66.76\r\n"
        "\r\n"
        "Metric,Value\r\n"
        "Request Count,2044.00\r\n"
        "\r\n\r\n"
        "Endpoint,GPU_Index,Metric,avg\r\n"
    )
    result = run(write_tree({"export.csv": text}))
    data = rows(result, "export.csv")
    assert data["record_id"].nunique() == 1
    ttft = data[data["metric"] == "ttft_ms"].set_index("stat")["value"]
    assert ttft.to_dict() == {"mean": 28.74, "p50": 26.77, "p99": 66.76}
    assert rows(result, "export.csv", "Request Count")["value"].tolist() == [2044.0]
    missing = result.inventory.gaps.missing_telemetry
    assert [issue.reason for issue in missing] == [
        "table at line 8 has a header (Endpoint, GPU_Index, Metric, avg, ...) "
        "but no data rows"
    ]


def test_headerless_numbers_and_ragged_rows(write_tree: TreeWriter) -> None:
    root = write_tree(
        {
            "numbers.csv": "1,2.5\n2,3.5\n",
            "ragged.csv": "model,tokens_s,ttft_ms\ndemo,10\ndemo,11,20,extra\n",
        }
    )
    result = run(root)
    assert rows(result, "numbers.csv", "column_2")["value"].tolist() == [2.5, 3.5]
    assert rows(result, "ragged.csv", "tokens_s")["value"].tolist() == [10.0, 11.0]
    assert reasons(result, "ragged.csv") == [
        "2 rows with a different number of cells (table at line 1)"
    ]


def test_single_column_text_is_not_a_table(write_tree: TreeWriter) -> None:
    result = run(write_tree({"notes.csv": "just words\nmore words\n"}))
    assert reasons(result, "notes.csv")[0].startswith("no table or metrics found")
