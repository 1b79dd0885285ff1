"""The trials file: durable appends, torn last lines dropped, damage reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from chimera.errors import ConfigError
from chimera.measure.journal import TrialJournal
from chimera.measure.trials import Trial


def _trial(rep: int) -> Trial:
    return Trial(config="p", options={}, repetition=rep, metrics={"ttft_ms": 1.0})


def test_appends_and_reads_back_in_order(tmp_path: Path) -> None:
    journal = TrialJournal(tmp_path / "trials.jsonl")
    for rep in range(3):
        journal.append(_trial(rep))

    assert [t.repetition for t in journal.load()] == [0, 1, 2]


def test_missing_file_is_an_empty_sweep(tmp_path: Path) -> None:
    assert TrialJournal(tmp_path / "none.jsonl").load() == []


def test_torn_last_line_is_dropped_and_cut_off(tmp_path: Path) -> None:
    path = tmp_path / "trials.jsonl"
    journal = TrialJournal(path)
    journal.append(_trial(0))
    journal.append(_trial(1))
    whole = path.read_bytes()
    with path.open("ab") as handle:
        handle.write(_trial(2).to_json().encode()[:25])

    trials = journal.load()
    journal.append(_trial(2))

    assert [t.repetition for t in trials] == [0, 1]
    assert path.read_bytes().startswith(whole)
    assert [t.repetition for t in journal.load()] == [0, 1, 2]


def test_complete_last_line_without_newline_is_redone(tmp_path: Path) -> None:
    path = tmp_path / "trials.jsonl"
    journal = TrialJournal(path)
    journal.append(_trial(0))
    with path.open("ab") as handle:
        handle.write(_trial(1).to_json().encode())

    assert [t.repetition for t in journal.load()] == [0]
    assert path.read_bytes().endswith(b"\n")


def test_bad_line_in_the_middle_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "trials.jsonl"
    path.write_text(_trial(0).to_json() + "\n{not json\n" + _trial(1).to_json() + "\n")

    with pytest.raises(ConfigError, match="line 2"):
        TrialJournal(path).load()
