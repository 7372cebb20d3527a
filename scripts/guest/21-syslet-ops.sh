# SPDX-License-Identifier: GPL-2.0
# syslet's op table in Debian's 6.12 kernel: every row of the op table
# test (tools/tests/syslet_ops*.c, each in its own process, bounded in
# time): each native operation as the direct system call and as three
# kinds of atom, in the same setup, with the same result and side
# effects; and a row for every native op of syslet/opdef.c.
#
# Runs after 20-syslet.sh has unloaded the modules: it loads them itself
# (unless loaded) and unloads them at the end.  Needs root (its denial
# cases drop to uid 65534 in children).

t "syslet-ops: insmod" syslet_load
selftests syslet-ops syslet_ops
t "syslet-ops: rmmod" syslet_unload
