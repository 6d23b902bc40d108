"""Organisations: every Xero tenant a stored connection reaches, run as its own little business.

Each organisation has the Xero connection that reaches it (several may: the healthiest is used and
the choice is explained), the WhatsApp connection that sends for it, its reminder policy (the
shipped default, a file, or a copy kept in the store), which jobs are on (reminders, new-invoice
alerts, payment thanks), its reminder schedule in its own time zone, and its health.

- ``sync``: organisations and links from the stored connections' tenant lists (and a fresh
  ``GET /connections`` when asked): tenants Xero stops listing are marked, not dropped;
- ``route``: which Xero and WhatsApp connection act for a tenant;
- ``policy``: the organisation's reminder policy, loaded and validated;
- ``schedule``: its reminder schedule, and why a schedule is refused;
- ``view``: everything above plus health, as ``xero-wa orgs`` and ``/readyz`` show it;
- ``find``: an organisation by name or tenant id, with the closest matches when none fits;
- ``change``: ``xero-wa orgs set``.
"""
