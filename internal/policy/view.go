package policy

import "time"

// viewThroughSign decides keypair.view for a caller who lacks it: a caller
// who may sign with a keypair may see it (its public key and certificate),
// because signing tools cannot sign with what they cannot see (DESIGN.md,
// PKCS#11: the token shows each keypair the user may use). A listing
// (no keypair) is allowed to anyone who may sign; each keypair in it is
// then judged on its own. The key's state, status and release window do
// not matter here: seeing is not signing, and the second factor is not
// needed to see.
func viewThroughSign(p Principal, req Request, now time.Time) Decision {
	missing := deny("permission_denied", "missing permission "+string(KeypairView))
	if !p.Has(Sign) && !p.Has(SignAssigned) {
		return missing
	}
	kp := req.Keypair
	if kp == nil {
		return Decision{Allow: true}
	}
	usable := *kp
	usable.State, usable.Status = "active", "online"
	p.SecondFactor = true
	if d := Authorize(p, Request{Action: Sign, Keypair: &usable}, now); !d.Allow {
		missing.Reason += ", and " + p.Name + " may not sign with this keypair (" + d.Reason + ")"
		return missing
	}
	return Decision{Allow: true}
}
