// Package ca is Signet's private certificate authority: the CA hierarchy,
// certificate and keypair profiles, the certificates of keypairs, and
// revocation (CRLs and OCSP).
//
// # Hierarchy
//
// On first start [Service.Ensure] creates a root CA, an issuing
// intermediate below it, and the time-stamping authority's certificate, with
// keys in the configured backend (the HSM when there is one). Their handles
// are kept in the authorities table, apart from keypairs, so no keypair API
// (signing, the PKCS#11 module) can reach a CA key. More intermediates can
// be added with [Service.CreateCA]. Other nodes find a CA made on one node
// when a lookup misses: the hierarchy is read again, keeping the keys
// already open, at most once per ten seconds for lookups that requests
// (anonymous ones included) drive, at once for those that stored records
// or the periodic jobs drive.
//
// # Certificates
//
// A keypair gets certificates issued under a certificate profile
// ([CertProfile]: subject template, validity, key usages, revocation URLs),
// or imports one issued elsewhere from a Signet-made CSR. One certificate
// per keypair is its default; the keypair API shows it as certificate_pem
// with chain_pem (intermediates, then the root). Default certificates may
// renew themselves before they expire.
//
// # Revocation
//
// Each CA publishes a CRL at a stable URL, regenerated on every revocation
// and on schedule; an OCSP responder (RFC 6960) answers for every
// certificate Signet issued. Regeneration is idempotent across nodes: a CRL
// replaces the stored one only if its number is the next. The CRL a
// revocation publishes lists it: when another node stored a CRL built
// before the revocation committed, it is rebuilt on the next number.
package ca
