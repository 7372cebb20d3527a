#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build fio and the syslet ioengine (tools/fio/syslet.c) from the source
# of Debian's fio package, which scripts/deps.sh unpacks under
# /var/cache/msgport-fio.
#
# Usage: scripts/fio.sh OUTDIR
#   OUTDIR/fio        fio, built from that source (the guest's: Debian's
#                     binary needs some 80 MB of libraries for engines
#                     the guest has no use for)
#   OUTDIR/syslet.so  the engine, for ioengine=external:OUTDIR/syslet.so
# The engine is checked to load into Debian's /usr/bin/fio (same
# FIO_IOOPS_VERSION) and into the fio built here.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: fio.sh OUTDIR}
src=$(ls -d /var/cache/msgport-fio/fio-*/ 2>/dev/null | head -1)
src=${src%/}
[ -f "$src/ioengines.h" ] || { echo "fio.sh: no fio source; run scripts/deps.sh" >&2; exit 1; }
bld=$root/build/fio
mkdir -p "$out" "$bld"

# fio itself, once per source version and configuration: the copy is
# configured and built outside the cache, which stays as deps.sh left it.
# Without System V shared memory (the debug and 7.2 kernels have no
# CONFIG_SYSVIPC): fio then runs its jobs as threads of one process.
ver=$(basename "$src")
conf="--disable-native --disable-shm --prefix=/usr"
if [ ! -x "$bld/$ver/fio" ] || [ "$(cat "$bld/$ver/.msgport-conf" 2>/dev/null)" != "$conf" ]; then
	echo "fio.sh: building $ver"
	rm -rf "${bld:?}/${ver:?}"
	cp -a "$src" "$bld/$ver"
	(
		cd "$bld/$ver"
		# shellcheck disable=SC2086
		./configure $conf
		make -j"$(nproc)" fio
	) >"$bld/build.log" 2>&1 || {
		tail -30 "$bld/build.log"
		exit 1
	}
	echo "$conf" >"$bld/$ver/.msgport-conf"
fi
cp "$bld/$ver/fio" "$out/fio"

# The engine, with fio's own flags for a dynamic engine.
gcc -O2 -g -std=gnu99 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-unused-parameter \
	-Wno-sign-compare -Wno-missing-field-initializers \
	-include "$bld/$ver/config-host.h" -I"$bld/$ver" \
	-shared -rdynamic -fPIC -o "$out/syslet.so" "$root/tools/fio/syslet.c"

# Both fios accept it: fio refuses an engine of another FIO_IOOPS_VERSION
# ("bad ioops version") when it parses a job that names it.
for f in /usr/bin/fio "$out/fio"; do
	[ -x "$f" ] || continue
	"$f" --parse-only --name=probe --ioengine="external:$out/syslet.so" \
		--syslet_chain --filename=/dev/null >"$bld/probe.log" 2>&1 || {
		echo "fio.sh: $f does not load $out/syslet.so:" >&2
		cat "$bld/probe.log" >&2
		exit 1
	}
done
