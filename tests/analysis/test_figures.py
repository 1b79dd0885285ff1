"""Which numbers in a text are claims, with what unit and precision."""

from __future__ import annotations

import pytest

from chimera.analysis.figures import find_numbers


def _values(text: str) -> list[tuple[float, str | None]]:
    return [(round(m.canonical, 6), m.unit) for m in find_numbers(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("TTFT 0.1289 s", [(128.9, "ms")]),
        ("TTFT 128.9ms", [(128.9, "ms")]),
        ("eval 310000000 ns", [(310.0, "ms")]),
        ("77.61 tok/s and 45 tokens per second", [(77.61, "tok/s"), (45.0, "tok/s")]),
        ("75% failed, 2x faster", [(75.0, "%"), (2.0, "x")]),
        ("3,503 rows and 1.5k requests", [(3503.0, None), (1500.0, None)]),
        ("539,947 bytes", [(0.539947, "MB")]),
        ("a drop of -3.5%", [(-3.5, "%")]),
        (
            "num_ctx=2048, range 1024-4096",
            [(2048.0, None), (1024.0, None), (4096.0, None)],
        ),
    ],
)
def test_figures_with_units_are_found_and_converted(
    text: str, expected: list[tuple[float, str | None]]
) -> None:
    assert _values(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "written on 2025-10-08T16:29:55Z and 2025/10/08",
        "released January 7, 2024 at 16:29",
        "in 2024 the run started",
        "1. First finding\n2) second\n## 3. Heading",
        "see Section 4.2, Table 3, step 2 and (1)",
        "gemma3:1b-it-qat and llama3.1:8b-instruct-q4_0 on RUN-3, CFG-12",
        "file results_1759098967.json in outputs/reports/20251002-151824/",
        "g60_c2048_t0.8 and SmolLM2-135M",
        "version 1.2.3",
    ],
)
def test_dates_ordinals_ids_and_names_are_not_claims(text: str) -> None:
    assert find_numbers(text) == []


def test_precision_is_read_from_the_written_digits() -> None:
    low, high = find_numbers("0.0450 s and 102")
    assert (low.decimals, low.significant) == (4, 3)
    assert low.tolerance == pytest.approx(0.05)  # half of 0.0001 s, in ms
    assert (high.decimals, high.significant, high.tolerance) == (0, 3, 0.5)


def test_a_year_with_a_unit_is_a_claim() -> None:
    assert _values("in 2048 tokens") == [(2048.0, None)]
    assert _values("in 2024 ms") == [(2024.0, "ms")]
