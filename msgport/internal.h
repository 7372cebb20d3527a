/* SPDX-License-Identifier: GPL-2.0 */
/*
 * msgport internals shared by the message layer and the service threads.
 */
#ifndef _MSGPORT_INTERNAL_H
#define _MSGPORT_INTERNAL_H

#include <msgport/msgport.h>

/**
 * DOC: Bits of ms_state
 *
 * struct lwkt_msg's ms_state holds three bits, changed with atomic bit
 * operations:
 *
 * - LWKT_MSG_ABORTED (bit 0): lwkt_abortmsg() has been called in this
 *   send; lwkt_msg_aborted() tests it.  Reset by the sender before a send.
 * - LWKT_MSG_WAITER (bit 1): somebody sleeps in lwkt_waitmsg() for the
 *   asynchronous reply; set and tested under the reply port's lock, so
 *   that a reply nobody waits for skips the wake-up.
 * - LWKT_MSG_HELD (bit 2): replied to by a service thread, which holds
 *   the reply back until the end of its batch (service.c); set and
 *   cleared by that thread.
 */
#define LWKT_MSG_ABORTED	0
#define LWKT_MSG_WAITER		1
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
				     unsigned int max, const bool *kick);
void __lwkt_thread_kick(lwkt_port_t port);
void __lwkt_initport_service(lwkt_port_t port,
			     int (*putport)(lwkt_port_t, lwkt_msg_t));


#endif /* _MSGPORT_INTERNAL_H */
