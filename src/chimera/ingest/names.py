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
>>> model_from_stem("gemma2_9b_gpu40_ctx2048_temp0p2")
'gemma2:9b'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from chimera.ingest.vocabulary import CONFIG_COLUMNS, classify

# Compact tokens: prefix -> config column ("gpu80", "c2048", "temp0p8").
_COMPACT_PREFIXES: dict[str, str] = {
    **dict.fromkeys(("gpu", "g", "ngl", "numgpu"), "num_gpu"),
    **dict.fromkeys(("ctx", "c", "nctx", "numctx"), "num_ctx"),
    **dict.fromkeys(("temp", "t"), "temperature"),
    **dict.fromkeys(("topp", "p"), "top_p"),
    **dict.fromkeys(("topk", "k"), "top_k"),
    **dict.fromkeys(("rp", "rep"), "repeat_penalty"),
    **dict.fromkeys(("bs", "batch", "b"), "batch_size"),
    **dict.fromkeys(("conc", "cc", "concurrency"), "concurrency"),
}
_COMPACT = re.compile(
    rf"^({'|'.join(sorted(_COMPACT_PREFIXES, key=len, reverse=True))})"
    r"(\d+(?:[.p]\d+)?)$",
    re.IGNORECASE,
)
# key=value pairs, separated by '-', '--', '_', ',' or spaces; a vLLM sweep's
# "SERVE"/"BENCH" words end a value too.
_PAIR = re.compile(
    r"([A-Za-z][A-Za-z0-9_]*)=(.*?)"
    r"(?=[-_\s,]{1,2}[A-Za-z][A-Za-z0-9_]*=|-{1,2}[A-Z]+(?:-|$)|$)"
)
# llama.cpp tags are read whole: q4_0, Q5_K_M, IQ3_XXS, Q4_0_4_4, UD-Q4_K_XL.
_QUANT = re.compile(
    r"(?<![a-z0-9])((?:ud-)?[it]?q\d(?:_(?:k|\d|xxs|xs|s|m|l|xl|nl))*|"
    r"f16|fp16|bf16|fp8|f32|fp32|int[48](?:wo)?|w[48]a(?:8|16)|awq(?:[-_]int4)?|"
    r"gptq(?:[-_]int[48])?|nf4|mxfp4|exl2|qat)(?![a-z0-9])",
    re.IGNORECASE,
)
_QUANT_SIZE = re.compile(r"(q\d_k)\s*-\s*(small|medium|large)", re.IGNORECASE)
# What separates the words of a name when looking for settings in it.
_SEPARATORS = "-_\\s,"
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
    """Settings spelled in one file or folder name (empty when there are none).

    >>> config_from_name("gemma2_9b_gpu40_ctx2048")
    {'num_gpu': 40.0, 'num_ctx': 2048.0}
    """
    found: dict[str, str | float] = {}
    for key, raw in _PAIR.findall(segment):
        found.update(_pair(_pair_key(key), raw.strip()))
    if found:
        return found
    words = [word for _, word in _words(segment)]
    return _compact(words) or {**_trailing_settings(segment), **_word_number(words)}


def _pair(key: str, raw: str) -> dict[str, str | float]:
    info = classify(key)
    value = _number(raw)
    if info.role == "config" and value is not None:
        return {info.target: value}
    if info.role in ("model", "quantization", "run", "backend"):
        return {info.role: raw}
    return {key: value if value is not None else raw}


def _pair_key(key: str) -> str:
    """The setting a pair's key names when a model tag runs into it.

    ``q4_0_num_ctx`` (from ``llama3.1:8b-instruct-q4_0_num_ctx=1024``) names
    ``num_ctx``: the longest known tail of the key that starts with a letter word.
    """
    parts = key.split("_")
    for index in range(len(parts)):
        candidate = "_".join(parts[index:])
        if re.match(r"[A-Za-z]+(?:_|$)", candidate) and (
            classify(candidate).role != "metric"
        ):
            return candidate
    return key


def _words(name: str, separators: str = _SEPARATORS) -> list[tuple[int, str]]:
    """The words of a name with where each starts; ``Q5_K_M`` stays one word."""
    masked = _QUANT.sub(lambda m: re.sub(f"[{separators}]", "\0", m[0]), name)
    return [
        (match.start(), name[match.start() : match.end()])
        for match in re.finditer(f"[^{separators}]+", masked)
    ]


