package notify_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/signet-project/signet/internal/notify"
)

// smtpd is testdata/smtpd.py, a real SMTP server (aiosmtpd) requiring
// STARTTLS and AUTH, run for one test.
type smtpd struct {
	port  int
	roots *x509.CertPool
	out   string // one JSON line per accepted message
}

// received is what smtpd.py records of a message.
type received struct {
	MailFrom string   `json:"mail_from"`
	RcptTos  []string `json:"rcpt_tos"`
	Data     string   `json:"data"`
	Login    string   `json:"login"`
	TLS      bool     `json:"tls"`
}

// startSMTPD runs the server with a fresh certificate for 127.0.0.1 and
// the login user:password. It needs Debian's python3-aiosmtpd
// (scripts/deps.sh installs it).
func startSMTPD(t *testing.T, user, password string) *smtpd {
	t.Helper()
	dir := t.TempDir()
	certFile, keyFile, roots := serverCert(t, dir)
	s := &smtpd{roots: roots, out: filepath.Join(dir, "messages.jsonl")}
	cmd := exec.Command("/usr/bin/python3", "testdata/smtpd.py", certFile, keyFile, s.out, user, password)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting the SMTP server (python3 with python3-aiosmtpd, see scripts/deps.sh): %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	port, perr := strconv.Atoi(strings.TrimPrefix(strings.TrimSpace(line), "port "))
	if err != nil || perr != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("the SMTP server did not start (is python3-aiosmtpd installed? scripts/deps.sh): %q %v\n%s", line, err, stderr.String())
	}
	s.port = port
	return s
}

