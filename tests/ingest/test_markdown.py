"""Markdown reports and console text: glued tables, headings, bullets, log lines."""

from __future__ import annotations

from tests.ingest.conftest import TreeWriter, reasons, rows, run

GLUED = """# Compilation Benchmark Report
- Model: conv
- DType: torch.float32 | Backend | Success | Mean (ms) | Notes |
| --- | --- | --- | --- |
| eager | yes | 3.812 | |
| torch_compile | no | 0.000 | error=no triton |
Best throughput was q4_0. | tag | mean_tokens_s | mean_ttft_s |
| --- | --- | --- |
| q4_0 | 76.59 | 0.097 |
| q8_0 | 1,046.57 | 2.008 | ## Parameter Sweep (using q4_0)
Top configuration: num_gpu=40
- Tokens/s: 78.42
"""


def test_glued_tables_and_headings(write_tree: TreeWriter) -> None:
    result = run(write_tree({"report.md": GLUED}))
    data = rows(result, "report.md")
    mean = data[data["original_name"] == "Mean (ms)"].set_index("backend")
    assert mean["value"].to_dict() == {"eager": 3.812, "torch_compile": None} or (
        mean.loc["eager", "value"] == 3.812 and mean.loc["torch_compile", "value"] != 0
    )
    failed = data[data["status"] == "failed"]
    assert set(failed["error"].astype(str)) == {"marked failed (success=no)"}
    tokens = rows(result, "report.md", "mean_tokens_s")
    assert tokens.set_index("quantization")["value"].to_dict() == {
        "q4_0": 76.59,
        "q8_0": 1046.57,
    }
    bullet = rows(result, "report.md", "Tokens/s")
    assert bullet["value"].tolist() == [78.42]
    assert bullet["locator"].tolist() == ["line 12"]


def test_bullets_sections_and_long_tables(write_tree: TreeWriter) -> None:
    text = """# Quantization Benchmark ## BASELINE
- **Mean TTFT (Time to First Token):** 0.165 seconds (excluding cold start)
- **Throughput:** 40.88 tok/s
- Overall runs analyzed: 37

# decode:

## latency:

| metric | value | unit |
| :----- | ----: | ---: |
| mean   | 1.462082 | s |
| count  | 10 | - |

```yaml
num_gpu: 999
```
"""
    result = run(write_tree({"summary.md": text}))
    data = rows(result, "summary.md").set_index("original_name")
    assert data.loc["Mean TTFT (Time to First Token)", "value"] == 165.0
    assert data.loc["Mean TTFT (Time to First Token)", "metric"] == "ttft_ms"
    assert data.loc["Throughput", "value"] == 40.88
    assert "Overall runs analyzed" not in data.index
    assert data.loc["mean", "metric"] == "eval_duration_ms"
    assert data.loc["mean", "value"] == 1462.082
    assert data.loc["count", "value"] == 10
    assert (rows(result, "summary.md")["num_gpu"].isna()).all()


def test_console_output_keyed_to_the_model(write_tree: TreeWriter) -> None:
    text = """Checking and pulling the following LLM models
gemma2:9b
----------
model_name =    mistral:7b
prompt = Write a guide.
eval rate:            67.11 tokens/s
eval rate:            66.61 tokens/s
--------------------
Average of eval rate:  66.860  tokens/s
model_name =    phi4:14b
eval rate:            32.77 tokens/s
{
    "mistral:7b": "66.86",
    "memory": 62.69
}
"""
    result = run(write_tree({"console.md": text}))
    data = rows(result, "console.md")
    assert data[["model", "value"]].astype(str).values.tolist() == [
        ["mistral:7b", "67.11"],
        ["mistral:7b", "66.61"],
        ["phi4:14b", "32.77"],
    ]
    assert set(data["metric"].astype(str)) == {"throughput_tok_s"}


def test_log_files_with_prefixes_colours_and_sections(write_tree: TreeWriter) -> None:
    text = (
        "[PROC][2025-03-10 22:40:27,824][report][INFO] - + decode:\n"
        "[PROC][2025-03-10 22:40:27,824][report][INFO] - \t+ latency:\n"
        "[PROC][2025-03-10 22:40:27,825][report][INFO] - "
        "\t\t+ mean: \x1b[32m1.46\x1b[0m (s)\n"
        "2025-03-10 22:40:28,000 INFO - Temperature: 54.7°C avg\n"
    )
    result = run(write_tree({"bench.log": text}))
    data = rows(result, "bench.log").set_index("original_name")
    assert data.loc["mean", "metric"] == "eval_duration_ms"
    assert data.loc["mean", "value"] == 1460.0
    assert data.loc["Temperature", "metric"] == "temperature_c"
    assert data.loc["Temperature", "stat"] == "mean"


def test_markdown_without_numbers_is_unusable(write_tree: TreeWriter) -> None:
    result = run(write_tree({"prose.md": "# Notes\n\nNothing measured.\n"}))
    assert reasons(result, "prose.md") == ["no table or metrics found"]
