package auth_test

import (
	"testing"

	"github.com/signet-project/signet/internal/store/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }
