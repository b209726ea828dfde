package policy

// Release is what authorization needs to know of a release: for Sign, the
// live release holding the keypair; for ReleaseApprove, the release
// decided on.
type Release struct {
	ID          string
	Name        string // what messages call it
	Status      string // effective status now: pending, not_started, in_progress, completed
	Participant bool   // the principal takes part in it
	Remaining   int    // signatures left in its budget
	OwnRequest  bool   // the principal requested it (no one approves their own)
}

// signWindow applies the release rules of DESIGN.md: an offline keypair
// signs only inside an approved release window, by a participant; an online
// keypair signs any time, and its signature counts toward its release when
// a participant signs inside the window. A counted signature needs budget.
func signWindow(kp *Keypair, rel *Release) Decision {
	offline := kp.Status == "offline"
	if rel == nil {
		if offline {
			return deny("keypair_offline", "keypair is offline: it signs only inside an approved release window, and it is in no release")
		}
		return Decision{Allow: true}
	}
	inWindow := rel.Status == "in_progress"
	name := rel.label()
	if offline {
		switch {
		case rel.Status == "pending":
			return deny("release_not_approved", "keypair is offline and its release "+name+" is not approved yet")
		case rel.Status == "not_started":
			return deny("release_not_started", "keypair is offline and the window of release "+name+" has not started")
		case !inWindow:
			return deny("release_ended", "keypair is offline and the window of release "+name+" has ended")
		case !rel.Participant:
			return deny("not_release_participant", "keypair is offline and you are not a participant of release "+name)
		}
	}
	if !inWindow || !rel.Participant {
		return Decision{Allow: true}
	}
	if rel.Remaining <= 0 {
		return deny("release_quota_exhausted", "release "+name+" has used all its signatures")
	}
	return Decision{Allow: true, Counts: true}
}

// label names the release in messages: its name, else its id.
func (r *Release) label() string {
	if r.Name != "" {
		return r.Name
	}
	return r.ID
}

// ReleaseKeypair decides whether p may put kp in a release of team
// releaseTeam, beyond the right to create or edit that release (decided
// apart, by Authorize): a release caps and gates its keypairs' signatures,
// so a restricted keypair goes in only by one of its allowed users or
// groups, or by a holder of release.manage where the release is.
func ReleaseKeypair(p Principal, kp *Keypair, releaseTeam string) Decision {
	team := ""
	if p.TeamsOn {
		team = releaseTeam
	}
	if kp.Access != "restricted" || kp.assignedTo(p) || p.grantsIn(ReleaseManage, team) {
		return Decision{Allow: true}
	}
	return deny("keypair_access_denied", "keypair is restricted and "+p.Name+
		" is not among its allowed users or groups: only they, or a holder of release.manage, put it in a release")
}
