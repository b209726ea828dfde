package main

import (
	"log/slog"

	"github.com/signet-project/signet/internal/auth"
	"github.com/signet-project/signet/internal/config"
	"github.com/signet-project/signet/internal/pki"
)

// identity is what the identity service gets from the configuration.
type identity struct {
	ClientCA *pki.CA       // from tls.client_ca_file + client_ca_key_file, if both are set
	Keyring  *auth.Keyring // from the disk master keys, if configured
}

// identityOptions loads the client CA (to issue client certificates
// through the API) and derives the keyring that seals TOTP secrets from
// the disk master keys.
func identityOptions(c config.Config, log *slog.Logger) (identity, error) {
	var id identity
	if c.TLS.ClientCAFile != "" && c.TLS.ClientCAKeyFile != "" {
		ca, err := loadClientCA(c.TLS.ClientCAFile, c.TLS.ClientCAKeyFile)
		if err != nil {
			return id, err
		}
		id.ClientCA = ca
	}
	if c.Keys.Disk == nil {
		log.Warn("no disk master key: TOTP secrets are stored unsealed (never returned after enrolment)")
		return id, nil
	}
	mk, err := masterKeys(c.Keys.Disk)
	if err != nil {
		return id, err
	}
	id.Keyring, err = auth.NewKeyring(mk, c.Keys.Disk.Current)
	return id, err
}
