"""How the OAuth layer reaches the store: cipher, repositories and keepers, one per runtime.

Everything here is created on first use and kept in ``runtime.shared``, so a process derives the
encryption key once and has exactly one ``TokenKeeper`` (one asyncio lock) per connection.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from component.oauth.app import XeroApp
from component.oauth.backends import MemoryBackend, StoredBackend
from component.oauth.refresh import Grant, TokenKeeper
from component.runtime import Runtime
from component.storage.crypto import Cipher, cipher_for
from component.storage.pending import PendingRepo
from component.storage.tokens import TokenRepo


def cipher(runtime: Runtime) -> Cipher:
    settings = runtime.settings
    factory: Callable[[], Cipher] = lambda: cipher_for(runtime.store, settings.xero_wa_secret_key)  # noqa: E731
    result: Cipher = runtime.shared_object("oauth.cipher", factory)
    return result


def token_repo(runtime: Runtime) -> TokenRepo:
    result: TokenRepo = runtime.shared_object(
        "oauth.token_repo", lambda: TokenRepo(runtime.store, cipher(runtime))
    )
    return result


def pending_repo(runtime: Runtime) -> PendingRepo:
    result: PendingRepo = runtime.shared_object(
        "oauth.pending_repo", lambda: PendingRepo(runtime.store, cipher(runtime))
    )
    return result


def mutex_wait_seconds(runtime: Runtime) -> float:
    """How long to wait for another process's refresh: two token requests and some slack."""
    return 2 * runtime.settings.http_timeout_seconds + 15


def stored_keeper(
    runtime: Runtime, name: str, app: XeroApp, grant: Grant, reconnect: str
) -> TokenKeeper:
    """The keeper of stored connection ``name`` (a new one if its app settings changed)."""
    keepers: dict[str, TokenKeeper] = runtime.shared_object("oauth.keepers", dict)
    key = f"stored:{name}:{_app_fingerprint(app)}"
    keeper = keepers.get(key)
    if keeper is None:
        from component.storage.locks import refresh_mutex  # stored only: it loads sqlite3

        settings = runtime.settings
        backend = StoredBackend(
            token_repo(runtime),
            name,
            refresh_mutex(runtime.store, settings.xero_wa_home, name, mutex_wait_seconds(runtime)),
            runtime.store.location,
        )
        keeper = keepers[key] = TokenKeeper(runtime, backend, grant, reconnect)
    return keeper


def memory_keeper(runtime: Runtime, app: XeroApp, grant: Grant, reconnect: str) -> TokenKeeper:
    """The keeper of an inline (unstored) connection, shared by identical inline values."""
    keepers: dict[str, TokenKeeper] = runtime.shared_object("oauth.keepers", dict)
    key = f"memory:{_app_fingerprint(app)}"
    keeper = keepers.get(key)
    if keeper is None:
        backend = MemoryBackend(f"inline connection (client {app.client_id})", "client_credentials")
        keeper = keepers[key] = TokenKeeper(runtime, backend, grant, reconnect)
    return keeper


def _app_fingerprint(app: XeroApp) -> str:
    text = "\n".join((app.client_id, app.client_secret, app.scopes, app.token_url))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
