#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# run-statsd.sh: run the real statsd (npm's, from tests/statsd/node_modules)
# for vigil's integration tests, on loopback only, with file-backend.js.
#
# usage: tests/statsd/run-statsd.sh PORT OUTFILE [FLUSH_MS [MGMT_PORT]]
#
# statsd takes metrics on UDP 127.0.0.1:PORT and its management commands on
# TCP 127.0.0.1:MGMT_PORT (default PORT + 1), flushes every FLUSH_MS
# milliseconds (default 200) and appends one JSON line per flush to OUTFILE,
# emptied first. Idle metrics are deleted at each flush, so a flush holds
# only what arrived since the one before: a counter's total is the sum over
# all lines. The config goes to OUTFILE.config.js. node is exec'd: the PID
# that started this script is statsd's own, and SIGTERM makes it flush once
# more and exit 0. Needs jq, node and `npm ci --prefix tests/statsd`.
set -euo pipefail

die()
{
	echo "run-statsd: $*" >&2
	exit 2
}

# is_port N: N is a decimal port number, 1 to 65535.
is_port()
{
	[[ $1 =~ ^[1-9][0-9]{0,4}$ ]] && (($1 <= 65535))
}

(($# >= 2 && $# <= 4)) || die "usage: $0 PORT OUTFILE [FLUSH_MS [MGMT_PORT]]"
port=$1
out=$2
flush_ms=${3:-200}
mgmt_port=${4:-$((port + 1))}
is_port "$port" || die "bad UDP port '$port'"
is_port "$mgmt_port" || die "bad management port '$mgmt_port'"
[[ $flush_ms =~ ^[1-9][0-9]*$ ]] || die "bad flush interval '$flush_ms' (milliseconds)"
[[ $out == /* ]] || out=$PWD/$out

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
stats=$here/node_modules/statsd/stats.js
[[ -f $stats ]] || die "$stats is missing; run: npm ci --prefix $here (or scripts/install-deps.sh)"
command -v node >/dev/null || die "node is not installed (scripts/install-deps.sh)"
command -v jq >/dev/null || die "jq is not installed (scripts/install-deps.sh)"

# statsd evaluates its config as JavaScript; jq writes it as JSON, which is
# JavaScript too, with the path quoted whatever it holds. title false keeps
# node's command line (run.sh's cleanup knows statsd by it); no config
# reload, no graphite (the default backend), no IPv6.
: >"$out"
jq -n --argjson port "$port" --argjson mgmt_port "$mgmt_port" \
	--argjson flush_ms "$flush_ms" --arg backend "$here/file-backend.js" --arg out "$out" '{
	address: "127.0.0.1",
	port: $port,
	mgmt_address: "127.0.0.1",
	mgmt_port: $mgmt_port,
	flushInterval: $flush_ms,
	deleteIdleStats: true,
	backends: [$backend],
	fileBackend: { path: $out },
	automaticConfigReload: false,
	title: false
}' >"$out.config.js"

exec node "$stats" "$out.config.js"
