/* SPDX-License-Identifier: GPL-2.0 */
/*
 * msgport internals shared by the message layer and the service threads.
 */
#ifndef _MSGPORT_INTERNAL_H
#define _MSGPORT_INTERNAL_H

#include <msgport/msgport.h>

/* Bit in lwkt_msg.ms_state: lwkt_abortmsg() has been called. */
#define LWKT_MSG_ABORTED	0
/*
 * Bit in lwkt_msg.ms_state: somebody sleeps in lwkt_waitmsg() for the
 * asynchronous reply (set and tested under the reply port's lock).
 */
#define LWKT_MSG_WAITER		1
/*
 * Bit in lwkt_msg.ms_state: replied to by a service thread, which holds
 * the reply back until the end of its batch (service.c); set and cleared
 * by that thread.
 */
#define LWKT_MSG_HELD		2

/* Flags only the message layer sets. */
#define LWKT_MSGF_INTERNAL	(MSGF_DONE | MSGF_REPLY | MSGF_QUEUED | \
				 MSGF_SYNC | MSGF_ABORTABLE)

int __lwkt_thread_putport(lwkt_port_t port, lwkt_msg_t msg);
int lwkt_service_putport(lwkt_port_t port, lwkt_msg_t msg);
void __lwkt_queue_replies(lwkt_port_t port, struct list_head *list);
bool __lwkt_reply_deferrable(lwkt_msg_t msg, int error);
void lwkt_service_flush_replies(void);
unsigned int __lwkt_thread_waitbatch(lwkt_port_t port, struct list_head *batch,
				     unsigned int max);


#endif /* _MSGPORT_INTERNAL_H */
