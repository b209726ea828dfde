// Command libsignet-pkcs11 is the PKCS#11 module of Signet, built with
//
//	go build -buildmode=c-shared -o bin/libsignet-pkcs11.so ./cmd/libsignet-pkcs11
//
// This package holds only the cgo shims: each exported C_ function converts
// C types and calls the [p11.Module], where all the logic lives (see package
// internal/p11 for the token, the login rules and the configuration).
// functions.c holds the function list and the unsupported functions.
//
// A Go runtime cannot be unloaded, and programs such as OpenSSL's
// pkcs11-provider dlclose modules and then call C_Finalize from exit
// handlers. Go's linker marks c-shared libraries DF_1_NODELETE, so the
// library stays mapped; testdata/abi.c checks exactly that sequence.
package main

/*
#cgo CFLAGS: -I/usr/include/p11-kit-1
#include <stdlib.h>
#include <p11-kit/pkcs11.h>
*/
import "C"

import (
	"io"
	"net"
	"os"
	"path/filepath"
	"unsafe"

	"github.com/signet-project/signet/internal/client"
	"github.com/signet-project/signet/internal/p11"
)

// maxBuf caps the length taken from a caller's buffer size: no answer is
// longer, and a garbage size must not make an impossible slice.
const maxBuf = 1 << 24

var mod = p11.NewModule(p11.Env{
	Getenv:   os.Getenv,
	ReadFile: os.ReadFile,
	OpenLog: func(path string) (io.WriteCloser, error) {
		return os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	},
	Stderr:     os.Stderr,
	Program:    p11.ProgramName(os.Args),
	CacheDir:   cacheDir(),
	CacheFiles: p11.CacheFiles{ReadFile: client.ReadPrivateFile, WriteFile: client.WritePrivateFile, Remove: os.Remove},
})

// cacheDir is the user's cache directory for the module's key list
// cache, or "" (no cache) when there is none.
func cacheDir() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "signet-pkcs11")
}

func init() {
	// The pure-Go resolver keeps the module's goroutines out of C (libc's
	// getaddrinfo) while the host program runs its exit handlers.
	net.DefaultResolver.PreferGo = true
}

func main() {}

// call runs f through the module's panic guard.
func call(name string, f func() p11.RV) C.CK_RV { return C.CK_RV(mod.Call(name, f)) }

// in returns the caller's n bytes at p, nil for NULL.
func in(p C.CK_BYTE_PTR, n C.CK_ULONG) []byte {
	if p == nil {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(p)), int(n))
}

// out returns the caller's output buffer at p of *n bytes (capped), nil for
// a NULL p, which asks for the length.
func out(p C.CK_BYTE_PTR, n C.CK_ULONG_PTR) []byte {
	if p == nil {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(p)), int(min(uint(*n), maxBuf)))
}

// pad copies s, padded with spaces, into the fixed-size field at dst.
func pad(dst unsafe.Pointer, n int, s string) {
	copy(unsafe.Slice((*byte)(dst), n), p11.Pad(s, n))
}

func version(v [2]byte) C.CK_VERSION {
	return C.CK_VERSION{major: C.CK_BYTE(v[0]), minor: C.CK_BYTE(v[1])}
}

// mechanism converts a CK_MECHANISM.
func mechanism(m C.CK_MECHANISM_PTR) (p11.Mechanism, bool) {
	if m == nil || (m.pParameter == nil && m.ulParameterLen != 0) {
		return p11.Mechanism{}, false
	}
	return p11.Mechanism{Type: p11.MechanismType(m.mechanism),
		Param: in(C.CK_BYTE_PTR(m.pParameter), m.ulParameterLen)}, true
}

// attributes converts a template; values are the caller's buffers.
func attributes(t C.CK_ATTRIBUTE_PTR, n C.CK_ULONG) ([]p11.Attribute, bool) {
	if t == nil {
		return nil, n == 0
	}
	ct := unsafe.Slice(t, int(n))
	attrs := make([]p11.Attribute, n)
	for i, a := range ct {
		attrs[i].Type = p11.AttributeType(a._type)
		if a.pValue != nil {
			attrs[i].Value = unsafe.Slice((*byte)(a.pValue), int(min(uint(a.ulValueLen), maxBuf)))
		}
	}
	return attrs, true
}
