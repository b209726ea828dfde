//go:build e2e

package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestWalkthrough is the README's five minutes with curl, automated: curl
// and openssl are the only client programs. JSON fields are picked out in
// Go where the README pipes into a JSON tool.
func TestWalkthrough(t *testing.T) {
	dir := t.TempDir()
	startDev(t, dir)
	w := &walk{t: t, dir: dir, work: t.TempDir(), env: readEnv(t, filepath.Join(dir, "credentials.env"))}
	host := w.env["SIGNET_HOST"]

	var me struct {
		User         struct{ Name string } `json:"user"`
		SecondFactor bool                  `json:"second_factor"`
	}
	w.json(w.sig(host+"/api/v1/me"), &me)
	if me.User.Name != "admin" || !me.SecondFactor {
		t.Fatalf("/api/v1/me: user %q second_factor %v, want admin with the client certificate", me.User.Name, me.SecondFactor)
	}

	cases := []struct {
		name, create, sigAlg string
		pkeyopt              []string
	}{
		{"ecdsa-p256", `"algorithm":"ecdsa","curve":"P-256"`, "SHA256withECDSA", nil},
		{"rsa-3072", `"algorithm":"rsa","key_size":3072`, "SHA256withRSA", []string{"-pkeyopt", "digest:sha256"}},
	}
	for _, storage := range []string{"disk", "hsm"} {
		for _, c := range cases {
			t.Run(storage+"/"+c.name, func(t *testing.T) {
				w := w.sub(t)
				alias := "release-" + storage + "-" + c.name
				created := w.sig("--json", `{"alias":"`+alias+`",`+c.create+`,"storage":"`+storage+`"}`, host+"/api/v1/keypairs")
				var kp keypair
				w.json(created, &kp)
				if kp.Alias != alias || kp.Storage != storage {
					t.Fatalf("created %s on %q, want %s on %s", kp.Alias, kp.Storage, alias, storage)
				}
				w.json(w.sig(host+"/api/v1/keypairs/"+alias), &kp)
				w.write(alias+".pub", kp.PublicKeyPEM)

				// Hash locally, send only the digest, get the signature back.
				w.write("app.bin", "my release "+alias+"\n")
				w.openssl("dgst", "-sha256", "-binary", "-out", "app.sha256", "app.bin")
				h := strings.TrimSpace(w.openssl("base64", "-A", "-in", "app.sha256"))
				var s struct {
					Signature   string `json:"signature"` // base64
					SignatureID string `json:"signature_id"`
				}
				w.json(w.sig("--json", `{"sig_alg":"`+c.sigAlg+`","hash":"`+h+`"}`, host+"/api/v1/keypairs/"+alias+"/sign"), &s)
				w.write(alias+".sig.b64", s.Signature+"\n")
				w.openssl("base64", "-d", "-A", "-in", alias+".sig.b64", "-out", alias+".sig")

				// Anyone verifies with the public key alone.
				out := w.openssl(append([]string{"pkeyutl", "-verify", "-pubin", "-inkey", alias + ".pub",
					"-in", "app.sha256", "-sigfile", alias + ".sig"}, c.pkeyopt...)...)
				if !strings.Contains(out, "Signature Verified Successfully") {
					t.Errorf("openssl pkeyutl -verify: %s", out)
				}
				out = w.openssl("dgst", "-sha256", "-verify", alias+".pub", "-signature", alias+".sig", "app.bin")
				if !strings.Contains(out, "Verified OK") {
					t.Errorf("openssl dgst -verify: %s", out)
				}
				// ...and only for the file that was signed.
				w.write("other.bin", "not my release\n")
				if out, ok := w.opensslFails("dgst", "-sha256", "-verify", alias+".pub", "-signature", alias+".sig", "other.bin"); !ok {
					t.Errorf("openssl dgst -verify accepted the signature for another file: %s", out)
				}

				// The signature log holds the request with the same digest and signature.
				var logs struct {
					Records []sigRecord `json:"records"`
				}
				w.json(w.sig(host+"/api/v1/logs/signatures?keypair="+kp.ID), &logs)
				digest, sig := w.read("app.sha256"), w.read(alias+".sig")
				if len(logs.Records) != 1 || logs.Records[0].ID != s.SignatureID || logs.Records[0].Status != "signed" ||
					!bytes.Equal(logs.Records[0].Digest, digest) || !bytes.Equal(logs.Records[0].Signature, sig) {
					t.Errorf("signature log of %s: %+v, want one signed record %s", alias, logs.Records, s.SignatureID)
				}
			})
		}
	}

	t.Run("no client certificate", func(t *testing.T) {
		w := w.sub(t)
		w.write("app.bin", "unsigned\n")
		w.openssl("dgst", "-sha256", "-binary", "-out", "app.sha256", "app.bin")
		h := strings.TrimSpace(w.openssl("base64", "-A", "-in", "app.sha256"))
		body, ok := w.curlFails("-sS", "--fail-with-body", "--cacert", w.env["SIGNET_CA_FILE"], "-H", "x-api-key: "+w.env["SIGNET_API_KEY"],
			"--json", `{"sig_alg":"SHA256withECDSA","hash":"`+h+`"}`, host+"/api/v1/keypairs/release-disk-ecdsa-p256/sign")
		var e apiError
		_ = json.Unmarshal(body, &e)
		if !ok || e.Code != "client_certificate_required" {
			t.Errorf("signing with the token alone: %s, want an error with code client_certificate_required", body)
		}
	})
	auditVerify(t, nil, "--data-dir", dir)
}

