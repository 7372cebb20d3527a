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
echo "== rmmod: done"
