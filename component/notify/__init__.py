"""What every WhatsApp notification shares (reminders and alerts alike).

- ``inbound``: what a signed WhatsApp delivery changes: statuses settle the outbox, 131026 queues
  the e-mail fallback, STOP/START words change opt-outs.
"""
