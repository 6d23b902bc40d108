"""The store's schema, as an ordered list of migrations.

Each feature appends its own entries (a unique id and the SQL); ``Store.open`` applies the ones
not yet recorded, in order, inside one transaction each. Never edit an entry once committed:
add a new one.
"""

from __future__ import annotations

from component.storage.eligibility import MIGRATION as ELIGIBILITY_MIGRATION
from component.storage.migrations import Migration
from component.storage.notes_queue import MIGRATION as NOTES_QUEUE_MIGRATION
from component.storage.poll_state import MIGRATION as POLL_STATE_MIGRATION
from component.storage.rate_ledger import MIGRATION as RATE_LEDGER_MIGRATION
from component.storage.rate_ledger import SHARING_MIGRATION as RATE_SHARING_MIGRATION
from component.storage.replies import MIGRATION as REPLIES_MIGRATION
from component.storage.wa_identities import MIGRATION as WA_IDENTITIES_MIGRATION

MIGRATIONS: list[Migration] = [
    Migration(
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
    Migration(
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
    Migration(
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
    Migration(
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
    Migration(
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
    Migration(
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
    Migration(
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
    Migration(
        "1510_web_listings",
        """
        -- the web app's per-organisation lists (component/storage/listings.py)
        CREATE INDEX webhook_events_tenant ON webhook_events (tenant_id, state, id);
        CREATE INDEX outbox_messages_tenant ON outbox_messages (tenant_id, state, updated_at);
        CREATE INDEX optouts_created ON optouts (scope, tenant_id, created_at)
        """,
    ),
    Migration(
        "1100_organisations",
        """
        CREATE TABLE organisations (
            -- every Xero tenant reached by a stored connection, with its own settings
            tenant_id           TEXT PRIMARY KEY,
            name                TEXT NOT NULL DEFAULT '',
            enabled             INTEGER NOT NULL DEFAULT 1,   -- 0: chosen off at connect
            xero_connection     TEXT,      -- pinned by `orgs set`; NULL: the healthiest link
            whatsapp_connection TEXT,      -- NULL: the only stored one (or the configured one)
            policy_source       TEXT NOT NULL DEFAULT 'default',  -- default | file | stored
            policy_path         TEXT,
            policy_yaml         TEXT,      -- the stored copy (policy_source = 'stored')
            reminders           INTEGER,   -- NULL: the service's default for each job
            invoice_alerts      INTEGER,
            payment_thanks      INTEGER,
            remind_at           TEXT,      -- HH:MM local; NULL: 10:00
            days                TEXT,      -- mon,tue,...; NULL: the policy's business days
            time_zone           TEXT,      -- IANA, from Xero's Organisation.Timezone
            country             TEXT,
            owner_phone         TEXT,      -- E.164: where the run summaries go
            created_at          TEXT NOT NULL,
            updated_at          TEXT NOT NULL
        );
        CREATE INDEX organisations_name ON organisations (name);
        CREATE TABLE organisation_links (
            -- which stored Xero connection reaches which tenant, as Xero last listed it
            tenant_id          TEXT NOT NULL,
            connection         TEXT NOT NULL REFERENCES connections(name) ON DELETE CASCADE,
            xero_connection_id TEXT NOT NULL DEFAULT '',
            state              TEXT NOT NULL,  -- active | disconnected
            first_seen         TEXT NOT NULL,
            last_seen          TEXT NOT NULL,
            disconnected_at    TEXT,
            PRIMARY KEY (tenant_id, connection)
        );
        CREATE INDEX organisation_links_connection ON organisation_links (connection)
        """,
    ),
    Migration(
        "1110_schedule_slots",
        """
        CREATE TABLE schedule_slots (
            -- one row per (organisation, job, slot): whoever inserts it first runs the slot
            tenant_id   TEXT NOT NULL,
            job         TEXT NOT NULL,
            slot        TEXT NOT NULL,     -- the slot's instant, fixed-width UTC text
            state       TEXT NOT NULL,     -- running | done | failed
            owner       TEXT NOT NULL,
            lease_until TEXT NOT NULL,     -- a running slot whose lease passed is taken over
            run_id      TEXT,
            note        TEXT,
            claimed_at  TEXT NOT NULL,
            finished_at TEXT,
            PRIMARY KEY (tenant_id, job, slot)
        )
        """,
    ),
    Migration(
        "1120_runs",
        """
        CREATE TABLE runs (
            -- every job run (scheduled, CLI or API), with its counts and errors
            id          TEXT PRIMARY KEY,
            tenant_id   TEXT NOT NULL,     -- '*' when one run covered several organisations
            job         TEXT NOT NULL,     -- reminders | ...
            trigger     TEXT NOT NULL,     -- schedule | cli | api
            slot        TEXT,
            state       TEXT NOT NULL,     -- running | ok | attention | failed
            started_at  TEXT NOT NULL,
            finished_at TEXT,
            sent        INTEGER NOT NULL DEFAULT 0,
            skipped     INTEGER NOT NULL DEFAULT 0,
            failed      INTEGER NOT NULL DEFAULT 0,
            review      INTEGER NOT NULL DEFAULT 0,
            xero_calls  INTEGER NOT NULL DEFAULT 0,
            errors_json TEXT NOT NULL DEFAULT '[]',
            summary_json TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX runs_started ON runs (started_at);
        CREATE INDEX runs_tenant_started ON runs (tenant_id, started_at);
        CREATE TABLE run_outcomes (
            run_id  TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            outcome TEXT NOT NULL,         -- sent | skipped | failed | review | configuration
            reason  TEXT NOT NULL,         -- the skip reason or Meta's code; '' for sent
            count   INTEGER NOT NULL,
            PRIMARY KEY (run_id, outcome, reason)
        )
        """,
    ),
    Migration(
        "1130_history",
        """
        CREATE TABLE invoice_facts (
            -- what the history needs to know about an invoice we notified about
            tenant_id    TEXT NOT NULL,
            invoice_id   TEXT NOT NULL,    -- lower case
            number       TEXT,
            contact_id   TEXT,             -- lower case
            contact_name TEXT,
            status       TEXT,
            paid_on      TEXT,             -- YYYY-MM-DD (Xero's FullyPaidOnDate) when known
            updated_at   TEXT NOT NULL,
            PRIMARY KEY (tenant_id, invoice_id)
        );
        CREATE INDEX invoice_facts_number ON invoice_facts (lower(number));
        CREATE INDEX invoice_facts_contact ON invoice_facts (contact_id);
        CREATE INDEX invoice_facts_contact_name ON invoice_facts (lower(contact_name));
        CREATE INDEX invoice_facts_paid ON invoice_facts (tenant_id, paid_on);
        CREATE TABLE invoice_notes (
            -- History notes written in Xero about a notification
            tenant_id   TEXT NOT NULL,
            invoice_id  TEXT NOT NULL,     -- lower case
            message_key TEXT NOT NULL,
            text        TEXT NOT NULL,
            written_at  TEXT NOT NULL,
            PRIMARY KEY (tenant_id, invoice_id, message_key)
        );
        CREATE INDEX outbox_items_subject ON outbox_items (subject_id);
        CREATE INDEX outbox_messages_contact ON outbox_messages (contact_id);
        CREATE INDEX outbox_messages_kind_created ON outbox_messages (tenant_id, kind, created_at);
        CREATE INDEX outbox_messages_created ON outbox_messages (created_at);
        CREATE INDEX outbox_messages_wamid ON outbox_messages (message_id);
        CREATE INDEX whatsapp_messages_sent ON whatsapp_messages (sent_at);
        CREATE INDEX reminder_contacts_name ON reminder_contacts (lower(name));
        """,
    ),
    POLL_STATE_MIGRATION,
    REPLIES_MIGRATION,
    NOTES_QUEUE_MIGRATION,
    ELIGIBILITY_MIGRATION,
    RATE_LEDGER_MIGRATION,
    RATE_SHARING_MIGRATION,
]
