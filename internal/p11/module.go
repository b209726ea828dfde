package p11

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"
)

// Identity of the module and its single slot and token.
const (
	SlotID       = 0
	TokenLabel   = "signet"
	Manufacturer = "Signet"
	Model        = "libsignet-pkcs11"
	Description  = "Signet remote signing"
)

// Version of the module (CK_VERSION of the library, token and slot).
var Version = [2]byte{0, 1}

// Module is the state of the PKCS#11 module: one per process, driven by the
// C shims in cmd/libsignet-pkcs11. Its methods are the C_ functions in Go
// types; all are safe for concurrent use, and none holds a lock while it
// talks to the backend.
type Module struct {
	env  Env
	opts options

	mu          sync.Mutex
	initialized bool
	log         *slog.Logger
	logFile     io.Closer
	backend     Backend                                                // nil until C_Login in PIN mode
	pinLogin    func(ctx context.Context, pin string) (Backend, error) // set in PIN mode
	loggedIn    bool
	sessions    map[SessionHandle]*session
	nextSession SessionHandle
	serial      string
	store       *store
	show        func(alias string) bool // SIGNET_PKCS11_KEYS
}

type options struct {
	backend  Backend
	pinLogin func(ctx context.Context, pin string) (Backend, error)
	ttl      time.Duration
	timeout  time.Duration
	now      func() time.Time
	logger   *slog.Logger
}

// Option configures a Module, for tests and embedding.
type Option func(*options)

// WithBackend uses b instead of a client built from the configuration.
func WithBackend(b Backend) Option { return func(o *options) { o.backend = b } }

// WithPINLogin puts the token in PIN mode (CKF_LOGIN_REQUIRED): C_Login
// calls login with the PIN to get the backend, as happens when no API key
// is configured and the PIN is the API key.
func WithPINLogin(login func(ctx context.Context, pin string) (Backend, error)) Option {
	return func(o *options) { o.pinLogin = login }
}

// WithCacheTTL sets how long the key list is reused before a new search
// fetches it again (default 5 seconds).
func WithCacheTTL(d time.Duration) Option { return func(o *options) { o.ttl = d } }

// WithClock replaces time.Now, for cache tests.
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithLogger replaces the logger configured from SIGNET_PKCS11_LOG.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// NewModule returns an uninitialized module reading its settings from env
// at C_Initialize.
func NewModule(env Env, opts ...Option) *Module {
	o := options{ttl: 5 * time.Second, timeout: 90 * time.Second, now: time.Now}
	for _, f := range opts {
		f(&o)
	}
	return &Module{env: env, opts: o, log: slog.New(slog.DiscardHandler)}
}

// Call runs one C_ function: it recovers a panic into CKR_GENERAL_ERROR (a
// panic must never unwind into C) and logs the call at debug level.
func (m *Module) Call(name string, f func() RV) (rv RV) {
	defer func() {
		if p := recover(); p != nil {
			m.logger().Error("panic in PKCS#11 call", "func", name, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			rv = CKR_GENERAL_ERROR
		}
	}()
	rv = f()
	m.logger().Debug("call", "func", name, "rv", rv)
	return rv
}

func (m *Module) logger() *slog.Logger {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.log
}

// InitArgs is what C_Initialize was given (nil for a NULL pInitArgs).
type InitArgs struct {
	Flags      uint
	MutexFuncs int  // how many of the four mutex callbacks are set
	Reserved   bool // pReserved is not NULL
}

// Initialize is C_Initialize. The module always uses its own (Go) locking,
// which the specification allows whatever the flags say. A configuration
// that cannot be used does not fail C_Initialize: it is logged, and
// searches and signatures then fail, so that programs loading several
// modules keep working.
func (m *Module) Initialize(args *InitArgs) RV {
	if args != nil {
		switch {
		case args.Reserved, args.MutexFuncs != 0 && args.MutexFuncs != 4:
			return CKR_ARGUMENTS_BAD
		case args.Flags&CKF_LIBRARY_CANT_CREATE_OS_THREADS != 0:
			return CKR_NEED_TO_CREATE_THREADS
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.initialized {
		return CKR_CRYPTOKI_ALREADY_INITIALIZED
	}
	c := m.configure()
	m.log, m.logFile, m.backend, m.pinLogin = c.log, c.logFile, c.backend, c.pinLogin
	sum := sha256.Sum256([]byte(c.host))
	m.serial = hex.EncodeToString(sum[:8])
	m.sessions, m.loggedIn, m.store = map[SessionHandle]*session{}, false, newStore()
	m.show = keyFilter(c.keys)
	m.initialized = true
	m.log.Info("initialized", "host", c.host, "pin_mode", m.pinLogin != nil)
	return CKR_OK
}

// Finalize is C_Finalize. It is cheap and never blocks on the network, as
// programs call it from exit handlers.
func (m *Module) Finalize() RV {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.initialized {
		return CKR_CRYPTOKI_NOT_INITIALIZED
	}
	m.initialized = false
	m.sessions, m.store = nil, nil
	if c, ok := m.backend.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
	m.backend, m.loggedIn = nil, false
	m.log.Info("finalized")
	if m.logFile != nil {
		_ = m.logFile.Close()
		m.logFile = nil
	}
	m.log = slog.New(slog.DiscardHandler)
	return CKR_OK
}

// Info is a CK_INFO.
type Info struct {
	CryptokiVersion    [2]byte
	ManufacturerID     string
	Flags              uint
	LibraryDescription string
	LibraryVersion     [2]byte
}

// GetInfo is C_GetInfo.
func (m *Module) GetInfo() (Info, RV) {
	if rv := m.checkInit(); rv != CKR_OK {
		return Info{}, rv
	}
	return Info{CryptokiVersion: [2]byte{2, 40}, ManufacturerID: Manufacturer,
		LibraryDescription: Description, LibraryVersion: Version}, CKR_OK
}

func (m *Module) checkInit() RV {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.initialized {
		return CKR_CRYPTOKI_NOT_INITIALIZED
	}
	return CKR_OK
}

func (m *Module) checkSlot(slot uint) RV {
	if rv := m.checkInit(); rv != CKR_OK {
		return rv
	}
	if slot != SlotID {
		return CKR_SLOT_ID_INVALID
	}
	return CKR_OK
}

// Pad returns s cut or padded with spaces to n bytes, as the fixed-size
// strings of CK_INFO, CK_SLOT_INFO and CK_TOKEN_INFO need.
func Pad(s string, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = ' '
	}
	copy(b, s)
	return b
}
