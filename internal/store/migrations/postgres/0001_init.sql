-- Initial schema. Times are unix microseconds UTC (BIGINT); slices and maps
-- are JSON text, NULL when nil.

CREATE TABLE users (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    email       TEXT NOT NULL DEFAULT '',
    type        TEXT NOT NULL,
    roles_json  TEXT,
    groups_json TEXT,
    disabled    BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  BIGINT NOT NULL
);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id),
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    hash         BYTEA NOT NULL UNIQUE,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT,
    revoked_at   BIGINT,
    last_used_at BIGINT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id, created_at);

CREATE TABLE client_certs (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id),
    serial      TEXT NOT NULL,
    fingerprint BYTEA NOT NULL UNIQUE,
    not_after   BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);
CREATE INDEX client_certs_user ON client_certs (user_id, created_at);

CREATE TABLE keypairs (
    id                  TEXT PRIMARY KEY,
    alias               TEXT NOT NULL UNIQUE,
    type                TEXT NOT NULL,
    alg_type            TEXT NOT NULL,
    alg_bits            INTEGER NOT NULL DEFAULT 0,
    alg_curve           TEXT NOT NULL DEFAULT '',
    category            TEXT NOT NULL,
    storage             TEXT NOT NULL,
    status              TEXT NOT NULL,
    access              TEXT NOT NULL,
    allowed_users_json  TEXT,
    allowed_groups_json TEXT,
    team                TEXT NOT NULL DEFAULT '',
    profile             TEXT NOT NULL DEFAULT '',
    state               TEXT NOT NULL,
    generation          INTEGER NOT NULL DEFAULT 0,
    handle_backend      TEXT NOT NULL DEFAULT '',
    handle_uri          TEXT NOT NULL DEFAULT '',
    handle_kek          TEXT NOT NULL DEFAULT '',
    handle_blob         BYTEA,
    public_key          BYTEA,
    created_by          TEXT NOT NULL DEFAULT '',
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL,
    destroyed_at        BIGINT
);
CREATE INDEX keypairs_state ON keypairs (state, id);

CREATE TABLE signatures (
    id            TEXT PRIMARY KEY,
    time          BIGINT NOT NULL,
    status        TEXT NOT NULL,
    error_code    TEXT NOT NULL DEFAULT '',
    user_id       TEXT NOT NULL DEFAULT '',
    user_name     TEXT NOT NULL DEFAULT '',
    keypair_id    TEXT NOT NULL DEFAULT '',
    keypair_alias TEXT NOT NULL DEFAULT '',
    generation    INTEGER NOT NULL DEFAULT 0,
    key_type      TEXT NOT NULL DEFAULT '',
    algorithm     TEXT NOT NULL DEFAULT '',
    category      TEXT NOT NULL DEFAULT '',
    digest_alg    TEXT NOT NULL DEFAULT '',
    digest        BYTEA,
    signature     BYTEA,
    release_id    TEXT NOT NULL DEFAULT '',
    client_ip     TEXT NOT NULL DEFAULT '',
    tool          TEXT NOT NULL DEFAULT '',
    file_name     TEXT NOT NULL DEFAULT '',
    file_size     BIGINT NOT NULL DEFAULT 0,
    timestamp_url TEXT NOT NULL DEFAULT ''
);
CREATE INDEX signatures_time ON signatures (time);
CREATE INDEX signatures_user ON signatures (user_id, id);
CREATE INDEX signatures_keypair ON signatures (keypair_id, id);
CREATE INDEX signatures_release ON signatures (release_id, id);
CREATE INDEX signatures_status ON signatures (status, id);

CREATE TABLE audit_events (
    seq           BIGINT PRIMARY KEY,
    id            TEXT NOT NULL UNIQUE,
    time          BIGINT NOT NULL,
    actor_id      TEXT NOT NULL DEFAULT '',
    actor_name    TEXT NOT NULL DEFAULT '',
    type          TEXT NOT NULL DEFAULT '',
    action        TEXT NOT NULL DEFAULT '',
    resource_id   TEXT NOT NULL DEFAULT '',
    resource_name TEXT NOT NULL DEFAULT '',
    result        TEXT NOT NULL DEFAULT '',
    reason        TEXT NOT NULL DEFAULT '',
    client_ip     TEXT NOT NULL DEFAULT '',
    details_json  TEXT,
    prev_hash     BYTEA NOT NULL,
    hash          BYTEA NOT NULL
);
CREATE INDEX audit_events_time ON audit_events (time);
CREATE INDEX audit_events_actor ON audit_events (actor_id, seq);
CREATE INDEX audit_events_action ON audit_events (action, seq);
CREATE INDEX audit_events_type ON audit_events (type, seq);
CREATE INDEX audit_events_resource ON audit_events (resource_id, seq);
CREATE INDEX audit_events_result ON audit_events (result, seq);

-- The chain head: the last record's seq and hash. Appenders read and update
-- it inside their write transaction; it is the chain lock.
CREATE TABLE audit_head (
    id   SMALLINT PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash BYTEA
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, NULL);
