//go:build e2e

package pkcs11

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestJVMSignals loads the module into a JVM (testdata/SignalProbe.java,
// through SunPKCS11's own PKCS#11 wrapper) and signs from four threads
// while the JVM takes millions of its own SIGSEGV and SIGFPE faults
// (implicit null checks, division by zero, stack overflow) and every
// thread of the process is sent SIGPIPE, as a write to a reset connection
// does. See docs/signing-tools.md, "Java".
//
// The Go runtime replaces the JVM's SIGSEGV, SIGBUS, SIGFPE and SIGPIPE
// handlers with its own (with SA_ONSTACK), forwards the faults of non-Go
// code to them, and adds SA_ONSTACK to the JVM's other handlers. That is
// what works. With libjsig preloaded the JVM's handlers stay in place,
// without SA_ONSTACK, and the first SIGPIPE on a Go thread running on a
// goroutine stack kills the process.
func TestJVMSignals(t *testing.T) {
	f := newFixture(t, rsaKey)
	pub := rsaPublic(t, f.keys["rsa"].PublicKeyPEM)
	const n = 200

	t.Run("default", func(t *testing.T) {
		out, err := f.probe(t, nil, n)
		if err != nil || !strings.Contains(out, "PROBE OK") {
			t.Fatalf("the JVM failed: %v\n%s", err, out)
		}
		_, after, _ := strings.Cut(out, "after:")
		for _, sig := range []string{"SIGSEGV", "SIGBUS", "SIGFPE", "SIGPIPE"} {
			want := sig + ": runtime.cgoSigtramp.abi0 in libsignet-pkcs11.so"
			if !strings.Contains(after, want) || !strings.Contains(after, "SA_ONSTACK") {
				t.Errorf("after loading the module, no %q with SA_ONSTACK:\n%s", want, out)
			}
		}
		if !strings.Contains(after, "SIGURG caught: true") {
			t.Errorf("the Go runtime does not catch SIGURG:\n%s", out)
		}
		for i := range n {
			msg, err1 := os.ReadFile(f.path(fmt.Sprint("msg", i)))
			sig, err2 := os.ReadFile(f.path(fmt.Sprint("sig", i)))
			if err1 != nil || err2 != nil {
				t.Fatalf("signature %d missing: %v %v", i, err1, err2)
			}
			sum := sha256.Sum256(msg)
			if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig); err != nil {
				t.Errorf("signature %d: %v", i, err)
			}
		}
		f.checkLog(t, "rsa", n, "java (libsignet-pkcs11)")
	})

	t.Run("SunPKCS11 configuration", func(t *testing.T) {
		// The file of docs/signing-tools.md loads the module as a provider
		// and opens the token as a keystore (empty: SunPKCS11 lists only
		// keys that have a certificate).
		out := f.ok(t, "keytool", "-list", "-keystore", "NONE", "-storetype", "PKCS11",
			"-providerClass", "sun.security.pkcs11.SunPKCS11", "-providerArg", f.javaConfig(), "-storepass", "any")
		if !strings.Contains(out, "Keystore provider: SunPKCS11-Signet") {
			t.Errorf("keytool did not open the token through SunPKCS11-Signet:\n%s", out)
		}
	})

	t.Run("libjsig breaks Go's SA_ONSTACK rule", func(t *testing.T) {
		jsig := filepath.Join(javaHome(t), "lib", "libjsig.so")
		out, err := f.probe(t, []string{"LD_PRELOAD=" + jsig}, 2000)
		if err == nil {
			t.Fatalf("the JVM survived SIGPIPE on Go threads with libjsig; update docs/signing-tools.md:\n%s", out)
		}
		// Go's fatal error, or a crash when the JVM's handler runs on (and
		// overflows) the goroutine stack: SIGSEGV mostly, or SIGBUS, or the
		// JVM's own fatal error report and abort; never SIGPIPE's default
		// action, and only once the module is loaded.
		var ee *exec.ExitError
		goFatal := strings.Contains(out, "non-Go code set up signal handler without SA_ONSTACK flag")
		crash := false
		if errors.As(err, &ee) {
			switch ee.Sys().(syscall.WaitStatus).Signal() {
			case syscall.SIGSEGV, syscall.SIGBUS, syscall.SIGABRT:
				crash = true
			}
		}
		jvmFatal := strings.Contains(out, "A fatal error has been detected by the Java Runtime Environment")
		if !strings.Contains(out, "after:") || !goFatal && !crash && !jvmFatal {
			t.Fatalf("the JVM died of something else: %v\n%s", err, out)
		}
		t.Logf("as expected, with libjsig the JVM died: %v\n%s", err, lastLines(out, 3))
	})
}

// probe runs testdata/SignalProbe.java signing n times with the fixture's
// RSA key (CKM_SHA256_RSA_PKCS). Once the module is loaded (before that,
// the JVM's own startup is not at issue) it sends SIGPIPE to each of its
// threads every millisecond until it exits. It returns the output and the
// exit error.
func (f *fixture) probe(t *testing.T, env []string, n int) (string, error) {
	t.Helper()
	src, err := filepath.Abs(filepath.Join("testdata", "SignalProbe.java"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "java", "--add-modules", "jdk.crypto.cryptoki,jdk.management",
		"--add-exports", "jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED",
		src, f.module, f.keys["rsa"].Alias, "0x40", strconv.Itoa(n), f.dir)
	cmd.Env, cmd.Dir = append(append([]string{}, f.env...), env...), f.dir
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	sent := 0
	for {
		select {
		case err := <-done:
			t.Logf("%d SIGPIPEs sent", sent)
			return out.String(), err
		case <-time.After(time.Millisecond):
			if strings.Contains(out.String(), "after:") {
				sent += sigpipeAll(cmd.Process.Pid)
			}
		}
	}
}

// syncBuffer is a buffer a process writes while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// sigpipeAll sends SIGPIPE to every thread of process pid; it returns how
// many it reached.
func sigpipeAll(pid int) int {
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil {
		return 0
	}
	n := 0
	for _, task := range tasks {
		if tid, err := strconv.Atoi(task.Name()); err == nil && syscall.Tgkill(pid, tid, syscall.SIGPIPE) == nil {
			n++
		}
	}
	return n
}

// javaHome asks java where it lives.
func javaHome(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("java", "-XshowSettings:properties", "-version").CombinedOutput()
	if err != nil {
		t.Fatalf("java -XshowSettings: %v\n%s", err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "java.home = "); ok {
			return v
		}
	}
	t.Fatalf("java did not say its java.home:\n%s", out)
	return ""
}

func rsaPublic(t *testing.T, pemText string) *rsa.PublicKey {
	t.Helper()
	blk, _ := pem.Decode([]byte(pemText))
	if blk == nil {
		t.Fatal("no public key PEM")
	}
	pub, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	rk, ok := pub.(*rsa.PublicKey)
	if !ok {
		t.Fatalf("public key is %T, not RSA", pub)
	}
	return rk
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// javaConfig writes the SunPKCS11 configuration of docs/signing-tools.md.
func (f *fixture) javaConfig() string {
	return f.write("signet-pkcs11.cfg", []byte("name = Signet\nlibrary = "+f.module+"\nslotListIndex = 0\n"))
}
