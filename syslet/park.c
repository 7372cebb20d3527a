// SPDX-License-Identifier: GPL-2.0
/*
 * syslet: parking.  A worker runs an atom that reads a socket or a pipe
 * without blocking; if it would block, the chain is parked on
 * the file's wait queue and the worker goes on to other chains, as
 * io_uring arms a poll instead of blocking an io-wq thread.  The file's
 * wake-up puts the chain on the context's ready list and wakes an idle
 * worker, which moves it to the context's woken list; whoever takes it
 * runs the atom again.  A chain waiting for the network then holds no
 * thread, and one worker serves many connections, a batch per wake-up.
 *
 * Only reads park (read, readv, recvfrom, recvmsg): a read without
 * blocking returns what a blocking one returns once data is there, where
 * a write without blocking may write less than a blocking one would.
 * Only sockets and pipes park: their wait queue lives as long as the
 * file, which the parked chain holds, and one wait queue says when an
 * atom can go on.  A chain with a deadline does not park (the worker's
 * timer ends a blocking atom), nor an atom whose file is a FIFO open for
 * reading and writing (two wait queues).  Those block as before.
 *
 * States (c->pstate), changed by cmpxchg so that exactly one of the
 * wake-up, the parking worker and a cancel acts on each transition:
 *
 *   NONE -> ARMING       the worker, before vfs_poll()
 *   ARMING -> PARKED     the worker, after it let go of the chain
 *   ARMING -> READY      the wake-up, while the worker parks: the worker
 *                        then queues it itself
 *   PARKED -> READY      the wake-up: onto ctx->ready
 *   PARKED -> CANCELLED  a cancel, after removing the wait entry
 *   READY -> NONE        the worker that moves it to ctx->woken
 *
 * Locking: the wake-up runs under the wait queue's lock, in any context:
 * it takes no lock of ours (ctx->ready is an llist; ctx->idle_task is
 * read under RCU).  A cancel removes the entry under ctx->ring_lock,
 * then the wait queue's lock (ring_lock -> wait queue lock; the wake-up
 * takes the second only).
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/poll.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>

#include "syslet.h"
#include "syslet_trace.h"

struct syslet_park_pt {
	poll_table pt;
	struct syslet_chain *c;
	int heads;
};

/*
 * vfs_poll()'s callback: add the chain's entry to @head; a second wait
 * queue is only counted (the chain then does not park).
 */
static void syslet_park_queue(struct file *file, wait_queue_head_t *head,
			      poll_table *pt)
{
	struct syslet_park_pt *p = container_of(pt, struct syslet_park_pt, pt);

	if (p->heads++)
		return;
	p->c->phead = head;
	add_wait_queue(head, &p->c->pwait);
}

/**
 * syslet_wake_idle() - wake the context's first idle worker, if any
 * @ctx: the context
 *
 * Context: any; takes no lock of the context.
 */
void syslet_wake_idle(struct syslet_ctx *ctx)
{
	struct task_struct *t;

	rcu_read_lock();
	t = READ_ONCE(ctx->idle_task);
	if (t)
		wake_up_process(t);
	rcu_read_unlock();
}

/**
 * syslet_wake_work() - ctx->wake_work: an active worker blocked while
 *	chains wait; wake an idle one for them
 * @work: the context's wake_work
 *
 * Context: hard interrupt (irq_work).
 */
void syslet_wake_work(struct irq_work *work)
{
	syslet_wake_idle(container_of(work, struct syslet_ctx, wake_work));
}

/*
 * Put a woken chain on the context's ready list, and wake an idle worker
 * unless a worker is active: that one drains the list before it sleeps,
 * and if it blocks in an atom first, the scheduler's hook hands the list
 * to an idle worker (worker.c).  As an epoll loop collects the events of
 * many connections per wake-up, one worker then runs many woken chains
 * per wake-up, where waking a worker per chain spread them over as many
 * workers, each woken for one.
 */
static void syslet_park_ready(struct syslet_chain *c)
{
	struct syslet_ctx *ctx = c->ctx;

	llist_add(&c->ready_node, &ctx->ready);	/* a full barrier */
	if (!syslet_workers_active(ctx))
		syslet_wake_idle(ctx);
}

/* The file's wake-up, under its wait queue's lock, in any context. */
static int syslet_park_wake(struct wait_queue_entry *wait, unsigned int mode,
			    int sync, void *key)
{
	struct syslet_chain *c = container_of(wait, struct syslet_chain, pwait);
	__poll_t mask = key_to_poll(key);
	int old;

	if (mask && !(mask & (c->pevents | EPOLLERR | EPOLLHUP | POLLFREE)))
		return 0;
	list_del_init(&wait->entry);
	/*
	 * ARMING first: the parking worker's only move from it is to PARKED
	 * (its other, to NONE, comes after it took the entry off, which
	 * waits for this function).  The other order lost wake-ups: PARKED
	 * failed on ARMING, the worker then made it PARKED, and ARMING
	 * failed on PARKED, with the entry already off the queue.  Nothing
	 * else leaves PARKED meanwhile: a cancel takes the entry off first.
	 */
	old = atomic_cmpxchg(&c->pstate, SYSLET_PARK_ARMING, SYSLET_PARK_READY);
	/*
	 * Once on ctx->ready the chain is a worker's, which may end it and
	 * drop the context's last reference at once: the context is freed
	 * after an RCU grace period, which this read-side section (the
	 * wait queue's lock is a sleeping lock on PREEMPT_RT) holds off.
	 */
	rcu_read_lock();
	if (old == SYSLET_PARK_PARKED &&
	    atomic_cmpxchg(&c->pstate, SYSLET_PARK_PARKED,
			   SYSLET_PARK_READY) == SYSLET_PARK_PARKED)
		syslet_park_ready(c);
	rcu_read_unlock();
	return 1;
}

