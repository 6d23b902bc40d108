"""CLI start-up: whole-process runs of ``xero-wa --help``, ``xero-wa actions`` and
``xero-wa run getInvoice --sandbox`` against ``python -c "import httpx"``, paired.

Each round runs the baseline and then each command once, back to back, so a noisy neighbour
slows a pair alike; the ratio of each pair is taken, and the median over the rounds is
reported with the medians of the times. Targets (issue 13, target 6): ``actions`` <= 1.2 x
and ``run getInvoice --sandbox`` <= 2.5 x the baseline; ``--help`` is shown for reference.

Usage: python bench/startup.py [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from procs import BIN, ROOT, child_env, load, verdict

INVOICE = "INV-0001"
COMMANDS = {
    "--help": ([str(BIN / "xero-wa"), "--help"], None),
    "actions": ([str(BIN / "xero-wa"), "actions"], 1.2),
    "run getInvoice --sandbox": (
        [str(BIN / "xero-wa"), "run", "getInvoice", "--sandbox", "--input", f"invoiceId={INVOICE}"],
        2.5,
    ),
}
BASELINE = [sys.executable, "-c", "import httpx"]


def timed(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {done.returncode}: {done.stderr[-800:]!r}")
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    print(f"Start-up bench — {args.rounds} paired rounds; {load()}")
    with tempfile.TemporaryDirectory() as home, tempfile.TemporaryDirectory() as cache:
        # A start-up cache of the bench's own, as a user has: the shared ~/.cache/xero-wa holds
        # one registry entry per spec digest, which another checkout with the same specs
        # rebuilds for its own root, so runs there could silently include a full registry load.
        env = child_env(XERO_WA_HOME=home, XDG_CACHE_HOME=cache)
        for argv, _ in COMMANDS.values():  # warm the page cache and the start-up caches once
            timed(argv, env)
        base: list[float] = []
        times: dict[str, list[float]] = {name: [] for name in COMMANDS}
        ratios: dict[str, list[float]] = {name: [] for name in COMMANDS}
        for _ in range(args.rounds):
            for name, (argv, _) in COMMANDS.items():
                b = timed(BASELINE, env)
                t = timed(argv, env)
                base.append(b)
                times[name].append(t)
                ratios[name].append(t / b)
    print(f"  python -c 'import httpx': median {statistics.median(base) * 1000:.0f} ms")
    for name, (_, target) in COMMANDS.items():
        ratio = statistics.median(ratios[name])
        line = (
            f"  xero-wa {name}: median {statistics.median(times[name]) * 1000:.0f} ms, "
            f"median paired ratio {ratio:.2f}"
        )
        if target is not None:
            line += f", target <= {target}: {verdict(ratio <= target)}"
        print(line)
    print(f"  ({load()} at the end)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
