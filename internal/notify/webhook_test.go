package notify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/signet-project/signet/internal/notify"
	"github.com/signet-project/signet/internal/release"
)

// delivery is one request a test webhook received.
type delivery struct {
	header http.Header
	body   []byte
}

// hook is an httptest server that answers each delivery with the next
// status of statuses (200 once they run out).
type hook struct {
	*httptest.Server
	mu       sync.Mutex
	got      []delivery
	statuses []int
}

func newHook(t *testing.T, statuses ...int) *hook {
	h := &hook{statuses: statuses}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.got = append(h.got, delivery{r.Header.Clone(), body})
		status := 200
		if len(h.statuses) > 0 {
			status, h.statuses = h.statuses[0], h.statuses[1:]
		}
		h.mu.Unlock()
		w.WriteHeader(status)
		_, _ = io.WriteString(w, http.StatusText(status))
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *hook) deliveries() []delivery {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]delivery(nil), h.got...)
}

func pending() *release.Release {
	start := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	return &release.Release{ID: "0197a3c4-0000-7000-8000-000000000001", Name: "v2.1", Version: "2.1.0", Type: release.TypeOffline,
		Status: release.StatusPending, Keypairs: []string{"kp-1", "kp-2"}, Participants: []string{"u-1"},
		Start: start, End: start.Add(8 * time.Hour), MaxSignatures: 20, ApprovalsRequired: 1, Approvals: []release.Approval{},
		CreatedBy: "u-1", Note: "quarterly"}
}

var lookup = notify.Lookup{
	UserName: func(_ context.Context, id string) (string, error) {
		if id == "u-1" {
			return "alice", nil
		}
		return "", errors.New("no such user")
	},
	KeypairAlias: func(_ context.Context, id string) (string, error) {
		if id == "kp-1" {
			return "vault-rsa", nil
		}
		return "", errors.New("not found")
	},
}

func fast(o notify.Options) *notify.Notifier {
	o.Backoff = time.Millisecond
	o.Lookup = lookup
	return notify.New(o)
}

// TestWebhookSignedDelivery: a real HTTP POST whose signature header is the
// HMAC-SHA256 of the body under the secret, with the event's JSON.
func TestWebhookSignedDelivery(t *testing.T) {
	h := newHook(t)
	secret := []byte("s3cret-for-hmac")
	n := fast(notify.Options{Webhooks: []notify.Webhook{{URL: h.URL + "/hooks/signet", Secret: secret}}})
	if err := n.ApprovalRequested(context.Background(), pending()); err != nil {
		t.Fatal(err)
	}
	if err := n.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := h.deliveries()
	if len(got) != 1 {
		t.Fatalf("%d deliveries, want 1", len(got))
	}
	d := got[0]
	sig := d.header.Get(notify.HeaderSignature)
	if !notify.VerifySignature(secret, d.body, sig) || !strings.HasPrefix(sig, "sha256=") {
		t.Fatalf("signature %q does not verify over the body", sig)
	}
	if notify.VerifySignature([]byte("other secret"), d.body, sig) {
		t.Fatal("signature verifies under another secret")
	}
	tampered := bytes.Replace(d.body, []byte(`"max_signatures":20`), []byte(`"max_signatures":2000`), 1)
	if bytes.Equal(tampered, d.body) || notify.VerifySignature(secret, tampered, sig) {
		t.Fatal("signature verifies over a changed body")
	}
	var ev notify.Event
	if err := json.Unmarshal(d.body, &ev); err != nil {
		t.Fatal(err)
	}
	r := ev.Release
	if ev.Event != notify.EventApprovalRequested || d.header.Get(notify.HeaderEvent) != ev.Event ||
		d.header.Get(notify.HeaderDelivery) != ev.ID || ev.ID == "" || d.header.Get("Content-Type") != "application/json" {
		t.Fatalf("event %+v with headers %v", ev, d.header)
	}
	if r.Name != "v2.1" || r.MaxSignatures != 20 || r.RequestedBy != "alice" ||
		strings.Join(r.KeypairAliases, ",") != "vault-rsa,kp-2" || r.Approve != "signet release approve "+r.ID {
		t.Fatalf("release in the event: %+v", r)
	}
}

// TestWebhookRetries: 503 and 429 are tried again, with the same delivery
// id; a 400 is not; the tries run out after 1+Retries.
func TestWebhookRetries(t *testing.T) {
	cases := []struct {
		name     string
		statuses []int
		wantTry  int
		wantErr  bool
	}{
		{"recovers after 503 and 429", []int{503, 429}, 3, false},
		{"400 is final", []int{400}, 1, true},
		{"gives up after the retries", []int{500, 502, 503, 504}, 3, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHook(t, c.statuses...)
			var logs bytes.Buffer
			// A token in the path (as Slack's) and one in the query.
			n := fast(notify.Options{Webhooks: []notify.Webhook{{URL: h.URL + "/services/path-secret?token=query-secret", Secret: []byte("k")}},
				Log: slog.New(slog.NewTextHandler(&logs, nil))})
			err := n.Send(context.Background(), notify.Event{Event: notify.EventApprovalRequested, ID: "ev-1",
				Release: notify.EventRelease{Release: pending()}})
			if (err != nil) != c.wantErr {
				t.Fatalf("Send: %v, want error %v", err, c.wantErr)
			}
			got := h.deliveries()
			if len(got) != c.wantTry {
				t.Fatalf("%d tries, want %d", len(got), c.wantTry)
			}
			for _, d := range got {
				if d.header.Get(notify.HeaderDelivery) != "ev-1" {
					t.Fatalf("retry with delivery id %q", d.header.Get(notify.HeaderDelivery))
				}
			}
			for _, secret := range []string{"query-secret", "path-secret"} {
				if strings.Contains(logs.String(), secret) || (err != nil && strings.Contains(err.Error(), secret)) {
					t.Fatalf("the URL's %s reached the logs or the error:\n%s\n%v", secret, logs.String(), err)
				}
			}
		})
	}
}

// TestWebhookTimeout: an attempt that gets no answer within Timeout is
// abandoned and tried again.
func TestWebhookTimeout(t *testing.T) {
	unblock := make(chan struct{})
	var mu sync.Mutex
	tries := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		tries++
		first := tries == 1
		mu.Unlock()
		if first {
			select { // hang until the client gives up
			case <-r.Context().Done():
			case <-unblock:
			}
			return
		}
		w.WriteHeader(204)
	}))
	defer srv.Close()
	defer close(unblock)
	n := fast(notify.Options{Webhooks: []notify.Webhook{{URL: srv.URL, Secret: []byte("k")}}, Timeout: 200 * time.Millisecond})
	if err := n.Send(context.Background(), notify.Event{ID: "ev", Release: notify.EventRelease{Release: pending()}}); err != nil {
		t.Fatalf("Send: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if tries != 2 {
		t.Fatalf("%d tries, want 2", tries)
	}
}

// TestCloseRefusesLater: after Close, requests are refused, not lost
// silently in a goroutine.
func TestCloseRefusesLater(t *testing.T) {
	n := notify.New(notify.Options{})
	if err := n.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := n.ApprovalRequested(context.Background(), pending()); err == nil {
		t.Fatal("ApprovalRequested after Close: no error")
	}
}
