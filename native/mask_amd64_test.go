package native

// maskAsmFn is the assembly routine for the tests and benchmarks, nil on
// architectures without one.
var maskAsmFn func([]byte, uint32) = maskAsm
