package storetest

import (
	"fmt"
	"sync"
	"testing"

	"github.com/signet-project/signet/internal/auth"
	"github.com/signet-project/signet/internal/ca"
	"github.com/signet-project/signet/internal/server"
)

// testSettingsPartial: UpdateSettings changes the fields it is given and
// no other, and returns the settings as stored after it.
func testSettingsPartial(t *testing.T, s server.Store) {
	ctx := t.Context()
	got, err := s.UpdateSettings(ctx, auth.SettingsUpdate{Require2FA: ptr(true), RotationSeconds: ptr(300)}, at(1), event(1, "Update", "account"))
	must(t, err)
	same(t, "first change", got, auth.Settings{Require2FA: true, RotationSeconds: 300, UpdatedAt: at(1)})
	got, err = s.UpdateSettings(ctx, auth.SettingsUpdate{ReleaseApprovals: ptr(4), Require2FA: ptr(false)}, at(2), event(2, "Update", "account"))
	must(t, err)
	want := auth.Settings{ReleaseApprovals: 4, RotationSeconds: 300, UpdatedAt: at(2)}
	same(t, "second change", got, want)
	read, err := s.Settings(ctx)
	must(t, err)
	same(t, "read back", read, want)
	got, err = s.UpdateSettings(ctx, auth.SettingsUpdate{}, at(3), nil)
	must(t, err)
	want.UpdatedAt = at(3)
	same(t, "an empty change touches only the time", got, want)

	// require_keypair_profile is the profile setting the CA reads: a
	// change through either is read through both.
	got, err = s.UpdateSettings(ctx, auth.SettingsUpdate{RequireKeypairProfile: ptr(true)}, at(4), event(3, "Update", "account"))
	must(t, err)
	want.RequireKeypairProfile, want.UpdatedAt = true, at(4)
	same(t, "require_keypair_profile set", got, want)
	prof, err := s.ProfileSettings(ctx)
	must(t, err)
	same(t, "profile settings after the change", prof, ca.Settings{RequireKeypairProfile: true, UpdatedAt: at(4)})
	must(t, s.SetProfileSettings(ctx, ca.Settings{UpdatedAt: at(5)}, event(4, "Update", "profiles")))
	read, err = s.Settings(ctx)
	must(t, err)
	want.RequireKeypairProfile, want.UpdatedAt = false, at(5)
	same(t, "settings after a change of the profile settings", read, want)
	got, err = s.UpdateSettings(ctx, auth.SettingsUpdate{TeamsEnabled: ptr(true)}, at(6), nil)
	must(t, err)
	want.TeamsEnabled, want.UpdatedAt = true, at(6)
	same(t, "another change keeps require_keypair_profile", got, want)
	prof, err = s.ProfileSettings(ctx)
	must(t, err)
	same(t, "profile settings untouched by another change", prof, ca.Settings{UpdatedAt: at(5)})
}

// testSettingsConcurrent: writers each changing their own setting at the
// same time, round after round, all keep their change. A store that wrote
// the whole row from an earlier read would lose some.
func testSettingsConcurrent(t *testing.T, s server.Store) {
	ctx := t.Context()
	const rounds = 30
	for i := range rounds {
		want := auth.Settings{Require2FA: i%2 == 0, TeamsEnabled: i%3 == 0, RequireKeypairProfile: i%5 < 2,
			ReleaseApprovals: 1 + i%7, RotationSeconds: 60 + i}
		updates := []auth.SettingsUpdate{
			{Require2FA: &want.Require2FA},
			{TeamsEnabled: &want.TeamsEnabled},
			{RequireKeypairProfile: &want.RequireKeypairProfile},
			{ReleaseApprovals: &want.ReleaseApprovals},
			{RotationSeconds: &want.RotationSeconds},
		}
		start := make(chan struct{})
		errs := make(chan error, len(updates))
		var wg sync.WaitGroup
		for j, u := range updates {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, err := s.UpdateSettings(ctx, u, at(i), event(i*len(updates)+j, "Update", "account"))
				errs <- err
			}()
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			must(t, err)
		}
		got, err := s.Settings(ctx)
		must(t, err)
		want.UpdatedAt = at(i)
		same(t, fmt.Sprintf("round %d: settings after %d concurrent changes of one field each", i, len(updates)), got, want)
	}
}
