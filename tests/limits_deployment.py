"""A deployment for the multi-process limits tests: `xero-wa sandbox serve` in its own process,
and processes sharing one store (the SQLite file of one data home, or a PostgreSQL schema)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

XERO_WA = str(Path(sys.executable).with_name("xero-wa"))
ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 120


def clean_env(**extra: str) -> dict[str, str]:
    """The caller's environment without the product's variables, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XERO_", "WHATSAPP_"))}
    env.update(extra)
    return env


@contextmanager
def served_sandbox(*options: str) -> Iterator[dict[str, Any]]:
    """`xero-wa sandbox serve --port 0 OPTIONS` in its own process: its banner."""
    process = subprocess.Popen(
        [XERO_WA, "sandbox", "serve", "--port", "0", *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=clean_env(),
    )
    try:
        assert process.stdout is not None
        yield json.loads(process.stdout.readline())
    finally:
        process.terminate()
        process.wait(timeout=TIMEOUT)
        if process.stdout is not None:
            process.stdout.close()


def deployment(
    banner: dict[str, Any], home: Path, database_url: str | None, *connect: str, **extra: str
) -> dict[str, str]:
    """The environment of the deployment's processes, its store made and ``connect`` run."""
    env = clean_env(**banner["env"], XERO_WA_HOME=str(home), PYTHONPATH=str(ROOT), **extra)
    if database_url is not None:
        env["XERO_WA_DATABASE_URL"] = database_url
    for argv in (["db", "upgrade"], *(["connect", *c.split()] for c in connect)):
        done = subprocess.run([XERO_WA, *argv], env=env, capture_output=True, timeout=TIMEOUT)
        assert done.returncode == 0, done.stderr.decode()[-2000:]
    return env


def run_processes(
    each: list[list[str]],
    env: dict[str, str],
    meanwhile: Callable[[list[subprocess.Popen[bytes]]], object] | None = None,
) -> list[dict[str, Any]]:
    """``python -m tests.limits_process ARGS`` for each ARGS of ``each``, all at once; their
    JSON lines.
    ``meanwhile(processes)`` runs while they do."""
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.limits_process", *args],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for args in each
    ]
    try:
        if meanwhile is not None:
            meanwhile(processes)
        outputs = [p.communicate(timeout=TIMEOUT) for p in processes]
    finally:
        for p in processes:
            if p.poll() is None:
                p.kill()
                p.communicate()
    for p, (_out, err) in zip(processes, outputs, strict=True):
        assert p.returncode == 0, err.decode()[-3000:]
    return [json.loads(out) for out, _err in outputs]
