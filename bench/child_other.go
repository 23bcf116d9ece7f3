//go:build !linux

package main

import "syscall"

// childAttr is nil where there is no parent-death signal: a server child
// still exits when its standard input closes, or after -max-life.
func childAttr() *syscall.SysProcAttr { return nil }
