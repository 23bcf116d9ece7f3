//go:build race

package websocket_test

// raceEnabled: the race detector is on, and frames are larger.
const raceEnabled = true
