-- +goose Up

-- Owner notifications (api.md "Owner notifications", issue 15).
--
-- endpoints.failing_since is when the endpoint's trouble began (the
-- creation time of its first delivery that exhausted the schedule, or of
-- the oldest failed one when it was disabled first); null while it is
-- healthy. The claim returns it with each row, so the dispatcher knows
-- without a query whether a success must look for a "recovered" notice:
-- a success of a healthy endpoint adds no statement. It is written only
-- when the endpoint's state changes, and is not indexed.
ALTER TABLE endpoints ADD COLUMN failing_since timestamptz;

-- One row per notice, written in the transaction of the change that caused
-- it. The facts are copied in when it is raised, so the list and the email
-- say what was true then. email says what became of its email: queued (a
-- mail_outbox row exists), no_smtp (CLIPCABINET_SMTP_URL was not set), off
-- (the user turned this kind off).
CREATE TABLE notices (
    id               bigserial PRIMARY KEY,
    user_id          text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    endpoint_id      text NOT NULL REFERENCES endpoints (id) ON DELETE CASCADE,
    kind             text NOT NULL CHECK (kind IN ('failing', 'disabling', 'disabled', 'recovered')),
    endpoint_url     text NOT NULL,
    reason           text NOT NULL,
    last_outcome     text,
    last_status_code integer,
    last_error       text,
    failed_count     integer NOT NULL DEFAULT 0,
    failing_since    timestamptz,
    email            text NOT NULL CHECK (email IN ('queued', 'no_smtp', 'off')),
    read_at          timestamptz,
    created_at       timestamptz NOT NULL
);
-- A user's list, newest first, and the header's unread count.
CREATE INDEX notices_user_idx ON notices (user_id, created_at DESC, id DESC);
CREATE INDEX notices_unread_idx ON notices (user_id) WHERE read_at IS NULL;
-- The 24-hour rule and "recovered only after failing or disabled".
CREATE INDEX notices_endpoint_idx ON notices (endpoint_id, created_at DESC, id DESC);
-- The admin's list of every notice.
CREATE INDEX notices_all_idx ON notices (created_at DESC, id DESC);

-- A row turns one kind of notice email off for one user.
CREATE TABLE notice_optouts (
    user_id    text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       text NOT NULL CHECK (kind IN ('failing', 'disabling', 'disabled', 'recovered')),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, kind)
);

-- The email outbox: written with its notice, sent by internal/mail. A row
-- is due when due_at <= now and its state is queued or retrying; a process
-- sending it holds it by setting due_at to the end of its lease and a
-- fresh claim_token (FOR UPDATE SKIP LOCKED), so an expired lease (a crashed
-- process) makes it due again, and a sender whose lease expired cannot mark
-- it. Its id is the email's Message-ID.
CREATE TABLE mail_outbox (
    id          bigserial PRIMARY KEY,
    notice_id   bigint NOT NULL UNIQUE REFERENCES notices (id) ON DELETE CASCADE,
    to_addr     text NOT NULL,
    state       text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'retrying', 'sent', 'failed')),
    attempts    integer NOT NULL DEFAULT 0,
    due_at      timestamptz NOT NULL,
    claim_token bigint,
    last_error  text,
    sent_at     timestamptz,
    created_at  timestamptz NOT NULL
);
CREATE INDEX mail_outbox_due_idx ON mail_outbox (due_at) WHERE state IN ('queued', 'retrying');

-- +goose Down
DROP TABLE mail_outbox;
DROP TABLE notice_optouts;
DROP TABLE notices;
ALTER TABLE endpoints DROP COLUMN failing_since;
