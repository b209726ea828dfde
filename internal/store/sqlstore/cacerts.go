package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/ca"
	"github.com/signet-project/signet/internal/store"
)

const caCertCols = `id, keypair_id, generation, issuer_id, serial, fingerprint, subject, issuer, not_before, not_after,
	profile, source, der, chain, is_default, auto_renew, revoked_at, reason, created_by, created_at`

// insertCertificate inserts c in tx; a default certificate first takes the
// default from its keypair's others.
func (db *DB) insertCertificate(ctx context.Context, tx *sql.Tx, c *ca.Certificate) error {
	fillID(&c.ID)
	fillTime(&c.CreatedAt)
	if c.Default {
		if _, err := tx.ExecContext(ctx, db.d.rebind(`UPDATE certificates SET is_default = 0 WHERE keypair_id = ? AND is_default = 1`), c.KeypairID); err != nil {
			return db.wrap(err, "certificate %s: clearing the default", c.ID)
		}
	}
	_, err := tx.ExecContext(ctx, db.d.rebind(insertSQL("certificates", caCertCols, ncols(caCertCols), 1)),
		c.ID, c.KeypairID, c.Generation, c.IssuerID, c.Serial, c.Fingerprint, c.Subject, c.Issuer,
		micros(c.NotBefore), micros(c.NotAfter), c.Profile, c.Source, c.DER, nullBytes(c.Chain),
		boolInt(c.Default), boolInt(c.AutoRenew), nullMicros(c.RevokedAt), c.Reason, c.CreatedBy, micros(c.CreatedAt))
	return db.wrap(err, "certificate %s (serial %s)", c.ID, c.Serial)
}

// CreateCertificate inserts c with its audit event.
func (db *DB) CreateCertificate(ctx context.Context, c *ca.Certificate, ev *audit.Event) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if err := db.insertCertificate(ctx, tx, c); err != nil {
			return err
		}
		return db.appendEvent(ctx, tx, ev)
	})
}

func scanCACert(s interface{ Scan(...any) error }) (*ca.Certificate, error) {
	var c ca.Certificate
	var nb, na, created int64
	var def, renew int
	var revoked sql.NullInt64
	err := s.Scan(&c.ID, &c.KeypairID, &c.Generation, &c.IssuerID, &c.Serial, bytesCol{&c.Fingerprint}, &c.Subject, &c.Issuer,
		&nb, &na, &c.Profile, &c.Source, bytesCol{&c.DER}, bytesCol{&c.Chain}, &def, &renew, &revoked, &c.Reason, &c.CreatedBy, &created)
	if err != nil {
		return nil, err
	}
	c.NotBefore, c.NotAfter, c.CreatedAt, c.RevokedAt = fromMicros(nb), fromMicros(na), fromMicros(created), timePtr(revoked)
	c.Default, c.AutoRenew = def != 0, renew != 0
	return &c, nil
}

// GetCertificate finds a certificate by id.
func (db *DB) GetCertificate(ctx context.Context, id string) (*ca.Certificate, error) {
	c, err := scanCACert(db.queryRow(ctx, `SELECT `+caCertCols+` FROM certificates WHERE id = ?`, id))
	return c, db.wrap(err, "certificate %s", id)
}

// CertificateBySerial finds a certificate an authority issued.
func (db *DB) CertificateBySerial(ctx context.Context, issuerID, serial string) (*ca.Certificate, error) {
	c, err := scanCACert(db.queryRow(ctx, `SELECT `+caCertCols+` FROM certificates WHERE issuer_id = ? AND serial = ?`, issuerID, serial))
	return c, db.wrap(err, "certificate %s of %s", serial, issuerID)
}

// ListCertificates returns certificates ordered by id.
func (db *DB) ListCertificates(ctx context.Context, f ca.CertFilter) ([]*ca.Certificate, error) {
	var w where
	w.eq("keypair_id", f.KeypairID)
	w.eq("issuer_id", f.IssuerID)
	if f.After != "" {
		w.add("id > ?", f.After)
	}
	return db.listCACerts(ctx, `SELECT `+caCertCols+` FROM certificates`+w.String()+` ORDER BY id LIMIT ?`, append(w.args, limit(f.Limit))...)
}