/* Take the entry off its wait queue, if the wake-up has not. */
static void syslet_park_unqueue(struct syslet_chain *c)
{
	unsigned long flags;

	if (!c->phead)
		return;
	spin_lock_irqsave(&c->phead->lock, flags);
	list_del_init(&c->pwait.entry);
	spin_unlock_irqrestore(&c->phead->lock, flags);
}

/**
 * syslet_park_release() - drop what a parked chain held
 * @c: the chain, no longer parked (its entry off the wait queue)
 */
void syslet_park_release(struct syslet_chain *c)
{
	if (c->pfile)
		fput(c->pfile);
	c->pfile = NULL;
}

/**
 * syslet_file_may_park() - is @fd a socket or a pipe?
 * @fd: an atom's file descriptor, of the worker's files
 *
 * The part of syslet_chain_may_park() that looks at the file.
 *
 * Context: the worker.
 * Return: true if an atom on @fd may run without blocking, to park.
 */
bool syslet_file_may_park(unsigned long fd)
{
	struct file *file;
	umode_t mode;

	file = fget(fd);
	if (!file)
		return false;
	mode = file_inode(file)->i_mode;
	fput(file);
	return S_ISSOCK(mode) || S_ISFIFO(mode);
}

/* May atom r->cur of @c park on @file? */
static bool syslet_parkable(struct syslet_worker *w, struct file *file)
{
	umode_t mode = file_inode(file)->i_mode;

	if (!READ_ONCE(syslet_park) || w->run.deadline ||
	    READ_ONCE(w->chain->cancelled) || READ_ONCE(w->chain->cancel_code))
		return false;
	return (S_ISSOCK(mode) || S_ISFIFO(mode)) && file_can_poll(file);
}

/**
 * syslet_chain_park() - park the worker's chain on the file its atom waits
 *	for
 * @w: the worker (current); its run returned SYSLET_RUN_PARK at atom
 *	w->run.cur, whose file descriptor is w->run.args[0]
 *
 * On success the worker no longer has the chain (w->chain is NULL) and
 * must not touch it: the file's wake-up may already have handed it to
 * another worker.  Otherwise the atom is to run again, blocking.
 *
 * Context: the worker, process context.
 * Return: true if the chain was parked (or, woken meanwhile, queued).
 */
bool syslet_chain_park(struct syslet_worker *w)
{
	struct syslet_chain *c = w->chain;
	struct syslet_ctx *ctx = c->ctx;
	struct syslet_park_pt p = { .c = c };
	struct file *file;
	__poll_t mask;

	file = fget(w->run.args[0]);
	if (!file)
		return false;
	if (!syslet_parkable(w, file)) {
		fput(file);
		return false;
	}
	c->pfile = file;
	c->phead = NULL;
	/*
	 * Whoever resumes it goes on with the atom as it began: before the
	 * entry is queued, as the wake-up may hand it on at once.
	 */
	c->patom = w->run.atom;
	memcpy(c->pargs, w->run.args, sizeof(c->pargs));
	c->held = true;
	init_waitqueue_func_entry(&c->pwait, syslet_park_wake);
	atomic_set(&c->pstate, SYSLET_PARK_ARMING);
	init_poll_funcptr(&p.pt, syslet_park_queue);
	p.pt._key = c->pevents | EPOLLERR | EPOLLHUP;
	mask = vfs_poll(file, &p.pt);
	if (p.heads != 1 || (mask & p.pt._key) ||
	    atomic_read(&c->pstate) != SYSLET_PARK_ARMING) {
		/* Ready already, or not one wait queue: run it again now. */
		syslet_park_unqueue(c);
		atomic_set(&c->pstate, SYSLET_PARK_NONE);
		syslet_park_release(c);
		c->held = false;
		return false;
	}

	/*
	 * Let go of it: it resumes at this atom, in whichever worker.  Its
	 * timer was never armed: a chain with a deadline does not park.
	 */
	c->start = w->run.cur;
	c->park_atom = w->run.cur;
	w->chain = NULL;

	/*
	 * Under ring_lock: the chain cannot end (and be freed) meanwhile,
	 * and a cancel either came before, and is seen here, or comes
	 * after, and finds it parked.
	 */
	trace_syslet_park(c->first, c->start);
	spin_lock(&ctx->ring_lock);
	c->worker = NULL;
	if (w->live)
		ctx->nr_free++;
	ctx->nr_parked++;
	if (atomic_cmpxchg(&c->pstate, SYSLET_PARK_ARMING,
			   SYSLET_PARK_PARKED) != SYSLET_PARK_ARMING) {
		/* Woken while it parked: the wake-up left it to us. */
		syslet_park_ready(c);
	} else if ((READ_ONCE(c->cancelled) || READ_ONCE(c->cancel_code)) &&
		   syslet_park_cancel(c)) {
		/* Cancelled while it armed: a worker ends it. */
		atomic_set(&c->pstate, SYSLET_PARK_READY);
		syslet_park_ready(c);
	}
	spin_unlock(&ctx->ring_lock);
	return true;
}

