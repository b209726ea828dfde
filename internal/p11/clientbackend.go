package p11

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/signet-project/signet/internal/client"
)

// ClientBackend is the [Backend] of the Signet server, through the API
// client.
type ClientBackend struct {
	log   *slog.Logger
	cache *keyCache // shared with other processes; nil when off
	agent bool      // c is a signet agent's client, which keeps the list

	ready chan struct{} // closed once c or err is set
	c     *client.Client
	err   error // making the client failed (a configuration error)

	mu     sync.Mutex
	primed []client.Keypair // listed at login, handed to the first Keys
	closed bool             // CloseIdleConnections was called
}

var _ Backend = (*ClientBackend)(nil)

// NewClientBackend returns the backend calling the server with c; keypairs
// it cannot show are reported to log.
func NewClientBackend(c *client.Client, log *slog.Logger) *ClientBackend {
	ready := make(chan struct{})
	close(ready)
	return &ClientBackend{c: c, log: log, ready: ready}
}

// newLazyClientBackend returns the backend calling the server with the
// client newClient makes in the background: reading the CA bundle and
// decoding the PKCS#12 file took about 3 ms of C_Initialize, which the
// tool can spend on its own work (a key list from the cache needs no
// client). A failure is logged and returned by every call.
func newLazyClientBackend(newClient func() (*client.Client, error), log *slog.Logger) *ClientBackend {
	b := &ClientBackend{log: log, ready: make(chan struct{})}
	go func() {
		defer close(b.ready)
		if b.c, b.err = newClient(); b.err != nil {
			b.err = errConfig{b.err}
			log.Error("configuration", "err", b.err)
		}
	}()
	return b
}

// client waits for the client.
func (b *ClientBackend) client(ctx context.Context) (*client.Client, error) {
	select {
	case <-b.ready:
		return b.c, b.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// dialBackend makes a client for cfg (PIN mode: its API key is the PIN) and
// checks the credentials by listing the keypairs (the server refuses a
// wrong API key); the list is kept for the search that follows the login,
// so that logging in costs one request.
func dialBackend(ctx context.Context, cfg client.Config, log *slog.Logger, opts ...client.Option) (Backend, error) {
	c, err := client.New(cfg, opts...)
	if err != nil {
		return nil, errConfig{err}
	}
	kps, err := listActive(ctx, c)
	if err != nil {
		c.CloseIdleConnections()
		return nil, err
	}
	b := NewClientBackend(c, log)
	b.primed = kps
	return b, nil
}

func listActive(ctx context.Context, c *client.Client) ([]client.Keypair, error) {
	return c.ListKeypairs(ctx, client.KeypairFilter{State: "active"})
}

// CloseIdleConnections closes the idle connections to the server; a
// client still being made makes none.
func (b *ClientBackend) CloseIdleConnections() {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	select {
	case <-b.ready:
		if b.c != nil {
			b.c.CloseIdleConnections()
		}
	default:
	}
}

// preconnect starts the connection to the server once the client is made
// (see [client.Client.Preconnect]), unless the backend is closed by then.
func (b *ClientBackend) preconnect() {
	go func() {
		<-b.ready
		b.mu.Lock()
		defer b.mu.Unlock()
		if b.c != nil && !b.closed {
			b.c.Preconnect()
		}
	}()
}

// Keys lists the active keypairs: those listed at login the first time,
// then from the shared cache while it is fresh, else from the server. A
// keypair whose public key or certificate cannot be parsed is left out
// and logged.
func (b *ClientBackend) Keys(ctx context.Context) ([]Key, error) {
	b.mu.Lock()
	kps := b.primed
	b.primed = nil
	b.mu.Unlock()
	if kps == nil && b.cache != nil {
		if kps = b.cache.load(); kps != nil {
			// No request now: connect while the tool prepares what it
			// will have signed.
			b.preconnect()
		}
	}
	if kps == nil {
		c, err := b.client(ctx)
		if err != nil {
			return nil, err
		}
		if kps, err = listActive(ctx, c); err != nil {
			return nil, err
		}
		if b.cache != nil && cacheable(kps) {
			if err := b.cache.store(kps); err != nil {
				b.log.Warn("key list cache not written", "err", err)
			}
		}
	}
	keys := make([]Key, 0, len(kps))
	for _, kp := range kps {
		k, err := keyOf(kp)
		if errors.Is(err, errCertBehind) {
			b.log.Warn("certificate left out until it carries the key: a dynamic keypair's new certificate is not issued yet",
				"alias", kp.Alias, "generation", kp.Generation)
			err = nil
		}
		if err != nil {
			b.log.Error("keypair left out", "alias", kp.Alias, "err", err)
			continue
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// cacheable reports whether a list may be shared with the next process: not
// when a keypair's key changes with every signature, since the list would
// be stale after this process's first one.
func cacheable(kps []client.Keypair) bool {
	return !slices.ContainsFunc(kps, func(kp client.Keypair) bool { return kp.RotatePerSignature })
}

// Forget drops the shared cache (the agent's, through an agent), after
// the server signed with a key other than the one shown.
func (b *ClientBackend) Forget() {
	if b.cache != nil {
		b.cache.remove()
	}
	if b.agent && b.c != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := b.c.ForgetAgentList(ctx); err != nil {
			b.log.Warn("the agent's keypair list was not dropped", "err", err)
		}
	}
}

// errCertBehind: the keypair's certificate carries another public key (a
// dynamic keypair replaced a moment ago, whose new certificate is still
// being issued). keyOf then returns the key without it, so that no tool
// pairs a signature with a certificate it does not verify under.
var errCertBehind = errors.New("the certificate carries another public key")

// keyOf converts a keypair of the API.
func keyOf(kp client.Keypair) (Key, error) {
	k := Key{Ref: kp.ID, Alias: kp.Alias, Generation: kp.Generation}
	blk, _ := pem.Decode([]byte(kp.PublicKeyPEM))
	if blk == nil {
		return k, errors.New("no public key")
	}
	pub, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		return k, err
	}
	k.Public = pub
	if kp.CertificatePEM != "" {
		certs, err := parseCerts(kp.CertificatePEM)
		if err != nil || len(certs) == 0 {
			return k, fmt.Errorf("bad certificate_pem: %v", err)
		}
		if eq, ok := pub.(interface{ Equal(crypto.PublicKey) bool }); !ok || !eq.Equal(certs[0].PublicKey) {
			return k, errCertBehind
		}
		k.Certificate = certs[0]
		if k.Chain, err = parseCerts(kp.ChainPEM); err != nil {
			return k, fmt.Errorf("bad chain_pem: %w", err)
		}
	}
	return k, nil
}

func parseCerts(s string) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	rest := []byte(s)
	for {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			return out, nil
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
}

// Sign signs through the API.
func (b *ClientBackend) Sign(ctx context.Context, key Key, sigAlg string, input []byte, tool string) ([]byte, error) {
	c, err := b.client(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := c.Sign(ctx, key.Ref, client.SignRequest{SigAlg: sigAlg, Hash: input, Tool: tool, Generation: key.Generation})
	if err != nil {
		return nil, err
	}
	return resp.Signature, nil
}
