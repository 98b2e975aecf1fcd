#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
#
# Run one of rdma-core's *_pingpong examples as a server and a client, two
# processes under irdma-emu-run sharing a fabric, and require both to exit 0.
#
# usage: pingpong.sh RUNNER PORT_BASE "EMU ARGS" PROGRAM [PROGRAM ARGS...]
#
# The examples exchange their QP addresses over TCP: the server listens on
# the first free port at or above PORT_BASE on 127.0.0.1. PINGPONG_SERVER_ARGS
# and PINGPONG_CLIENT_ARGS (e.g. "-d irdma1") go to one side only.
set -u

runner=$1
port=$2
emu_args=$3
prog=$4
shift 4

limit=${PINGPONG_TIMEOUT:-90}
fabric="pp$$"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp" /dev/shm/irdma-emu."$fabric".*' EXIT

# Is something listening on TCP port $1 (of any local address)?
listening() {
	hex=$(printf '%04X' "$1")
	grep -q ":$hex [0-9A-F:]* 0A " /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# Several build trees may run these tests at once: spread the ports by pid
# so that two runs rarely race for the same free one.
port=$((port + ($$ * 7) % 20000))
while listening "$port"; do
	port=$((port + 1))
done

# shellcheck disable=SC2086 # emu_args is a list of words
timeout "$limit" "$runner" $emu_args --fabric "$fabric" -- \
	"$prog" -p "$port" ${PINGPONG_SERVER_ARGS:-} "$@" >"$tmp/server.out" 2>&1 &
server=$!

tries=0
until listening "$port"; do
	if ! kill -0 "$server" 2>/dev/null; then
		echo "server exited before listening:" >&2
		cat "$tmp/server.out" >&2
		exit 1
	fi
	tries=$((tries + 1))
	if [ $tries -gt 200 ]; then
		echo "server did not listen on port $port" >&2
		kill "$server" 2>/dev/null
		cat "$tmp/server.out" >&2
		exit 1
	fi
	sleep 0.05
done

# shellcheck disable=SC2086
timeout "$limit" "$runner" $emu_args --fabric "$fabric" -- \
	"$prog" -p "$port" ${PINGPONG_CLIENT_ARGS:-} "$@" 127.0.0.1 \
	>"$tmp/client.out" 2>&1
client_rc=$?
wait "$server"
server_rc=$?

echo "--- server (exit $server_rc)"
cat "$tmp/server.out"
echo "--- client (exit $client_rc)"
cat "$tmp/client.out"
# the examples print their result lines; a zero exit without them is a
# failure too (e.g. a crash hidden by a wrapper)
if [ $server_rc -ne 0 ] || [ $client_rc -ne 0 ]; then
	exit 1
fi
grep -q "iters in" "$tmp/client.out" && grep -q "iters in" "$tmp/server.out"
