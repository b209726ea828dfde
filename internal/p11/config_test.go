package p11

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseConfig(t *testing.T) {
	data := []byte(`# Signet credentials
export SIGNET_HOST="https://signet.example"
SIGNET_API_KEY = 'k e y'

SIGNET_CLIENT_CERT_FILE=client.p12
SIGNET_CA_FILE=/etc/ca.pem
SIGNET_PKCS11_LOG=debug
`)
	got, err := ParseConfig(data, "/conf")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"SIGNET_HOST": "https://signet.example", "SIGNET_API_KEY": "k e y",
		"SIGNET_CLIENT_CERT_FILE": "/conf/client.p12", "SIGNET_CA_FILE": "/etc/ca.pem", "SIGNET_PKCS11_LOG": "debug"}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	for _, bad := range []string{"SIGNET_HOSTT=x", "just words", "=x"} {
		if _, err := ParseConfig([]byte(bad), "/"); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func mapEnv(vars map[string]string, files map[string]string) Env {
	return Env{
		Getenv: func(k string) string { return vars[k] },
		ReadFile: func(p string) ([]byte, error) {
			if d, ok := files[p]; ok {
				return []byte(d), nil
			}
			return nil, os.ErrNotExist
		},
	}
}

func TestSettingsPrecedence(t *testing.T) {
	env := mapEnv(map[string]string{"SIGNET_PKCS11_CONFIG": "/c/signet.conf", "SIGNET_HOST": "https://from-env"},
		map[string]string{"/c/signet.conf": "SIGNET_HOST=https://from-file\nSIGNET_API_KEY=file-key\n"})
	get, err := env.settings()
	if err != nil {
		t.Fatal(err)
	}
	if get("SIGNET_HOST") != "https://from-env" || get("SIGNET_API_KEY") != "file-key" {
		t.Errorf("host %q, key %q", get("SIGNET_HOST"), get("SIGNET_API_KEY"))
	}
	env = mapEnv(map[string]string{"SIGNET_PKCS11_CONFIG": "/missing"}, nil)
	if _, err := env.settings(); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestBadConfigurationFailsSearches(t *testing.T) {
	var log bytes.Buffer
	tests := []struct {
		name, logs string
		vars       map[string]string
	}{
		{"no host", "SIGNET_HOST is not set", map[string]string{"SIGNET_API_KEY": "k"}},
		{"missing client certificate", "no such file", map[string]string{"SIGNET_HOST": "https://h", "SIGNET_API_KEY": "k",
			"SIGNET_CLIENT_CERT_FILE": filepath.Join(t.TempDir(), "nope.p12")}},
		{"missing config file", "SIGNET_PKCS11_CONFIG", map[string]string{"SIGNET_PKCS11_CONFIG": "/nope"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log.Reset()
			env := mapEnv(tt.vars, nil)
			env.Stderr = &log
			m := NewModule(env)
			if rv := m.Initialize(nil); rv != CKR_OK {
				t.Fatalf("Initialize = %v", rv)
			}
			defer m.Finalize()
			h, _ := m.OpenSession(SlotID, CKF_SERIAL_SESSION)
			if rv := m.FindObjectsInit(h, nil); rv != CKR_FUNCTION_FAILED {
				t.Errorf("FindObjectsInit = %v", rv)
			}
			if !strings.Contains(log.String(), tt.logs) {
				t.Errorf("log %q lacks %q", log.String(), tt.logs)
			}
		})
	}
}

func TestNoAPIKeyMeansPINMode(t *testing.T) {
	m := NewModule(mapEnv(map[string]string{"SIGNET_HOST": "https://h"}, nil))
	m.Initialize(nil)
	defer m.Finalize()
	if ti, _ := m.GetTokenInfo(SlotID); ti.Flags&CKF_LOGIN_REQUIRED == 0 {
		t.Error("no CKF_LOGIN_REQUIRED without an API key")
	}
}

type closeRecorder struct {
	bytes.Buffer
	closed bool
}

func (c *closeRecorder) Close() error { c.closed = true; return nil }

func TestLogFileAndLevel(t *testing.T) {
	rec := &closeRecorder{}
	env := mapEnv(map[string]string{"SIGNET_HOST": "https://h", "SIGNET_API_KEY": "secret-key-1234",
		"SIGNET_PKCS11_LOG": "debug", "SIGNET_PKCS11_LOG_FILE": "/var/log/x"}, nil)
	env.OpenLog = func(p string) (io.WriteCloser, error) { return rec, nil }
	m := NewModule(env)
	m.Initialize(nil)
	h, _ := m.OpenSession(SlotID, CKF_SERIAL_SESSION)
	m.Call("C_Login", func() RV { return m.Login(h, CKU_USER, []byte("pin-9876")) })
	m.Finalize()
	out := rec.String()
	if !strings.Contains(out, "func=C_Login") || !rec.closed {
		t.Errorf("log %q, closed %v", out, rec.closed)
	}
	if strings.Contains(out, "secret-key-1234") || strings.Contains(out, "pin-9876") {
		t.Error("a secret reached the log")
	}
}

func TestKeyFilter(t *testing.T) {
	env := mapEnv(map[string]string{"SIGNET_PKCS11_KEYS": " rsa , p3* ,"}, nil)
	m := NewModule(env, WithBackend(standardFake(t)))
	m.Initialize(nil)
	defer m.Finalize()
	h, _ := m.OpenSession(SlotID, CKF_SERIAL_SESSION)
	got := map[string]bool{}
	for _, o := range find(t, m, h, Attribute{Type: CKA_CLASS, Value: ulong(CKO_PRIVATE_KEY)}) {
		got[string(attr(t, m, h, o, CKA_LABEL))] = true
	}
	if len(got) != 2 || !got["rsa"] || !got["p384"] {
		t.Errorf("shown keys %v, want rsa and p384", got)
	}
}
