"""What the product did, for the people it works for.

- ``record``: every job run (scheduled, CLI, API) recorded with its counts, Xero calls and errors;
- ``timeline``: one invoice's or one contact's notifications, step by step (stage, template,
  message id, sent / delivered / read / failed with Meta's code and its meaning, the note written
  in Xero, the e-mail fallback, the paid date);
- ``optouts``: who must get no reminder, managed by contact, phone or WhatsApp user id.

The SQL behind all of it (and behind the web dashboard) is ``component.storage.activity``.
"""
