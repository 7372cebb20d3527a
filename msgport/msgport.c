// SPDX-License-Identifier: GPL-2.0
/*
 * msgport: LWKT messages and ports.
 */
/**
 * DOC: Ownership, port locks and wake-ups
 *
 * A message travels sender -> target port -> receiver -> reply port ->
 * sender.  Whoever holds it owns it (see struct lwkt_msg); hand-over
 * happens under the lock of the port whose queue the message enters or
 * leaves, or, for a synchronous reply, through a release store of
 * MSGF_DONE that the waiter reads with acquire semantics.
 *
 * Port locks: thread and spin ports use the lock of their wait queue head
 * (mp_wq.lock), taken with interrupts disabled so that messages may be
 * sent and replied to from any context.  Serializer ports use their
 * lwkt_serialize (a mutex), so they are for process context only.  No
 * path holds two port locks at once (a serializer's mutex may be held
 * while a service thread's held-back replies take a port lock), and abort
 * functions run with none.
 * mutex_unlock() may touch the mutex after a waiter has taken it: a
 * serializer port and its lock must outlive all its senders and repliers.
 *
 * A thread port's owner is woken under the port lock: once the lock is
 * dropped the owner may take the message, return and tear the port (and
 * itself) down.
 *
 * Waiting for a particular message: the waiter may free the message as
 * soon as it sees MSGF_DONE, so the store of MSGF_DONE must be the
 * replier's last access to it:
 *
 * - lwkt_domsg() records its task in ms_waiter before sending; the
 *   replier reads it before the release store of MSGF_DONE and then wakes
 *   that task directly, inside an RCU read-side section (task_structs are
 *   freed after a grace period), the rcuwait pattern.
 * - lwkt_waitmsg() of an asynchronous message sleeps on the hashed wait
 *   queue of the address of msg->ms_flags (wait_var_event style), which
 *   only hashes the address.  For thread and spin reply ports the waiter says so with
 *   LWKT_MSG_WAITER under the reply port's lock, which the replier holds
 *   when it sets MSGF_DONE; a reply nobody waits for skips the wake-up
 *   (and its full barrier).  Other paths (drops, serializer ports) always
 *   issue it, after a full barrier.
 */
#include <linux/indirect_call_wrapper.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched/clock.h>
#include <linux/sched/signal.h>
#include <linux/sched/stat.h>
#include <linux/wait_bit.h>

#include "internal.h"

#define CREATE_TRACE_POINTS
#include "msgport_trace.h"

EXPORT_TRACEPOINT_SYMBOL_GPL(msgport_send);
EXPORT_TRACEPOINT_SYMBOL_GPL(msgport_reply);
EXPORT_TRACEPOINT_SYMBOL_GPL(msgport_forward);
EXPORT_TRACEPOINT_SYMBOL_GPL(msgport_abort);
EXPORT_TRACEPOINT_SYMBOL_GPL(msgport_drop);
EXPORT_TRACEPOINT_SYMBOL_GPL(msgport_batch);

/* ---------------------------------------------------------------------
 * Queue helpers.  All of them need the port lock.
 */

static inline spinlock_t *lwkt_port_spin(lwkt_port_t port)
{
	return &port->mp_wq.lock;
}

/*
 * Thread and spin ports take their spinlock_t with interrupts disabled:
 * any context, except hard interrupt context on PREEMPT_RT, where a
 * spinlock_t sleeps (threaded interrupt handlers are fine there).
 */
static inline void lwkt_assert_port_context(void)
{
	lockdep_assert(!IS_ENABLED(CONFIG_PREEMPT_RT) || !in_hardirq());
}

static void lwkt_port_assert_locked(lwkt_port_t port)
{
	if (port->mpu_serialize)
		lwkt_serialize_assert_held(port->mpu_serialize);
	else
		lockdep_assert_held(lwkt_port_spin(port));
}

/*
 * Optimistic spinning.  A receiver or lwkt_domsg() caller about to sleep
 * first spins for up to lwkt_spin_ns while its CPU has nothing else to
 * run: a message or reply produced on another CPU then costs a cache line
 * transfer instead of a cross-CPU wake-up (an IPI) and two context
 * switches.  The spin stops at once if another task becomes runnable here
 * (so it never delays the thread that would produce the message on this
 * CPU), on need_resched() or a signal, and never happens on a single-CPU
 * system.
 * KVM's halt polling does the same for a vCPU, with a longer budget.
 */
static unsigned int lwkt_spin_ns = 50000;
module_param_named(spin_ns, lwkt_spin_ns, uint, 0644);
MODULE_PARM_DESC(spin_ns,
		 "Spin up to this long (ns, at most 1 ms) for a message or reply before sleeping; 0: never");

/* The most spin_ns is taken to mean: 1 ms. */
#define LWKT_SPIN_MAX_NS	1000000U

static bool lwkt_spin_allowed(void)
{
	if (!READ_ONCE(lwkt_spin_ns) || num_online_cpus() < 2 ||
	    !single_task_running())
		return false;
	/* A command about to wait: its held-back replies go first. */
	lwkt_service_flush_replies();
	return true;
}

/* Spin until @cond holds or the budget is spent; evaluates to @cond. */
#define lwkt_spin_until(cond)						\
({									\
	bool __done = (cond);						\
	u64 __end;							\
									\
	if (!__done && lwkt_spin_allowed()) {				\
		__end = local_clock() + min(READ_ONCE(lwkt_spin_ns),	\
					    LWKT_SPIN_MAX_NS);		\
		while (!(__done = (cond)) && single_task_running() &&	\
		       !need_resched() && !signal_pending(current) &&	\
		       local_clock() < __end)				\
			cpu_relax();					\
	}								\
	__done;								\
})

/*
 * Queue @msg at the tail, or, with MSGF_PRIORITY, behind the priority
 * messages at the head of the queue and ahead of all others (DragonFly
 * keeps a second queue; priority messages are rare enough for a walk).
 */
static void __lwkt_pushmsg(lwkt_port_t port, lwkt_msg_t msg)
{
	struct list_head *pos = &port->mp_msgq;
	lwkt_msg_t m;

	lwkt_port_assert_locked(port);
	WARN_ON_ONCE(msg->ms_qport);

	/* Read locklessly under another port's lock by lwkt_dropmsg(). */
	WRITE_ONCE(msg->ms_qport, port);
	WRITE_ONCE(msg->ms_flags, msg->ms_flags | MSGF_QUEUED);
	if (unlikely(msg->ms_flags & MSGF_PRIORITY)) {
		list_for_each_entry(m, &port->mp_msgq, ms_node) {
			if (!(m->ms_flags & MSGF_PRIORITY)) {
				pos = &m->ms_node;
				break;
			}
		}
	}
	list_add_tail(&msg->ms_node, pos);
}

static void __lwkt_pullmsg(lwkt_port_t port, lwkt_msg_t msg)
{
	lwkt_port_assert_locked(port);
	WARN_ON_ONCE(msg->ms_qport != port);

	list_del_init(&msg->ms_node);
	WRITE_ONCE(msg->ms_qport, NULL);
	WRITE_ONCE(msg->ms_flags, msg->ms_flags & ~MSGF_QUEUED);
}

