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
)

// WithSessionCache keeps TLS sessions in files under dir, so that the
// next process with the same credentials resumes the session (TLS 1.3
// PSK) instead of a full mutual-TLS handshake, and decodes the PKCS#12
// client certificate only when the server asks for it, that is when it
// did not resume. The PKCS#12 module is one process per signing tool
// invocation; this is for it.
//
// A resumable session stands in for the client certificate until the
// server's ticket expires, so the file is sealed (AES-256-GCM) with a key
// derived from the PKCS#12 file and its password: it is of no use to
// anyone who could not use the certificate itself. It is also bound to
// the server URL, written atomically and readable by its owner only;
// an unreadable, foreign or corrupt file just means a full handshake.
func WithSessionCache(dir string) Option { return func(o *options) { o.sessionDir = dir } }

// sessionVersion changes when the file's layout does.
const sessionVersion = "signet client TLS session v1"

// fileSessionCache is a [tls.ClientSessionCache] holding the latest
// session of one server and client certificate in one file.
type fileSessionCache struct {
	path string
	aead cipher.AEAD
	mu   sync.Mutex
}

// newFileSessionCache derives the file name and key from the client
// certificate file's bytes, its password and the server URL.
func newFileSessionCache(dir, host string, p12 []byte, password string) (*fileSessionCache, error) {
	sum := sha256.Sum256(p12)
	secret := append(sum[:], password...)
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
	return &fileSessionCache{path: filepath.Join(dir, hex.EncodeToString(name)+".tls"), aead: aead}, nil
}

// Get returns the stored session, or nil.
func (c *fileSessionCache) Get(string) (*tls.ClientSessionState, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	data, err := os.ReadFile(c.path)
	n := c.aead.NonceSize()
	if err != nil || len(data) < n {
		return nil, false
	}
	plain, err := c.aead.Open(nil, data[:n], data[n:], []byte(filepath.Base(c.path)))
	if err != nil || len(plain) < 4 {
		return nil, false
	}
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
	return cs, true
}

// Put stores cs (nil removes the stored session). Errors are dropped: the
// cache only saves time.
func (c *fileSessionCache) Put(_ string, cs *tls.ClientSessionState) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cs == nil {
		_ = os.Remove(c.path)
		return
	}
	_ = c.put(cs)
}

func (c *fileSessionCache) put(cs *tls.ClientSessionState) error {
	ticket, state, err := cs.ResumptionState()
	if err != nil || state == nil {
		return errors.New("no resumption state")
	}
	sb, err := state.Bytes()
	if err != nil {
		return err
	}
	plain := binary.BigEndian.AppendUint32(nil, uint32(len(ticket)))
	plain = append(append(plain, ticket...), sb...)
	nonce := make([]byte, c.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return err
	}
	return writeFileAtomic(c.path, c.aead.Seal(nonce, nonce, plain, []byte(filepath.Base(c.path))))
}

// writeFileAtomic writes data to a temporary file readable by its owner
// only and renames it over path, so that concurrent processes read the
// old file or the new one, never half of one.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}
