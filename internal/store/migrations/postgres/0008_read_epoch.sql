-- read_epoch counts the changes to what the signing path reads about a
-- caller and a keypair: tokens and sessions, users (with their resolved
-- grants), client certificates, account settings, groups, teams, roles
-- and keypairs. Triggers move it in the same transaction as the change, on
-- this node or any other, so a node may keep these reads in memory only as
-- long as a fresh read of read_epoch, made by every request, still returns
-- the number they were read under (sqlstore's readCache).
CREATE TABLE read_epoch (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  BIGINT NOT NULL
);
INSERT INTO read_epoch (id, n) VALUES (1, 0);

-- The triggers are deferred to commit, so read_epoch's row lock is the last
-- lock every transaction takes: two transactions that change these tables
-- in different orders cannot deadlock on it.
CREATE FUNCTION bump_read_epoch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE read_epoch SET n = n + 1 WHERE id = 1;
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER api_tokens_read_epoch AFTER INSERT OR UPDATE OR DELETE ON api_tokens DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_read_epoch();
CREATE CONSTRAINT TRIGGER users_read_epoch AFTER INSERT OR UPDATE OR DELETE ON users DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_read_epoch();
CREATE CONSTRAINT TRIGGER client_certs_read_epoch AFTER INSERT OR UPDATE OR DELETE ON client_certs DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_read_epoch();
CREATE CONSTRAINT TRIGGER account_settings_read_epoch AFTER INSERT OR UPDATE OR DELETE ON account_settings DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_read_epoch();
CREATE CONSTRAINT TRIGGER user_groups_read_epoch AFTER INSERT OR UPDATE OR DELETE ON user_groups DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_read_epoch();
CREATE CONSTRAINT TRIGGER teams_read_epoch AFTER INSERT OR UPDATE OR DELETE ON teams DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_read_epoch();
CREATE CONSTRAINT TRIGGER team_members_read_epoch AFTER INSERT OR UPDATE OR DELETE ON team_members DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_read_epoch();
CREATE CONSTRAINT TRIGGER roles_read_epoch AFTER INSERT OR UPDATE OR DELETE ON roles DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_read_epoch();
CREATE CONSTRAINT TRIGGER keypairs_read_epoch AFTER INSERT OR UPDATE OR DELETE ON keypairs DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_read_epoch();