func (s *smtpd) messages(t *testing.T) []received {
	t.Helper()
	data, err := os.ReadFile(s.out)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var out []received
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var r received
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// serverCert writes a self-signed certificate for 127.0.0.1 and its key.
func serverCert(t *testing.T, dir string) (certFile, keyFile string, roots *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "smtp.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "smtp.crt"), filepath.Join(dir, "smtp.key")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	roots = x509.NewCertPool()
	roots.AddCert(cert)
	return certFile, keyFile, roots
}

func (s *smtpd) config(password string) *notify.SMTP {
	return &notify.SMTP{Host: "127.0.0.1", Port: s.port, From: "Signet <signet@example.com>",
		To: []string{"approvers@example.com", "Bob <bob@example.com>"}, Username: "signet", Password: password, RootCAs: s.roots}
}

// TestSMTPDelivers: the approval request reaches a real SMTP server over
// STARTTLS, authenticated, addressed to every approver, readable.
func TestSMTPDelivers(t *testing.T) {
	srv := startSMTPD(t, "signet", "mail-pass-123")
	n := fast(notify.Options{SMTP: srv.config("mail-pass-123")})
	r := pending()
	if err := n.ApprovalRequested(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	if err := n.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	msgs := srv.messages(t)
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want 1", len(msgs))
	}
	m := msgs[0]
	if !m.TLS || m.Login != "signet" || m.MailFrom != "signet@example.com" ||
		strings.Join(m.RcptTos, ",") != "approvers@example.com,bob@example.com" {
		t.Fatalf("envelope: %+v", m)
	}
	msg, err := mail.ReadMessage(strings.NewReader(m.Data))
	if err != nil {
		t.Fatal(err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil || subject != "Signet: release v2.1 2.1.0 waits for your approval" {
		t.Fatalf("subject %q (%v)", subject, err)
	}
	if to := msg.Header.Get("To"); !strings.Contains(to, "<approvers@example.com>") || !strings.Contains(to, `"Bob" <bob@example.com>`) {
		t.Fatalf("To: %q", to)
	}
	body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"alice requested release v2.1 2.1.0", "vault-rsa, kp-2", "2026-03-01T09:00:00Z to 2026-03-01T17:00:00Z",
		"Maximum signatures:  20", "signet release approve " + r.ID, "Note:                quarterly"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("body lacks %q:\n%s", want, body)
		}
	}
}

// TestSMTPRefusedLogin: a wrong password is a final failure; the password
// shows in no log line or error, even when the SMTP settings are logged.
func TestSMTPRefusedLogin(t *testing.T) {
	srv := startSMTPD(t, "signet", "right-password")
	var logs bytes.Buffer
	cfg := srv.config("wrong-password-xyz")
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	log.Info("smtp configured", "smtp", cfg)
	n := fast(notify.Options{SMTP: cfg, Log: log})
	err := n.Send(context.Background(), notify.Event{ID: "ev", Release: notify.EventRelease{Release: pending()}})
	if err == nil || !strings.Contains(err.Error(), "535") {
		t.Fatalf("Send with a wrong password: %v, want the server's 535", err)
	}
	if len(srv.messages(t)) != 0 {
		t.Fatal("a message was accepted without a valid login")
	}
	if strings.Contains(logs.String(), "wrong-password-xyz") || strings.Contains(err.Error(), "wrong-password-xyz") {
		t.Fatalf("the password leaked:\n%s\n%v", logs.String(), err)
	}
	if !strings.Contains(logs.String(), `"password":"set"`) || !strings.Contains(logs.String(), "release notification failed") {
		t.Fatalf("logs:\n%s", logs.String())
	}
}

// TestSMTPHeaderInjection: a release name cannot add header lines.
func TestSMTPHeaderInjection(t *testing.T) {
	srv := startSMTPD(t, "signet", "pw")
	n := fast(notify.Options{SMTP: srv.config("pw")})
	r := pending()
	r.Name, r.Version = "evil\r\nBcc: thief@example.net", ""
	if err := n.Send(context.Background(), notify.Event{ID: "ev", Release: notify.EventRelease{Release: r, RequestedBy: "x"}}); err != nil {
		t.Fatal(err)
	}
	m := srv.messages(t)[0]
	msg, err := mail.ReadMessage(strings.NewReader(m.Data))
	if err != nil {
		t.Fatal(err)
	}
	if msg.Header.Get("Bcc") != "" || len(m.RcptTos) != 2 {
		t.Fatalf("injected: Bcc %q, recipients %v", msg.Header.Get("Bcc"), m.RcptTos)
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if subject != "Signet: release evil  Bcc: thief@example.net waits for your approval" {
		t.Fatalf("subject %q", subject)
	}
}

// TestSMTPMailsApprovers: the users who may approve get the request too,
// each address once, beside notify.smtp.to; an address that does not
// parse is left out, one the server refuses costs nobody else the mail,
// and a failed lookup still mails the configured ones.
func TestSMTPMailsApprovers(t *testing.T) {
	srv := startSMTPD(t, "signet", "mail-pass-123")
	o := notify.Options{SMTP: srv.config("mail-pass-123"), Backoff: time.Millisecond, Lookup: lookup}
	var asked []string
	o.Lookup.Approvers = func(_ context.Context, team, requester string) ([]string, error) {
		asked = append(asked, team+"/"+requester)
		return []string{"carol@example.com", "BOB@example.com", "not an address", "dave@refused.example"}, nil
	}
	n := notify.New(o)
	if err := n.ApprovalRequested(context.Background(), pending()); err != nil {
		t.Fatal(err)
	}
	o.Lookup.Approvers = func(context.Context, string, string) ([]string, error) { return nil, errors.New("store down") }
	n2 := notify.New(o)
	if err := n2.ApprovalRequested(context.Background(), pending()); err != nil {
		t.Fatal(err)
	}
	for _, x := range []*notify.Notifier{n, n2} {
		if err := x.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	msgs := srv.messages(t)
	if len(msgs) != 2 {
		t.Fatalf("%d messages, want 2", len(msgs))
	}
	var rcpts []string
	for _, m := range msgs {
		rcpts = append(rcpts, strings.Join(m.RcptTos, ","))
	}
	slices.Sort(rcpts)
	want := []string{"approvers@example.com,bob@example.com", "approvers@example.com,bob@example.com,carol@example.com"}
	if !slices.Equal(rcpts, want) || len(asked) != 1 || asked[0] != "/u-1" {
		t.Fatalf("recipients %q (asked %q), want %q", rcpts, asked, want)
	}
	// Approvers are envelope recipients only: they do not see each other.
	for _, m := range msgs {
		if strings.Contains(m.Data, "carol@") {
			t.Errorf("an approver's address is in the message:\n%s", m.Data)
		}
	}
}
