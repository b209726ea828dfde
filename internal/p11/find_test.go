package p11

import (
	"testing"
	"time"
)

func TestFindTemplates(t *testing.T) {
	m, h := open(t, standardFake(t))
	// 5 keys x 2, 2 certificates, 1 CA certificate shared by both chains.
	if got := find(t, m, h); len(got) != 13 {
		t.Errorf("empty template found %d objects, want 13", len(got))
	}
	tests := []struct {
		name string
		tmpl []Attribute
		want int
	}{
		{"private keys", []Attribute{{Type: CKA_CLASS, Value: ulong(CKO_PRIVATE_KEY)}}, 5},
		{"certificates", []Attribute{{Type: CKA_CLASS, Value: ulong(CKO_CERTIFICATE)}}, 3},
		{"by id", []Attribute{{Type: CKA_ID, Value: ObjectID(refRSA)}}, 3},
		{"by id and class", []Attribute{{Type: CKA_ID, Value: ObjectID(refP384)}, {Type: CKA_CLASS, Value: ulong(CKO_PUBLIC_KEY)}}, 1},
		{"EC keys that sign", []Attribute{{Type: CKA_KEY_TYPE, Value: ulong(CKK_EC)}, {Type: CKA_SIGN, Value: []byte{1}}}, 3},
		{"bool true spelled 0xff", []Attribute{{Type: CKA_TOKEN, Value: []byte{0xff}}, {Type: CKA_CLASS, Value: ulong(CKO_PRIVATE_KEY)}}, 5},
		{"no such label", []Attribute{{Type: CKA_LABEL, Value: []byte("nope")}}, 0},
		{"unknown attribute", []Attribute{{Type: 0x7777, Value: []byte{1}}}, 0},
		{"sensitive attribute", []Attribute{{Type: CKA_VALUE, Value: []byte{1}}, {Type: CKA_CLASS, Value: ulong(CKO_PRIVATE_KEY)}}, 0},
		{"authority certificates", []Attribute{{Type: CKA_CERTIFICATE_CATEGORY, Value: ulong(2)}}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := find(t, m, h, tt.tmpl...); len(got) != tt.want {
				t.Errorf("found %d, want %d", len(got), tt.want)
			}
		})
	}
}

func TestFindErrors(t *testing.T) {
	m, h := open(t, standardFake(t))
	if rv := m.FindObjectsInit(h, []Attribute{{Type: CKA_TOKEN, Value: []byte{1, 0}}}); rv != CKR_ATTRIBUTE_VALUE_INVALID {
		t.Errorf("2-byte bool: %v", rv)
	}
	if rv := m.FindObjectsInit(h, []Attribute{{Type: CKA_CLASS, Value: []byte{3}}}); rv != CKR_ATTRIBUTE_VALUE_INVALID {
		t.Errorf("1-byte CK_ULONG: %v", rv)
	}
	if _, rv := m.FindObjects(h, 1); rv != CKR_OPERATION_NOT_INITIALIZED {
		t.Errorf("FindObjects without init: %v", rv)
	}
	if rv := m.FindObjectsFinal(h); rv != CKR_OPERATION_NOT_INITIALIZED {
		t.Errorf("FindObjectsFinal without init: %v", rv)
	}
	m.FindObjectsInit(h, nil)
	if rv := m.FindObjectsInit(h, nil); rv != CKR_OPERATION_ACTIVE {
		t.Errorf("second FindObjectsInit: %v", rv)
	}
}

func TestFindBackendDown(t *testing.T) {
	f := standardFake(t)
	f.keysErr = errTest("connection refused")
	m, h := open(t, f)
	if rv := m.FindObjectsInit(h, nil); rv != CKR_DEVICE_ERROR {
		t.Errorf("FindObjectsInit with the server down: %v", rv)
	}
}

type errTest string

func (e errTest) Error() string { return string(e) }

func TestCacheAndRefresh(t *testing.T) {
	f := standardFake(t)
	now := time.Unix(1800000000, 0)
	m, h := open(t, f, WithClock(func() time.Time { return now }), WithCacheTTL(5*time.Second))
	before := findKey(t, m, h, CKO_PRIVATE_KEY, "p256")
	find(t, m, h)
	if f.keysCalls != 1 {
		t.Errorf("%d key listings within the TTL, want 1", f.keysCalls)
	}
	// A new key appears after the TTL; old handles are kept.
	f.add(t, "0190a1b2-c3d4-7e5f-8a9b-000000000009", "new", testKeys()["p384"], false)
	if got := find(t, m, h, Attribute{Type: CKA_LABEL, Value: []byte("new")}); len(got) != 0 {
		t.Error("new key seen before the TTL ran out")
	}
	now = now.Add(6 * time.Second)
	if got := find(t, m, h, Attribute{Type: CKA_LABEL, Value: []byte("new")}); len(got) != 2 {
		t.Errorf("found %d objects of the new key after the TTL", len(got))
	}
	if after := findKey(t, m, h, CKO_PRIVATE_KEY, "p256"); after != before {
		t.Errorf("handle changed from %d to %d", before, after)
	}
	// A key that goes away takes its handles with it.
	f.mu.Lock()
	f.keys = f.keys[:1]
	f.mu.Unlock()
	now = now.Add(6 * time.Second)
	find(t, m, h)
	if rv := m.GetAttributeValue(h, before, []Attribute{{Type: CKA_LABEL}}); rv != CKR_OBJECT_HANDLE_INVALID {
		t.Errorf("removed key's handle: %v", rv)
	}
	if rv := m.SignInit(h, Mechanism{Type: CKM_ECDSA}, before); rv != CKR_KEY_HANDLE_INVALID {
		t.Errorf("SignInit with a removed key: %v", rv)
	}
}
