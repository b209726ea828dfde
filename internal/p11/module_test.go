package p11

import (
	"bytes"
	"strings"
	"sync"
	"testing"
)

func TestNotInitialized(t *testing.T) {
	m := NewModule(Env{}, WithBackend(newFake()))
	if _, rv := m.GetInfo(); rv != CKR_CRYPTOKI_NOT_INITIALIZED {
		t.Errorf("GetInfo before C_Initialize = %v", rv)
	}
	if _, rv := m.GetSlotList(true); rv != CKR_CRYPTOKI_NOT_INITIALIZED {
		t.Errorf("GetSlotList = %v", rv)
	}
	if rv := m.CloseSession(1); rv != CKR_CRYPTOKI_NOT_INITIALIZED {
		t.Errorf("CloseSession = %v", rv)
	}
	if rv := m.Finalize(); rv != CKR_CRYPTOKI_NOT_INITIALIZED {
		t.Errorf("Finalize = %v", rv)
	}
}

func TestInitializeArgs(t *testing.T) {
	tests := []struct {
		name string
		args *InitArgs
		want RV
	}{
		{"NULL", nil, CKR_OK},
		{"OS locking", &InitArgs{Flags: CKF_OS_LOCKING_OK}, CKR_OK},
		{"application mutexes", &InitArgs{MutexFuncs: 4}, CKR_OK},
		{"some mutexes", &InitArgs{MutexFuncs: 2}, CKR_ARGUMENTS_BAD},
		{"reserved", &InitArgs{Reserved: true}, CKR_ARGUMENTS_BAD},
		{"no threads", &InitArgs{Flags: CKF_LIBRARY_CANT_CREATE_OS_THREADS}, CKR_NEED_TO_CREATE_THREADS},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := NewModule(Env{}, WithBackend(newFake()))
			if rv := m.Initialize(tt.args); rv != tt.want {
				t.Fatalf("Initialize = %v, want %v", rv, tt.want)
			}
			if tt.want == CKR_OK {
				if rv := m.Initialize(nil); rv != CKR_CRYPTOKI_ALREADY_INITIALIZED {
					t.Errorf("second Initialize = %v", rv)
				}
				if rv := m.Finalize(); rv != CKR_OK {
					t.Errorf("Finalize = %v", rv)
				}
			}
		})
	}
}

func TestReinitialize(t *testing.T) {
	m, h := open(t, standardFake(t))
	if rv := m.Finalize(); rv != CKR_OK {
		t.Fatal(rv)
	}
	if _, rv := m.GetSessionInfo(h); rv != CKR_CRYPTOKI_NOT_INITIALIZED {
		t.Errorf("session after Finalize: %v", rv)
	}
	if rv := m.Initialize(nil); rv != CKR_OK {
		t.Fatal(rv)
	}
	h, _ = m.OpenSession(SlotID, CKF_SERIAL_SESSION)
	if got := find(t, m, h); len(got) == 0 {
		t.Error("no objects after re-initialization")
	}
}

func TestInfoSlotToken(t *testing.T) {
	m, _ := open(t, standardFake(t))
	info, rv := m.GetInfo()
	if rv != CKR_OK || info.CryptokiVersion != [2]byte{2, 40} || info.ManufacturerID != "Signet" {
		t.Errorf("GetInfo = %+v, %v", info, rv)
	}
	slots, _ := m.GetSlotList(true)
	if len(slots) != 1 || slots[0] != SlotID {
		t.Errorf("slots = %v", slots)
	}
	if _, rv := m.GetSlotInfo(7); rv != CKR_SLOT_ID_INVALID {
		t.Errorf("GetSlotInfo(7) = %v", rv)
	}
	si, _ := m.GetSlotInfo(SlotID)
	if si.Flags&CKF_TOKEN_PRESENT == 0 {
		t.Error("token not present")
	}
	m.OpenSession(SlotID, CKF_SERIAL_SESSION|CKF_RW_SESSION)
	ti, rv := m.GetTokenInfo(SlotID)
	if rv != CKR_OK || ti.Label != "signet" || ti.Flags != CKF_TOKEN_INITIALIZED|CKF_USER_PIN_INITIALIZED ||
		ti.SessionCount != 2 || ti.RwSessionCount != 1 || len(ti.SerialNumber) != 16 {
		t.Errorf("GetTokenInfo = %+v, %v", ti, rv)
	}
	if got := Pad("signet", 8); !bytes.Equal(got, []byte("signet  ")) {
		t.Errorf("Pad = %q", got)
	}
	if got := Pad(strings.Repeat("x", 40), 32); len(got) != 32 {
		t.Errorf("Pad length %d", len(got))
	}
}

func TestMechanisms(t *testing.T) {
	m, _ := open(t, newFake())
	list, rv := m.GetMechanismList(SlotID)
	if rv != CKR_OK || len(list) != 13 {
		t.Fatalf("mechanisms = %v, %v", list, rv)
	}
	for _, mt := range list {
		info, rv := m.GetMechanismInfo(SlotID, mt)
		if rv != CKR_OK || info.Flags&(CKF_SIGN|CKF_VERIFY) != CKF_SIGN|CKF_VERIFY || info.MinKeySize == 0 || info.MaxKeySize < info.MinKeySize {
			t.Errorf("mechanism 0x%x: %+v, %v", mt, info, rv)
		}
	}
	if info, _ := m.GetMechanismInfo(SlotID, CKM_ECDSA); info.MinKeySize != 256 || info.MaxKeySize != 521 {
		t.Errorf("ECDSA sizes %+v", info)
	}
	if _, rv := m.GetMechanismInfo(SlotID, 0x1234); rv != CKR_MECHANISM_INVALID {
		t.Errorf("unknown mechanism: %v", rv)
	}
}

