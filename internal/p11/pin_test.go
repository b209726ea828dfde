package p11

import (
	"context"
	"net/http"
	"testing"

	"github.com/signet-project/signet/internal/client"
)

func TestPINMode(t *testing.T) {
	f := standardFake(t)
	var pins []string
	login := func(_ context.Context, pin string) (Backend, error) {
		pins = append(pins, pin)
		if pin != "the-api-key" {
			return nil, &client.APIError{Status: http.StatusUnauthorized, Code: "bad_api_key"}
		}
		return f, nil
	}
	m := NewModule(Env{}, WithPINLogin(login))
	if rv := m.Initialize(nil); rv != CKR_OK {
		t.Fatal(rv)
	}
	defer m.Finalize()
	ti, _ := m.GetTokenInfo(SlotID)
	if ti.Flags&CKF_LOGIN_REQUIRED == 0 {
		t.Error("PIN mode without CKF_LOGIN_REQUIRED")
	}
	h, _ := m.OpenSession(SlotID, CKF_SERIAL_SESSION)
	if got := find(t, m, h); len(got) != 0 {
		t.Errorf("%d objects before login", len(got))
	}
	if rv := m.Login(h, CKU_USER, []byte("wrong")); rv != CKR_PIN_INCORRECT {
		t.Errorf("wrong PIN: %v", rv)
	}
	if rv := m.Login(h, CKU_USER, nil); rv != CKR_PIN_INCORRECT {
		t.Errorf("NULL PIN: %v", rv)
	}
	if rv := m.Login(h, CKU_USER, []byte("the-api-key")); rv != CKR_OK {
		t.Fatalf("login: %v", rv)
	}
	priv := findKey(t, m, h, CKO_PRIVATE_KEY, "p256")
	if got := attr(t, m, h, priv, CKA_PRIVATE); got[0] != 1 {
		t.Error("private key not CKA_PRIVATE in PIN mode")
	}
	if _, rv := signAll(t, m, h, Mechanism{Type: CKM_ECDSA}, priv, make([]byte, 32)); rv != CKR_OK {
		t.Errorf("sign after login: %v", rv)
	}
	m.Logout(h)
	if got := find(t, m, h); len(got) != 0 {
		t.Errorf("%d objects after logout", len(got))
	}
	if rv := m.GetAttributeValue(h, priv, []Attribute{{Type: CKA_LABEL}}); rv != CKR_OBJECT_HANDLE_INVALID {
		t.Errorf("private object after logout: %v", rv)
	}
	if len(pins) != 2 {
		t.Errorf("login called %d times (the NULL PIN must not reach the server)", len(pins))
	}
}
