package client

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// privateDir makes dir (mode 0700) if it is missing, and refuses one that
// another user owns or that group or others may write: files kept there
// (TLS sessions, key lists) must not be planted or swapped by anyone else.
func privateDir(dir string) error { return PrivateDir(dir, 0o022) }

// PrivateDir makes dir (mode 0700) if it is missing, and refuses one that
// another user owns or whose mode has any of the bits in open (0o022: group
// or others may write; 0o077: they may do anything).
func PrivateDir(dir string, open os.FileMode) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	switch {
	case !fi.IsDir():
		return fmt.Errorf("%s is not a directory", dir)
	case fi.Mode().Perm()&open != 0:
		return fmt.Errorf("%s is open to other users (mode %04o): chmod 700 %s", dir, fi.Mode().Perm(), dir)
	case ok && int(st.Uid) != os.Geteuid():
		return fmt.Errorf("%s belongs to user %d, not to you: choose a directory of your own", dir, st.Uid)
	}
	return nil
}

// ReadPrivateFile reads path if its directory is private (see
// [WritePrivateFile]).
func ReadPrivateFile(path string) ([]byte, error) {
	if err := privateDir(filepath.Dir(path)); err != nil {
		return nil, err
	}
	return os.ReadFile(path)
}

// WritePrivateFile writes data to path, readable by its owner only, in a
// private directory (made 0700 when missing; refused when another user
// owns it or others may write it), through a temporary file renamed over
// path, so that concurrent processes read the old file or the new one.
func WritePrivateFile(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := privateDir(dir); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}
