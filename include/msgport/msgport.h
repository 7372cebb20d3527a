/* SPDX-License-Identifier: GPL-2.0 */
/*
 * msgport: LWKT message ports for Linux.
 *
 * Messages (struct lwkt_msg) are sent to ports (struct lwkt_port).  A port
 * is a queue plus a table of operations chosen by its initialiser: thread
 * ports (one owning task receives), spin ports (many receivers compete),
 * serializer ports (guarded by a caller-supplied lwkt_serialize lock) and
 * the special reply-only, put-only and panic ports.  The receiver replies
 * to a message by handing it back to the message's reply port.
 *
 * The names and semantics follow DragonFly BSD's msgport(9), so code
 * written against that manual page ports with few changes.  Differences,
 * all Linux conventions: errors are negative errnos; EASYNC is a positive
 * sentinel; lwkt_sendmsg() and lwkt_dropmsg() return an int that code
 * written for the void prototypes may ignore.  See Documentation/msgport.rst.
 */
#ifndef _MSGPORT_MSGPORT_H
#define _MSGPORT_MSGPORT_H

#include <linux/bug.h>
#include <linux/compiler.h>
#include <linux/list.h>
#include <linux/lockdep.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/types.h>
#include <linux/wait.h>

struct lwkt_msg;
struct lwkt_port;

typedef struct lwkt_msg *lwkt_msg_t;
typedef struct lwkt_port *lwkt_port_t;

/**
 * union lwkt_cmd - a message's command
 * @cm_op: an operation number, for ports that dispatch on numbers
 * @cm_func: a function, for ports that run it (the per-CPU service ports)
 *
 * The command is opaque to the message layer; its meaning is a convention
 * between sender and receiver.
 */
typedef union lwkt_cmd {
	int cm_op;
	int (*cm_func)(lwkt_msg_t msg);
} lwkt_cmd_t;

/*
 * putport's return value for "the message was queued and will be replied
 * to later".  Any other value is a synchronous completion: 0 or a negative
 * errno, the message's result.  Positive so it never collides with one.
 */
#define EASYNC		0x10000

/*
 * Message flags (ms_flags).  DONE, REPLY, QUEUED and SYNC are maintained by
 * the message layer; the others are set by the sender through
 * lwkt_initmsg() and friends.
 */
#define MSGF_DONE	0x0001	/* message is back with its sender */
#define MSGF_REPLY	0x0002	/* message has been replied to */
#define MSGF_QUEUED	0x0004	/* message sits on a port's queue */
#define MSGF_SYNC	0x0008	/* sent by lwkt_domsg(): reply wakes waiter */
#define MSGF_PCATCH	0x0020	/* a signal interrupts the wait (-EINTR) */
#define MSGF_DROPABLE	0x0040	/* lwkt_dropmsg() may dequeue it */
#define MSGF_ABORTABLE	0x0080	/* ms_abortfn is valid */
#define MSGF_PRIORITY	0x0400	/* queued ahead of messages without it */
#define MSGF_USER0	0x00010000	/* free for the port's protocol */
#define MSGF_USER1	0x00020000
#define MSGF_USER2	0x00040000
#define MSGF_USER3	0x00080000

/**
 * struct lwkt_msg - a message
 * @ms_node: link on the queue of the port it sits on
 * @ms_target_port: port the message was last sent or forwarded to
 * @ms_reply_port: port replies go to (may be NULL for lwkt_domsg() only)
 * @ms_abortfn: called once by lwkt_abortmsg() on an abortable message
 * @ms_cmd: the command, for the receiver
 * @ms_flags: MSGF_* flags
 * @ms_error: the reply's result: 0 or a negative errno
 * @u: free-form argument or result data
 * @ms_qport: internal, the port whose queue holds the message, or NULL
 * @ms_state: internal, abort, waiter and held-reply bits (msgport/internal.h)
 * @ms_waiter: internal, the lwkt_domsg() caller waiting for the reply
 *
 * A message belongs to whoever holds it: its sender until it is sent and
 * again once MSGF_DONE is set (and, for an asynchronous reply, once it has
 * been taken off the reply port: MSGF_QUEUED clear), the target port and
 * its receiver in between.
 * Only the owner may modify it.  The exceptions, internally synchronised,
 * are lwkt_abortmsg() and lwkt_dropmsg(), which the sender may call while
 * the message is away.
 *
 * Locking legend:
 *
 * - I: set before the message is sent; read-only while it is away.
 * - O: owner only (see above).
 * - Q: the lock of the port whose queue holds the message.
 * - A: atomic bit operations.
 */
struct lwkt_msg {
	struct list_head ms_node;		/* Q */
	lwkt_port_t ms_target_port;		/* O */
	lwkt_port_t ms_reply_port;		/* I */
	void (*ms_abortfn)(lwkt_msg_t msg);	/* I */
	lwkt_cmd_t ms_cmd;			/* I */
	int ms_flags;				/* O, Q for MSGF_QUEUED */
	int ms_error;				/* O */
	union {
		void *ms_resultp;
		int ms_result;
		long ms_lresult;
		int ms_fds[2];
		s32 ms_result32;
		s64 ms_result64;
		loff_t ms_offset;
	} u;					/* O */
	lwkt_port_t ms_qport;			/* Q, WRITE_ONCE */
	unsigned long ms_state;			/* A */
	struct task_struct *ms_waiter;		/* I */
};

