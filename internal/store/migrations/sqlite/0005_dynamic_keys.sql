-- Dynamic keypairs: replaced every rotation interval and, when so set,
-- after every signature. Old generations keep their public key (and later
-- their certificate) so old signatures still verify. Leases let one node
-- of several run a periodic job.
ALTER TABLE keypairs ADD COLUMN rotate_per_signature INTEGER NOT NULL DEFAULT 0;
ALTER TABLE keypairs ADD COLUMN rotated_at BIGINT NOT NULL DEFAULT 0;
-- generation_used is 1 once a per-signature keypair's current generation
-- has been claimed for its one signature.
ALTER TABLE keypairs ADD COLUMN generation_used INTEGER NOT NULL DEFAULT 0;

CREATE TABLE keypair_generations (
    keypair_id TEXT NOT NULL REFERENCES keypairs (id),
    generation INTEGER NOT NULL,
    public_key BLOB NOT NULL,
    created_at BIGINT NOT NULL,
    retired_at BIGINT NOT NULL,
    PRIMARY KEY (keypair_id, generation)
);

CREATE TABLE leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
