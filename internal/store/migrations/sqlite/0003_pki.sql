-- Private CA. authorities holds the CAs and the TSA with their key handles,
-- apart from keypairs, so that no keypair API (signing, PKCS#11) can reach a
-- CA key. crls keeps each CA's latest CRL; certificates the certificates of
-- keypairs (issued or imported) and of the CAs and TSA, for OCSP. Profiles
-- are JSON documents. keypair_expiry bounds the life of test keypairs;
-- timestamps logs every time-stamp the TSA issued.

CREATE TABLE authorities (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE,
    kind           TEXT NOT NULL,
    parent_id      TEXT NOT NULL DEFAULT '',
    storage        TEXT NOT NULL,
    handle_backend TEXT NOT NULL,
    handle_uri     TEXT NOT NULL,
    handle_kek     TEXT NOT NULL DEFAULT '',
    handle_blob    BLOB,
    cert           BLOB NOT NULL,
    created_at     BIGINT NOT NULL
);

-- A CRL replaces the stored one only with the next number, so that nodes
-- regenerating together store one CRL per number.
CREATE TABLE crls (
    authority_id TEXT PRIMARY KEY REFERENCES authorities (id),
    number       BIGINT NOT NULL,
    this_update  BIGINT NOT NULL,
    next_update  BIGINT NOT NULL,
    der          BLOB NOT NULL
);

-- keypair_id is empty for CA and TSA certificates, issuer_id for imported
-- ones; serial is lowercase hex. A keypair has at most one default.
CREATE TABLE certificates (
    id          TEXT PRIMARY KEY,
    keypair_id  TEXT NOT NULL DEFAULT '',
    generation  INTEGER NOT NULL DEFAULT 0,
    issuer_id   TEXT NOT NULL DEFAULT '',
    serial      TEXT NOT NULL,
    fingerprint BLOB NOT NULL UNIQUE,
    subject     TEXT NOT NULL,
    issuer      TEXT NOT NULL,
    not_before  BIGINT NOT NULL,
    not_after   BIGINT NOT NULL,
    profile     TEXT NOT NULL DEFAULT '',
    source      TEXT NOT NULL,
    der         BLOB NOT NULL,
    chain       BLOB,
    is_default  INTEGER NOT NULL DEFAULT 0,
    auto_renew  INTEGER NOT NULL DEFAULT 0,
    revoked_at  BIGINT,
    reason      INTEGER NOT NULL DEFAULT 0,
    created_by  TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX certificates_serial ON certificates (issuer_id, serial) WHERE issuer_id <> '';
CREATE UNIQUE INDEX certificates_one_default ON certificates (keypair_id) WHERE is_default = 1;
CREATE INDEX certificates_keypair ON certificates (keypair_id, id);
CREATE INDEX certificates_revoked ON certificates (issuer_id, not_after) WHERE revoked_at IS NOT NULL;
CREATE INDEX certificates_renewal ON certificates (not_after) WHERE is_default = 1;

-- kind is 'certificate' or 'keypair'.
CREATE TABLE profiles (
    kind       TEXT NOT NULL,
    name       TEXT NOT NULL,
    team       TEXT NOT NULL DEFAULT '',
    doc        TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (kind, name)
);

CREATE TABLE profile_settings (
    id                      INTEGER PRIMARY KEY CHECK (id = 1),
    require_keypair_profile INTEGER NOT NULL DEFAULT 0,
    updated_at              BIGINT NOT NULL DEFAULT 0
);
INSERT INTO profile_settings (id) VALUES (1);

CREATE TABLE keypair_expiry (
    keypair_id TEXT PRIMARY KEY REFERENCES keypairs (id),
    expires_at BIGINT NOT NULL
);
CREATE INDEX keypair_expiry_at ON keypair_expiry (expires_at);

CREATE TABLE timestamps (
    serial    TEXT PRIMARY KEY,
    time      BIGINT NOT NULL,
    hash_alg  TEXT NOT NULL,
    imprint   BLOB NOT NULL,
    nonce     TEXT NOT NULL DEFAULT '',
    policy    TEXT NOT NULL,
    client_ip TEXT NOT NULL DEFAULT '',
    source    TEXT NOT NULL
);
CREATE INDEX timestamps_time ON timestamps (time);
