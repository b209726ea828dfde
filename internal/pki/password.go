package pki

import (
	"crypto/rand"
	"math/big"
	"strings"
)

// passwordAlphabet is the letters and digits without the look-alikes
// 0 O o 1 l I: 56 symbols, about 5.8 bits each.
const passwordAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz"

// Password shape: passwordGroups groups of passwordGroupLen symbols joined by
// "-": 24 symbols, about 139 bits.
const (
	passwordGroups   = 6
	passwordGroupLen = 4
)

// GeneratePassword returns a new random password of about 139 bits, such as
// "7kQm-Xp3v-..."; it is URL-safe, shell-safe and free of look-alike
// characters, so it can be read out or typed.
func GeneratePassword() string {
	var b strings.Builder
	n := big.NewInt(int64(len(passwordAlphabet)))
	for i := range passwordGroups * passwordGroupLen {
		if i > 0 && i%passwordGroupLen == 0 {
			b.WriteByte('-')
		}
		r, err := rand.Int(rand.Reader, n)
		if err != nil {
			panic("pki: crypto/rand failed: " + err.Error()) // crypto/rand does not fail on Linux
		}
		b.WriteByte(passwordAlphabet[r.Int64()])
	}
	return b.String()
}
