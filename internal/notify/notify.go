// Package notify tells approvers that an offline release waits for them,
// by webhook and by e-mail. It implements [release.Notifier].
//
// # Webhooks
//
// Each [Webhook] receives a POST of a JSON [Event]. The body is signed with
// HMAC-SHA256 under the webhook's secret; the hex digest is sent as
//
//	X-Signet-Signature-256: sha256=HEX
//
// with X-Signet-Event and X-Signet-Delivery (the event's id). A receiver
// recomputes the HMAC over the raw body and compares in constant time
// ([VerifySignature] does it), then may refuse an event id it has seen.
//
// # E-mail
//
// [SMTP] sends one plain-text message to the configured approver
// addresses, upgrading the connection with STARTTLS when the server offers
// it. Credentials are sent only over TLS (or to localhost), and the
// password is never logged.
//
// # Delivery
//
// [Notifier.ApprovalRequested] returns at once and delivers in the
// background, so a slow receiver never holds up the request that created
// the release. Each delivery is tried up to 1+Retries times, each attempt
// bounded by Timeout; a refusal that retrying cannot fix (HTTP 4xx other
// than 408 and 429, SMTP 5xx) is not retried. Failures are logged.
// [Notifier.Close] waits for deliveries under way.
package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/signet-project/signet/internal/release"
)

var _ release.Notifier = (*Notifier)(nil)

// EventApprovalRequested is the event sent when an offline release waits
// for approval.
const EventApprovalRequested = "release.approval_requested"

// Event is the JSON body of a webhook delivery.
type Event struct {
	Event   string       `json:"event"` // EventApprovalRequested
	ID      string       `json:"id"`    // unique per event; the same on every retry
	Time    time.Time    `json:"time"`
	Release EventRelease `json:"release"`

	approvers []string // e-mail addresses from Lookup.Approvers
}

// EventRelease is the release an event is about, with names resolved
// where the [Lookup] could.
type EventRelease struct {
	*release.Release
	KeypairAliases []string `json:"keypair_aliases"`
	RequestedBy    string   `json:"requested_by"` // user name, or id
	// Approve and Reject are the CLI commands that decide.
	Approve string `json:"approve_command"`
	Reject  string `json:"reject_command"`
}

// Lookup turns ids into names for people; either function may be nil, and
// an id whose lookup fails is shown as is.
type Lookup struct {
	UserName     func(ctx context.Context, id string) (string, error)
	KeypairAlias func(ctx context.Context, id string) (string, error)
	// Approvers returns the e-mail addresses of the users who may approve
	// a release of team requested by requester (user id); they get the
	// e-mail beside notify.smtp.to.
	Approvers func(ctx context.Context, team, requester string) ([]string, error)
}

// Options configure a Notifier.
type Options struct {
	Webhooks []Webhook
	SMTP     *SMTP // nil: no e-mail
	Lookup   Lookup
	Log      *slog.Logger
	// Timeout bounds each attempt (default 10 seconds).
	Timeout time.Duration
	// Retries is how many times a failed delivery is tried again (default
	// 2; negative: none).
	Retries int
	// Backoff is the wait before the first retry, doubled before each next
	// one (default 1 second).
	Backoff    time.Duration
	HTTPClient *http.Client // default: a client with Timeout
	Now        func() time.Time
}

// Notifier sends approval requests to webhooks and by e-mail.
type Notifier struct {
	o      Options
	ctx    context.Context // background deliveries; cancelled by Close
	cancel context.CancelFunc
	mu     sync.Mutex // guards closed and wg.Add against Close
	closed bool
	wg     sync.WaitGroup
}

// New returns a Notifier; it sends nothing until a release is requested.
func New(o Options) *Notifier {
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.Retries == 0 {
		o.Retries = 2
	}
	if o.Retries < 0 {
		o.Retries = 0
	}
	if o.Backoff <= 0 {
		o.Backoff = time.Second
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: o.Timeout}
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Notifier{o: o, ctx: ctx, cancel: cancel}
}

