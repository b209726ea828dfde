package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/ca"
	"github.com/signet-project/signet/internal/tsa"
)

var (
	_ ca.ProfileStore = (*DB)(nil)
	_ tsa.Store       = (*DB)(nil)
)

// Profile kinds in the profiles table.
const (
	certProfile    = "certificate"
	keypairProfile = "keypair"
)

// putProfile inserts (create) or replaces a profile document.
func (db *DB) putProfile(ctx context.Context, kind, name, team string, doc any, created, updated time.Time, create bool, ev *audit.Event) error {
	b, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		if create {
			_, err := tx.ExecContext(ctx, db.d.rebind(`INSERT INTO profiles (kind, name, team, doc, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`),
				kind, name, team, string(b), micros(created), micros(updated))
			if err != nil {
				return db.wrap(err, "%s profile %q", kind, name)
			}
		} else {
			res, err := tx.ExecContext(ctx, db.d.rebind(`UPDATE profiles SET team = ?, doc = ?, updated_at = ? WHERE kind = ? AND name = ?`),
				team, string(b), micros(updated), kind, name)
			if err := db.affected(res, err, "%s profile %q", kind, name); err != nil {
				return err
			}
		}
		return db.appendEvent(ctx, tx, ev)
	})
}

// getProfile decodes one profile document into dst.
func (db *DB) getProfile(ctx context.Context, kind, name string, dst any) error {
	var doc string
	if err := db.queryRow(ctx, `SELECT doc FROM profiles WHERE kind = ? AND name = ?`, kind, name).Scan(&doc); err != nil {
		return db.wrap(err, "%s profile %q", kind, name)
	}
	return json.Unmarshal([]byte(doc), dst)
}

// listProfiles decodes every profile document of kind, by name, with add.
func (db *DB) listProfiles(ctx context.Context, kind string, add func(doc []byte) error) error {
	rows, err := db.r.QueryContext(ctx, db.d.rebind(`SELECT doc FROM profiles WHERE kind = ? ORDER BY name`), kind)
	if err != nil {
		return db.wrap(err, "%s profiles: listing", kind)
	}
	defer rows.Close()
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return db.wrap(err, "%s profiles: reading", kind)
		}
		if err := add([]byte(doc)); err != nil {
			return fmt.Errorf("%s profiles: %w", kind, err)
		}
	}
	return db.wrap(rows.Err(), "%s profiles: listing", kind)
}

func (db *DB) deleteProfile(ctx context.Context, kind, name string, ev *audit.Event) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.d.rebind(`DELETE FROM profiles WHERE kind = ? AND name = ?`), kind, name)
		if err := db.affected(res, err, "%s profile %q", kind, name); err != nil {
			return err
		}
		return db.appendEvent(ctx, tx, ev)
	})
}

// PutCertProfile inserts or replaces a certificate profile.
func (db *DB) PutCertProfile(ctx context.Context, p *ca.CertProfile, create bool, ev *audit.Event) error {
	return db.putProfile(ctx, certProfile, p.Name, p.Team, p, p.CreatedAt, p.UpdatedAt, create, ev)
}

// GetCertProfile finds a certificate profile by name.
func (db *DB) GetCertProfile(ctx context.Context, name string) (*ca.CertProfile, error) {
	var p ca.CertProfile
	return &p, db.getProfile(ctx, certProfile, name, &p)
}

// ListCertProfiles returns the certificate profiles by name.
func (db *DB) ListCertProfiles(ctx context.Context) ([]*ca.CertProfile, error) {
	out := []*ca.CertProfile{}
	return out, db.listProfiles(ctx, certProfile, func(doc []byte) error {
		var p ca.CertProfile
		out = append(out, &p)
		return json.Unmarshal(doc, &p)
	})
}

// DeleteCertProfile deletes a certificate profile.
func (db *DB) DeleteCertProfile(ctx context.Context, name string, ev *audit.Event) error {
	return db.deleteProfile(ctx, certProfile, name, ev)
}

// PutKeypairProfile inserts or replaces a keypair profile.
func (db *DB) PutKeypairProfile(ctx context.Context, p *ca.KeypairProfile, create bool, ev *audit.Event) error {
	return db.putProfile(ctx, keypairProfile, p.Name, p.Team, p, p.CreatedAt, p.UpdatedAt, create, ev)
}

// GetKeypairProfile finds a keypair profile by name.
func (db *DB) GetKeypairProfile(ctx context.Context, name string) (*ca.KeypairProfile, error) {
	var p ca.KeypairProfile
	return &p, db.getProfile(ctx, keypairProfile, name, &p)
}

