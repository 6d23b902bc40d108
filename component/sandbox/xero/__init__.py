"""Xero emulator: identity (OAuth 2.0), connections, accounting API and the webhook sender.

``world.XeroWorld`` holds the state; ``identity``, ``connections`` and ``accounting`` expose it
over HTTP with Xero's paths, shapes, status codes and limits.
"""
