"""What every page shares: the service state, the templates, the cookie signer and the policy.

Built on the first page request (the signing key lives in the store, which the service's
lifespan opens) and kept on ``app.state.web``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import jinja2
from itsdangerous import Signer

from component.orgs.defaults import OrgDefaults
from component.web import assets, security

if TYPE_CHECKING:
    from starlette.requests import Request

    from component.executor import Executor
    from component.runtime import Runtime
    from component.service.state import ServiceState


@dataclass
class WebState:
    service: ServiceState
    templates: jinja2.Environment
    signer: Signer = field(repr=False)
    csp: str
    #: Work started by a page that outlives its request (a reminder run): kept until done.
    tasks: set[asyncio.Task[Any]] = field(default_factory=set, repr=False)
    #: Keys of page-started work under way (``reminders:<tenant>``), see :meth:`claim`.
    claimed: set[str] = field(default_factory=set, repr=False)

    def background(self, work: Coroutine[Any, Any, Any], *, claim: str | None = None) -> None:
        """Run ``work`` after the answer is sent; its failure is logged (and recorded by it).

        ``claim`` (taken with :meth:`claim`) is given back when the work ends, however it ends.
        """
        task = asyncio.get_running_loop().create_task(work)
        self.tasks.add(task)
        task.add_done_callback(self._finished)
        if claim is not None:
            task.add_done_callback(lambda _task: self.claimed.discard(claim))

    def claim(self, key: str) -> bool:
        """Take ``key`` unless page-started work holds it; False when it is held.

        Why not only the store's record of the work? A reminder run records itself once its
        task runs, after the page has answered; two clicks close together both found no record
        and started two runs. Checking and taking the key happen with no ``await`` between
        them, so two requests of this process cannot both take it; other processes (the
        scheduler of another host) are still seen through the store.
        """
        if key in self.claimed:
            return False
        self.claimed.add(key)
        return True

    async def drain(self, grace: float = 30.0) -> None:
        """Let page-started work (a reminder run) finish before the store closes; cancel what
        outlives ``grace``. A cancelled task's thread may still be inside a store call, which
        is why ``Store.close`` waits for the store's lock."""
        if not self.tasks:
            return
        _done, pending = await asyncio.wait(set(self.tasks), timeout=grace)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("background work failed: %s", type(task.exception()).__name__)

    @property
    def runtime(self) -> Runtime:
        return self.service.runtime

    @property
    def executor(self) -> Executor:
        return self.service.executor

    @property
    def org_defaults(self) -> OrgDefaults:
        """What an organisation without settings of its own gets (the service's configuration)."""
        return OrgDefaults.from_config(self.service.config)

    @property
    def session_lifetime(self) -> timedelta:
        return timedelta(hours=self.runtime.settings.xero_wa_session_hours)

    def secure_cookies(self, request: Request) -> bool:
        """Secure cookies over HTTPS, or whenever the public URL is https (behind a proxy)."""
        public = self.service.config.xero_wa_public_url or ""
        return request.url.scheme == "https" or public.lower().startswith("https://")


log = logging.getLogger("xero_wa.web")
_lock = asyncio.Lock()


async def web_state(request: Request) -> WebState:
    """The app's WebState, built once."""
    app_state = request.app.state
    existing: WebState | None = getattr(app_state, "web", None)
    if existing is not None:
        return existing
    async with _lock:
        existing = getattr(app_state, "web", None)
        if existing is None:
            existing = await asyncio.to_thread(build, app_state.service)
            app_state.web = existing
    return existing


def build(service: ServiceState) -> WebState:
    key = service.runtime.store.web_sessions.signing_key()
    login = security.origin(service.runtime.settings.xero_authorize_url)
    return WebState(
        service=service,
        templates=environment(),
        signer=Signer(key, salt="xero-wa.web.session"),
        csp=security.content_security_policy((login,) if login else ()),
    )


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(assets.TEMPLATES_DIR),
        autoescape=jinja2.select_autoescape(("html", "svg")),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["htmx_file"] = assets.HTMX_FILE
    env.globals["htmx_integrity"] = assets.htmx_integrity()
    return env
