"""Model backends behind one async interface, registered by kind."""

from chimera.backends.base import (
    Backend,
    Capabilities,
    GenerationRequest,
    GenerationResult,
    Message,
)
from chimera.backends.registry import BACKEND_KINDS, BackendSpec, create_backend

__all__ = [
    "BACKEND_KINDS",
    "Backend",
    "BackendSpec",
    "Capabilities",
    "GenerationRequest",
    "GenerationResult",
    "Message",
    "create_backend",
]
