"""What the benches share: the sandbox in its own process, whole-process runs measured from
outside (peak RSS from the kernel's accounting of the child), the machine's load, verdicts.

Not a test and not part of the package: the benches import it from their own folder.
"""

from __future__ import annotations

import bisect
import json
import os
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

SERVE_SANDBOX = (
    "import json, sys\n"
    "from component.sandbox.config import SandboxConfig\n"
    "from component.sandbox.serve import serve\n"
    "serve(SandboxConfig.model_validate(json.loads(sys.argv[1])), port=0)\n"
)


@dataclass
class Sandbox:
    """The sandbox served by a child process on a free loopback port."""

    process: subprocess.Popen[str]
    banner: dict[str, Any]

    @property
    def url(self) -> str:
        return str(self.banner["url"])

    @property
    def env(self) -> dict[str, str]:
        """The variables that point the component at this sandbox."""
        return {k: str(v) for k, v in self.banner["env"].items()}

    @property
    def credentials(self) -> dict[str, str]:
        return {k: str(v) for k, v in self.banner["credentials"].items()}

    @property
    def tenant_id(self) -> str:
        return str(self.banner["tenants"][0]["tenantId"])

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=60)


def start_sandbox(config: dict[str, Any]) -> Sandbox:
    process = subprocess.Popen(
        [sys.executable, "-c", SERVE_SANDBOX, json.dumps(config)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert process.stdout is not None
    banner = json.loads(process.stdout.readline())
    return Sandbox(process, banner)


@dataclass(frozen=True)
class Sample:
    """CPU seconds used so far (user + system), read from outside at ``at`` (seconds since the
    epoch): by the measured process (every thread), by its main thread alone (where an asyncio
    program runs its event loop), and by each watched process (every thread)."""

    at: float
    cpu: float
    main_cpu: float
    watched: tuple[float, ...] = ()


@dataclass
class Finished:
    """A child process that ran to its end: exit code, wall time, peak RSS (from the kernel) and
    the CPU readings taken along the way (``samples``: what part of the run cost what)."""

    code: int
    seconds: float
    peak_rss_mb: float
    samples: tuple[Sample, ...] = ()

    @property
    def cpu_seconds(self) -> float:
        """CPU time of the whole run (user + system, every thread), as the last poll read it:
        its last 20 ms may be missed."""
        return self.samples[-1].cpu if self.samples else 0.0


def run_measured(
    argv: list[str],
    *,
    env: dict[str, str],
    stdout: Any = None,
    stderr: Any = None,
    watch: tuple[int, ...] = (),
) -> Finished:
    """Run ``argv`` to its end; its peak RSS is the kernel's high-water mark of that process's
    memory (``VmHWM`` in ``/proc/<pid>/status``), polled from outside every 20 ms: nothing in
    the measured process counts or traces. (``wait4``'s ``ru_maxrss`` is not used: Linux keeps
    it across ``exec``, so a child forked from a large bench would report the bench's size.)
    Each poll also reads the CPU used so far by the process, its main thread and the ``watch``
    processes (a sandbox serving it), kept as ``samples``."""
    started = time.perf_counter()
    process = subprocess.Popen(argv, env=env, stdout=stdout, stderr=stderr, cwd=ROOT)
    status = Path(f"/proc/{process.pid}/status")
    main_thread = Path(f"/proc/{process.pid}/task/{process.pid}/stat")
    peak_kb = 0
    samples: list[Sample] = []
    while process.poll() is None:
        try:
            for line in status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak_kb = max(peak_kb, int(line.split()[1]))
            at = time.time()
            cpu = cpu_seconds(process.pid)
            watched = tuple(cpu_seconds(pid) for pid in watch)
            samples.append(Sample(at, cpu, _stat_cpu(main_thread), watched))
        except (OSError, ValueError, IndexError):
            pass
        time.sleep(0.02)
    seconds = time.perf_counter() - started
    return Finished(process.returncode, seconds, peak_kb / 1024, tuple(samples))


@dataclass(frozen=True)
class Usage:
    """The CPU seconds a stretch of ``seconds`` of a run used, as ``Sample`` counts them."""

    seconds: float
    cpu: float
    main_cpu: float
    watched: tuple[float, ...] = ()


def cpu_during(samples: tuple[Sample, ...], start: float, end: float) -> Usage:
    """The CPU used from ``start`` to ``end`` (seconds since the epoch), each reading
    interpolated between the polls around it. The span must lie within the readings and last
    (a bench asks for a stretch of the run it measured)."""
    if not samples or not samples[0].at <= start < end <= samples[-1].at:
        raise ValueError("the span is not within the readings")

    def at(when: float) -> Sample:
        index = bisect.bisect_left(samples, when, key=lambda sample: sample.at)
        after = samples[index]
        before = samples[max(0, index - 1)]
        share = (when - before.at) / (after.at - before.at) if after.at > before.at else 1.0

        def mix(a: float, b: float) -> float:
            return a + (b - a) * share

        watched = tuple(mix(a, b) for a, b in zip(before.watched, after.watched, strict=True))
        return Sample(
            when, mix(before.cpu, after.cpu), mix(before.main_cpu, after.main_cpu), watched
        )

    first, last = at(start), at(end)
    return Usage(
        end - start,
        last.cpu - first.cpu,
        last.main_cpu - first.main_cpu,
        tuple(b - a for a, b in zip(first.watched, last.watched, strict=True)),
    )


def child_env(**extra: str) -> dict[str, str]:
    """A clean environment for a measured child: PATH and the venv, nothing of the caller's
    XERO_/WHATSAPP_ settings. Bytecode is written and used as on a user's machine (a caller's
    PYTHONDONTWRITEBYTECODE would make every child compile our sources afresh while the
    baseline's site-packages keep their installed bytecode)."""
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    return {**keep, **extra}


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system, every thread) a running process has used so far, read from
    ``/proc/<pid>/stat`` outside it: what a bench divides by the work done between two reads."""
    return _stat_cpu(Path(f"/proc/{pid}/stat"))


def _stat_cpu(stat: Path) -> float:
    """User + system CPU seconds from a process's or a thread's ``stat`` file."""
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load() -> str:
    """The machine's load averages (1, 5, 15 min) and cores: shared machines vary."""
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


class BusyLoad:
    """``count`` CPU-bound child processes spinning while the block runs: a reproducible "machine
    under load" for a bench (each takes a whole core when it can; none does any I/O). Stopped,
    and waited for, when the block ends, whatever happened in it."""

    SPIN = "while True: pass"

    def __init__(self, count: int) -> None:
        self.count = count
        self.processes: list[subprocess.Popen[bytes]] = []

    def __enter__(self) -> BusyLoad:
        for _ in range(self.count):
            self.processes.append(subprocess.Popen([sys.executable, "-c", self.SPIN]))
        return self

    def __exit__(self, *exc: object) -> None:
        for process in self.processes:
            process.kill()
        for process in self.processes:
            process.wait(timeout=60)
        self.processes.clear()


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def self_peak_mb() -> float:
    """This process's own peak RSS (for a bench's own footprint, never the measured one)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
