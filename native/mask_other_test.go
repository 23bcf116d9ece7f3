//go:build !amd64

package native

// maskAsmFn is the assembly routine for the tests and benchmarks, nil on
// architectures without one.
var maskAsmFn, maskAVX2Fn func([]byte, uint32)
