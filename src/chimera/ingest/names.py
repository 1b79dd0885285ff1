"""Configuration, model and quantization read from file and folder names.

People encode the setup of a run in its path: ``gpu80_ctx512_temp0p8``,
``g60_c2048_t0.8``, ``num_ctx=1024``, vLLM sweep folders such as
``SERVE--max_num_seqs=4-BENCH--max_concurrency=2-num_prompts=8``, and model tags
that cannot hold a colon on every file system (``gemma3_1b-it-qat`` for
``gemma3:1b-it-qat``). Values found inside a file always win over these.

>>> config_from_name("g60_c2048_t0.8")
{'num_gpu': 60.0, 'num_ctx': 2048.0, 'temperature': 0.8}
>>> quantization_from_text("llama3.1:8b-instruct-q4_0")
'q4_0'
>>> model_from_stem("gemma3_1b-it-qat_param_tuning")
'gemma3:1b-it-qat'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from chimera.ingest.vocabulary import CONFIG_COLUMNS, classify

# Compact tokens: prefix -> config column. Only used when every token of a name
# segment is such a token, so "run_t1" or "conv_bench" never turn into settings.
_COMPACT: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(rf"^(?:{prefixes})(\d+(?:[.p]\d+)?)$", re.IGNORECASE), column)
    for prefixes, column in (
        ("gpu|g|ngl|numgpu", "num_gpu"),
        ("ctx|c|nctx|numctx", "num_ctx"),
        ("temp|t", "temperature"),
        ("topp|p", "top_p"),
        ("topk|k", "top_k"),
        ("rp|rep", "repeat_penalty"),
        ("bs|batch|b", "batch_size"),
        ("conc|cc|concurrency", "concurrency"),
    )
)
_PAIR = re.compile(
    r"([A-Za-z][A-Za-z0-9_]*)=(.*?)"
    r"(?=-{1,2}[A-Za-z][A-Za-z0-9_]*=|-{1,2}[A-Z]+(?:-|$)|$)"
)
_QUANT = re.compile(
    r"(?<![a-z0-9])(i?q\d(?:_k)?(?:_[0-9a-z]{1,2})?|f16|fp16|bf16|fp8|f32|fp32|"
    r"int[48](?:wo)?|w[48]a(?:8|16)|awq(?:[-_]int4)?|gptq(?:[-_]int[48])?|nf4|"
    r"mxfp4|exl2|qat)(?![a-z0-9])",
    re.IGNORECASE,
)
_QUANT_SIZE = re.compile(r"(q\d_k)\s*-\s*(small|medium|large)", re.IGNORECASE)
_FAMILY = re.compile(
    r"^(llama|gemma|mistral|mixtral|qwen|phi|deepseek|llava|opt|falcon|smollm|"
    r"tinyllama|codellama|vicuna|gpt|command|yi|starcoder|granite|olmo|orca|"
    r"hermes|dolphin|zephyr|stablelm|internlm|baichuan|chatglm|bloom|pythia|mpt|"
    r"nemotron|aya|solar|openchat|minicpm|glm|codegemma|moondream)",
    re.IGNORECASE,
)
# Words that describe a file's role, not the model it measured.
_STEM_NOISE = frozenset(
    {
        "param", "params", "tuning", "summary", "baseline", "benchmark",
        "benchmarks", "bench", "runs", "run", "results", "result", "report",
        "fixed", "metrics", "sweep", "data", "export", "profile", "raw", "test",
        "tests", "output", "outputs", "stats", "quant",
    }
)  # fmt: skip
# A word of a title that may be a model name: tags keep their ':', '.', '/', '-'.
_TITLE_TOKEN = re.compile(r"[\w.:/-]+")
_TIMESTAMP_TOKEN = re.compile(r"^\d{6,}(?:-\d{4,})?$")


@dataclass
class NameContext:
    """What a path says about the runs in it; values inside files take priority."""

    model: str | None = None
    quantization: str | None = None
    config: dict[str, float] = field(default_factory=dict)
    params: dict[str, str | float] = field(default_factory=dict)


def context_from_path(rel_path: str) -> NameContext:
    """Read every folder name and the file stem, the nearest name winning."""
    path = PurePosixPath(rel_path)
    segments = [*path.parts[:-1], path.stem]
    context = NameContext()
    for segment in segments:
        values = config_from_name(segment)
        for key, value in values.items():
            if key in CONFIG_COLUMNS and isinstance(value, float):
                context.config[key] = value
            else:
                context.params[key] = value
        model = model_from_stem(segment)
        context.model = model or context.model
        context.quantization = quantization_from_text(segment) or context.quantization
    if context.model:
        context.quantization = (
            quantization_from_text(context.model) or context.quantization
        )
    return context


def config_from_name(segment: str) -> dict[str, str | float]:
    """Settings spelled in one file or folder name (empty when there are none)."""
    found: dict[str, str | float] = {}
    for key, raw in _PAIR.findall(segment):
        found.update(_pair(key, raw.strip()))
    if found:
        return found
    tokens = [token for token in re.split(r"[_\s,]+", segment) if token]
    return _compact(tokens) or _word_number(tokens)


def _pair(key: str, raw: str) -> dict[str, str | float]:
    info = classify(key)
    value = _number(raw)
    if info.role == "config" and value is not None:
        return {info.target: value}
    if info.role in ("model", "quantization", "run", "backend"):
        return {info.role: raw}
    return {key: value if value is not None else raw}


def _compact(tokens: list[str]) -> dict[str, str | float]:
    found: dict[str, str | float] = {}
    for token in tokens:
        for pattern, column in _COMPACT:
            match = pattern.match(token)
            if match:
                found[column] = float(match.group(1).replace("p", "."))
                break
        else:
            return {}
    return found


def _word_number(tokens: list[str]) -> dict[str, str | float]:
    """``concurrency_16`` and ``num_ctx_1024``: a setting's name, then its value."""
    found: dict[str, str | float] = {}
    for index in range(1, len(tokens)):
        value = _number(tokens[index])
        if value is None:
            continue
        name = "_".join(tokens[max(0, index - 2) : index])
        for candidate in (name, tokens[index - 1]):
            info = classify(candidate)
            if info.role == "config":
                found[info.target] = value
                break
    return found


