# SPDX-License-Identifier: GPL-2.0
# syslet isolation in Debian's 6.12 kernel: every selftest of
# tools/tests/syslet_isolation.c (each in its own process, bounded in
# time): asynchronous chains run in worker threads of the submitting
# process, under its seccomp filter, cgroups, tty, namespaces and
# credentials, and die with it; the access parameters of the module.
#
# Runs after 20-syslet.sh has unloaded the modules and before
# 25-syslet-fuzz.sh loads them again: it loads them itself (unless
# loaded) and unloads them at the end.
#
# Needs root and, for the cgroup-* tests, cgroup2 with the cpu, memory
# and pids controllers (mounted on /sys/fs/cgroup by the tests if it is
# not; they skip if the kernel lacks it); the tests change module
# parameters and restore them.

t "syslet-isolation: insmod" syslet_load
selftests syslet-isolation syslet_isolation
t "syslet-isolation: rmmod" syslet_unload
