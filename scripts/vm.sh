#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the modules against Debian's 6.12 headers, pack them with busybox
# and the guest scripts (scripts/guest/) into an initramfs, boot Debian's
# 6.12 kernel under qemu (TCG, -smp 2) and run the guest suite.
#
# Usage: scripts/vm.sh [--debug | --kernel K | --sign] [--stress]
#                      [--demo | --bench [--smoke]]
#   default  run the tests; print "vm: N passed, N failed, N skipped"; exit non-zero
#            on a failed test, a kernel report in dmesg, or a VM that did
#            not finish.
#   --demo   run the demo script instead and show its output.
#   --debug  the same on the debug kernel (scripts/debug-kernel.sh: KASAN,
#            lockdep, DEBUG_OBJECTS, DEBUG_LIST, kmemleak), built or taken
#            from its cache; the guest scans for leaks after every test.
#            Everything goes to build/vm-debug; prints "vm-debug: ...".
#   --kernel K  another kernel than Debian's 6.12: 6.1 (Debian 12's own
#            image), rt (Debian's PREEMPT_RT flavour of 6.12) or 7.2 (sid's
#            linux-source-7.2, built and cached by
#            scripts/debug-kernel.sh --kernel 7.2).  Everything goes to
#            build/vm-K; prints "vm-K: ...".
#   --sign   the signing test (guest/sign.sh) on the debug kernel, booted
#            with module.sig_enforce=1: a key and certificate are made
#            here, the certificate is written into a copy of the kernel's
#            vmlinux (scripts/insert-sys-cert, into the room
#            CONFIG_SYSTEM_EXTRA_CERTIFICATE keeps), which qemu boots
#            through its PVH entry point; the modules are signed with
#            scripts/sign.sh, or with another key, or not at all.
#            build/vm-sign, "vm-sign: ...".
#   VM_ONLY="20 22" in the environment runs only the guest scripts whose
#            names start with one of these.
#   BENCH_ROUNDS=N (--bench) every benchmark N times in the boot, in
#            turns (scripts/guest/bench.sh).
#   BENCH_SYSLET_ARGS=a=1,b=2 (--bench) syslet.ko's parameters.
#   BENCH_PIN=1 (--bench) S5's server (its workers too) on CPU 1 and
#            its client on CPU 0, so that a profile's per-vCPU counts
#            (icount.c's percpu=1) tell one side from the other.
#   VM_ICOUNT=PLUGIN,ARGS (--bench) load this qemu TCG plugin
#            (tools/bench/icount.c) and run the vCPUs in one thread, so
#            that the plugin counts without races; the benchmarks then
#            print their IMARK lines.  With profile=FILE among the
#            plugin's arguments, the guest prints its kallsyms for
#            scripts/bench-profile.py.
#   --stress the long versions of the stress and fuzz tests (stress=1 on
#            the guest's command line; `make stress`).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
mode=test smoke=0 debug=0 stress=0
# The kernel to boot: 6.12 (Debian's, the default), debug, rt, 6.1 or 7.2.
kernel_sel=6.12
usage() {
	echo "usage: vm.sh [--debug | --kernel 6.1|7.2|rt | --sign] [--stress] [--demo | --bench [--smoke]]" >&2
	exit 2
}
while [ $# -gt 0 ]; do
	case $1 in
	--demo) mode=demo ;;
	--bench) mode=bench ;;
	--smoke) smoke=1 ;;
	--debug) debug=1 ;;
	--stress) stress=1 ;;
	--kernel)
		[ $# -ge 2 ] || usage
		kernel_sel=$2
		shift ;;
	--kernel=rt) kernel_sel=rt ;;
	--sign) mode=sign debug=1 ;;
	*) usage ;;
	esac
	shift
done
if [ $debug -eq 1 ]; then
	# The debug kernel is a 6.12.
	[ "$kernel_sel" = 6.12 ] || usage
	kernel_sel=debug
fi

# copy_sources DIR: the module sources in DIR, built there instead of in
# the checkout, so that the .ko files `make` built for 6.12 stay.
# (6.12's Kbuild has no separate output directory for external modules;
# MO= came in 6.13.)  rsync keeps mtimes, so the copy rebuilds
# incrementally.
copy_sources() {
	mkdir -p "$1"
	rsync -a --delete --exclude='*.o' --exclude='*.ko' --exclude='*.mod' \
		--exclude='*.mod.c' --exclude='.*.cmd' --exclude='*.order' \
		--exclude='*.symvers' --exclude='.*.d' \
		--include=/Kbuild --include='/include/***' --include='/msgport/***' \
		--include='/syslet/***' --include='/upcall/***' \
		--include='/kunit/***' --include=/scripts/ --include=/scripts/version.sh \
		--exclude='*' \
		"$root/" "$1/"
}

