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
    def lines(self) -> list[Any]:
        """JSON lines output (``remind --json``): one object per line."""
        return [json.loads(line) for line in self.out.splitlines() if line.strip()]

    @property
    def report(self) -> Any:
        """``remind --json``: the closing summary line, with the entry lines before it as
        ``entries``; checks that the summary is the last line and comes once."""
        *entries, summary = self.lines
        assert summary.pop("type") == "summary"
        assert all(e.pop("type") == "entry" for e in entries)
        return {**summary, "entries": entries}

    @property
    def error(self) -> Any:
        """The JSON error object, which follows any progress text on stderr."""
        start = 0 if self.err.startswith("{") else self.err.rfind("\n{") + 1
        return json.loads(self.err[start:])["error"]
