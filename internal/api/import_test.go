package api_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"database/sql"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/signet-project/signet/internal/keys"
	_ "github.com/signet-project/signet/internal/keys/hsm" // the hsm backend
	"github.com/signet-project/signet/internal/keys/hsm/hsmtest"
	"github.com/signet-project/signet/internal/pki"
	"github.com/signet-project/signet/internal/server/servertest"
)

// TestImportKeypair imports RSA, ECDSA and Ed25519 keys, as PKCS#8 PEM and
// PKCS#12, into disk and HSM storage with both factors, signs with them
// and verifies with the original public keys; the private key is never
// shown again, and the disk copy is sealed.
func TestImportKeypair(t *testing.T) {
	tok := hsmtest.NewToken(t)
	hsm, err := keys.New(context.Background(), "hsm", tok.Options())
	if err != nil {
		t.Fatal(err)
	}
	env := servertest.Start(t, servertest.WithBackend("hsm", hsm)) // closes hsm at shutdown
	lead := env.Lead
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	p12, p12Password := selfSignedP12(t, ecKey)
	pemOf := func(k crypto.Signer) string {
		b, err := pki.EncodePrivateKeyPEM(k)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	imports := []struct {
		alias, storage string
		body           map[string]any
		pub            crypto.PublicKey
	}{
		{"rsa-disk", "disk", map[string]any{"key_pem": pemOf(rsaKey)}, rsaKey.Public()},
		{"ec-hsm-p12", "hsm", map[string]any{"pkcs12": p12, "password": p12Password}, ecKey.Public()},
		{"ed-hsm", "hsm", map[string]any{"key_pem": pemOf(edKey)}, edKey.Public()},
		{"ec-disk-p12", "disk", map[string]any{"pkcs12": p12, "password": p12Password}, ecKey.Public()},
	}
	if r := env.Do(t, tokenOnly(env, lead), "POST", "/api/v1/keypairs/x/import", imports[0].body); r.Status != 403 || r.Code() != "client_certificate_required" {
		t.Fatalf("import with the token only: %s", r)
	}
	for _, im := range imports {
		im.body["storage"] = im.storage
		r := env.MustDo(t, lead, "POST", "/api/v1/keypairs/"+im.alias+"/import", im.body, 201)
		if strings.Contains(string(r.Body), "PRIVATE") || bytes.Contains(r.Body, []byte(p12Password)) {
			t.Fatalf("import answer shows key material: %s", r.Body)
		}
		var kp keypairOut
		r.JSON(t, &kp)
		got, _ := x509.MarshalPKIXPublicKey(publicKey(t, kp))
		want, _ := x509.MarshalPKIXPublicKey(im.pub)
		if !bytes.Equal(got, want) {
			t.Fatalf("%s: the keypair's public key is not the imported key's", im.alias)
		}
	}

	msg := []byte("imported keys sign")
	h256, h384 := sha256.Sum256(msg), sha512.Sum384(msg)
	var out signOut
	env.MustDo(t, lead, "POST", "/api/v1/keypairs/rsa-disk/sign", map[string]any{"sig_alg": "SHA256withRSA", "hash": h256[:]}, 200).JSON(t, &out)
	if err := rsa.VerifyPKCS1v15(rsaKey.Public().(*rsa.PublicKey), crypto.SHA256, h256[:], out.Signature); err != nil {
		t.Fatalf("RSA: %v", err)
	}
	for _, alias := range []string{"ec-hsm-p12", "ec-disk-p12"} {
		env.MustDo(t, lead, "POST", "/api/v1/keypairs/"+alias+"/sign", map[string]any{"sig_alg": "SHA384withECDSA", "hash": h384[:]}, 200).JSON(t, &out)
		if !ecdsa.VerifyASN1(&ecKey.PublicKey, h384[:], out.Signature) {
			t.Fatalf("%s: ECDSA signature does not verify", alias)
		}
	}
	env.MustDo(t, lead, "POST", "/api/v1/keypairs/ed-hsm/sign", map[string]any{"sig_alg": "Ed25519", "hash": msg}, 200).JSON(t, &out)
	if !ed25519.Verify(edKey.Public().(ed25519.PublicKey), msg, out.Signature) {
		t.Fatal("Ed25519 signature does not verify")
	}

	// The disk copy is sealed: the stored blob is not the key's PKCS#8.
	der, _ := x509.MarshalPKCS8PrivateKey(rsaKey)
	var blob []byte
	db := env.Store.(interface{ SQL() *sql.DB }).SQL()
	if err := db.QueryRow(`SELECT handle_blob FROM keypairs WHERE alias = 'rsa-disk'`).Scan(&blob); err != nil {
		t.Fatal(err)
	}
	if len(blob) == 0 || bytes.Contains(blob, der[len(der)-64:]) {
		t.Fatal("the imported disk key is stored in the clear")
	}

	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	for _, bad := range []struct {
		name, alias string
		body        map[string]any
		status      int
		code        string
	}{
		{"wrong PKCS#12 password", "a", map[string]any{"pkcs12": p12, "password": "nope"}, 400, "wrong_password"},
		{"both forms", "b", map[string]any{"pkcs12": p12, "key_pem": pemOf(rsaKey)}, 400, "invalid_key"},
		{"not a key", "c", map[string]any{"key_pem": "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"}, 400, "invalid_key"},
		{"RSA-1024", "d", map[string]any{"key_pem": pemOf(small)}, 400, "invalid_key_size"},
		{"alias taken", "rsa-disk", map[string]any{"key_pem": pemOf(rsaKey)}, 409, "alias_taken"},
	} {
		if r := env.Do(t, lead, "POST", "/api/v1/keypairs/"+bad.alias+"/import", bad.body); r.Status != bad.status || r.Code() != bad.code {
			t.Errorf("%s: %s", bad.name, r)
		}
	}
	// A SEC1 (or PKCS#1) key says how to convert it.
	sec1Key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	sec1, _ := x509.MarshalECPrivateKey(sec1Key)
	sr := env.Do(t, lead, "POST", "/api/v1/keypairs/sec1/import", map[string]any{"key_pem": string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1}))})
	if sr.Status != 400 || sr.Code() != "invalid_key" || !strings.Contains(string(sr.Body), "openssl pkcs8 -topk8") {
		t.Errorf("SEC1 key: %s", sr)
	}
	var ev struct {
		Events []struct{ ResourceName string }
	}
	env.MustDo(t, lead, "GET", "/api/v1/logs/audit?action=Import&result=allowed", nil, 200).JSON(t, &ev)
	if len(ev.Events) != len(imports) {
		t.Fatalf("%d imports audited, want %d", len(ev.Events), len(imports))
	}
}

func selfSignedP12(t *testing.T, key *ecdsa.PrivateKey) ([]byte, string) {
	t.Helper()
	ca, err := pki.NewRoot(pkix.Name{CommonName: "imported"}, key, 24*time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	password := pki.GeneratePassword()
	p12, err := pki.EncodePKCS12(key, ca.Cert, nil, password)
	if err != nil {
		t.Fatal(err)
	}
	return p12, password
}
