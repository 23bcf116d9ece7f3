//go:build !js

package server

import (
	"os"
	"testing"

	"github.com/w3ws/w3ws/internal/leaktest"
)

func TestMain(m *testing.M) {
	os.Exit(leaktest.Main(m, "github.com/w3ws/w3ws/", "net/http."))
}