/* Dequeue and return the first message, or NULL. */
static lwkt_msg_t __lwkt_pollmsg(lwkt_port_t port)
{
	lwkt_msg_t msg;

	lwkt_port_assert_locked(port);
	msg = list_first_entry_or_null(&port->mp_msgq, struct lwkt_msg,
				       ms_node);
	if (msg)
		__lwkt_pullmsg(port, msg);
	return msg;
}

/*
 * Mark @msg done.  Release ordering makes ms_error and u visible to whoever
 * sees MSGF_DONE.  @msg may be freed by its sender as soon as the store
 * lands, so it must be the caller's last access to the message.
 */
static void __lwkt_setdone(lwkt_msg_t msg, int flags)
{
	/* Pairs with smp_load_acquire() in lwkt_msg_done(). */
	smp_store_release(&msg->ms_flags, msg->ms_flags | MSGF_DONE | flags);
}

/*
 * Wake lwkt_waitmsg() sleepers of @msg.  Only the address is used, so it is
 * safe after the message has been freed.  The barrier orders the MSGF_DONE
 * store before the wait-queue check and pairs with the one in
 * prepare_to_wait_event() (set_current_state()).
 */
static void lwkt_wake_msg(lwkt_msg_t msg)
{
	smp_mb();	/* MSGF_DONE before waitqueue_active(), see above */
	wake_up_var(&msg->ms_flags);
}

/*
 * Mark @msg done and wake whoever waits for it: the lwkt_domsg() caller
 * directly, anybody else through the hashed wait queue.
 */
static void lwkt_setdone_wake(lwkt_msg_t msg, int flags)
{
	/* Read before MSGF_DONE: the message may be gone right after. */
	struct task_struct *waiter = msg->ms_waiter;

	if (waiter) {
		/* The waiter's task_struct outlives this section. */
		rcu_read_lock();
		__lwkt_setdone(msg, flags);
		/* Pairs with set_current_state() in lwkt_wait_sync(). */
		wake_up_process(waiter);
		rcu_read_unlock();
		return;
	}
	__lwkt_setdone(msg, flags);
	lwkt_wake_msg(msg);
}

/* A synchronous reply: no queueing, just wake the lwkt_domsg() waiter. */
static void lwkt_complete_sync(lwkt_msg_t msg)
{
	lwkt_setdone_wake(msg, MSGF_REPLY);
}

static bool lwkt_wait_stop(void)
{
	return (current->flags & PF_KTHREAD) && kthread_should_stop();
}

static unsigned int lwkt_sleep_state(int flags, unsigned int nointr)
{
	return (flags & MSGF_PCATCH) ? TASK_INTERRUPTIBLE : nointr;
}

/*
 * Sleep until @msg is done.  With MSGF_PCATCH a signal aborts the message
 * (lwkt_abortmsg()) and the wait goes on uninterruptibly until the receiver
 * gives it back, since until then it still owns the memory.  @slz, if set,
 * is released while sleeping.  @rport, if set, is the thread or spin port
 * the reply will be queued to: LWKT_MSG_WAITER asks its replier for the
 * wake-up.  Returns 0, or -EINTR if a signal came.
 */
static int __lwkt_wait_done(lwkt_msg_t msg, int flags,
			    struct lwkt_serialize *slz, lwkt_port_t rport)
{
	struct wait_queue_head *wq = __var_waitqueue(&msg->ms_flags);
	struct wait_bit_queue_entry wbq;
	unsigned int state = lwkt_sleep_state(flags, TASK_UNINTERRUPTIBLE);
	unsigned long irqflags;
	int intr = 0;
	bool done;

	if (lwkt_msg_done(msg))
		return 0;

	might_sleep();
	init_wait_var_entry(&wbq, &msg->ms_flags, 0);
	for (;;) {
		long ret = prepare_to_wait_event(wq, &wbq.wq_entry, state);

		if (lwkt_msg_done(msg))
			break;
		if (ret) {
			/* Signal: abort once, lock-free, then wait it out. */
			intr = -EINTR;
			state = TASK_UNINTERRUPTIBLE;
			if (slz)
				lwkt_serialize_exit(slz);
			lwkt_abortmsg(msg);
			if (slz)
				lwkt_serialize_enter(slz);
			continue;
		}
		if (rport) {
			spin_lock_irqsave(lwkt_port_spin(rport), irqflags);
			done = lwkt_msg_done(msg);
			if (!done)
				set_bit(LWKT_MSG_WAITER, &msg->ms_state);
			spin_unlock_irqrestore(lwkt_port_spin(rport), irqflags);
			if (done)
				break;
		}
		if (slz)
			lwkt_serialize_exit(slz);
		schedule();
		if (slz)
			lwkt_serialize_enter(slz);
	}
	finish_wait(wq, &wbq.wq_entry);
	return intr;
}

/*
 * lwkt_domsg()'s wait: the replier wakes this task directly (see
 * lwkt_setdone_wake()).  MSGF_PCATCH as for __lwkt_wait_done().
 */
static int lwkt_wait_sync(lwkt_msg_t msg, int flags)
{
	unsigned int state = lwkt_sleep_state(flags, TASK_UNINTERRUPTIBLE);
	int intr = 0;

	might_sleep();
	lwkt_spin_until(lwkt_msg_done(msg));
	for (;;) {
		set_current_state(state);
		if (lwkt_msg_done(msg))
			break;
		if (signal_pending_state(state, current)) {
			__set_current_state(TASK_RUNNING);
			intr = -EINTR;
			state = TASK_UNINTERRUPTIBLE;
			lwkt_abortmsg(msg);
			continue;
		}
		schedule();
	}
	__set_current_state(TASK_RUNNING);
	return intr;
}

/*
 * The result of a wait that a signal may have interrupted: once the
 * receiver has replied, its result, even after a signal (the operation
 * ran, and a caller must not retry it); -EINTR only for a message that
 * was dropped (never run) after the signal.
 */
static int lwkt_wait_result(lwkt_msg_t msg, int intr)
{
	if (intr && !(READ_ONCE(msg->ms_flags) & MSGF_REPLY))
		return intr;
	return msg->ms_error;
}

/* ---------------------------------------------------------------------
 * Thread ports: one owning task receives.
 */

static bool lwkt_thread_owner_ok(lwkt_port_t port)
{
	return !WARN_ONCE(port->mp_td != current,
			  "msgport: %s[%d] receives on a thread port owned by %s[%d]\n",
			  current->comm, task_pid_nr(current),
			  port->mp_td->comm, task_pid_nr(port->mp_td));
}

/* Wake the owner if it sleeps in lwkt_waitport().  Port lock held. */
static void lwkt_thread_wake_owner(lwkt_port_t port)
{
	lockdep_assert_held(lwkt_port_spin(port));
	if (port->mp_flags & MSGPORTF_WAITING) {
		port->mp_flags &= ~MSGPORTF_WAITING;
		wake_up_process(port->mp_td);
	}
}

/*
 * Wake a thread port's owner if it sleeps in __lwkt_thread_waitbatch(),
 * after its caller has set the flag the owner checks (the kick).
 */
void __lwkt_thread_kick(lwkt_port_t port)
{
	unsigned long irqflags;

	spin_lock_irqsave(lwkt_port_spin(port), irqflags);
	lwkt_thread_wake_owner(port);
	spin_unlock_irqrestore(lwkt_port_spin(port), irqflags);
}

