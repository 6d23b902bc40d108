"""The vendored static files and their pinned checksums.

htmx is vendored, not fetched: ``static/htmx-2.0.11.min.js`` is ``dist/htmx.min.js`` of the npm
package ``htmx.org@2.0.11`` (0BSD licence). Its sha256 is pinned here; a test recomputes it, and
the page's ``<script integrity=...>`` carries it so a browser refuses an altered file too.
To upgrade: replace the file, update ``HTMX_FILE`` and ``HTMX_SHA256``, run the tests.
"""

from __future__ import annotations

import base64
from pathlib import Path

STATIC_DIR = Path(__file__).parent / "static"
TEMPLATES_DIR = Path(__file__).parent / "templates"
HTMX_FILE = "htmx-2.0.11.min.js"
HTMX_SHA256 = "d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717"


def htmx_integrity() -> str:
    """The Subresource Integrity value of the pinned htmx file (``sha256-<base64>``)."""
    return "sha256-" + base64.b64encode(bytes.fromhex(HTMX_SHA256)).decode("ascii")
