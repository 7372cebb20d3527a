#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# DKMS check: Debian's dkms adds the tree of `make install-dkms` and builds
# it against the installed headers of Debian's 6.12 and Debian 12's 6.1.
# Everything dkms keeps goes to build/dkms (--sourcetree, --dkmstree,
# --installtree, and the signing key dkms would otherwise make in
# /var/lib/dkms): nothing is installed into the host's kernels, and
# `dkms install` is not run (it would run depmod on the host).
# Prints "dkms: N passed, N failed".
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1
out=$root/build/dkms
rm -rf "$out"
mkdir -p "$out/key"
pass=0 fail=0

ok() { echo "ok - dkms: $1"; pass=$((pass + 1)); }
notok() {
	echo "not ok - dkms: $1"
	[ -z "${2:-}" ] || tail -20 "$2" | sed 's/^/#   /'
	fail=$((fail + 1))
}

if ! command -v dkms >/dev/null; then
	notok "dkms is not installed: run 'make deps'"
	echo "dkms: $pass passed, $fail failed"
	exit 1
fi

version=$(sh scripts/version.sh)
opts=(--sourcetree "$out/root/usr/src" --dkmstree "$out/tree" --installtree "$out/lib")
mkdir -p "$out/tree" "$out/lib"
# dkms signs what it builds, with a key it makes in /var/lib/dkms unless
# given one.
export mok_signing_key=$out/key/mok.key mok_certificate=$out/key/mok.der
openssl req -new -nodes -utf8 -sha256 -days 1 -batch -x509 \
	-subj "/CN=msgport dkms-check key/" -newkey rsa:2048 \
	-keyout "$mok_signing_key" -outform DER -out "$mok_certificate" 2>/dev/null
host_before=$(ls -laR /var/lib/dkms 2>/dev/null; ls -d /lib/modules/*/updates/dkms/* 2>/dev/null)

log=$out/add.log
if make -s install-dkms DESTDIR="$out/root" >"$log" 2>&1 &&
   grep -qx "PACKAGE_VERSION=\"$version\"" "$out/root/usr/src/msgport-$version/dkms.conf" &&
   dkms add "${opts[@]}" -m msgport -v "$version" >>"$log" 2>&1; then
	ok "make install-dkms; dkms add msgport/$version"
else
	notok "make install-dkms; dkms add msgport/$version" "$log"
fi

# build SERIES: dkms build for the plain headers of SERIES; the modules
# carry the version, the kernel's vermagic and dkms's signature.
build() {
	local kdir krel log=$out/build-$1.log m f
	kdir=$(bash scripts/kdir.sh "$1")
	if [ -z "$kdir" ]; then
		notok "dkms build for $1: no headers"
		return
	fi
	krel=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' "$kdir/include/generated/utsrelease.h")
	if ! dkms build "${opts[@]}" -m msgport -v "$version" -k "$krel" >"$log" 2>&1; then
		notok "dkms build -k $krel" "$log"
		[ -f "$out/tree/msgport/$version/build/make.log" ] &&
			tail -20 "$out/tree/msgport/$version/build/make.log" | sed 's/^/#   /'
		return
	fi
	for m in msgport syslet; do
		f=$(ls "$out/tree/msgport/$version/$krel/x86_64/module/$m.ko"* 2>/dev/null | head -1)
		if [ -z "$f" ]; then
			echo "no $m.ko in the dkms tree" >>"$log"
		elif [ "$(modinfo -F version "$f")" != "$version" ]; then
			echo "$m: version '$(modinfo -F version "$f")', want '$version'" >>"$log"
		elif [ "$(modinfo -F vermagic "$f" | cut -d' ' -f1)" != "$krel" ]; then
			echo "$m: vermagic '$(modinfo -F vermagic "$f")'" >>"$log"
		elif [ "$(modinfo -F signer "$f")" != "msgport dkms-check key" ]; then
			echo "$m: signer '$(modinfo -F signer "$f")'" >>"$log"
		else
			continue
		fi
		notok "dkms build -k $krel" "$log"
		return
	done
	if dkms status "${opts[@]}" -m msgport -v "$version" -k "$krel" 2>&1 |
		grep -q "^msgport/$version, $krel, x86_64: built$"; then
		ok "dkms build -k $krel: msgport.ko, syslet.ko, version $version, signed"
	else
		dkms status "${opts[@]}" >>"$log" 2>&1
		notok "dkms status -k $krel: not built" "$log"
	fi
}

build 6.12
build 6.1

log=$out/remove.log
if dkms remove "${opts[@]}" -m msgport -v "$version" --all >"$log" 2>&1 &&
   [ ! -e "$out/tree/msgport/$version" ]; then
	ok "dkms remove msgport/$version --all"
else
	notok "dkms remove msgport/$version --all" "$log"
fi

host_after=$(ls -laR /var/lib/dkms 2>/dev/null; ls -d /lib/modules/*/updates/dkms/* 2>/dev/null)
if [ "$host_before" = "$host_after" ]; then
	ok "nothing written to /var/lib/dkms or the host's /lib/modules"
else
	notok "the host's dkms state changed"
	diff <(echo "$host_before") <(echo "$host_after") | head -20 | sed 's/^/#   /'
fi

echo "dkms: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
