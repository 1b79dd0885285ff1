"""From cells to measurements: the one place a record's values are interpreted.

Every reader (CSV, JSON, Markdown, text) hands over flat records: named cells
plus the context inherited from the file's path or enclosing objects. Here each
cell becomes identity (model, quantization, timestamp), configuration, a status
marker, or a measurement with its canonical metric, statistic and unit. A failed
record keeps its measurements as rows without values, so it is counted as a
failed run and never averaged in; a warm-up record keeps its values under status
"warmup" (see ``run_marks``).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import PurePosixPath

from chimera.ingest.failures import COUNTER_NAMES, failure_reason
from chimera.ingest.names import config_from_name, quantization_from_text
from chimera.ingest.rows import RecordContext, RowSink
from chimera.ingest.run_marks import is_warmup_mark, not_set, summary_stat
from chimera.ingest.timestamps import is_epoch, looks_like_datetime, parse_timestamp
from chimera.ingest.tools import implied_unit, tool_metric
from chimera.ingest.units import (
    DecimalMark,
    convert,
    is_missing,
    is_nonfinite_text,
    parse_number,
    strip_markup,
)
from chimera.ingest.vocabulary import (
    CONFIG_COLUMNS,
    Field,
    classify,
    resolve_metric,
    stat_word,
)

_ZERO_IS_MISSING = frozenset(
    {
        "throughput_tok_s", "prompt_throughput_tok_s", "ttft_ms", "e2e_latency_ms",
        "throughput_per_user_tok_s", "total_throughput_tok_s",
    }
)  # fmt: skip
_NO_NEGATIVE = frozenset({"ms", "tok/s", "req/s", "tokens", "MB", "samples/s"})
_TEMPERATURE = Field("metric", "temperature_c", implied_unit="C", slug="temperature")
_MAX_PARAM_TEXT = 200


@dataclass(slots=True)
class Cell:
    """One value as written, with where it was and what its name means."""

    name: str
    value: object
    locator: str
    parents: tuple[str, ...] = ()
    unit_hint: str | None = None
    stat_hint: str | None = None
    key: str | None = None  # the name to classify when ``name`` is a path


@dataclass
class FlatRecord:
    """One run's cells (or one JSON object's) with its inherited context."""

    record_id: str
    cells: list[Cell]
    context: RecordContext
    failure: str | None = None
    partial: bool = False
    decimals: dict[str, DecimalMark] = field(default_factory=dict)
    config_context: bool = False
    observe_times: bool = True
    # A failed record without measurements still gets one row, so it is counted.
    placeholder: bool = True


@dataclass(slots=True)
class _Reading:
    number: float | None
    unit: str | None
    stat: str | None
    reason: str | None
    text: str | None


def interpret(record: FlatRecord, sink: RowSink) -> int:
    """Add ``record``'s measurements to ``sink``; returns how many rows it added."""
    context = record.context.child()
    metrics: list[tuple[Field, Cell]] = []
    markers: list[tuple[str, str, object]] = []
    warmup = False
    for cell in record.cells:
        info = classify(cell.key or cell.name, cell.parents, record.config_context)
        warmup = warmup or is_warmup_mark(info, cell.value)
        if cell.stat_hint == "sample" and info.role != "metric":
            # An array of numbers is repeated measurements, whatever its name.
            info = Field("metric", "", "sample", slug=info.slug)
        value = cell.value
        if info.role == "timestamp":
            _observe_written_time(record, sink, value)
        elif type(value) is str and len(value) >= 16 and value[4:5] == "-":
            _observe(record, sink, value)
        if info.role == "metric" and _epoch_time(info, cell.value, context):
            continue
        if info.role == "metric" or _is_temperature_reading(info, cell.value):
            metrics.append((info if info.role == "metric" else _TEMPERATURE, cell))
            if info.slug in COUNTER_NAMES:
                markers.append(("metric", info.slug, cell.value))
            continue
        if info.role in ("error", "status") or info.slug in COUNTER_NAMES:
            markers.append((info.role, info.slug, cell.value))
        absorb(context, info, cell.value)
    failure = record.failure or failure_reason(markers)
    finish_context(context)
    status = "failed" if failure else "warmup" if warmup else "ok"
    if status == "ok" and record.partial:
        status = "partial"
    return _emit_all(record, sink, context, metrics, failure, status)


def _emit_all(
    record: FlatRecord,
    sink: RowSink,
    context: RecordContext,
    metrics: list[tuple[Field, Cell]],
    failure: str | None,
    status: str,
) -> int:
    index: int | None = None

    def record_index() -> int:
        nonlocal index
        if index is None:
            index = sink.add_record(record.record_id, context)
        return index

    added = 0
    summary = summary_stat(context.params)
    for info, cell in metrics:
        decimal = record.decimals.get(cell.name, ".")
        added += _emit(
            sink, record_index, info, cell, decimal, (status, summary), failure, context
        )
    if failure and not added and record.placeholder:
        first = record.cells[0] if record.cells else Cell("", None, record.record_id)
        sink.add_row(record_index(), first.locator, status="failed", error=failure)
        added = 1
    return added


