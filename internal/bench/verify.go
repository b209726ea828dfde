package bench

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"errors"
	"fmt"
	"net"
	"net/url"

	"github.com/signet-project/signet/internal/sigalg"
)

// Verify checks sig over input (a digest, or the message for pure Ed25519).
func Verify(pub crypto.PublicKey, alg sigalg.Alg, input, sig []byte) error {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if alg.PSS {
			return rsa.VerifyPSS(k, alg.Hash, input, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		}
		return rsa.VerifyPKCS1v15(k, alg.Hash, input, sig)
	case *ecdsa.PublicKey:
		if !ecdsa.VerifyASN1(k, input, sig) {
			return errors.New("bench: invalid ECDSA signature")
		}
		return nil
	case ed25519.PublicKey:
		var opts ed25519.Options
		if !alg.Pure {
			opts.Hash = crypto.SHA512
		}
		return ed25519.VerifyWithOptions(k, input, sig, &opts)
	}
	return fmt.Errorf("bench: cannot verify with a %T", pub)
}

// CheckLoopback refuses a URL whose host is not on this machine's loopback:
// the benchmark is a load test and sends traffic nowhere else.
func CheckLoopback(ctx context.Context, rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return fmt.Errorf("bench: bad URL %q: %v", rawURL, err)
	}
	host := u.Hostname()
	ips := []net.IP{net.ParseIP(host)}
	if ips[0] == nil {
		addrs, err := net.DefaultResolver.LookupIPAddr(ctx, host)
		if err != nil {
			return fmt.Errorf("bench: resolving %s: %w", host, err)
		}
		ips = ips[:0]
		for _, a := range addrs {
			ips = append(ips, a.IP)
		}
	}
	for _, ip := range ips {
		if !ip.IsLoopback() {
			return fmt.Errorf("bench: %s is not a loopback address; the benchmark only loads servers on this machine", host)
		}
	}
	if len(ips) == 0 {
		return fmt.Errorf("bench: %s has no address", host)
	}
	return nil
}
