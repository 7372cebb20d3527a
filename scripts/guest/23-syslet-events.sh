# SPDX-License-Identifier: GPL-2.0
# syslet in an event loop and what one sees of it, in Debian's 6.12
# kernel: every selftest of tools/tests/syslet_events.c (each in its own
# process, bounded in time): poll/epoll readiness, the eventfd, waits with
# a timeout and a signal mask, cancelling one chain, a chain's timeout,
# fdinfo of /dev/syslet and /dev/upcall, the tracepoints in tracefs.
#
# Runs after 22-syslet-isolation.sh has unloaded the modules: loads them
# itself (unless loaded) and unloads them at the end.

t "syslet events: insmod" syslet_load
selftests syslet-events syslet_events
t "syslet events: rmmod" syslet_unload
