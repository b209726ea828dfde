# Signet build, test and lint.
#
#   make build   signetd, signet and libsignet-pkcs11.so into bin/
#   make test    the whole suite, as CI runs it (scripts/test.sh)
#   make lint    gofmt, go vet, staticcheck, shellcheck
#   make clean   remove bin/
#
# A cmd/ directory that does not exist yet is skipped with a message.

GO          ?= go
GOFMT       := $(shell $(GO) env GOROOT)/bin/gofmt
STATICCHECK ?= $(or $(shell command -v staticcheck 2>/dev/null),$(shell $(GO) env GOPATH)/bin/staticcheck)
BIN         := bin
SCRIPTS     := scripts/*.sh .ci/run

.PHONY: build test lint lint-gofmt lint-vet lint-staticcheck lint-shellcheck clean

build:
	@mkdir -p $(BIN)
	@set -e; pkgs=""; \
	for c in signetd signet; do \
		if [ -d cmd/$$c ]; then pkgs="$$pkgs ./cmd/$$c"; \
		else echo "make build: SKIPPED cmd/$$c: the directory does not exist yet" >&2; fi; \
	done; \
	if [ -n "$$pkgs" ]; then \
		echo "$(GO) build -o $(BIN)/$$pkgs"; $(GO) build -o $(BIN)/ $$pkgs; \
	fi
	@set -e; if [ -d cmd/libsignet-pkcs11 ]; then \
		echo "$(GO) build -buildmode=c-shared -o $(BIN)/libsignet-pkcs11.so ./cmd/libsignet-pkcs11"; \
		CGO_ENABLED=1 $(GO) build -buildmode=c-shared -o $(BIN)/libsignet-pkcs11.so ./cmd/libsignet-pkcs11; \
	else echo "make build: SKIPPED cmd/libsignet-pkcs11: the directory does not exist yet" >&2; fi

test:
	scripts/test.sh

lint: lint-gofmt lint-vet lint-staticcheck lint-shellcheck

lint-gofmt:
	@out=$$(find . -name '*.go' -not -path './.git/*' -not -path '*/testdata/*' -print0 | xargs -0 -r $(GOFMT) -l); \
	if [ -n "$$out" ]; then echo "gofmt: these files need formatting (gofmt -w):"; echo "$$out"; exit 1; fi

lint-vet:
	$(GO) vet -tags e2e ./...

lint-staticcheck:
	$(STATICCHECK) -tags e2e ./...

lint-shellcheck:
	@if command -v shellcheck >/dev/null 2>&1; then \
		echo "shellcheck $(SCRIPTS)"; shellcheck $(SCRIPTS); \
	else echo "make lint: shellcheck is not installed (apt-get install shellcheck)" >&2; fi

clean:
	rm -rf $(BIN)
