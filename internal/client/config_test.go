package client_test

import (
	"encoding/pem"
	"os"
	"testing"

	"github.com/signet-project/signet/internal/client"
)

func writeCertPEM(t *testing.T, path string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestFromEnv(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    client.Config
		wantErr bool
	}{
		{
			name: "signet names",
			env: map[string]string{"SIGNET_HOST": "https://s.example", "SIGNET_API_KEY": "k", "SIGNET_CLIENT_CERT_FILE": "c.p12",
				"SIGNET_CLIENT_CERT_PASSWORD": "pw", "SIGNET_CA_FILE": "ca.pem", "SM_HOST": "https://other.example"},
			want: client.Config{Host: "https://s.example", APIKey: "k", ClientCertFile: "c.p12", ClientCertPassword: "pw", CAFile: "ca.pem",
				Sources: client.Sources{Host: "SIGNET_HOST", APIKey: "SIGNET_API_KEY", ClientCertFile: "SIGNET_CLIENT_CERT_FILE",
					ClientCertPassword: "SIGNET_CLIENT_CERT_PASSWORD", CAFile: "SIGNET_CA_FILE"}},
		},
		{
			name: "SM fallbacks and a bare host",
			env:  map[string]string{"SM_HOST": "sm.example:8443", "SM_API_KEY": "k2", "SIGNET_API_KEY": "", "SM_CLIENT_CERT_FILE": "d.p12", "SM_CLIENT_CERT_PASSWORD": "x"},
			want: client.Config{Host: "https://sm.example:8443", APIKey: "k2", ClientCertFile: "d.p12", ClientCertPassword: "x",
				Sources: client.Sources{Host: "SM_HOST", APIKey: "SM_API_KEY", ClientCertFile: "SM_CLIENT_CERT_FILE", ClientCertPassword: "SM_CLIENT_CERT_PASSWORD"}},
		},
		{name: "no host", env: map[string]string{"SIGNET_API_KEY": "k"}, wantErr: true},
		{name: "plain http", env: map[string]string{"SIGNET_HOST": "http://s.example"}, wantErr: true},
		{name: "password without file", env: map[string]string{"SIGNET_HOST": "s", "SIGNET_CLIENT_CERT_PASSWORD": "pw"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := client.FromEnv(func(k string) string { return tt.env[k] })
			if tt.wantErr {
				if err == nil {
					t.Fatalf("no error for %v", tt.env)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("FromEnv = %+v, %v\nwant %+v", got, err, tt.want)
			}
		})
	}
}
