"""Scenarios build the right two agents with the right options and labels."""

from __future__ import annotations

from pathlib import Path

import pytest

from chimera.agents.personas import builtin_personas, load_personas
from chimera.agents.run_config import RunConfig, load_run_config
from chimera.agents.scenarios import CHIMERA_DEFAULT_OPTIONS, build_agents
from chimera.errors import ConfigError, UsageError
from chimera.options import ModelOptions


def test_baseline_vs_chimera_sends_no_options_for_the_baseline() -> None:
    config = RunConfig(options=ModelOptions(num_ctx=1024, temperature=0.6))
    baseline, chimera = build_agents(config, builtin_personas())

    assert (baseline.label, chimera.label) == ("Baseline Collector", "Chimera Insight")
    assert baseline.persona.name == "DataCollector-9000"
    assert chimera.persona.name == "InsightAgent"
    assert baseline.sent_options().sent() == {}
    assert chimera.sent_options().num_ctx == 1024
    assert chimera.sent_options().temperature == 0.6
    # What the user left unset comes from Chimera's tuned defaults.
    assert chimera.sent_options().top_k == CHIMERA_DEFAULT_OPTIONS.top_k
    assert baseline.sent_options().described()["num_ctx"] == "default"


def test_hetero_applies_per_agent_options_on_top_of_shared_ones() -> None:
    config = RunConfig.model_validate(
        {
            "scenario": "chimera_hetero",
            "options": {"num_ctx": 2048},
            "agents": {
                "a": {"options": {"num_gpu": 80}},
                "b": {"options": {"num_gpu": 120}},
            },
        }
    )
    a, b = build_agents(config, builtin_personas())

    assert (a.label, b.label) == ("Chimera Agent A", "Chimera Agent B")
    defaults = CHIMERA_DEFAULT_OPTIONS.sent()
    assert a.sent_options().sent() == {**defaults, "num_ctx": 2048, "num_gpu": 80}
    assert b.sent_options().sent() == {**defaults, "num_ctx": 2048, "num_gpu": 120}


def test_homo_gives_both_agents_the_same_options() -> None:
    config = RunConfig.model_validate(
        {
            "scenario": "chimera_homo",
            "options": {"temperature": 0.3},
            "agents": {"a": {"persona": "insight"}},
        }
    )
    a, b = build_agents(config, builtin_personas())
    expected = CHIMERA_DEFAULT_OPTIONS.merged(ModelOptions(temperature=0.3))
    assert a.sent_options() == b.sent_options() == expected


@pytest.mark.parametrize(
    ("scenario", "slot", "fix"),
    [
        ("chimera_homo", "a", "--scenario chimera_hetero"),
        ("chimera_homo", "b", "--option"),
        ("baseline_vs_chimera", "a", "--b-option"),
    ],
)
def test_per_agent_options_a_scenario_would_drop_are_refused(
    scenario: str, slot: str, fix: str
) -> None:
    config = RunConfig.model_validate(
        {"scenario": scenario, "agents": {slot: {"options": {"num_gpu": 80}}}}
    )

    with pytest.raises(UsageError, match="num_gpu") as error:
        build_agents(config, builtin_personas())

    assert fix in (error.value.hint or "")


def test_the_chimera_agent_of_baseline_vs_chimera_takes_its_own_options() -> None:
    config = RunConfig.model_validate({"agents": {"b": {"options": {"num_gpu": 80}}}})

    baseline, chimera = build_agents(config, builtin_personas())

    assert baseline.sent_options().sent() == {}
    assert chimera.sent_options().num_gpu == 80


def test_each_agent_may_have_its_own_endpoint(tmp_path: Path) -> None:
    config_file = tmp_path / "run.toml"
    config_file.write_text(
        'scenario = "chimera_hetero"\n'
        '[backend]\nkind = "ollama"\nmodel = "gemma3:latest"\n'
        '[agents.b.backend]\nkind = "ollama"\nmodel = "gemma3:latest"\n'
        'host = "http://127.0.0.1:11435"\n'
    )
    a, b = build_agents(load_run_config(config_file), builtin_personas())
    assert a.backend.resolved_host() != b.backend.resolved_host()
    assert b.backend.resolved_host() == "http://127.0.0.1:11435"


def test_invalid_config_lists_each_bad_field(tmp_path: Path) -> None:
    config_file = tmp_path / "bad.toml"
    config_file.write_text(
        'scenario = "fastest"\n[options]\ntemperature = 9\nfoo = 1\n'
    )
    with pytest.raises(ConfigError) as caught:
        load_run_config(config_file)
    message = caught.value.message
    assert "scenario" in message and "options.temperature" in message
    assert "options.foo" in message


def test_user_personas_extend_and_override_builtins(tmp_path: Path) -> None:
    persona_file = tmp_path / "personas.toml"
    persona_file.write_text(
        "[personas.latency]\n"
        'name = "LatencyHawk"\nagent_type = "Latency audit"\n'
        'system_prompt = "You audit time to first token across every configuration."\n'
    )
    personas = load_personas(persona_file)
    assert personas["latency"].name == "LatencyHawk"
    assert "datacollector" in personas

    config = RunConfig.model_validate({"agents": {"a": {"persona": "latency"}}})
    collector, _ = build_agents(config, personas)
    assert collector.persona.name == "LatencyHawk"


def test_unknown_persona_lists_the_known_ones() -> None:
    config = RunConfig.model_validate({"agents": {"a": {"persona": "nobody"}}})
    with pytest.raises(UsageError) as caught:
        build_agents(config, builtin_personas())
    assert "datacollector" in (caught.value.hint or "")


def test_more_agents_repeat_the_scenario_slots() -> None:
    hetero = RunConfig(scenario="chimera_hetero")
    labels = [a.label for a in build_agents(hetero, builtin_personas(), count=4)]
    assert labels == [
        "Chimera Agent A",
        "Chimera Agent B",
        "Chimera Agent C",
        "Chimera Agent D",
    ]

    agents = build_agents(RunConfig(), builtin_personas(), count=3)
    assert [a.agent_id for a in agents] == [
        "baseline_collector",
        "chimera_insight",
        "baseline_collector_2",
    ]
    assert agents[2].baseline
    assert len({a.agent_id for a in agents}) == 3
