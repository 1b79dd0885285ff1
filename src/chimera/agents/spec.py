"""What one agent in a run is: a persona, a backend, options, and a label.

``AgentSpec`` is the unit every run, comparison and sweep works with. Baseline agents
carry empty ``ModelOptions`` so the backend's defaults apply; Chimera agents carry
tuned options.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from chimera.agents.personas import Persona
from chimera.backends.registry import BackendSpec
from chimera.options import ModelOptions


class AgentSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    agent_id: str = Field(description="File-safe id, e.g. 'chimera_insight'.")
    label: str = Field(description="Heading of the agent's report.")
    persona: Persona
    backend: BackendSpec = Field(default_factory=BackendSpec)
    options: ModelOptions = Field(default_factory=ModelOptions)
    baseline: bool = Field(
        False, description="True: send no options, measure the backend's defaults."
    )

    def sent_options(self) -> ModelOptions:
        """The options actually sent: none at all for a baseline agent."""
        return ModelOptions() if self.baseline else self.options

    def model_name(self) -> str:
        if self.backend.model:
            return self.backend.model
        if self.backend.model_path:
            return self.backend.model_path.name
        return "SmolLM2-135M-Instruct (Q4_1, embedded)"
