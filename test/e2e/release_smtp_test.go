//go:build e2e

package e2e

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// smtpSink is internal/notify/testdata/smtpd.py, a real SMTP server
// (aiosmtpd, Debian's python3-aiosmtpd) that requires STARTTLS and AUTH
// and appends each message it accepts to a file as a JSON line.
type smtpSink struct {
	port   int
	caFile string // its certificate, for notify.smtp.ca_file
	out    string
}

// smtpMessage is what smtpd.py records of a message.
type smtpMessage struct {
	MailFrom string   `json:"mail_from"`
	RcptTos  []string `json:"rcpt_tos"`
	Data     string   `json:"data"`
	Login    string   `json:"login"`
	TLS      bool     `json:"tls"`
}

func startSMTPSink(t *testing.T, user, password string) *smtpSink {
	t.Helper()
	dir := t.TempDir()
	s := &smtpSink{caFile: filepath.Join(dir, "smtp.crt"), out: filepath.Join(dir, "messages.jsonl")}
	keyFile := filepath.Join(dir, "smtp.key")
	writeLoopbackCert(t, s.caFile, keyFile)
	cmd := exec.Command("/usr/bin/python3", "../../internal/notify/testdata/smtpd.py", s.caFile, keyFile, s.out, user, password)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting the SMTP server (python3-aiosmtpd, scripts/deps.sh): %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if s.port, _ = strconv.Atoi(strings.TrimPrefix(strings.TrimSpace(line), "port ")); err != nil || s.port == 0 {
		t.Fatalf("the SMTP server did not start (python3-aiosmtpd installed? scripts/deps.sh): %q %v\n%s", line, err, stderr.String())
	}
	return s
}

// wait returns the first message; e-mail is sent in the background.
func (s *smtpSink) wait(t *testing.T) smtpMessage {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		data, err := os.ReadFile(s.out)
		if err == nil && bytes.IndexByte(data, '\n') > 0 {
			var m smtpMessage
			if err := json.Unmarshal(data[:bytes.IndexByte(data, '\n')], &m); err != nil {
				t.Fatal(err)
			}
			return m
		}
		if time.Now().After(deadline) {
			t.Fatal("no e-mail within a minute")
		}
	}
}

// writeLoopbackCert writes a self-signed certificate for 127.0.0.1 and its key.
func writeLoopbackCert(t *testing.T, certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "smtp.e2e"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
}
