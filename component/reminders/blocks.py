"""Configuration errors met during a run: reported once, and stopping the sends they affect.

A template WhatsApp refuses (missing, not approved, wrong parameters) fails every send that uses
it, and a sender problem (token, account, spam pause) fails every send. The first refusal (or
the pre-flight check of the templates) records the problem under its scope; later messages of
that scope are skipped with the reason instead of being sent to fail one by one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from component.notify.refusals import Refusal
from component.reminders.report import ConfigProblem, Report

SENDER = "sender"


def template_scope(template: str, language: str) -> str:
    return f"template {template} ({language})"


def scope_of(refusal: Refusal, template: str, language: str) -> str | None:
    """The configuration scope a refusal blocks, or None when it is not a configuration error."""
    if refusal.kind == "template":
        return template_scope(template, language)
    if refusal.kind == "sender":
        return SENDER
    return None


@dataclass
class Blocks:
    """Configuration errors met in this run, by scope ("sender" or "template name (lang)")."""

    problems: dict[str, ConfigProblem] = field(default_factory=dict)

    def blocking(self, template: str, language: str) -> ConfigProblem | None:
        return self.problems.get(SENDER) or self.problems.get(template_scope(template, language))

    def add(self, scope: str, code: str, message: str, report: Report) -> None:
        problem = self.problems.get(scope)
        if problem is None:
            problem = self.problems[scope] = ConfigProblem(code, scope, message)
            report.configuration.append(problem)
        else:
            problem.stopped += 1