// ApprovalRequested sends the request in the background and returns at
// once; it implements [release.Notifier].
func (n *Notifier) ApprovalRequested(ctx context.Context, r *release.Release) error {
	ev := n.event(ctx, r)
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return errors.New("notify: closed")
	}
	n.wg.Add(1)
	cp := *r
	go func() {
		defer n.wg.Done()
		// In the background, as the request does not wait for it.
		n.withApprovers(n.ctx, &ev, &cp)
		_ = n.Send(n.ctx, ev)
	}()
	return nil
}

// Send delivers ev to every webhook and by e-mail, each with its retries,
// and returns every failure joined. Failures are logged as well.
func (n *Notifier) Send(ctx context.Context, ev Event) error {
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	deliver := func(channel, target string, once func(context.Context) error) {
		defer wg.Done()
		if err := n.retry(ctx, once); err != nil {
			n.o.Log.Error("release notification failed", "channel", channel, "to", target,
				"release", ev.Release.ID, "event", ev.ID, "err", err)
			mu.Lock()
			errs = append(errs, fmt.Errorf("%s %s: %w", channel, target, err))
			mu.Unlock()
			return
		}
		n.o.Log.Info("release notification sent", "channel", channel, "to", target, "release", ev.Release.ID, "event", ev.ID)
	}
	for _, w := range n.o.Webhooks {
		wg.Add(1)
		go deliver("webhook", w.redactedURL(), func(ctx context.Context) error { return w.post(ctx, n.o.HTTPClient, ev) })
	}
	if s := n.o.SMTP; s != nil {
		wg.Add(1)
		go deliver("smtp", s.addr(), func(ctx context.Context) error { return s.send(ctx, n.o.Timeout, ev) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// retry calls once until it succeeds, fails for good, or the tries run out.
func (n *Notifier) retry(ctx context.Context, once func(context.Context) error) error {
	wait := n.o.Backoff
	for attempt := 0; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, n.o.Timeout)
		err := once(actx)
		cancel()
		var p permanent
		if err == nil || errors.As(err, &p) || attempt >= n.o.Retries {
			return err
		}
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(wait):
		}
		wait *= 2
	}
}

// permanent marks a failure that retrying cannot fix.
type permanent struct{ error }

func (p permanent) Unwrap() error { return p.error }

// Close waits for deliveries under way; when ctx ends first, it cancels
// them and returns ctx's error. Later requests are refused.
func (n *Notifier) Close(ctx context.Context) error {
	n.mu.Lock()
	n.closed = true
	n.mu.Unlock()
	done := make(chan struct{})
	go func() {
		n.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		n.cancel()
		return nil
	case <-ctx.Done():
		n.cancel()
		<-done
		return ctx.Err()
	}
}

// event builds the event of r, resolving names with the Lookup.
func (n *Notifier) event(ctx context.Context, r *release.Release) Event {
	cp := *r
	er := EventRelease{Release: &cp, RequestedBy: r.CreatedBy, KeypairAliases: make([]string, 0, len(r.Keypairs)),
		Approve: "signet release approve " + r.ID, Reject: "signet release reject " + r.ID + " --comment REASON"}
	if f := n.o.Lookup.UserName; f != nil {
		if name, err := f(ctx, r.CreatedBy); err == nil && name != "" {
			er.RequestedBy = name
		}
	}
	for _, id := range r.Keypairs {
		alias := id
		if f := n.o.Lookup.KeypairAlias; f != nil {
			if a, err := f(ctx, id); err == nil && a != "" {
				alias = a
			}
		}
		er.KeypairAliases = append(er.KeypairAliases, alias)
	}
	return Event{Event: EventApprovalRequested, ID: uuid.Must(uuid.NewV7()).String(), Time: n.o.Now().UTC(), Release: er}
}

// withApprovers adds to ev the addresses of the users who may approve r,
// for the e-mail; a failed lookup leaves notify.smtp.to alone.
func (n *Notifier) withApprovers(ctx context.Context, ev *Event, r *release.Release) {
	f := n.o.Lookup.Approvers
	if f == nil || n.o.SMTP == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, n.o.Timeout)
	defer cancel()
	addrs, err := f(ctx, r.Team, r.CreatedBy)
	if err != nil {
		n.o.Log.Warn("release approvers not found; mailing notify.smtp.to only", "release", r.ID, "err", err)
	}
	ev.approvers = addrs
}