func TestSessionsAndLogin(t *testing.T) {
	m, h := open(t, standardFake(t))
	if _, rv := m.OpenSession(SlotID, CKF_RW_SESSION); rv != CKR_SESSION_PARALLEL_NOT_SUPPORTED {
		t.Errorf("non-serial session: %v", rv)
	}
	if _, rv := m.GetSessionInfo(999); rv != CKR_SESSION_HANDLE_INVALID {
		t.Errorf("bad handle: %v", rv)
	}
	state := func(h SessionHandle) uint {
		si, rv := m.GetSessionInfo(h)
		if rv != CKR_OK {
			t.Fatal(rv)
		}
		return si.State
	}
	rw, _ := m.OpenSession(SlotID, CKF_SERIAL_SESSION|CKF_RW_SESSION)
	if state(h) != CKS_RO_PUBLIC_SESSION || state(rw) != CKS_RW_PUBLIC_SESSION {
		t.Error("states before login")
	}
	if rv := m.Login(h, CKU_SO, []byte("x")); rv != CKR_USER_TYPE_INVALID {
		t.Errorf("SO login: %v", rv)
	}
	if rv := m.Logout(h); rv != CKR_USER_NOT_LOGGED_IN {
		t.Errorf("logout before login: %v", rv)
	}
	if rv := m.Login(h, CKU_USER, []byte("any pin at all")); rv != CKR_OK {
		t.Fatalf("login: %v", rv)
	}
	if state(h) != CKS_RO_USER_FUNCTIONS || state(rw) != CKS_RW_USER_FUNCTIONS {
		t.Error("states after login")
	}
	if rv := m.Login(rw, CKU_USER, nil); rv != CKR_USER_ALREADY_LOGGED_IN {
		t.Errorf("second login: %v", rv)
	}
	if rv := m.Logout(h); rv != CKR_OK {
		t.Errorf("logout: %v", rv)
	}
	if rv := m.Login(h, CKU_USER, nil); rv != CKR_OK {
		t.Errorf("login with a NULL PIN: %v", rv)
	}
	m.CloseSession(h)
	m.CloseSession(rw)
	if rv := m.CloseSession(h); rv != CKR_SESSION_HANDLE_INVALID {
		t.Errorf("closing twice: %v", rv)
	}
	h, _ = m.OpenSession(SlotID, CKF_SERIAL_SESSION)
	if state(h) != CKS_RO_PUBLIC_SESSION {
		t.Error("closing the last session did not log out")
	}
	if rv := m.CloseAllSessions(SlotID); rv != CKR_OK {
		t.Error(rv)
	}
	if _, rv := m.GetSessionInfo(h); rv != CKR_SESSION_HANDLE_INVALID {
		t.Errorf("session after CloseAllSessions: %v", rv)
	}
}

func TestCallRecoversPanics(t *testing.T) {
	var log bytes.Buffer
	f := standardFake(t)
	m, h := open(t, f, WithLogger(newTextLogger(&log)))
	f.panicSign = true
	key := findKey(t, m, h, CKO_PRIVATE_KEY, "p256")
	rv := m.Call("C_Sign", func() RV {
		_, rv := signAll(t, m, h, Mechanism{Type: CKM_ECDSA}, key, make([]byte, 32))
		return rv
	})
	if rv != CKR_GENERAL_ERROR || !strings.Contains(log.String(), "backend exploded") {
		t.Fatalf("rv = %v, log %q", rv, log.String())
	}
}

// TestConcurrentSessions runs searches and signatures from many threads, as
// a host with CKF_OS_LOCKING_OK may (run it with -race).
func TestConcurrentSessions(t *testing.T) {
	m, _ := open(t, standardFake(t), WithCacheTTL(0))
	mechs := map[string]MechanismType{"p256": CKM_ECDSA_SHA256, "rsa": CKM_SHA256_RSA_PKCS, "ed": CKM_EDDSA}
	labels := []string{"p256", "rsa", "ed"}
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for i := range 8 {
		wg.Go(func() {
			label := labels[i%3]
			h, rv := m.OpenSession(SlotID, CKF_SERIAL_SESSION)
			if rv != CKR_OK {
				errs <- rv.String()
				return
			}
			defer m.CloseSession(h)
			for range 5 {
				if rv := signOnce(m, h, label, mechs[label]); rv != CKR_OK {
					errs <- label + ": " + rv.String()
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// signOnce finds the private key label and signs with mech, without t (it
// runs on other goroutines).
func signOnce(m *Module, h SessionHandle, label string, mech MechanismType) RV {
	tmpl := []Attribute{{Type: CKA_CLASS, Value: ulong(CKO_PRIVATE_KEY)}, {Type: CKA_LABEL, Value: []byte(label)}}
	if rv := m.FindObjectsInit(h, tmpl); rv != CKR_OK {
		return rv
	}
	found, rv := m.FindObjects(h, 1)
	m.FindObjectsFinal(h)
	if rv != CKR_OK || len(found) != 1 {
		return CKR_OBJECT_HANDLE_INVALID
	}
	if rv := m.SignInit(h, Mechanism{Type: mech}, found[0]); rv != CKR_OK {
		return rv
	}
	_, rv = m.Sign(h, []byte("data"), make([]byte, 512))
	return rv
}
