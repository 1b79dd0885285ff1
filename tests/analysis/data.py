"""Hand-built datasets and inventories with known answers, for the analysis tests.

The rows follow the dataset contract (``DATASET_COLUMNS``) so the digest reads them
exactly as it reads an ingested tree; the values are chosen so that every mean,
best config and failure count can be checked by hand.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from chimera.ingest.inventory import (
    Coverage,
    DuplicateGroup,
    FileIssue,
    Gaps,
    Inventory,
    Totals,
    TypeStats,
)
from chimera.ingest.schema import DATASET_COLUMNS

TUNING = "reports/gemma_tuning.csv"
BASELINE = "reports/llama_runs.json"


def _row(**fields: Any) -> dict[str, Any]:
    return {column: fields.get(column) for column in DATASET_COLUMNS}


def tuning_rows() -> list[dict[str, Any]]:
    """gemma3:latest over num_gpu {60, 999} x num_ctx {1024, 2048}, one run each.

    throughput = 100 + (10 if num_gpu == 999) + (2 if num_ctx == 2048);
    TTFT = 500 ms + 100 ms at num_ctx 2048. A fifth run failed (timed out).
    """
    rows = []
    grid = itertools.product((60, 999), (1024, 2048))
    for line, (num_gpu, num_ctx) in enumerate(grid, start=2):
        base = {
            "source_file": TUNING,
            "locator": f"row {line}",
            "record_id": f"{TUNING}#{line}",
            "model": "gemma3:latest",
            "backend": "ollama",
            "num_gpu": float(num_gpu),
            "num_ctx": float(num_ctx),
            "temperature": 0.8,
            "status": "ok",
        }
        throughput = 100.0 + (10.0 if num_gpu == 999 else 0.0)
        throughput += 2.0 if num_ctx == 2048 else 0.0
        ttft = 500.0 + (100.0 if num_ctx == 2048 else 0.0)
        rows.append(
            _row(**base, metric="throughput_tok_s", value=throughput, unit="tok/s")
        )
        rows.append(_row(**base, metric="ttft_ms", value=ttft, unit="ms"))
    rows.append(
        _row(
            source_file=TUNING,
            locator="row 6",
            record_id=f"{TUNING}#6",
            model="gemma3:latest",
            backend="ollama",
            num_gpu=40.0,
            num_ctx=1024.0,
            temperature=0.8,
            status="failed",
            metric="throughput_tok_s",
            value=None,
            unit="tok/s",
            error="timed out",
        )
    )
    return rows


def baseline_rows() -> list[dict[str, Any]]:
    """llama3.1:8b, three repeated runs of one config: 77.5, 78.5, 79.5 tok/s."""
    return [
        _row(
            source_file=BASELINE,
            locator=f"$.results[{index}]",
            record_id=f"{BASELINE}#{index}",
            model="llama3.1:8b",
            backend="ollama",
            status="ok",
            metric="throughput_tok_s",
            value=77.5 + index,
            unit="tok/s",
        )
        for index in range(3)
    ]


def make_dataset() -> pd.DataFrame:
    frame = pd.DataFrame(tuning_rows() + baseline_rows())
    return frame.reindex(columns=list(DATASET_COLUMNS))


def make_inventory() -> Inventory:
    when = datetime(2025, 10, 8, 16, 29, 55, tzinfo=UTC)
    return Inventory(
        root="/tmp/tree",
        totals=Totals(files=5, bytes=4096, directories=3),
        by_type={
            "csv": TypeStats(files=2, bytes=2048, latest_mtime=when),
            "json": TypeStats(files=2, bytes=1024, latest_mtime=when),
            "md": TypeStats(files=1, bytes=1024, latest_mtime=when),
        },
        coverage=Coverage(
            expected=["reports", "csv_data", "artifacts"],
            present={"reports": ["reports"], "csv_data": ["csv_data"]},
            missing=["artifacts"],
        ),
        latest_mtime=when,
        data_time_earliest="2025-09-28T18:36:07",
        data_time_latest="2025-10-08T16:29:55",
        duplicates=[
            DuplicateGroup(
                sha256="0" * 64, bytes=512, paths=["csv_data/a.csv", "reports/a.csv"]
            )
        ],
        unusable=[FileIssue(path="reports/broken.json", reason="truncated JSON")],
        gaps=Gaps(failed_runs=1, failed_run_files={TUNING: 1}),
        measurements=11,
        records=8,
    )