/**
 * struct lwkt_serialize - the lock of a serializer port
 * @lock: a sleeping lock; the receiver holds it around get/wait calls
 * @owner: the task holding @lock, or NULL; written by that task only
 *
 * DragonFly's serializer(9) is a sleepable mutual-exclusion lock; a mutex
 * is its Linux equivalent.  @owner lets a serializer port's put, reply
 * and drop tell whether their caller already holds the serializer, as
 * DragonFly's callers do, or not, as callers of the other port types do
 * (lwkt_initport_serialize()).  Initialise with lwkt_serialize_init();
 * take and release it only with the helpers below, which keep @owner.
 *
 * Locking legend: @owner is WRITE_ONCE() by the holder of @lock, read
 * with READ_ONCE(); it equals current only in the task holding @lock.
 */
struct lwkt_serialize {
	struct mutex lock;
	struct task_struct *owner;
};

/* A macro, so that each initialisation site has its own lockdep class. */
#define lwkt_serialize_init(slz)					\
	do {								\
		mutex_init(&(slz)->lock);				\
		(slz)->owner = NULL;					\
	} while (0)

/**
 * lwkt_serialize_enter() - take a serializer
 * @slz: the serializer
 *
 * Sleeps until @slz is free.  Not recursive: a holder must not take it
 * again.
 *
 * Context: process context.
 */
static inline void lwkt_serialize_enter(struct lwkt_serialize *slz)
{
	mutex_lock(&slz->lock);
	WRITE_ONCE(slz->owner, current);
}

/**
 * lwkt_serialize_try() - take a serializer if it is free
 * @slz: the serializer
 *
 * DragonFly's lwkt_serialize_try().  Never sleeps; fails also when the
 * caller itself holds @slz.
 *
 * Context: process context (a mutex is owned by a task).
 * Return: 1 if @slz was taken, 0 if it is held.
 */
static inline int lwkt_serialize_try(struct lwkt_serialize *slz)
{
	if (!mutex_trylock(&slz->lock))
		return 0;
	WRITE_ONCE(slz->owner, current);
	return 1;
}

/**
 * lwkt_serialize_exit() - release a serializer
 * @slz: the serializer, held by the caller
 *
 * Context: process context, the task that took @slz.
 */
static inline void lwkt_serialize_exit(struct lwkt_serialize *slz)
{
	WRITE_ONCE(slz->owner, NULL);
	mutex_unlock(&slz->lock);
}

/**
 * lwkt_serialize_held() - does the calling task hold a serializer?
 * @slz: the serializer
 *
 * Unlike mutex_is_locked(), false when another task holds @slz.
 *
 * Context: any (in interrupt context the answer is that of the
 * interrupted task, which is not the holder's own view; do not rely on
 * it there).
 * Return: true if the current task holds @slz.
 */
static inline bool lwkt_serialize_held(struct lwkt_serialize *slz)
{
	return READ_ONCE(slz->owner) == current;
}

/**
 * lwkt_serialize_assert_held() - warn unless the caller holds a serializer
 * @slz: the serializer
 *
 * DragonFly's ASSERT_SERIALIZED(), a warning rather than a panic, with
 * or without lockdep; lockdep's own check too where it is built in.
 *
 * Context: process context.
 */
static inline void lwkt_serialize_assert_held(struct lwkt_serialize *slz)
{
	lockdep_assert_held(&slz->lock);
	WARN_ONCE(!lwkt_serialize_held(slz),
		  "msgport: serializer %p not held by %s[%d]\n",
		  slz, current->comm, current->pid);
}

/**
 * lwkt_serialize_assert_not_held() - warn if the caller holds a serializer
 * @slz: the serializer
 *
 * DragonFly's ASSERT_NOT_SERIALIZED().
 *
 * Context: process context.
 */
static inline void lwkt_serialize_assert_not_held(struct lwkt_serialize *slz)
{
	WARN_ONCE(lwkt_serialize_held(slz),
		  "msgport: serializer %p held by %s[%d]\n",
		  slz, current->comm, current->pid);
}

/* DragonFly's names. */
#define IS_SERIALIZED(slz)		lwkt_serialize_held(slz)
#define ASSERT_SERIALIZED(slz)		lwkt_serialize_assert_held(slz)
#define ASSERT_NOT_SERIALIZED(slz)	lwkt_serialize_assert_not_held(slz)

/* Port flags (mp_flags). */
#define MSGPORTF_WAITING	0x0001	/* the owner of a thread port sleeps */

