#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the modules against Debian's 6.12 headers, pack them with busybox
# and the guest scripts (scripts/guest/) into an initramfs, boot Debian's
# 6.12 kernel under qemu (TCG, -smp 2) and run the guest suite.
#
# Usage: scripts/vm.sh [--demo | --bench [--smoke]]
#   default  run the tests; print "vm: N passed, N failed"; exit non-zero
#            on a failed test, a kernel report in dmesg, or a VM that did
#            not finish.
#   --demo   run the demo script instead and show its output.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
mode=test
[ "${1:-}" = --demo ] && mode=demo
[ "${1:-}" = --bench ] && mode=bench
smoke=0
[ "${2:-}" = --smoke ] && smoke=1

KDIR=${KDIR:-$(ls -d /usr/src/linux-headers-6.12.*-amd64 2>/dev/null | sort -V | tail -1)}
[ -d "$KDIR" ] || { echo "vm.sh: no 6.12 headers; run scripts/deps.sh" >&2; exit 1; }
kver=$(basename "$KDIR" | sed 's/^linux-headers-//')
kernel=${VM_KERNEL:-/boot/vmlinuz-$kver}
[ -f "$kernel" ] || { echo "vm.sh: no kernel $kernel; run scripts/deps.sh" >&2; exit 1; }

vm=$root/build/vm
mkdir -p "$vm"

echo "vm: building modules against $kver"
make -s -C "$KDIR" M="$root" modules >"$vm/build.log" 2>&1 || {
	cat "$vm/build.log"
	exit 1
}

# Static user-space programs for the guest.
mkdir -p "$root/build/tools"
for prog in tests/syslet_test tests/syslet_fuzz tests/upcall_test \
	demo/syslet_copy; do
	gcc -static -O2 -Wall -Wextra -Werror -Wno-unused-parameter \
		-o "$root/build/tools/$(basename "$prog")" "$root/tools/$prog.c"
done
gcc -static -O2 -Wall -Wextra -Werror -Wno-unused-parameter \
	-o "$root/build/tools/syslet_bench" "$root/tools/bench/syslet_bench.c" -luring

# The initramfs.
img=$vm/root
rm -rf "$img"
mkdir -p "$img"/{bin,dev,proc,sys,tmp,lib/msgport,tests}
cp /bin/busybox "$img/bin/busybox"
mknod -m 600 "$img/dev/console" c 5 1
mknod -m 666 "$img/dev/null" c 1 3
cp "$root/msgport.ko" "$root/syslet.ko" \
	"$root/msgport/examples/msgport_example.ko" \
	"$root/tools/bench/msgport_bench.ko" \
	"$root/tools/stress/msgport_stress.ko" "$img/lib/msgport/"
cp "$root"/build/tools/syslet_test "$root"/build/tools/syslet_fuzz \
	"$root"/build/tools/upcall_test "$root"/build/tools/syslet_copy \
	"$root"/build/tools/syslet_bench "$img/bin/"
# Debian's own modules for an ext4 RAM disk (bench: a file system with
# FMODE_NOWAIT, which tmpfs lacks in 6.12).
mkdir -p "$img/lib/kmod"
for m in crc32c_generic crc16 jbd2 mbcache ext4 brd; do
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
# A kernel that dies before the guest script starts (no VM-BEGIN) is a
# boot failure, not a test result: TCG with two vCPUs now and then trips
# over the kernel's int3-based text patching at boot.  Boot again then,
# at most twice; everything after VM-BEGIN is judged strictly.
for boot in 1 2 3; do
	echo "vm: booting $(basename "$kernel") (qemu TCG, 2 CPUs)"
	set +e
	timeout 900 qemu-system-x86_64 -accel tcg -cpu max -smp 2 -m 1024 \
		-nographic -no-reboot -nodefaults -serial stdio \
		-kernel "$kernel" -initrd "$vm/initramfs.cpio.gz" \
		-append "console=ttyS0 loglevel=4 no_timer_check panic=-1 oops=panic vmmode=$mode smoke=$smoke" \
		</dev/null 2>&1 | sed -u 's/\r$//' >"$log"
	qrc=${PIPESTATUS[0]}
	set -e
	grep -q 'VM-BEGIN' "$log" && break
	echo "vm: the kernel died before the guest script started (boot $boot):"
	grep -E 'Oops|panic|RIP:' "$log" | head -5 | sed 's/^/vm:   /'
	cp "$log" "$log.boot$boot"
done

if [ "$mode" != test ]; then
	sed -n '/VM-BEGIN/,/^VM-END/p' "$log" | grep -v 'VM-BEGIN\|^VM-END' || true
fi

pass=$(grep -c '^ok - ' "$log" || true)
fail=$(grep -c '^not ok - ' "$log" || true)
if [ "$mode" = test ]; then
	grep -E '^(ok|not ok) - |^#   ' "$log" || true
fi
if ! grep -q 'VM-BEGIN' "$log" || ! grep -q '^VM-END' "$log"; then
	echo "vm: the VM did not finish (qemu rc=$qrc); last lines of $log:"
	tail -30 "$log"
	fail=$((fail + 1))
fi
if ! python3 "$root/scripts/logcheck.py" "$log" vm; then
	fail=$((fail + 1))
fi
if [ "$mode" != test ]; then
	[ "$fail" -eq 0 ] && echo "vm: $mode finished; no kernel reports in dmesg"
else
	echo "vm: $pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
