-- Identity: groups, teams, custom roles, account settings, sign-in state
-- (passwords, lockout, TOTP) and web sessions.

-- grants_json holds what the user's groups, teams and custom roles resolve
-- to (auth.Grants), kept up to date by every identity change, so that one
-- query reads a request's credentials.
ALTER TABLE users ADD COLUMN grants_json TEXT;

-- kind is 'api' for API tokens, 'session' for web console sessions.
ALTER TABLE api_tokens ADD COLUMN kind TEXT NOT NULL DEFAULT 'api';

-- Identity changes take this row's lock first, so that concurrent changes
-- resolve grants from the same facts (on every node).
CREATE TABLE identity_lock (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO identity_lock (id, version) VALUES (1, 0);

CREATE TABLE user_groups (
    name        TEXT PRIMARY KEY,
    description TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL
);

CREATE TABLE teams (
    name        TEXT PRIMARY KEY,
    description TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL
);

-- member is a user id (kind 'user') or a group name (kind 'group').
CREATE TABLE team_members (
    team       TEXT NOT NULL REFERENCES teams (name),
    kind       TEXT NOT NULL,
    member     TEXT NOT NULL,
    roles_json TEXT NOT NULL,
    PRIMARY KEY (team, kind, member)
);

CREATE TABLE roles (
    name             TEXT PRIMARY KEY,
    description      TEXT NOT NULL DEFAULT '',
    scope            TEXT NOT NULL,
    permissions_json TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);

CREATE TABLE account_settings (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    require_2fa   INTEGER NOT NULL DEFAULT 0,
    teams_enabled INTEGER NOT NULL DEFAULT 0,
    updated_at    BIGINT NOT NULL DEFAULT 0
);
INSERT INTO account_settings (id) VALUES (1);

-- Sign-in state. password_hash is a PHC string (argon2id with its
-- parameters); totp_secret is sealed with a key derived from the master
-- key; totp_last_step makes every code usable once.
CREATE TABLE user_logins (
    user_id        TEXT PRIMARY KEY REFERENCES users (id),
    password_hash  TEXT NOT NULL DEFAULT '',
    failures       INTEGER NOT NULL DEFAULT 0,
    locked_until   BIGINT NOT NULL DEFAULT 0,
    totp_secret    BLOB,
    totp_confirmed INTEGER NOT NULL DEFAULT 0,
    totp_last_step BIGINT NOT NULL DEFAULT 0
);

-- Recovery codes, stored as SHA-256 (each has 80 random bits).
CREATE TABLE recovery_codes (
    user_id TEXT NOT NULL REFERENCES users (id),
    hash    BLOB NOT NULL,
    used_at BIGINT,
    PRIMARY KEY (user_id, hash)
);
