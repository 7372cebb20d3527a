# SPDX-License-Identifier: GPL-2.0
# make demo: load msgport and the example client, show what they did.
M=/lib/msgport

echo "== $(uname -r), $(ncpus) CPUs"
echo "== insmod msgport.ko"
insmod $M/msgport.ko
echo "   service threads: $(cat /proc/[0-9]*/comm | grep '^lwkt/' | sort | tr '\n' ' ')"
echo "== insmod msgport_example.ko traffic=1   (msgport(9) EXAMPLES 1 and 2)"
dmesg_mark
insmod $M/msgport_example.ko traffic=1
dmesg_new | sed 's/^\[ *[0-9.]*\] /   /'
echo "== traffic to every CPU's service port while CPU 1 goes offline and back"
echo 0 >/sys/devices/system/cpu/cpu1/online
sleep 0.5
echo 1 >/sys/devices/system/cpu/cpu1/online
sleep 0.5
dmesg_mark
rmmod msgport_example
dmesg_new | sed 's/^\[ *[0-9.]*\] /   /'
rmmod msgport

echo
echo "== syslet: insmod syslet.ko; a file copy written as one looping chain"
insmod $M/msgport.ko
insmod $M/syslet.ko
dd if=/dev/urandom of=/tmp/demo-src bs=4096 count=256 2>/dev/null
syslet_copy /tmp/demo-src /tmp/demo-dst | sed 's/^/   /'
echo "== syslet: a TCP echo server over loopback, one looping chain per connection"
echo "   (recvfrom -> sendto, tools/demo/echo_server.c); its client checks every byte"
echo_server -c 32 -m 100 -s 1024 | sed 's/^/   /'
echo "== syslet: the selftests"
for name in $(syslet_test --list); do
	if timeout 60 syslet_test "$name" >/tmp/t.out 2>&1; then
		echo "   ok   $name"
	else
		echo "   FAIL $name"
	fi
done
rmmod syslet
rmmod msgport
echo "== rmmod: done"
