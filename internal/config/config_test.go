package config

import (
	"strings"
	"testing"
)

func TestParseAndValidate(t *testing.T) {
	good := `
listen: 127.0.0.1:9443
tls: {cert_file: s.crt, key_file: s.key, client_ca_file: ca.crt}
store: {driver: sqlite, path: /var/lib/signet/signet.db}
keys:
  disk:
    master_keys: [{id: k1, file: /etc/signet/k1}]
    current: k1
`
	c, err := Parse([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("valid config refused: %v", err)
	}
	if c.TLS.MinVersion != "1.3" || c.Keys.DefaultStorage != "disk" || c.MaxBodyBytes != 1<<20 {
		t.Fatalf("defaults not applied: %+v", c)
	}

	tests := []struct {
		name, yaml, want string
	}{
		{"unknown field", "listne: x", "field listne not found"},
		{"no master key", "tls: {cert_file: a, key_file: b}\nstore: {path: x}\nkeys: {disk: {}}", "no master key"},
		{"no backend", "tls: {cert_file: a, key_file: b}\nstore: {path: x}", "at least one backend"},
		{"no tls", "store: {path: x}\nkeys: {disk: {master_keys: [{id: a, env: X}], current: a}}", "cert_file and key_file"},
		{"tls 1.1", "tls: {cert_file: a, key_file: b, min_version: '1.1'}\nstore: {path: x}\nkeys: {disk: {master_keys: [{id: a, env: X}], current: a}}", "min_version"},
		{"bad driver", "tls: {cert_file: a, key_file: b}\nstore: {driver: mysql}\nkeys: {disk: {master_keys: [{id: a, env: X}], current: a}}", "store.driver"},
		{"current missing", "tls: {cert_file: a, key_file: b}\nstore: {path: x}\nkeys: {disk: {master_keys: [{id: a, env: X}], current: b}}", "keys.disk.current"},
		{"tsa roots without tsa urls", "tls: {cert_file: a, key_file: b}\nstore: {path: x}\nkeys: {disk: {master_keys: [{id: a, env: X}], current: a}}\npki: {timestamp_roots: r.pem}", "pki.timestamp_roots"},
		{"tsa accuracy below a second", "tls: {cert_file: a, key_file: b}\nstore: {path: x}\nkeys: {disk: {master_keys: [{id: a, env: X}], current: a}}\npki: {tsa_accuracy: 500ms}", "pki.tsa_accuracy: at least 1s"},
		{"hsm default without hsm", "tls: {cert_file: a, key_file: b}\nstore: {path: x}\nkeys: {default_storage: hsm, disk: {master_keys: [{id: a, env: X}], current: a}}", "keys.hsm is not configured"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse([]byte(tt.yaml))
			if err == nil {
				err = c.Validate()
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}
