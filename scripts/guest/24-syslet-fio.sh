# SPDX-License-Identifier: GPL-2.0
# fio with the syslet ioengine (tools/fio/syslet.c), on an ext4-driver RAM
# disk: tools/fio/verify.fio (random writes with fsync/fdatasync, then
# reads verified with crc32c; iodepth 32, two jobs per section, four
# files each) must end with no error and no verify error, with the
# engine's completions from the ring, from the submitter, and as lseek +
# write chains; io_uring and psync run the same job.  An engine that
# corrupts reads (syslet_corrupt=) must make verify fail.
#
# Loads the modules itself (unless loaded) and unloads them at the end.

FIO_SO=/lib/msgport/fio/syslet.so
FIO_VERIFY=/lib/msgport/fio/verify.fio
FIO_MNT=/mnt/fio

fio_setup() {
	syslet_load
	for _m in crc32c_generic crc16 jbd2 mbcache ext4; do
		insmod /lib/kmod/$_m.ko 2>/dev/null || true
	done
	# Built in on the kernels built here (16 MiB, CONFIG_BLK_DEV_RAM_SIZE).
	[ -e /dev/ram1 ] || insmod /lib/kmod/brd.ko rd_size=16384
	mke2fs -q /dev/ram1 >/dev/null 2>&1
	mkdir -p $FIO_MNT
	mount -t ext4 /dev/ram1 $FIO_MNT
}

fio_teardown() {
	umount $FIO_MNT
	syslet_unload
}

# fio_verify DEPTH FIO-ARGS...: run verify.fio; every job (4) must end
# with no error and no verify error, having written, fsynced (the fsync
# section) and read back every block.  The per-job summary is left in
# /tmp/fio.jobs.
fio_verify() {
	_depth=$1
	shift
	_rc=0
	FIO_DIR=$FIO_MNT FIO_IODEPTH=$_depth fio "$@" --output-format=json \
		--output=/tmp/fio.json $FIO_VERIFY >/tmp/fio.log 2>&1 || _rc=$?
	fio_json /tmp/fio.json >/tmp/fio.jobs
	cat /tmp/fio.jobs
	[ $_rc -eq 0 ] || { cat /tmp/fio.log; fail "fio exited with $_rc"; }
	[ "$(wc -l </tmp/fio.jobs)" -eq 4 ] || fail "not 4 jobs"
	while read -r _n _err _terr _r _w _s _deep _rest; do
		[ "$_err" -eq 0 ] || fail "$_n: error $_err"
		[ "$_terr" -eq 0 ] || fail "$_n: $_terr errors"
		# 1 MiB of 4 KiB blocks, written and read back.
		[ "$_w" -eq 256 ] || fail "$_n: $_w writes, not 256"
		[ "$_r" -eq 256 ] || fail "$_n: $_r verified reads, not 256"
		[ "$_n" != fsync ] || [ "$_s" -gt 0 ] || fail "$_n: no fsync"
	done </tmp/fio.jobs
}

# fio_deep: every job of the last run had more than one unit in flight.
fio_deep() {
	while read -r _n _err _terr _r _w _s _deep _rest; do
		[ "$_deep" -eq 1 ] || fail "$_n: never more than one unit in flight"
	done </tmp/fio.jobs
}

fio_syslet_ring() {
	fio_verify 32 --ioengine=external:$FIO_SO --syslet_async
	fio_deep
}

fio_syslet_sync() {
	fio_verify 32 --ioengine=external:$FIO_SO
}

fio_syslet_chain() {
	fio_verify 1 --ioengine=external:$FIO_SO --syslet_chain --syslet_async
}

# Every 7th read completion has a byte flipped: verify must see it in
# every job (EILSEQ, and verify errors counted in total_err; fio itself
# exits 0 with continue_on_error).
fio_syslet_corrupt() {
	_rc=0
	FIO_DIR=$FIO_MNT FIO_IODEPTH=32 fio --ioengine=external:$FIO_SO \
		--syslet_async --syslet_corrupt=7 --output-format=json \
		--output=/tmp/fio.json $FIO_VERIFY >/tmp/fio.log 2>&1 || _rc=$?
	fio_json /tmp/fio.json >/tmp/fio.jobs
	cat /tmp/fio.jobs
	[ "$(wc -l </tmp/fio.jobs)" -eq 4 ] || { cat /tmp/fio.log; fail "not 4 jobs (fio exit $_rc)"; }
	while read -r _n _err _terr _rest; do
		[ "$_err" -eq 84 ] || fail "$_n: error $_err, not EILSEQ (84)"
		[ "$_terr" -gt 0 ] || fail "$_n: no verify error"
	done </tmp/fio.jobs
	grep -q 'verify' /tmp/fio.log || fail "no verify failure in fio's output"
}

t "syslet fio: insmod, ext4 on /dev/ram1" fio_setup
# name|function: the runs of the engine.
for _t in "verify, syslet engine, ring completions, iodepth 32|fio_syslet_ring" \
	  "verify, syslet engine, submitter completions, iodepth 32|fio_syslet_sync" \
	  "verify, syslet engine, lseek + write chains, iodepth 1|fio_syslet_chain" \
	  "corrupted reads fail verify|fio_syslet_corrupt"; do
	if no_workers; then
		echo "ok - syslet fio: ${_t%|*} # SKIP $NO_WORKERS"
	else
		t "syslet fio: ${_t%|*}" "${_t#*|}"
	fi
done
t "syslet fio: verify, io_uring, iodepth 32" fio_verify 32 --ioengine=io_uring
t "syslet fio: verify, psync" fio_verify 1 --ioengine=psync
t "syslet fio: umount, rmmod" fio_teardown
