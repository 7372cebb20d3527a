#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Sign kernel modules with the kernel's own scripts/sign-file, as
# `make modules_install` does for in-tree modules when the kernel is
# configured to: the signature is appended to the .ko, and the kernel
# checks it against its trusted keys when the module is loaded.
#
# Usage: scripts/sign.sh KDIR KEY CERT MODULE.ko...
#   KDIR  the kernel build tree the modules were built against: its
#         scripts/sign-file signs, its CONFIG_MODULE_SIG_HASH is the hash
#         (sha256 if it has none);
#   KEY   the private key (PEM, or a PKCS#11 URI);
#   CERT  its X.509 certificate (PEM or DER).
# A module that is already signed is refused: sign a freshly linked one
# (`make sign` relinks first), since a second signature would cover the
# first rather than replace it.
set -euo pipefail

[ $# -ge 4 ] || { echo "usage: sign.sh KDIR KEY CERT MODULE.ko..." >&2; exit 2; }
kdir=$1 key=$2 cert=$3
shift 3

sign_file=$kdir/scripts/sign-file
[ -x "$sign_file" ] || { echo "sign.sh: no $sign_file" >&2; exit 1; }
case $key in
pkcs11:*) ;;
*) [ -r "$key" ] || { echo "sign.sh: cannot read the key '$key'" >&2; exit 1; } ;;
esac
[ -r "$cert" ] || { echo "sign.sh: cannot read the certificate '$cert'" >&2; exit 1; }
hash=$(sed -n 's/^CONFIG_MODULE_SIG_HASH="\(.*\)"$/\1/p' \
	"$kdir/include/config/auto.conf" 2>/dev/null || true)
hash=${hash:-sha256}

magic='~Module signature appended~'
for ko in "$@"; do
	if tail -c 28 "$ko" | head -c 27 | cmp -s - <(printf %s "$magic"); then
		echo "sign.sh: $ko is already signed; relink it first" >&2
		exit 1
	fi
	"$sign_file" "$hash" "$key" "$cert" "$ko"
	echo "  SIGN    $ko ($hash)"
done
