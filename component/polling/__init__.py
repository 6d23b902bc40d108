"""Polling triggers: "new and updated records" and "invoice overdue by N days".

Specs live in ``triggers/xero/polling/`` (a ``poll:`` block instead of a webhook path);
:mod:`engine` runs one trigger for one organisation and emits events in the same shape as Xero's
webhook events; :mod:`runner` finds the organisation and connection and also queues the events
for the alerts worker, so webhook and polling paths are handled alike.
"""