# Debian's ext4 and brd modules go into the guest (see below) for
# Debian's kernels only; the kernels built here have them built in.
debian_kmods=1
# Kernel command-line words for the guest scripts.
guest_args=
case $kernel_sel in
6.12 | debug) ;;
rt)
	name=vm-rt
	vm=$root/build/vm-rt
	KDIR=$(bash "$root/scripts/kdir.sh" rt)
	[ -d "$KDIR" ] || { echo "vm.sh: no 6.12 -rt headers; run scripts/deps.sh" >&2; exit 1; }
	kver=$(basename "$KDIR" | sed 's/^linux-headers-//')
	kernel=/boot/vmlinuz-$kver
	[ -f "$kernel" ] || { echo "vm.sh: no kernel $kernel; run scripts/deps.sh" >&2; exit 1; }
	kname=$(basename "$kernel")
	mod=$vm/src
	copy_sources "$mod"
	tools=$vm/tools
	mem=1024
	tmo=1200 ;;
6.1)
	name=vm-6.1
	vm=$root/build/vm-6.1
	KDIR=$(bash "$root/scripts/kdir.sh" 6.1)
	[ -d "$KDIR" ] || { echo "vm.sh: no 6.1 headers; run scripts/deps.sh" >&2; exit 1; }
	kver=$(basename "$KDIR" | sed 's/^linux-headers-//')
	kernel=/boot/vmlinuz-$kver
	[ -f "$kernel" ] || { echo "vm.sh: no kernel $kernel; run scripts/deps.sh" >&2; exit 1; }
	kname=$(basename "$kernel")
	mod=$vm/src
	copy_sources "$mod"
	tools=$vm/tools
	# No vhost_task in 6.1: the guest asserts that REGISTER fails with
	# EOPNOTSUPP and skips, naming the reason, what needs a context.
	guest_args=syslet_workers=0
	mem=1024
	tmo=900 ;;
7.2)
	name=vm-7.2
	vm=$root/build/vm-7.2
	KDIR=$(bash "$root/scripts/debug-kernel.sh" --kernel 7.2)
	kver=$(cat "$KDIR/include/config/kernel.release")
	kernel=$KDIR/bzImage
	kname=$kver
	debian_kmods=0
	mod=$vm/src
	copy_sources "$mod"
	tools=$vm/tools
	mem=1024
	tmo=900 ;;
*) usage ;;
esac

if [ "$kernel_sel" = 6.12 ]; then
	name=vm
	vm=$root/build/vm
	KDIR=${KDIR:-$(bash "$root/scripts/kdir.sh")}
	[ -d "$KDIR" ] || { echo "vm.sh: no 6.12 headers; run scripts/deps.sh" >&2; exit 1; }
	kver=$(basename "$KDIR" | sed 's/^linux-headers-//')
	kernel=${VM_KERNEL:-/boot/vmlinuz-$kver}
	[ -f "$kernel" ] || { echo "vm.sh: no kernel $kernel; run scripts/deps.sh" >&2; exit 1; }
	kname=$(basename "$kernel")
	# The modules are built in the checkout, as `make` does.
	mod=$root
	tools=$root/build/tools
	mem=1024
	tmo=900
elif [ $debug -eq 1 ]; then
	name="vm-debug"
	vm=$root/build/vm-debug
	if [ $mode = sign ]; then
		name="vm-sign"
		vm=$root/build/vm-sign
	fi
	KDIR=$(bash "$root/scripts/debug-kernel.sh")
	kver=$(cat "$KDIR/include/config/kernel.release")
	kernel=$KDIR/bzImage
	kname=$kver
	mod=$vm/src
	copy_sources "$mod"
	debian_kmods=0
	tools=$vm/tools
	# KASAN's shadow is an eighth of memory, kmemleak keeps an object per
	# allocation, and the kernel runs several times slower under TCG.
	mem=2048
	tmo=3600
fi
mkdir -p "$vm"

# Objects built against another kernel build directory, or the same one
# with another configuration, are not rebuilt by kbuild (an external
# module's command lines and header paths are relative to KDIR): start
# afresh when either changed, or a structure's layout may differ from the
# running kernel's.
stamp="$KDIR $(cksum <"$KDIR/include/generated/autoconf.h")"
if [ "$(cat "$mod/.vm-kdir" 2>/dev/null)" != "$stamp" ]; then
	make -s -C "$KDIR" M="$mod" clean >/dev/null 2>&1 || true
	echo "$stamp" >"$mod/.vm-kdir"
