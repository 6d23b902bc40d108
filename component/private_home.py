"""The data folder holds tokens: it must be private to its owner before a secret is stored.

``Store.open`` creates a missing folder with mode 0700, but a folder made beforehand (``mkdir``
gives 0755) was used as it was, so other users could list it and, with a lax umask, read the
store. Commands that store secrets call ``make_private`` first: an open folder is tightened to
0700 (and the user told), or refused with the reason when it cannot be (issue 10 item 35).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from component import errors

PRIVATE = 0o700


def make_private(home: Path) -> str | None:
    """Tighten ``home`` to 0700 if others may enter it; a sentence saying so, or None.

    Raises ConfigError naming ``XERO_WA_HOME`` when the mode cannot be changed (another owner,
    a read-only mount): storing tokens there would expose them.
    """
    try:
        mode = stat.S_IMODE(home.stat().st_mode)
    except FileNotFoundError:
        return None  # created private by the store
    except OSError as exc:
        raise _refused(home, f"cannot be checked ({exc.strerror})") from None
    if not mode & 0o077:
        return None
    try:
        os.chmod(home, PRIVATE)
    except OSError as exc:
        raise _refused(
            home,
            f"is open to other users (mode {mode:o}) and cannot be made private "
            f"({exc.strerror}); run `chmod 700 {home}` as its owner or choose another folder",
        ) from None
    return f"{home} was open to other users (mode {mode:o}); it is now {PRIVATE:o}"


def _refused(home: Path, reason: str) -> errors.ConfigError:
    return errors.ConfigError(
        [errors.ConfigProblem("XERO_WA_HOME", "environment", f"{home} {reason}", str(home))]
    )
