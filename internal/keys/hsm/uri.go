package hsm

import (
	"errors"
	"fmt"
	"strings"
)

// URI is an RFC 7512 PKCS#11 URI that names a key by token label and CKA_ID.
type URI struct {
	Token  string // token label
	ID     []byte // CKA_ID of the key objects
	Object string // CKA_LABEL; optional, informative only
}

// String formats u as "pkcs11:token=<label>;id=%xx%xx..." (plus
// ";object=<label>" when Object is set). Every id byte is percent-encoded, as
// is every byte of the labels outside RFC 3986's unreserved set.
func (u URI) String() string {
	var b strings.Builder
	b.WriteString("pkcs11:token=")
	escape(&b, []byte(u.Token), false)
	b.WriteString(";id=")
	escape(&b, u.ID, true)
	if u.Object != "" {
		b.WriteString(";object=")
		escape(&b, []byte(u.Object), false)
	}
	return b.String()
}

func escape(b *strings.Builder, s []byte, all bool) {
	const hex = "0123456789abcdef"
	for _, c := range s {
		if !all && unreserved(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
}

func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// ParseURI parses a PKCS#11 URI with the path attributes token and id (both
// required), and optionally object and type. Query attributes (such as
// pin-value) and other path attributes are refused.
func ParseURI(s string) (URI, error) {
	rest, ok := strings.CutPrefix(s, "pkcs11:")
	if !ok {
		return URI{}, errors.New(`keys/hsm: key URI must start with "pkcs11:"`)
	}
	if strings.Contains(rest, "?") {
		return URI{}, errors.New("keys/hsm: key URI must not have query attributes")
	}
	var u URI
	seen := map[string]bool{}
	for attr := range strings.SplitSeq(rest, ";") {
		name, raw, ok := strings.Cut(attr, "=")
		if !ok {
			return URI{}, fmt.Errorf("keys/hsm: key URI attribute %q has no value", attr)
		}
		if seen[name] {
			return URI{}, fmt.Errorf("keys/hsm: key URI repeats attribute %q", name)
		}
		seen[name] = true
		v, err := unescape(raw)
		if err != nil {
			return URI{}, fmt.Errorf("keys/hsm: key URI attribute %q: %w", name, err)
		}
		switch name {
		case "token":
			u.Token = string(v)
		case "id":
			u.ID = v
		case "object":
			u.Object = string(v)
		case "type":
			// Informative; the backend looks up key objects by class itself.
		default:
			return URI{}, fmt.Errorf("keys/hsm: key URI attribute %q is not supported", name)
		}
	}
	if u.Token == "" || len(u.ID) == 0 {
		return URI{}, errors.New("keys/hsm: key URI needs both token and id")
	}
	return u, nil
}

func unescape(s string) ([]byte, error) {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '%' {
			out = append(out, c)
			continue
		}
		if i+2 >= len(s) {
			return nil, errors.New("truncated percent escape")
		}
		hi, lo := unhex(s[i+1]), unhex(s[i+2])
		if hi < 0 || lo < 0 {
			return nil, fmt.Errorf("bad percent escape %q", s[i:i+3])
		}
		out = append(out, byte(hi<<4|lo))
		i += 2
	}
	return out, nil
}

func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c - 'a' + 10)
	case 'A' <= c && c <= 'F':
		return int(c - 'A' + 10)
	}
	return -1
}