def _emit(
    sink: RowSink,
    record_index: Callable[[], int],
    info: Field,
    cell: Cell,
    decimal: DecimalMark,
    state: tuple[str, str | None],
    failure: str | None,
    context: RecordContext,
) -> int:
    """One measurement row; ``state`` is the record's status and the statistic
    its values are when it summarises several runs."""
    status, summary = state
    reading = _read(cell.value, decimal)
    if reading is None or (
        reading.number is None and reading.reason is None and not failure
    ):
        return 0
    metric, unit, factor = _unit_plan(
        info, reading.unit or cell.unit_hint, context.backend
    )
    metric = _refine(metric, context)
    value, reason = reading.number, reading.reason
    if value is not None and factor != 1.0:
        value = None if factor is None else value * factor
    if failure:
        value, reason = None, failure
    elif value is not None:
        value, reason = _validate(metric, unit, info.stat, value)
    sink.add_row(
        record_index(),
        cell.locator,
        metric,
        value,
        unit,
        (cell.name, reading.text, reading.unit or cell.unit_hint or info.unit),
        status,
        reason,
        info.stat or cell.stat_hint or reading.stat or summary,
        reading.number if status == "ok" else None,
    )
    return 1


@lru_cache(maxsize=16384)
def _unit_plan(
    info: Field, unit_written: str | None, backend: str | None
) -> tuple[str, str | None, float | None]:
    """(metric, unit, conversion factor) of a value of ``info`` written in
    ``unit_written``; the factor is None when the units do not mix.

    The same few columns and units recur on every row, so this is worked out
    once per combination.
    """
    written = (
        unit_written
        or info.unit
        or implied_unit(backend, info.slug)
        or info.implied_unit
    )
    metric, unit, canonical = resolve_metric(info, written)
    factor = convert(1.0, written, unit or "") if canonical else 1.0
    if canonical and unit == "tok/s":
        metric = tool_metric(backend, info.slug) or metric
    return metric, unit, factor


def _read(value: object, decimal: DecimalMark) -> _Reading | None:
    """A cell's number, unit and statistic word; None when it holds no number."""
    if isinstance(value, (bool, dict, list)):
        return None
    if value is None:
        return _Reading(None, None, None, None, None)
    if isinstance(value, (int, float)):
        number = float(value)
        if not math.isfinite(number):
            return _Reading(None, None, None, "non-finite", repr(value))
        return _Reading(number, None, None, None, _number_text(value))
    text = str(value)
    if decimal == "." and text[-1:].isdigit():
        # Most cells are plain numbers; the full parse is for units and marks.
        try:
            number = float(text)
        except ValueError:
            pass
        else:
            return _Reading(number, None, None, None, text)
    text = strip_markup(text)
    if is_missing(text):
        return _Reading(None, None, None, None, text)
    if is_nonfinite_text(text):
        return _Reading(None, None, None, "non-finite", text)
    parsed = parse_number(text, decimal)
    if parsed is None:
        return None
    stat = stat_word(parsed.rest.split()[0]) if parsed.rest else None
    if parsed.rest.startswith(("±", "+/-", "+-")):
        stat = "mean"  # "4251.42 ± 23.61": a mean and its deviation
    return _Reading(parsed.value, parsed.unit, stat, None, text)


def _number_text(value: int | float) -> str:
    return repr(value) if isinstance(value, float) else str(value)


def _validate(
    metric: str, unit: str | None, stat: str | None, value: float
) -> tuple[float | None, str | None]:
    if value < 0 and unit in _NO_NEGATIVE and stat not in ("cv_pct",):
        what = "duration" if unit == "ms" else "value"
        return None, f"invalid: negative {what}"
    if value == 0 and metric in _ZERO_IS_MISSING and stat in (None, "mean", "p50"):
        return None, "zero (not a measurement)"
    return value, None


# llama-bench test names: "pp512", "tg128", "pp512+tg128", "pp512 @ d4096".
_TEST_NAME = re.compile(r"^(?:pp(?P<pp>\d+))?\+?(?:tg(?P<tg>\d+))?(?:\s*@\s*d\d+)?$")


def _refine(metric: str, context: RecordContext) -> str:
    """llama-bench style records: a prompt-only test measures prompt throughput,
    a prompt-and-generation test (pp512+tg128) the throughput of both.

    The test shows in ``n_prompt`` / ``n_gen`` (JSON numbers, or text in the
    CSV output) or in the test's name (``pp512`` in the Markdown output).
    """
    if metric != "throughput_tok_s":
        return metric
    params = context.params
    prompt = _token_count(params.get("n_prompt"))
    generated = _token_count(params.get("n_gen"))
    test = params.get("test")
    if prompt is None and generated is None and isinstance(test, str):
        named = _TEST_NAME.match(test.strip())
        if named is not None:
            prompt, generated = int(named["pp"] or 0), int(named["tg"] or 0)
    if prompt and generated == 0:
        return "prompt_throughput_tok_s"
    if prompt and generated:
        return "total_throughput_tok_s"
    return metric


