package api_test

import (
	"database/sql"
	"encoding/pem"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/signet-project/signet/internal/server/servertest"
)

// certKeypair is a keypair view with its certificate.
type certKeypair struct {
	ID             string     `json:"id"`
	Alias          string     `json:"alias"`
	Generation     int        `json:"generation"`
	CertificatePEM string     `json:"certificate_pem"`
	ChainPEM       string     `json:"chain_pem"`
	ExpiresAt      *time.Time `json:"expires_at"`
}

// certOut is a certificate view.
type certOut struct {
	ID             string `json:"id"`
	KeypairID      string `json:"keypair_id"`
	Serial         string `json:"serial"`
	Status         string `json:"status"`
	Profile        string `json:"profile"`
	Source         string `json:"source"`
	Default        bool   `json:"default"`
	AutoRenew      bool   `json:"auto_renew"`
	Generation     int    `json:"generation"`
	CertificatePEM string `json:"certificate_pem"`
	ChainPEM       string `json:"chain_pem"`
	Reason         int    `json:"revocation_reason"`
}

// certList lists certificates.
type certListOut struct {
	Certificates []certOut `json:"certificates"`
}

// workDir holds the files given to the tools of one test.
type workDir string

func newWorkDir(t *testing.T) workDir { return workDir(t.TempDir()) }

func (d workDir) path(name string) string { return filepath.Join(string(d), name) }

func (d workDir) write(t *testing.T, name string, data []byte) string {
	t.Helper()
	if err := os.WriteFile(d.path(name), data, 0o600); err != nil {
		t.Fatal(err)
	}
	return d.path(name)
}

// tool runs a program of the system (openssl, osslsigncode, jarsigner,
// keytool, go) in d and returns its combined output.
func (d workDir) tool(t *testing.T, name string, args ...string) (string, error) {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is needed: run scripts/deps.sh", name)
	}
	cmd := exec.Command(path, args...)
	cmd.Dir = string(d)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// must runs a tool and fails the test if it fails.
func (d workDir) must(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := d.tool(t, name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

// fetch GETs path without credentials and returns the body, failing the
// test unless the status is 200.
func fetch(t *testing.T, env *servertest.Env, path string) []byte {
	t.Helper()
	resp, err := env.HTTPClient(nil).Get(env.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s %s", path, resp.Status, b)
	}
	return b
}

// post sends body with a content type, without credentials.
func post(t *testing.T, env *servertest.Env, path, ctype string, body []byte) (*http.Response, []byte) {
	t.Helper()
	resp, err := env.HTTPClient(nil).Post(env.URL+path, ctype, strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// pkiFiles are a keypair's certificate and Signet's CA files for tools.
type pkiFiles struct {
	leaf, chain, root, issuing, bundle string
	// trust holds Signet's root and the test server's TLS root, for tools
	// that reach the server over HTTPS.
	trust string
}

// certFiles writes a keypair's certificate_pem and chain_pem, and the root
// downloaded from the public endpoint.
func certFiles(t *testing.T, env *servertest.Env, d workDir, kp certKeypair) pkiFiles {
	t.Helper()
	if kp.CertificatePEM == "" || kp.ChainPEM == "" {
		t.Fatalf("keypair %s has no certificate_pem/chain_pem", kp.Alias)
	}
	root := fetch(t, env, "/api/v1/ca/root/certificate")
	issuing := fetch(t, env, "/api/v1/ca/issuing/certificate")
	tlsRoot := pemCert(env.CA.Root().Raw)
	return pkiFiles{
		leaf:    d.write(t, kp.Alias+".pem", []byte(kp.CertificatePEM)),
		chain:   d.write(t, kp.Alias+".chain.pem", []byte(kp.ChainPEM)),
		bundle:  d.write(t, kp.Alias+".bundle.pem", []byte(kp.CertificatePEM+kp.ChainPEM)),
		root:    d.write(t, "root.pem", root),
		issuing: d.write(t, "issuing.pem", issuing),
		trust:   d.write(t, "trust.pem", append(append([]byte{}, root...), tlsRoot...)),
	}
}

func pemCert(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// rawDB is the store's database, to look at what it recorded.
func rawDB(t *testing.T, env *servertest.Env) *sql.DB {
	t.Helper()
	s, ok := env.Store.(interface{ SQL() *sql.DB })
	if !ok {
		t.Fatalf("%T has no SQL()", env.Store)
	}
	return s.SQL()
}
