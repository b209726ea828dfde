package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Headers of a webhook delivery.
const (
	HeaderSignature = "X-Signet-Signature-256" // "sha256=" + hex HMAC-SHA256 of the body
	HeaderEvent     = "X-Signet-Event"
	HeaderDelivery  = "X-Signet-Delivery"
)

// Webhook is a URL that receives events, and the secret they are signed with.
type Webhook struct {
	URL    string
	Secret []byte
}

// Sign returns the X-Signet-Signature-256 value of body under secret.
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// VerifySignature reports whether header is the signature of body under
// secret, comparing in constant time.
func VerifySignature(secret, body []byte, header string) bool {
	return hmac.Equal([]byte(Sign(secret, body)), []byte(header))
}

func (w Webhook) post(ctx context.Context, hc *http.Client, ev Event) error {
	body, err := json.Marshal(ev)
	if err != nil {
		return permanent{err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return permanent{withoutURL(err)}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "signetd-webhook")
	req.Header.Set(HeaderEvent, ev.Event)
	req.Header.Set(HeaderDelivery, ev.ID)
	req.Header.Set(HeaderSignature, Sign(w.Secret, body))
	resp, err := hc.Do(req)
	if err != nil {
		return withoutURL(err)
	}
	defer resp.Body.Close()
	excerpt, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode/100 == 2 {
		return nil
	}
	err = fmt.Errorf("HTTP %s: %s", resp.Status, strings.TrimSpace(string(excerpt)))
	if resp.StatusCode/100 == 4 && resp.StatusCode != http.StatusRequestTimeout && resp.StatusCode != http.StatusTooManyRequests {
		return permanent{err}
	}
	return err
}

// withoutURL drops the URL an *url.Error repeats: its path or query may
// hold a token.
func withoutURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// redactedURL is the URL for logs: scheme and host only. User information,
// path and query are left out: each may carry a token (Slack, Discord and
// Teams webhooks carry theirs in the path).
func (w Webhook) redactedURL() string {
	u, err := url.Parse(w.URL)
	if err != nil {
		return "(invalid URL)"
	}
	if u.Path != "" && u.Path != "/" {
		return u.Scheme + "://" + u.Host + "/..."
	}
	return u.Scheme + "://" + u.Host
}
