package ca

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/errs"
	"github.com/signet-project/signet/internal/keypair"
)

// MaxTestKeypairLife is how long a test keypair lives at most: its key is
// destroyed when it expires.
const MaxTestKeypairLife = 30 * Day

// KeypairProfile pre-sets the fields of keypairs generated with it. Each
// field is either a default the request may change or fixed.
type KeypairProfile struct {
	Name        string           `json:"name"`
	Description string           `json:"description,omitempty"`
	Team        string           `json:"team,omitempty"` // usable for that team's keypairs only
	Fields      map[string]Field `json:"fields"`
	// ExpiresAfter is the life of test keypairs made with the profile (at
	// most, and by default, 30 days).
	ExpiresAfter *Duration `json:"expires_after,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// Field is one pre-set keypair field.
type Field struct {
	Value json.RawMessage `json:"value"`
	Fixed bool            `json:"fixed,omitempty"`
}

// profileFields are the keypair fields a profile may pre-set (the JSON
// names of keypair.CreateRequest).
var profileFields = []string{"type", "algorithm", "key_size", "curve", "category", "storage", "status", "access",
	"allowed_users", "allowed_groups", "rotate_per_signature", "generate_cert", "cert_profile", "auto_renew"}

// Settings are the account settings of profiles.
type Settings struct {
	// RequireKeypairProfile refuses keypairs generated without a profile.
	RequireKeypairProfile bool      `json:"require_keypair_profile"`
	UpdatedAt             time.Time `json:"updated_at"`
}

// ProfileStore persists profiles, their settings and keypair expiry.
type ProfileStore interface {
	// PutCertProfile inserts (create) or replaces p; store.ErrConflict
	// when creating a name that exists, store.ErrNotFound when replacing
	// one that does not.
	PutCertProfile(ctx context.Context, p *CertProfile, create bool, ev *audit.Event) error
	GetCertProfile(ctx context.Context, name string) (*CertProfile, error)
	ListCertProfiles(ctx context.Context) ([]*CertProfile, error)
	DeleteCertProfile(ctx context.Context, name string, ev *audit.Event) error

	PutKeypairProfile(ctx context.Context, p *KeypairProfile, create bool, ev *audit.Event) error
	GetKeypairProfile(ctx context.Context, name string) (*KeypairProfile, error)
	ListKeypairProfiles(ctx context.Context) ([]*KeypairProfile, error)
	DeleteKeypairProfile(ctx context.Context, name string, ev *audit.Event) error

	ProfileSettings(ctx context.Context) (Settings, error)
	SetProfileSettings(ctx context.Context, s Settings, ev *audit.Event) error

	// SetKeypairExpiry records when a keypair expires.
	SetKeypairExpiry(ctx context.Context, keypairID string, at time.Time) error
	// KeypairExpiries returns the expiry of those keypairs that have one.
	KeypairExpiries(ctx context.Context, keypairIDs []string) (map[string]time.Time, error)
	// ExpiredKeypairs returns the ids of keypairs not yet destroyed whose
	// expiry is at or before now.
	ExpiredKeypairs(ctx context.Context, now time.Time, limit int) ([]string, error)
}

// Normalize validates the profile.
func (p *KeypairProfile) Normalize() error {
	if !nameRE.MatchString(p.Name) {
		return errs.BadRequest("invalid_name", "profile name must be 1-64 lowercase letters, digits, '.', '_' or '-'")
	}
	if p.Fields == nil {
		p.Fields = map[string]Field{}
	}
	for name, f := range p.Fields {
		if !slices.Contains(profileFields, name) {
			return errs.BadRequest("invalid_field", "field %q cannot be pre-set; fields are %s", name, strings.Join(profileFields, ", "))
		}
		if len(bytes.TrimSpace(f.Value)) == 0 || string(bytes.TrimSpace(f.Value)) == "null" {
			return errs.BadRequest("invalid_field", "field %q needs a value", name)
		}
	}
	// Check the values' types by decoding them as a request would be.
	var r keypair.CreateRequest
	if err := p.apply(&r); err != nil {
		return err
	}
	if p.ExpiresAfter != nil && (p.ExpiresAfter.D <= 0 || p.ExpiresAfter.D > MaxTestKeypairLife) {
		return errs.BadRequest("invalid_expires_after", "expires_after must be more than 0 and at most 30d, got %s", p.ExpiresAfter)
	}
	return nil
}

// category is the category the profile sets, "" if it sets none.
func (p *KeypairProfile) category() string {
	var c string
	if f, ok := p.Fields["category"]; ok {
		_ = json.Unmarshal(f.Value, &c)
	}
	return c
}

// apply fills r's unset fields from the profile and refuses values that
// differ from fixed ones.
func (p *KeypairProfile) apply(r *keypair.CreateRequest) error {
	raw, err := json.Marshal(r)
	if err != nil {
		return errs.Internal(err)
	}
	req := map[string]json.RawMessage{}
	if err := json.Unmarshal(raw, &req); err != nil {
		return errs.Internal(err)
	}
	names := make([]string, 0, len(p.Fields))
	for n := range p.Fields {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		f := p.Fields[name]
		got, set := req[name]
		set = set && !zeroJSON(got)
		switch {
		case !set:
			req[name] = f.Value
		case f.Fixed && !sameJSON(got, f.Value):
			return errs.BadRequest("profile_field_fixed", "keypair profile %s fixes %s to %s; the request asks for %s", p.Name, name, f.Value, got)
		}
		if f.Fixed && !set && isFalse(f.Value) {
			delete(req, name) // a fixed false stays unset: the same thing
		}
	}
	raw, _ = json.Marshal(req)
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var out keypair.CreateRequest
	if err := dec.Decode(&out); err != nil {
		return errs.BadRequest("invalid_field", "keypair profile %s: a field has a value of the wrong type: %v", p.Name, err)
	}
	*r = out
	return nil
}

func isFalse(v json.RawMessage) bool { return string(bytes.TrimSpace(v)) == "false" }

// zeroJSON reports whether a request value is its type's zero value, which
// the request leaves unset.
func zeroJSON(v json.RawMessage) bool {
	switch string(bytes.TrimSpace(v)) {
	case `""`, "0", "false", "null", "[]", "{}":
		return true
	}
	return false
}

// sameJSON reports whether two JSON values are equal.
func sameJSON(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	ja, _ := json.Marshal(x)
	jb, _ := json.Marshal(y)
	return bytes.Equal(ja, jb)
}
