"""Process-wide services shared by every invocation: settings, registry, clock, HTTP, store.

One ``Runtime`` per process (a CLI run, the HTTP service, a test). It owns the single
``httpx.AsyncClient`` of the process; a transport can be injected (the in-process sandbox, an
``httpx.MockTransport``) so the same code runs against Xero, the sandbox or a mock.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx

from component.clock import SYSTEM_CLOCK, Clock
from component.config import Settings, get_settings
from component.registry import Registry

if TYPE_CHECKING:
    from component.storage.store import Store

USER_AGENT = "xero-wa/0.1 (+https://github.com/xero-wa)"


#: A request extension: an async callable awaited right before the request is handed to the
#: transport (after auth), so "about to leave" means exactly that. The outbox marks a WhatsApp
#: message "sending" there (``component.whatsapp.client``); raising stops the request.
ON_LEAVING = "xero_wa.on_leaving"


async def run_leaving_hook(request: httpx.Request) -> None:
    hook = request.extensions.get(ON_LEAVING)
    if hook is not None:
        await hook()


class _NoCookies(httpx.Cookies):
    """A cookie jar that keeps none of the cookies responses set."""

    def extract_cookies(self, response: httpx.Response) -> None:
        return None


class OutboundClient(httpx.AsyncClient):
    """The process's client for the APIs it calls (Xero, WhatsApp, Graph), which authenticate
    every request and use no cookies: responses' cookies are not kept. httpx's jar parsed every
    response through ``http.cookiejar`` (its request and response adapters), about a tenth of
    the client's time a WhatsApp send (issue 13)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._jar = _NoCookies()

    @property
    def cookies(self) -> httpx.Cookies:
        return self._jar

    @cookies.setter
    def cookies(self, cookies: Any) -> None:
        raise TypeError("the outbound client keeps no cookies")


def _network_transport() -> httpx.AsyncBaseTransport | None:
    """The process's network transport (``component.http_transport``), imported only when no
    transport was injected: its httpcore and h11 are start-up that ``--sandbox`` never uses."""
    from component.http_transport import transport

    return transport()


@dataclass
class Runtime:
    settings: Settings = field(default_factory=get_settings)
    registry: Registry = field(default_factory=Registry.load_cached)
    clock: Clock = SYSTEM_CLOCK
    transport: httpx.AsyncBaseTransport | None = None
    #: Objects created on first use and shared for the runtime's life (limiters, pacers, caches).
    shared: dict[str, Any] = field(default_factory=dict)
    #: What opening an older store does: "auto" (CLI: back up and migrate), "current" (serve and
    #: worker: refuse, naming `xero-wa db upgrade`); see ``Store.open``.
    store_policy: str = "auto"
    _http: httpx.AsyncClient | None = field(default=None, init=False, repr=False)
    _store: Store | None = field(default=None, init=False, repr=False)
    #: Awaited first when the runtime closes (``close_with``).
    _closers: list[Callable[[], Awaitable[None]]] = field(
        default_factory=list, init=False, repr=False
    )

    @property
    def http(self) -> httpx.AsyncClient:
        """The one AsyncClient of this process (created lazily)."""
        if self._http is None:
            self._http = OutboundClient(
                transport=self.transport or _network_transport(),
                timeout=httpx.Timeout(self.settings.http_timeout_seconds),
                headers={"User-Agent": USER_AGENT},
                follow_redirects=False,
                event_hooks={"request": [run_leaving_hook]},
            )
        return self._http

    @property
    def store(self) -> Store:
        """The store (opened lazily; see ``store_policy`` for older stores)."""
        if self._store is None:
            from component.storage.store import Store

            self._store = Store.open(
                self.settings,
                policy=self.store_policy,  # type: ignore[arg-type]
                clock=self.clock,
            )
            self._store.optouts.clock = self.clock
        return self._store

    @property
    def has_store(self) -> bool:
        """Whether there is a store to read: an open one, a database URL, a ``state.db``, or
        signs that one existed (then opening it reports the loss, not "nothing stored yet")."""
        if self._store is not None:
            return True
        from component.storage.opening import store_expected

        return store_expected(self.settings)

    def shared_object(self, name: str, factory: Any) -> Any:
        """Get or create a process-wide object by name (e.g. the per-tenant Xero limiter)."""
        if name not in self.shared:
            self.shared[name] = factory()
        return self.shared[name]

    def close_with(self, closer: Callable[[], Awaitable[None]]) -> None:
        """Have ``aclose`` await ``closer`` before it closes the HTTP client and the store: for a
        shared object that runs tasks of its own (a pacer's claim of its next block), so none
        outlives the runtime or uses the store once it is closed. Kept after a close: the object
        stays in ``shared``, and a runtime used again closes it again (a closer may run twice)."""
        self._closers.append(closer)

    async def aclose(self) -> None:
        for closer in self._closers:
            await closer()
        if self._http is not None:
            await self._http.aclose()
            self._http = None
        if self._store is not None:
            self._store.close()
            self._store = None


logger = logging.getLogger("xero_wa")