def _token_count(value: object) -> int | None:
    """A whole number of tokens, written as a number or as digits."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _observe(record: FlatRecord, sink: RowSink, value: object) -> None:
    if record.observe_times and isinstance(value, str) and looks_like_datetime(value):
        stamp = parse_timestamp(value)
        if stamp is not None:
            sink.observe_time(stamp)


def _observe_written_time(record: FlatRecord, sink: RowSink, value: object) -> None:
    """Compact dates under a time name (vLLM's ``20250607-101500``) count as data
    times; epoch numbers do not, since nothing says which zone wrote them."""
    if record.observe_times and isinstance(value, str):
        stamp = parse_timestamp(value, time_name=True)
        if stamp is not None:
            sink.observe_time(stamp)


def _epoch_time(info: Field, value: object, context: RecordContext) -> bool:
    """A number under a time-like name that reads as a Unix time is a timestamp."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    time_like = "time" in info.slug or "date" in info.slug
    if not time_like or not is_epoch(value):
        return False
    stamp = parse_timestamp(value, time_name=True)
    if stamp is not None and context.timestamp is None:
        context.timestamp = stamp.iso
    return True


def _is_temperature_reading(info: Field, value: object) -> bool:
    """A "temperature" in degrees is a sensor reading, not a sampling setting."""
    if info.target != "temperature" or info.role != "config":
        return False
    if isinstance(value, str):
        return "°" in value or value.strip().lower().endswith("c")
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 5


_NO_CONTEXT = frozenset({"text", "status", "error", "metric"})


def absorb(context: RecordContext, info: Field, value: object) -> None:
    """Apply one non-measurement cell (model, setting, label) to ``context``."""
    if info.role in _NO_CONTEXT:
        return
    if value is None or value == "" or isinstance(value, (list, dict)):
        if info.role == "config_blob" and isinstance(value, dict):
            _absorb_blob(context, value)
        return
    role, text = info.role, strip_markup(str(value))
    if role == "model" and text:
        context.model, context.model_source = text, "data"
    elif role == "model_hint" and context.model_source != "data":
        if context.model_source != "hint":
            context.model = PurePosixPath(text.replace("\\", "/")).name.split(".gguf")[
                0
            ]
            context.model_source = "hint"
        context.quantization = context.quantization or quantization_from_text(text)
    elif role == "quantization":
        if info.slug in ("tag", "variant") and not quantization_from_text(text):
            context.params[info.slug] = text
        else:
            context.quantization = text
    elif role == "backend":
        if context.backend is None:
            context.backend = text
        else:
            context.params[info.slug] = text
    elif role == "timestamp":
        stamp = parse_timestamp(value, time_name=True)
        if stamp is not None:
            context.timestamp = stamp.iso
    elif role == "config":
        _absorb_config(context, info, value)
    elif role in ("param", "run"):
        if not isinstance(value, str) or len(value) <= _MAX_PARAM_TEXT:
            context.params[info.target] = value
    elif role == "config_blob":
        blob: dict[str, object] = dict(_json_object(text) or config_from_name(text))
        _absorb_blob(context, blob)


def _absorb_config(context: RecordContext, info: Field, value: object) -> None:
    if isinstance(value, str) and not_set(value):
        return
    number = _as_float(value)
    if number is not None:
        context.config[info.target] = number
    else:
        context.params[info.slug] = value


def _absorb_blob(context: RecordContext, blob: dict[str, object]) -> None:
    """A JSON object in a cell (``{"temperature":0.3,"top_p":0.9}``) or a name."""
    for key, value in blob.items():
        if key in CONFIG_COLUMNS and isinstance(value, float):
            context.config[key] = value
            continue
        absorb(context, classify(str(key), ("options",)), value)


def _json_object(text: str) -> dict[str, object] | None:
    if not text.startswith("{"):
        return None
    try:
        loaded = json.loads(text)
    except ValueError:
        return None
    return loaded if isinstance(loaded, dict) else None


def _as_float(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        pass
    parsed = parse_number(strip_markup(str(value)))
    return parsed.value if parsed is not None and not parsed.rest else None


def finish_context(context: RecordContext) -> None:
    """Fill quantization from the model name; label llama-bench style tests."""
    if context.quantization is None:
        from_model = quantization_from_text(context.model)
        if context.model_source in ("data", "hint"):
            context.quantization = from_model or context.name_quantization
        else:
            context.quantization = context.name_quantization or from_model
    prompt = _token_count(context.params.get("n_prompt"))
    generated = _token_count(context.params.get("n_gen"))
    if prompt is not None and generated is not None:
        parts = [f"pp{prompt}" if prompt else "", f"tg{generated}" if generated else ""]
        context.params.setdefault("test", "+".join(part for part in parts if part))
