package api

import (
	"net/http"

	"github.com/signet-project/signet/internal/label"
	"github.com/signet-project/signet/internal/policy"
	"github.com/signet-project/signet/internal/signing"
)

// signBody is the body of POST /keypairs/{ref}/sign. Hash is base64 (the
// JSON encoding of []byte); for pure Ed25519 it holds the message.
type signBody struct {
	SigAlg   string `json:"sig_alg"`
	Hash     []byte `json:"hash"`
	Tool     string `json:"tool,omitempty"`
	FileName string `json:"file_name,omitempty"`
	FileSize int64  `json:"file_size,omitempty"`
	// Timestamp asks for an RFC 3161 token over the signature.
	Timestamp bool `json:"timestamp,omitempty"`
	// Generation, when set, is the key generation expected: another is
	// refused (409 keypair_rotated) before anything is signed.
	Generation int `json:"generation,omitempty"`
}

type signAnswer struct {
	Signature   []byte `json:"signature"`
	SignatureID string `json:"signature_id"`
	KeypairID   string `json:"keypair_id"`
	Alias       string `json:"alias"`
	Generation  int    `json:"generation"`
	SigAlg      string `json:"sig_alg"`
	// TimestampToken is the RFC 3161 token over the signature (DER, base64).
	TimestampToken []byte `json:"timestamp_token,omitempty"`
}

type batchItem struct {
	Hash     []byte `json:"hash"`
	FileName string `json:"file_name,omitempty"`
	FileSize int64  `json:"file_size,omitempty"`
}

type batchBody struct {
	SigAlg string      `json:"sig_alg"`
	Tool   string      `json:"tool,omitempty"`
	Items  []batchItem `json:"items"`
	// Timestamp asks for an RFC 3161 token over every signature.
	Timestamp bool `json:"timestamp,omitempty"`
	// Generation, when set, is the key generation expected.
	Generation int `json:"generation,omitempty"`
}

type batchAnswer struct {
	Signatures []signAnswer `json:"signatures"`
}

func (a *API) sign(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	var b signBody
	if err := decodeJSON(w, r, a.MaxBody, &b); err != nil {
		return err
	}
	req := signing.Request{Keypair: r.PathValue("ref"), SigAlg: b.SigAlg, Tool: b.Tool, Timestamp: b.Timestamp, Generation: b.Generation,
		Items: []signing.Item{{Input: b.Hash, FileName: b.FileName, FileSize: b.FileSize}}}
	out, err := a.signAll(r, p, req)
	if err != nil {
		return err
	}
	renderJSON(w, http.StatusOK, out[0])
	return nil
}

func (a *API) signBatch(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	var b batchBody
	if err := decodeJSON(w, r, a.MaxBody, &b); err != nil {
		return err
	}
	req := signing.Request{Keypair: r.PathValue("ref"), SigAlg: b.SigAlg, Tool: b.Tool, Timestamp: b.Timestamp,
		Generation: b.Generation}
	for _, it := range b.Items {
		req.Items = append(req.Items, signing.Item{Input: it.Hash, FileName: it.FileName, FileSize: it.FileSize})
	}
	out, err := a.signAll(r, p, req)
	if err != nil {
		return err
	}
	renderJSON(w, http.StatusOK, batchAnswer{Signatures: out})
	return nil
}

func (a *API) signAll(r *http.Request, p policy.Principal, req signing.Request) ([]signAnswer, error) {
	if req.Tool == "" {
		req.Tool = label.Clean(r.UserAgent(), label.MaxTool)
	}
	res, kp, err := a.Signing.Sign(r.Context(), p, req)
	if err != nil {
		return nil, err
	}
	out := make([]signAnswer, len(res))
	for i, s := range res {
		out[i] = signAnswer{Signature: s.Signature, SignatureID: s.RecordID, KeypairID: kp.ID,
			Alias: kp.Alias, Generation: kp.Generation, SigAlg: s.SigAlg, TimestampToken: s.TimestampToken}
	}
	return out, nil
}
