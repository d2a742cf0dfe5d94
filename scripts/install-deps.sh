#!/usr/bin/env bash
# install-deps.sh: install the Debian packages vigil builds and tests with, then the tests' npm
# packages: statsd (tests/statsd) and the browser tests' playwright-core (tests/js), each pinned
# by its package-lock.json; quiet when all are there.
# Usage: scripts/install-deps.sh [--list]   (--list prints the Debian packages and exits)
set -euo pipefail

packages=(
	make gcc libc6-dev binutils               # the userspace build
	clang lld                                 # BPF target; lld links a test fixture
	libbpf-dev bpftool libelf-dev zlib1g-dev  # loader, skeletons, ELF symbols
	libcmocka-dev                             # unit tests
	libiberty-dev                             # C++ and Rust demangling
	libjson-c-dev                             # JSON summaries
	libinih-dev                               # the agent's configuration file (INI)
	libdebuginfod-dev                         # debug files fetched from debuginfod
	libprotobuf-c-dev protobuf-c-compiler     # pprof output: C code from proto/profile.proto
	g++ debuginfod                            # test workloads: C++ names, a debuginfod server
	util-linux                                # setpriv, for the integration tests
	curl iproute2                             # a loopback-only debuginfod for the tests
	jq                                        # the off-CPU tests read the JSON summary
	systemtap-sdt-dev python3                 # USDT probes: a test program's, CPython's
	nodejs npm                                # the real statsd the agent's tests send to
	chromium                                  # headless, for the SVG flame graphs' browser tests
)

if [ "${1:-}" = "--list" ]; then
	printf '%s\n' "${packages[@]}"
	exit 0
fi

# What the installed packages provide counts as there: NodeSource's nodejs provides npm (and
# conflicts with Debian's), so installing npm beside it must not be tried.
provided=$(dpkg-query -W -f='${db:Status-Abbrev}|${Provides}\n' 2>/dev/null | awk -F'|' '
	$1 ~ /^.i/ {
		n = split($2, name, ",")
		for (i = 1; i <= n; i++) {
			sub(/^ +/, "", name[i])
			sub(/[ :(].*/, "", name[i])
			if (name[i] != "")
				print name[i]
		}
	}')

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' &&
		! grep -qxF "$p" <<<"$provided"; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "install-deps: missing packages: ${missing[*]}; run as root to install them" >&2
		exit 1
	fi
	echo "install-deps: installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# statsd for the integration tests, when it is not installed or package-lock.json is newer than
# npm's record of the last install (tests/statsd/.npmrc leaves statsd's optional parts out).
statsd=$(dirname "$0")/../tests/statsd
if [ ! -f "$statsd/node_modules/statsd/stats.js" ] ||
	[ "$statsd/package-lock.json" -nt "$statsd/node_modules/.package-lock.json" ]; then
	echo "install-deps: installing statsd for the tests (npm ci --prefix tests/statsd)" >&2
	npm ci --prefix "$statsd" --loglevel=error >/dev/null
fi

# The browser tests' playwright-core (it drives Debian's /usr/bin/chromium and downloads no browser)
# and pprof-format, on the same terms as statsd.
js=$(dirname "$0")/../tests/js
if [ ! -f "$js/node_modules/playwright-core/package.json" ] ||
	[ ! -f "$js/node_modules/pprof-format/package.json" ] ||
	[ "$js/package-lock.json" -nt "$js/node_modules/.package-lock.json" ]; then
	echo "install-deps: installing playwright-core and pprof-format for the tests (npm ci --prefix tests/js)" >&2
	npm ci --prefix "$js" --loglevel=error >/dev/null
fi
