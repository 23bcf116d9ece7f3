#!/bin/sh
# install-chromium.sh installs Debian's chromium package, which the browser
# tests (wasm/wasmexec, e2e) need, unless Chromium is already installed.
# Running it again does nothing. "make chromium" runs it; CI runs it before
# "make test". It uses sudo when it does not run as root.
#
# W3WS_CHROMIUM names another Chromium binary; the script then only checks
# that it is there.
set -eu

chromium=/usr/bin/chromium
say() { echo "install-chromium: $*"; }

if [ -n "${W3WS_CHROMIUM:-}" ]; then
	if [ -x "$W3WS_CHROMIUM" ]; then
		say "using W3WS_CHROMIUM=$W3WS_CHROMIUM"
		exit 0
	fi
	say "W3WS_CHROMIUM=$W3WS_CHROMIUM is not an executable file; fix it, or unset it to use Debian's chromium package" >&2
	exit 1
fi

if [ -x "$chromium" ]; then
	# Debian's wrapper script can complain on stderr ("[: ... unexpected
	# operator") when /dev/shm is mounted twice; that is harmless.
	say "$chromium is installed: $("$chromium" --version 2>/dev/null || echo "version unknown")"
	exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
	say "no $chromium and no apt-get: install Chromium and set W3WS_CHROMIUM to its binary" >&2
	exit 1
fi
sudo=
if [ "$(id -u)" -ne 0 ]; then
	if ! command -v sudo >/dev/null 2>&1; then
		say "installing Chromium needs root, and there is no sudo" >&2
		exit 1
	fi
	sudo=sudo
fi

say "installing Debian's chromium package (about 130 MB to download, 420 MiB on disk, 25 s)"
set -x
$sudo apt-get update
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium
{ set +x; } 2>/dev/null

if [ ! -x "$chromium" ]; then
	say "apt-get installed chromium, but there is no $chromium" >&2
	exit 1
fi
say "installed: $("$chromium" --version 2>/dev/null || echo "version unknown")"
