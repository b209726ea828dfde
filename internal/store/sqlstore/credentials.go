package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/signet-project/signet/internal/auth"
)

// credentialsSQL reads, in one indexed query, a token with its user (and
// the user's resolved grants), the client certificate with the given
// fingerprint if any, and the account settings. CredentialsByToken keeps
// the result in memory only under read_epoch (see readCache): a revocation
// acts on the next request, on every node.
const credentialsSQL = `SELECT
	t.id, t.user_id, t.name, t.prefix, t.hash, t.created_at, t.expires_at, t.revoked_at, t.last_used_at, t.kind,
	u.id, u.name, u.email, u.type, u.roles_json, u.groups_json, u.disabled, u.created_at, u.grants_json,
	c.id, c.user_id, c.serial, c.fingerprint, c.not_after, c.created_at, c.revoked_at,
	s.require_2fa, s.teams_enabled, s.updated_at
FROM api_tokens t
JOIN users u ON u.id = t.user_id
JOIN account_settings s ON s.id = 1
LEFT JOIN client_certs c ON c.fingerprint = ?
WHERE t.hash = ?`

// CredentialsByToken resolves a token hash and a client certificate
// fingerprint (nil when none was presented); store.ErrNotFound if no token
// has the hash. A result read under the current read_epoch is reused.
func (db *DB) CredentialsByToken(ctx context.Context, tokenHash, certFingerprint []byte) (*auth.Credentials, error) {
	epoch, ok := db.readEpoch(ctx)
	if !ok {
		return db.credentialsByToken(ctx, tokenHash, certFingerprint)
	}
	key := credKey(tokenHash, certFingerprint)
	if c := db.cache.getCreds(epoch, key); c != nil {
		return c, nil
	}
	c, err := db.credentialsByToken(ctx, tokenHash, certFingerprint)
	if err == nil {
		db.cache.putCreds(epoch, key, c)
	}
	return c, err
}

func (db *DB) credentialsByToken(ctx context.Context, tokenHash, certFingerprint []byte) (*auth.Credentials, error) {
	var (
		t                    auth.Token
		u                    auth.User
		tCreated, uCreated   int64
		expires, revoked, lu sql.NullInt64
		roles, groups, gr    sql.NullString
		cID, cUser, cSerial  sql.NullString
		cFP                  []byte
		cNotAfter, cCreated  sql.NullInt64
		cRevoked             sql.NullInt64
		set                  auth.Settings
		setUpdated           int64
	)
	fp := any(nil)
	if certFingerprint != nil {
		fp = certFingerprint
	}
	err := db.queryRow(ctx, credentialsSQL, fp, tokenHash).Scan(
		&t.ID, &t.UserID, &t.Name, &t.Prefix, bytesCol{&t.Hash}, &tCreated, &expires, &revoked, &lu, &t.Kind,
		&u.ID, &u.Name, &u.Email, &u.Type, &roles, &groups, &u.Disabled, &uCreated, &gr,
		&cID, &cUser, &cSerial, bytesCol{&cFP}, &cNotAfter, &cCreated, &cRevoked,
		&set.Require2FA, &set.TeamsEnabled, &setUpdated)
	if err != nil {
		return nil, db.wrap(err, "credentials by token hash")
	}
	t.CreatedAt, t.ExpiresAt, t.RevokedAt, t.LastUsedAt = fromMicros(tCreated), timePtr(expires), timePtr(revoked), timePtr(lu)
	u.CreatedAt = fromMicros(uCreated)
	if setUpdated > 0 {
		set.UpdatedAt = fromMicros(setUpdated)
	}
	c := &auth.Credentials{Token: &t, User: &u, Settings: set}
	if err := unjson(roles, &u.Roles); err != nil {
		return nil, fmt.Errorf("user %s roles: %w", u.ID, err)
	}
	if err := unjson(groups, &u.Groups); err != nil {
		return nil, fmt.Errorf("user %s groups: %w", u.ID, err)
	}
	if err := unjson(gr, &c.Grants); err != nil {
		return nil, fmt.Errorf("user %s grants: %w", u.ID, err)
	}
	if cID.Valid {
		c.Cert = &auth.ClientCert{ID: cID.String, UserID: cUser.String, Serial: cSerial.String, Fingerprint: cFP,
			NotAfter: fromMicros(cNotAfter.Int64), CreatedAt: fromMicros(cCreated.Int64), RevokedAt: timePtr(cRevoked)}
	}
	return c, nil
}

// GetToken finds an API token or session by id.
func (db *DB) GetToken(ctx context.Context, id string) (*auth.Token, error) {
	t, err := scanToken(db.queryRow(ctx, `SELECT `+tokenCols+` FROM api_tokens WHERE id = ?`, id))
	return t, db.wrap(err, "token %s", id)
}

// GetClientCert finds a client certificate by id.
func (db *DB) GetClientCert(ctx context.Context, id string) (*auth.ClientCert, error) {
	c, err := scanCert(db.queryRow(ctx, `SELECT `+certCols+` FROM client_certs WHERE id = ?`, id))
	return c, db.wrap(err, "client certificate %s", id)
}
