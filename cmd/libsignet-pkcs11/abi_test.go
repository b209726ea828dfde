package main_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestCABI builds testdata/abi.c and runs it against the module: the C
// calling conventions hosts rely on, checked from C.
func TestCABI(t *testing.T) {
	f := newFixture(t)
	bin := f.path("abi")
	out, err := exec.Command("cc", "-I/usr/include/p11-kit-1", "-o", bin, "testdata/abi.c", "-ldl").CombinedOutput()
	if err != nil {
		t.Fatalf("cc: %v\n%s", err, out)
	}
	got := f.run(t, true, bin, modulePath)
	for _, want := range []string{"done", "atexit C_CloseSession 0x0", "atexit C_Finalize 0x0"} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in:\n%s", want, got)
		}
	}
}

// TestFork builds testdata/fork.c and runs it against the module: calls in
// a child of fork() fail at once instead of entering the Go runtime (which
// did not follow the fork), the parent keeps signing, and C_GetInterface
// and C_GetInterfaceList give the function list.
func TestFork(t *testing.T) {
	f := newFixture(t)
	bin := f.path("fork")
	out, err := exec.Command("cc", "-Wall", "-I/usr/include/p11-kit-1", "-o", bin, "testdata/fork.c", "-ldl").CombinedOutput()
	if err != nil {
		t.Fatalf("cc: %v\n%s", err, out)
	}
	got := f.run(t, true, bin, modulePath, "ec-key")
	for _, want := range []string{"ok child C_Finalize", "ok parent signs after the fork", "done"} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in:\n%s", want, got)
		}
	}
}
