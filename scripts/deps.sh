#!/usr/bin/env bash
# Installs what the test suite needs on Debian 12 (bookworm), only what is missing.
# Idempotent. The Debian mirror is read from this machine's own apt configuration.
set -euo pipefail

need_main=(gcc libc6-dev make git openssl ca-certificates curl zip unzip shellcheck
  softhsm2 opensc postgresql libp11-kit-dev libengine-pkcs11-openssl
  gnupg-pkcs11-scd gpg gpg-agent gpgconf apksigner msitools wixl gcab openjdk-17-jdk-headless
  gnome-keyring dbus-daemon python3-aiosmtpd)
need_backports=(pkcs11-provider osslsigncode)

missing() {
  local out=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || out+=("$p")
  done
  echo "${out[@]:-}"
}

sudo_() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

mirror() {
  # The URI of the Debian archive that serves the bookworm suite, from this
  # machine's own apt configuration (deb822 .sources stanzas, then .list lines).
  local uri
  uri=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '
    /^[[:space:]]*$/ { if (suite && u != "") { print u; exit } suite = 0; u = ""; next }
    /^URIs:/ { u = $2 }
    /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == "bookworm") suite = 1 }
    END { if (suite && u != "") print u }' | head -n1)
  if [ -z "$uri" ]; then
    uri=$(grep -hE '^deb[[:space:]]' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
      sed -E 's/\[[^]]*\][[:space:]]*//' | awk '$3 == "bookworm" {print $2; exit}')
  fi
  echo "$uri"
}

updated=0
update_once() { [ $updated -eq 1 ] || { sudo_ apt-get update -qq; updated=1; }; }

m=$(missing "${need_main[@]}")
if [ -n "$m" ]; then
  update_once
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive sudo_ apt-get install -y -qq --no-install-recommends $m
fi

b=$(missing "${need_backports[@]}")
# osslsigncode from main is 2.5; we need >= 2.9 from backports.
if ! osslsigncode --version 2>/dev/null | grep -qE 'osslsigncode 2\.(9|[1-9][0-9])|osslsigncode [3-9]'; then
  b="$b osslsigncode"
fi
if [ -n "${b// /}" ]; then
  if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    uri=$(mirror)
    [ -n "$uri" ] || { echo "deps: cannot find the Debian mirror in /etc/apt" >&2; exit 1; }
    printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      "$uri" | sudo_ tee /etc/apt/sources.list.d/signet-backports.sources >/dev/null
    updated=0
  fi
  update_once
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive sudo_ apt-get install -y -qq --no-install-recommends -t bookworm-backports $b
fi

if ! command -v staticcheck >/dev/null 2>&1 && [ ! -x "$(go env GOPATH)/bin/staticcheck" ]; then
  go install honnef.co/go/tools/cmd/staticcheck@v0.8.2 || echo "deps: staticcheck not installed" >&2
fi
echo "deps: ok"
