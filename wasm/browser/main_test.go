//go:build !js

package browser

import (
	"os"
	"testing"

	"github.com/w3ws/w3ws/internal/leaktest"
)

func TestMain(m *testing.M) {
	os.Exit(leaktest.Main(m, "github.com/chromedp/", "net/http."))
}
