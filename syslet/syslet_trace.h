/* SPDX-License-Identifier: GPL-2.0 */
/*
 * syslet tracepoints: events/syslet/ in tracefs, syslet:* in perf.
 *
 * Atom and chain addresses are the user addresses of the atoms, as
 * user space knows them.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM syslet

#if !defined(_SYSLET_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _SYSLET_TRACE_H

#include <linux/tracepoint.h>

/* SYSLET_IOC_EXEC: a chain submitted at @atom. */
TRACE_EVENT(syslet_exec,
	TP_PROTO(u64 atom),
	TP_ARGS(atom),
	TP_STRUCT__entry(
		__field(u64, atom)
	),
	TP_fast_assign(
		__entry->atom = atom;
	),
	TP_printk("atom=0x%llx", __entry->atom)
);

/* The chain submitted at @first goes to a worker, resuming at @start. */
TRACE_EVENT(syslet_async,
	TP_PROTO(u64 first, u64 start, unsigned int inflight),
	TP_ARGS(first, start, inflight),
	TP_STRUCT__entry(
		__field(u64, first)
		__field(u64, start)
		__field(unsigned int, inflight)
	),
	TP_fast_assign(
		__entry->first = first;
		__entry->start = start;
		__entry->inflight = inflight;
	),
	TP_printk("first=0x%llx start=0x%llx inflight=%u",
		  __entry->first, __entry->start, __entry->inflight)
);

/* An atom starts: in the submitter (@sync) or in a worker. */
TRACE_EVENT(syslet_atom_start,
	TP_PROTO(u64 atom, unsigned long nr, bool sync),
	TP_ARGS(atom, nr, sync),
	TP_STRUCT__entry(
		__field(u64, atom)
		__field(unsigned long, nr)
		__field(bool, sync)
	),
	TP_fast_assign(
		__entry->atom = atom;
		__entry->nr = nr;
		__entry->sync = sync;
	),
	TP_printk("atom=0x%llx nr=%lu sync=%d",
		  __entry->atom, __entry->nr, __entry->sync)
);

/* An atom's result, as stored through its ret_ptr. */
TRACE_EVENT(syslet_atom_end,
	TP_PROTO(u64 atom, unsigned long nr, long ret),
	TP_ARGS(atom, nr, ret),
	TP_STRUCT__entry(
		__field(u64, atom)
		__field(unsigned long, nr)
		__field(long, ret)
	),
	TP_fast_assign(
		__entry->atom = atom;
		__entry->nr = nr;
		__entry->ret = ret;
	),
	TP_printk("atom=0x%llx nr=%lu ret=%ld",
		  __entry->atom, __entry->nr, __entry->ret)
);

/* A final atom posted to the ring, the @tail-th completion. */
TRACE_EVENT(syslet_post,
	TP_PROTO(u64 atom, unsigned long tail),
	TP_ARGS(atom, tail),
	TP_STRUCT__entry(
		__field(u64, atom)
		__field(unsigned long, tail)
	),
	TP_fast_assign(
		__entry->atom = atom;
		__entry->tail = tail;
	),
	TP_printk("atom=0x%llx tail=%lu", __entry->atom, __entry->tail)
);

/* SYSLET_IOC_CANCEL found the chain at @first: queued or running. */
TRACE_EVENT(syslet_cancel,
	TP_PROTO(u64 first, unsigned int state),
	TP_ARGS(first, state),
	TP_STRUCT__entry(
		__field(u64, first)
		__field(unsigned int, state)
	),
	TP_fast_assign(
		__entry->first = first;
		__entry->state = state;
	),
	TP_printk("first=0x%llx %s", __entry->first,
		  __print_symbolic(__entry->state, { 0, "queued" },
				   { 1, "running" }, { 2, "parked" }))
);

TRACE_EVENT(syslet_park,
	TP_PROTO(u64 first, u64 atom),
	TP_ARGS(first, atom),
	TP_STRUCT__entry(
		__field(u64, first)
		__field(u64, atom)
	),
	TP_fast_assign(
		__entry->first = first;
		__entry->atom = atom;
	),
	TP_printk("first=0x%llx atom=0x%llx", __entry->first, __entry->atom)
);

#endif /* _SYSLET_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE syslet_trace
#include <trace/define_trace.h>