/**
 * struct lwkt_port - a message port
 * @mp_msgq: queued messages, oldest first
 * @mp_flags: MSGPORTF_* flags
 * @mp_wq: receivers sleeping on a spin or serializer port; its lock is the
 *	port lock of thread and spin ports
 * @mpu_serialize: the lock of a serializer port
 * @mp_td: the owner of a thread port
 * @mp_putport: queue a message (EASYNC) or complete it synchronously
 * @mp_getport: dequeue the first message, or NULL
 * @mp_waitport: dequeue the first message, sleeping until there is one
 * @mp_waitmsg: sleep until a message replied to this port is done
 * @mp_replyport: return a replied message to this port
 * @mp_dropmsg: dequeue a given message that is still queued here
 *
 * The operations are chosen by the lwkt_initport_*() functions; a port may
 * override one afterwards (before first use), as DragonFly's netisr does
 * for its putport.
 *
 * Locking legend:
 *
 * - I: set by the initialiser; read-only afterwards.
 * - L: the port lock: mp_wq.lock for thread and spin ports, the
 *   serializer for serializer ports.
 */
struct lwkt_port {
	struct list_head mp_msgq;				/* L */
	unsigned int mp_flags;					/* L */
	wait_queue_head_t mp_wq;
	struct lwkt_serialize *mpu_serialize;			/* I */
	struct task_struct *mp_td;				/* I */
	int (*mp_putport)(lwkt_port_t port, lwkt_msg_t msg);	/* I */
	void *(*mp_getport)(lwkt_port_t port);			/* I */
	void *(*mp_waitport)(lwkt_port_t port, int flags);	/* I */
	int (*mp_waitmsg)(lwkt_msg_t msg, int flags);		/* I */
	void (*mp_replyport)(lwkt_port_t port, lwkt_msg_t msg);	/* I */
	int (*mp_dropmsg)(lwkt_port_t port, lwkt_msg_t msg);	/* I */
};

/* Port initialisers. */
int lwkt_initport_thread(lwkt_port_t port, struct task_struct *td);
void lwkt_initport_spin(lwkt_port_t port);
void lwkt_initport_serialize(lwkt_port_t port, struct lwkt_serialize *slz);
void lwkt_initport_panic(lwkt_port_t port);
void lwkt_initport_replyonly_null(lwkt_port_t port);
int lwkt_initport_replyonly(lwkt_port_t port,
			    void (*rportfn)(lwkt_port_t, lwkt_msg_t));
void lwkt_initport_putonly(lwkt_port_t port,
			   int (*pportfn)(lwkt_port_t, lwkt_msg_t));

/* Message initialisers. */
void lwkt_initmsg(lwkt_msg_t msg, lwkt_port_t rport, int flags);
void lwkt_initmsg_abortable(lwkt_msg_t msg, lwkt_port_t rport, int flags,
			    void (*abortfn)(lwkt_msg_t));

/* Sending, replying, aborting. */
int lwkt_sendmsg(lwkt_port_t port, lwkt_msg_t msg);
int lwkt_sendmsg_idle(lwkt_port_t port, lwkt_msg_t msg);
int lwkt_domsg(lwkt_port_t port, lwkt_msg_t msg, int flags);
int lwkt_forwardmsg(lwkt_port_t port, lwkt_msg_t msg);
void lwkt_abortmsg(lwkt_msg_t msg);
int lwkt_beginmsg(lwkt_port_t port, lwkt_msg_t msg);
void lwkt_replymsg(lwkt_msg_t msg, int error);
int lwkt_dropmsg(lwkt_msg_t msg);

/* Receiving. */
void *lwkt_getport(lwkt_port_t port);
void *lwkt_waitport(lwkt_port_t port, int flags);
int lwkt_waitmsg(lwkt_msg_t msg, int flags);
int lwkt_checkmsg(lwkt_msg_t msg);

/* Per-CPU service threads. */
lwkt_port_t lwkt_cpu_port(int cpu);
int lwkt_port_sync(lwkt_port_t port);
int lwkt_cpu_ports_sync(void);

/* Private service threads. */
struct lwkt_service_set;
struct lwkt_service_set *lwkt_service_create(const char *name,
					     unsigned int nr_unbound,
					     void (*rollup)(void *arg),
					     void *arg);
lwkt_port_t lwkt_service_port(struct lwkt_service_set *set, unsigned int i);
void lwkt_service_destroy(struct lwkt_service_set *set);

/**
 * lwkt_msg_aborted() - has an abort been requested for this message?
 * @msg: the message
 *
 * For receivers of abortable messages: true once the sender's
 * lwkt_abortmsg() has called the abort function of @msg in this send.
 * The receiver should then finish early (and still reply).
 *
 * Context: any.
 * Return: true if an abort was requested.
 */
static inline bool lwkt_msg_aborted(lwkt_msg_t msg)
{
	return test_bit(0, &msg->ms_state);
}

/**
 * lwkt_msg_done() - is the message back with its sender?
 * @msg: the message
 *
 * Context: any.
 * Return: true if MSGF_DONE is set; reads it with acquire semantics, so
 * the reply's ms_error and u are visible once this returns true.
 */
static inline bool lwkt_msg_done(lwkt_msg_t msg)
{
	/* Pairs with the release store that sets MSGF_DONE. */
	return smp_load_acquire(&msg->ms_flags) & MSGF_DONE;
}

#endif /* _MSGPORT_MSGPORT_H */
