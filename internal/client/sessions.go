package client

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// WithSessionCache keeps TLS sessions in files under dir, so that the
// next process with the same credentials resumes the session (TLS 1.3
// PSK) instead of a full mutual-TLS handshake. The PKCS#11 module is one
// process per signing tool invocation; this is for it. The file is
// written in the background; [Client.CloseIdleConnections] waits for it.
// A process that resumed the file's session leaves the file as it is while
// that session is younger than an hour (see sessionRefresh).
//
// A resumable session stands in for the client certificate until the
// server's ticket expires, so the file is sealed (AES-256-GCM) with a key
// derived from the client's private key: it is of no use, and gives no
// way to test guesses of the PKCS#12 password, to anyone who could not
// use the certificate itself. It is also bound to the server URL, written
// atomically, readable by its owner only, in a directory no one else may
// write; an unreadable, foreign or corrupt file just means a full
// handshake.
func WithSessionCache(dir string) Option { return func(o *options) { o.sessionDir = dir } }

// sessionVersion changes when the file's layout does.
const sessionVersion = "signet client TLS session v3"

// sessionRefresh is how long a session file that this process resumed
// from is kept as it is. Every connection brings a new ticket from the
// server, but the server still takes the older one (Go's crypto/tls
// servers accept a ticket for up to 7 days, counted from the full
// handshake the session came from, which a newer ticket does not move),
// so rewriting the file after every resumption bought nothing and cost
// each signing tool process a file written (a temporary file, a rename)
// while its signing request was in flight. The file is rewritten after a
// full handshake (a new session) and when the one it holds is older than
// this.
const sessionRefresh = time.Hour

// timeNow is the clock of the session files, replaced in tests.
var timeNow = time.Now

// fileSessionCache is a [tls.ClientSessionCache] holding the latest
// session of one server and client certificate in one file.
//
// Put is called by crypto/tls while it reads the first answer on a new
// connection (the server's ticket comes just before it), so the file is
// sealed and written in the background: a file written through a
// temporary file and a rename took 4-5 ms here, all of it added to the
// first request. The process keeps its latest session in memory for its
// own next connection; [fileSessionCache.flush] waits for the write.
type fileSessionCache struct {
	path string
	aead cipher.AEAD

	mu      sync.Mutex
	latest  *tls.ClientSessionState // put by this process; nil: read the file
	dirty   bool                    // latest (or the removal) is not in the file yet
	removed bool                    // the latest Put removed the session
	writing bool                    // a goroutine writes the file
	fileAt  time.Time               // when the session read from the file was sealed
	resumed bool                    // the latest handshake resumed a session
	idle    *sync.Cond
}

// newFileSessionCache derives the file name and key from the client's
// private key (PKCS#8 DER) and the server URL.
func newFileSessionCache(dir, host string, secret []byte) (*fileSessionCache, error) {
	key, err := hkdf.Key(sha256.New, secret, []byte(host), sessionVersion+" key", 32)
	if err != nil {
		return nil, err
	}
	name, err := hkdf.Key(sha256.New, secret, []byte(host), sessionVersion+" name", 16)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	c := &fileSessionCache{path: filepath.Join(dir, hex.EncodeToString(name)+".tls"), aead: aead}
	c.idle = sync.NewCond(&c.mu)
	return c, nil
}

// Get returns the session put by this process, else the one in the file,
// or nil.
func (c *fileSessionCache) Get(string) (*tls.ClientSessionState, bool) {
	c.mu.Lock()
	latest, removed := c.latest, c.removed
	c.mu.Unlock()
	if latest != nil || removed {
		return latest, latest != nil
	}
	data, err := ReadPrivateFile(c.path)
	n := c.aead.NonceSize()
	if err != nil || len(data) < n {
		return nil, false
	}
	plain, err := c.aead.Open(nil, data[:n], data[n:], []byte(filepath.Base(c.path)))
	if err != nil || len(plain) < 12 {
		return nil, false
	}
	at := time.Unix(int64(binary.BigEndian.Uint64(plain)), 0)
	plain = plain[8:]
	tlen := binary.BigEndian.Uint32(plain)
	if uint64(tlen) > uint64(len(plain)-4) {
		return nil, false
	}
	state, err := tls.ParseSessionState(plain[4+tlen:])
	if err != nil {
		return nil, false
	}
	cs, err := tls.NewResumptionState(plain[4:4+tlen], state)
	if err != nil {
		return nil, false
	}
	c.mu.Lock()
	c.fileAt = at
	c.mu.Unlock()
	return cs, true
}

// handshakeDone records whether a handshake resumed a session, before the
// connection reads the server's new ticket (see Put).
func (c *fileSessionCache) handshakeDone(resumed bool) {
	c.mu.Lock()
	c.resumed = resumed
	c.mu.Unlock()
}

// Put stores cs (nil removes the stored session): at once for this
// process, in the file in the background, unless this process resumed the
// file's session and that is younger than [sessionRefresh]. Errors are
// dropped: the cache only saves time.
func (c *fileSessionCache) Put(_ string, cs *tls.ClientSessionState) {
	c.mu.Lock()
	defer c.mu.Unlock()
	age := timeNow().Sub(c.fileAt)
	keep := cs != nil && c.latest == nil && !c.removed && c.resumed &&
		!c.fileAt.IsZero() && age >= 0 && age < sessionRefresh
	c.latest, c.removed = cs, cs == nil
	if keep {
		return
	}
	c.dirty = true
	if !c.writing {
		c.writing = true
		go c.write()
	}
}

// write brings the file up to date with the latest Put, then returns.
func (c *fileSessionCache) write() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.dirty {
		cs, removed := c.latest, c.removed
		c.dirty = false
		c.mu.Unlock()
		if removed {
			_ = os.Remove(c.path)
		} else if data, err := c.seal(cs); err == nil {
			_ = WritePrivateFile(c.path, data)
		}
		c.mu.Lock()
	}
	c.writing = false
	c.idle.Broadcast()
}

// flush waits, at most for limit, until the file holds the latest Put.
func (c *fileSessionCache) flush(limit time.Duration) {
	done := make(chan struct{})
	go func() {
		c.mu.Lock()
		for c.writing {
			c.idle.Wait()
		}
		c.mu.Unlock()
		close(done)
	}()
	t := time.NewTimer(limit)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	}
}

// seal encrypts cs for the file, with the time it is sealed.
func (c *fileSessionCache) seal(cs *tls.ClientSessionState) ([]byte, error) {
	ticket, state, err := cs.ResumptionState()
	if err != nil || state == nil {
		return nil, errors.New("no resumption state")
	}
	sb, err := state.Bytes()
	if err != nil {
		return nil, err
	}
	plain := binary.BigEndian.AppendUint64(nil, uint64(timeNow().Unix()))
	plain = binary.BigEndian.AppendUint32(plain, uint32(len(ticket)))
	plain = append(append(plain, ticket...), sb...)
	nonce := make([]byte, c.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return c.aead.Seal(nonce, nonce, plain, []byte(filepath.Base(c.path))), nil
}
