"""Sandbox: in-process ASGI emulators of Xero and the WhatsApp Cloud API.

Entry points:

- ``state.build_sandbox(clock=..., config=...)`` → ``SandboxState`` (tests; see its docstring);
- ``app.create_app(state)`` → the Starlette app serving Xero identity, ``/connections``,
  ``/api.xro/2.0``, the WhatsApp Graph API and the ``/_sandbox`` control API;
- ``embedded.embedded(settings)`` → ``EmbeddedSandbox`` for ``--sandbox`` (transport, settings,
  clock, demo connections);
- ``serve.serve(config, host, port)`` → ``xero-wa sandbox serve``.

Layout: ``xero/`` (the Xero emulator), ``whatsapp/`` (the WhatsApp emulator), ``delivery.py``
(signed webhook delivery shared by both), ``config.py``, ``clock.py``, ``faults.py``,
``stats.py``, ``control.py``.
"""
