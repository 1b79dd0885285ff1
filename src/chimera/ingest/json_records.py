"""A parsed JSON document walked into records, with failures scoped per object.

Arrays of objects are runs (``results[2]`` is one record); the keys around them
(a top-level ``"model"``, an ``"options"`` object) are inherited by every run
inside. Nested objects keep their path as the measurement's name
(``decode.latency.mean``), and a ``"unit"`` key applies to its siblings.

A failure marker (an ``error`` string, ``success: false``, ``completed: 0`` with
``failed: 8``) fails the object that holds it, or the nearest enclosing object
that holds measurements: a failed ``torch_compile`` backend fails only that
backend's numbers, not the whole file.

An object that describes the host (``"system": {"memory_total_mb": ...}``) is not
a measurement: its names and settings still give context, its numbers make no
rows. A host-named object that carries its own timestamp is a telemetry sample
(CPU, memory, GPU readings over time) and is read as measurements.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from numbers import Real

from chimera.ingest.failures import failure_reason
from chimera.ingest.records import Cell, FlatRecord, absorb
from chimera.ingest.rows import RecordContext
from chimera.ingest.vocabulary import CONFIG_PARENTS, classify, normalize

_UNIT_KEYS = ("unit", "units")
# Objects under these names describe the machine the benchmark ran on.
_HOST_KEYS = frozenset(
    {"system", "system_info", "host", "machine", "environment", "hardware"}
    | {"platform", "env"}
)


@dataclass
class _Node:
    """One JSON object: its scalars, numeric arrays and child objects."""

    keys: tuple[str, ...]
    rel: str
    jpath: str
    record_id: str
    root: bool
    scalars: list[tuple[str, object]] = field(default_factory=list)
    arrays: list[tuple[str, list[object]]] = field(default_factory=list)
    children: list[_Node] = field(default_factory=list)
    failure: str | None = None
    has_metrics: bool = False
    host: bool = False  # describes the host: its numbers are not measurements
    # Per-request error messages beside per-request arrays (vLLM's
    # --save-detailed "errors": ["", "", "Bad Request"]), by position.
    request_errors: list[str] = field(default_factory=list)


@dataclass
class JsonWalker:
    """Turns JSON values into flat records for one file."""

    rel: str
    base: RecordContext
    config_context: bool = False
    max_samples: int = 64
    partial: bool = False
    long_arrays: list[str] = field(default_factory=list)
    found_context: RecordContext = field(default_factory=RecordContext)

    def document(self, value: object) -> Iterator[FlatRecord]:
        """Records of a whole document (an object, or an array of records)."""
        if isinstance(value, dict):
            yield from self._records(self._build(value, (), "", "$", "$", True))
        elif isinstance(value, list):
            yield from self._array(value, "$")

    def line(self, value: object, number: int) -> Iterator[FlatRecord]:
        """Records of one JSON Lines line."""
        if isinstance(value, dict):
            record = f"line {number}"
            yield from self._records(self._build(value, (), "", record, record, True))
        elif isinstance(value, list):
            yield from self._array(value, f"line {number}")

    def _array(self, items: list[object], jpath: str) -> Iterator[FlatRecord]:
        for index, item in enumerate(items):
            if isinstance(item, dict):
                path = f"{jpath}[{index}]"
                yield from self._records(self._build(item, (), "", path, path, True))

    def _build(
        self,
        value: dict[str, object],
        keys: tuple[str, ...],
        rel: str,
        jpath: str,
        record: str,
        root: bool,
        host: bool = False,
    ) -> _Node:
        node = _Node(keys, rel, jpath, record, root, host=host)
        for key, item in value.items():
            key = str(key)
            child_rel = f"{rel}.{key}" if rel else key
            if isinstance(item, (dict, list)) and _is_error_key(key, keys):
                # {"error": {"message": ...}}: a failure marker to read whole,
                # not an object of measurements.
                node.scalars.append((key, item))
            elif isinstance(item, dict):
                child = self._build(
                    item,
                    (*keys, key),
                    child_rel,
                    f"{jpath}.{key}",
                    record,
                    False,
                    host or _describes_host(key, item),
                )
                node.children.append(child)
            elif isinstance(item, list):
                self._list(node, key, item, child_rel)
            else:
                node.scalars.append((key, item))
        return node

    def _list(self, node: _Node, key: str, items: list[object], rel: str) -> None:
        keys, jpath = (*node.keys, key), f"{node.jpath}.{key}"
        if any(isinstance(item, dict) for item in items):
            for index, item in enumerate(items):
                if isinstance(item, dict):
                    path = f"{jpath}[{index}]"
                    node.children.append(self._build(item, keys, "", path, path, True))
        elif (
            key.lower() == "errors"
            and items
            and all(isinstance(item, str) for item in items)
        ):
            node.request_errors = [" ".join(str(item).split()) for item in items]
        elif (
            len(items) == 1
            and isinstance(items[0], str)
            and classify(key, keys[:-1], self.config_context).role == "model"
        ):
            # GenAI-Perf's "model": ["meta-llama/Llama-3.1-8B-Instruct"].
            node.scalars.append((key, items[0]))
        elif items and all(_is_number(item) for item in items):
            if self._is_setting(key, keys[:-1]):
                # GuideLLM's "profile": {"streams": [4]}: a setting, not samples.
                if len(items) == 1:
                    node.scalars.append((key, items[0]))
                return
            if len(items) <= self.max_samples:
                node.arrays.append((key, items))
            else:
                self.long_arrays.append(f"{jpath} ({len(items)} values)")

    def _is_setting(self, key: str, parents: tuple[str, ...]) -> bool:
        """A numeric array that is not repeated measurements: a setting, or
        token ids under a text name (Ollama's "context")."""
        info = classify(key, parents, self.config_context)
        if info.role in ("config", "text"):
            return True
        near = [normalize(parent) for parent in parents[-3:]]
        return info.role == "param" and any(p in CONFIG_PARENTS for p in near)

    def _records(self, top: _Node) -> Iterator[FlatRecord]:
        _mark_failures(top, self.config_context)
        yield from self._emit(top, self.base, None)

    def _emit(
        self, node: _Node, parent: RecordContext, failure: str | None
    ) -> Iterator[FlatRecord]:
        failure = node.failure or failure
        context = parent.child()
        unit = next((str(v) for k, v in node.scalars if k in _UNIT_KEYS and v), None)
        cells: list[Cell] = []
        for key, value in node.scalars:
            info = classify(key, node.keys, self.config_context)
            if info.role != "metric":
                absorb(context, info, value)
                self._remember(context)
            elif node.host:
                continue
            cells.append(self._cell(node, key, value, node.jpath, unit))
        for child in node.children:
            if child.root or not child.keys:
                continue
            if normalize(child.keys[-1]) in CONFIG_PARENTS:
                # Settings beside the runs ({"options": {...}, "results": [...]})
                # describe every run in this object.
                for key, value in child.scalars:
                    absorb(
                        context, classify(key, child.keys, self.config_context), value
                    )
            elif not child.has_metrics:
                # A descriptive object beside the measurements (GuideLLM's
                # "worker": {"backend_model": ...}) names their model.
                self._absorb_identity(context, child)
        failed_requests: dict[int, list[Cell]] = {}
        for key, items in [] if node.host else node.arrays:
            for index, item in enumerate(items):
                locator = f"{node.jpath}.{key}[{index}]"
                cell = self._cell(node, key, item, "", unit, locator)
                cell.stat_hint = "sample"
                if self._request_failed(node, index, len(items)):
                    failed_requests.setdefault(index, []).append(cell)
                else:
                    cells.append(cell)
        lone_failure = node.root and bool(failure) and not node.has_metrics
        if cells or lone_failure:
            yield FlatRecord(
                f"{self.rel}#{node.record_id}",
                cells,
                parent,
                failure=failure,
                partial=self.partial,
                config_context=self.config_context,
                placeholder=lone_failure,
            )
        for index, request_cells in failed_requests.items():
            # A failed request's zeros are placeholders, never samples.
            yield FlatRecord(
                f"{self.rel}#{node.record_id}.request[{index}]",
                request_cells,
                context,
                failure=node.request_errors[index],
                partial=self.partial,
                config_context=self.config_context,
            )
        for child in node.children:
            yield from self._emit(child, context, failure)

    @staticmethod
    def _request_failed(node: _Node, index: int, length: int) -> bool:
        errors = node.request_errors
        return len(errors) == length and bool(errors[index])

    def _cell(
        self,
        node: _Node,
        key: str,
        value: object,
        jpath: str,
        unit: str | None,
        locator: str | None = None,
    ) -> Cell:
        name = f"{node.rel}.{key}" if node.rel else key
        return Cell(
            name,
            value,
            locator or f"{jpath}.{key}",
            node.keys,
            unit_hint=unit,
            key=key,
        )

    def _absorb_identity(self, context: RecordContext, child: _Node) -> None:
        """Model, quantization and backend from ``child``, where still unknown."""
        for key, value in child.scalars:
            info = classify(key, child.keys, self.config_context)
            if info.role in ("model", "model_hint"):
                known = context.model_source in ("data", "hint")
            elif info.role in ("quantization", "backend"):
                known = getattr(context, info.role) is not None
            else:
                continue
            if not known:
                absorb(context, info, value)

    def _remember(self, context: RecordContext) -> None:
        """Keep the first model / quantization / backend a config file names."""
        found = self.found_context
        found.model = found.model or context.model
        found.backend = found.backend or context.backend
        if context.quantization and (
            found.quantization is None
            or any(ch.isdigit() for ch in context.quantization)
        ):
            found.quantization = context.quantization


def _is_error_key(key: str, parents: tuple[str, ...]) -> bool:
    return classify(key, parents).role == "error"


def _describes_host(key: str, item: dict[str, object]) -> bool:
    """A host description, not a timestamped telemetry sample of the host."""
    if normalize(key) not in _HOST_KEYS:
        return False
    return not any(classify(str(name), (key,)).role == "timestamp" for name in item)


def _is_number(value: object) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


def _mark_failures(node: _Node, config_context: bool) -> tuple[bool, str | None]:
    """Set ``failure`` on the objects a failure marker applies to.

    Returns (whether the subtree holds measurements, a failure still looking for
    an object with measurements to apply to).
    """
    has_metrics = bool(node.arrays)
    triples: list[tuple[str, str, object]] = []
    for key, value in node.scalars:
        info = classify(key, node.keys, config_context)
        triples.append((info.role, info.slug, value))
        if info.role == "metric" and value is not None and not isinstance(value, str):
            has_metrics = True
    pending = failure_reason(triples)
    for child in node.children:
        child_metrics, child_pending = _mark_failures(child, config_context)
        if child.root:
            continue
        has_metrics = has_metrics or child_metrics
        pending = pending or child_pending
    node.has_metrics = has_metrics
    if pending and (has_metrics or node.root):
        node.failure = pending
        return has_metrics, None
    return has_metrics, pending
