package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"strings"
)

// TokenPrefix starts every API token, so secret scanners can recognise them.
const TokenPrefix = "sgn_"

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewTokenSecret returns a fresh API token secret (160 random bits), the
// visible prefix to show in listings, and the hash to store.
func NewTokenSecret() (secret, prefix string, hash []byte) {
	var b [20]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("auth: crypto/rand failed: " + err.Error())
	}
	secret = TokenPrefix + strings.ToLower(b32.EncodeToString(b[:]))
	return secret, secret[:len(TokenPrefix)+8], HashToken(secret)
}

// HashToken returns the stored form of a token secret. A plain SHA-256 fits:
// the secret has 160 random bits, so there is nothing to brute-force.
func HashToken(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// LooksLikeToken reports whether s has the shape of a Signet API token.
func LooksLikeToken(s string) bool {
	return strings.HasPrefix(s, TokenPrefix) && len(s) == len(TokenPrefix)+32
}
