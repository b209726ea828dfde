package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strconv"
	"strings"
	"time"
)

// SMTP sends notifications by e-mail.
type SMTP struct {
	Host     string
	Port     int // default 587
	From     string
	To       []string // approver addresses
	Username string   // empty: no authentication
	Password string
	// RootCAs verifies the server's certificate after STARTTLS (default:
	// the system roots).
	RootCAs *x509.CertPool
	// Hello is the name given in EHLO (default "localhost").
	Hello string
}

// LogValue keeps the password out of logs.
func (s *SMTP) LogValue() slog.Value {
	pw := "not set"
	if s.Password != "" {
		pw = "set"
	}
	return slog.GroupValue(slog.String("addr", s.addr()), slog.String("from", s.From),
		slog.Any("to", s.To), slog.String("username", s.Username), slog.String("password", pw))
}

func (s *SMTP) addr() string {
	port := s.Port
	if port == 0 {
		port = 587
	}
	return net.JoinHostPort(s.Host, strconv.Itoa(port))
}

// send delivers one message for ev over a fresh connection.
func (s *SMTP) send(ctx context.Context, timeout time.Duration, ev Event) error {
	from, to, extra, err := s.addresses(ev.approvers)
	if err != nil {
		return permanent{err}
	}
	msg, err := s.message(ev, from, to)
	if err != nil {
		return permanent{err}
	}
	d := net.Dialer{Timeout: timeout}
	conn, err := d.DialContext(ctx, "tcp", s.addr())
	if err != nil {
		return err
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	c, err := smtp.NewClient(conn, s.Host)
	if err != nil {
		conn.Close()
		return smtpErr(err)
	}
	defer c.Close()
	hello := s.Hello
	if hello == "" {
		hello = "localhost"
	}
	if err := c.Hello(hello); err != nil {
		return smtpErr(err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		if err := c.StartTLS(&tls.Config{ServerName: s.Host, RootCAs: s.RootCAs, MinVersion: tls.VersionTLS12}); err != nil {
			return permanent{fmt.Errorf("STARTTLS: %w", err)}
		}
	}
	if s.Username != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return permanent{errors.New("the server offers no AUTH (over this connection); the credentials were not sent")}
		}
		// PlainAuth refuses to send the password without TLS, except to localhost.
		if err := c.Auth(smtp.PlainAuth("", s.Username, s.Password, s.Host)); err != nil {
			return smtpErr(fmt.Errorf("AUTH: %w", err))
		}
	}
	if err := c.Mail(from.Address); err != nil {
		return smtpErr(err)
	}
	for _, a := range to {
		if err := c.Rcpt(a.Address); err != nil {
			return smtpErr(fmt.Errorf("RCPT TO %s: %w", a.Address, err))
		}
	}
	// Approvers' own addresses are envelope recipients only (they do not
	// see each other's), and best effort: one the relay refuses (a gone
	// mailbox, a domain it does not relay to) costs nobody else the mail.
	for _, a := range extra {
		_ = c.Rcpt(a.Address)
	}
	w, err := c.Data()
	if err != nil {
		return smtpErr(err)
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return smtpErr(err)
	}
	return c.Quit()
}

// smtpErr marks 5xx replies as permanent.
func smtpErr(err error) error {
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 {
		return permanent{err}
	}
	if err != nil && strings.Contains(err.Error(), "unencrypted connection") {
		return permanent{err} // PlainAuth refused to send the password in clear
	}
	return err
}

// addresses parses From and To ("Name <a@b>" or "a@b"), and the
// approvers' addresses not already in To (extra), each recipient once. An
// approver's address that does not parse is left out; a configured one
// fails the delivery.
func (s *SMTP) addresses(approvers []string) (from *mail.Address, to, extra []*mail.Address, err error) {
	if from, err = mail.ParseAddress(s.From); err != nil {
		return nil, nil, nil, fmt.Errorf("from %q: %w", s.From, err)
	}
	seen := map[string]bool{}
	for _, a := range s.To {
		addr, err := mail.ParseAddress(a)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("to %q: %w", a, err)
		}
		if k := strings.ToLower(addr.Address); !seen[k] {
			seen[k] = true
			to = append(to, addr)
		}
	}
	if len(to) == 0 {
		return nil, nil, nil, errors.New("no recipient")
	}
	for _, a := range approvers {
		if addr, err := mail.ParseAddress(a); err == nil && !seen[strings.ToLower(addr.Address)] {
			seen[strings.ToLower(addr.Address)] = true
			extra = append(extra, addr)
		}
	}
	return from, to, extra, nil
}

// message renders ev as an RFC 5322 message with a quoted-printable body.
func (s *SMTP) message(ev Event, from *mail.Address, to []*mail.Address) ([]byte, error) {
	toList := make([]string, len(to))
	for i, a := range to {
		toList[i] = a.String()
	}
	r := ev.Release
	name := r.Name
	if r.Version != "" {
		name += " " + r.Version
	}
	var id [12]byte
	_, _ = rand.Read(id[:])
	domain := from.Address[strings.LastIndexByte(from.Address, '@')+1:]
	var b bytes.Buffer
	header := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	header("From", from.String())
	header("To", strings.Join(toList, ", "))
	header("Subject", mime.QEncoding.Encode("utf-8", "Signet: release "+clean(name)+" waits for your approval"))
	header("Date", ev.Time.Format(time.RFC1123Z))
	header("Message-ID", "<"+hex.EncodeToString(id[:])+"@"+domain+">")
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	header("X-Signet-Event", ev.Event)
	header("X-Signet-Delivery", ev.ID)
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	fmt.Fprintf(qp, "%s requested release %s, an offline release that needs approval.\r\n\r\n", clean(r.RequestedBy), clean(name))
	line := func(k, v string) {
		if v != "" {
			fmt.Fprintf(qp, "%-20s %s\r\n", k+":", clean(v))
		}
	}
	line("Release ID", r.ID)
	line("Type", r.Type)
	line("Keypairs", strings.Join(r.KeypairAliases, ", "))
	line("Window (UTC)", r.Start.UTC().Format(time.RFC3339)+" to "+r.End.UTC().Format(time.RFC3339))
	line("Maximum signatures", strconv.Itoa(r.MaxSignatures))
	line("Approvals needed", strconv.Itoa(r.ApprovalsRequired))
	line("Note", r.Note)
	fmt.Fprintf(qp, "\r\nTo decide, with your API key and client certificate:\r\n\r\n  %s\r\n  %s\r\n", r.Approve, r.Reject)
	if err := qp.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// clean drops control characters, so that no value can break a line.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}
