"""What every route shares: the runtime, the executor, configuration and the worker."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from component.executor import Executor
from component.manifest import build_manifest
from component.runtime import Runtime
from component.service.config import ServiceConfig, WebhookSecrets
from component.service.http import json_bytes
from component.spec.models import TriggerSpec

if TYPE_CHECKING:
    from component.alerts.poll import Poller
    from component.orgs.defaults import OrgDefaults
    from component.scheduler.engine import Scheduler
    from component.service.connections import ServiceConnections
    from component.service.worker import Worker


@dataclass
class ServiceState:
    runtime: Runtime
    config: ServiceConfig
    secrets: WebhookSecrets = field(repr=False)
    executor: Executor
    api_keys: list[str] = field(repr=False)
    worker: Worker | None = None
    poller: Poller | None = None
    connections: ServiceConnections | None = None
    scheduler: Scheduler | None = None
    defaults: OrgDefaults | None = None
    _manifest: dict[str, Any] | None = field(default=None, repr=False)
    _openapi: dict[str, Any] | None = field(default=None, repr=False)
    _encoded: dict[str, bytes] = field(default_factory=dict, repr=False)

    def refresh_secrets(self) -> None:
        """Resolve the webhook secrets again from the settings and the stored connections.

        Called (in a thread: it reads the store) after a WhatsApp connection is saved or removed
        while the service runs (the web app's Connections page), so the new number's status
        webhooks are accepted from the first one, not after a restart."""
        from component.service.config import resolve_secrets

        self.secrets = resolve_secrets(self.runtime, self.config)

    def manifest(self) -> dict[str, Any]:
        """Built once: the registry does not change while the service runs."""
        if self._manifest is None:
            self._manifest = build_manifest(self.runtime.registry)
        return self._manifest

    def openapi(self) -> dict[str, Any]:
        if self._openapi is None:
            from component.service.openapi import build_openapi

            self._openapi = build_openapi(self.runtime.registry)
        return self._openapi

    def encoded(self, name: str) -> bytes:
        """The JSON bytes of a fixed document (``openapi``, ``manifest``, ``actions``), encoded
        once: serialising them takes tens of milliseconds, which no request may spend on the
        event loop. The lifespan builds them in a thread before the first request."""
        body = self._encoded.get(name)
        if body is None:
            documents: dict[str, Callable[[], dict[str, Any]]] = {
                "openapi": self.openapi,
                "manifest": self.manifest,
                "actions": lambda: {"data": self.manifest()["actions"]},
            }
            body = self._encoded[name] = json_bytes(documents[name]())
        return body

    def trigger_inputs(self, spec: TriggerSpec) -> dict[str, Any]:
        """A trigger's inputs, from configuration: the values are secrets, never echoed."""
        secrets = self.secrets
        configured: dict[str, Any] = {
            "webhookKey": secrets.xero_webhook_key,
            # several stored WhatsApp connections: any one's app secret / verify token is valid
            "appSecret": secrets.whatsapp_app_secrets or secrets.whatsapp_app_secret,
            "verifyToken": secrets.whatsapp_verify_tokens or secrets.whatsapp_verify_token,
            "webhookSignature": secrets.whatsapp_signature,
            "webhookHeader": secrets.whatsapp_signature_header,
        }
        return {i.key: configured.get(i.key, i.default) for i in spec.inputs}

    def wake_worker(self) -> None:
        if self.worker is not None:
            self.worker.wake()
