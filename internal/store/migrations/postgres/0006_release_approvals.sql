-- Releases change under optimistic concurrency: every change but a budget
-- reservation is an UPDATE conditional on revision, which it increments, so
-- that concurrent decisions and edits never overwrite one another.
ALTER TABLE releases ADD COLUMN revision BIGINT NOT NULL DEFAULT 0;

-- One row per approver's decision on a release: an approver decides once.
-- An edit that voids the approvals deletes the rows. approvals_json, which
-- held them before, is no longer read.
CREATE TABLE release_approvals (
    release_id TEXT NOT NULL REFERENCES releases (id),
    user_id    TEXT NOT NULL,
    user_name  TEXT NOT NULL,
    decision   TEXT NOT NULL,
    comment    TEXT NOT NULL DEFAULT '',
    decided_at BIGINT NOT NULL,
    PRIMARY KEY (release_id, user_id)
);
INSERT INTO release_approvals (release_id, user_id, user_name, decision, comment, decided_at)
SELECT r.id, j->>'user_id', COALESCE(j->>'user_name', ''), j->>'decision', COALESCE(j->>'comment', ''),
       (EXTRACT(EPOCH FROM (j->>'at')::timestamptz) * 1000000)::BIGINT
FROM releases r, jsonb_array_elements(r.approvals_json::jsonb) j
ON CONFLICT (release_id, user_id) DO NOTHING;
UPDATE releases SET approvals_json = '[]';

-- Account settings of releases and dynamic keypairs; 0 means the default
-- (1 approval, 15 minutes).
ALTER TABLE account_settings ADD COLUMN release_approvals INTEGER NOT NULL DEFAULT 0;
ALTER TABLE account_settings ADD COLUMN rotation_seconds INTEGER NOT NULL DEFAULT 0;
