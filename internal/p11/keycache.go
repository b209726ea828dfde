package p11

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"path/filepath"
	"time"

	"github.com/signet-project/signet/internal/client"
)

// keyCache keeps the server's keypair list in a file for a few seconds,
// so that a build signing many files, one tool process each, lists the
// keypairs once rather than once per process. It holds only what the
// listing shows (aliases, ids, public keys, certificates), never a secret.
//
// The file is named and authenticated (HMAC-SHA256) with keys derived
// from the server URL and the API key, so other credentials never read
// it and whoever cannot read the API key cannot forge it. A stale entry
// is harmless: the server is the authority on every signature, and the
// module checks each signature against the public key it showed, answers
// CKR_KEY_CHANGED and drops the cache when a key was replaced.
type keyCache struct {
	path   string
	macKey []byte
	ttl    time.Duration
	now    func() time.Time
	files  CacheFiles
}

// CacheFiles is how the key cache reaches the file system.
type CacheFiles struct {
	ReadFile func(path string) ([]byte, error)
	// WriteFile replaces path atomically, readable by its owner only.
	WriteFile func(path string, data []byte) error
	Remove    func(path string) error
}

// cacheVersion changes when the file's layout does.
const cacheVersion = "signet-pkcs11 key cache v1"

func newKeyCache(dir, host, apiKey string, ttl time.Duration, now func() time.Time, files CacheFiles) *keyCache {
	derive := func(purpose string) []byte {
		m := hmac.New(sha256.New, []byte(apiKey))
		m.Write([]byte(cacheVersion + "\x00" + purpose + "\x00" + host))
		return m.Sum(nil)
	}
	name := hex.EncodeToString(derive("name")[:16]) + ".json"
	return &keyCache{path: filepath.Join(dir, name), macKey: derive("mac"), ttl: ttl, now: now, files: files}
}

type cacheFile struct {
	At       time.Time        `json:"at"`
	Keypairs []client.Keypair `json:"keypairs"`
}

// load returns the cached list, or nil when there is none younger than
// the TTL with a valid MAC.
func (c *keyCache) load() []client.Keypair {
	data, err := c.files.ReadFile(c.path)
	if err != nil || len(data) < sha256.Size {
		return nil
	}
	tag, body := data[:sha256.Size], data[sha256.Size:]
	if !hmac.Equal(tag, c.mac(body)) {
		return nil
	}
	var f cacheFile
	if json.Unmarshal(body, &f) != nil || f.Keypairs == nil {
		return nil
	}
	if age := c.now().Sub(f.At); age < 0 || age >= c.ttl {
		return nil
	}
	return f.Keypairs
}

// store writes the list with the current time.
func (c *keyCache) store(kps []client.Keypair) error {
	if kps == nil {
		kps = []client.Keypair{}
	}
	body, err := json.Marshal(cacheFile{At: c.now(), Keypairs: kps})
	if err != nil {
		return err
	}
	return c.files.WriteFile(c.path, append(c.mac(body), body...))
}

func (c *keyCache) remove() { _ = c.files.Remove(c.path) }

func (c *keyCache) mac(body []byte) []byte {
	m := hmac.New(sha256.New, c.macKey)
	m.Write(body)
	return m.Sum(nil)
}
