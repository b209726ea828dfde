// Package p11 is the logic of libsignet-pkcs11, the PKCS#11 2.40 module
// that exposes Signet keypairs to signing tools (pkcs11-tool, OpenSSL with
// pkcs11-provider or the libp11 engine, osslsigncode, jarsigner and
// apksigner through SunPKCS11, gpg through gnupg-pkcs11-scd). It is pure Go;
// cmd/libsignet-pkcs11 holds only the cgo shims that convert C types and
// call a [Module]. Only digests (or, for pure Ed25519, short messages) leave
// the machine: hash-and-sign mechanisms hash locally.
//
// # Token
//
// One slot (0) holds one token labelled "signet". For each active keypair
// the caller may see (with keypair.view, or because the caller may sign
// with it) there is a private key (CKA_SIGN), a public key
// (CKA_VERIFY) and, when the keypair has a certificate, an X.509
// certificate object, plus one object per chain certificate (category
// authority, deduplicated). A keypair's objects share CKA_LABEL = alias and
// CKA_ID = [ObjectID] of the keypair id: the 16 bytes of the UUID, so
// `pkcs11-tool --id` takes the id without dashes, and
// pkcs11:token=signet;object=ALIAS names the key. Private keys are
// sensitive and not extractable.
//
// # Login and PIN
//
// When the configuration has an API key (the usual case) the token does not
// set CKF_LOGIN_REQUIRED and every object is public (CKA_PRIVATE false), so
// tools that never log in find and use the keys. C_Login accepts any PIN
// (tools such as pkcs11-tool -l, jarsigner -storepass or an OpenSSL URI
// with pin-value insist on one): the credentials are the API key and the
// client certificate, not the PIN. CKF_PROTECTED_AUTHENTICATION_PATH is not
// set, as SunPKCS11 then refuses a password.
//
// Without an API key the token is in PIN mode: it sets CKF_LOGIN_REQUIRED,
// shows no objects before login, and C_Login takes the PIN as the API key,
// checks it by listing the keypairs (CKR_PIN_INCORRECT when refused; the
// search that follows uses that list) and keeps it until logout or the
// last session closes. The client certificate still
// comes from the configuration.
//
// # Configuration
//
// From the environment: SIGNET_HOST, SIGNET_API_KEY, SIGNET_CLIENT_CERT_FILE
// (PKCS#12), SIGNET_CLIENT_CERT_PASSWORD, SIGNET_CA_FILE, with the SM_
// fallbacks of package client. SIGNET_PKCS11_CONFIG may name a file of
// NAME=value lines with the same names (see [ParseConfig]); the
// environment wins over it. SIGNET_PKCS11_LOG sets the log level (off,
// error, warn, info, debug; default error) and SIGNET_PKCS11_LOG_FILE the
// file (default stderr). SIGNET_PKCS11_KEYS, a comma-separated list of
// aliases or path.Match patterns ("release-*"), limits the keypairs the
// token shows; the libp11 engine (osslsigncode, openssl -engine pkcs11)
// up to 0.4.12 stops listing keys at the first one it does not know, such
// as Ed25519, so list only the keys such tools use. PINs, API keys and
// passwords are never logged. A
// bad configuration does not fail C_Initialize; it is logged and searches
// then fail with CKR_FUNCTION_FAILED.
//
// # Objects and caching
//
// The keypair list is fetched when a search starts and reused for 5
// seconds, so a dynamic key's new generation shows up at the next search.
// With an API key from the configuration and Env.CacheDir set, the list
// is shared for those 5 seconds with the next processes (see keyCache)
// and so are TLS sessions (client.WithSessionCache), unless
// SIGNET_PKCS11_CACHE is "off": a build that runs one tool process per
// file then lists the keypairs once and resumes TLS instead of a full
// mutual-TLS handshake.
// Handles stay the same for the same key across refreshes; a replaced key
// (a dynamic keypair's new generation) or certificate gets new handles and
// the old ones become invalid, so a tool cannot pair a signature by the
// new key with the certificate it read before. Every
// signature returned by the server is verified with the public key the
// tool sees; a mismatch (the key was replaced meanwhile) gives
// CKR_KEY_CHANGED and a refresh, never a wrong signature.
//
// # Mechanisms
//
// CKM_RSA_PKCS takes a DER DigestInfo of SHA-256/384/512 (what the libp11
// engine, osslsigncode and gpg send); a bare hash is refused with
// CKR_DATA_INVALID since the hash cannot be known. CKM_SHA{256,384,512}_RSA_PKCS
// and _RSA_PKCS_PSS, CKM_ECDSA_SHA{256,384,512} hash locally and stream
// through C_SignUpdate. CKM_RSA_PKCS_PSS takes a digest; PSS parameters must
// be MGF1 with the same hash and a salt as long as the hash. CKM_ECDSA takes
// a 32, 48 or 64-byte digest and returns r||s. CKM_EDDSA signs pure Ed25519
// (messages up to 64 KiB), or Ed25519ph with CK_EDDSA_PARAMS phFlag set.
// Verification is local. Backend refusals map to CKR_FUNCTION_REJECTED
// (policy, quota, credentials), CKR_DEVICE_ERROR (network, server).
package p11
