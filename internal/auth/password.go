package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Argon2Params are the argon2id parameters of a password hash. They are
// stored with each hash (PHC string format), so they can be raised later:
// a hash made with weaker ones is replaced at the next sign-in.
type Argon2Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8  // lanes
	SaltLen int
	KeyLen  int
}

// DefaultArgon2 is RFC 9106's second recommended option (section 4):
// argon2id, 64 MiB, 3 passes, 4 lanes, 128-bit salt, 256-bit tag. On a
// 2-core server one hash takes about a hundred milliseconds; sign-ins hash
// at most [MaxConcurrentHashes] at a time, so memory stays bounded and the
// signing path keeps a core.
var DefaultArgon2 = Argon2Params{Memory: 64 * 1024, Time: 3, Threads: 4, SaltLen: 16, KeyLen: 32}

// Password length limits (NIST SP 800-63B: long passphrases welcome).
const (
	MinPasswordLen = 12
	MaxPasswordLen = 1024
)

var b64 = base64.RawStdEncoding

// HashPassword returns the PHC string of password under p:
// $argon2id$v=19$m=65536,t=3,p=4$<salt>$<hash>.
func HashPassword(password string, p Argon2Params) string {
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		panic("auth: crypto/rand failed: " + err.Error())
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(p.KeyLen))
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key))
}

// VerifyPassword checks password against a PHC string in constant time.
// weaker reports that the hash's parameters are below want, so that the
// caller may store a new hash.
func VerifyPassword(password, phc string, want Argon2Params) (ok, weaker bool, err error) {
	p, salt, key, err := parsePHC(phc)
	if err != nil {
		return false, false, err
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	ok = subtle.ConstantTimeCompare(got, key) == 1
	weaker = p.Memory < want.Memory || p.Time < want.Time || len(key) < want.KeyLen || len(salt) < want.SaltLen
	return ok, weaker, nil
}

func parsePHC(phc string) (p Argon2Params, salt, key []byte, err error) {
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return p, nil, nil, errors.New("auth: not an argon2id PHC string")
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return p, nil, nil, fmt.Errorf("auth: unsupported argon2 version %q", parts[2])
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return p, nil, nil, fmt.Errorf("auth: argon2 parameters %q: %w", parts[3], err)
	}
	if p.Memory > 4<<20 || p.Time > 100 || p.Threads == 0 || p.Time == 0 {
		return p, nil, nil, fmt.Errorf("auth: argon2 parameters %q out of range", parts[3])
	}
	if salt, err = b64.DecodeString(parts[4]); err != nil {
		return p, nil, nil, errors.New("auth: argon2 salt is not base64")
	}
	if key, err = b64.DecodeString(parts[5]); err != nil || len(key) < 16 {
		return p, nil, nil, errors.New("auth: argon2 hash is not base64 of at least 16 bytes")
	}
	p.SaltLen, p.KeyLen = len(salt), len(key)
	return p, salt, key, nil
}