// walk runs curl and openssl in a working directory with the dev credentials.
type walk struct {
	t    *testing.T
	dir  string // the signetd dev data directory
	work string
	env  map[string]string
}

func (w *walk) sub(t *testing.T) *walk {
	return &walk{t: t, dir: w.dir, work: t.TempDir(), env: w.env}
}

// sig is the README's sig(): curl with the CA, the client certificate and
// the API token.
func (w *walk) sig(args ...string) []byte {
	w.t.Helper()
	full := append([]string{"-sS", "--fail-with-body", "--cacert", w.env["SIGNET_CA_FILE"],
		"--cert", filepath.Join(w.dir, "client.crt"), "--key", filepath.Join(w.dir, "client.key"),
		"-H", "x-api-key: " + w.env["SIGNET_API_KEY"]}, args...)
	out, errOut, err := w.exec("curl", full...)
	if err != nil {
		w.t.Fatalf("curl %s: %v\n%s%s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

// curlFails runs curl and reports whether it failed, with its output.
func (w *walk) curlFails(args ...string) ([]byte, bool) {
	w.t.Helper()
	out, _, err := w.exec("curl", args...)
	return out, err != nil
}

func (w *walk) openssl(args ...string) string {
	w.t.Helper()
	out, errOut, err := w.exec("openssl", args...)
	if err != nil {
		w.t.Fatalf("openssl %s: %v\n%s%s", strings.Join(args, " "), err, out, errOut)
	}
	return string(out)
}

// opensslFails runs openssl and reports whether it exited 1, with its output.
func (w *walk) opensslFails(args ...string) (string, bool) {
	w.t.Helper()
	out, errOut, err := w.exec("openssl", args...)
	var ee *exec.ExitError
	return string(out) + string(errOut), errors.As(err, &ee) && ee.ExitCode() == 1
}

// exec runs a program in the working directory.
func (w *walk) exec(name string, args ...string) (stdout, stderr []byte, err error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = w.work
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.Bytes(), e.Bytes(), err
}

func (w *walk) read(name string) []byte {
	w.t.Helper()
	b, err := os.ReadFile(filepath.Join(w.work, name))
	if err != nil {
		w.t.Fatal(err)
	}
	return b
}

func (w *walk) write(name, content string) {
	w.t.Helper()
	if err := os.WriteFile(filepath.Join(w.work, name), []byte(content), 0o600); err != nil {
		w.t.Fatal(err)
	}
}

func (w *walk) json(data []byte, v any) {
	w.t.Helper()
	if err := json.Unmarshal(data, v); err != nil {
		w.t.Fatalf("decoding %s: %v", data, err)
	}
}
