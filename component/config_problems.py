"""Bad configuration, said the way a user can fix it: the variable, where it was set, and why.

pydantic-settings reports ``xero_daily_call_budget: Input should be a valid integer``; a user
needs ``XERO_DAILY_CALL_BUDGET='abc' (environment): input should be a valid integer``, or the
``.env`` file and line that set it. Values of secret fields are never repeated.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel, SecretStr, ValidationError

from component import errors

_ASSIGNMENT = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=")


def config_error(
    exc: ValidationError,
    model: type[BaseModel],
    *,
    env_file: Path,
    environ: Mapping[str, str] | None = None,
) -> errors.ConfigError:
    """One ConfigError listing every bad variable of ``exc`` with where it came from."""
    environ = os.environ if environ is None else environ
    secret_fields = secret_field_names(model)
    problems = []
    for item in exc.errors():
        field = str(item["loc"][0]) if item["loc"] else ""
        variable = field.upper()
        problems.append(
            errors.ConfigProblem(
                variable=variable,
                source=source_of(variable, env_file, environ),
                reason=_reason(item),
                value=None if field in secret_fields else _value(item.get("input")),
            )
        )
    return errors.ConfigError(problems)


def secret_field_names(model: type[BaseModel]) -> frozenset[str]:
    """Fields whose values must never be repeated in a message (``SecretStr``, maybe optional)."""

    def secret(annotation: Any) -> bool:
        return annotation is SecretStr or any(secret(arg) for arg in get_args(annotation))

    return frozenset(name for name, info in model.model_fields.items() if secret(info.annotation))


def source_of(variable: str, env_file: Path, environ: Mapping[str, str]) -> str:
    """``environment``, ``/path/.env:3`` or ``default``: the environment wins over ``.env``."""
    if any(name.upper() == variable for name in environ):
        return "environment"
    line = env_file_line(env_file, variable)
    if line is not None:
        return f"{env_file.resolve()}:{line}"
    return "default"


def env_file_line(env_file: Path, variable: str) -> int | None:
    """The line of ``.env`` that sets ``variable`` (the last one, as it is the one read)."""
    try:
        text = env_file.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    found = None
    for number, line in enumerate(text.splitlines(), 1):
        match = _ASSIGNMENT.match(line)
        if match and match.group(1).upper() == variable:
            found = number
    return found


def _reason(item: Any) -> str:
    message = str(item.get("msg", "invalid value"))
    return message[:1].lower() + message[1:]


def _value(value: Any) -> str | None:
    if value is None or isinstance(value, SecretStr | dict | list):
        return None
    shown = str(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."
