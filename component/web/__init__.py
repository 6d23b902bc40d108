"""The web app served by ``xero-wa serve`` at ``/``: pages for owners, not JSON for machines.

Starlette routes (``routes.py``) render Jinja2 templates (``templates/``) with plain CSS and one
vendored, pinned htmx file (``static/``, checksum in ``assets.py``); charts are SVG drawn on the
server (``charts.py``). Every page reads without JavaScript; htmx only saves round trips.

Sign-in is an owner account (``xero-wa admin create``) checked against an argon2 hash; the
session is a random id in a signed, HttpOnly, SameSite=Lax cookie whose hash lives in the store
with its CSRF token (``auth.py``). Every POST carries that token; every answer carries a strict
Content-Security-Policy (``security.py``). Pages call the same executor, connect flow and store
repositories as the CLI and the JSON API, nothing of their own.
"""
