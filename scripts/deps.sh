#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what the build, the KUnit runs and the VM need, from Debian's
# archive only.  Fast no-op when everything is already present.
set -euo pipefail

KVER_GLOB='6.12.*-amd64'

need=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }

for p in build-essential bc bison flex libelf-dev libssl-dev dwarves cpio \
	 kmod rsync python3 xz-utils qemu-system-x86 busybox-static \
	 liburing-dev python3-sphinx dkms pkg-config fio libaio-dev; do
	have_pkg "$p" || need+=("$p")
done

# The plain flavour: an -rt-amd64 beside it does not count.
[ -n "$(bash "$(dirname "$0")/kdir.sh" 6.12)" ] || need+=(linux-headers-amd64-6.12)
ls /boot/vmlinuz-$KVER_GLOB 2>/dev/null | grep -qEv -- '-(rt|cloud)-amd64$' ||
	need+=(linux-image-6.12-unsigned)
ls /usr/src/linux-source-6.12.tar.* >/dev/null 2>&1 || need+=(linux-source-6.12)
# Debian 12's own 6.1 headers: make check also builds against them.
ls -d /usr/src/linux-headers-6.1.0-*-amd64 >/dev/null 2>&1 || need+=(linux-headers-amd64-6.1)
# The PREEMPT_RT flavour of the same 6.12: make check builds against its
# headers and runs the VM suite on its kernel.
ls -d /usr/src/linux-headers-6.12.*-rt-amd64 >/dev/null 2>&1 || need+=(linux-headers-rt-amd64-6.12)
ls /boot/vmlinuz-6.12.*-rt-amd64 >/dev/null 2>&1 || need+=(linux-image-6.12-rt-unsigned)

# Debian 12's 6.1 kernel itself: the VM suite also boots it.
ls /boot/vmlinuz-6.1.0-*-amd64 >/dev/null 2>&1 || need+=(linux-image-6.1-unsigned)

# The newest kernel Debian has is in sid: its linux-source, unpacked
# (never installed) under $SID_CACHE; scripts/new-kernel.sh builds it
# with this machine's compiler.
SID_CACHE=/var/cache/msgport-sid
SID_SERIES=7.2
# The unpacked package, with its Debian version in VERSION.
sid_src() {
	[ -s "$SID_CACHE/linux-source-$SID_SERIES/VERSION" ] &&
		ls "$SID_CACHE"/linux-source-$SID_SERIES/usr/src/linux-source-$SID_SERIES.tar.* 2>/dev/null | head -1
}
want_sid=0
[ -n "$(sid_src)" ] || want_sid=1

# qemu's plugin header and example plugins, from the source of bookworm's
# qemu (the version of the installed binary), under $QEMU_CACHE:
# tools/bench/icount.c, the instruction counter of `make bench`, is built
# against that header.
QEMU_CACHE=/var/cache/msgport-qemu
qemu_plugin_h() {
	ls "$QEMU_CACHE"/qemu-*/include/qemu/qemu-plugin.h 2>/dev/null | head -1
}
want_qemu=0
[ -n "$(qemu_plugin_h)" ] || want_qemu=1

# The source of bookworm's fio (the version of the installed binary),
# unpacked under $FIO_CACHE: tools/fio/ builds its external ioengine
# against its headers.
FIO_CACHE=/var/cache/msgport-fio
fio_src() {
	ls -d "$FIO_CACHE"/fio-*/ 2>/dev/null | while read -r d; do
		[ -f "$d/ioengines.h" ] && echo "${d%/}"
	done | head -1
}
want_fio=0
[ -n "$(fio_src)" ] || want_fio=1

