"""Numbers as cells write them (grouping spaces, 1.5k, tok/min) and CSV line endings."""

from __future__ import annotations

import csv
import logging

import pytest
from tests.ingest.conftest import TreeWriter, reasons, rows, run

from chimera.ingest.units import parse_number


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("2 000", 2000.0, None),
        ("1\u202f234", 1234.0, None),
        ("1\u00a0234", 1234.0, None),
        ("1\u2009234 567.5", 1234567.5, None),
        ("12 500 ms", 12500.0, "ms"),
        ("1.5k", 1500.0, None),
        ("2K", 2000.0, None),
        ("1.5k tok/s", 1500.0, "tok/s"),
        ("600 tok/min", 600.0, "tok/min"),
        ("30 tokens per minute", 30.0, "tok/min"),
        ("120 req/min", 120.0, "req/min"),
        # Units that start with a magnitude letter stay units.
        ("12 ms", 12.0, "ms"),
        ("3 GB", 3.0, "GB"),
        ("3GB", 3.0, "GB"),
        ("45 kB", 45.0, "kB"),
        ("45kB", 45.0, "kB"),
        ("12.3 ms", 12.3, "ms"),
        ("45 tok/s", 45.0, "tok/s"),
        ("4251.42 ± 23.61", 4251.42, None),
        ("12.5 mean", 12.5, None),
    ],
)
def test_numbers_as_written(text: str, value: float, unit: str | None) -> None:
    parsed = parse_number(text)
    assert parsed is not None
    assert (parsed.value, parsed.unit) == (pytest.approx(value), unit)


@pytest.mark.parametrize(
    "text", ["1 2", "12 5", "1 2345", "1234 567", "0.5 123", "1\u00a02", "1.5k 3"]
)
def test_two_numbers_are_no_number(text: str) -> None:
    assert parse_number(text) is None


def test_grouping_spaces_with_decimal_commas() -> None:
    parsed = parse_number("1 234,5", ",")
    assert parsed is not None and parsed.value == 1234.5


def test_csv_cells_with_grouping_magnitudes_and_rates(write_tree: TreeWriter) -> None:
    text = (
        "model,throughput_tok_s,ttft_ms,eval_count\n"
        'A,"2 000",12,2k\n'
        "B,1\u202f234,1 2,1.5k\n"
        "C,600 tok/min,13 ms,3\n"
    )
    result = run(write_tree({"cells.csv": text}))
    throughput = rows(result, "cells.csv", "throughput_tok_s")
    assert throughput["value"].tolist() == pytest.approx([2000.0, 1234.0, 10.0])
    assert set(throughput["unit"]) == {"tok/s"}
    assert throughput["original_unit"].tolist()[2] == "tok/min"
    counts = rows(result, "cells.csv", "eval_count")["value"].tolist()
    assert counts == [2000.0, 1500.0, 3.0]
    # "1 2" is two numbers: no measurement rather than a wrong one.
    assert rows(result, "cells.csv", "ttft_ms")["value"].tolist() == [12.0, 13.0]


def test_cr_only_line_endings(write_tree: TreeWriter) -> None:
    root = write_tree({"cronly.csv": "model,throughput_tok_s\rJ,12\rK,13\r"})
    result = run(root)
    data = rows(result, "cronly.csv", "throughput_tok_s")
    assert data["value"].tolist() == [12.0, 13.0]
    assert data["locator"].tolist() == ["line 2", "line 3"]
    assert reasons(result, "cronly.csv") == []


def test_crlf_with_quoted_newlines(write_tree: TreeWriter) -> None:
    text = 'model,response,tokens_s\r\ndemo,"one\r\ntwo",41.5\r\ndemo,x,42.5\r\n'
    result = run(write_tree({"crlf.csv": text}))
    data = rows(result, "crlf.csv", "tokens_s")
    assert data["value"].tolist() == [41.5, 42.5]
    assert data["locator"].tolist() == ["line 2", "line 4"]


def test_csv_module_error_is_one_line_reason(
    write_tree: TreeWriter,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Keep the csv module's own field limit, so a huge field makes it fail.
    monkeypatch.setattr(csv, "field_size_limit", lambda *_: 131072)
    text = 'model,tokens_s\ndemo,12\n"' + "x" * 140_000 + '",13\n'
    with caplog.at_level(logging.WARNING):
        result = run(write_tree({"huge.csv": text}))
    assert reasons(result, "huge.csv") == [
        "not a valid CSV: field larger than field limit (131072) (line 3)"
    ]
    assert not any(record.exc_info for record in caplog.records)


def test_excel_separator_line_names_the_delimiter(write_tree: TreeWriter) -> None:
    text = "sep=;\nmodel;throughput_tok_s\nA;12,5\nB;13\n"
    every = rows(run(write_tree({"excel.csv": text})), "excel.csv")
    data = every[every["original_name"] == "throughput_tok_s"]
    assert data["value"].tolist() == [12.5, 13.0]
    assert data["locator"].tolist() == ["line 3", "line 4"]
    assert set(every["original_name"]) == {"throughput_tok_s"}