fi
echo "$name: building modules against $kver"
make -s -C "$KDIR" M="$mod" modules >"$vm/build.log" 2>&1 || {
	cat "$vm/build.log"
	exit 1
}

# Static user-space programs for the guest.
mkdir -p "$tools"
# -pthread: tools/lib/syslet.h's server threads.
[ $mode = sign ] || for prog in tests/syslet_test tests/syslet_net tests/syslet_isolation \
	tests/syslet_fuzz tests/syslet_events tests/syslet_genuine \
	tests/upcall_test demo/syslet_copy demo/echo_server; do
	gcc -static -O2 -Wall -Wextra -Werror -Wno-unused-parameter -pthread \
		-o "$tools/$(basename "$prog")" "$root/tools/$prog.c"
done
[ $mode = sign ] || gcc -static -O2 -Wall -Wextra -Werror -Wno-unused-parameter -pthread \
	-o "$tools/syslet_bench" "$root/tools/bench/syslet_bench.c" -luring
# fio and its syslet engine (scripts/fio.sh), with their job files.
[ $mode = sign ] || bash "$root/scripts/fio.sh" "$tools"
# The op table test: its runner and every family's rows
# (tools/tests/syslet_ops_*.c), with the native ops of syslet/opdef.c.
if [ $mode != sign ]; then
	python3 "$root/scripts/coverage.py" --c-header >"$tools/syslet_native_ops.h"
	gcc -static -O2 -Wall -Wextra -Werror -Wno-unused-parameter -I"$tools" \
		-o "$tools/syslet_ops" "$root/tools/tests/syslet_ops.c" \
		"$root"/tools/tests/syslet_ops_*.c
fi

# The initramfs.
img=$vm/root
rm -rf "$img"
mkdir -p "$img"/{bin,dev,proc,sys,tmp,lib/msgport,tests}
cp /bin/busybox "$img/bin/busybox"
mknod -m 600 "$img/dev/console" c 5 1
mknod -m 666 "$img/dev/null" c 1 3
cp "$mod/msgport.ko" "$mod/syslet.ko" \
	"$mod/msgport/examples/msgport_example.ko" \
	"$mod/msgport/bench/msgport_bench.ko" \
	"$mod/msgport/stress/msgport_stress.ko" \
	"$mod/syslet/test/preempt_hold.ko" "$img/lib/msgport/"
# An A/B benchmark's other syslet.ko (scripts/bench.sh --ab).
[ -z "${BENCH_AB_KO:-}" ] || cp "$BENCH_AB_KO" "$img/lib/msgport/syslet-a.ko"
[ $mode = sign ] || cp "$tools/syslet_test" "$tools/syslet_net" "$tools/syslet_isolation" \
	"$tools/syslet_fuzz" "$tools/syslet_events" "$tools/syslet_ops" \
	"$tools/syslet_genuine" "$tools/upcall_test" "$tools/syslet_copy" \
	"$tools/echo_server" "$tools/syslet_bench" "$img/bin/"
