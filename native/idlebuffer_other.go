//go:build !unix

package native

import (
	"net"
	"syscall"
)

// rawConnOf returns nil: here reads wait inside the buffered reader.
func rawConnOf(net.Conn, *activityReader) syscall.RawConn { return nil }

// waitReadable is never called where rawConnOf returns nil.
func waitReadable(syscall.RawConn) error { return nil }
