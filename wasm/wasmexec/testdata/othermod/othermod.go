// Package othermod stands for another project's module: it imports nothing
// of w3ws, and wasmexec's TestOtherModule runs its tests in Chromium with
//
//	GOOS=js GOARCH=wasm go test -exec /path/to/wasmexec ./...
package othermod

// Double returns twice n.
func Double(n int) int { return 2 * n }
