-- +goose Up

-- Users log in to the dashboard (password_hash set) or are provisioned by the
-- service API only (password_hash null: no dashboard login until one is set).
CREATE TABLE users (
    id            text PRIMARY KEY,
    email         text NOT NULL,
    name          text NOT NULL DEFAULT '',
    password_hash text,
    admin         boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

-- The table scs's pgxstore expects.
CREATE TABLE sessions (
    token  text PRIMARY KEY,
    data   bytea NOT NULL,
    expiry timestamptz NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry);

-- Endpoints are soft-deleted (deleted_at) so their deliveries and attempts
-- stay readable in the drawer and the admin list.
CREATE TABLE endpoints (
    id               text PRIMARY KEY,
    user_id          text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    url              text NOT NULL,
    description      text NOT NULL DEFAULT '',
    events           text[] NOT NULL,
    enabled          boolean NOT NULL DEFAULT true,
    disabled_reason  text,
    -- AES-256-GCM(nonce || ciphertext) of the whsec_ secret, endpoint id as AAD.
    secret_encrypted bytea NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    deleted_at       timestamptz
);
CREATE INDEX endpoints_user_idx ON endpoints (user_id, created_at) WHERE deleted_at IS NULL;

CREATE TABLE events (
    id           text PRIMARY KEY,
    user_id      text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    type         text NOT NULL,
    -- data.recordingId, kept for the admin's search by recording id.
    recording_id text,
    occurred_at  timestamptz NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_recording_idx ON events (recording_id) WHERE recording_id IS NOT NULL;

-- The queue. A row is due when due_at <= now: due_at is the earliest of the
-- next automatic attempt and a requested manual attempt, or, while a worker
-- holds the row, the end of its lease (so an expired lease is simply due
-- again, and the claimer records the lost attempt as interrupted). Rows are
-- kept narrow: the body lives in payloads.
CREATE TABLE deliveries (
    id                  text PRIMARY KEY,
    event_id            text NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    endpoint_id         text NOT NULL REFERENCES endpoints (id) ON DELETE CASCADE,
    user_id             text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    event_type          text NOT NULL,
    status              text NOT NULL DEFAULT 'pending'
                        CHECK (status IN ('pending', 'retrying', 'succeeded', 'failed')),
    attempt_count       integer NOT NULL DEFAULT 0, -- attempts recorded, every trigger
    auto_attempts       integer NOT NULL DEFAULT 0, -- automatic attempts that count toward the schedule
    next_attempt_at     timestamptz,                -- next automatic attempt
    manual_requested_at timestamptz,                -- a manual attempt is waiting
    due_at              timestamptz,                -- see above; null: nothing to do
    claim_token         bigint,                     -- set while a worker holds the row
    claimed_at          timestamptz,
    claim_manual        boolean NOT NULL DEFAULT false,
    last_status_code    integer,
    failure_reason      text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    completed_at        timestamptz
);
CREATE INDEX deliveries_due_idx ON deliveries (due_at) WHERE due_at IS NOT NULL;
-- The drawer: newest first per endpoint, with and without a status or event filter.
CREATE INDEX deliveries_endpoint_idx ON deliveries (endpoint_id, created_at DESC, id DESC);
CREATE INDEX deliveries_endpoint_status_idx ON deliveries (endpoint_id, status, created_at DESC, id DESC);
CREATE INDEX deliveries_endpoint_event_idx ON deliveries (endpoint_id, event_type, created_at DESC, id DESC);
-- Per user (API list by userId) and the admin's failed list across users.
CREATE INDEX deliveries_user_idx ON deliveries (user_id, created_at DESC, id DESC);
CREATE INDEX deliveries_failed_idx ON deliveries (created_at DESC, id DESC) WHERE status = 'failed';
CREATE INDEX deliveries_all_idx ON deliveries (created_at DESC, id DESC);

-- The exact bytes sent, fixed at publish. body is null once retention pruned it.
CREATE TABLE payloads (
    delivery_id text PRIMARY KEY REFERENCES deliveries (id) ON DELETE CASCADE,
    body        bytea,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE attempts (
    delivery_id        text NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    number             integer NOT NULL,
    trigger            text NOT NULL CHECK (trigger IN ('automatic', 'manual')),
    started_at         timestamptz NOT NULL,
    duration_ms        integer NOT NULL,
    status_code        integer,
    outcome            text NOT NULL,
    error              text,
    response_body      bytea,
    response_truncated boolean NOT NULL DEFAULT false,
    PRIMARY KEY (delivery_id, number)
);

CREATE TABLE audit_log (
    id          bigserial PRIMARY KEY,
    user_id     text,          -- whose resource it is
    actor       text NOT NULL, -- user id, 'api' or 'system'
    action      text NOT NULL,
    target_id   text,
    remote_addr text,
    details     jsonb NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_user_idx ON audit_log (user_id, created_at DESC);

-- Publish idempotency: the first answer for a key, kept 24 hours.
CREATE TABLE idempotency_keys (
    key          text PRIMARY KEY,
    request_hash bytea NOT NULL,
    response     jsonb NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

-- +goose Down
DROP TABLE idempotency_keys;
DROP TABLE audit_log;
DROP TABLE attempts;
DROP TABLE payloads;
DROP TABLE deliveries;
DROP TABLE events;
DROP TABLE endpoints;
DROP TABLE sessions;
DROP TABLE users;
