// Package pki is Signet's certificate plumbing: a small certificate
// authority, certificate templates, PKCS#12 bundles, PEM encoding and safe
// file writing.
//
// It is deliberately small. The full private CA (certificate profiles for
// code signing, CRL and OCSP, the time-stamping authority) grows from the
// [CA] and [Template] types here.
//
// # Certificate authority
//
// [NewRoot] makes a self-signed root, [CA.NewIntermediate] a subordinate CA,
// and [CA.Issue] signs a certificate from a [Template]. The signer is any
// [crypto.Signer], so a CA key may live in memory, in the database (disk
// keys) or on an HSM. [ServerTemplate] and [ClientTemplate] are the presets
// for the server's TLS certificate and for users' client authentication
// certificates; [UserID] maps a client certificate back to its user.
//
// # Files
//
// [EncodePKCS12] and [DecodePKCS12] write and read the password-protected
// bundles handed to clients (readable by OpenSSL 3 and Java).
// [EncodeCertificatesPEM], [EncodePrivateKeyPEM] and their parsers handle PEM;
// [WriteFileAtomic] writes a file in one step with a given mode. Passwords
// come from [GeneratePassword].
package pki
