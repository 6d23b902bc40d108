"""A worker process for the multi-process tests: concurrent calls through one stored connection.

Usage: ``python refresh_worker.py --home H --base URL [--calls N] [--skew S] [--crash-after-token]``

It opens the connection, prints ``ready``, waits for a line on stdin (so every worker starts its
calls together), runs ``--calls`` concurrent ``getOrganisation`` invocations and prints one JSON
line ``{"ok": n, "errors": [...]}``. ``--skew`` sets this process's (fake) clock that many seconds
ahead of real time, so its token looks as stale as the sandbox's advanced clock says it is.
``--crash-after-token`` makes the process die (``os._exit``) right after Xero answered a refresh
and before the answer is committed: the crash the store must survive.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

CRASH_EXIT = 17


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--home", required=True)
    parser.add_argument("--base", required=True)
    parser.add_argument("--name", default="acme")
    parser.add_argument("--calls", type=int, default=8)
    parser.add_argument("--skew", type=float, default=0.0)
    parser.add_argument("--crash-after-token", action="store_true")
    return parser.parse_args()


async def work(args: argparse.Namespace) -> dict[str, Any]:
    from component import errors
    from component.clock import FakeClock
    from component.config import Settings
    from component.executor import Executor
    from component.runtime import Runtime
    from component.sessions import resolve

    settings = Settings(_env_file=None, xero_wa_home=Path(args.home)).for_sandbox(args.base)  # type: ignore[call-arg]
    clock = FakeClock(start=datetime.now(UTC) + timedelta(seconds=args.skew))
    runtime = Runtime(settings=settings, clock=clock)
    executor = Executor(runtime)
    try:
        await resolve(runtime, args.name, "xero")
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)

        async def one() -> str | None:
            try:
                await executor.invoke("getOrganisation", {}, args.name)
            except errors.XeroWaError as exc:
                return f"{exc.code}: {exc.message}"
            return None

        outcomes = await asyncio.gather(*(one() for _ in range(args.calls)))
    finally:
        await runtime.aclose()
    failures = [o for o in outcomes if o is not None]
    return {"ok": len(outcomes) - len(failures), "errors": failures}


def main() -> None:
    args = parse()
    if args.crash_after_token:
        from component.storage.tokens import TokenRepo

        def crash(*_args: object) -> bool:
            os._exit(CRASH_EXIT)

        TokenRepo.finish_refresh = crash  # type: ignore[method-assign,assignment]
    print(json.dumps(asyncio.run(work(args))), flush=True)


if __name__ == "__main__":
    main()
