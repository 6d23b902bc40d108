"""The store's schema, as an ordered list of migrations.

Each feature appends its own entries (a unique id and the SQL); ``Store.open`` applies the ones
not yet recorded, in order, inside one transaction each. Never edit an entry once committed:
add a new one.
"""

from __future__ import annotations

from component.storage.poll_state import MIGRATION as POLL_STATE_MIGRATION
from component.storage.wa_identities import MIGRATION as WA_IDENTITIES_MIGRATION

MIGRATIONS: list[tuple[str, str]] = [
    (
        "0001_connections",
        """
        CREATE TABLE connections (
            name        TEXT PRIMARY KEY,
            type        TEXT NOT NULL,
            family      TEXT NOT NULL,
            -- JSON of the connection's input values; secret fields are encrypted when a key is set
            values_json TEXT NOT NULL,
            created_at  TEXT NOT NULL,
            updated_at  TEXT NOT NULL
        );
        """,
    ),
    (
        "0002_oauth_token_sets",
        """
        CREATE TABLE token_sets (
            -- one OAuth token set per stored connection, refreshed in place
            connection             TEXT PRIMARY KEY
                                   REFERENCES connections(name) ON DELETE CASCADE,
            grant_type             TEXT NOT NULL,
            -- token columns hold Fernet tokens when XERO_WA_SECRET_KEY is set
            access_token           TEXT,
            expires_at             TEXT,
            refresh_token          TEXT,
            scope                  TEXT,
            -- the refresh token rotated away by the last refresh (Xero accepts it 30 minutes)
            previous_refresh_token TEXT,
            rotated_at             TEXT,
            -- set before a refresh request is sent, cleared when its answer is stored
            inflight_refresh_token TEXT,
            inflight_started_at    TEXT,
            inflight_owner         TEXT,
            status                 TEXT NOT NULL DEFAULT 'active',
            status_reason          TEXT,
            tenant_id              TEXT,
            tenant_name            TEXT,
            tenants_json           TEXT NOT NULL DEFAULT '[]',
            generation             INTEGER NOT NULL DEFAULT 0,
            updated_at             TEXT NOT NULL
        );
        CREATE TABLE secret_meta (
            key   TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        CREATE TABLE oauth_pending (
            -- sha256 of the OAuth state, so the table alone cannot answer a callback
            state_hash TEXT PRIMARY KEY,
            payload    TEXT NOT NULL,
            created_at TEXT NOT NULL
        )
        """,
    ),
    (
        "0100_outbox",
        """
        CREATE TABLE outbox_messages (
            key           TEXT PRIMARY KEY,  -- also sent as biz_opaque_callback_data
            kind          TEXT NOT NULL,     -- reminder | alert | ...
            tenant_id     TEXT NOT NULL,
            contact_id    TEXT,
            recipient     TEXT,
            state         TEXT NOT NULL,     -- intent | sending | sent | failed | unknown
            retry         INTEGER NOT NULL DEFAULT 1,
            message_id    TEXT,
            error_code    TEXT,
            error_message TEXT,
            attempts      INTEGER NOT NULL DEFAULT 0,
            run_id        TEXT,
            details_json  TEXT NOT NULL DEFAULT '{}',
            created_at    TEXT NOT NULL,
            updated_at    TEXT NOT NULL
        );
        CREATE INDEX outbox_messages_state ON outbox_messages (state);
        CREATE TABLE outbox_items (
            tenant_id   TEXT NOT NULL,
            subject_id  TEXT NOT NULL,       -- e.g. the InvoiceID
            stage       TEXT NOT NULL,       -- e.g. overdue_7, invoice_new
            message_key TEXT NOT NULL,
            created_at  TEXT NOT NULL,
            PRIMARY KEY (tenant_id, subject_id, stage)
        );
        CREATE INDEX outbox_items_message ON outbox_items (message_key);
        CREATE TABLE outbox_stops (
            tenant_id  TEXT NOT NULL,
            subject_id TEXT NOT NULL,
            reason     TEXT NOT NULL,
            stopped_at TEXT NOT NULL,
            PRIMARY KEY (tenant_id, subject_id)
        )
        """,
    ),
    (
        "0200_whatsapp_messages",
        """
        CREATE TABLE whatsapp_messages (
            -- messages Meta accepted from us (wamid = Meta's message id)
            wamid         TEXT PRIMARY KEY,
            recipient     TEXT NOT NULL,      -- E.164 with +
            kind          TEXT NOT NULL,      -- template, text
            template      TEXT,
            language      TEXT,
            callback_data TEXT,               -- biz_opaque_callback_data
            sent_at       TEXT NOT NULL
        );
        CREATE INDEX whatsapp_messages_callback ON whatsapp_messages (callback_data);
        CREATE TABLE whatsapp_statuses (
            -- one row per (wamid, status): webhook duplicates are recognised, not re-applied
            wamid         TEXT NOT NULL,
            status        TEXT NOT NULL,      -- sent, delivered, read, failed, played
            timestamp     TEXT NOT NULL,      -- when Meta says it happened (UTC ISO-8601)
            recipient     TEXT,               -- recipient_id: digits without +
            errors_json   TEXT,
            callback_data TEXT,
            received_at   TEXT,
            PRIMARY KEY (wamid, status)
        );
        CREATE INDEX whatsapp_statuses_callback ON whatsapp_statuses (callback_data)
        """,
    ),
    (
        "0300_reminders",
        """
        CREATE TABLE optouts (
            -- who must get no WhatsApp reminders: a number (every organisation) or a contact
            scope      TEXT NOT NULL,           -- phone | contact
            tenant_id  TEXT NOT NULL DEFAULT '', -- '' for a phone (STOP applies everywhere)
            subject    TEXT NOT NULL,           -- E.164 number with + | ContactID
            reason     TEXT NOT NULL,
            source     TEXT NOT NULL,           -- whatsapp_reply | cli | api
            created_at TEXT NOT NULL,
            PRIMARY KEY (scope, tenant_id, subject)
        );
        CREATE TABLE paylinks (
            -- Xero's online invoice URL, fetched at most once per invoice ever
            tenant_id  TEXT NOT NULL,
            invoice_id TEXT NOT NULL,
            url        TEXT,                    -- NULL: Xero said the invoice has none
            note       TEXT,
            fetched_at TEXT NOT NULL,
            PRIMARY KEY (tenant_id, invoice_id)
        );
        CREATE TABLE reminder_contacts (
            -- the contacts' names and phones, refreshed with If-Modified-Since
            tenant_id   TEXT NOT NULL,
            contact_id  TEXT NOT NULL,
            name        TEXT NOT NULL,
            phones_json TEXT NOT NULL,
            updated_utc TEXT,
            PRIMARY KEY (tenant_id, contact_id)
        );
        CREATE TABLE reminder_contact_sync (
            tenant_id      TEXT PRIMARY KEY,
            modified_since TEXT,                -- the newest UpdatedDateUTC seen (UTC ISO-8601)
            synced_at      TEXT NOT NULL
        );
        CREATE TABLE reminder_candidates (
            -- one run's invoices, spilled here so memory does not grow with the ledger
            run_id       TEXT NOT NULL,
            tenant_id    TEXT NOT NULL,
            contact_id   TEXT NOT NULL,
            invoice_id   TEXT NOT NULL,
            number       TEXT NOT NULL,
            contact_name TEXT NOT NULL,
            due_date     TEXT NOT NULL,         -- YYYY-MM-DD
            amount_due   TEXT NOT NULL,         -- decimal text, exact
            currency     TEXT NOT NULL,
            PRIMARY KEY (run_id, tenant_id, contact_id, invoice_id)
        )
        """,
    ),
    (
        "0700_webhook_events",
        """
        CREATE TABLE webhook_events (
            id              INTEGER PRIMARY KEY AUTOINCREMENT,
            source          TEXT NOT NULL,          -- webhook | poll
            tenant_id       TEXT NOT NULL,
            category        TEXT NOT NULL,          -- INVOICE | CONTACT | CREDITNOTE | SUBSCRIPTION
            resource_id     TEXT NOT NULL,
            event_type      TEXT NOT NULL,          -- CREATE | UPDATE
            event_date      TEXT NOT NULL,          -- eventDateUtc as Xero sent it
            resource_url    TEXT,
            payload_json    TEXT,                   -- a poll's full record, so it is not fetched again
            state           TEXT NOT NULL,          -- queued | working | done | parked
            attempts        INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT NOT NULL,
            lease_owner     TEXT,
            lease_until     TEXT,
            last_error      TEXT,
            received_at     TEXT NOT NULL,
            updated_at      TEXT NOT NULL,
            UNIQUE (tenant_id, category, resource_id, event_type, event_date)
        );
        CREATE INDEX webhook_events_due ON webhook_events (state, next_attempt_at);
        CREATE TABLE webhook_poll_marks (
            -- when the catch-up poll last asked Xero for changes, per tenant
            tenant_id  TEXT PRIMARY KEY,
            polled_at  TEXT NOT NULL
        )
        """,
    ),
    WA_IDENTITIES_MIGRATION,
    (
        "1500_web_accounts",
        """
        CREATE TABLE owner_accounts (
            -- people who sign in to the web app (xero-wa admin create); argon2id hashes only
            username      TEXT PRIMARY KEY,
            password_hash TEXT NOT NULL,
            created_at    TEXT NOT NULL,
            updated_at    TEXT NOT NULL
        );
        CREATE TABLE web_sessions (
            -- sha256 of the session id: the table alone cannot sign anyone in
            id_hash      TEXT PRIMARY KEY,
            username     TEXT NOT NULL REFERENCES owner_accounts(username) ON DELETE CASCADE,
            csrf_token   TEXT NOT NULL,
            created_at   TEXT NOT NULL,
            last_seen_at TEXT NOT NULL,
            expires_at   TEXT NOT NULL
        );
        CREATE INDEX web_sessions_expiry ON web_sessions (expires_at);
        CREATE INDEX web_sessions_user ON web_sessions (username);
        CREATE TABLE web_login_failures (
            -- failed sign-ins per key (user:<name> or ip:<address>) in the current window
            key          TEXT PRIMARY KEY,
            failures     INTEGER NOT NULL,
            window_start TEXT NOT NULL
        )
        """,
    ),
    (
        "1510_web_listings",
        """
        -- the web app's per-organisation lists (component/storage/listings.py)
        CREATE INDEX webhook_events_tenant ON webhook_events (tenant_id, state, id);
        CREATE INDEX outbox_messages_tenant ON outbox_messages (tenant_id, state, updated_at);
        CREATE INDEX optouts_created ON optouts (scope, tenant_id, created_at)
        """,
    ),
    POLL_STATE_MIGRATION,
]
