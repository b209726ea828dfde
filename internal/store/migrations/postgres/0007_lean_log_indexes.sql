-- Fewer indexes on the two tables every signature writes: each index is one
-- more B-tree insert inside the journal's group commit. Status, action, type
-- and result take a handful of values each, so their indexes narrowed
-- nothing a time or actor range does not; list filters on them now scan
-- within the other conditions. Most signatures count toward no release, so
-- the release index keeps only those that do (ListSignatures states
-- release_id <> '' so the planner can use it).
DROP INDEX signatures_status;
DROP INDEX audit_events_action;
DROP INDEX audit_events_type;
DROP INDEX audit_events_result;
DROP INDEX signatures_release;
CREATE INDEX signatures_release ON signatures (release_id, id) WHERE release_id <> '';
