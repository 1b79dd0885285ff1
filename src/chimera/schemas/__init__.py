"""JSON Schemas for the files Chimera writes, shipped so users can validate them."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any


def load_schema(name: str) -> dict[str, Any]:
    """The JSON Schema ``name`` (e.g. ``"metrics"``) as a dict."""
    text = resources.files(__name__).joinpath(f"{name}.schema.json").read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema
