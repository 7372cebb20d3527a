#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Installation checks (Documentation/install.rst), all on the host and
# under build/installcheck, never into the running system:
#   - make install DESTDIR= PREFIX=: every file where it belongs, depmod's
#     view of the modules, MODULE_VERSION, the pkg-config file and the
#     headers it points at (a program builds with them), a client module
#     built against the installed msgport.h and Module.symvers only, the
#     manual pages (same sections as the .rst they come from); make
#     uninstall takes it all away;
#   - make dist: the tarball builds without git, its modules carry the
#     version of its VERSION file, it has its manual pages;
#   - make sign (in the tarball's tree): the signature of a key made here,
#     once, however often it is run;
#   - scripts/kdir.sh: the default kernel stays Debian's plain 6.12 when
#     other flavours and series are installed beside it.
# Prints "install: N passed, N failed".
#
# Usage: scripts/install-check.sh [FUNCTION...]  (only those checks, by
# the name of their function below, e.g. kdir_default)
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1
out=$root/build/installcheck
rm -rf "$out"
mkdir -p "$out"
pass=0 fail=0

# t NAME CMD...: run CMD (a function) with set -e; its output is shown
# on failure only.
only=" $* "
t() {
	local name=$1 log=$out/t.log
	shift
	[ "$only" = "  " ] || [[ $only == *" $1 "* ]] || return 0
	# Not as an if condition, where set -e would be ignored.
	(set -e; "$@") >"$log" 2>&1
	if [ $? -eq 0 ]; then
		echo "ok - install: $name"
		pass=$((pass + 1))
	else
		echo "not ok - install: $name"
		tail -20 "$log" | sed 's/^/#   /'
		fail=$((fail + 1))
	fi
}
die() { echo "$*"; return 1; }

KDIR=$(bash scripts/kdir.sh)
krel=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' "$KDIR/include/generated/utsrelease.h")
version=$(sh scripts/version.sh)
dest=$out/root
prefix=/opt/msgport-test
mod=$dest/lib/modules/$krel/updates
ksrc=$dest/usr/src/msgport-$version

files=(
	"lib/modules/$krel/updates/msgport.ko"
	"lib/modules/$krel/updates/syslet.ko"
	"usr/src/msgport-$version/include/msgport/msgport.h"
	"usr/src/msgport-$version/$krel/Module.symvers"
	"$prefix/include/syslet/syslet.h"
	"$prefix/include/syslet/upcall.h"
	"$prefix/include/syslet/uapi/syslet.h"
	"$prefix/include/syslet/uapi/upcall.h"
	"$prefix/share/pkgconfig/syslet.pc"
	"$prefix/share/man/man4/syslet.4"
	"$prefix/share/man/man4/upcall.4"
	"$prefix/share/man/man9/msgport.9"
	"$prefix/share/man/man3/upc_register.3"
	"$prefix/share/man/man3/upc_control.3"
)

install_files() {
	make -s install KDIR="$KDIR" DESTDIR="$dest" PREFIX="$prefix"
	local f
	for f in "${files[@]}"; do
		[ -f "$dest/$f" ] || die "missing: $f"
	done
	# PREFIX is honoured: nothing went to the default one.
	[ ! -e "$dest/usr/local" ] || die "files under /usr/local despite PREFIX"
	# Only the two modules, not the test modules.
	[ "$(ls "$mod")" = "$(printf 'msgport.ko\nsyslet.ko')" ] ||
		die "modules installed: $(ls "$mod")"
	cmp Module.symvers "$ksrc/$krel/Module.symvers"
}

depmod_dep() {
	grep -x "updates/syslet.ko: updates/msgport.ko" "$dest/lib/modules/$krel/modules.dep" ||
		die "modules.dep: $(cat "$dest/lib/modules/$krel/modules.dep")"
	grep -q '^updates/msgport.ko:$' "$dest/lib/modules/$krel/modules.dep"
}

module_version() {
	[ -n "$version" ] && [ "$version" != unknown ] || die "no version: '$version'"
	local m v
	for m in msgport syslet; do
		v=$(modinfo -F version "$mod/$m.ko")
		[ "$v" = "$version" ] || die "$m.ko: version '$v', want '$version'"
	done
}

pkgconfig() {
	export PKG_CONFIG_PATH=$dest$prefix/share/pkgconfig PKG_CONFIG_SYSROOT_DIR=$dest
	[ "$(pkg-config --modversion syslet)" = "$version" ]
	local cflags
	cflags=$(pkg-config --cflags syslet | sed "s/ *$//")
	[ "$cflags" = "-I$dest$prefix/include" ] || die "cflags: $cflags"
	cat >"$out/user.c" <<-'EOF'
	#include <syslet/syslet.h>
	#include <syslet/upcall.h>
	int main(void)
	{
		struct syslet_ring r;
		struct upcall upc;

		(void)upc;
		return syslet_setup(&r, 64, 4) == 0 ? 0 : 1;
	}
	EOF
	# Only the installed headers: the include path of the tree is not given.
	gcc -Wall -Wextra -Werror -Wno-unused-parameter $cflags -o "$out/user" "$out/user.c"
}

client_module() {
	local c=$out/client
	mkdir -p "$c"
	cp msgport/examples/msgport_example.c "$c/client.c"
	printf 'obj-m := client.o\nccflags-y := -I%s/include\n' "$ksrc" >"$c/Kbuild"
	make -C "$KDIR" M="$c" KBUILD_EXTRA_SYMBOLS="$ksrc/$krel/Module.symvers" \
		modules >"$c/build.log" 2>&1 || { cat "$c/build.log"; return 1; }
	! grep -E 'undefined|warning|WARNING' "$c/build.log" || die "modpost warned"
	[ "$(modinfo -F depends "$c/client.ko")" = msgport ]
}

# The pages are the .rst documents: each top-level section heading of a
# document is a section of its page.
man_pages() {
	local man=$dest$prefix/share/man doc sec page text h n=0
	for doc in syslet:4 upcall:4 msgport:9; do
		page=${doc%:*}
		sec=${doc#*:}
		text=$(MANWIDTH=200 MANPATH=$man man "$sec" "$page" 2>/dev/null) ||
			die "man $sec $page failed"
		grep -q "^NAME" <<<"$text"
		# Headings are underlined with '=' (the title is over- and
		# underlined; skip it).
		while read -r h; do
			grep -qF "$(tr '[:lower:]' '[:upper:]' <<<"$h")" <<<"$text" ||
				die "$page($sec): no section '$h'"
			n=$((n + 1))
		done < <(awk 'prev != "" && /^=+$/ && prevprev !~ /^=+$/ { print prev }
			      { prevprev = prev; prev = $0 }' "Documentation/$page.rst")
	done
	[ $n -ge 9 ] || die "only $n headings found"
	for page in upc_register upc_control; do
		MANWIDTH=200 MANPATH=$man man 3 "$page" 2>/dev/null | grep -q 'DragonFly upcalls' ||
			die "$page(3) is not upcall(4)"
	done
}

uninstall() {
	make -s uninstall KDIR="$KDIR" DESTDIR="$dest" PREFIX="$prefix"
	local left
	# What depmod writes stays, without our modules in it.
	left=$(cd "$dest" && find . -type f ! -path "./lib/modules/$krel/modules.*")
	[ -z "$left" ] || die "left behind: $left"
	if grep 'msgport\|syslet' "$dest/lib/modules/$krel/modules.dep"; then
		die "still in modules.dep"
	fi
	[ ! -e "$dest$prefix/include/syslet" ] || die "include/syslet left"
}

# The tarball: extracted outside any git repository (not under build/).
dist=$(mktemp -d /tmp/msgport-dist.XXXXXX)
trap 'rm -rf "$dist"' EXIT
tarball() {
	make -s dist >/dev/null
	local tar=build/msgport-$version.tar.xz d=$dist/msgport-$version
	[ -f "$tar" ]
	tar -C "$dist" -xf "$tar"
	[ "$(cat "$d/VERSION")" = "$version" ]
	[ -f "$d/man/syslet.4" ] && [ -f "$d/man/upcall.4" ] && [ -f "$d/man/msgport.9" ]
	! git -C "$d" rev-parse --git-dir 2>/dev/null || die "$d is in a git tree"
	make -s -C "$d" KDIR="$KDIR" >/dev/null
	[ "$(modinfo -F version "$d/msgport.ko")" = "$version" ]
	[ "$(modinfo -F version "$d/syslet.ko")" = "$version" ]
	make -s -C "$d" man | grep -q 'pages of this tarball'
}

sign() {
	local d=$dist/msgport-$version k=$out/key
	[ -f "$d/msgport.ko" ] || die "no tarball tree"
	mkdir -p "$k"
	openssl req -new -nodes -utf8 -sha256 -days 1 -batch -x509 \
		-subj "/CN=msgport install-check key/" -newkey rsa:2048 \
		-keyout "$k/key.pem" -outform DER -out "$k/cert.der" 2>/dev/null
	# Refused without a key.
	if make -s -C "$d" KDIR="$KDIR" sign; then die "signed without a key"; fi
	make -s -C "$d" KDIR="$KDIR" sign SIGN_KEY="$k/key.pem" SIGN_CERT="$k/cert.der"
	local m size
	for m in msgport syslet; do
		[ "$(modinfo -F signer "$d/$m.ko")" = "msgport install-check key" ] ||
			die "$m.ko: signer '$(modinfo -F signer "$d/$m.ko")'"
		[ "$(modinfo -F sig_hashalgo "$d/$m.ko")" = sha256 ]
	done
	size=$(stat -c %s "$d/msgport.ko")
	# Again: relinked and signed once, not signed twice.
	make -s -C "$d" KDIR="$KDIR" sign SIGN_KEY="$k/key.pem" SIGN_CERT="$k/cert.der"
	[ "$(stat -c %s "$d/msgport.ko")" = "$size" ] || die "signed twice"
	# sign.sh itself refuses a signed module.
	if bash scripts/sign.sh "$KDIR" "$k/key.pem" "$k/cert.der" "$d/msgport.ko"; then
		die "sign.sh signed a signed module"
	fi
}

# Another kernel (KDIR=): the modules go where that kernel's modprobe
# looks, the release its vermagic names (Debian's 6.1 headers give
# another one in include/config/kernel.release).
install_other() {
	local d=$dist/msgport-$version k61 r61 dest61=$out/root61 m
	k61=$(bash scripts/kdir.sh 6.1)
	[ -n "$k61" ] || die "no 6.1 headers"
	make -s -C "$d" KDIR="$KDIR" clean
	make -s -C "$d" install KDIR="$k61" DESTDIR="$dest61" PREFIX="$prefix" >/dev/null
	r61=${k61##*/linux-headers-}
	for m in msgport syslet; do
		[ "$(modinfo -F vermagic "$dest61/lib/modules/$r61/updates/$m.ko" | cut -d' ' -f1)" = "$r61" ] ||
			die "$m.ko not in /lib/modules/$r61/updates: $(cd "$dest61" && find lib -name "$m.ko")"
	done
	[ -f "$dest61/usr/src/msgport-$version/$r61/Module.symvers" ]
}

# A /usr/src with the flavours and series Debian may have beside the plain
# 6.12 headers; the -rt and -cloud ones sort after the plain one.
kdir_default() {
	local s=$out/usr-src v
	mkdir -p "$s"
	for v in 6.12.118+deb12-amd64 6.12.118+deb12-rt-amd64 6.12.118+deb12-cloud-amd64 \
		 6.12.118+deb12-common 6.12.9+deb12-amd64 6.1.0-57-amd64 6.1.0-57-rt-amd64 \
		 6.1.0-9-amd64; do
		mkdir "$s/linux-headers-$v"
	done
	[ "$(KDIR_SRC=$s bash scripts/kdir.sh)" = "$s/linux-headers-6.12.118+deb12-amd64" ] ||
		die "6.12: $(KDIR_SRC=$s bash scripts/kdir.sh)"
	[ "$(KDIR_SRC=$s bash scripts/kdir.sh 6.1)" = "$s/linux-headers-6.1.0-57-amd64" ] ||
		die "6.1: $(KDIR_SRC=$s bash scripts/kdir.sh 6.1)"
	[ "$(KDIR_SRC=$s bash scripts/kdir.sh rt)" = "$s/linux-headers-6.12.118+deb12-rt-amd64" ]
	# make's own default is kdir.sh's (not a KDIR exported by an outer
	# make, as "make check" does).
	[ "$(env -u KDIR KDIR_SRC=$s make -s modules MAKE=echo | sed -n 's/^-C \([^ ]*\) .*/\1/p')" = \
		"$s/linux-headers-6.12.118+deb12-amd64" ] || die "make's KDIR differs"
	# And on this machine, with whatever is installed.
	local want
	want=$(printf '%s\n' /usr/src/linux-headers-6.12.*-amd64 |
		grep -Ev -- '-(rt|cloud)-amd64$' | sort -V | tail -1)
	[ "$(bash scripts/kdir.sh)" = "$want" ] || die "kdir.sh: $(bash scripts/kdir.sh), want $want"
}

t "make install: DESTDIR, PREFIX, the two modules, headers, Module.symvers, pkg-config, man" install_files
t "depmod: syslet.ko depends on msgport.ko" depmod_dep
t "MODULE_VERSION is scripts/version.sh ($version)" module_version
t "pkg-config syslet: a program builds with the installed headers" pkgconfig
t "a client module builds against the installed msgport.h and Module.symvers" client_module
t "man pages syslet(4), upcall(4), msgport(9) carry the .rst sections; upc_register(3)" man_pages
t "make uninstall leaves nothing" uninstall
t "make dist: the tarball builds without git, VERSION as MODULE_VERSION, man pages" tarball
t "make sign: signed once by the given key, with the kernel's hash" sign
t "make install KDIR=<6.1>: into the release of the modules' vermagic" install_other
t "kdir.sh: the default stays Debian's plain 6.12 beside -rt, -cloud and 6.1" kdir_default
echo "install: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
