# SPDX-License-Identifier: GPL-2.0
# Guest helpers.  t NAME CMD...: run CMD in a subshell, print a TAP-style
# "ok - NAME" or "not ok - NAME" followed by CMD's output.  CMD runs with
# set -e, so the first failing command (or fail) ends it; that is why the
# subshell is not an if condition, where set -e has no effect.
t() {
	_name=$1
	shift
	( set -e; "$@" ) >/tmp/t.out 2>&1
	_rc=$?
	if [ "$_rc" -eq 0 ]; then
		echo "ok - $_name"
	else
		echo "not ok - $_name"
		sed 's/^/#   /' /tmp/t.out
	fi
	leak_check "after $_name (or a test shortly before it)"
}

# A kernel without syslet workers (scripts/vm.sh --kernel 6.1 says so with
# syslet_workers=0): SYSLET_IOC_REGISTER must fail with EOPNOTSUPP, which
# 20-syslet.sh asserts.  Every test runs all the same; one that fails
# there, and printed that a REGISTER failed with EOPNOTSUPP (errno 95),
# is reported as skipped with this reason, any other failure as a failure.
NO_WORKERS="no syslet workers in this kernel: REGISTER is EOPNOTSUPP"
no_workers() {
	grep -qw 'syslet_workers=0' /proc/cmdline
}

# selftests PREFIX PROG: every test of PROG (PROG --list names them), each
# in its own process, bounded in time; exit 0 passes, 77 skips.
selftests() {
	for _t in $("$2" --list); do
		timeout 60 "$2" "$_t" >/tmp/t.out 2>&1
		_rc=$?
		if [ $_rc -ne 0 ] && [ $_rc -ne 77 ] && no_workers &&
		   grep -qE 'Operation not supported|errno 95\)' /tmp/t.out; then
			_rc=eopnotsupp
		fi
		case $_rc in
		0) echo "ok - $1: $_t" ;;
		77) echo "ok - $1: $_t # SKIP" ;;
		eopnotsupp) echo "ok - $1: $_t # SKIP $NO_WORKERS" ;;
		*) echo "not ok - $1: $_t (exit $_rc)"
		   sed 's/^/#   /' /tmp/t.out ;;
		esac
		leak_check "after $1: $_t (or a test shortly before it)"
	done
}

# fail MSG: print MSG and fail the current test.
fail() {
	echo "$*"
	return 1
}

ncpus() {
	grep -c '^processor' /proc/cpuinfo
}

# module_version NAME: /sys/module/NAME/version (MODULE_VERSION) is the
# version of the tree the modules were built from, which vm.sh writes to
# /lib/msgport/VERSION.
module_version() {
	_want=$(cat /lib/msgport/VERSION)
	[ -n "$_want" ] || fail "empty /lib/msgport/VERSION"
	_got=$(cat /sys/module/$1/version) || fail "no /sys/module/$1/version"
	[ "$_got" = "$_want" ] || fail "$1: version '$_got', want '$_want'"
}

# Messages logged since the mark.
dmesg_mark() {
	dmesg | wc -l >/tmp/dmesg.mark
}
dmesg_new() {
	dmesg | tail -n +$(($(cat /tmp/dmesg.mark) + 1))
}

lwkt_threads() {
	cat /proc/[0-9]*/comm 2>/dev/null | grep -c '^lwkt/' || true
}

# The debug kernel (scripts/vm.sh --debug boots it with vmdebug=1) has
# kmemleak.  Leaks are judged test by test: leak_check WHEN scans and, if
# kmemleak found unreferenced objects, prints them under a failing
# "not ok - kmemleak: leak WHEN" (logcheck.py sees "unreferenced object"
# too), then clears them so that the next test is not blamed again.
# kmemleak only reports objects older than 5 s, and only after two scans
# (the first takes a checksum of the contents, the second sees it did not
# change), so a leak can surface a test or two late; debug_final waits
# that out at the end of the run.
KMEMLEAK=/sys/kernel/debug/kmemleak
vmdebug() {
	grep -qw 'vmdebug=1' /proc/cmdline
}

# Before the first test.  The wait lets everything allocated during boot
# reach kmemleak's minimum age, so that a leak of the kernel's own is
# reported here, as one, and not blamed on the first test; it fails the
# run all the same.
leak_setup() {
	vmdebug || return 0
	mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
	if ! [ -w $KMEMLEAK ]; then
		echo "not ok - kmemleak: no $KMEMLEAK on the debug kernel"
		return 0
	fi
	: >/tmp/modules.seen
	sleep 6
	echo scan >$KMEMLEAK
	leak_check "at boot, before any test"
}

