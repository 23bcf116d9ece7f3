//go:build !js

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// runTimeout returns the time limit of the whole run (0 for none) and where
// it comes from: -test.timeout among the program's arguments plus
// timeoutMargin, else $W3WS_WASMEXEC_TIMEOUT, else defaultTimeout.
func runTimeout(progArgs []string) (time.Duration, string, error) {
	if d, ok := testTimeout(progArgs); ok {
		if d <= 0 {
			return 0, "", nil // -test.timeout=0: no limit, as for go test
		}
		return d + timeoutMargin, fmt.Sprintf("-test.timeout=%v plus %v", d, timeoutMargin), nil
	}
	if s := os.Getenv(envTimeout); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 {
			return 0, "", fmt.Errorf("%s=%q: want a duration such as 10m, or 0 for no limit", envTimeout, s)
		}
		return d, envTimeout + "=" + s, nil
	}
	return defaultTimeout, fmt.Sprintf("the default; set %s to change it", envTimeout), nil
}

// testTimeout returns the value of the last -test.timeout flag in args, in
// any form the flag package accepts (-test.timeout=1m, --test.timeout 1m),
// and whether there was a valid one. It stops at "--".
func testTimeout(args []string) (d time.Duration, ok bool) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		if !strings.HasPrefix(a, "-") {
			continue
		}
		name, val, hasVal := strings.Cut(strings.TrimPrefix(a[1:], "-"), "=")
		if name != "test.timeout" {
			continue
		}
		if !hasVal {
			if i+1 == len(args) {
				break
			}
			i++
			val = args[i]
		}
		if v, err := time.ParseDuration(val); err == nil {
			d, ok = v, true
		}
	}
	return d, ok
}

// headlessMode returns whether Chromium runs headless: yes unless
// $W3WS_WASMEXEC_HEADLESS is false (0, false, ...; strconv.ParseBool).
func headlessMode() (bool, error) {
	s := os.Getenv(envHeadless)
	if s == "" {
		return true, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, fmt.Errorf("%s=%q: want 1 or 0 (true or false)", envHeadless, s)
	}
	return b, nil
}

// hostPage is the HTML page the program runs in, if not the built-in one.
type hostPage struct {
	html []byte
	dir  string // served under the page's URL, for its own files
}

// readPage reads the page of $W3WS_WASMEXEC_PAGE, or returns nil when it is
// not set. A relative path is taken from the working directory, which under
// go test is the tested package's directory.
func readPage() (*hostPage, error) {
	p := os.Getenv(envPage)
	if p == "" {
		return nil, nil
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", envPage, err)
	}
	html, err := os.ReadFile(abs)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", envPage, err)
	}
	return &hostPage{html: html, dir: filepath.Dir(abs)}, nil
}

// fitEnv returns the environment env (NAME=value entries, as os.Environ
// gives them) as the map for go.env, leaving out what does not fit in
// argvEnvLimit together with argv; dropped names what was left out.
//
// Everything is kept when it fits. Otherwise W3WS_* and GO* variables come
// first (tests read the former; GODEBUG, GOTRACEBACK and the like steer the
// runtime), then the rest from the smallest up, so that as many as possible
// are kept. It fails if argv alone does not fit.
func fitEnv(argv, env []string) (map[string]string, []string, error) {
	type entry struct {
		name, value string
		size        int
	}
	// JavaScript sees the strings after JSON, which turns each invalid UTF-8
	// byte into U+FFFD: 3 bytes, as utf8.RuneLen(utf8.RuneError) counts.
	jsLen := func(s string) int {
		n := 0
		for _, r := range s {
			n += utf8.RuneLen(r)
		}
		return n
	}
	slot := func(s string) int { return (jsLen(s)+1+7)&^7 + 8 } // string + pointer

	used := 2 * 8 // the nil pointers after argv and after env
	for _, a := range argv {
		used += slot(a)
	}
	if used >= argvEnvLimit {
		return nil, nil, fmt.Errorf("the command line needs %d of the %d bytes wasm_exec.js has for arguments and environment", used, argvEnvLimit)
	}

	byName := make(map[string]string, len(env))
	for _, kv := range env {
		if name, value, ok := strings.Cut(kv, "="); ok && name != "" {
			byName[name] = value // the last one wins, as in os.Getenv
		}
	}
	entries := make([]entry, 0, len(byName))
	total := used
	for name, value := range byName {
		e := entry{name, value, slot(name + "=" + value)}
		entries = append(entries, e)
		total += e.size
	}
	if total < argvEnvLimit {
		return byName, nil, nil
	}

	first := func(name string) bool {
		return strings.HasPrefix(name, "W3WS_") || strings.HasPrefix(name, "GO")
	}
	slices.SortFunc(entries, func(a, b entry) int {
		switch fa, fb := first(a.name), first(b.name); {
		case fa && !fb:
			return -1
		case fb && !fa:
			return 1
		}
		if a.size != b.size {
			return a.size - b.size
		}
		return strings.Compare(a.name, b.name)
	})
	kept := make(map[string]string, len(entries))
	var dropped []string
	for _, e := range entries {
		if used+e.size < argvEnvLimit {
			kept[e.name] = e.value
			used += e.size
		} else {
			dropped = append(dropped, e.name)
		}
	}
	slices.Sort(dropped)
	return kept, dropped, nil
}
