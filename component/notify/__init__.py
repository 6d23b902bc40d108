"""What every WhatsApp notification shares: reminders, new-invoice alerts and payment thanks.

The folders, and how a notification flows through them::

    component/reminders/   the reminder job: policy → stages → plan (one message per contact)
    component/alerts/      webhook events (and the catch-up poll) → alerts, stops, thanks
            │                      both compose a message with the same pieces:
            ▼
    component/notify/      recipient.py   contact → phones → the one E.164 WhatsApp number
                           optouts.py     opted out? (STOP/START word list, stored opt-outs)
                           links.py       the "View and pay" link (cached, rationed) + PDF
                           pacing.py      the recipient's turn (a busy customer waits alone)
                           locale.py      message locale, amounts
                           parameters.py  the body-parameter vocabulary and its values
                           templates.py   the shipped templates: texts, parameters, buttons
                           wording.py     their other languages (Hindi)
                           template_needs.py  what the account must hold (templates check/submit)
                           outbox.py      claim → (pacer) → sending → sent/failed/unknown
                           refusals.py    Meta's refusal sorted: retry? configuration? review?
                           notes.py       the History note on the Xero invoice
                           fallback.py    131026: Xero e-mails the invoice instead
                           review.py      messages held for review, described once
                           budget.py      optional Xero calls rationed above a reserve
            │
            ▼
    component/whatsapp/    client (pacer, retries, the on_leaving hook), payload, identities
            │                      and back, from WhatsApp's signed webhook:
            ▼
    component/service/     webhooks_whatsapp.py → notify/inbound.py: statuses settle the
                           outbox (and queue the e-mail fallback), STOP/START change opt-outs,
                           every other reply is handed back to the caller (``on_inbound``)

A reminder: ``sendPaymentReminders`` (CLI, API, scheduler, demo: always through the executor)
→ ``reminders.run`` lists the due invoices → ``plan`` picks stage, invoices and number per
contact (``notify.recipient``, ``notify.optouts``) → ``reminders.send``: claim in the outbox,
fetch the pay link (``notify.links``), compose (``notify.parameters``, ``notify.templates``),
deliver (``notify.outbox`` + the WhatsApp client) → History notes (``notify.notes``) → the
report, each message with its text as the customer reads it (``notify.templates.render``).

An alert: Xero's webhook → ``service.webhooks_xero`` queues the event → the worker
(``service.worker`` loop, ``alerts.pool`` side by side) → ``alerts.processor`` fetches the
record → ``alerts.invoices``: stop reminders for a paid/voided invoice (first), or recipient,
opt-out, turn (``notify.pacing``), pay link, compose (``alerts.compose`` on
``notify.parameters``), deliver (``notify.outbox``).

After the send: WhatsApp's status webhook → ``notify.inbound.on_status`` settles an unknown
outcome (the outbox key is the message's ``biz_opaque_callback_data``) or, for 131026 on a
reminder, queues the e-mail fallback that the worker runs (``notify.fallback``).
"""
