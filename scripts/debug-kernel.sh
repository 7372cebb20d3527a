#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build, or find already built, the debug kernel of `scripts/vm.sh --debug`:
# x86_64 6.12 from Debian's linux-source-6.12, `make alldefconfig` plus
# scripts/debug-kernel.config (KASAN, lockdep, DEBUG_OBJECTS, DEBUG_LIST,
# kmemleak, and everything the guest suite needs built in).
#
# alldefconfig, not defconfig or tinyconfig: every symbol at its Kconfig
# default is a small kernel (few drivers) that still has every system
# call busybox and the selftests use; defconfig builds hundreds of
# drivers the VM does not have, and tinyconfig turns off things like
# SLUB (KASAN needs it) that the fragment would have to chase one by one.
#
# The result is build/debug-kernel/<key>/: a kernel tree for external
# modules (make -C <dir> M=... modules) holding bzImage, vmlinux, System.map and
# .config too.  <key> is a sha256 of the fragment, the linux-source-6.12
# package version, the compiler and the recipe version below, so editing
# any of them builds a new kernel and an unchanged one is reused.
# A second cache outside the checkout, $DEBUG_KERNEL_CACHE (default
# /var/cache/msgport-debug-kernel), is filled after a build and looked at
# before one, so that a fresh checkout on a CI machine reuses it.  Both
# are filled by an atomic rename: a directory named <key> is complete.
#
# --kernel 7.2 builds the other kernel made here the same way: Linux 7.2
# from sid's linux-source-7.2 (scripts/deps.sh unpacks it, never installs
# it: sid's headers packages are configured for a newer gcc than Debian
# 12 has) with this machine's gcc, alldefconfig plus
# scripts/kernel-7.2.config, no checkers; in build/kernel-7.2 and
# $KERNEL_72_CACHE (default /var/cache/msgport-kernel-7.2).
#
# Usage: scripts/debug-kernel.sh [--kernel 7.2] [--key]
#   prints the kernel directory (or, with --key, just the key) on stdout;
#   progress goes to stderr; the build log is build/debug-kernel/build.log.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
want_key=0 which=debug
while [ $# -gt 0 ]; do
	case $1 in
	--key) want_key=1 ;;
	--kernel)
		which=${2:?--kernel needs 7.2}
		shift ;;
	*) echo "usage: debug-kernel.sh [--kernel 7.2] [--key]" >&2; exit 2 ;;
	esac
	shift
done
case $which in
debug)
	series=6.12
	fragment=$root/scripts/debug-kernel.config
	top=$root/build/debug-kernel
	ext=${DEBUG_KERNEL_CACHE:-/var/cache/msgport-debug-kernel} ;;
7.2)
	series=7.2
	fragment=$root/scripts/kernel-7.2.config
	top=$root/build/kernel-7.2
	ext=${KERNEL_72_CACHE:-/var/cache/msgport-kernel-7.2} ;;
*) echo "debug-kernel.sh: no kernel '$which' (debug or 7.2)" >&2; exit 2 ;;
esac
src=$root/build/linux-$series
obj=$top/obj
jobs=$(nproc)
# Bump when the way the tree is built or installed changes.
recipe=2

say() { echo "$(basename "$top"): $*" >&2; }

if [ "$series" = 6.12 ]; then
	srcver=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null) || {
		say "linux-source-6.12 is not installed; run scripts/deps.sh"
		exit 1
	}
else
	srcver=$(cat "/var/cache/msgport-sid/linux-source-$series/VERSION" 2>/dev/null) || {
		say "linux-source-$series is not unpacked; run scripts/deps.sh"
		exit 1
	}
fi
key=$({
	echo "recipe $recipe base alldefconfig arch x86_64"
	echo "linux-source-$series $srcver"
	gcc --version | head -1
	cat "$fragment"
} | sha256sum | cut -c1-16)
if [ $want_key -eq 1 ]; then
	echo "$key"
	exit 0
fi

out=$top/$key
complete() { [ -f "$1/bzImage" ] && [ -f "$1/vmlinux" ] && [ -f "$1/Module.symvers" ] && [ -f "$1/.config" ]; }

