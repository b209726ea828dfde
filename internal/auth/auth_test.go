package auth

import (
	"bytes"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// fast are weak parameters for tests of the format, not of strength.
var fast = Argon2Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func TestPasswordHash(t *testing.T) {
	h := HashPassword("correct horse", fast)
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("PHC string %q", h)
	}
	if h2 := HashPassword("correct horse", fast); h2 == h {
		t.Fatal("two hashes of one password share a salt")
	}
	for _, tc := range []struct {
		pw         string
		want       Argon2Params
		ok, weaker bool
	}{
		{"correct horse", fast, true, false},
		{"correct horsE", fast, false, false},
		{"correct horse", DefaultArgon2, true, true}, // stored under weaker parameters: rehash
	} {
		ok, weaker, err := VerifyPassword(tc.pw, h, tc.want)
		if err != nil || ok != tc.ok || weaker != tc.weaker {
			t.Errorf("VerifyPassword(%q): ok %v weaker %v err %v", tc.pw, ok, weaker, err)
		}
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=64,t=1,p=1$c2FsdA$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=99999999,t=1,p=1$c2FsdA$aGFzaGhhc2hoYXNoaGFzaA", "$argon2id$v=19$m=64,t=1,p=1$!!$aGFzaA"} {
		if _, _, err := VerifyPassword("x", bad, fast); err == nil {
			t.Errorf("VerifyPassword accepted %q", bad)
		}
	}
}

// TestTOTPVectors checks codes against RFC 6238, appendix B (SHA-1; the
// last 6 of its 8 digits).
func TestTOTPVectors(t *testing.T) {
	secret := "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" // "12345678901234567890"
	for unix, want := range map[int64]string{59: "287082", 1111111109: "081804", 1111111111: "050471", 1234567890: "005924", 2000000000: "279037"} {
		if got, err := TOTPCode(secret, time.Unix(unix, 0)); err != nil || got != want {
			t.Errorf("T=%d: %q %v, want %q", unix, got, err, want)
		}
	}
}

func TestMatchTOTPWindow(t *testing.T) {
	secret, _, err := NewTOTP("Signet", "alice")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_800_000_015, 0) // step 60000000, 15 s in
	step := now.Unix() / TOTPPeriod
	for _, tc := range []struct {
		offset time.Duration
		ok     bool
	}{{0, true}, {-30 * time.Second, true}, {30 * time.Second, true}, {-60 * time.Second, false}, {60 * time.Second, false}} {
		code, _ := TOTPCode(secret, now.Add(tc.offset))
		got, ok := MatchTOTP(secret, code, now)
		if ok != tc.ok || (ok && got != step+int64(tc.offset/time.Second)/TOTPPeriod) {
			t.Errorf("code of %v: step %d ok %v", tc.offset, got, ok)
		}
	}
	if _, ok := MatchTOTP(secret, "12345", now); ok {
		t.Error("a 5-digit code matched")
	}
}

func TestRecoveryCodes(t *testing.T) {
	codes := NewRecoveryCodes(RecoveryCodes)
	seen := map[string]bool{}
	for _, c := range codes {
		if len(c) != 19 || strings.Count(c, "-") != 3 || seen[c] {
			t.Fatalf("recovery code %q", c)
		}
		seen[c] = true
	}
	if !bytes.Equal(HashRecoveryCode(codes[0]), HashRecoveryCode(" "+strings.ToUpper(strings.ReplaceAll(codes[0], "-", ""))+" ")) {
		t.Fatal("a recovery code typed without dashes, in capitals, does not match")
	}
}

func TestKeyring(t *testing.T) {
	k1 := bytes.Repeat([]byte{1}, 32)
	old, err := NewKeyring(map[string][]byte{"k1": k1}, "k1")
	if err != nil {
		t.Fatal(err)
	}
	sealed := old.Seal([]byte("JBSWY3DPEHPK3PXP"), []byte("user-1"))
	if bytes.Contains(sealed, []byte("JBSWY3DPEHPK3PXP")) {
		t.Fatal("sealed value holds the plaintext")
	}
	rotated, _ := NewKeyring(map[string][]byte{"k1": k1, "k2": bytes.Repeat([]byte{2}, 32)}, "k2")
	pt, reseal, err := rotated.Open(sealed, []byte("user-1"))
	if err != nil || string(pt) != "JBSWY3DPEHPK3PXP" || !reseal {
		t.Fatalf("open after rotation: %q %v %v", pt, reseal, err)
	}
	if _, _, err := rotated.Open(sealed, []byte("user-2")); err == nil {
		t.Fatal("a secret sealed for one user opened for another")
	}
	only2, _ := NewKeyring(map[string][]byte{"k2": bytes.Repeat([]byte{2}, 32)}, "k2")
	if _, _, err := only2.Open(sealed, []byte("user-1")); err == nil || !strings.Contains(err.Error(), `"k1"`) {
		t.Fatalf("opening without its master key: %v", err)
	}
	if _, err := NewKeyring(map[string][]byte{"k1": k1}, "k9"); err == nil {
		t.Fatal("a keyring whose current key is missing")
	}
}

func TestCSRF(t *testing.T) {
	secret, _ := NewSessionSecret()
	tok := CSRFToken(secret)
	for _, tc := range []struct {
		method, header, origin string
		ok                     bool
	}{
		{"GET", "", "", true},
		{"POST", tok, "", true},
		{"POST", tok, "https://signet.example", true},
		{"POST", "", "", false},
		{"DELETE", CSRFToken(secret + "x"), "", false},
		{"POST", tok, "https://evil.example", false},
	} {
		r := httptest.NewRequest(tc.method, "https://signet.example/api/v1/tokens", nil)
		if tc.header != "" {
			r.Header.Set(CSRFHeader, tc.header)
		}
		if tc.origin != "" {
			r.Header.Set("Origin", tc.origin)
		}
		if got := checkCSRF(r, secret); got != tc.ok {
			t.Errorf("%s header=%v origin=%q: %v", tc.method, tc.header != "", tc.origin, got)
		}
	}
}

// BenchmarkHashPassword times one sign-in's hash under DefaultArgon2.
func BenchmarkHashPassword(b *testing.B) {
	for b.Loop() {
		HashPassword("correct horse battery staple", DefaultArgon2)
	}
}

func TestCheckEmail(t *testing.T) {
	for _, ok := range []string{"", "alice@example.com", "a.b+ci@sub.example.org"} {
		if err := checkEmail(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"a\nb", "alice", "Alice <alice@example.com>", "a@b@c", "alice@example.com, bob@example.com", " alice@example.com"} {
		if err := checkEmail(bad); err == nil {
			t.Errorf("%q was taken", bad)
		}
	}
}
