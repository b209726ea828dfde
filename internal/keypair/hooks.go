package keypair

import (
	"context"

	"github.com/signet-project/signet/internal/policy"
)

// Hooks extend keypair generation and rotation with keypair profiles and
// certificates (implemented by the ca package).
type Hooks interface {
	// BeforeGenerate applies keypair profiles to r before it is validated,
	// and refuses a request its profile or the account settings forbid.
	BeforeGenerate(ctx context.Context, p policy.Principal, r *CreateRequest) error
	// AfterGenerate runs once the keypair exists: it sets a test keypair's
	// expiry and issues the certificate r asks for.
	AfterGenerate(ctx context.Context, p policy.Principal, kp *Keypair, r CreateRequest) error
	// AfterRotate runs once a keypair has a new key (its certificate
	// follows). Errors are the hook's to report.
	AfterRotate(ctx context.Context, kp *Keypair)
}
