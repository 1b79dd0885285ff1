"""An append-only JSONL file of trials that survives being killed mid-write.

Each finished trial is one line, written with ``flush`` and ``fsync`` before the
next trial starts, so a sweep killed at any moment loses at most the trial it was
running. A kill in the middle of a write leaves a torn last line; ``load()``
recognises it (no newline at the end, or not valid JSON), drops it and cuts the
file back to the last whole line so the next append starts clean. A bad line
anywhere else is not a torn write but a damaged file, and is reported as such.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import NoReturn

from pydantic import ValidationError

from chimera.errors import ConfigError
from chimera.measure.trials import Trial

logger = logging.getLogger(__name__)


class TrialJournal:
    """Trials of one sweep, one JSON object per line, in the order they finished."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> list[Trial]:
        """Every whole trial in the file; a torn last line is dropped and cut off."""
        if not self.path.exists():
            return []
        data = self.path.read_bytes()
        lines = data.split(b"\n")
        # After a clean write the file ends with a newline and the last piece is
        # empty; anything else in the last piece is a torn write.
        complete, tail = lines[:-1], lines[-1]
        trials: list[Trial] = []
        good_bytes = 0
        for number, raw in enumerate(complete, start=1):
            trial = self._parse(
                raw, number, is_last=number == len(complete) and not tail
            )
            if trial is None:
                break
            trials.append(trial)
            good_bytes += len(raw) + 1
        if good_bytes != len(data):
            self._cut(good_bytes, len(data))
        return trials

    def _parse(self, raw: bytes, number: int, *, is_last: bool) -> Trial | None:
        if not raw.strip():
            return self._damaged(number, "empty line") if not is_last else None
        try:
            return Trial.from_json(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValidationError) as error:
            if is_last:
                logger.warning(
                    "%s line %s is incomplete (%s); dropping it",
                    self.path,
                    number,
                    type(error).__name__,
                )
                return None
            return self._damaged(number, str(error).splitlines()[0])

    def _damaged(self, number: int, reason: str) -> NoReturn:
        raise ConfigError(
            f"{self.path} line {number} is not a trial record: {reason}",
            hint="the file was edited or damaged; start the sweep in a new --out "
            "folder or remove the bad line",
        )

    def _cut(self, good_bytes: int, size: int) -> None:
        logger.warning(
            "%s ended in a torn write; cutting %s byte(s) after the last whole trial",
            self.path,
            size - good_bytes,
        )
        with self.path.open("r+b") as handle:
            handle.truncate(good_bytes)
            handle.flush()
            os.fsync(handle.fileno())

    def append(self, trial: Trial) -> None:
        """Append one trial and make it durable before returning."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = trial.to_json().encode("utf-8") + b"\n"
        with self.path.open("ab") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())
