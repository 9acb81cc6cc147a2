#!/bin/sh
# run.sh BUILD_DIR PROGRAM [ARGS...]
# Runs a project program on the real NPU when an amdxdna node exists, else on
# the xdna-emu emulated device (which announces itself on stderr).
set -eu
b=$1; shift
real=""
for n in /dev/accel/accel*; do
	[ -c "$n" ] && real=$n && break
done
if [ -n "$real" ] || [ -n "${XDNA_DEVICE:-}" ]; then
	exec "$@"
fi
echo "run: no /dev/accel/accel* here; using the xdna-emu emulated device" >&2
LD_PRELOAD="$PWD/$b/libxdna-emu.so${LD_PRELOAD:+:$LD_PRELOAD}" exec "$@"
