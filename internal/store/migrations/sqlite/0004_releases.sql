-- Releases: signing windows with participants, a signature budget and
-- approvals. keypairs_json and participants_json are JSON arrays of ids;
-- release_keypairs enforces that a keypair is in at most one live release.
CREATE TABLE releases (
    id                 TEXT PRIMARY KEY,
    name               TEXT NOT NULL,
    version            TEXT NOT NULL DEFAULT '',
    category           TEXT NOT NULL,
    team               TEXT NOT NULL DEFAULT '',
    type               TEXT NOT NULL,
    status             TEXT NOT NULL,
    keypairs_json      TEXT NOT NULL,
    participants_json  TEXT NOT NULL,
    start_at           BIGINT NOT NULL,
    end_at             BIGINT NOT NULL,
    max_signatures     INTEGER NOT NULL,
    used               INTEGER NOT NULL DEFAULT 0,
    note               TEXT NOT NULL DEFAULT '',
    approvals_required INTEGER NOT NULL DEFAULT 0,
    approvals_json     TEXT NOT NULL,
    phase              TEXT NOT NULL DEFAULT '', -- last effective status the audit log records
    created_by         TEXT NOT NULL,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL,
    CHECK (used >= 0 AND used <= max_signatures)
);
CREATE INDEX releases_status ON releases (status, id);

-- live is 1 while the release is pending or approved; a release whose
-- window has ended is released lazily by the next release that claims the
-- keypair (end_at is kept here for that).
CREATE TABLE release_keypairs (
    release_id TEXT NOT NULL REFERENCES releases (id),
    keypair_id TEXT NOT NULL,
    live       INTEGER NOT NULL,
    end_at     BIGINT NOT NULL,
    PRIMARY KEY (release_id, keypair_id)
);
CREATE UNIQUE INDEX release_keypairs_one_live ON release_keypairs (keypair_id) WHERE live = 1;
