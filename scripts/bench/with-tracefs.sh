#!/bin/sh
# with-tracefs.sh: run COMMAND where tracefs is mounted, for the anchors that attach classic
# tracepoints (syscount, bpftrace's tracepoint:): if the host has no tracefs at
# /sys/kernel/tracing, it is mounted in a private mount namespace of COMMAND's own, which the
# host never sees and which goes away with COMMAND. COMMAND keeps this process's pid.
# Usage: scripts/bench/with-tracefs.sh COMMAND [ARGS...]
if [ -e /sys/kernel/tracing/events ]; then
	exec "$@"
fi
exec unshare --mount --propagation private \
	sh -c 'mount -t tracefs nodev /sys/kernel/tracing && exec "$@"' sh "$@"
