"""The examples in the analysis and report modules' docstrings stay true."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = (
    "chimera.analysis.answer_schema",
    "chimera.analysis.budget",
    "chimera.analysis.digest_options",
    "chimera.analysis.facts",
    "chimera.analysis.figures",
    "chimera.analysis.value_index",
    "chimera.agents.outcome",
    "chimera.reports.markdown",
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0
    assert result.failed == 0
