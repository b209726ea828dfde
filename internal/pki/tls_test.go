package pki

import (
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"testing"
	"time"
)

// tlsCert bundles a leaf and the chain above it for crypto/tls.
func tlsCert(key crypto.Signer, leaf *x509.Certificate, chain []*x509.Certificate) tls.Certificate {
	c := tls.Certificate{PrivateKey: key, Leaf: leaf, Certificate: [][]byte{leaf.Raw}}
	for _, ch := range chain {
		c.Certificate = append(c.Certificate, ch.Raw)
	}
	return c
}

// handshake runs a mutual-TLS handshake over loopback TCP and returns the
// user id the server mapped the client certificate to, or the client's and
// the server's errors.
func handshake(t *testing.T, server, client tls.Certificate, roots *x509.CertPool, serverName string) (string, error, error) {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		Certificates: []tls.Certificate{server},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    roots,
		MinVersion:   tls.VersionTLS12,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()

	type result struct {
		user string
		err  error
	}
	done := make(chan result, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			done <- result{err: err}
			return
		}
		defer conn.Close()
		tc := conn.(*tls.Conn)
		if err := tc.Handshake(); err != nil {
			done <- result{err: err}
			return
		}
		user, err := UserID(tc.ConnectionState().PeerCertificates[0])
		if err == nil {
			_, err = io.WriteString(tc, "hello "+user)
		}
		done <- result{user, err}
	}()

	conn, cerr := tls.Dial("tcp", ln.Addr().String(), &tls.Config{
		// Always send the certificate, even one the server does not ask for,
		// so that the server is the one to judge it.
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &client, nil },
		RootCAs:              roots,
		ServerName:           serverName,
		MinVersion:           tls.VersionTLS12,
	})
	if cerr == nil {
		// TLS 1.3 reports a rejected client certificate on the first read.
		var buf [64]byte
		_, cerr = conn.Read(buf[:])
		conn.Close()
	}
	r := <-done
	return r.user, cerr, r.err
}

func TestMutualTLS(t *testing.T) {
	h := newHierarchy(t)
	roots := x509.NewCertPool()
	roots.AddCert(h.root.Cert)

	serverKey, clientKey := newKey(t, "ecdsa"), newKey(t, "rsa")
	server := tlsCert(serverKey, h.issue(t, ServerTemplate([]string{"localhost", "127.0.0.1"}, time.Hour), serverKey), h.inter.IssuerChain()[:1])
	client := tlsCert(clientKey, h.issue(t, ClientTemplate("u-7", "Grace", time.Hour), clientKey), h.inter.IssuerChain()[:1])

	// A client certificate from another CA, and a server certificate used as a client one.
	other, err := NewRoot(pkix.Name{CommonName: "Other Root"}, newKey(t, "ecdsa"), time.Hour, h.now)
	if err != nil {
		t.Fatal(err)
	}
	strangerKey := newKey(t, "ed25519")
	stranger, err := other.Issue(ClientTemplate("u-7", "Mallory", time.Hour), strangerKey.Public(), h.now)
	if err != nil {
		t.Fatal(err)
	}
	serverAsClient := tlsCert(serverKey, server.Leaf, h.inter.IssuerChain()[:1])

	cases := []struct {
		name       string
		client     tls.Certificate
		serverName string
		wantUser   string           // empty: the handshake must fail
		why        func(error) bool // for a failure: the cause on the rejecting side
	}{
		{"dns name", client, "localhost", "u-7", nil},
		{"ip address", client, "127.0.0.1", "u-7", nil},
		{"wrong host", client, "signet.example", "", isErr[x509.HostnameError]},
		{"client from another CA", tlsCert(strangerKey, stranger, nil), "localhost", "", isErr[x509.UnknownAuthorityError]},
		{"server cert as client cert", serverAsClient, "localhost", "", isErr[x509.CertificateInvalidError]},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			user, cerr, serr := handshake(t, server, c.client, roots, c.serverName)
			if c.wantUser == "" {
				if cerr == nil || serr == nil {
					t.Fatalf("handshake should fail on both sides: client %v, server %v", cerr, serr)
				}
				if !c.why(cerr) && !c.why(serr) {
					t.Fatalf("handshake failed for another reason: client %v, server %v", cerr, serr)
				}
				return
			}
			if cerr != nil || serr != nil {
				t.Fatalf("client %v, server %v", cerr, serr)
			}
			if user != c.wantUser {
				t.Errorf("server mapped the client to %q, want %q", user, c.wantUser)
			}
		})
	}
}

// isErr reports whether err wraps an E.
func isErr[E error](err error) bool {
	var e E
	return errors.As(err, &e)
}
