package keypair

import (
	"regexp"
	"slices"
	"strings"

	"github.com/signet-project/signet/internal/errs"
	"github.com/signet-project/signet/internal/keys"
	"github.com/signet-project/signet/internal/sigalg"
)

// CreateRequest is the body of a keypair generation request.
type CreateRequest struct {
	Alias         string   `json:"alias"`
	Type          string   `json:"type,omitempty"`     // static (default) or dynamic
	Algorithm     string   `json:"algorithm"`          // rsa, ecdsa, eddsa
	KeySize       int      `json:"key_size,omitempty"` // RSA: 2048, 3072 (default), 4096
	Curve         string   `json:"curve,omitempty"`    // ECDSA: P-256 (default), P-384, P-521
	Category      string   `json:"category,omitempty"` // production (default) or test
	Storage       string   `json:"storage,omitempty"`  // disk or hsm; server default if empty
	Status        string   `json:"status,omitempty"`   // online (default) or offline
	Access        string   `json:"access,omitempty"`   // open (default) or restricted
	AllowedUsers  []string `json:"allowed_users,omitempty"`
	AllowedGroups []string `json:"allowed_groups,omitempty"`
	Team          string   `json:"team,omitempty"`
	Profile       string   `json:"profile,omitempty"`
	// RotatePerSignature replaces a dynamic keypair's key after each signature.
	RotatePerSignature bool `json:"rotate_per_signature,omitempty"`
	// GenerateCert also issues a certificate under CertProfile (by default
	// the certificate profile of the keypair's category), which renews
	// itself before it expires when AutoRenew is set.
	GenerateCert bool   `json:"generate_cert,omitempty"`
	CertProfile  string `json:"cert_profile,omitempty"`
	AutoRenew    bool   `json:"auto_renew,omitempty"`
}

var aliasRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)

func oneOf(field, v string, allowed ...string) error {
	if slices.Contains(allowed, v) {
		return nil
	}
	return errs.BadRequest("invalid_"+field, "%s must be one of %s, got %q", field, strings.Join(allowed, ", "), v)
}

// Normalize fills defaults and validates every field.
func (r *CreateRequest) Normalize(defaultStorage string) error {
	if !aliasRE.MatchString(r.Alias) {
		return errs.BadRequest("invalid_alias", "alias must be 1-128 characters of letters, digits, '.', '_' or '-', starting with a letter or digit")
	}
	def := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	def(&r.Type, TypeStatic)
	def(&r.Category, CategoryProduction)
	def(&r.Storage, defaultStorage)
	def(&r.Status, StatusOnline)
	def(&r.Access, AccessOpen)
	r.Algorithm = strings.ToLower(r.Algorithm)
	checks := []error{
		oneOf("type", r.Type, TypeStatic, TypeDynamic),
		oneOf("algorithm", r.Algorithm, string(sigalg.RSA), string(sigalg.ECDSA), string(sigalg.Ed25519)),
		oneOf("category", r.Category, CategoryProduction, CategoryTest),
		oneOf("storage", r.Storage, StorageDisk, StorageHSM),
		oneOf("status", r.Status, StatusOnline, StatusOffline),
		oneOf("access", r.Access, AccessOpen, AccessRestricted),
	}
	for _, err := range checks {
		if err != nil {
			return err
		}
	}
	switch sigalg.KeyType(r.Algorithm) {
	case sigalg.RSA:
		if r.KeySize == 0 {
			r.KeySize = 3072
		}
		if r.KeySize != 2048 && r.KeySize != 3072 && r.KeySize != 4096 {
			return errs.BadRequest("invalid_key_size", "RSA key_size must be 2048, 3072 or 4096, got %d", r.KeySize)
		}
		if r.Curve != "" {
			return errs.BadRequest("invalid_curve", "curve applies to ECDSA keys only")
		}
	case sigalg.ECDSA:
		def(&r.Curve, "P-256")
		if err := oneOf("curve", r.Curve, "P-256", "P-384", "P-521"); err != nil {
			return err
		}
		if r.KeySize != 0 {
			return errs.BadRequest("invalid_key_size", "key_size applies to RSA keys only; ECDSA takes curve")
		}
	case sigalg.Ed25519:
		if (r.Curve != "" && !strings.EqualFold(r.Curve, "Ed25519")) || r.KeySize != 0 {
			return errs.BadRequest("invalid_curve", "EdDSA keys are Ed25519: give neither key_size nor another curve")
		}
		r.Curve = "Ed25519"
	}
	if (r.CertProfile != "" || r.AutoRenew) && !r.GenerateCert {
		return errs.BadRequest("invalid_generate_cert", "cert_profile and auto_renew apply with generate_cert only")
	}
	if r.RotatePerSignature && r.Type != TypeDynamic {
		return errs.BadRequest("invalid_rotate_per_signature", "rotate_per_signature applies to dynamic keypairs only")
	}
	if r.Access == AccessOpen && (len(r.AllowedUsers) > 0 || len(r.AllowedGroups) > 0) {
		return errs.BadRequest("invalid_access", "allowed_users and allowed_groups need access \"restricted\"")
	}
	if r.Access == AccessRestricted && len(r.AllowedUsers) == 0 && len(r.AllowedGroups) == 0 {
		return errs.BadRequest("invalid_access", "a restricted keypair needs at least one of allowed_users or allowed_groups")
	}
	return nil
}

// KeyAlgorithm returns the keys.Algorithm the request asks for.
func (r *CreateRequest) KeyAlgorithm() keys.Algorithm {
	return keys.Algorithm{Type: sigalg.KeyType(r.Algorithm), Bits: r.KeySize, Curve: r.Curve}
}
