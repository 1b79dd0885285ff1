"""Chimera: benchmark LLM agents and write grounded reports about benchmark artifacts.

The data flows one way:
artifacts -> dataset -> agents -> backends -> metrics -> reports.
"""

__version__ = "0.1.0"
