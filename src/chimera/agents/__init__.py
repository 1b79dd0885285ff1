"""Persona agents: who they are, how they are configured, and how a run executes."""
