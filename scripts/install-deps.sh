#!/usr/bin/env bash
# install-deps.sh: install the Debian packages vigil builds and tests with; quiet when all are there.
# Usage: scripts/install-deps.sh [--list]   (--list prints the packages and exits)
set -euo pipefail

packages=(
	make gcc libc6-dev binutils               # the userspace build
	clang lld                                 # BPF target; lld links a test fixture
	libbpf-dev bpftool libelf-dev zlib1g-dev  # loader, skeletons, ELF symbols
	libcmocka-dev                             # unit tests
	libiberty-dev                             # C++ and Rust demangling
	libjson-c-dev                             # JSON summaries
	libdebuginfod-dev                         # debug files fetched from debuginfod
	g++ debuginfod                            # test workloads: C++ names, a debuginfod server
	util-linux                                # setpriv, for the integration tests
	curl iproute2                             # a loopback-only debuginfod for the tests
	jq                                        # the off-CPU tests read the JSON summary
	systemtap-sdt-dev python3                 # USDT probes: a test program's, CPython's
)

if [ "${1:-}" = "--list" ]; then
	printf '%s\n' "${packages[@]}"
	exit 0
fi

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages: ${missing[*]}; run as root to install them" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
