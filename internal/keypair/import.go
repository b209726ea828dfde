package keypair

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/errs"
	"github.com/signet-project/signet/internal/guard"
	"github.com/signet-project/signet/internal/keys"
	"github.com/signet-project/signet/internal/pki"
	"github.com/signet-project/signet/internal/policy"
	"github.com/signet-project/signet/internal/sigalg"
	"github.com/signet-project/signet/internal/store"
)

// ImportRequest imports an existing private key as a static keypair: a
// PKCS#8 PEM ("PRIVATE KEY") or a PKCS#12 file with its password. The
// algorithm comes from the key. The key is stored by the backend (sealed
// in the database, or on the HSM as non-extractable) and never returned.
type ImportRequest struct {
	KeyPEM   string `json:"key_pem,omitempty"`
	PKCS12   []byte `json:"pkcs12,omitempty"` // base64 in JSON
	Password string `json:"password,omitempty"`

	Category      string   `json:"category,omitempty"`
	Storage       string   `json:"storage,omitempty"`
	Status        string   `json:"status,omitempty"`
	Access        string   `json:"access,omitempty"`
	AllowedUsers  []string `json:"allowed_users,omitempty"`
	AllowedGroups []string `json:"allowed_groups,omitempty"`
	Team          string   `json:"team,omitempty"`
	Profile       string   `json:"profile,omitempty"`
}

// Import stores an existing private key as keypair alias. It needs
// keypair.import and the second factor, like generation.
func (s *Service) Import(ctx context.Context, p policy.Principal, alias string, r ImportRequest) (*Keypair, error) {
	id := uuid.Must(uuid.NewV7()).String()
	t := guard.Target{Type: "Keypair", Action: "Import", ID: id, Name: alias}
	if err := s.Guard.Check(ctx, p, policy.Request{Action: policy.KeypairImport, Team: r.Team}, t); err != nil {
		return nil, err
	}
	key, err := parseImport(r)
	if err != nil {
		return nil, err
	}
	alg, err := algorithmOf(key)
	if err != nil {
		return nil, err
	}
	cr := CreateRequest{Alias: alias, Algorithm: string(alg.Type), KeySize: alg.Bits, Curve: alg.Curve,
		Category: r.Category, Storage: r.Storage, Status: r.Status, Access: r.Access,
		AllowedUsers: r.AllowedUsers, AllowedGroups: r.AllowedGroups, Team: r.Team, Profile: r.Profile}
	if alg.Type == sigalg.Ed25519 {
		cr.Curve = ""
	}
	if err := s.importProfile(ctx, p, &cr, alg, t); err != nil {
		return nil, err
	}
	imp, ok := s.Backends[cr.Storage].(keys.Importer)
	if !ok {
		return nil, errs.BadRequest("storage_unavailable", "storage %q is not configured on this server or cannot import keys", cr.Storage)
	}
	if _, err := s.Store.GetKeypair(ctx, alias); err == nil {
		return nil, errs.Conflict("alias_taken", "a keypair with alias %q already exists", alias)
	}
	h, err := imp.Import(ctx, keys.Spec{ID: id, Label: alias, Algorithm: cr.KeyAlgorithm()}, key)
	if err != nil {
		return nil, errs.Wrap(err, http.StatusBadGateway, "key_backend_error", "the %s key backend could not import the key", cr.Storage)
	}
	der, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		return nil, errs.Internal(err)
	}
	now := s.Guard.Now().UTC().Truncate(time.Microsecond)
	kp := &Keypair{ID: id, Alias: alias, Type: TypeStatic, Algorithm: cr.KeyAlgorithm(), Category: cr.Category,
		Storage: cr.Storage, Status: cr.Status, Access: cr.Access, AllowedUsers: nonNil(cr.AllowedUsers),
		AllowedGroups: nonNil(cr.AllowedGroups), Team: cr.Team, Profile: cr.Profile, State: StateActive,
		Generation: 1, Handle: h, PublicKey: der, CreatedBy: p.UserID, CreatedAt: now, UpdatedAt: now, RotatedAt: now}
	if err := s.Store.CreateKeypair(ctx, kp, s.Guard.Event(ctx, p, t, audit.Allowed, "")); err != nil {
		_ = s.Backends[cr.Storage].Destroy(ctx, h)
		if errors.Is(err, store.ErrConflict) {
			return nil, errs.Conflict("alias_taken", "a keypair with alias %q already exists", alias)
		}
		return nil, errs.Internal(err)
	}
	if s.Hooks != nil {
		if err := s.Hooks.AfterGenerate(ctx, p, kp, cr); err != nil {
			return kp, err
		}
	}
	return kp, nil
}

