"""One scheduler process for ``test_scheduler_processes``: ``xero-wa serve``'s scheduler engine in
its own OS process, on a shared data home, with its clock injected.

Usage: ``python -m tests.orgs.scheduler_process --home H --at ISO-TIME --owner NAME``

It opens the store, prints ``ready``, waits for a line on stdin (so both processes tick
together), ticks once with the recording job of ``test_scheduler`` (10:00 on weekdays in each
organisation's zone, quiet 20:00-09:00) and prints one JSON line: what it fired and what ran.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any


async def tick(args: argparse.Namespace) -> dict[str, Any]:
    from component.clock import FakeClock
    from component.config import Settings
    from component.runtime import Runtime
    from tests.orgs.test_scheduler import Recording, scheduler, zones

    # the store is the data home's file, or XERO_WA_DATABASE_URL's database when it is set
    settings = Settings(_env_file=None, xero_wa_home=Path(args.home))  # type: ignore[call-arg]
    runtime = Runtime(settings=settings, clock=FakeClock(datetime.fromisoformat(args.at)))
    job = Recording(zones())
    engine = scheduler(runtime, job, args.owner)
    try:
        await asyncio.to_thread(lambda: runtime.store)  # opened before the start line
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)
        fired = await engine.tick()
    finally:
        await runtime.aclose()
    return {
        "fired": [[f.tenant_id, f.outcome, f.slot.isoformat()] for f in fired],
        "ran": [[tenant, slot.isoformat()] for tenant, slot in job.ran],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--home", required=True)
    parser.add_argument("--at", required=True)
    parser.add_argument("--owner", required=True)
    print(json.dumps(asyncio.run(tick(parser.parse_args()))), flush=True)


if __name__ == "__main__":
    main()
