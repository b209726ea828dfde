package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// TOTP settings (RFC 6238): 30-second steps, 6 digits, HMAC-SHA-1 (what
// every authenticator app supports), a 160-bit secret, and one step of
// clock skew either way. Each step's code is accepted once.
const (
	TOTPPeriod = 30
	TOTPSkew   = 1
)

var totpOpts = totp.ValidateOpts{Period: TOTPPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// NewTOTP makes a secret for account and its otpauth:// provisioning URI.
func NewTOTP(issuer, account string) (secret, uri string, err error) {
	k, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: account, Period: TOTPPeriod,
		SecretSize: 20, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return "", "", err
	}
	return k.Secret(), k.URL(), nil
}

// TOTPCode returns the code of secret at t (for tests and tools).
func TOTPCode(secret string, t time.Time) (string, error) {
	return totp.GenerateCodeCustom(secret, t, totpOpts)
}

// MatchTOTP finds the time step, within the skew window around now, whose
// code is code. Every candidate is compared in constant time. The caller
// must then record the step as used, so that the code works once.
func MatchTOTP(secret, code string, now time.Time) (step int64, ok bool) {
	code = strings.TrimSpace(code)
	if len(code) != int(otp.DigitsSix) {
		return 0, false
	}
	for d := -TOTPSkew; d <= TOTPSkew; d++ {
		t := now.Add(time.Duration(d*TOTPPeriod) * time.Second)
		want, err := totp.GenerateCodeCustom(secret, t, totpOpts)
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			step, ok = t.Unix()/TOTPPeriod, true
		}
	}
	return step, ok
}

// RecoveryCodes is how many one-time recovery codes an enrolment makes.
const RecoveryCodes = 10

// NewRecoveryCodes returns n codes of 80 random bits, xxxx-xxxx-xxxx-xxxx.
func NewRecoveryCodes(n int) []string {
	out := make([]string, n)
	for i := range out {
		var b [10]byte
		if _, err := rand.Read(b[:]); err != nil {
			panic("auth: crypto/rand failed: " + err.Error())
		}
		s := strings.ToLower(b32.EncodeToString(b[:]))
		out[i] = s[0:4] + "-" + s[4:8] + "-" + s[8:12] + "-" + s[12:16]
	}
	return out
}

// HashRecoveryCode returns the stored form of a recovery code, ignoring
// case, spaces and dashes. SHA-256 fits: each code has 80 random bits.
func HashRecoveryCode(code string) []byte {
	c := strings.NewReplacer("-", "", " ", "").Replace(strings.ToLower(code))
	h := sha256.Sum256([]byte("signet recovery code\x00" + c))
	return h[:]
}
