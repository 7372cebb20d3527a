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
	 liburing-dev python3-sphinx dkms pkg-config; do
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

[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing ${need[*]}; run as root to install" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
stamp=/var/lib/apt/periodic/msgport-update-stamp
if [ ! -e "$stamp" ] || [ -z "$(ls /var/lib/apt/lists/ 2>/dev/null | grep -v lock)" ]; then
	apt-get update -q
	mkdir -p "$(dirname "$stamp")" && touch "$stamp"
fi

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