# copy_to FROM DEST: copy a complete tree to DEST, atomically.
copy_to() {
	local tmp
	tmp=$(dirname "$2")/.$(basename "$2").tmp.$$
	rm -rf "$tmp"
	if cp -a "$1" "$tmp" && mv -T "$tmp" "$2" 2>/dev/null; then
		return 0
	fi
	rm -rf "$tmp"
	# Another run may have renamed the same key into place first.
	complete "$2"
}

if complete "$out"; then
	echo "$out"
	exit 0
fi

mkdir -p "$top"
# One build at a time: two vm.sh --debug runs share build/debug-kernel/obj.
exec 9>"$top/.lock"
flock 9
if complete "$out"; then
	echo "$out"
	exit 0
fi

if complete "$ext/$key"; then
	say "using $ext/$key"
	copy_to "$ext/$key" "$out" || {
		say "could not copy $ext/$key to $out"
		exit 1
	}
	echo "$out"
	exit 0
fi

# The source as scripts/kunit.sh unpacks it.  It carries the project
# grafted in as drivers/msgport; the fragment keeps CONFIG_MSGPORT off
# and O= keeps the source tree clean (kunit.py builds it with O= too).
bash "$root/scripts/kunit.sh" --series "$series" --prepare-only >&2
treever=$(make -s -C "$src" kernelversion)
case $srcver in
"$treever"-*) ;;
*)
	say "$src is $treever but linux-source-$series is $srcver;"
	say "remove $src (scripts/kunit.sh unpacks it again)"
	exit 1 ;;
esac

log=$top/build.log
say "building $treever + $(basename "$fragment") in $obj ($jobs jobs; log: $log)"
start=$(date +%s)
# One O= directory for every key, so that a fragment change rebuilds
# incrementally; the config is generated from scratch each time.
mkdir -p "$obj"
# Niced: the machine is shared, and a kernel build is the longest step of
# make check on a fresh machine.
kmake() { nice -n 15 make -C "$src" O="$obj" ARCH=x86_64 "$@"; }
{
	kmake alldefconfig
	# Later assignments win: the fragment overrides the defaults.
	cat "$fragment" >>"$obj/.config"
	kmake olddefconfig
} >"$log" 2>&1 || {
	tail -30 "$log" >&2
	say "configuration failed"
	exit 1
}

# Every assignment of the fragment must have survived olddefconfig: a
# dependency we did not meet drops a symbol silently otherwise.
bad=0
while IFS= read -r line; do
	case $line in
	CONFIG_*=*)
		grep -qxF "$line" "$obj/.config" || {
			say "not in .config: $line (got: $(grep "^${line%%=*}=" "$obj/.config" || echo unset))"
			bad=1
		} ;;
	"# CONFIG_"*" is not set")
		sym=${line#\# }
		sym=${sym%% *}
		if grep -q "^$sym=" "$obj/.config"; then
			say "should be unset: $(grep "^$sym=" "$obj/.config")"
			bad=1
		fi ;;
	esac
done <"$fragment"
[ $bad -eq 0 ] || {
	say "the fragment did not stick; see $obj/.config"
	exit 1
}

kmake -j"$jobs" all >>"$log" 2>&1 || {
	grep -E 'error|Error' "$log" | head -20 >&2
	tail -20 "$log" >&2
	say "build failed (see $log)"
	exit 1
}
say "built in $(($(date +%s) - start)) s"

# The tree for external modules, as Debian's headers packages make it
# (scripts/package/install-extmod-build), plus the boot files.
tmp=$top/.$key.tmp.$$
rm -rf "$tmp"
kmake -s run-command KBUILD_RUN_COMMAND="\${srctree}/scripts/package/install-extmod-build $tmp" >>"$log" 2>&1
cp "$obj/arch/x86/boot/bzImage" "$obj/vmlinux" "$obj/System.map" "$obj/.config" "$tmp/"
complete "$tmp" || {
	say "incomplete tree in $tmp"
	exit 1
}
rm -rf "$out"
mv -T "$tmp" "$out"

# The second cache: best effort, a read-only or missing one is no error.
if mkdir -p "$ext" 2>/dev/null && [ -w "$ext" ] && ! complete "$ext/$key"; then
	copy_to "$out" "$ext/$key" || say "could not copy to $ext/$key"
fi
echo "$out"
