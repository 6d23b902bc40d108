"""The built-in scheduler of ``xero-wa serve``: per-organisation periodic jobs, once per slot.

- ``cadence``: when slots fall (a local time on some weekdays, or every N seconds);
- ``jobs``: the registration seam (``PeriodicJob``, ``register``) and the job context;
- ``engine``: the ``Scheduler`` that claims and runs due slots, catching up once after downtime;
- ``reminders``: the reminder job (each organisation's ``sendPaymentReminders`` at its time);
- ``summary``: the owner's summary after a run.
"""
