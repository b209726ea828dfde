// Package hsm is the key backend for PKCS#11 tokens (hardware security
// modules; SoftHSM2 in tests). Keys are generated on the token as
// sensitive, non-extractable token objects and never leave it.
//
// It needs cgo. Built without cgo, or with the nohsm build tag, the package
// registers a backend whose New reports that PKCS#11 support is missing.
//
// # Handles
//
// A key's handle URI is an RFC 7512 PKCS#11 URI naming the token label and
// the key's CKA_ID, e.g. "pkcs11:token=signet;id=%8f%02...": see [URI].
// The private and public key objects share that CKA_ID and carry the keypair
// alias as CKA_LABEL.
//
// # Sessions
//
// Each backend keeps a pool of sessions (Options.PoolSize, default 8) and
// logs in once. When the token reports that the login was lost
// (CKR_USER_NOT_LOGGED_IN, or a stale object handle after a logout) the
// backend logs in again and retries the operation once; a dead session is
// replaced and the operation retried once. A module loaded by several
// backends in one process is initialized once and finalized when the last
// of them is closed.
//
// # Signing
//
// The signers map crypto.SignerOpts to mechanisms: RSA PKCS#1 v1.5 is
// CKM_RSA_PKCS over a DigestInfo the backend builds; RSA-PSS is
// CKM_RSA_PKCS_PSS (salt length as in rsa.PSSOptions); ECDSA is CKM_ECDSA,
// whose r||s output is returned ASN.1 DER encoded as ecdsa.SignASN1 does;
// Ed25519 is CKM_EDDSA. Digests must be SHA-256, SHA-384 or SHA-512 and of
// that length.
//
// Ed25519ph (ed25519.Options with Hash SHA-512) is asked of the token with
// CK_EDDSA_PARAMS{phFlag: true} and its result checked against the public
// key before it is returned. SoftHSM2 2.6.1 ignores phFlag and signs the
// digest as a pure Ed25519 message, so on SoftHSM2 Ed25519ph fails with a
// clear error; pure Ed25519 works.
package hsm
