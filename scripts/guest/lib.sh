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
}

# fail MSG: print MSG and fail the current test.
fail() {
	echo "$*"
	return 1
}

ncpus() {
	grep -c '^processor' /proc/cpuinfo
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