# fio is dynamically linked: its shared libraries go where ldd finds them.
if [ $mode != sign ]; then
	mkdir -p "$img/lib/msgport/fio"
	cp "$tools/fio" "$img/bin/"
	cp "$tools/syslet.so" "$root"/tools/fio/*.fio "$img/lib/msgport/fio/"
	for l in $(ldd "$tools/fio" "$tools/syslet.so" | awk '$2 == "=>" { print $3 } $1 ~ /^\/.*[^:]$/ { print $1 }' | sort -u); do
		mkdir -p "$img$(dirname "$l")"
		cp -L "$l" "$img$l"
	done
fi
# The version the modules carry (MODULE_VERSION), for the guest to compare
# with /sys/module/*/version.
modinfo -F version "$mod/msgport.ko" >"$img/lib/msgport/VERSION"
[ "$(cat "$img/lib/msgport/VERSION")" = "$(sh "$root/scripts/version.sh")" ] || {
	echo "$name: msgport.ko is version $(cat "$img/lib/msgport/VERSION"), the tree $(sh "$root/scripts/version.sh")" >&2
	exit 1
}
if [ $mode = sign ]; then
	# Two keys, made now: the kernel is given the first one's certificate.
	key=$vm/key
	rm -rf "$key"
	mkdir -p "$key"
	for k in trusted untrusted; do
		openssl req -new -nodes -utf8 -sha256 -days 1 -batch -x509 \
			-subj "/CN=msgport vm-sign $k key/" -newkey rsa:2048 \
			-keyout "$key/$k.pem" -outform DER -out "$key/$k.der" 2>/dev/null
	done
	kernel=$vm/vmlinux
	cp "$KDIR/vmlinux" "$kernel"
	"$KDIR/scripts/insert-sys-cert" -s "$KDIR/System.map" -b "$kernel" \
		-c "$key/trusted.der" >"$vm/insert-sys-cert.log" 2>&1 || {
		cat "$vm/insert-sys-cert.log"
		exit 1
	}
	kname="$kver (vmlinux with the test certificate, PVH)"
	s=$img/lib/msgport/sign
	mkdir -p "$s"
	cp "$mod/syslet.ko" "$s/syslet-unsigned.ko"
	for m in msgport syslet; do
		cp "$mod/$m.ko" "$s/$m-signed.ko"
		bash "$root/scripts/sign.sh" "$KDIR" "$key/trusted.pem" "$key/trusted.der" \
			"$s/$m-signed.ko" >/dev/null
	done
	cp "$mod/msgport.ko" "$s/msgport-untrusted.ko"
	bash "$root/scripts/sign.sh" "$KDIR" "$key/untrusted.pem" "$key/untrusted.der" \
		"$s/msgport-untrusted.ko" >/dev/null
	# A signed module changed after signing: one byte in the middle.
	cp "$s/msgport-signed.ko" "$s/msgport-changed.ko"
	off=$(($(stat -c %s "$s/msgport-changed.ko") / 2))
	b=$(od -An -tu1 -j "$off" -N1 "$s/msgport-changed.ko" | tr -d ' ')
	printf "\\$(printf %03o $(((b + 1) % 256)))" |
		dd of="$s/msgport-changed.ko" bs=1 seek="$off" conv=notrunc 2>/dev/null
	cmp -s "$s/msgport-signed.ko" "$s/msgport-changed.ko" && exit 1
fi
# Debian's own modules for an ext4 RAM disk (bench: a file system with
# FMODE_NOWAIT, which tmpfs lacks in 6.12).  The debug kernel has them
# built in, and Debian's would not load into it.  virtio_blk: the guest's
# /dev/vda (below), whose reads complete later, unlike a RAM disk's.
mkdir -p "$img/lib/kmod"
[ $debian_kmods -eq 0 ] || for m in crc32c_generic crc16 jbd2 mbcache ext4 brd virtio_blk; do
	f=$(find "/lib/modules/$kver" -name "$m.ko*" | head -1)
	[ -n "$f" ] || continue
	case $f in
	*.xz) xz -dc "$f" >"$img/lib/kmod/$m.ko" ;;
	*) cp "$f" "$img/lib/kmod/$m.ko" ;;
	esac
