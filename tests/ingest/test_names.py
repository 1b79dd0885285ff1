"""Model, quantization and settings read from file and folder names."""

from __future__ import annotations

import pytest
from tests.ingest.conftest import TreeWriter, rows, run

from chimera.ingest.names import (
    config_from_name,
    context_from_path,
    model_from_stem,
    quantization_from_text,
)


@pytest.mark.parametrize(
    ("path", "model", "quantization", "config"),
    [
        (
            "llama3.1:8b-instruct-q4_0/run.csv",
            "llama3.1:8b-instruct-q4_0",
            "q4_0",
            {},
        ),
        (
            "runs/qwen2.5-7b-instruct-Q5_K_M/run.csv",
            "qwen2.5-7b-instruct-Q5_K_M",
            "Q5_K_M",
            {},
        ),
        (
            "gemma2_9b_gpu40_ctx2048_temp0p2_topp0p95_topk20.csv",
            "gemma2:9b",
            None,
            {
                "num_gpu": 40.0,
                "num_ctx": 2048.0,
                "temperature": 0.2,
                "top_p": 0.95,
                "top_k": 20.0,
            },
        ),
        (
            "gemma3_1b-it-qat_gpu80_ctx512_temp0p8.json",
            "gemma3:1b-it-qat",
            "qat",
            {"num_gpu": 80.0, "num_ctx": 512.0, "temperature": 0.8},
        ),
        (
            "llama3.1:8b-instruct-q4_0/num_ctx=1024/run1.csv",
            "llama3.1:8b-instruct-q4_0",
            "q4_0",
            {"num_ctx": 1024.0},
        ),
        (
            "llama3.1:8b-instruct-q4_0_num_ctx=1024.csv",
            "llama3.1:8b-instruct-q4_0",
            "q4_0",
            {"num_ctx": 1024.0},
        ),
        (
            "qwen3_4b_g60_c2048_t0.8.csv",
            "qwen3:4b",
            None,
            {"num_gpu": 60.0, "num_ctx": 2048.0, "temperature": 0.8},
        ),
        (
            "gemma3_1b_param_tuning_gpu80.csv",
            "gemma3:1b",
            None,
            {"num_gpu": 80.0},
        ),
        ("gemma3_1b_num_ctx_1024.csv", "gemma3:1b", None, {"num_ctx": 1024.0}),
        (
            "qwen2.5-7b-gpu40-ctx2048/run.csv",
            "qwen2.5-7b",
            None,
            {"num_gpu": 40.0, "num_ctx": 2048.0},
        ),
        (
            "Qwen3-30B-A3B-IQ3_XXS/run.csv",
            "Qwen3-30B-A3B-IQ3_XXS",
            "IQ3_XXS",
            {},
        ),
        ("gemma3:latest/run.csv", "gemma3:latest", None, {}),
        ("gemma3_1b-it-qat/run.csv", "gemma3:1b-it-qat", "qat", {}),
        (
            "gpu80_ctx512_temp0p8/run.csv",
            None,
            None,
            {"num_gpu": 80.0, "num_ctx": 512.0, "temperature": 0.8},
        ),
        (
            "g60_c2048_t0.8/run.csv",
            None,
            None,
            {"num_gpu": 60.0, "num_ctx": 2048.0, "temperature": 0.8},
        ),
        ("num_ctx=1024/run.csv", None, None, {"num_ctx": 1024.0}),
    ],
)
def test_context_from_path(
    path: str, model: str | None, quantization: str | None, config: dict[str, float]
) -> None:
    context = context_from_path(path)
    assert (context.model, context.quantization, context.config) == (
        model,
        quantization,
        config,
    )


@pytest.mark.parametrize(
    "tag",
    [
        "IQ3_XXS", "IQ2_XS", "IQ4_NL", "IQ1_S", "Q4_K_S", "Q5_K_M", "Q3_K_XL",
        "Q6_K", "Q8_0", "q4_0", "q5_1", "Q4_0_4_4", "UD-Q4_K_XL", "fp16", "bf16",
        "int4", "int8wo", "AWQ", "GPTQ", "GPTQ-Int4", "w4a16",
    ],
)  # fmt: skip
def test_quantization_tags_are_read_whole(tag: str) -> None:
    assert quantization_from_text(tag) == tag
    assert quantization_from_text(f"model-7b-{tag}") == tag
    assert quantization_from_text(f"llama3_8b_{tag}_ctx2048") == tag


def test_quantization_tag_stops_before_the_next_word() -> None:
    assert quantization_from_text("llama3_8b_q8_0_k20") == "q8_0"
    assert quantization_from_text("llama3_q4_summary") == "q4"
    assert quantization_from_text("llama3_q4_0_1024") == "q4_0"


@pytest.mark.parametrize(
    ("stem", "model"),
    [
        ("gemma2_9b_gpu40_ctx2048_temp0p2_topp0p95_topk20", "gemma2:9b"),
        ("mistral_7b_Q4_K_S_bs8", "mistral:7b_Q4_K_S"),
        ("llama3_8b-instruct-q8_0_ctx4096", "llama3:8b-instruct-q8_0"),
        ("gemma3_1b_temp=0.2_ctx=512", "gemma3:1b"),
        ("gemma3:1b_gpu80_ctx512", "gemma3:1b"),
        # One-letter tokens alone are not settings: "c4" may be a data set.
        ("olmo_7b_c4", "olmo:7b_c4"),
        ("gemma3_270m_param_tuning", "gemma3:270m"),
        ("llama3_q5_benchmark_runs", "llama3"),
    ],
)
def test_settings_never_join_the_model_tag(stem: str, model: str) -> None:
    assert model_from_stem(stem) == model


@pytest.mark.parametrize(
    ("name", "config"),
    [
        ("gemma3_1b_temp=0.2_ctx=512", {"temperature": 0.2, "num_ctx": 512.0}),
        ("temperature=0.7, top_p=0.9", {"temperature": 0.7, "top_p": 0.9}),
        ("gpu80-ctx512", {"num_gpu": 80.0, "num_ctx": 512.0}),
        ("results_g60_c2048", {"num_gpu": 60.0, "num_ctx": 2048.0}),
        ("mistral_7b_Q4_K_S_bs8", {"batch_size": 8.0}),
        ("run_t1", {}),
        ("olmo_7b_c4", {}),
        ("exp_c4_k8", {}),
        ("conv_bench_20251002-170837", {}),
    ],
)  # fmt: skip
def test_config_from_name(name: str, config: dict[str, float]) -> None:
    assert config_from_name(name) == config


def test_names_reach_the_dataset(write_tree: TreeWriter) -> None:
    root = write_tree(
        {
            "gemma2_9b_gpu40_ctx2048_temp0p2_topp0p95_topk20.csv": "tokens_s\n41.0\n",
            "runs/qwen2.5-7b-instruct-Q5_K_M/run.csv": "tokens_s\n30.5\n",
        }
    )
    result = run(root)
    gemma = rows(result, "gemma2_9b_gpu40_ctx2048_temp0p2_topp0p95_topk20.csv")
    settings = ["num_gpu", "num_ctx", "temperature", "top_p", "top_k"]
    assert gemma.iloc[0][["model", *settings]].tolist() == [
        "gemma2:9b",
        40.0,
        2048.0,
        0.2,
        0.95,
        20.0,
    ]
    qwen = rows(result, "runs/qwen2.5-7b-instruct-Q5_K_M/run.csv").iloc[0]
    assert (qwen["model"], qwen["quantization"]) == (
        "qwen2.5-7b-instruct-Q5_K_M",
        "Q5_K_M",
    )
