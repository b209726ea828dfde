package client

import (
	"context"
	"crypto/tls"
	"net"
	"time"
)

// TLSInfo describes a TLS connection to the server, for healthcheck.
type TLSInfo struct {
	Version        string    `json:"version"`      // e.g. "TLS 1.3"
	CipherSuite    string    `json:"cipher_suite"` // e.g. "TLS_AES_128_GCM_SHA256"
	ServerSubject  string    `json:"server_subject"`
	ServerIssuer   string    `json:"server_issuer"`
	ServerNotAfter time.Time `json:"server_not_after"`
	CertRequested  bool      `json:"client_cert_requested"` // the server asked for a client certificate
	CertSent       bool      `json:"client_cert_sent"`      // and the client presented one
}

// ProbeTLS connects to the server with cfg's TLS settings and completes a
// handshake. Verification failures are *tls.CertificateVerificationError
// values wrapping the x509 error; errors reading the CA bundle or the client
// certificate are those of [New].
func ProbeTLS(ctx context.Context, cfg Config) (TLSInfo, error) {
	var info TLSInfo
	if err := cfg.Validate(); err != nil {
		return info, err
	}
	base, _ := cfg.baseURL()
	tc, err := cfg.tlsConfig("")
	if err != nil {
		return info, err
	}
	certs := tc.Certificates
	tc.Certificates = nil
	tc.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
		info.CertRequested = true
		if len(certs) == 0 {
			return &tls.Certificate{}, nil
		}
		info.CertSent = true
		return &certs[0], nil
	}
	addr := base.Host
	if base.Port() == "" {
		addr = net.JoinHostPort(base.Hostname(), "443")
	}
	tc.ServerName = base.Hostname()
	d := tls.Dialer{NetDialer: &net.Dialer{Timeout: 10 * time.Second}, Config: tc}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return info, err
	}
	defer conn.Close()
	st := conn.(*tls.Conn).ConnectionState()
	info.Version = tls.VersionName(st.Version)
	info.CipherSuite = tls.CipherSuiteName(st.CipherSuite)
	if len(st.PeerCertificates) > 0 {
		leaf := st.PeerCertificates[0]
		info.ServerSubject = leaf.Subject.String()
		info.ServerIssuer = leaf.Issuer.String()
		info.ServerNotAfter = leaf.NotAfter
	}
	return info, nil
}
