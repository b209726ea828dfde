package policy

import "time"

// viewThroughSign decides keypair.view where the rules refuse it: a caller
// who may sign with a keypair may see it (its public key and certificate),
// because signing tools cannot sign with what they cannot see (DESIGN.md,
// PKCS#11: the token shows each keypair the user may use), whatever view
// permissions it holds elsewhere. A listing (no keypair) is allowed to
// anyone who may sign; each keypair in it is then judged on its own. The
// key's state, status and release window do not matter here: seeing is not
// signing, and the second factor is not needed to see. A refusal here is
// not shown (it would tell the keypair's team and access): the caller gets
// the rules' refusal.
func viewThroughSign(p Principal, req Request, now time.Time) Decision {
	if !p.Has(Sign) && !p.Has(SignAssigned) {
		return deny("permission_denied", "missing permission "+string(KeypairView))
	}
	kp := req.Keypair
	if kp == nil {
		return Decision{Allow: true}
	}
	usable := *kp
	usable.State, usable.Status = "active", "online"
	p.SecondFactor = true
	if d := Authorize(p, Request{Action: Sign, Keypair: &usable}, now); !d.Allow {
		return d
	}
	return Decision{Allow: true}
}
