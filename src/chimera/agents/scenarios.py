"""The three run scenarios and the two agents each one sets up.

- ``baseline_vs_chimera``: a collector on backend defaults against an insight agent
  with Chimera's tuned options.
- ``chimera_hetero``: two Chimera agents, each with its own options (and maybe its
  own endpoint).
- ``chimera_homo``: two Chimera agents with the same options.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from chimera.agents.personas import Persona, get_persona
from chimera.agents.run_config import AgentOverrides, RunConfig
from chimera.agents.spec import AgentSpec
from chimera.errors import UsageError
from chimera.options import ModelOptions

# What a Chimera agent sends when the user tunes nothing: a window that holds the
# facts digest, low temperature for factual reports, a repeat penalty against the
# loops small models fall into, and a bounded answer. Baseline agents send nothing.
CHIMERA_DEFAULT_OPTIONS = ModelOptions(
    num_ctx=2048,
    temperature=0.2,
    top_p=0.9,
    top_k=40,
    repeat_penalty=1.15,
    num_predict=384,
)


class Scenario(StrEnum):
    BASELINE_VS_CHIMERA = "baseline_vs_chimera"
    CHIMERA_HETERO = "chimera_hetero"
    CHIMERA_HOMO = "chimera_homo"


# (slot in the config, agent id, label, default persona, is baseline)
Slot = Literal["a", "b"]
_LAYOUT: dict[Scenario, tuple[tuple[Slot, str, str, str, bool], ...]] = {
    Scenario.BASELINE_VS_CHIMERA: (
        ("a", "baseline_collector", "Baseline Collector", "datacollector", True),
        ("b", "chimera_insight", "Chimera Insight", "insight", False),
    ),
    Scenario.CHIMERA_HETERO: (
        ("a", "chimera_agent_a", "Chimera Agent A", "datacollector", False),
        ("b", "chimera_agent_b", "Chimera Agent B", "insight", False),
    ),
    Scenario.CHIMERA_HOMO: (
        ("a", "chimera_agent_a", "Chimera Agent A", "datacollector", False),
        ("b", "chimera_agent_b", "Chimera Agent B", "insight", False),
    ),
}


def build_agents(
    config: RunConfig, personas: dict[str, Persona], count: int = 2
) -> list[AgentSpec]:
    """The agents of ``config.scenario``, with per-agent overrides applied.

    ``count`` above 2 repeats the scenario's two slots in turn (A, B, A, B, ...):
    agents 3 and on are numbered copies, e.g. "Chimera Agent C" or
    "Baseline Collector 2", so N agents can load one or several endpoints.
    """
    if count < 1:
        raise UsageError(f"--agents must be at least 1, got {count}")
    scenario = Scenario(config.scenario)
    check_overrides(config, scenario)
    layout = _LAYOUT[scenario]
    agents = []
    for index in range(count):
        slot, agent_id, label, persona_id, baseline = layout[index % len(layout)]
        agent_id, label = _numbered(scenario, index, agent_id, label)
        overrides = config.agents.get(slot, AgentOverrides())
        agents.append(
            AgentSpec(
                agent_id=agent_id,
                label=label,
                persona=get_persona(personas, overrides.persona or persona_id),
                backend=overrides.backend or config.backend,
                options=_options_for(config, overrides, scenario),
                baseline=baseline,
            )
        )
    return agents


def check_overrides(config: RunConfig, scenario: Scenario) -> None:
    """Refuse per-agent options the scenario would drop without a word."""
    for slot, overrides in sorted(config.agents.items()):
        sent = overrides.options.sent()
        if not sent:
            continue
        if scenario is Scenario.CHIMERA_HOMO:
            why = "chimera_homo gives both agents the same options"
            fix = "use --option / [options], or --scenario chimera_hetero"
        elif scenario is Scenario.BASELINE_VS_CHIMERA and slot == "a":
            why = "agent A is the baseline, which sends no options"
            fix = "use --b-option / [agents.b.options], or --scenario chimera_hetero"
        else:
            continue
        names = ", ".join(sorted(sent))
        raise UsageError(
            f"options for agent {slot.upper()} ({names}) would be ignored: {why}",
            hint=fix,
        )


def _numbered(
    scenario: Scenario, index: int, agent_id: str, label: str
) -> tuple[str, str]:
    """Ids and labels for agents beyond the scenario's first two."""
    if index < len(_LAYOUT[scenario]):
        return agent_id, label
    if scenario is Scenario.BASELINE_VS_CHIMERA:
        number = index // 2 + 1
        return f"{agent_id}_{number}", f"{label} {number}"
    letter = chr(ord("a") + index) if index < 26 else str(index + 1)
    return f"chimera_agent_{letter}", f"Chimera Agent {letter.upper()}"


def _options_for(
    config: RunConfig, overrides: AgentOverrides, scenario: Scenario
) -> ModelOptions:
    """Shared Chimera options, then the agent's own; homo ignores per-agent ones.

    Options the user leaves unset fall back to ``CHIMERA_DEFAULT_OPTIONS``.
    """
    if scenario is Scenario.CHIMERA_HOMO:
        return CHIMERA_DEFAULT_OPTIONS.merged(config.options)
    return CHIMERA_DEFAULT_OPTIONS.merged(config.options).merged(overrides.options)
