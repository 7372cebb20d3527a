/* SPDX-License-Identifier: GPL-2.0 */
/*
 * msgport tracepoints: events/msgport/ in tracefs, msgport:* in perf.
 *
 * Ports and messages are shown as hashed kernel pointers (%p), as the
 * kernel's own tracepoints show objects; the command function by symbol.
 * Exported (EXPORT_TRACEPOINT_SYMBOL_GPL), so that a client module can
 * attach probes.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM msgport

#if !defined(_MSGPORT_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _MSGPORT_TRACE_H

#include <linux/tracepoint.h>

/*
 * @msg handed to @port's putport: lwkt_sendmsg(), lwkt_domsg(),
 * lwkt_forwardmsg(), lwkt_beginmsg().  @cmd is its command function.
 */
TRACE_EVENT(msgport_send,
	TP_PROTO(const void *port, const void *msg, u32 flags, const void *cmd),
	TP_ARGS(port, msg, flags, cmd),
	TP_STRUCT__entry(
		__field(const void *, port)
		__field(const void *, msg)
		__field(u32, flags)
		__field(const void *, cmd)
	),
	TP_fast_assign(
		__entry->port = port;
		__entry->msg = msg;
		__entry->flags = flags;
		__entry->cmd = cmd;
	),
	TP_printk("port=%p msg=%p flags=%#x cmd=%ps",
		  __entry->port, __entry->msg, __entry->flags, __entry->cmd)
);

/* @msg replied with @error (to @port, its reply port). */
TRACE_EVENT(msgport_reply,
	TP_PROTO(const void *port, const void *msg, int error),
	TP_ARGS(port, msg, error),
	TP_STRUCT__entry(
		__field(const void *, port)
		__field(const void *, msg)
		__field(int, error)
	),
	TP_fast_assign(
		__entry->port = port;
		__entry->msg = msg;
		__entry->error = error;
	),
	TP_printk("port=%p msg=%p error=%d",
		  __entry->port, __entry->msg, __entry->error)
);

/* @msg forwarded to @port. */
TRACE_EVENT(msgport_forward,
	TP_PROTO(const void *port, const void *msg),
	TP_ARGS(port, msg),
	TP_STRUCT__entry(
		__field(const void *, port)
		__field(const void *, msg)
	),
	TP_fast_assign(
		__entry->port = port;
		__entry->msg = msg;
	),
	TP_printk("port=%p msg=%p", __entry->port, __entry->msg)
);

/* lwkt_abortmsg() on @msg. */
TRACE_EVENT(msgport_abort,
	TP_PROTO(const void *msg),
	TP_ARGS(msg),
	TP_STRUCT__entry(
		__field(const void *, msg)
	),
	TP_fast_assign(
		__entry->msg = msg;
	),
	TP_printk("msg=%p", __entry->msg)
);

/* lwkt_dropmsg() on @msg: @ret 0 if it was dropped. */
TRACE_EVENT(msgport_drop,
	TP_PROTO(const void *msg, int ret),
	TP_ARGS(msg, ret),
	TP_STRUCT__entry(
		__field(const void *, msg)
		__field(int, ret)
	),
	TP_fast_assign(
		__entry->msg = msg;
		__entry->ret = ret;
	),
	TP_printk("msg=%p ret=%d", __entry->msg, __entry->ret)
);

/* A service thread took a batch of @n messages from its port. */
TRACE_EVENT(msgport_batch,
	TP_PROTO(const void *port, int cpu, unsigned int n),
	TP_ARGS(port, cpu, n),
	TP_STRUCT__entry(
		__field(const void *, port)
		__field(int, cpu)
		__field(unsigned int, n)
	),
	TP_fast_assign(
		__entry->port = port;
		__entry->cpu = cpu;
		__entry->n = n;
	),
	TP_printk("port=%p cpu=%d n=%u",
		  __entry->port, __entry->cpu, __entry->n)
);

#endif /* _MSGPORT_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE msgport_trace
#include <trace/define_trace.h>
