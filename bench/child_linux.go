package main

import "syscall"

// childAttr makes the kernel kill a child process when this one dies, so
// that no server outlives an interrupted run.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