// importProfile applies keypair profiles (and the account's demand for one)
// to an import as to a generation: the profile may set fields and a team,
// but not change the key, which is given.
func (s *Service) importProfile(ctx context.Context, p policy.Principal, cr *CreateRequest, alg keys.Algorithm, t guard.Target) error {
	team := cr.Team
	if s.Hooks != nil {
		if err := s.Hooks.BeforeGenerate(ctx, p, cr); err != nil {
			return err
		}
	}
	if cr.Type != "" && cr.Type != TypeStatic {
		return errs.BadRequest("profile_type_mismatch", "keypair profile %s makes %s keypairs; an imported key is static", cr.Profile, cr.Type)
	}
	if err := cr.Normalize(s.DefaultStorage); err != nil {
		return err
	}
	if got := cr.KeyAlgorithm(); got.Type != alg.Type || got.Bits != alg.Bits || (alg.Type == sigalg.ECDSA && got.Curve != alg.Curve) {
		return errs.BadRequest("profile_key_mismatch", "keypair profile %s asks for a %s key; the imported key is %s",
			cr.Profile, describeAlg(got), describeAlg(alg))
	}
	if cr.Team != team { // the profile put it in a team: may p import there?
		return s.Guard.Check(ctx, p, policy.Request{Action: policy.KeypairImport, Team: cr.Team}, t)
	}
	return nil
}

func describeAlg(a keys.Algorithm) string {
	switch {
	case a.Bits > 0:
		return fmt.Sprintf("%s %d", a.Type, a.Bits)
	case a.Curve != "" && a.Type != sigalg.Ed25519:
		return fmt.Sprintf("%s %s", a.Type, a.Curve)
	}
	return string(a.Type)
}

// parseImport reads the one key of the request.
func parseImport(r ImportRequest) (crypto.Signer, error) {
	switch {
	case (r.KeyPEM == "") == (len(r.PKCS12) == 0):
		return nil, errs.BadRequest("invalid_key", "give exactly one of key_pem (PKCS#8 PEM) or pkcs12 (base64, with password)")
	case r.KeyPEM != "":
		k, err := pki.ParsePrivateKeyPEM([]byte(r.KeyPEM))
		if err != nil {
			return nil, errs.BadRequest("invalid_key", "key_pem must hold one unencrypted PKCS#8 PRIVATE KEY block: %s", pemHint(r.KeyPEM, err))
		}
		return k, nil
	}
	k, _, _, err := pki.DecodePKCS12(r.PKCS12, r.Password)
	switch {
	case errors.Is(err, pki.ErrWrongPassword):
		return nil, errs.BadRequest("wrong_password", "the PKCS#12 password is wrong")
	case err != nil:
		return nil, errs.BadRequest("invalid_key", "pkcs12 is not a PKCS#12 file with one private key and its certificate")
	}
	return k, nil
}

// pemHint says what is wrong with a key_pem and how to fix it.
func pemHint(data string, err error) string {
	const convert = "convert it with: openssl pkcs8 -topk8 -nocrypt -in KEY -out key.p8.pem"
	blk, _ := pem.Decode([]byte(data))
	switch {
	case blk == nil:
		return "no PEM block found"
	case blk.Type == "EC PRIVATE KEY" || blk.Type == "RSA PRIVATE KEY":
		return "this is a " + blk.Type + " block (SEC1 or PKCS#1); " + convert
	case blk.Type == "ENCRYPTED PRIVATE KEY":
		return "the key is encrypted: import it as pkcs12 with its password, or " + convert
	case blk.Type != "PRIVATE KEY":
		return "found a " + strconv.Quote(blk.Type) + " block"
	}
	return strings.TrimPrefix(err.Error(), "pki: ")
}

// algorithmOf tells an importable key's algorithm.
func algorithmOf(key crypto.Signer) (keys.Algorithm, error) {
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if n := k.N.BitLen(); n != 2048 && n != 3072 && n != 4096 {
			return keys.Algorithm{}, errs.BadRequest("invalid_key_size", "the imported RSA key has %d bits; Signet takes RSA keys of 2048, 3072 or 4096 bits", n)
		}
		return keys.Algorithm{Type: sigalg.RSA, Bits: k.N.BitLen()}, nil
	case *ecdsa.PrivateKey:
		return keys.Algorithm{Type: sigalg.ECDSA, Curve: k.Curve.Params().Name}, nil
	case ed25519.PrivateKey:
		return keys.Algorithm{Type: sigalg.Ed25519, Curve: "Ed25519"}, nil
	}
	return keys.Algorithm{}, errs.BadRequest("unsupported_key", "only RSA, ECDSA and Ed25519 keys can be imported, not %T", key)
}
