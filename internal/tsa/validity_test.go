package tsa

import (
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/digitorus/timestamp"
)

// TestRefusesOutsideValidity: the TSA signs nothing when its certificate,
// or a CA's above it, is not valid at the time it would stamp (an expired
// TSA kept signing tokens that verify nowhere): the /tsa answer is a
// systemFailure rejection, and Stamp fails with ErrUnavailable.
func TestRefusesOutsideValidity(t *testing.T) {
	ctx := context.Background()
	for name, at := range map[string]func(tt *testTSA) time.Time{
		"TSA expired":          func(tt *testTSA) time.Time { return tt.cert.NotAfter.Add(time.Second) },
		"TSA not yet valid":    func(tt *testTSA) time.Time { return tt.cert.NotBefore.Add(-time.Second) },
		"all expired":          func(tt *testTSA) time.Time { return tt.inter.Cert.NotAfter.Add(time.Second) },
		"TSA valid, chain not": func(tt *testTSA) time.Time { return tt.cert.NotBefore.Add(time.Minute) },
	} {
		t.Run(name, func(t *testing.T) {
			tt := newTSA(t)
			now := at(tt)
			tt.Now = func() time.Time { return now }
			if name == "TSA valid, chain not" {
				// An issuer whose validity has not begun at genTime.
				inter := *tt.inter.Cert
				inter.NotBefore = now.Add(time.Hour)
				cert, _, key, _ := tt.Identity(ctx)
				tt.Identity = func(context.Context) (*x509.Certificate, []*x509.Certificate, crypto.Signer, error) {
					return cert, []*x509.Certificate{&inter, tt.root.Cert}, key, nil
				}
			}
			resp, status := tt.Respond(ctx, opensslQuery(t), "")
			if _, err := timestamp.ParseResponse(resp); status != http.StatusServiceUnavailable || err == nil ||
				!strings.Contains(err.Error(), timestamp.SystemFailure.String()) {
				t.Errorf("status %d, %v; want 503 and systemFailure", status, err)
			}
			if _, err := tt.Stamp(ctx, crypto.SHA256, digestOf("x")); !errors.Is(err, ErrUnavailable) {
				t.Errorf("Stamp: %v, want ErrUnavailable", err)
			}
			if tt.log.len() != 0 {
				t.Errorf("%d time-stamps recorded", tt.log.len())
			}
		})
	}
}

// TestAccuracyAtLeastASecond: genTime is in whole seconds, so a token
// never claims an accuracy finer than one second.
func TestAccuracyAtLeastASecond(t *testing.T) {
	for set, want := range map[time.Duration]time.Duration{0: time.Second, 100 * time.Millisecond: time.Second,
		time.Second: time.Second, 2500 * time.Millisecond: 2500 * time.Millisecond} {
		tt := newTSA(t)
		tt.Accuracy = set
		resp, status := tt.Respond(context.Background(), opensslQuery(t), "")
		ts, err := timestamp.ParseResponse(resp)
		if status != http.StatusOK || err != nil {
			t.Fatalf("accuracy %v: %d %v", set, status, err)
		}
		if ts.Accuracy != want {
			t.Errorf("accuracy %v: the token claims %v, want %v", set, ts.Accuracy, want)
		}
	}
}
