package auth

import (
	"context"
	"time"

	"github.com/signet-project/signet/internal/policy"
)

// ApproverStore is what finding a release's approvers reads.
type ApproverStore interface {
	ListUsers(ctx context.Context) ([]*User, error)
	UserGrants(ctx context.Context) (map[string]Grants, error)
	Settings(ctx context.Context) (Settings, error)
}

// Approvers returns the users who may approve a release of team (""
// for none) requested by requester, as policy decides it for each of them
// with both factors: enabled, holding release.approve there, not the
// requester. They are who approval requests are mailed to.
func Approvers(ctx context.Context, st ApproverStore, team, requester string, now time.Time) ([]*User, error) {
	users, err := st.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	grants, err := st.UserGrants(ctx)
	if err != nil {
		return nil, err
	}
	set, err := st.Settings(ctx)
	if err != nil {
		return nil, err
	}
	var out []*User
	for _, u := range users {
		g := grants[u.ID]
		p := principalOf(&Credentials{User: u, Grants: g, Settings: set})
		p.Disabled, p.SecondFactor = u.Disabled, true
		req := policy.Request{Action: policy.ReleaseApprove, Team: team, Release: &policy.Release{OwnRequest: u.ID == requester}}
		if policy.Authorize(p, req, now).Allow {
			out = append(out, u)
		}
	}
	return out, nil
}
