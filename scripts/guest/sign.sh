# SPDX-License-Identifier: GPL-2.0
# Module signing (scripts/vm.sh --sign): the debug kernel, booted with
# module.sig_enforce=1, trusts one key, made by vm.sh for this run.  A
# module signed with it loads; an unsigned one, one signed with another
# key and a signed one changed afterwards are refused.
S=/lib/msgport/sign

test_sign_setup() {
	[ "$(cat /sys/module/module/parameters/sig_enforce)" = Y ] ||
		fail "sig_enforce is $(cat /sys/module/module/parameters/sig_enforce)"
	dmesg | grep -q "Loaded X.509 cert 'msgport vm-sign trusted key" ||
		fail "the test certificate is not among the kernel's: $(dmesg | grep -i x.509)"
}

# sign_refused KO [REASON]: insmod KO fails with EKEYREJECTED ("Key was
# rejected by service"), the kernel saying "Loading of REASON is rejected"
# if REASON is given.
sign_refused() {
	dmesg_mark
	if insmod "$1" 2>/tmp/insmod.err; then
		rmmod "$(basename "$1" .ko | sed 's/-.*//')" 2>/dev/null
		fail "$1 loaded"
	fi
	grep -q 'Key was rejected by service' /tmp/insmod.err ||
		fail "insmod: $(cat /tmp/insmod.err)"
	[ -z "${2:-}" ] || dmesg_new | grep -q "Loading of $2 is rejected" ||
		fail "dmesg: $(dmesg_new)"
}

# sign_loads NAME: the signed NAME.ko loads, without the taint of an
# unsigned module (E, bit 13), and reports its version.
sign_loads() {
	insmod $S/$1-signed.ko
	grep -q "^$1 " /proc/modules || fail "$1 not loaded"
	[ $(($(cat /proc/sys/kernel/tainted) >> 13 & 1)) -eq 0 ] ||
		fail "tainted $(cat /proc/sys/kernel/tainted): E"
	module_version "$1"
}

test_sign_unload() {
	rmmod syslet
	rmmod msgport
}

t "sign: sig_enforce is on; the kernel has the test certificate" test_sign_setup
t "sign: an unsigned syslet.ko is refused" sign_refused $S/syslet-unsigned.ko "unsigned module"
t "sign: msgport.ko signed with an untrusted key is refused" \
	sign_refused $S/msgport-untrusted.ko "module with unavailable key"
t "sign: a signed msgport.ko changed after signing is refused" sign_refused $S/msgport-changed.ko
t "sign: msgport.ko signed with the trusted key loads" sign_loads msgport
t "sign: syslet.ko signed with the trusted key loads" sign_loads syslet
t "sign: rmmod" test_sign_unload