done
cp "$root"/scripts/guest/*.sh "$img/tests/"
mv "$img/tests/init.sh" "$img/init"
chmod +x "$img/init"
(cd "$img" && find . | cpio -o -H newc --quiet | gzip -1) >"$vm/initramfs.cpio.gz"

log=$vm/console-$mode.log
# vmdebug=1, not debug=1: the kernel takes "debug" itself (console
# loglevel 10, which would interleave kernel messages with the TAP lines).
# no_timer_check: a loaded TCG host can fail the IO-APIC timer check at
# boot and panic.
append="console=ttyS0 loglevel=4 no_timer_check panic=-1 oops=panic vmmode=$mode smoke=$smoke"
if [ $mode = sign ]; then
	append="$append module.sig_enforce=1"
elif [ $debug -eq 1 ]; then
	append="$append vmdebug=1"
fi
[ -z "$guest_args" ] || append="$append $guest_args"
# VM_ONLY="10 20": only the guest scripts whose names start so (a quicker
# run while working on one part; make check runs them all).
[ -z "${VM_ONLY:-}" ] || append="$append vmonly=$(echo $VM_ONLY | tr ' ' ,)"
[ -z "${BENCH_ONLY:-}" ] || append="$append benchonly=$BENCH_ONLY"
[ -z "${BENCH_ROUNDS:-}" ] || append="$append benchrounds=$BENCH_ROUNDS"
[ -z "${BENCH_SYSLET_ARGS:-}" ] || append="$append sysletargs=$BENCH_SYSLET_ARGS"
[ -z "${BENCH_PIN:-}" ] || append="$append benchpin=1"
accel=tcg
plugin=()
if [ -n "${VM_ICOUNT:-}" ] && [ $mode = bench ]; then
	accel=tcg,thread=single
	plugin=(-plugin "$VM_ICOUNT")
	append="$append icount=1"
	# A profile (profile= in the plugin's arguments): the guest
	# prints its kallsyms for scripts/bench-profile.py.
	# VM_PROFILE_MTTCG=1: keep a thread per vCPU, as timed runs have
	# (the counts then race a little, but who sleeps and spins is real).
	case $VM_ICOUNT in
	*profile=*)
		append="$append profile=1"
		[ -z "${VM_PROFILE_MTTCG:-}" ] || accel=tcg ;;
	esac
fi
if [ $stress -eq 1 ]; then
	append="$append stress=1"
	tmo=$((tmo * 4))
fi
# A kernel that dies before the guest script starts (no VM-BEGIN) is a
# boot failure, not a test result: TCG with two vCPUs now and then trips
# over the kernel's int3-based text patching at boot.  Boot again then,
# at most twice.  After VM-BEGIN the run is judged strictly, but for the
# same race later on (a static key flipped while the tests run), and for
# the other report only the emulator makes (an RFLAGS no CPU can hold):
# if the first kernel report is one of those (scripts/logcheck.py
# --emulator-fault), the whole run is made once more.
raced=0
# A scratch disk for tests that need reads that wait for a device
# (syslet_test's read-partly-cached): /dev/vda where the kernel has
# virtio_blk (Debian's, as a module in /lib/kmod).  Its reads are held
# to 64 KiB/s, so that one is still in flight when the test looks:
# unthrottled, qemu may complete it before the guest checks.
truncate -s 0 "$vm/disk.img"
truncate -s 8M "$vm/disk.img"
for boot in 1 2 3; do
	echo "$name: booting $kname (qemu TCG, 2 CPUs); console: $log"
	set +e
	timeout $tmo qemu-system-x86_64 -accel $accel "${plugin[@]}" -cpu max -smp 2 -m $mem \
		-nographic -no-reboot -nodefaults -serial stdio \
		-kernel "$kernel" -initrd "$vm/initramfs.cpio.gz" \
		-drive file="$vm/disk.img",if=virtio,format=raw,throttling.bps-read=65536 \
		-append "$append" \
		</dev/null 2>&1 | sed -u 's/\r$//' >"$log"
	qrc=${PIPESTATUS[0]}
	set -e
	if grep -q 'VM-BEGIN' "$log"; then
		if [ $raced -eq 0 ] && [ $boot -lt 3 ] &&
		   python3 "$root/scripts/logcheck.py" --emulator-fault "$log"; then
			raced=1
			echo "$name: a fault only the emulator makes (TCG; boot $boot), running again:"
			grep -E 'Oops|RIP:' "$log" | head -2 | sed "s/^/$name:   /"
			cp "$log" "$log.boot$boot"
			continue
		fi
		break
	fi
	echo "$name: the kernel died before the guest script started (boot $boot):"
	grep -E 'Oops|panic|RIP:' "$log" | head -5 | sed "s/^/$name:   /"
	cp "$log" "$log.boot$boot"
done

if [ "$mode" != test ] && [ "$mode" != sign ]; then
	sed -n '/VM-BEGIN/,/^VM-END/p' "$log" | grep -v 'VM-BEGIN\|^VM-END' || true
fi

# A skipped test ("ok - NAME # SKIP reason") is counted apart.
skip=$(grep -c '^ok - .*# SKIP' "$log" || true)
pass=$(($(grep -c '^ok - ' "$log" || true) - skip))
fail=$(grep -c '^not ok - ' "$log" || true)
if [ "$mode" = test ] || [ "$mode" = sign ]; then
	grep -E '^(ok|not ok) - |^#   ' "$log" || true
fi
if ! grep -q 'VM-BEGIN' "$log" || ! grep -q '^VM-END' "$log"; then
	echo "$name: the VM did not finish (qemu rc=$qrc); last lines of $log:"
	tail -30 "$log"
	fail=$((fail + 1))
fi
if ! python3 "$root/scripts/logcheck.py" "$log" "$name"; then
	fail=$((fail + 1))
fi
if [ "$mode" != test ] && [ "$mode" != sign ]; then
	[ "$fail" -eq 0 ] && echo "$name: $mode finished; no kernel reports in dmesg"
else
	echo "$name: $pass passed, $fail failed, $skip skipped"
fi
[ "$fail" -eq 0 ]
