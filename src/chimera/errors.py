"""One error hierarchy for the whole package.

Every failure Chimera reports to a user is a ``ChimeraError``. Third-party exceptions
(httpx, ollama, openai, llama.cpp, pydantic) are mapped onto this tree at one boundary
per subsystem, so callers and the CLI only ever catch these classes.

    ChimeraError
    ├── UsageError            bad flags, bad config files, unknown names
    │   └── ConfigError       a config/persona TOML that does not validate
    ├── BackendError          anything between us and a model
    │   ├── BackendUnavailable    connection refused / DNS / model file missing
    │   ├── BackendTimeout        no answer in time
    │   ├── BackendHTTPError      4xx / 5xx from a server
    │   │   └── ModelNotFound     the server does not know the model
    │   ├── StreamInterrupted     the stream ended before the final chunk
    │   ├── MalformedResponse     a chunk we could not parse
    │   └── CapabilityError       the backend lacks a feature that was asked for
    └── IngestError           artifacts that cannot be read at all (root missing, ...)
"""

from __future__ import annotations

from pydantic import ValidationError


class ChimeraError(Exception):
    """Root of every error Chimera raises on purpose.

    ``hint`` tells the user what to check; the CLI prints ``message — hint``.
    """

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def one_line(self) -> str:
        """The message and the hint on one line, as the CLI prints them."""
        return f"{self.message} — {self.hint}" if self.hint else self.message


class UsageError(ChimeraError):
    """The user asked for something that cannot work (bad flag, unknown name)."""


class ConfigError(UsageError):
    """A configuration or persona file is missing, unreadable or invalid."""


class BackendError(ChimeraError):
    """A call to a model backend failed. ``endpoint`` and ``model`` give context."""

    def __init__(
        self,
        message: str,
        *,
        endpoint: str | None = None,
        model: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.endpoint = endpoint
        self.model = model


class BackendUnavailable(BackendError):
    """The endpoint could not be reached or the model file is missing."""


class BackendTimeout(BackendError):
    """The backend did not answer within the configured timeout."""


class BackendHTTPError(BackendError):
    """The server answered with an HTTP error status."""

    def __init__(
        self, message: str, *, status_code: int, **context: str | None
    ) -> None:
        super().__init__(message, **context)
        self.status_code = status_code


class ModelNotFound(BackendHTTPError):
    """The server does not serve the requested model."""


class StreamInterrupted(BackendError):
    """The response stream ended before the backend said it was done."""


class MalformedResponse(BackendError):
    """A response or stream chunk could not be parsed."""


class CapabilityError(BackendError):
    """The backend does not support a feature the caller asked for."""


class IngestError(ChimeraError):
    """An artifact tree cannot be ingested at all (as opposed to one bad file)."""


def field_problems(error: ValidationError) -> list[str]:
    """Each invalid field of a pydantic error as ``"path.to.field: message"``."""
    return [
        f"{'.'.join(str(part) for part in item['loc'])}: {item['msg']}"
        for item in error.errors()
    ]