int __lwkt_thread_putport(lwkt_port_t port, lwkt_msg_t msg)
{
	unsigned long irqflags;

	lwkt_assert_port_context();

	spin_lock_irqsave(lwkt_port_spin(port), irqflags);
	__lwkt_pushmsg(port, msg);
	lwkt_thread_wake_owner(port);
	spin_unlock_irqrestore(lwkt_port_spin(port), irqflags);
	return EASYNC;
}

static void *lwkt_thread_getport(lwkt_port_t port)
{
	unsigned long irqflags;
	lwkt_msg_t msg;

	if (!lwkt_thread_owner_ok(port))
		return NULL;
	spin_lock_irqsave(lwkt_port_spin(port), irqflags);
	msg = __lwkt_pollmsg(port);
	spin_unlock_irqrestore(lwkt_port_spin(port), irqflags);
	return msg;
}

static void *lwkt_thread_waitport(lwkt_port_t port, int flags)
{
	unsigned int state = lwkt_sleep_state(flags, TASK_IDLE);
	lwkt_msg_t msg;

	if (!lwkt_thread_owner_ok(port))
		return NULL;
	might_sleep();
	lwkt_spin_until(!list_empty(&port->mp_msgq));
	for (;;) {
		spin_lock_irq(lwkt_port_spin(port));
		msg = __lwkt_pollmsg(port);
		if (!msg) {
			port->mp_flags |= MSGPORTF_WAITING;
			set_current_state(state);
		}
		spin_unlock_irq(lwkt_port_spin(port));
		if (msg)
			return msg;
		if (signal_pending_state(state, current) || lwkt_wait_stop())
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
	spin_lock_irq(lwkt_port_spin(port));
	port->mp_flags &= ~MSGPORTF_WAITING;
	spin_unlock_irq(lwkt_port_spin(port));
	return NULL;
}

/**
 * __lwkt_thread_waitbatch() - receive up to @max messages in one go
 * @port: a thread port owned by current
 * @batch: list the messages are appended to, in queue order
 * @max: most messages to take
 * @kick: if not NULL, also return (0) when the queue is empty and this
 *	is true; a caller that sets it wakes the owner with wake_up_process()
 *
 * lwkt_waitport() for a service thread that drains its queue: one lock
 * round trip per batch instead of one per message.  A message in @batch
 * has been received (dequeued, so lwkt_dropmsg() no longer takes it).
 *
 * Return: the number of messages taken; 0 once kthread_stop() was called
 * and the queue is empty, or on @kick.
 */
unsigned int __lwkt_thread_waitbatch(lwkt_port_t port, struct list_head *batch,
				     unsigned int max, const bool *kick)
{
	unsigned int n;
	lwkt_msg_t msg;

	might_sleep();
	lwkt_spin_until(!list_empty(&port->mp_msgq) ||
			(kick && READ_ONCE(*kick)));
	for (;;) {
		n = 0;
		spin_lock_irq(lwkt_port_spin(port));
		while (n < max && (msg = __lwkt_pollmsg(port))) {
			list_add_tail(&msg->ms_node, batch);
			n++;
		}
		if (!n) {
			port->mp_flags |= MSGPORTF_WAITING;
			set_current_state(TASK_IDLE);
		}
		spin_unlock_irq(lwkt_port_spin(port));
		if (n)
			return n;
		if (lwkt_wait_stop() || (kick && READ_ONCE(*kick)))
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
	spin_lock_irq(lwkt_port_spin(port));
	port->mp_flags &= ~MSGPORTF_WAITING;
	spin_unlock_irq(lwkt_port_spin(port));
	return 0;
}

/* lwkt_waitmsg() for ports locked by mp_wq.lock (thread and spin). */
static int lwkt_spin_waitmsg(lwkt_msg_t msg, int flags)
{
	lwkt_port_t port = msg->ms_reply_port;
	unsigned long irqflags;
	int intr;

	intr = __lwkt_wait_done(msg, flags, NULL, port);
	if (READ_ONCE(msg->ms_flags) & MSGF_QUEUED) {
		/* Async reply: take it off the reply port. */
		spin_lock_irqsave(lwkt_port_spin(port), irqflags);
		if (READ_ONCE(msg->ms_qport) == port)
			__lwkt_pullmsg(port, msg);
		spin_unlock_irqrestore(lwkt_port_spin(port), irqflags);
	}
	return lwkt_wait_result(msg, intr);
}

static int lwkt_thread_waitmsg(lwkt_msg_t msg, int flags)
{
	lwkt_port_t port = msg->ms_reply_port;

	/* An async reply is a message for the owner to receive. */
	if (!lwkt_thread_owner_ok(port))
		return -EPERM;
	return lwkt_spin_waitmsg(msg, flags);
}

static void lwkt_queue_replyport(lwkt_port_t port, lwkt_msg_t msg);

/*
 * Queue the asynchronous replies on @list (ms_error set, in order) to
 * @port, a thread or spin port, under one lock, and wake its receiver
 * once.  Empties @list.  An lwkt_waitmsg() sleeper of a message is woken
 * by address under the lock: once MSGF_DONE is set, the message may be
 * dequeued and freed as soon as the lock is dropped.
 */
void __lwkt_queue_replies(lwkt_port_t port, struct list_head *list)
{
	unsigned long irqflags;
	lwkt_msg_t msg, tmp;
	int n = 0;
	bool waiter;

	lwkt_assert_port_context();

	spin_lock_irqsave(lwkt_port_spin(port), irqflags);
	list_for_each_entry_safe(msg, tmp, list, ms_node) {
		list_del_init(&msg->ms_node);
		clear_bit(LWKT_MSG_HELD, &msg->ms_state);
		__lwkt_pushmsg(port, msg);
		n++;
		waiter = test_bit(LWKT_MSG_WAITER, &msg->ms_state);
		__lwkt_setdone(msg, MSGF_REPLY);
		/* Set under this lock by __lwkt_wait_done(), once queued. */
		if (waiter)
			wake_up_var(&msg->ms_flags);
	}
	if (port->mp_td)	/* a thread port: its owner */
		lwkt_thread_wake_owner(port);
	else	/* One exclusive receiver per message. */
		__wake_up_locked(&port->mp_wq, TASK_NORMAL, n);
	spin_unlock_irqrestore(lwkt_port_spin(port), irqflags);
}

/**
 * __lwkt_reply_deferrable() - may a reply to @msg be queued later?
 * @msg: a message its caller has received and is about to reply to
 * @error: its result
 *
 * For a service thread that holds back the replies of a batch.
 *
 * Return: true (and ms_error and LWKT_MSG_HELD set) if @msg is an
 * asynchronous message with a thread or spin reply port, to be queued by
 * __lwkt_queue_replies(); false if it must go through lwkt_replymsg() now.
 */
bool __lwkt_reply_deferrable(lwkt_msg_t msg, int error)
{
	lwkt_port_t port = msg->ms_reply_port;

	if (!port || (msg->ms_flags & (MSGF_SYNC | MSGF_DONE | MSGF_QUEUED)) ||
	    test_bit(LWKT_MSG_HELD, &msg->ms_state) ||
	    port->mp_replyport != lwkt_queue_replyport)
		return false;
	msg->ms_error = error;
	set_bit(LWKT_MSG_HELD, &msg->ms_state);
	return true;
}

/* The replyport of thread and spin ports: queue and wake a receiver. */
static void lwkt_queue_replyport(lwkt_port_t port, lwkt_msg_t msg)
{
	LIST_HEAD(one);

	if (msg->ms_flags & MSGF_SYNC) {
		lwkt_complete_sync(msg);
		return;
	}
	list_add(&msg->ms_node, &one);
	__lwkt_queue_replies(port, &one);
}

/* lwkt_dropmsg() for ports locked by mp_wq.lock (thread and spin). */
static int lwkt_spin_dropmsg(lwkt_port_t port, lwkt_msg_t msg)
{
	unsigned long irqflags;
	int error = -ENOENT;

	lwkt_assert_port_context();

	spin_lock_irqsave(lwkt_port_spin(port), irqflags);
	if (READ_ONCE(msg->ms_qport) == port && !(msg->ms_flags & MSGF_REPLY)) {
		__lwkt_pullmsg(port, msg);
		msg->ms_error = -ECANCELED;
		lwkt_setdone_wake(msg, 0);
		error = 0;
	}
	spin_unlock_irqrestore(lwkt_port_spin(port), irqflags);
	return error;
}

/* ---------------------------------------------------------------------
 * Spin ports: a spinlock and a wait queue; receivers compete.
 */

static int lwkt_spin_putport(lwkt_port_t port, lwkt_msg_t msg)
{
	unsigned long irqflags;

	lwkt_assert_port_context();

	spin_lock_irqsave(lwkt_port_spin(port), irqflags);
	__lwkt_pushmsg(port, msg);
	wake_up_locked(&port->mp_wq);
	spin_unlock_irqrestore(lwkt_port_spin(port), irqflags);
	return EASYNC;
}

static void *lwkt_spin_getport(lwkt_port_t port)
{
	unsigned long irqflags;
	lwkt_msg_t msg;

	spin_lock_irqsave(lwkt_port_spin(port), irqflags);
	msg = __lwkt_pollmsg(port);
	spin_unlock_irqrestore(lwkt_port_spin(port), irqflags);
	return msg;
}

static void *lwkt_spin_waitport(lwkt_port_t port, int flags)
{
	unsigned int state = lwkt_sleep_state(flags, TASK_IDLE);
	wait_queue_entry_t wait;
	lwkt_msg_t msg;

	might_sleep();
	init_wait_entry(&wait, WQ_FLAG_EXCLUSIVE);
	lwkt_spin_until(!list_empty(&port->mp_msgq));
	spin_lock_irq(lwkt_port_spin(port));
	while (!(msg = __lwkt_pollmsg(port))) {
		/* A wake-up removes us from the queue: join it again. */
		if (list_empty(&wait.entry))
			__add_wait_queue_entry_tail(&port->mp_wq, &wait);
		set_current_state(state);
		if (signal_pending_state(state, current) || lwkt_wait_stop())
			break;
		spin_unlock_irq(lwkt_port_spin(port));
		schedule();
		spin_lock_irq(lwkt_port_spin(port));
	}
	if (!list_empty(&wait.entry))
		list_del_init(&wait.entry);
	__set_current_state(TASK_RUNNING);
	/* We may have taken a wake-up meant for a message: pass it on. */
	if (!msg && !list_empty(&port->mp_msgq))
		wake_up_locked(&port->mp_wq);
	spin_unlock_irq(lwkt_port_spin(port));
	return msg;
}

/* ---------------------------------------------------------------------
 * Serializer ports: guarded by a caller-supplied lwkt_serialize.  put,
 * reply and drop take it unless their caller holds it already (DragonFly's
 * callers do); get, wait and waitmsg need the caller to hold it.
 */

/* Take @slz unless current holds it; true if it was taken here. */
static bool lwkt_serialize_enter_unheld(struct lwkt_serialize *slz)
{
	if (lwkt_serialize_held(slz))
		return false;
	lwkt_serialize_enter(slz);
	return true;
}

static int lwkt_serialize_putport(lwkt_port_t port, lwkt_msg_t msg)
{
	bool taken = lwkt_serialize_enter_unheld(port->mpu_serialize);

	__lwkt_pushmsg(port, msg);
	wake_up(&port->mp_wq);
	if (taken)
		lwkt_serialize_exit(port->mpu_serialize);
	return EASYNC;
}

static void *lwkt_serialize_getport(lwkt_port_t port)
{
	return __lwkt_pollmsg(port);
}

static void *lwkt_serialize_waitport(lwkt_port_t port, int flags)
{
	unsigned int state = lwkt_sleep_state(flags, TASK_IDLE);
	lwkt_msg_t msg;
	DEFINE_WAIT(wait);

	lwkt_port_assert_locked(port);
	might_sleep();
	while (!(msg = __lwkt_pollmsg(port))) {
		prepare_to_wait_exclusive(&port->mp_wq, &wait, state);
		if (signal_pending_state(state, current) || lwkt_wait_stop()) {
			finish_wait(&port->mp_wq, &wait);
			if (!list_empty(&port->mp_msgq))
				wake_up(&port->mp_wq);
			return NULL;
		}
		lwkt_serialize_exit(port->mpu_serialize);
		schedule();
		lwkt_serialize_enter(port->mpu_serialize);
		finish_wait(&port->mp_wq, &wait);
	}
	return msg;
}

static int lwkt_serialize_waitmsg(lwkt_msg_t msg, int flags)
{
	lwkt_port_t port = msg->ms_reply_port;
	int intr;

	lwkt_port_assert_locked(port);
	intr = __lwkt_wait_done(msg, flags, port->mpu_serialize, NULL);
	if (msg->ms_qport == port)
		__lwkt_pullmsg(port, msg);
	return lwkt_wait_result(msg, intr);
}

static void lwkt_serialize_replyport(lwkt_port_t port, lwkt_msg_t msg)
{
	bool taken;

	if (msg->ms_flags & MSGF_SYNC) {
		lwkt_complete_sync(msg);
		return;
	}
	taken = lwkt_serialize_enter_unheld(port->mpu_serialize);
	__lwkt_pushmsg(port, msg);
	__lwkt_setdone(msg, MSGF_REPLY);
	wake_up(&port->mp_wq);
	if (taken)
		lwkt_serialize_exit(port->mpu_serialize);
	lwkt_wake_msg(msg);
}

static int lwkt_serialize_dropmsg(lwkt_port_t port, lwkt_msg_t msg)
{
	bool taken = lwkt_serialize_enter_unheld(port->mpu_serialize);
	int error = -ENOENT;

	if (READ_ONCE(msg->ms_qport) == port && !(msg->ms_flags & MSGF_REPLY)) {
		__lwkt_pullmsg(port, msg);
		msg->ms_error = -ECANCELED;
		lwkt_setdone_wake(msg, 0);
		error = 0;
	}
	if (taken)
		lwkt_serialize_exit(port->mpu_serialize);
	return error;
}

/* ---------------------------------------------------------------------
 * Panic handlers.  DragonFly panics; here each WARNs once and fails.
 */

static int lwkt_panic_putport(lwkt_port_t port, lwkt_msg_t msg)
{
	WARN_ONCE(1, "msgport: message sent to port %p, which takes none\n",
		  port);
	return -EOPNOTSUPP;
}

static void *lwkt_panic_getport(lwkt_port_t port)
{
	WARN_ONCE(1, "msgport: receive from port %p, which has no queue\n",
		  port);
	return NULL;
}

static void *lwkt_panic_waitport(lwkt_port_t port, int flags)
{
	WARN_ONCE(1, "msgport: wait on port %p, which has no queue\n", port);
	return NULL;
}

static int lwkt_panic_waitmsg(lwkt_msg_t msg, int flags)
{
	WARN_ONCE(1, "msgport: waitmsg on reply port %p, which cannot wait\n",
		  msg->ms_reply_port);
	return -EOPNOTSUPP;
}

/* The message is not lost: it is marked done so that nobody hangs. */
static void lwkt_panic_replyport(lwkt_port_t port, lwkt_msg_t msg)
{
	WARN_ONCE(1, "msgport: reply to port %p, which takes none\n", port);
	lwkt_complete_sync(msg);
}

/*
 * The replyport of service ports: a reply queued there would run as a new
 * command.  lwkt_sendmsg() refuses such a reply port; a lwkt_domsg()
 * message never reaches here (MSGF_SYNC is completed by the caller).
 */
static void lwkt_refused_replyport(lwkt_port_t port, lwkt_msg_t msg)
{
	WARN_ONCE(1, "msgport: reply to port %p, which takes no replies\n",
		  port);
	lwkt_complete_sync(msg);
}

/**
 * __lwkt_initport_service() - make a thread port a service port
 * @port: a thread port, initialised
 * @putport: its putport
 *
 * A service port is not a reply port: lwkt_sendmsg() refuses it as one.
 */
void __lwkt_initport_service(lwkt_port_t port,
			     int (*putport)(lwkt_port_t, lwkt_msg_t))
{
	port->mp_putport = putport;
	port->mp_replyport = lwkt_refused_replyport;
}

/* Nothing is ever queued on a port without a queue. */
static int lwkt_nodrop_dropmsg(lwkt_port_t port, lwkt_msg_t msg)
{
	return -ENOENT;
}

/* replyonly_null: a reply just marks the message done. */
static void lwkt_null_replyport(lwkt_port_t port, lwkt_msg_t msg)
{
	lwkt_complete_sync(msg);
}

/* waitmsg for replyonly_null ports and NULL reply ports: wait for DONE. */
static int lwkt_null_waitmsg(lwkt_msg_t msg, int flags)
{
	return lwkt_wait_result(msg, __lwkt_wait_done(msg, flags, NULL, NULL));
}

/* ---------------------------------------------------------------------
 * Port initialisers.
 */

static void lwkt_initport(lwkt_port_t port)
{
	INIT_LIST_HEAD(&port->mp_msgq);
	port->mp_flags = 0;
	init_waitqueue_head(&port->mp_wq);
	port->mpu_serialize = NULL;
	port->mp_td = NULL;
	port->mp_putport = lwkt_panic_putport;
	port->mp_getport = lwkt_panic_getport;
	port->mp_waitport = lwkt_panic_waitport;
	port->mp_waitmsg = lwkt_panic_waitmsg;
	port->mp_replyport = lwkt_panic_replyport;
	port->mp_dropmsg = lwkt_nodrop_dropmsg;
}

/**
 * lwkt_initport_thread() - initialise a thread port
 * @port: the port
 * @td: the task that owns it; only @td may receive from it
 *
 * Messages sent to @port are queued and @td is woken with
 * wake_up_process().  lwkt_getport(), lwkt_waitport() and lwkt_waitmsg()
 * of a message replied asynchronously to @port are for @td only; any
 * other caller gets a one-time warning and NULL or -EPERM.  @td must stay
 * alive while messages can be sent or replied to @port.
 *
 * Context: any; the port must not be in use.
 * Return: 0; -EINVAL (and a one-time warning) if @td is NULL, when @port
 * is initialised as a panic port (lwkt_initport_panic()).
 */
int lwkt_initport_thread(lwkt_port_t port, struct task_struct *td)
{
	lwkt_initport(port);
	if (WARN_ONCE(!td, "msgport: thread port %p without a thread\n", port))
		return -EINVAL;
	port->mp_td = td;
	port->mp_putport = __lwkt_thread_putport;
	port->mp_getport = lwkt_thread_getport;
	port->mp_waitport = lwkt_thread_waitport;
	port->mp_waitmsg = lwkt_thread_waitmsg;
	port->mp_replyport = lwkt_queue_replyport;
	port->mp_dropmsg = lwkt_spin_dropmsg;
	return 0;
}
EXPORT_SYMBOL_GPL(lwkt_initport_thread);

/**
 * lwkt_initport_spin() - initialise a spin port
 * @port: the port
 *
 * A spinlock (the lock of @port->mp_wq) protects the queue; any number of
 * tasks may receive, and each message goes to exactly one of them.
 * Sleeping receivers wait exclusively, so a message wakes one receiver.
 *
 * Context: any; the port must not be in use.
 */
void lwkt_initport_spin(lwkt_port_t port)
{
	lwkt_initport(port);
	port->mp_putport = lwkt_spin_putport;
	port->mp_getport = lwkt_spin_getport;
	port->mp_waitport = lwkt_spin_waitport;
	port->mp_waitmsg = lwkt_spin_waitmsg;
	port->mp_replyport = lwkt_queue_replyport;
	port->mp_dropmsg = lwkt_spin_dropmsg;
}
EXPORT_SYMBOL_GPL(lwkt_initport_spin);

/**
 * lwkt_initport_serialize() - initialise a serializer port
 * @port: the port
 * @slz: the lock that guards the port, initialised by the caller
 *
 * Sending to, replying to and dropping from @port take @slz unless the
 * calling task holds it already (DragonFly's callers hold it; callers of
 * the other port types, and the per-CPU service threads replying, do
 * not): both work.  Receiving (lwkt_getport(), lwkt_waitport(), and
 * lwkt_waitmsg() of an asynchronous message replied to @port) requires
 * the caller to hold it, and the waits release it while they sleep.
 * @slz is a sleeping lock: such a port is for process context only.
 *
 * Context: any; the port must not be in use.
 */
void lwkt_initport_serialize(lwkt_port_t port, struct lwkt_serialize *slz)
{
	lwkt_initport(port);
	port->mpu_serialize = slz;
	port->mp_putport = lwkt_serialize_putport;
	port->mp_getport = lwkt_serialize_getport;
	port->mp_waitport = lwkt_serialize_waitport;
	port->mp_waitmsg = lwkt_serialize_waitmsg;
	port->mp_replyport = lwkt_serialize_replyport;
	port->mp_dropmsg = lwkt_serialize_dropmsg;
}
EXPORT_SYMBOL_GPL(lwkt_initport_serialize);

/**
 * lwkt_initport_panic() - initialise a port whose every handler fails
 * @port: the port
 *
 * For a reply port of messages that are never replied to.  Where
 * DragonFly panics, each handler here warns once and fails: a send is
 * completed with -EOPNOTSUPP, a receive returns NULL, a reply marks the
 * message done (so that nothing waits forever).
 *
 * Context: any; the port must not be in use.
 */
void lwkt_initport_panic(lwkt_port_t port)
{
	lwkt_initport(port);
}
EXPORT_SYMBOL_GPL(lwkt_initport_panic);

/**
 * lwkt_initport_replyonly_null() - initialise a reply port that only marks
 * @port: the port
 *
 * A reply to @port sets MSGF_DONE on the message and wakes lwkt_waitmsg()
 * sleepers; nothing is queued.  lwkt_waitmsg() works on messages whose
 * reply port this is; put, get and wait are those of a panic port.
 *
 * Context: any; the port must not be in use.
 */
void lwkt_initport_replyonly_null(lwkt_port_t port)
{
	lwkt_initport(port);
	port->mp_replyport = lwkt_null_replyport;
	port->mp_waitmsg = lwkt_null_waitmsg;
}
EXPORT_SYMBOL_GPL(lwkt_initport_replyonly_null);

/**
 * lwkt_initport_replyonly() - initialise a reply port with a custom handler
 * @port: the port
 * @rportfn: called for each message replied to @port
 *
 * @rportfn takes over the message (typically to free it, see msgport(9)
 * example 2); it runs in the replier's context.  The other handlers are
 * panic handlers.
 *
 * Context: any; the port must not be in use.
 * Return: 0; -EINVAL (and a one-time warning) if @rportfn is NULL, when
 * @port is initialised as a panic port (lwkt_initport_panic()).
 */
int lwkt_initport_replyonly(lwkt_port_t port,
			    void (*rportfn)(lwkt_port_t, lwkt_msg_t))
{
	lwkt_initport(port);
	if (WARN_ONCE(!rportfn, "msgport: reply-only port %p without a handler\n",
		      port))
		return -EINVAL;
	port->mp_replyport = rportfn;
	return 0;
}
EXPORT_SYMBOL_GPL(lwkt_initport_replyonly);

/**
 * lwkt_initport_putonly() - initialise a target port with a custom handler
 * @port: the port
 * @pportfn: called for each message sent to @port
 *
 * @pportfn runs in the sender's context.  It returns EASYNC if it took the
 * message (it must then reply to it later), or a result (0 or a negative
 * errno) with which the message is completed at once.  Get, wait, waitmsg
 * and reply are those of a panic port.
 *
 * Context: any; the port must not be in use.
 */
void lwkt_initport_putonly(lwkt_port_t port,
			   int (*pportfn)(lwkt_port_t, lwkt_msg_t))
{
	lwkt_initport(port);
	port->mp_putport = pportfn;
}
EXPORT_SYMBOL_GPL(lwkt_initport_putonly);

/* ---------------------------------------------------------------------
 * Message functions.
 */

/**
 * lwkt_initmsg() - initialise a message
 * @msg: the message
 * @rport: where asynchronous replies go; may be NULL for a message only
 *	ever sent with lwkt_domsg()
 * @flags: MSGF_DROPABLE, MSGF_PCATCH, MSGF_USER* as required
 *
 * Sets ms_flags to MSGF_DONE | @flags (the message starts with its
 * sender) and resets the message's internal state; ms_cmd and u are left
 * for the caller, who may set them before or after.  Flags the message
 * layer maintains (MSGF_DONE, REPLY, QUEUED, SYNC) and MSGF_ABORTABLE
 * (see lwkt_initmsg_abortable()) are ignored in @flags.  Must not be used
 * on a message that is in flight or whose reply is still queued.
 *
 * Context: any.
 */
void lwkt_initmsg(lwkt_msg_t msg, lwkt_port_t rport, int flags)
{
	INIT_LIST_HEAD(&msg->ms_node);
	msg->ms_target_port = NULL;
	msg->ms_reply_port = rport;
	msg->ms_abortfn = NULL;
	msg->ms_flags = MSGF_DONE | (flags & ~LWKT_MSGF_INTERNAL);
	msg->ms_error = 0;
	msg->ms_qport = NULL;
	msg->ms_state = 0;
	msg->ms_waiter = NULL;
}
EXPORT_SYMBOL_GPL(lwkt_initmsg);

/**
 * lwkt_initmsg_abortable() - initialise a message that may be aborted
 * @msg: the message
 * @rport: as for lwkt_initmsg()
 * @flags: as for lwkt_initmsg()
 * @abortfn: called by lwkt_abortmsg(), at most once per send
 *
 * As lwkt_initmsg(), plus MSGF_ABORTABLE.  @abortfn asks the receiver to
 * finish early; it may for instance lwkt_dropmsg() a still-queued message
 * or wake the receiver, which sees lwkt_msg_aborted().  The message is
 * still replied to (or dropped) as usual afterwards.
 *
 * Context: any.
 */
void lwkt_initmsg_abortable(lwkt_msg_t msg, lwkt_port_t rport, int flags,
			    void (*abortfn)(lwkt_msg_t))
{
	lwkt_initmsg(msg, rport, flags);
	if (abortfn) {
		msg->ms_abortfn = abortfn;
		msg->ms_flags |= MSGF_ABORTABLE;
	}
}
EXPORT_SYMBOL_GPL(lwkt_initmsg_abortable);

static void lwkt_refused_replyport(lwkt_port_t port, lwkt_msg_t msg);

/*
 * An asynchronous message needs a reply port, and not one whose receiver
 * would take the reply for a new message (a service port).
 */
static int lwkt_rport_ok(lwkt_port_t rport)
{
	if (!rport)
		return -EINVAL;
	if (WARN_ONCE(rport->mp_replyport == lwkt_refused_replyport,
		      "msgport: reply port %p takes no replies\n", rport))
		return -EINVAL;
	return 0;
}

/* Take a message that its sender holds and make it ready to go. */
static int lwkt_msg_prepare(lwkt_msg_t msg, int set)
{
	/* In flight, or its async reply still sits on the reply port. */
	if (WARN_ONCE((msg->ms_flags & (MSGF_DONE | MSGF_QUEUED)) != MSGF_DONE,
		      "msgport: message %p sent while in flight\n", msg))
		return -EBUSY;
	msg->ms_flags &= ~(MSGF_REPLY | MSGF_SYNC | MSGF_DONE);
	msg->ms_flags |= set;
	msg->ms_state = 0;
	msg->ms_waiter = (set & MSGF_SYNC) ? current : NULL;
	return 0;
}

/* lwkt_beginmsg(), inlined into the send paths: one call level less. */
static __always_inline int __lwkt_beginmsg(lwkt_port_t port, lwkt_msg_t msg)
{
	WRITE_ONCE(msg->ms_target_port, port);
	trace_msgport_send(port, msg, msg->ms_flags, msg->ms_cmd.cm_func);
	/* Built-in ports without a retpoline; see lwkt_replymsg(). */
	return INDIRECT_CALL_3(port->mp_putport, lwkt_service_putport,
			       lwkt_spin_putport, __lwkt_thread_putport,
			       port, msg);
}

/**
 * lwkt_beginmsg() - hand a message to a port's putport handler
 * @port: the target port
 * @msg: the message
 *
 * Records @port as the message's target and calls its putport handler;
 * nothing else (no flag preparation, no reply on a synchronous result).
 * Used by lwkt_sendmsg() and lwkt_domsg(); rarely needed directly.
 *
 * Context: that of @port's putport (any for thread and spin ports).
 * Return: EASYNC if the message was queued, else the synchronous result.
 */
int lwkt_beginmsg(lwkt_port_t port, lwkt_msg_t msg)
{
	return __lwkt_beginmsg(port, msg);
}
EXPORT_SYMBOL_GPL(lwkt_beginmsg);

/**
 * lwkt_sendmsg() - send a message, asking for an asynchronous reply
 * @port: the target port
 * @msg: the message, initialised and not in flight
 *
 * Returns at once.  The reply is queued to (or handled by) the message's
 * reply port; a putport that completes synchronously has already replied
 * when this returns.
 *
 * Context: any for thread and spin ports (target and reply), but hard
 * interrupt context on PREEMPT_RT (see Documentation/msgport.rst);
 * process context for serializer ports.
 * Return: 0 once sent; -EINVAL if @msg has no reply port, or (with a
 * one-time warning) if it is a service port; -EBUSY (and a
 * one-time warning) if @msg is in flight or its last reply is still
 * queued on the reply port.
 */
int lwkt_sendmsg(lwkt_port_t port, lwkt_msg_t msg)
{
	int error;

	error = lwkt_rport_ok(msg->ms_reply_port);
	if (error)
		return error;
	error = lwkt_msg_prepare(msg, 0);
	if (error)
		return error;
	error = __lwkt_beginmsg(port, msg);
	if (error != EASYNC)
		lwkt_replymsg(msg, error);
	return 0;
}
EXPORT_SYMBOL_GPL(lwkt_sendmsg);

/**
 * lwkt_sendmsg_idle() - send a message unless it is already in flight
 * @port: the target port
 * @msg: the message, initialised
 *
 * DragonFly's ``if (msg->ms_flags & MSGF_DONE) lwkt_sendmsg(port, msg)``
 * for a message embedded in an object and sent whenever there is work,
 * made atomic (the PENDING bit of queue_work()): of any number of
 * concurrent callers, on any CPUs, exactly one sends a message that is
 * done; the others, and any caller while it is in flight or its reply
 * still sits on the reply port, leave it alone.  Meant for reply ports that
 * dispose of the reply themselves (lwkt_initport_replyonly_null(),
 * lwkt_initport_replyonly()), so that the message is idle again as soon
 * as it has been replied to.
 *
 * Context: as lwkt_sendmsg().
 * Return: 0 if this call sent @msg; -EBUSY if it was in flight (no
 * warning); -EINVAL as lwkt_sendmsg().
 */
int lwkt_sendmsg_idle(lwkt_port_t port, lwkt_msg_t msg)
{
	int old, error;

	error = lwkt_rport_ok(msg->ms_reply_port);
	if (error)
		return error;
	/* Claim the message: clear MSGF_DONE while it is done and idle. */
	old = READ_ONCE(msg->ms_flags);
	do {
		if ((old & (MSGF_DONE | MSGF_QUEUED)) != MSGF_DONE)
			return -EBUSY;
	} while (!try_cmpxchg(&msg->ms_flags, &old,
			      old & ~(MSGF_DONE | MSGF_REPLY | MSGF_SYNC)));
	/* Ours now: what lwkt_msg_prepare() does for a claimed message. */
	msg->ms_state = 0;
	msg->ms_waiter = NULL;
	error = __lwkt_beginmsg(port, msg);
	if (error != EASYNC)
		lwkt_replymsg(msg, error);
	return 0;
}
EXPORT_SYMBOL_GPL(lwkt_sendmsg_idle);

/**
 * lwkt_domsg() - send a message and wait for the reply
 * @port: the target port
 * @msg: the message, initialised and not in flight
 * @flags: MSGF_PCATCH to let a signal interrupt the wait
 *
 * The reply is synchronous: the receiver's lwkt_replymsg() wakes this
 * caller without queueing the message anywhere.  A putport that completes
 * synchronously returns its result at once, in the caller's context.
 *
 * With MSGF_PCATCH (in @flags or on the message) a signal aborts the
 * message with lwkt_abortmsg(); the call still returns only once the
 * receiver has given the message back.  If the receiver replied, the
 * result is its reply's, so a caller never retries an operation that was
 * carried out; -EINTR means the message was dropped and never ran.
 *
 * Context: process context; sleeps unless the putport is synchronous.
 * Return: the reply's error (0 or a negative errno); -EINTR as above;
 * -EBUSY if @msg is in flight or its last reply is still queued;
 * -EINVAL if the reply port cannot wait.
 */
int lwkt_domsg(lwkt_port_t port, lwkt_msg_t msg, int flags)
{
	lwkt_port_t rport = msg->ms_reply_port;
	int error;

	if (rport && rport->mp_waitmsg == lwkt_panic_waitmsg)
		return -EINVAL;
	error = lwkt_msg_prepare(msg, MSGF_SYNC);
	if (error)
		return error;
	error = __lwkt_beginmsg(port, msg);
	if (error == EASYNC)
		return lwkt_waitmsg(msg, flags);
	msg->ms_error = error;
	msg->ms_flags |= MSGF_DONE | MSGF_REPLY;
	return error;
}
EXPORT_SYMBOL_GPL(lwkt_domsg);

/**
 * lwkt_forwardmsg() - pass a received message on to another port
 * @port: the new target
 * @msg: a message its caller has received and not replied to
 *
 * The message keeps its reply port and sync/async mode.  If @port's
 * putport completes it synchronously, the message is replied to with that
 * result.
 *
 * Context: as lwkt_sendmsg().
 * Return: EASYNC if queued, else the synchronous result; -EINVAL (and a
 * one-time warning) if @msg is queued, done or already replied.
 */
int lwkt_forwardmsg(lwkt_port_t port, lwkt_msg_t msg)
{
	int error;

	if (WARN_ONCE((msg->ms_flags & (MSGF_QUEUED | MSGF_DONE | MSGF_REPLY)) ||
		      test_bit(LWKT_MSG_HELD, &msg->ms_state),
		      "msgport: forward of message %p not held by a receiver\n",
		      msg))
		return -EINVAL;
	trace_msgport_forward(port, msg);
	error = __lwkt_beginmsg(port, msg);
	if (error != EASYNC)
		lwkt_replymsg(msg, error);
	return error;
}
EXPORT_SYMBOL_GPL(lwkt_forwardmsg);

/**
 * lwkt_abortmsg() - ask for a message in flight to be aborted
 * @msg: a message its caller has sent
 *
 * If @msg is abortable, still in flight and not yet aborted in this send,
 * marks it aborted (see lwkt_msg_aborted()) and calls its ms_abortfn.  The
 * abort is a request: the message still comes back through a reply or a
 * drop.  Otherwise does nothing.  The abort function may race with the
 * reply, so it must cope with a message that is already done.  When
 * called from a MSGF_PCATCH wait it runs with no port lock held.
 *
 * Context: that of the message's abortfn; only the sender may abort.
 */
void lwkt_abortmsg(lwkt_msg_t msg)
{
	if (!(READ_ONCE(msg->ms_flags) & MSGF_ABORTABLE) || lwkt_msg_done(msg))
		return;
	if (test_and_set_bit(LWKT_MSG_ABORTED, &msg->ms_state))
		return;
	trace_msgport_abort(msg);
	msg->ms_abortfn(msg);
}
EXPORT_SYMBOL_GPL(lwkt_abortmsg);

/**
 * lwkt_replymsg() - reply to a received message
 * @msg: a message its caller has received
 * @error: the result, 0 or a negative errno, stored in ms_error
 *
 * A message sent with lwkt_domsg() is handed straight back to its waiter.
 * Otherwise the reply port's replyport handler takes it (thread and spin
 * ports queue it and wake a receiver).  After this call the caller must
 * not touch @msg.
 *
 * Context: any for thread and spin reply ports (not hard interrupt
 * context on PREEMPT_RT); process context for serializer ports; that of
 * the handler for replyonly ports.
 */
void lwkt_replymsg(lwkt_msg_t msg, int error)
{
	lwkt_port_t port = msg->ms_reply_port;

	/* A service thread's held-back replies go first, in order. */
	lwkt_service_flush_replies();
	if (WARN_ONCE((msg->ms_flags & (MSGF_DONE | MSGF_QUEUED)) ||
		      test_bit(LWKT_MSG_HELD, &msg->ms_state),
		      "msgport: reply to message %p not held by a receiver\n",
		      msg))
		return;
	trace_msgport_reply(port, msg, error);
	msg->ms_error = error;
	if (!port) {
		/* Only lwkt_domsg() messages may lack a reply port. */
		WARN_ON_ONCE(!(msg->ms_flags & MSGF_SYNC));
		lwkt_complete_sync(msg);
		return;
	}
	/*
	 * The built-in handlers are called directly: with retpolines an
	 * indirect call per operation is a measurable part of a message's
	 * cost (see Documentation/benchmarks.rst).
	 */
	INDIRECT_CALL_1(port->mp_replyport, lwkt_queue_replyport, port, msg);
}
EXPORT_SYMBOL_GPL(lwkt_replymsg);

/**
 * lwkt_dropmsg() - take back a message that is still queued on its target
 * @msg: a message its caller has sent, initialised with MSGF_DROPABLE
 *
 * If @msg still sits on the queue of the port it was last sent or
 * forwarded to, removes it, sets ms_error to -ECANCELED and MSGF_DONE (as
 * if never sent: nothing is queued to the reply port) and wakes an
 * lwkt_domsg() waiter.  A message a receiver has already taken cannot be
 * dropped; it will be replied to.
 *
 * Context: as lwkt_sendmsg().
 * The ports the message was sent or forwarded to must still exist.
 *
 * Return: 0 if dropped; -ENOENT if not queued on its target (done, being
 * processed, replied, in transit, or sent to a port without a queue);
 * -EINVAL if not MSGF_DROPABLE.
 */
int lwkt_dropmsg(lwkt_msg_t msg)
{
	lwkt_port_t port;
	int error;

	if (!(READ_ONCE(msg->ms_flags) & MSGF_DROPABLE))
		return -EINVAL;
	if (lwkt_msg_done(msg))
		return -ENOENT;
	port = READ_ONCE(msg->ms_target_port);
	if (!port)
		return -ENOENT;
	error = port->mp_dropmsg(port, msg);
	trace_msgport_drop(msg, error);
	if (!error)
		lwkt_wake_msg(msg);
	return error;
}
EXPORT_SYMBOL_GPL(lwkt_dropmsg);

/**
 * lwkt_getport() - receive a message if one is queued
 * @port: the port
 *
 * Context: any for spin ports; the owner for thread ports; serializer
 * held for serializer ports.
 * Return: the oldest queued message, dequeued, or NULL.
 */
void *lwkt_getport(lwkt_port_t port)
{
	return INDIRECT_CALL_2(port->mp_getport, lwkt_spin_getport,
			       lwkt_thread_getport, port);
}
EXPORT_SYMBOL_GPL(lwkt_getport);

/**
 * lwkt_waitport() - receive a message, sleeping until one arrives
 * @port: the port
 * @flags: MSGF_PCATCH to let a signal end the wait
 *
 * A kthread also returns when kthread_stop() is called on it and the
 * queue is empty, so a msgport(9)-style service loop
 * ``while ((msg = lwkt_waitport(port, 0)) != NULL)`` drains its port and
 * ends.  An uninterruptible wait sleeps in TASK_IDLE.
 *
 * Context: process context; the owner for thread ports; serializer held
 * for serializer ports (released while sleeping).
 * Return: the oldest queued message, dequeued; NULL on a signal
 * (MSGF_PCATCH), on kthread_stop(), or for a caller not allowed to
 * receive.
 */
void *lwkt_waitport(lwkt_port_t port, int flags)
{
	return INDIRECT_CALL_2(port->mp_waitport, lwkt_spin_waitport,
			       lwkt_thread_waitport, port, flags);
}
EXPORT_SYMBOL_GPL(lwkt_waitport);

/**
 * lwkt_waitmsg() - wait for a sent message to be done
 * @msg: a message its caller has sent
 * @flags: MSGF_PCATCH to let a signal abort the message (see lwkt_domsg())
 *
 * Sleeps (TASK_UNINTERRUPTIBLE, or interruptibly with MSGF_PCATCH until
 * the abort) until MSGF_DONE.  A message sent with lwkt_domsg() is waited
 * for without involving its reply port.  For an asynchronous message the
 * reply port's waitmsg handler waits and then dequeues the reply from
 * the port.
 *
 * Context: process context.  For an asynchronous message: the owner, if
 * the reply port is a thread port; the serializer held (and released
 * while sleeping), if it is a serializer port.
 * Return: the reply's ms_error, even if a signal came (see lwkt_domsg());
 * -EINTR if a signal aborted the message and it was dropped unrun;
 * -EPERM (and a one-time warning) for a caller not allowed to receive on
 * the reply port, or for any task but the sender of a message sent with
 * lwkt_domsg(), whose reply wakes the sender only; -EOPNOTSUPP (and a one-time warning) if the reply port
 * has no queue to wait on (panic, replyonly and putonly ports).
 */
int lwkt_waitmsg(lwkt_msg_t msg, int flags)
{
	lwkt_port_t port = msg->ms_reply_port;
	int mflags = READ_ONCE(msg->ms_flags);

	flags |= mflags & MSGF_PCATCH;
	/* A synchronous reply is never queued: no port, no lock involved. */
	if (mflags & MSGF_SYNC) {
		/* Its replier wakes the lwkt_domsg() caller and nobody else. */
		if (WARN_ONCE(msg->ms_waiter != current,
			      "msgport: waitmsg on message %p, which another task sent with lwkt_domsg()\n",
			      msg))
			return -EPERM;
		return lwkt_wait_result(msg, lwkt_wait_sync(msg, flags));
	}
	if (!port)
		return lwkt_null_waitmsg(msg, flags);
	return INDIRECT_CALL_2(port->mp_waitmsg, lwkt_spin_waitmsg,
			       lwkt_thread_waitmsg, msg, flags);
}
EXPORT_SYMBOL_GPL(lwkt_waitmsg);

/**
 * lwkt_checkmsg() - has a sent message come back?
 * @msg: the message
 *
 * Context: any.
 * Return: non-zero (MSGF_DONE) if the message is done, else 0.
 */
int lwkt_checkmsg(lwkt_msg_t msg)
{
	return lwkt_msg_done(msg) ? MSGF_DONE : 0;
}
EXPORT_SYMBOL_GPL(lwkt_checkmsg);
