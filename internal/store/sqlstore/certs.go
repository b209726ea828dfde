package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/auth"
)

const certCols = `id, user_id, serial, fingerprint, not_after, created_at, revoked_at`

// CreateClientCert inserts c: store.ErrConflict if its fingerprint or id is
// taken, store.ErrNotFound if its user does not exist.
func (db *DB) CreateClientCert(ctx context.Context, c *auth.ClientCert, ev *audit.Event) error {
	fillID(&c.ID)
	fillTime(&c.CreatedAt)
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, db.d.rebind(insertSQL("client_certs", certCols, ncols(certCols), 1)),
			c.ID, c.UserID, c.Serial, nullBytes(c.Fingerprint), micros(c.NotAfter), micros(c.CreatedAt), nullMicros(c.RevokedAt))
		if err != nil {
			return db.wrap(err, "client certificate %s of user %s", c.Serial, c.UserID)
		}
		return db.appendEvent(ctx, tx, ev)
	})
}

func scanCert(s interface{ Scan(...any) error }) (*auth.ClientCert, error) {
	var c auth.ClientCert
	var notAfter, created int64
	var revoked sql.NullInt64
	if err := s.Scan(&c.ID, &c.UserID, &c.Serial, bytesCol{&c.Fingerprint}, &notAfter, &created, &revoked); err != nil {
		return nil, err
	}
	c.NotAfter, c.CreatedAt, c.RevokedAt = fromMicros(notAfter), fromMicros(created), timePtr(revoked)
	return &c, nil
}

// ClientCertByFingerprint finds a certificate by the SHA-256 of its DER,
// revoked ones included: the caller checks them.
func (db *DB) ClientCertByFingerprint(ctx context.Context, fp []byte) (*auth.ClientCert, error) {
	row := db.queryRow(ctx, `SELECT `+certCols+` FROM client_certs WHERE fingerprint = ?`, fp)
	c, err := scanCert(row)
	return c, db.wrap(err, "client certificate %x", fp)
}

// ListClientCerts returns the certificates of a user (every certificate
// when userID is empty), oldest first.
func (db *DB) ListClientCerts(ctx context.Context, userID string) ([]*auth.ClientCert, error) {
	var w where
	w.eq("user_id", userID)
	rows, err := db.r.QueryContext(ctx, db.d.rebind(`SELECT `+certCols+` FROM client_certs`+w.String()+` ORDER BY created_at, id`), w.args...)
	if err != nil {
		return nil, db.wrap(err, "client certificates: listing")
	}
	defer rows.Close()
	var out []*auth.ClientCert
	for rows.Next() {
		c, err := scanCert(rows)
		if err != nil {
			return nil, db.wrap(err, "client certificates: reading")
		}
		out = append(out, c)
	}
	return out, db.wrap(rows.Err(), "client certificates: listing")
}

// RevokeClientCert revokes a certificate. Revoking it again keeps the first
// time.
func (db *DB) RevokeClientCert(ctx context.Context, id string, at time.Time, ev *audit.Event) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.d.rebind(`UPDATE client_certs SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?`), micros(at), id)
		if err := db.affected(res, err, "client certificate %s", id); err != nil {
			return err
		}
		return db.appendEvent(ctx, tx, ev)
	})
}
