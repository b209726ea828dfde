//go:build e2e

package pkcs11

import (
	"crypto/sha256"
	"fmt"
	"testing"
)

// TestPerSignatureKey signs three times in a row through the module, each a
// new pkcs11-tool process, with a dynamic keypair replaced after every
// signature: every process sees the current key (the key list is not shared
// between processes for such keypairs), every signature verifies under the
// public key of its own generation, and each generation signs once.
func TestPerSignatureKey(t *testing.T) {
	f := newFixture(t, keySpec{"dyn", map[string]any{"algorithm": "ecdsa", "curve": "P-256",
		"type": "dynamic", "rotate_per_signature": true}})
	sum := sha256.Sum256([]byte("an artifact"))
	hash := f.write("data.sha256", sum[:])
	data := f.write("data.bin", []byte("an artifact"))
	for i := range 3 {
		sig := f.path(fmt.Sprintf("sig%d", i))
		f.ok(t, "pkcs11-tool", "--module", f.module, "--sign", "--id", f.id("dyn"), "-m", "ECDSA",
			"--signature-format", "openssl", "-i", hash, "-o", sig)
	}
	var gens struct {
		Generations []struct {
			Generation   int    `json:"generation"`
			PublicKeyPEM string `json:"public_key_pem"`
		} `json:"generations"`
	}
	kp := f.keys["dyn"]
	if err := f.srv.api.call("GET", "/api/v1/keypairs/"+kp.ID+"/generations", nil, &gens); err != nil {
		t.Fatal(err)
	}
	pubs := map[int]string{}
	for _, g := range gens.Generations {
		pubs[g.Generation] = f.write(fmt.Sprintf("gen%d.pem", g.Generation), []byte(g.PublicKeyPEM))
	}
	rows, err := f.srv.api.signatures(kp.ID)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for _, r := range rows {
		if r.Status != "signed" {
			t.Errorf("row %s: %s %s", r.ID, r.Status, r.ErrorCode)
			continue
		}
		if seen[r.Generation] {
			t.Errorf("generation %d signed twice", r.Generation)
		}
		seen[r.Generation] = true
		sig := f.write("row-"+r.ID, r.Signature)
		f.verified(t, "Verified OK", "openssl", "dgst", "-sha256", "-verify", pubs[r.Generation], "-signature", sig, data)
	}
	if len(seen) != 3 {
		t.Errorf("%d signatures in the log over generations %v, want 3", len(seen), seen)
	}
}
