"""The metrics Chimera compares, sweeps and summarises, and which way is better.

Each entry names a key of ``CallMetrics.to_dict()``; the unit is in the name. The
direction decides what "best config" means for a sweep and how a compare delta
reads (a negative TTFT delta is an improvement, a negative tok/s delta is not).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from chimera.errors import UsageError

Direction = Literal["higher", "lower"]


@dataclass(frozen=True)
class MetricSpec:
    name: str
    label: str
    unit: str
    better: Direction

    def improved(self, delta: float) -> bool:
        """Whether a change of ``delta`` (B minus A) is an improvement."""
        return delta > 0 if self.better == "higher" else delta < 0


METRICS: dict[str, MetricSpec] = {
    spec.name: spec
    for spec in (
        MetricSpec("tokens_per_s", "Throughput", "tok/s", "higher"),
        MetricSpec("ttft_ms", "Time to first token", "ms", "lower"),
        MetricSpec("wall_ms", "End-to-end time", "ms", "lower"),
        MetricSpec("eval_tokens_per_s", "Server eval rate", "tok/s", "higher"),
        MetricSpec(
            "client_decode_tokens_per_s", "Client decode rate", "tok/s", "higher"
        ),
        MetricSpec("prompt_tokens_per_s", "Prompt eval rate", "tok/s", "higher"),
        MetricSpec("server_total_ms", "Server total", "ms", "lower"),
        MetricSpec("server_prompt_eval_ms", "Server prompt eval", "ms", "lower"),
        MetricSpec("server_eval_ms", "Server eval", "ms", "lower"),
    )
}

# What compare and sweep report unless asked for others.
DEFAULT_METRICS: tuple[str, ...] = (
    "tokens_per_s",
    "ttft_ms",
    "wall_ms",
    "client_decode_tokens_per_s",
)


def metric_specs(names: tuple[str, ...] | list[str] | None) -> list[MetricSpec]:
    """Look up metric names; an unknown one lists the valid names."""
    chosen = list(names) if names else list(DEFAULT_METRICS)
    unknown = [name for name in chosen if name not in METRICS]
    if unknown:
        raise UsageError(
            f"unknown metric(s): {', '.join(unknown)}",
            hint=f"choose from: {', '.join(METRICS)}",
        )
    return [METRICS[name] for name in chosen]