[ ${#need[@]} -eq 0 ] && [ $want_sid -eq 0 ] && [ $want_qemu -eq 0 ] && [ $want_fio -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing ${need[*]}${need[*]:+ }$([ $want_sid -eq 0 ] || echo "linux-source-$SID_SERIES (sid) ")$([ $want_qemu -eq 0 ] || echo "qemu's source (bookworm) ")$([ $want_fio -eq 0 ] || echo "fio's source (bookworm)"); run as root to install" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive

# sid, for linux-source-$SID_SERIES only: pinned below every installed
# package (priority 1, as Debian pins experimental), so no upgrade and no
# install of a package that bookworm has ever takes sid's version.
sid_list=/etc/apt/sources.list.d/msgport-sid.sources
sid_pin=/etc/apt/preferences.d/msgport-sid
sid_changed=0
# put FILE: write stdin to FILE if it differs.
put() {
	local tmp
	tmp=$(mktemp)
	cat >"$tmp"
	if cmp -s "$tmp" "$1"; then
		rm -f "$tmp"
	else
		install -m 644 "$tmp" "$1"
		rm -f "$tmp"
		sid_changed=1
	fi
}
put "$sid_pin" <<'PIN'
# Written by msgport's scripts/deps.sh: sid only for what is asked by name.
Package: *
Pin: release n=sid
Pin-Priority: 1
PIN
put "$sid_list" <<'LIST'
# Written by msgport's scripts/deps.sh: linux-source of the newest kernel.
Types: deb
URIs: http://deb.debian.org/debian
Suites: sid
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
LIST

# bookworm's sources, for `apt-get source fio` only (deb-src: no binary
# package comes from it).
put /etc/apt/sources.list.d/msgport-src.sources <<'LIST'
# Written by msgport's scripts/deps.sh: the source of bookworm's fio.
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
LIST

stamp=/var/lib/apt/periodic/msgport-update-stamp
if [ $sid_changed -eq 1 ] || [ ! -e "$stamp" ] ||
   [ -z "$(ls /var/lib/apt/lists/ 2>/dev/null | grep -v lock)" ] ||
   ! ls /var/lib/apt/lists/*_dists_sid_* >/dev/null 2>&1 ||
   ! ls /var/lib/apt/lists/*_dists_bookworm_main_source_Sources* >/dev/null 2>&1; then
	apt-get update -q
	mkdir -p "$(dirname "$stamp")" && touch "$stamp"
fi

# The pin must hold: an upgrade takes nothing from sid.
if apt-get -s -o Debug::NoLocking=1 upgrade | grep -E '^Inst .*\(.*:(unstable|sid)[ ,]' >&2; then
	echo "deps.sh: apt would upgrade the packages above from sid; check $sid_pin" >&2
	exit 1
fi

if [ $want_sid -eq 1 ]; then
	(
		set -e
		mkdir -p "$SID_CACHE"
		cd "$SID_CACHE"
		rm -f linux-source-"$SID_SERIES"_*.deb
		apt-get download -q -o APT::Sandbox::User=root "linux-source-$SID_SERIES/sid"
		rm -rf ".linux-source-$SID_SERIES.tmp"
		dpkg-deb -x linux-source-"$SID_SERIES"_*.deb ".linux-source-$SID_SERIES.tmp"
		dpkg-deb -f linux-source-"$SID_SERIES"_*.deb Version >".linux-source-$SID_SERIES.tmp/VERSION"
		rm -rf "linux-source-$SID_SERIES"
		mv -T ".linux-source-$SID_SERIES.tmp" "linux-source-$SID_SERIES"
		rm -f linux-source-"$SID_SERIES"_*.deb
	) || {
		echo "deps.sh: could not fetch linux-source-$SID_SERIES from sid" >&2
		exit 1
	}
	[ -n "$(sid_src)" ] || { echo "deps.sh: no tarball in $SID_CACHE/linux-source-$SID_SERIES" >&2; exit 1; }
fi
if [ $want_qemu -eq 1 ]; then
	# Only the plugin header and contrib/plugins are unpacked, not the
	# whole tree.
	(
		set -e
		rm -rf "$QEMU_CACHE"
		mkdir -p "$QEMU_CACHE"
		cd "$QEMU_CACHE"
		apt-get source -q --download-only -o APT::Sandbox::User=root qemu/bookworm
		tar -xf qemu_*.orig.tar.* --wildcards '*/include/qemu/qemu-plugin.h' \
			'*/contrib/plugins/*'
		rm -f qemu_*.orig.tar.* qemu_*.debian.tar.*
	) >/dev/null || {
		echo "deps.sh: could not fetch qemu's source from bookworm" >&2
		exit 1
	}
	[ -n "$(qemu_plugin_h)" ] || { echo "deps.sh: no qemu-plugin.h in $QEMU_CACHE" >&2; exit 1; }
fi
if [ $want_fio -eq 1 ]; then
	(
		set -e
		rm -rf "$FIO_CACHE"
		mkdir -p "$FIO_CACHE"
		cd "$FIO_CACHE"
		apt-get source -q -o APT::Sandbox::User=root fio/bookworm
	) >/dev/null || {
		echo "deps.sh: could not fetch fio's source from bookworm" >&2
		exit 1
	}
	[ -n "$(fio_src)" ] || { echo "deps.sh: no fio source in $FIO_CACHE" >&2; exit 1; }
fi
[ ${#need[@]} -eq 0 ] && exit 0

# The newest 6.12 flavour-less amd64 ABI for which Debian has an image,
# and headers of that same version.
kabi=$(apt-cache pkgnames linux-image-6.12 |
	sed -nE 's/^linux-image-(6\.12\.[0-9]+\+deb[0-9]+)-amd64-unsigned$/\1/p' |
	sort -V | tail -1)
resolve() {
	case "$1" in
	linux-headers-amd64-6.12) [ -n "$kabi" ] && echo "linux-headers-$kabi-amd64" ;;
	linux-image-6.12-unsigned) [ -n "$kabi" ] && echo "linux-image-$kabi-amd64-unsigned" ;;
	linux-headers-rt-amd64-6.12) [ -n "$kabi" ] && echo "linux-headers-$kabi-rt-amd64" ;;
	linux-image-6.12-rt-unsigned) [ -n "$kabi" ] && echo "linux-image-$kabi-rt-amd64-unsigned" ;;
	linux-headers-amd64-6.1)
		apt-cache pkgnames linux-headers-6.1.0- |
			grep -E '^linux-headers-6\.1\.0-[0-9]+-amd64$' | sort -V | tail -1 ;;
	linux-image-6.1-unsigned)
		# The image of the installed 6.1 headers' ABI, or the newest.
		local h
		h=$(ls -d /usr/src/linux-headers-6.1.0-*-amd64 2>/dev/null | sort -V | tail -1)
		if [ -n "$h" ]; then
			echo "linux-image-${h#/usr/src/linux-headers-}-unsigned"
		else
			apt-cache pkgnames linux-image-6.1.0- |
				grep -E '^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$' | sort -V | tail -1
		fi ;;
	*) echo "$1" ;;
	esac
}

pkgs=()
for p in "${need[@]}"; do
	r=$(resolve "$p")
	if [ -z "$r" ]; then
		echo "deps.sh: no Debian package found for $p" >&2
		exit 1
	fi
	pkgs+=("$r")
done

apt-get install -y -q --no-install-recommends "${pkgs[@]}"
