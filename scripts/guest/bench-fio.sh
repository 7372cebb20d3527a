# SPDX-License-Identifier: GPL-2.0
# make bench, in the guest (sourced by bench.sh, which calls fio_bench in
# every round, with syslet.ko and brd loaded): the fio rows.  tools/fio/bench.fio runs each engine in turn on
# one 4 MiB file of an ext4-driver RAM disk, 4 KiB random reads or
# writes, buffered or O_DIRECT, at iodepth 1, 16 and 64; all twelve cases
# make one round, and the rounds repeat, so that every engine of a case
# sees the same phases of the host.  Rows (scripts/bench.sh):
#   fio_bench: RESULT F1|F3 <case> <engine> <median IOPS> <lowest IOPS> IOPS
#   fio_bench: RESULT F2|F4 <case> <engine> <median p50> <median p99> ns
# F1/F2 randread, F3/F4 randwrite; p50/p99: completion latency.  Then
# "fio_bench: DONE <failures>": fio runs that failed, rows missing or
# with an error or no I/O.
fio_bench() {
	if grep -q 'smoke=1' /proc/cmdline; then
		_reps=1 _rt=200ms
	else
		_reps=1 _rt=1s
	fi
	mke2fs -q /dev/ram1 >/dev/null 2>&1
	mkdir -p /fio
	mount -t ext4 /dev/ram1 /fio || { echo "fio_bench: DONE 1"; return; }
	: >/tmp/fio-bench.all
	_bad=0
	_i=1
	while [ $_i -le $_reps ]; do
		for _rw in randread randwrite; do
			for _d in 0 1; do
				for _qd in 1 16 64; do
					FIO_FILE=/fio/bench.dat FIO_RW=$_rw FIO_DIRECT=$_d \
					FIO_IODEPTH=$_qd FIO_RUNTIME=$_rt \
					FIO_SYSLET=/lib/msgport/fio/syslet.so \
					fio --output-format=json --output=/tmp/fio.json \
						/lib/msgport/fio/bench.fio >/tmp/fio.log 2>&1 ||
						{ _bad=$((_bad + 1)); sed 's/^/# /' /tmp/fio.log; }
					fio_json /tmp/fio.json |
						sed "s/^/$_rw $_d $_qd /" >>/tmp/fio-bench.all
				done
			done
		done
		_i=$((_i + 1))
	done
	umount /fio
	# One row per case and engine: the median of the rounds.
	for _rw in randread randwrite; do
		if [ $_rw = randread ]; then
			_b=1 _c=11
		else
			_b=3 _c=14
		fi
		for _d in 0 1; do
			_case=buffered
			[ $_d -eq 0 ] || _case=direct
			for _qd in 1 16 64; do
				for _e in io_uring syslet syslet-async libaio psync; do
					awk -v rw=$_rw -v d=$_d -v qd=$_qd -v e=$_e -v c=$_c \
						'$1 == rw && $2 == d && $3 == qd && $4 == e {
							if ($5 != 0 || $c <= 0) bad = 1
							print $c, $(c + 1), $(c + 2)
						} END { exit bad }' /tmp/fio-bench.all >/tmp/fio.rows ||
						_bad=$((_bad + 1))
					_n=$(wc -l </tmp/fio.rows)
					if [ "$_n" -ne $_reps ]; then
						_bad=$((_bad + 1))
						continue
					fi
					_m=$(((_n + 1) / 2))
					_iops=$(cut -d' ' -f1 /tmp/fio.rows | sort -n | sed -n ${_m}p)
					_low=$(cut -d' ' -f1 /tmp/fio.rows | sort -n | head -1)
					_p50=$(cut -d' ' -f2 /tmp/fio.rows | sort -n | sed -n ${_m}p)
					_p99=$(cut -d' ' -f3 /tmp/fio.rows | sort -n | sed -n ${_m}p)
					echo "fio_bench: RESULT F$_b $_case,qd=$_qd $_e $_iops $_low IOPS"
					echo "fio_bench: RESULT F$((_b + 1)) $_case,qd=$_qd $_e $_p50 $_p99 ns"
				done
			done
		done
	done
	echo "fio_bench: DONE $_bad"
}
