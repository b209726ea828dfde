package hsm

import (
	"bytes"
	"testing"
)

func TestURI(t *testing.T) {
	for _, c := range []struct {
		name string
		u    URI
		s    string
	}{
		{"plain", URI{Token: "signet", ID: []byte{0x01, 0xab}}, "pkcs11:token=signet;id=%01%ab"},
		{"escaped label", URI{Token: "my token;1", ID: []byte{0}}, "pkcs11:token=my%20token%3b1;id=%00"},
		{"object", URI{Token: "t", ID: []byte{1}, Object: "release-key"}, "pkcs11:token=t;id=%01;object=release-key"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := c.u.String(); got != c.s {
				t.Fatalf("String() = %q; want %q", got, c.s)
			}
			got, err := ParseURI(c.s)
			if err != nil {
				t.Fatal(err)
			}
			if got.Token != c.u.Token || !bytes.Equal(got.ID, c.u.ID) || got.Object != c.u.Object {
				t.Fatalf("ParseURI(%q) = %+v; want %+v", c.s, got, c.u)
			}
		})
	}
}

func TestParseURIRefuses(t *testing.T) {
	for _, s := range []string{
		"", "pkcs11:", "file:token=a;id=%01", "pkcs11:token=a", "pkcs11:id=%01",
		"pkcs11:token=a;id=%0", "pkcs11:token=a;id=%zz", "pkcs11:token=a;token=b;id=%01",
		"pkcs11:token=a;id=%01?pin-value=1234", "pkcs11:token=a;id=%01;slot-id=3", "pkcs11:token=a;id",
	} {
		if u, err := ParseURI(s); err == nil {
			t.Errorf("ParseURI(%q) = %+v; want an error", s, u)
		}
	}
	if _, err := ParseURI("pkcs11:type=private;id=%01;token=T%41"); err != nil {
		t.Errorf("attributes in another order: %v", err)
	}
}

// FuzzParseURI checks that ParseURI never panics and that what it accepts
// formats to a URI that parses to the same key.
func FuzzParseURI(f *testing.F) {
	f.Add("pkcs11:token=signet;id=%01%02")
	f.Add("pkcs11:token=a%20b;id=%ff;object=x;type=private")
	f.Add("pkcs11:token=;id=%")
	f.Fuzz(func(t *testing.T, s string) {
		u, err := ParseURI(s)
		if err != nil {
			return
		}
		v, err := ParseURI(u.String())
		if err != nil {
			t.Fatalf("ParseURI(%q) of a formatted URI: %v", u.String(), err)
		}
		if v.Token != u.Token || !bytes.Equal(v.ID, u.ID) || v.Object != u.Object {
			t.Fatalf("round trip: %+v != %+v", v, u)
		}
	})
}
