//go:build !js

package browser

import (
	"context"
	"fmt"
	"os"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// DefaultExecPath is where Debian's chromium package installs its launcher.
// It is a shell wrapper around /usr/lib/chromium/chromium.
const DefaultExecPath = "/usr/bin/chromium"

// EnvExecPath names the environment variable that overrides
// [DefaultExecPath], for example W3WS_CHROMIUM=/usr/lib/chromium/chromium to
// skip Debian's wrapper script.
const EnvExecPath = "W3WS_CHROMIUM"

// ExecPath returns the Chromium binary to run: $W3WS_CHROMIUM if it is set,
// else [DefaultExecPath].
func ExecPath() string {
	if p := os.Getenv(EnvExecPath); p != "" {
		return p
	}
	return DefaultExecPath
}

// Require returns an error if the binary at [ExecPath] is missing or is not an
// executable file. Callers should treat that as a hard failure, never as a
// skip: a browser test that does not run must not look like one that passed.
//
// The error text has no package prefix, because it is meant to be printed
// behind the caller's own ("wasmexec: no Chromium at ...").
func Require() error {
	path := ExecPath()
	fi, err := os.Stat(path)
	if err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0 {
		return nil
	}
	hint := "install Debian's chromium package (make chromium, in w3ws)"
	if os.Getenv(EnvExecPath) != "" {
		hint += " or fix " + EnvExecPath
	} else {
		hint += " or set " + EnvExecPath + " to a Chromium binary"
	}
	if err == nil {
		return fmt.Errorf("the Chromium at %s is not an executable file: %s", path, hint)
	}
	return fmt.Errorf("no Chromium at %s: %s", path, hint)
}

// flags are the Chromium command line flags, in order, without the leading
// dashes; AllocatorOptions passes them all. A true value is a bare switch.
//
// Why each group is there: no-sandbox is required as
// root; the disable-* switches stop background work and traffic;
// host-resolver-rules fails every name except 127.0.0.1 and localhost inside
// Chromium, so no DNS query ever leaves the machine; disable-dev-shm-usage is
// needed because Debian's wrapper fails to add it when /dev/shm is mounted
// twice; log-level=3 hides about 28 harmless D-Bus errors per launch.
var flags = []struct {
	Name  string
	Value any
}{
	{"headless", true},
	{"no-sandbox", true},
	{"disable-gpu", true},
	{"disable-quic", true},
	{"no-first-run", true},
	{"no-default-browser-check", true},
	{"disable-background-networking", true},
	{"disable-component-update", true},
	{"disable-sync", true},
	{"disable-default-apps", true},
	{"disable-extensions", true},
	{"disable-breakpad", true},
	{"disable-dev-shm-usage", true},
	{"disable-background-timer-throttling", true},
	{"disable-renderer-backgrounding", true},
	{"disable-backgrounding-occluded-windows", true},
	{"host-resolver-rules", "MAP * ~NOTFOUND , EXCLUDE 127.0.0.1, EXCLUDE localhost"},
	{"log-level", "3"},
	{"mute-audio", true},
}

// AllocatorOptions returns the options for chromedp.NewExecAllocator: the
// binary from [ExecPath], all of flags above in their order, and userDataDir
// as the profile. The caller creates userDataDir (a fresh os.MkdirTemp
// directory) and removes it once the allocator's cancel func has returned,
// which is when Chromium has exited.
//
// Chromium also makes a directory for its singleton socket in $TMPDIR
// (org.chromium.Chromium.XXXXXX). It removes it when it closes normally, but
// not when it is killed. Pointing TMPDIR into userDataDir would not do: the
// socket path must fit in 107 bytes, and Chromium dies at start-up with
// "Socket path too long" when it does not.
//
// The list does not start from chromedp.DefaultExecAllocatorOptions: every
// flag is here. chromedp adds only what its transport needs
// (--remote-debugging-pipe, and about:blank as the first page).
func AllocatorOptions(userDataDir string) []chromedp.ExecAllocatorOption {
	opts := make([]chromedp.ExecAllocatorOption, 0, len(flags)+2)
	opts = append(opts, chromedp.ExecPath(ExecPath()))
	for _, f := range flags {
		opts = append(opts, chromedp.Flag(f.Name, f.Value))
	}
	return append(opts, chromedp.UserDataDir(userDataDir))
}

// DisableNetwork returns an action that turns the DevTools Network domain off
// for the target. chromedp enables it on every target it attaches to, and then
// Chromium sends every request, and every WebSocket frame with its payload
// (base64 for binary), to the Go process, which spends most of its CPU
// decoding them: a WebSocket ping-pong ran 159 msg/s with the domain on and
// 1229 msg/s with it off. Run it first, right after the target starts and
// before navigating.
//
// Actions that need network events, such as chromedp.NavigateResponse, no
// longer work after it.
func DisableNetwork() chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if _, err := cdp.Call(ctx, t, network.Disable, cdp.Empty{}); err != nil {
			return fmt.Errorf("browser: disabling the Network domain: %w", err)
		}
		return nil
	})
}
