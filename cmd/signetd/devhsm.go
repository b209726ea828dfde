package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"gopkg.in/yaml.v3"

	"github.com/signet-project/signet/internal/config"
	"github.com/signet-project/signet/internal/keys/hsm"
	"github.com/signet-project/signet/internal/pki"
)

// softHSMModules are where distributions install SoftHSM2's PKCS#11 library.
var softHSMModules = []string{
	"/usr/lib/softhsm/libsofthsm2.so",
	"/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
	"/usr/lib64/pkcs11/libsofthsm2.so",
	"/usr/local/lib/softhsm/libsofthsm2.so",
}

const devToken = "signet-dev"

// devSoftHSM sets up a SoftHSM2 token in dir when SoftHSM2 is installed, and
// returns its configuration (nil without SoftHSM2). It sets SOFTHSM2_CONF
// for this process, which the library reads when it is initialized.
func devSoftHSM(dir string) (*config.HSM, error) {
	util, err := exec.LookPath("softhsm2-util")
	if err != nil || !hsm.Compiled {
		return nil, nil
	}
	module := ""
	for _, m := range softHSMModules {
		if _, err := os.Stat(m); err == nil {
			module = m
			break
		}
	}
	if module == "" {
		return nil, nil
	}
	conf := filepath.Join(dir, "softhsm2.conf")
	pinFile := filepath.Join(dir, "user.pin")
	if err := os.MkdirAll(filepath.Join(dir, "tokens"), 0o700); err != nil {
		return nil, err
	}
	if err := ensureFile(conf, func() ([]byte, error) {
		return fmt.Appendf(nil, "directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n", filepath.Join(dir, "tokens")), nil
	}); err != nil {
		return nil, err
	}
	os.Setenv("SOFTHSM2_CONF", conf)
	if _, err := os.Stat(pinFile); err != nil {
		pin, so := pki.GeneratePassword()[:16], pki.GeneratePassword()[:16]
		out, err := exec.Command(util, "--init-token", "--free", "--label", devToken, "--pin", pin, "--so-pin", so).CombinedOutput()
		if err != nil {
			return nil, fmt.Errorf("initializing the SoftHSM2 token: %v: %s", err, bytes.TrimSpace(out))
		}
		if err := pki.WriteFileAtomic(pinFile, []byte(pin+"\n"), 0o600); err != nil {
			return nil, err
		}
	}
	return &config.HSM{Module: module, Token: devToken, PINFile: pinFile, PoolSize: 8}, nil
}

// devConfigYAML renders the dev configuration, so that `signetd serve -c`
// and the admin commands can use the same data directory.
func devConfigYAML(c config.Config) []byte {
	b, err := yaml.Marshal(c)
	if err != nil {
		panic(err) // a plain struct always marshals
	}
	head := "# Written by `signetd dev`. With keys.hsm, export SOFTHSM2_CONF=" +
		"<data-dir>/softhsm/softhsm2.conf before `signetd serve -c` on this file.\n"
	return append([]byte(head), b...)
}
