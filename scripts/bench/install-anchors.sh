#!/usr/bin/env bash
# install-anchors.sh: the tools `make bench` measures vigil against, from Debian's own packages:
# perf (linux-perf), bpftrace, libbpf-tools (offcputime, syscount, profile...), and valgrind for
# the userspace case's instruction counts. Only `make bench` needs them; make check does not.
# Quiet when all are there.
# Usage: scripts/bench/install-anchors.sh [--list]
set -euo pipefail

packages=(linux-perf bpftrace libbpf-tools valgrind)

if [ "${1:-}" = "--list" ]; then
	printf '%s\n' "${packages[@]}"
	exit 0
fi

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "install-anchors: missing packages: ${missing[*]}; run as root to install them" >&2
		exit 1
	fi
	echo "install-anchors: installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
