package tsa

import (
	"crypto"
	"encoding/asn1"
	"fmt"

	"github.com/digitorus/timestamp"
)

// MaxRequest is the largest time-stamp request accepted, in bytes. A
// request holds a digest, a nonce and a policy: a few hundred bytes.
const MaxRequest = 16 << 10

// Hashes are the message-imprint algorithms the TSA accepts.
var Hashes = []crypto.Hash{crypto.SHA256, crypto.SHA384, crypto.SHA512}

// RequestError is a time-stamp request the TSA refuses, with the PKIFailureInfo to answer.
type RequestError struct {
	Failure timestamp.FailureInfo
	Msg     string
}

func (e *RequestError) Error() string { return "tsa: " + e.Msg }

func refuse(f timestamp.FailureInfo, format string, args ...any) *RequestError {
	return &RequestError{Failure: f, Msg: fmt.Sprintf(format, args...)}
}

// ParseRequest decodes a DER TimeStampReq (RFC 3161, 2.4.1) from an
// untrusted client: one version 1 request, no trailing bytes, an accepted
// hash with a digest of its length, a nonce of at most 256 bits and no
// critical extension. It never panics.
func ParseRequest(der []byte) (req *timestamp.Request, err error) {
	defer func() {
		if r := recover(); r != nil { // belt and braces: the decoder reads untrusted bytes
			req, err = nil, refuse(timestamp.BadDataFormat, "malformed request")
		}
	}()
	if len(der) == 0 {
		return nil, refuse(timestamp.BadDataFormat, "empty request")
	}
	if len(der) > MaxRequest {
		return nil, refuse(timestamp.BadDataFormat, "request larger than %d bytes", MaxRequest)
	}
	req, err = timestamp.ParseRequest(der)
	if err != nil {
		return nil, refuse(timestamp.BadDataFormat, "malformed request: %v", err)
	}
	var head struct{ Version int } // the decoder above does not look at it
	if _, err := asn1.Unmarshal(der, &head); err != nil || head.Version != 1 {
		return nil, refuse(timestamp.BadDataFormat, "request version %d is not 1 (RFC 3161)", head.Version)
	}
	ok := false
	for _, h := range Hashes {
		ok = ok || h == req.HashAlgorithm
	}
	if !ok {
		return nil, refuse(timestamp.BadAlgorithm, "message imprint hash %v is not accepted (SHA-256, SHA-384, SHA-512 are)", req.HashAlgorithm)
	}
	if len(req.HashedMessage) != req.HashAlgorithm.Size() {
		return nil, refuse(timestamp.BadDataFormat, "message imprint is %d bytes, not the %d of %v", len(req.HashedMessage), req.HashAlgorithm.Size(), req.HashAlgorithm)
	}
	if req.Nonce != nil && (req.Nonce.Sign() < 0 || req.Nonce.BitLen() > 256) {
		return nil, refuse(timestamp.BadRequest, "nonce must be a positive integer of at most 256 bits")
	}
	for _, e := range req.Extensions {
		if e.Critical {
			return nil, refuse(timestamp.UnacceptedExtension, "critical extension %v is not supported", e.Id)
		}
	}
	return req, nil
}
