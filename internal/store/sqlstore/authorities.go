package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/ca"
	"github.com/signet-project/signet/internal/store"
)

var _ ca.Store = (*DB)(nil)

const authorityCols = `id, name, kind, parent_id, storage, handle_backend, handle_uri, handle_kek, handle_blob, cert, created_at`

// CreateAuthorities inserts authorities and their certificates in one
// transaction; store.ErrConflict if a name is taken.
func (db *DB) CreateAuthorities(ctx context.Context, as []*ca.Authority, certs []*ca.Certificate, evs []*audit.Event) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		for _, a := range as {
			fillID(&a.ID)
			fillTime(&a.CreatedAt)
			_, err := tx.ExecContext(ctx, db.d.rebind(insertSQL("authorities", authorityCols, ncols(authorityCols), 1)),
				a.ID, a.Name, a.Kind, a.ParentID, a.Storage, a.Handle.Backend, a.Handle.URI, a.Handle.KEK,
				nullBytes(a.Handle.Blob), a.Cert, micros(a.CreatedAt))
			if err != nil {
				return db.wrap(err, "authority %q", a.Name)
			}
		}
		for _, c := range certs {
			if err := db.insertCertificate(ctx, tx, c); err != nil {
				return err
			}
		}
		return db.appendEvents(ctx, tx, evs)
	})
}

// ListAuthorities returns every authority, oldest first.
func (db *DB) ListAuthorities(ctx context.Context) ([]*ca.Authority, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+authorityCols+` FROM authorities ORDER BY created_at, id`)
	if err != nil {
		return nil, db.wrap(err, "authorities: listing")
	}
	defer rows.Close()
	var out []*ca.Authority
	for rows.Next() {
		var a ca.Authority
		var created int64
		if err := rows.Scan(&a.ID, &a.Name, &a.Kind, &a.ParentID, &a.Storage, &a.Handle.Backend, &a.Handle.URI,
			&a.Handle.KEK, bytesCol{&a.Handle.Blob}, bytesCol{&a.Cert}, &created); err != nil {
			return nil, db.wrap(err, "authorities: reading")
		}
		a.CreatedAt = fromMicros(created)
		out = append(out, &a)
	}
	return out, db.wrap(rows.Err(), "authorities: listing")
}

// GetCRL returns an authority's latest CRL.
func (db *DB) GetCRL(ctx context.Context, authorityID string) (*ca.CRL, error) {
	c := ca.CRL{AuthorityID: authorityID}
	var this, next int64
	err := db.queryRow(ctx, `SELECT number, this_update, next_update, der FROM crls WHERE authority_id = ?`, authorityID).
		Scan(&c.Number, &this, &next, bytesCol{&c.DER})
	if err != nil {
		return nil, db.wrap(err, "CRL of authority %s", authorityID)
	}
	c.ThisUpdate, c.NextUpdate = fromMicros(this), fromMicros(next)
	return &c, nil
}

// PutCRL stores crl if it is the next of its authority.
func (db *DB) PutCRL(ctx context.Context, c *ca.CRL) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		var res sql.Result
		var err error
		if c.Number == 1 {
			res, err = tx.ExecContext(ctx, db.d.rebind(`INSERT INTO crls (authority_id, number, this_update, next_update, der)
				VALUES (?, ?, ?, ?, ?) ON CONFLICT (authority_id) DO NOTHING`),
				c.AuthorityID, c.Number, micros(c.ThisUpdate), micros(c.NextUpdate), c.DER)
		} else {
			res, err = tx.ExecContext(ctx, db.d.rebind(`UPDATE crls SET number = ?, this_update = ?, next_update = ?, der = ?
				WHERE authority_id = ? AND number = ?`),
				c.Number, micros(c.ThisUpdate), micros(c.NextUpdate), c.DER, c.AuthorityID, c.Number-1)
		}
		if err != nil {
			return db.wrap(err, "CRL %d of authority %s", c.Number, c.AuthorityID)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return fmt.Errorf("CRL %d of authority %s: %w", c.Number, c.AuthorityID, store.ErrConflict)
		}
		return nil
	})
}
