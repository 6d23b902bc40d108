"""The alert job: what Xero's webhook events (and the catch-up poll) mean for customers.

- ``processor``: one queued event → its work (fetch the record, then act on it);
- ``invoices``: an invoice's current state → a "new invoice" alert, stopped reminders, a thanks;
- ``compose``: the alert templates' parameters;
- ``poll``: the catch-up poll that finds what webhooks missed.

The service's worker loop (``component.service.worker``) claims events and hands them here.
"""
