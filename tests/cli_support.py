"""The outcome of one in-process ``xero-wa`` run, shared by every CLI-level test."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass
class CliOutcome:
    code: int
    out: str
    err: str

    @property
    def json(self) -> Any:
        return json.loads(self.out)

    @property
    def error(self) -> Any:
        """The JSON error object, which follows any progress text on stderr."""
        start = 0 if self.err.startswith("{") else self.err.rfind("\n{") + 1
        return json.loads(self.err[start:])["error"]
