-- seq orders the signature log by commit. Record ids are time-ordered
-- UUIDs made before signing, time-stamping and the group commit, so records
-- commit in another order than their ids, and a consumer paging by id
-- skipped a record committed after one with a later id. Each batch takes
-- its numbers from audit_head.signature_seq under the chain lock, held
-- until it commits, so numbers grow in commit order and a page after seq N
-- never misses a record committed later. Existing records are numbered in
-- id order, the order they were listed in. The per-filter indexes page by
-- seq instead of id.
ALTER TABLE signatures ADD COLUMN seq BIGINT;
UPDATE signatures SET seq = n.rn
    FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS rn FROM signatures) AS n
    WHERE signatures.id = n.id;
ALTER TABLE signatures ALTER COLUMN seq SET NOT NULL;
CREATE UNIQUE INDEX signatures_seq ON signatures (seq);
ALTER TABLE audit_head ADD COLUMN signature_seq BIGINT NOT NULL DEFAULT 0;
UPDATE audit_head SET signature_seq = (SELECT COUNT(*) FROM signatures) WHERE id = 1;
DROP INDEX signatures_user;
DROP INDEX signatures_keypair;
DROP INDEX signatures_release;
CREATE INDEX signatures_user ON signatures (user_id, seq);
CREATE INDEX signatures_keypair ON signatures (keypair_id, seq);
CREATE INDEX signatures_release ON signatures (release_id, seq) WHERE release_id <> '';
