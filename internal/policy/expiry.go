package policy

import "time"

// CredentialExpiry is the expiry of a credential that p makes and that asks
// for want (zero: never expires): no later than p's own API token, so that
// a token cannot make one that outlives it. capped reports that want was
// cut to the token's expiry.
func CredentialExpiry(p Principal, want time.Time) (exp time.Time, capped bool) {
	if p.TokenExpiresAt.IsZero() || (!want.IsZero() && !want.After(p.TokenExpiresAt)) {
		return want, false
	}
	return p.TokenExpiresAt, true
}
