package client

import "time"

// Algorithm is a key algorithm with its size or curve.
type Algorithm struct {
	Type  string `json:"type"`            // rsa, ecdsa, eddsa
	Bits  int    `json:"bits,omitempty"`  // RSA modulus size
	Curve string `json:"curve,omitempty"` // P-256, P-384, P-521, Ed25519
}

// Keypair is a keypair as the API shows it.
type Keypair struct {
	ID            string    `json:"id"`
	Alias         string    `json:"alias"`
	Type          string    `json:"type"` // static, dynamic
	Algorithm     Algorithm `json:"algorithm"`
	Category      string    `json:"category"` // production, test
	Storage       string    `json:"storage"`  // disk, hsm
	Status        string    `json:"status"`   // online, offline
	Access        string    `json:"access"`   // open, restricted
	AllowedUsers  []string  `json:"allowed_users"`
	AllowedGroups []string  `json:"allowed_groups"`
	Team          string    `json:"team,omitempty"`
	Profile       string    `json:"profile,omitempty"`
	State         string    `json:"state"` // active, suspended, destroyed
	Generation    int       `json:"generation"`
	// RotatePerSignature: a dynamic keypair's key is replaced after each
	// signature; RotatedAt is when its current generation was made.
	RotatePerSignature bool              `json:"rotate_per_signature,omitempty"`
	RotatedAt          *time.Time        `json:"rotated_at,omitempty"`
	CreatedBy          string            `json:"created_by"`
	CreatedAt          time.Time         `json:"created_at"`
	UpdatedAt          time.Time         `json:"updated_at"`
	DestroyedAt        *time.Time        `json:"destroyed_at,omitempty"`
	PublicKeyPEM       string            `json:"public_key_pem"`
	Fingerprints       map[string]string `json:"fingerprints,omitempty"`

	// CertificatePEM is the default certificate and ChainPEM its chain
	// (intermediates then root); both empty when the keypair has none.
	CertificatePEM string `json:"certificate_pem,omitempty"`
	ChainPEM       string `json:"chain_pem,omitempty"`
}

// KeypairFilter selects keypairs to list; zero fields match everything.
type KeypairFilter struct {
	Alias    string // prefix match
	State    string
	Storage  string
	Status   string
	Category string
	Type     string
}

type keypairPage struct {
	Keypairs []Keypair `json:"keypairs"`
	Next     string    `json:"next"`
}

// SignRequest asks for one signature. Hash is the digest (or, for pure
// Ed25519, the message itself).
type SignRequest struct {
	SigAlg   string `json:"sig_alg"` // e.g. SHA256withECDSA; see internal/sigalg
	Hash     []byte `json:"hash"`
	Tool     string `json:"tool,omitempty"`
	FileName string `json:"file_name,omitempty"`
	FileSize int64  `json:"file_size,omitempty"`
	// Timestamp asks for an RFC 3161 token over the signature.
	Timestamp bool `json:"timestamp,omitempty"`
	// Generation, when set, is the key generation expected: the server
	// refuses another (keypair_rotated) before signing.
	Generation int `json:"generation,omitempty"`
}

// SignResponse is one signature: PKCS#1 v1.5 or PSS bytes for RSA, DER for
// ECDSA, 64 bytes for Ed25519.
type SignResponse struct {
	Signature   []byte `json:"signature"`
	SignatureID string `json:"signature_id"`
	KeypairID   string `json:"keypair_id"`
	Alias       string `json:"alias"`
	Generation  int    `json:"generation"`
	SigAlg      string `json:"sig_alg"`
	// TimestampToken is the RFC 3161 token (DER) over Signature, when asked.
	TimestampToken []byte `json:"timestamp_token,omitempty"`
}

// BatchItem is one digest of a [BatchSignRequest].
type BatchItem struct {
	Hash     []byte `json:"hash"`
	FileName string `json:"file_name,omitempty"`
	FileSize int64  `json:"file_size,omitempty"`
}

// BatchSignRequest asks for up to 1000 signatures with one algorithm.
type BatchSignRequest struct {
	SigAlg string      `json:"sig_alg"`
	Tool   string      `json:"tool,omitempty"`
	Items  []BatchItem `json:"items"`
	// Timestamp asks for an RFC 3161 token over every signature.
	Timestamp bool `json:"timestamp,omitempty"`
}

type batchSignResponse struct {
	Signatures []SignResponse `json:"signatures"`
}

// User is the caller as /api/v1/me shows it.
type User struct {
	ID     string   `json:"id"`
	Name   string   `json:"name"`
	Roles  []string `json:"roles"`
	Groups []string `json:"groups"`
}

// Me tells who the caller is and what it may do.
type Me struct {
	User         User     `json:"user"`
	Permissions  []string `json:"permissions"`
	SecondFactor bool     `json:"second_factor"` // the client certificate was presented and accepted
}
