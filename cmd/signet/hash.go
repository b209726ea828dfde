package main

import (
	"context"
	"crypto"
	_ "crypto/sha256" // digest algorithms offered by --digest-alg
	_ "crypto/sha512"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
)

// hashBuf is the read size: large enough that syscalls cost nothing next
// to hashing, small enough to stay in the CPU's L2 cache.
const hashBuf = 128 << 10

// input is one file to sign.
type input struct {
	path   string // on disk
	name   string // sent to the server as file_name
	size   int64
	digest []byte
	out    string // where the signature goes
}

// collectInputs expands the arguments into regular files. Directories need
// recursive; inside them, files that look like signatures (skip) are left out.
func collectInputs(args []string, recursive bool, skip func(string) bool) ([]*input, error) {
	var out []*input
	for _, arg := range args {
		fi, err := os.Stat(arg)
		if err != nil {
			return nil, fail(exitNotFound, "check the path", "input %s: %v", arg, unwrapPath(err))
		}
		if !fi.IsDir() {
			out = append(out, &input{path: arg, name: filepath.Base(arg), size: fi.Size()})
			continue
		}
		if !recursive {
			return nil, fail(exitUsage, "add --recursive to sign every file under it", "input %s is a directory", arg)
		}
		base := filepath.Base(filepath.Clean(arg))
		err = filepath.WalkDir(arg, func(p string, d fs.DirEntry, err error) error {
			if err != nil || !d.Type().IsRegular() || skip(p) {
				return err
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(arg, p)
			out = append(out, &input{path: p, name: filepath.ToSlash(filepath.Join(base, rel)), size: info.Size()})
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if len(out) == 0 {
		return nil, fail(exitUsage, "pass files or a directory with --recursive", "nothing to sign")
	}
	return out, nil
}

func unwrapPath(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}

// hashAll computes the digest of every input, streaming each file through
// a fixed buffer, several files at once. done counts hashed bytes.
func hashAll(ctx context.Context, ins []*input, h crypto.Hash, done *atomic.Int64) error {
	workers := min(runtime.GOMAXPROCS(0), 4, len(ins))
	next := make(chan *input)
	errc := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, hashBuf)
			for in := range next {
				d, n, err := hashFile(ctx, in.path, h, buf, done)
				if err != nil {
					errc <- err
					return
				}
				in.digest, in.size = d, n
			}
		}()
	}
	var err error
feed:
	for _, in := range ins {
		select {
		case next <- in:
		case err = <-errc:
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err == nil && len(errc) > 0 {
		err = <-errc
	}
	return err
}

// hashFile streams one file through h and buf. (Reading ahead in another
// goroutine was measured slower: the hash then reads the data from the
// other core's cache.)
func hashFile(ctx context.Context, path string, h crypto.Hash, buf []byte, done *atomic.Int64) ([]byte, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	hh := h.New()
	var n int64
	for {
		m, err := f.Read(buf)
		if m > 0 {
			hh.Write(buf[:m])
			n += int64(m)
			done.Add(int64(m))
		}
		if err == io.EOF {
			return hh.Sum(nil), n, nil
		}
		if err == nil {
			err = ctx.Err()
		}
		if err != nil {
			return nil, 0, err
		}
	}
}

// readSmall reads a file of at most limit bytes (for pure Ed25519).
func readSmall(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err == nil && int64(len(b)) > limit {
		return nil, fail(exitUsage, "use --sig-alg Ed25519ph, which signs a SHA-512 digest of any size",
			"%s is larger than %d bytes: pure Ed25519 signs the message itself", path, limit)
	}
	return b, err
}

// isSignatureFile reports whether a name looks like a signature signet writes.
func isSignatureFile(p string) bool {
	for _, ext := range []string{".sig", ".sig.b64", ".sig.pem", ".p7s", ".tst"} {
		if strings.HasSuffix(p, ext) {
			return true
		}
	}
	return false
}
