//go:build !js && !unix

package main

import "errors"

// raiseNoFile fails where there is no RLIMIT_NOFILE: the soak test runs on
// Unix systems, where thousands of sockets need the limit raised.
func raiseNoFile(uint64) (noFile, error) {
	return noFile{}, errors.New("soak: raising RLIMIT_NOFILE needs a Unix system")
}
