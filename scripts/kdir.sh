#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The one definition of the default kernel build directory: Debian's
# plain amd64 headers of a series (6.12 unless given), never another
# flavour (-rt-amd64, -cloud-amd64) that happens to be installed beside
# them.  Prints nothing if none is installed.
#
# Usage: scripts/kdir.sh [SERIES|rt]  e.g. scripts/kdir.sh 6.1
#   rt: Debian's PREEMPT_RT flavour of 6.12 (-rt-amd64), asked for by name.
# KDIR_SRC= looks in another directory than /usr/src (the tests do).
series=${1:-6.12}
src=${KDIR_SRC:-/usr/src}
case $series in
rt)
	ls -d "$src"/linux-headers-6.12.*-rt-amd64 2>/dev/null | sort -V | tail -1
	exit 0 ;;
6.1) glob="$src/linux-headers-6.1.0-*-amd64" ;;
*) glob="$src/linux-headers-$series.*-amd64" ;;
esac
# shellcheck disable=SC2086
ls -d $glob 2>/dev/null | grep -Ev -- '-(rt|cloud)-amd64$' | sort -V | tail -1
