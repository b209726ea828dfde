package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/signet-project/signet/internal/policy"
)

// RestrictedKeypairs lists the allow-lists of the restricted keypairs not
// destroyed: who may sign with them besides their team's roles.
func (db *DB) RestrictedKeypairs(ctx context.Context) ([]policy.Keypair, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT id, allowed_users_json, allowed_groups_json, team, state
		FROM keypairs WHERE access = 'restricted' AND state <> 'destroyed' ORDER BY id`)
	if err != nil {
		return nil, db.wrap(err, "keypairs: listing allow-lists")
	}
	defer rows.Close()
	var out []policy.Keypair
	for rows.Next() {
		kp := policy.Keypair{Access: "restricted"}
		var users, groups sql.NullString
		if err := rows.Scan(&kp.ID, &users, &groups, &kp.Team, &kp.State); err != nil {
			return nil, db.wrap(err, "keypairs: reading allow-lists")
		}
		if err := unjson(users, &kp.AllowedUsers); err != nil {
			return nil, fmt.Errorf("keypair %s allowed users: %w", kp.ID, err)
		}
		if err := unjson(groups, &kp.AllowedGroups); err != nil {
			return nil, fmt.Errorf("keypair %s allowed groups: %w", kp.ID, err)
		}
		out = append(out, kp)
	}
	return out, db.wrap(rows.Err(), "keypairs: listing allow-lists")
}
