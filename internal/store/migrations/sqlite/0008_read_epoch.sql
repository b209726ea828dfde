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
CREATE TRIGGER api_tokens_read_epoch_insert AFTER INSERT ON api_tokens BEGIN UPDATE read_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER api_tokens_read_epoch_update AFTER UPDATE ON api_tokens BEGIN UPDATE read_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER api_tokens_read_epoch_delete AFTER DELETE ON api_tokens BEGIN UPDATE read_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER users_read_epoch_insert AFTER INSERT ON users BEGIN UPDATE read_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER users_read_epoch_update AFTER UPDATE ON users BEGIN UPDATE read_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER users_read_epoch_delete AFTER DELETE ON users BEGIN UPDATE read_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER client_certs_read_epoch_insert AFTER INSERT ON client_certs BEGIN UPDATE read_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER client_certs_read_epoch_update AFTER UPDATE ON client_certs BEGIN UPDATE read_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER client_certs_read_epoch_delete AFTER DELETE ON client_certs BEGIN UPDATE read_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER account_settings_read_epoch_insert AFTER INSERT ON account_settings BEGIN UPDATE read_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER account_settings_read_epoch_update AFTER UPDATE ON account_settings BEGIN UPDATE read_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER account_settings_read_epoch_delete AFTER DELETE ON account_settings BEGIN UPDATE read_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER user_groups_read_epoch_insert AFTER INSERT ON user_groups BEGIN UPDATE read_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER user_groups_read_epoch_update AFTER UPDATE ON user_groups BEGIN UPDATE read_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER user_groups_read_epoch_delete AFTER DELETE ON user_groups BEGIN UPDATE read_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER teams_read_epoch_insert AFTER INSERT ON teams BEGIN UPDATE read_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER teams_read_epoch_update AFTER UPDATE ON teams BEGIN UPDATE read_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER teams_read_epoch_delete AFTER DELETE ON teams BEGIN UPDATE read_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER team_members_read_epoch_insert AFTER INSERT ON team_members BEGIN UPDATE read_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER team_members_read_epoch_update AFTER UPDATE ON team_members BEGIN UPDATE read_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER team_members_read_epoch_delete AFTER DELETE ON team_members BEGIN UPDATE read_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER roles_read_epoch_insert AFTER INSERT ON roles BEGIN UPDATE read_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER roles_read_epoch_update AFTER UPDATE ON roles BEGIN UPDATE read_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER roles_read_epoch_delete AFTER DELETE ON roles BEGIN UPDATE read_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER keypairs_read_epoch_insert AFTER INSERT ON keypairs BEGIN UPDATE read_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER keypairs_read_epoch_update AFTER UPDATE ON keypairs BEGIN UPDATE read_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER keypairs_read_epoch_delete AFTER DELETE ON keypairs BEGIN UPDATE read_epoch SET n = n + 1 WHERE id = 1; END;