func (db *DB) listCACerts(ctx context.Context, q string, args ...any) ([]*ca.Certificate, error) {
	rows, err := db.r.QueryContext(ctx, db.d.rebind(q), args...)
	if err != nil {
		return nil, db.wrap(err, "certificates: listing")
	}
	defer rows.Close()
	var out []*ca.Certificate
	for rows.Next() {
		c, err := scanCACert(rows)
		if err != nil {
			return nil, db.wrap(err, "certificates: reading")
		}
		out = append(out, c)
	}
	return out, db.wrap(rows.Err(), "certificates: listing")
}

// DefaultCertificates returns the default certificate of each keypair that
// has one.
func (db *DB) DefaultCertificates(ctx context.Context, keypairIDs []string) (map[string]*ca.Certificate, error) {
	out := map[string]*ca.Certificate{}
	for len(keypairIDs) > 0 {
		n := min(len(keypairIDs), 500)
		chunk := keypairIDs[:n]
		keypairIDs = keypairIDs[n:]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		cs, err := db.listCACerts(ctx, `SELECT `+caCertCols+` FROM certificates WHERE is_default = 1 AND keypair_id IN (`+
			strings.TrimSuffix(strings.Repeat("?, ", n), ", ")+`)`, args...)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			out[c.KeypairID] = c
		}
	}
	return out, nil
}

// UpdateCertificate sets a certificate's default and renewal flags.
func (db *DB) UpdateCertificate(ctx context.Context, id string, isDefault, autoRenew bool, ev *audit.Event) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if isDefault {
			_, err := tx.ExecContext(ctx, db.d.rebind(`UPDATE certificates SET is_default = 0
				WHERE is_default = 1 AND id <> ? AND keypair_id = (SELECT keypair_id FROM certificates WHERE id = ?)`), id, id)
			if err != nil {
				return db.wrap(err, "certificate %s: clearing the default", id)
			}
		}
		res, err := tx.ExecContext(ctx, db.d.rebind(`UPDATE certificates SET is_default = ?, auto_renew = ? WHERE id = ?`),
			boolInt(isDefault), boolInt(autoRenew), id)
		if err := db.affected(res, err, "certificate %s", id); err != nil {
			return err
		}
		return db.appendEvent(ctx, tx, ev)
	})
}

// RevokeCertificate marks a certificate revoked; it stops being a default.
func (db *DB) RevokeCertificate(ctx context.Context, id string, at time.Time, reason int, ev *audit.Event) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		var revoked sql.NullInt64
		if err := tx.QueryRowContext(ctx, db.d.rebind(`SELECT revoked_at FROM certificates WHERE id = ?`), id).Scan(&revoked); err != nil {
			return db.wrap(err, "certificate %s", id)
		}
		if revoked.Valid {
			return fmt.Errorf("certificate %s is revoked already: %w", id, store.ErrConflict)
		}
		_, err := tx.ExecContext(ctx, db.d.rebind(`UPDATE certificates SET revoked_at = ?, reason = ?, is_default = 0 WHERE id = ?`),
			micros(at), reason, id)
		if err != nil {
			return db.wrap(err, "certificate %s", id)
		}
		return db.appendEvent(ctx, tx, ev)
	})
}

// RevokedCertificates returns an authority's revoked certificates,
// expired ones too.
func (db *DB) RevokedCertificates(ctx context.Context, issuerID string) ([]*ca.Certificate, error) {
	return db.listCACerts(ctx, `SELECT `+caCertCols+` FROM certificates
		WHERE issuer_id = ? AND revoked_at IS NOT NULL ORDER BY revoked_at, id`, issuerID)
}

// RenewalDue returns the default certificates to renew: issued, unrevoked,
// of active keypairs, auto-renewing and ending before `before`, or made
// for an older generation of their keypair's key.
func (db *DB) RenewalDue(ctx context.Context, before time.Time, n int) ([]*ca.Certificate, error) {
	cols := strings.Fields(strings.ReplaceAll(caCertCols, ",", " "))
	for i := range cols {
		cols[i] = "c." + cols[i]
	}
	return db.listCACerts(ctx, `SELECT `+strings.Join(cols, ", ")+` FROM certificates c JOIN keypairs k ON k.id = c.keypair_id
		WHERE c.is_default = 1 AND c.source = 'issued' AND c.revoked_at IS NULL AND k.state = 'active'
		AND ((c.auto_renew = 1 AND c.not_after < ?) OR c.generation <> k.generation)
		ORDER BY c.not_after, c.id LIMIT ?`, micros(before), limit(n))
}