// ListKeypairProfiles returns the keypair profiles by name.
func (db *DB) ListKeypairProfiles(ctx context.Context) ([]*ca.KeypairProfile, error) {
	out := []*ca.KeypairProfile{}
	return out, db.listProfiles(ctx, keypairProfile, func(doc []byte) error {
		var p ca.KeypairProfile
		out = append(out, &p)
		return json.Unmarshal(doc, &p)
	})
}

// DeleteKeypairProfile deletes a keypair profile.
func (db *DB) DeleteKeypairProfile(ctx context.Context, name string, ev *audit.Event) error {
	return db.deleteProfile(ctx, keypairProfile, name, ev)
}

// ProfileSettings returns the profile settings.
func (db *DB) ProfileSettings(ctx context.Context) (ca.Settings, error) {
	var s ca.Settings
	var req int
	var updated int64
	err := db.queryRow(ctx, `SELECT require_keypair_profile, updated_at FROM profile_settings WHERE id = 1`).Scan(&req, &updated)
	if err != nil {
		return s, db.wrap(err, "profile settings")
	}
	s.RequireKeypairProfile = req != 0
	if updated != 0 {
		s.UpdatedAt = fromMicros(updated)
	}
	return s, nil
}

// SetProfileSettings stores the profile settings.
func (db *DB) SetProfileSettings(ctx context.Context, s ca.Settings, ev *audit.Event) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.d.rebind(`UPDATE profile_settings SET require_keypair_profile = ?, updated_at = ? WHERE id = 1`),
			boolInt(s.RequireKeypairProfile), optMicros(s.UpdatedAt))
		if err := db.affected(res, err, "profile settings"); err != nil {
			return err
		}
		return db.appendEvent(ctx, tx, ev)
	})
}

// SetKeypairExpiry records when a keypair expires.
func (db *DB) SetKeypairExpiry(ctx context.Context, keypairID string, at time.Time) error {
	_, err := db.w.ExecContext(ctx, db.d.rebind(`INSERT INTO keypair_expiry (keypair_id, expires_at) VALUES (?, ?)
		ON CONFLICT (keypair_id) DO UPDATE SET expires_at = excluded.expires_at`), keypairID, micros(at))
	return db.wrap(err, "expiry of keypair %s", keypairID)
}

// KeypairExpiries returns the expiry of the keypairs that have one.
func (db *DB) KeypairExpiries(ctx context.Context, keypairIDs []string) (map[string]time.Time, error) {
	out := map[string]time.Time{}
	for len(keypairIDs) > 0 {
		n := min(len(keypairIDs), 500)
		args := make([]any, n)
		for i, id := range keypairIDs[:n] {
			args[i] = id
		}
		keypairIDs = keypairIDs[n:]
		rows, err := db.r.QueryContext(ctx, db.d.rebind(`SELECT keypair_id, expires_at FROM keypair_expiry WHERE keypair_id IN (`+
			strings.TrimSuffix(strings.Repeat("?, ", n), ", ")+`)`), args...)
		if err != nil {
			return nil, db.wrap(err, "keypair expiry")
		}
		for rows.Next() {
			var id string
			var at int64
			if err := rows.Scan(&id, &at); err != nil {
				rows.Close()
				return nil, db.wrap(err, "keypair expiry")
			}
			out[id] = fromMicros(at)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, db.wrap(err, "keypair expiry")
		}
	}
	return out, nil
}

// ExpiredKeypairs returns keypairs not yet destroyed whose expiry is past.
func (db *DB) ExpiredKeypairs(ctx context.Context, now time.Time, n int) ([]string, error) {
	rows, err := db.r.QueryContext(ctx, db.d.rebind(`SELECT e.keypair_id FROM keypair_expiry e JOIN keypairs k ON k.id = e.keypair_id
		WHERE e.expires_at <= ? AND k.state <> 'destroyed' ORDER BY e.expires_at, e.keypair_id LIMIT ?`), micros(now), limit(n))
	if err != nil {
		return nil, db.wrap(err, "expired keypairs")
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, db.wrap(err, "expired keypairs")
		}
		out = append(out, id)
	}
	return out, db.wrap(rows.Err(), "expired keypairs")
}

// LogTimestamp records a time-stamp the TSA issued.
func (db *DB) LogTimestamp(ctx context.Context, r *tsa.Record) error {
	_, err := db.w.ExecContext(ctx, db.d.rebind(`INSERT INTO timestamps (serial, time, hash_alg, imprint, nonce, policy, client_ip, source)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`), r.Serial, micros(r.Time), r.HashAlg, r.Imprint, r.Nonce, r.Policy, r.ClientIP, r.Source)
	return db.wrap(err, "time-stamp %s", r.Serial)
}
