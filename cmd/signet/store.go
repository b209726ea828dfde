package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/signet-project/signet/internal/client"
	"github.com/zalando/go-keyring"
	"gopkg.in/yaml.v3"
)

// Saved credentials: "credentials save" writes credentials.yaml in the
// config directory (mode 0600). With store "keyring" the API key and the
// client certificate password live in the OS keyring (Secret Service on
// Linux, Keychain on macOS, Credential Manager on Windows) and the file
// keeps only the rest; with store "file" the file holds everything.

const (
	keyringService = "signet"
	keyringUser    = "default"
	keyringTimeout = 5 * time.Second
)

type savedFile struct {
	Store              string `yaml:"store"` // keyring or file
	Host               string `yaml:"host,omitempty"`
	ClientCertFile     string `yaml:"client_cert_file,omitempty"`
	CAFile             string `yaml:"ca_file,omitempty"`
	APIKey             string `yaml:"api_key,omitempty"`
	ClientCertPassword string `yaml:"client_cert_password,omitempty"`
}

type keyringSecrets struct {
	APIKey             string `json:"api_key,omitempty"`
	ClientCertPassword string `json:"client_cert_password,omitempty"`
}

// saved is what was loaded back, with where it came from.
type saved struct {
	client.Config
	store, path string
}

func (s saved) source(field string) string {
	if s.store == "keyring" && (field == "api_key" || field == "client_cert_password") {
		return "keyring"
	}
	return "saved " + s.path
}

func (a *app) savedPath() string { return filepath.Join(a.configDir(), "credentials.yaml") }

// loadSaved reads the saved credentials; the keyring is asked only when
// secrets are wanted. Nothing saved is no error.
func (a *app) loadSaved(secrets bool) (saved, error) {
	s := saved{path: a.savedPath()}
	data, err := os.ReadFile(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return s, err
	}
	var f savedFile
	if err := yaml.Unmarshal(data, &f); err != nil {
		return s, fail(exitCredentials, "run \"signet credentials clear\" and save again", "saved credentials %s: %v", s.path, err)
	}
	s.store = f.Store
	s.Host, s.ClientCertFile, s.CAFile = f.Host, f.ClientCertFile, f.CAFile
	s.APIKey, s.ClientCertPassword = f.APIKey, f.ClientCertPassword
	if f.Store == "keyring" && secrets {
		sec, err := keyringGet()
		if err != nil {
			return s, fail(exitCredentials, "unlock the OS keyring, or run \"signet credentials save --store file\"",
				"credentials were saved in the OS keyring, which cannot be read: %v", err)
		}
		s.APIKey, s.ClientCertPassword = sec.APIKey, sec.ClientCertPassword
	}
	return s, nil
}

// save stores cfg with store "auto", "keyring" or "file" and returns
// where it went. With "auto" an unreachable keyring falls back to the
// file, and the returned note says why.
func (a *app) save(cfg client.Config, store string) (where, note string, err error) {
	f := savedFile{Store: "file", Host: cfg.Host, ClientCertFile: cfg.ClientCertFile, CAFile: cfg.CAFile}
	if store != "file" {
		kerr := keyringSet(keyringSecrets{APIKey: cfg.APIKey, ClientCertPassword: cfg.ClientCertPassword})
		switch {
		case kerr == nil:
			f.Store = "keyring"
		case store == "keyring":
			return "", "", fail(exitCredentials, "start or unlock the OS keyring (Secret Service), or use --store file",
				"the OS keyring is not reachable: %v", kerr)
		default:
			note = fmt.Sprintf("no OS keyring reachable (%v); saved to a file readable only by you instead", kerr)
		}
	}
	if f.Store == "file" {
		f.APIKey, f.ClientCertPassword = cfg.APIKey, cfg.ClientCertPassword
	}
	data, err := yaml.Marshal(f)
	if err != nil {
		return "", "", err
	}
	path := a.savedPath()
	if err := writePrivate(path, append([]byte("# Written by \"signet credentials save\". Keep it private.\n"), data...)); err != nil {
		return "", "", err
	}
	if f.Store == "keyring" {
		return "the OS keyring (API key, password) and " + path, note, nil
	}
	return path + " (mode 0600)", note, nil
}

// clear removes saved credentials from the keyring and the file.
func (a *app) clearSaved() (bool, error) {
	s, err := a.loadSaved(false)
	if err != nil {
		return false, err
	}
	if s.store == "" {
		return false, nil
	}
	if s.store == "keyring" {
		if err := keyringDelete(); err != nil && !errors.Is(err, keyring.ErrNotFound) {
			return false, fmt.Errorf("removing the keyring entry: %w", err)
		}
	}
	return true, os.Remove(s.path)
}

// writePrivate writes data to path with mode 0600 (directory 0700),
// through a temporary file and a rename.
func writePrivate(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".credentials-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// The keyring calls may block on a D-Bus service; bound them.
func withTimeout[T any](fn func() (T, error)) (T, error) {
	type res struct {
		v   T
		err error
	}
	ch := make(chan res, 1)
	go func() { v, err := fn(); ch <- res{v, err} }()
	select {
	case r := <-ch:
		return r.v, r.err
	case <-time.After(keyringTimeout):
		var zero T
		return zero, errors.New("the keyring did not answer within 5s")
	}
}

func keyringSet(s keyringSecrets) error {
	b, _ := json.Marshal(s)
	_, err := withTimeout(func() (struct{}, error) { return struct{}{}, keyring.Set(keyringService, keyringUser, string(b)) })
	return err
}

func keyringGet() (keyringSecrets, error) {
	var s keyringSecrets
	v, err := withTimeout(func() (string, error) { return keyring.Get(keyringService, keyringUser) })
	if err != nil {
		return s, err
	}
	return s, json.Unmarshal([]byte(v), &s)
}

func keyringDelete() error {
	_, err := withTimeout(func() (struct{}, error) { return struct{}{}, keyring.Delete(keyringService, keyringUser) })
	return err
}