# By the time a leak is reported, the module that made it has often been
# unloaded, and its frames show as bare addresses: remember where every
# module was loaded, to print next to a report.
if vmdebug; then
	insmod() {
		command insmod "$@" || return
		awk '{ print $1, $2, $6 }' /proc/modules >>/tmp/modules.seen
	}
fi

leak_check() {
	vmdebug || return 0
	if ! echo scan >$KMEMLEAK 2>/tmp/kmemleak.err; then
		echo "not ok - kmemleak: scan failed ($1): $(cat /tmp/kmemleak.err)"
		return 0
	fi
	cat $KMEMLEAK >/tmp/kmemleak.out
	[ -s /tmp/kmemleak.out ] || return 0
	echo "not ok - kmemleak: leak $1"
	sed 's/^/#   /' /tmp/kmemleak.out
	if [ -s /tmp/modules.seen ]; then
		echo "#   modules loaded so far (name, size, load address):"
		sort -u /tmp/modules.seen | sed 's/^/#     /'
	fi
	echo clear >$KMEMLEAK
}

# After the last test: the late leaks, and whether lockdep was still on
# (it turns itself off after its first report, or when it runs out of
# room, and then a long run can look clean without having been checked).
debug_final() {
	vmdebug || return 0
	sleep 6
	echo scan >$KMEMLEAK
	leak_check "at the end of the run"
	if ! grep -q 'debug_locks: *1' /proc/lockdep_stats; then
		echo "not ok - lockdep: turned off during the run"
		grep 'debug_locks' /proc/lockdep_stats | sed 's/^/#   /'
	fi
}

# syslet_load / syslet_unload: the modules for a syslet guest script that
# runs after another one unloaded them.  Loads what is not loaded; unloads
# both, allowing a killed test's last references (which go with its
# reaped processes) a moment.
syslet_load() {
	grep -q '^msgport ' /proc/modules || insmod /lib/msgport/msgport.ko
	grep -q '^syslet ' /proc/modules || insmod /lib/msgport/syslet.ko
	[ -c /dev/syslet ] || fail "no /dev/syslet"
}

syslet_unload() {
	_i=0
	until rmmod syslet 2>/dev/null; do
		[ $_i -lt 50 ] || { rmmod syslet; fail "syslet still in use"; }
		sleep 0.1
		_i=$((_i + 1))
	done
	rmmod msgport
	[ ! -e /dev/syslet ] || fail "/dev/syslet left behind"
}

# fio_json FILE: one line per job of fio's JSON output FILE:
#   name error total_err read_ios write_ios sync_ios deep
#   read_iops read_p50 read_p99 write_iops write_p50 write_p99
# deep: 1 if the job ever had more than one unit in flight; p50/p99:
# completion latency percentiles in ns.  (fio writes the JSON two spaces
# an indent; the fields are found by their depth.)
fio_json() {
	awk '
	function out() {
		printf "%s %d %d %d %d %d %d %d %d %d %d %d %d\n", name, err,
			terr, v["read_ios"], v["write_ios"], v["sync_ios"],
			(deep > 0), v["read_iops"], v["read_p50"], v["read_p99"],
			v["write_iops"], v["write_p50"], v["write_p99"]
	}
	/^      "jobname" :/ {
		if (n)
			out()
		n++
		name = $3
		gsub(/[",]/, "", name)
		err = terr = deep = 0
		split("", v)
		sec = ""
	}
	/^      "error" :/ { err = $3 + 0 }
	/^      "total_err" :/ { terr = $3 + 0 }
	/^      "[a-z_]+" : \{/ { sec = $1; gsub(/"/, "", sec); clat = 0 }
	sec != "" && /^        "total_ios" :/ { v[sec "_ios"] = $3 + 0 }
	sec != "" && /^        "iops" :/ { v[sec "_iops"] = int($3 + 0.5) }
	/^        "[a-z_]+" : \{/ { clat = $1 == "\"clat_ns\"" }
	clat && /^            "50.000000" :/ { v[sec "_p50"] = $3 + 0 }
	clat && /^            "99.000000" :/ { v[sec "_p99"] = $3 + 0 }
	sec == "iodepth_level" && /^        "/ && $1 != "\"1\"" { deep += $3 }
	END {
		if (n)
			out()
	}' "$1"
}
