//go:build cgo && !nohsm

package hsm

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/miekg/pkcs11"
)

// pool hands out sessions on one token, at most cap(sem) at a time.
// Login state in PKCS#11 is shared by all of an application's sessions
// on a token, so the pool logs in once and again only when the login is lost.
type pool struct {
	p    p11
	slot uint
	pin  string
	sem  chan struct{} // holds one token per session in use
	done chan struct{} // closed by close

	mu     sync.Mutex
	idle   []pkcs11.SessionHandle
	closed bool

	loginMu sync.Mutex
}

func newPool(p p11, slot uint, pin string, size int) *pool {
	return &pool{p: p, slot: slot, pin: pin, sem: make(chan struct{}, size), done: make(chan struct{})}
}

// get returns an idle session or opens one; it waits while the pool is full.
func (p *pool) get(ctx context.Context) (pkcs11.SessionHandle, error) {
	select {
	case p.sem <- struct{}{}:
	case <-p.done:
		return 0, ErrClosed
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		<-p.sem
		return 0, ErrClosed
	}
	if n := len(p.idle); n > 0 {
		sh := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		return sh, nil
	}
	p.mu.Unlock()
	sh, err := p.p.OpenSession(p.slot, pkcs11.CKF_SERIAL_SESSION|pkcs11.CKF_RW_SESSION)
	if err != nil {
		<-p.sem
		return 0, fmt.Errorf("keys/hsm: opening a session: %w", err)
	}
	return sh, nil
}

// put returns a session to the pool, or closes it if discard is set.
func (p *pool) put(sh pkcs11.SessionHandle, discard bool) {
	p.mu.Lock()
	if discard || p.closed {
		p.mu.Unlock()
		p.p.CloseSession(sh)
	} else {
		p.idle = append(p.idle, sh)
		p.mu.Unlock()
	}
	<-p.sem
}

// close waits for the sessions in use to come back and closes them all.
func (p *pool) close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	close(p.done)
	for range cap(p.sem) {
		p.sem <- struct{}{}
	}
	p.drain()
}

// drain closes the idle sessions.
func (p *pool) drain() {
	p.mu.Lock()
	idle := p.idle
	p.idle = nil
	p.mu.Unlock()
	for _, sh := range idle {
		p.p.CloseSession(sh)
	}
}

// login logs the user in unless the application already is.
func (p *pool) login(sh pkcs11.SessionHandle) error {
	p.loginMu.Lock()
	defer p.loginMu.Unlock()
	if p.loggedIn(sh) {
		return nil
	}
	err := p.p.Login(sh, pkcs11.CKU_USER, p.pin)
	if err != nil && !is(err, pkcs11.CKR_USER_ALREADY_LOGGED_IN) {
		return fmt.Errorf("keys/hsm: login refused: %w", err) // never the PIN
	}
	return nil
}

func (p *pool) loggedIn(sh pkcs11.SessionHandle) bool {
	info, err := p.p.GetSessionInfo(sh)
	return err == nil && (info.State == pkcs11.CKS_RO_USER_FUNCTIONS || info.State == pkcs11.CKS_RW_USER_FUNCTIONS)
}

func is(err error, rv uint) bool { return errors.Is(err, pkcs11.Error(rv)) }

// sessionDead tells whether err means the session cannot be used again.
func sessionDead(err error) bool {
	for _, rv := range []uint{pkcs11.CKR_SESSION_HANDLE_INVALID, pkcs11.CKR_SESSION_CLOSED,
		pkcs11.CKR_DEVICE_REMOVED, pkcs11.CKR_TOKEN_NOT_PRESENT, pkcs11.CKR_OPERATION_ACTIVE} {
		if is(err, rv) {
			return true
		}
	}
	return false
}

// loginLost tells whether err may mean the login was lost: tokens report
// CKR_USER_NOT_LOGGED_IN, and some (SoftHSM2) invalidate private object
// handles instead, so that the object seems to be gone.
func loginLost(err error) bool {
	return is(err, pkcs11.CKR_USER_NOT_LOGGED_IN) || is(err, pkcs11.CKR_OBJECT_HANDLE_INVALID) ||
		is(err, pkcs11.CKR_KEY_HANDLE_INVALID) || errors.Is(err, errNoObject)
}

// do runs fn on a pooled session. If fn fails because the session died, it
// runs fn once more on another session; if the login may have been lost
// (or a cached handle went stale), it forgets cached handles, logs in again
// if needed and runs fn once more.
func (k *HSM) do(ctx context.Context, fn func(sh pkcs11.SessionHandle) error) error {
	sh, err := k.pool.get(ctx)
	if err != nil {
		return err
	}
	err = fn(sh)
	switch {
	case err == nil:
		k.pool.put(sh, false)
		return nil
	case sessionDead(err):
		k.pool.put(sh, true)
		k.pool.drain() // the others likely died with it (a token reset)
		if sh, err = k.pool.get(ctx); err != nil {
			return err
		}
	case loginLost(err):
		k.forget()
	default:
		k.pool.put(sh, false)
		return err
	}
	if err := k.pool.login(sh); err != nil {
		k.pool.put(sh, sessionDead(err))
		return err
	}
	err = fn(sh)
	k.pool.put(sh, sessionDead(err))
	return err
}

// probe opens a fresh session, reads its state and closes it.
func (p *pool) probe(ctx context.Context) error {
	select {
	case p.sem <- struct{}{}:
	case <-p.done:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-p.sem }()
	p.mu.Lock()
	closed := p.closed
	p.mu.Unlock()
	if closed {
		return ErrClosed
	}
	sh, err := p.p.OpenSession(p.slot, pkcs11.CKF_SERIAL_SESSION)
	if err != nil {
		return err
	}
	defer p.p.CloseSession(sh)
	_, err = p.p.GetSessionInfo(sh)
	return err
}
