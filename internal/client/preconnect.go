package client

import (
	"context"
	"crypto/tls"
	"net"
	"sync"
	"time"
)

// preconnector dials the server's TLS connection ahead of the first
// request (see [Client.Preconnect]); the transport's TLS dialer takes it.
type preconnector struct {
	dialer *net.Dialer
	tls    *tls.Config
	// handshakeDone, when set, learns whether each handshake resumed a
	// session (see fileSessionCache.Put).
	handshakeDone func(resumed bool)

	mu      sync.Mutex
	addr    string
	pending chan dialResult // nil when no early connection waits
}

type dialResult struct {
	conn net.Conn
	err  error
}

// dialTLS is the transport's DialTLSContext: the early connection to addr
// when there is one (waiting for its handshake if it is still running),
// else a new one.
func (p *preconnector) dialTLS(ctx context.Context, network, addr string) (net.Conn, error) {
	p.mu.Lock()
	ch := p.pending
	if p.addr != addr {
		ch = nil
	}
	p.pending = nil
	p.mu.Unlock()
	if ch != nil {
		select {
		case r := <-ch:
			if r.err == nil {
				return r.conn, nil
			}
		case <-ctx.Done():
			go closeWhenDone(ch)
			return nil, ctx.Err()
		}
	}
	return p.dial(ctx, network, addr)
}

func closeWhenDone(ch chan dialResult) {
	if r := <-ch; r.conn != nil {
		r.conn.Close()
	}
}

// dial connects and completes the handshake (p.tls offers the client's
// protocols).
func (p *preconnector) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	raw, err := p.dialer.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	cfg := p.tls.Clone()
	if cfg.ServerName == "" {
		if host, _, err := net.SplitHostPort(addr); err == nil {
			cfg.ServerName = host
		}
	}
	c := tls.Client(raw, cfg)
	if err := c.HandshakeContext(ctx); err != nil {
		raw.Close()
		return nil, err
	}
	if p.handshakeDone != nil {
		p.handshakeDone(c.ConnectionState().DidResume)
	}
	return c, nil
}

// start dials addr in the background unless an early connection is
// already waiting. The dial has the dialer's timeout.
func (p *preconnector) start(addr string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pending != nil {
		return
	}
	ch := make(chan dialResult, 1)
	p.addr, p.pending = addr, ch
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), max(p.dialer.Timeout, time.Second))
		defer cancel()
		c, err := p.dial(ctx, "tcp", addr)
		ch <- dialResult{c, err}
	}()
}

// close drops an early connection nobody took.
func (p *preconnector) close() {
	p.mu.Lock()
	ch := p.pending
	p.pending = nil
	p.mu.Unlock()
	if ch != nil {
		go closeWhenDone(ch)
	}
}
