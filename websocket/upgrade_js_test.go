//go:build js && wasm

package websocket_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/w3ws/w3ws/websocket"
)

// TestUpgradeInBrowser: Upgrade compiles in the browser build and says it
// cannot work there, with a 501 answer.
func TestUpgradeInBrowser(t *testing.T) {
	w := httptest.NewRecorder()
	ws, err := websocket.Upgrade(w, httptest.NewRequest(http.MethodGet, "/", nil), nil)
	assert.Nil(t, ws)
	assert.True(t, errors.Is(err, errors.ErrUnsupported), "%v", err)
	assert.Equal(t, http.StatusNotImplemented, w.Code)
}