/**
 * syslet_park_cancel() - take a parked chain off its file's wait queue
 * @c: the chain
 *
 * Context: any; with ctx->ring_lock held or not.
 * Return: true if @c was parked and is now the caller's (state
 * CANCELLED, counted in ctx->nr_parked still); false if it was not parked
 * or its wake-up came first (it is then on ctx->ready, to run).
 */
bool syslet_park_cancel(struct syslet_chain *c)
{
	if (atomic_read(&c->pstate) != SYSLET_PARK_PARKED)
		return false;
	/* After this the wake-up cannot run for it: it has its lock. */
	syslet_park_unqueue(c);
	return atomic_cmpxchg(&c->pstate, SYSLET_PARK_PARKED,
			      SYSLET_PARK_CANCELLED) == SYSLET_PARK_PARKED;
}

/**
 * syslet_ready_drain_locked() - queue the woken parked chains for the
 *	workers
 * @ctx: the context
 *
 * They go to ctx->woken, in the order they woke, not back to the port:
 * both are under ring_lock, and the port's own lock and queue, twice per
 * wake-up, were a good part of what a resumed chain cost its worker.
 *
 * Context: ctx->ring_lock held.
 */
void syslet_ready_drain_locked(struct syslet_ctx *ctx)
{
	struct llist_node *list;
	struct syslet_chain *c, *tmp;

	lockdep_assert_held(&ctx->ring_lock);
	if (llist_empty(&ctx->ready))
		return;
	list = llist_del_all(&ctx->ready);
	if (!list)
		return;
	list = llist_reverse_order(list);	/* oldest first */
	llist_for_each_entry_safe(c, tmp, list, ready_node) {
		syslet_park_release(c);
		atomic_set(&c->pstate, SYSLET_PARK_NONE);
		c->unparked = true;
		ctx->nr_parked--;
		ctx->nr_queued++;
		ctx->nr_woken++;
		list_add_tail(&c->wnode, &ctx->woken);
	}
}

/**
 * syslet_woken_requeue_locked() - send a woken chain back to the port
 * @ctx: the context
 * @c: a chain of @ctx; left alone unless it is on ctx->woken
 *
 * For cancellation, which drops chains still queued from the port
 * (lwkt_dropmsg()): a woken chain that no worker has taken yet is one.
 *
 * Context: ctx->ring_lock held.
 */
void syslet_woken_requeue_locked(struct syslet_ctx *ctx,
				 struct syslet_chain *c)
{
	lockdep_assert_held(&ctx->ring_lock);
	if (list_empty(&c->wnode))
		return;
	list_del_init(&c->wnode);
	ctx->nr_woken--;
	lwkt_forwardmsg(&ctx->port, &c->msg);
}

/**
 * syslet_take_locked() - the next chain for a worker, taken off the queue
 * @ctx: the context
 *
 * Chains sent to the port come first, then woken ones (ctx->woken).  The
 * port holds only chains submitted and not yet run, at most as many as
 * the ring has slots, so the woken ones cannot wait behind it for ever;
 * a chain that loops on a socket comes back through ctx->woken alone.
 *
 * Context: ctx->ring_lock held.
 * Return: the chain's message, or NULL if none waits.
 */
lwkt_msg_t syslet_take_locked(struct syslet_ctx *ctx)
{
	struct syslet_chain *c;
	lwkt_msg_t msg = NULL;

	lockdep_assert_held(&ctx->ring_lock);
	if (ctx->nr_queued > ctx->nr_woken)
		msg = lwkt_getport(&ctx->port);
	if (msg || !ctx->nr_woken)
		return msg;
	c = list_first_entry(&ctx->woken, struct syslet_chain, wnode);
	list_del_init(&c->wnode);
	ctx->nr_woken--;
	return &c->msg;
}

/**
 * syslet_idle_update_locked() - publish the first idle worker for the
 *	wake-ups of parked chains
 * @ctx: the context, whose ctx->idle just changed
 *
 * Context: ctx->ring_lock held.
 */
void syslet_idle_update_locked(struct syslet_ctx *ctx)
{
	struct syslet_worker *w;

	lockdep_assert_held(&ctx->ring_lock);
	w = list_first_entry_or_null(&ctx->idle, struct syslet_worker,
				     idle_node);
	WRITE_ONCE(ctx->idle_task, w ? w->task : NULL);
}
