package sqlstore

import (
	"context"
	"database/sql"

	"github.com/signet-project/signet/internal/auth"
)

// CreateTeam inserts t with its members; store.ErrConflict if the name is
// taken.
func (db *DB) CreateTeam(ctx context.Context, t *auth.Team, ev auditEvent) error {
	fillTime(&t.CreatedAt)
	return db.identityTx(ctx, ev, func(tx *sql.Tx) ([]string, error) {
		_, err := tx.ExecContext(ctx, db.d.rebind(`INSERT INTO teams (name, description, created_at) VALUES (?, ?, ?)`),
			t.Name, t.Description, micros(t.CreatedAt))
		if err != nil {
			return nil, db.wrap(err, "team %q", t.Name)
		}
		for _, m := range t.Members {
			if err := db.putMember(ctx, tx, t.Name, m); err != nil {
				return nil, err
			}
		}
		return nil, nil
	})
}

func (db *DB) putMember(ctx context.Context, tx *sql.Tx, team string, m auth.TeamMember) error {
	roles, err := jsonCol(m.Roles, false)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, db.d.rebind(`DELETE FROM team_members WHERE team = ? AND kind = ? AND member = ?`), team, m.Kind, m.Member); err != nil {
		return db.wrap(err, "team %s member %s", team, m.Member)
	}
	_, err = tx.ExecContext(ctx, db.d.rebind(`INSERT INTO team_members (team, kind, member, roles_json) VALUES (?, ?, ?, ?)`),
		team, m.Kind, m.Member, roles)
	return db.wrap(err, "team %s member %s", team, m.Member)
}

// GetTeam returns a team with its members; store.ErrNotFound if none.
func (db *DB) GetTeam(ctx context.Context, name string) (*auth.Team, error) {
	ts, err := db.teams(ctx, name)
	if err != nil {
		return nil, err
	}
	if len(ts) == 0 {
		return nil, db.wrap(sql.ErrNoRows, "team %q", name)
	}
	return ts[0], nil
}

// ListTeams returns every team by name, with its members.
func (db *DB) ListTeams(ctx context.Context) ([]*auth.Team, error) { return db.teams(ctx, "") }

func (db *DB) teams(ctx context.Context, name string) ([]*auth.Team, error) {
	var w where
	w.eq("name", name)
	var out []*auth.Team
	byName := map[string]*auth.Team{}
	err := db.each(ctx, db.r, `SELECT name, description, created_at FROM teams`+w.String()+` ORDER BY name`, w.args, func(s scanner) error {
		t := &auth.Team{Members: []auth.TeamMember{}}
		var created int64
		if err := s.Scan(&t.Name, &t.Description, &created); err != nil {
			return err
		}
		t.CreatedAt = fromMicros(created)
		out = append(out, t)
		byName[t.Name] = t
		return nil
	})
	if err != nil || len(out) == 0 {
		return out, err
	}
	var mw where
	mw.eq("team", name)
	err = db.each(ctx, db.r, `SELECT team, kind, member, roles_json FROM team_members`+mw.String()+` ORDER BY team, kind, member`, mw.args, func(s scanner) error {
		var team string
		var m auth.TeamMember
		var roles sql.NullString
		if err := s.Scan(&team, &m.Kind, &m.Member, &roles); err != nil {
			return err
		}
		if err := unjson(roles, &m.Roles); err != nil {
			return err
		}
		if t, ok := byName[team]; ok {
			t.Members = append(t.Members, m)
		}
		return nil
	})
	return out, err
}

// DeleteTeam deletes a team and its memberships. Keypairs and releases
// keep naming it.
func (db *DB) DeleteTeam(ctx context.Context, name string, ev auditEvent) error {
	return db.identityTx(ctx, ev, func(tx *sql.Tx) ([]string, error) {
		if _, err := tx.ExecContext(ctx, db.d.rebind(`DELETE FROM team_members WHERE team = ?`), name); err != nil {
			return nil, db.wrap(err, "team %s members", name)
		}
		return nil, db.exec(ctx, tx, "team "+name, `DELETE FROM teams WHERE name = ?`, name)
	})
}

// SetTeamMember adds a member to a team or replaces its roles;
// store.ErrNotFound if the team does not exist.
func (db *DB) SetTeamMember(ctx context.Context, team string, m auth.TeamMember, ev auditEvent) error {
	return db.identityTx(ctx, ev, func(tx *sql.Tx) ([]string, error) {
		return nil, db.putMember(ctx, tx, team, m)
	})
}

// RemoveTeamMember takes a member out of a team; store.ErrNotFound if it
// is not in it.
func (db *DB) RemoveTeamMember(ctx context.Context, team, kind, member string, ev auditEvent) error {
	return db.identityTx(ctx, ev, func(tx *sql.Tx) ([]string, error) {
		return nil, db.exec(ctx, tx, "team "+team+" member "+member,
			`DELETE FROM team_members WHERE team = ? AND kind = ? AND member = ?`, team, kind, member)
	})
}
