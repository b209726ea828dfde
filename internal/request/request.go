// Package request carries per-request facts (client address, request id,
// principal) through a context, for services to record in logs.
package request

import (
	"context"

	"github.com/signet-project/signet/internal/policy"
)

// Meta is what the HTTP layer knows of a request.
type Meta struct {
	ID        string
	ClientIP  string
	UserAgent string
}

type metaKey struct{}
type principalKey struct{}

// WithMeta returns ctx carrying m.
func WithMeta(ctx context.Context, m Meta) context.Context {
	return context.WithValue(ctx, metaKey{}, m)
}

// MetaFrom returns the request facts in ctx (zero if none).
func MetaFrom(ctx context.Context) Meta {
	m, _ := ctx.Value(metaKey{}).(Meta)
	return m
}

// WithPrincipal returns ctx carrying the authenticated principal.
func WithPrincipal(ctx context.Context, p policy.Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal in ctx and whether there is one.
func PrincipalFrom(ctx context.Context) (policy.Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(policy.Principal)
	return p, ok
}