def _number(text: str) -> float | None:
    if re.fullmatch(r"-?\d+(?:[.p]\d+)?", text) is None:
        return None
    return float(text.replace("p", "."))


def quantization_from_text(text: str | None) -> str | None:
    """The quantization tag inside a model name, file name or label."""
    if not text:
        return None
    sized = _QUANT_SIZE.search(text)
    if sized:
        return f"{sized.group(1)}_{sized.group(2)[0].upper()}"
    match = _QUANT.search(text)
    return match.group(1) if match else None


def model_from_stem(stem: str) -> str | None:
    """A model tag spelled in a file or folder name, or None.

    ``gemma3_270m_param_tuning`` -> ``gemma3:270m``; the part after the family
    name becomes the tag only when it starts with a size or version digit.
    """
    tokens = stem.split("_")
    while tokens and (
        tokens[-1].lower() in _STEM_NOISE or _TIMESTAMP_TOKEN.match(tokens[-1])
    ):
        tokens.pop()
    if not tokens or not _FAMILY.match(tokens[0]):
        return None
    head, tail = tokens[0], "_".join(tokens[1:])
    if tail and (tail[0].isdigit() or tail == "latest"):
        return f"{head}:{tail}"
    return head if re.search(r"\d", head) else None


def models_in_text(text: str) -> list[str]:
    """Model names spelled in a title, once each, in order.

    >>> models_in_text("# Sweep — SmolLM2-135M-Instruct (Q4_1), gemma3:1b")
    ['SmolLM2-135M-Instruct', 'gemma3:1b']
    """
    found: dict[str, str] = {}
    for token in _TITLE_TOKEN.findall(text):
        token = token.strip(".:-/")
        if _FAMILY.match(token) and re.search(r"\d", token):
            found.setdefault(model_key(token), token)
    return list(found.values())


def model_key(model: str) -> str:
    """A spelling-independent key: ``gemma3:latest`` and ``gemma3`` are one model."""
    key = model.strip().lower()
    key = key.removesuffix(":latest")
    return key.replace(":", "_").replace("/", "_")