def _compact_setting(word: str) -> tuple[str, float, bool] | None:
    """``temp0p8`` -> (column, value, whether the prefix is more than a letter)."""
    match = _COMPACT.match(word)
    if match is None:
        return None
    column = _COMPACT_PREFIXES[match[1].lower()]
    return column, float(match[2].replace("p", ".")), len(match[1]) > 1


def _compact(words: list[str]) -> dict[str, str | float]:
    """Settings when every word is a compact token (``g60_c2048_t0.8``)."""
    found: dict[str, str | float] = {}
    for word in words:
        setting = _compact_setting(word)
        if setting is None:
            return {}
        found[setting[0]] = setting[1]
    return found


def _trailing_settings(segment: str) -> dict[str, str | float]:
    """Compact tokens after a model tag: ``gemma2_9b_gpu40_ctx2048``."""
    words = _words(segment)
    start = _settings_start([word for _, word in words])
    if start == len(words):
        return {}
    head = segment[: words[start][0]].rstrip("-_ ,")
    # "exp_c4_k8" is not a model followed by settings.
    if not _only_noise(head) and model_from_stem(head) is None:
        return {}
    return _compact([word for _, word in words[start:] if _compact_setting(word)])


def _settings_start(words: list[str]) -> int:
    """Index of the first of the settings a name ends with (``len`` when none).

    Role words and time stamps among them are passed over. A one-letter token
    (``t1``, ``c4``) counts only beside another compact token, so ``run_t1``
    and ``olmo_7b_c4`` end with no settings.
    """
    start = end = len(words)
    while end > 0:
        if _is_compact_setting(words, end - 1):
            start = end = end - 1
        elif _is_noise(words[end - 1]):
            end -= 1
        else:
            setting = _word_setting(words, end - 1)
            if setting is None:
                break
            start = end = end - setting[2]
    return start


def _is_compact_setting(words: list[str], index: int) -> bool:
    setting = _compact_setting(words[index])
    if setting is None:
        return False
    neighbours = [words[i] for i in (index - 1, index + 1) if 0 <= i < len(words)]
    return setting[2] or any(_compact_setting(word) for word in neighbours)


def _is_noise(word: str) -> bool:
    return word.lower() in _STEM_NOISE or _TIMESTAMP_TOKEN.match(word) is not None


def _only_noise(name: str) -> bool:
    return all(_is_noise(word) for _, word in _words(name))


def _word_number(words: list[str]) -> dict[str, str | float]:
    """``concurrency_16`` and ``num_ctx_1024``: a setting's name, then its value."""
    found: dict[str, str | float] = {}
    for index in range(1, len(words)):
        setting = _word_setting(words, index)
        if setting is not None:
            found[setting[0]] = setting[1]
    return found


def _word_setting(words: list[str], index: int) -> tuple[str, float, int] | None:
    """(column, value, words used) when ``words[index]`` is a named setting's value."""
    value = _number(words[index])
    if value is None:
        return None
    for width in (2, 1):
        if index - width < 0:
            continue
        info = classify("_".join(words[index - width : index]))
        if info.role == "config":
            return info.target, value, width + 1
    return None


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
    Settings at the end (``_gpu40_ctx2048``, ``_num_ctx=1024``) are not part of
    the tag, and a quantization suffix (``q4_0``, ``Q5_K_M``) is kept whole.
    """
    tokens = [word for _, word in _words(_without_settings(stem), "_")]
    while tokens and _is_noise(tokens[-1]):
        tokens.pop()
    if not tokens or not _FAMILY.match(tokens[0]):
        return None
    head, tail = tokens[0], "_".join(tokens[1:])
    if ":" in head:
        return head  # already a full tag: "llama3.1:8b-instruct-q4_0"
    if tail and (tail[0].isdigit() or tail == "latest"):
        return f"{head}:{tail}"
    return head if re.search(r"\d", head) else None


def _without_settings(stem: str) -> str:
    """The name before its first ``key=value`` pair and its trailing settings."""
    pair = _PAIR.search(stem)
    if pair is not None:
        key = pair[1]
        stem = stem[: pair.start(1) + len(key) - len(_pair_key(key))]
    words = _words(stem)
    start = _settings_start([word for _, word in words])
    if start < len(words):
        stem = stem[: words[start][0]]
    return stem.rstrip("-_ ,")


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
