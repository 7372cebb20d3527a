// SPDX-License-Identifier: GPL-2.0
/*
 * syslet: asynchronous chains, on msgport.
 *
 * A chain that leaves its submitter becomes an abortable lwkt_msg sent to
 * its context's spin port, which the context's workers serve (worker.c);
 * a worker runs it and replies to the context's replyonly port, whose
 * handler posts the final atom to the ring.
 *
 * Identity: the workers are threads of the submitting process, so what is
 * per process (file table, namespaces, cgroups, rlimits, tty, audit, pid)
 * is the submitter's by construction.  What is per thread is taken from
 * the submitting thread when the chain goes async: its credentials
 * (override_creds() around every step), its root, working directory and
 * umask (openat).  A chain stops when its submitter's credentials change.
 * Once the submitter is under seccomp (unless syslet.allow_confined is
 * set), every system call atom is made as the genuine call (genuine.c),
 * or, in a chain submitted without genuine calls, gets -EPERM.
 *
 * Cancellation: lwkt_abortmsg() on each chain: a chain still queued is
 * dropped from the port; a running one is marked cancelled and its worker
 * interrupted (TIF_NOTIFY_SIGNAL: interruptible waits end, as they do for
 * io_uring's workers); the interpreter stops between atoms.
 */
#include <linux/fs.h>
#include <linux/fs_struct.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>

#include "syslet.h"
#include <msgport/compat.h>
#include "syslet_trace.h"
#include "../upcall/upcall.h"

/* Is the thread that submitted @c exiting (or gone)? */
static bool syslet_submitter_exits(struct syslet_chain *c)
{
	return READ_ONCE(c->ident->task->flags) & PF_EXITING;
}

/* The worker env's interrupted(), for the interpreter (struct syslet_env). */
bool syslet_worker_interrupted(void *priv)
{
	struct syslet_chain *c = priv;

	/*
	 * Cancelled, killed, the submitter changed identity (setuid, ...):
	 * its objective credentials, which override_creds() leaves alone;
	 * or it exits (syslet_worker_cancel_code()).  With | rather than
	 * ||: asked between every two atoms.
	 */
	return READ_ONCE(c->cancelled) | (READ_ONCE(c->cancel_code) != 0) |
	       __fatal_signal_pending(current) |
	       (rcu_access_pointer(c->ident->task->real_cred) !=
		c->ident->real_cred) |
	       syslet_submitter_exits(c);
}

/*
 * The worker env's cancel_code(): -ECANCELED, -ETIME or 0.  A chain whose
 * submitting thread exits is cancelled, as io_uring cancels the requests
 * of a task that exits: a thread that is gone gets no seccomp filter and
 * no new credentials any more (a TSYNC filter and glibc's setuid() skip
 * it), so its chains would go on with what it had for ever.
 */
long syslet_worker_cancel_code(void *priv)
{
	struct syslet_chain *c = priv;
	long code = READ_ONCE(c->cancel_code);

	if (!code && syslet_submitter_exits(c))
		code = -ECANCELED;
	return code;
}

/*
 * End the chain on its own with @code (-ECANCELED, -ETIME): the first
 * reason wins.  The interpreter ends it at its next atom, or at the atom
 * whose wait the interruption cuts short.
 */
static bool syslet_chain_set_code(struct syslet_chain *c, long code)
{
	return !cmpxchg(&c->cancel_code, 0, code);
}

/*
 * Interrupt @task, a worker running a cancelled chain: TIF_NOTIFY_SIGNAL
 * makes signal_pending() true, so interruptible waits end, and the worker
 * clears it in get_signal() once the chain is over.  set_notify_signal()
 * is an inline around wake_up_state(), which is not exported: waking with
 * wake_up_process() instead may wake an uninterruptible sleep early,
 * which the kernel's waits tolerate (spurious wake-ups).  Any context.
 */
static void syslet_kick(struct task_struct *task)
{
	set_tsk_thread_flag(task, TIF_NOTIFY_SIGNAL);
	if (!wake_up_process(task))
		kick_process(task);
}

/*
 * The chain's deadline (SYSLET_NR_TIMEOUT) passed while it runs: its
 * worker, current until it cancels this timer, is interrupted.
 */
static enum hrtimer_restart syslet_chain_timer_fn(struct hrtimer *timer)
{
	struct syslet_worker *w = container_of(timer, struct syslet_worker,
					       timer);

	syslet_chain_set_code(w->chain, -ETIME);
	syslet_kick(w->task);
	return HRTIMER_NORESTART;
}

/**
 * syslet_worker_timer_init() - a worker's deadline timer
 * @w: the worker
 */
void syslet_worker_timer_init(struct syslet_worker *w)
{
	syslet_hrtimer_setup(&w->timer, syslet_chain_timer_fn, CLOCK_MONOTONIC,
			     HRTIMER_MODE_ABS_HARD);
}

/* SYSLET_NR_TIMEOUT in a worker: (re)arm its timer. */
static void syslet_worker_deadline(void *priv, ktime_t when)
{
	struct syslet_worker *w = syslet_current_worker();

	hrtimer_start(&w->timer, when, HRTIMER_MODE_ABS_HARD);
}

const struct syslet_env syslet_worker_env = {
	.get_atom = syslet_user_get_atom,
	.get_arg = syslet_user_get_arg,
	.put_ret = syslet_user_put_ret,
	.put_get = syslet_user_put_get,
	.call = syslet_user_call,
	.interrupted = syslet_worker_interrupted,
	.cancel_code = syslet_worker_cancel_code,
	.deadline = syslet_worker_deadline,
};

/**
 * syslet_chain_run_begin() - a worker takes a chain
 * @w: the worker (current)
 * @c: the chain it received
 */
void syslet_chain_run_begin(struct syslet_worker *w, struct syslet_chain *c)
{
	struct syslet_run *r = &w->run;

	w->chain = c;
	/*
	 * Field by field: the atom and its arguments are read (or given
	 * below) before they are used, and the tally of the worker's
	 * previous chains is kept, to be flushed once per pass.
	 */
	r->env = &syslet_worker_env;
	r->priv = c;
	r->cur = c->start;
	r->sync = false;
	r->final = 0;
	r->post = false;
	r->atoms = 0;
	r->call_nr = 0;
	r->args_got = SYSLET_ARGS_NONE;
	r->held = false;
	r->deadline = c->deadline;
	r->counts = c->ctx->counts;
	r->tally_kept = true;
	if (c->held) {
		r->atom = c->patom;
		memcpy(r->args, c->pargs, sizeof(r->args));
		r->held = true;
		c->held = false;
	}
	if (c->deadline)
		hrtimer_start(&w->timer, c->deadline, HRTIMER_MODE_ABS_HARD);
}

/**
 * syslet_chain_run_end() - a worker is done with its chain
 * @w: the worker (current, or in its exit path)
 * @ret: the last syslet_run() result
 *
 * Sets what to post and replies, which ends the chain.
 */
void syslet_chain_run_end(struct syslet_worker *w, int ret)
{
	struct syslet_chain *c = w->chain;

	hrtimer_cancel(&w->timer);
	/* Counted before the completion shows (fdinfo after a reap). */
	syslet_run_flush(&w->run);
	c->final = w->run.final;
	c->post = w->run.post || (ret < 0 && w->run.final);
	if (ret < 0 && !w->run.final) {
		/* The first atom became unreadable: post it, nothing is lost. */
		c->final = c->start;
		c->post = true;
	}
	w->chain = NULL;
	lwkt_replymsg(&c->msg, 0);
}

/* ---------------------------------------------------------------------
 * Chains: creation, end, cancellation.
 */

/*
 * Is @id the identity current would give a chain now?  Its references
 * pin what it points to, so equal pointers are the same objects.
 */
static bool syslet_ident_current(const struct syslet_ident *id)
{
	struct fs_struct *fs = current->fs;
	unsigned int seq;
	bool same;

	if (id->task != current || id->cred != current_cred() ||
	    id->real_cred != current->real_cred ||
	    id->umask != current_umask())
		return false;
	do {
		seq = compat_fs_read_begin(fs);
		same = path_equal(&fs->root, &id->root) &&
		       path_equal(&fs->pwd, &id->pwd);
	} while (compat_fs_read_retry(fs, seq));
	return same;
}

/*
 * The submitting thread's identity for a chain of @ctx, taken in its own
 * context: the context's last one if it still matches, or a new one,
 * which becomes the last.  NULL without memory.
 */
static struct syslet_ident *syslet_ident_get(struct syslet_ctx *ctx)
{
	struct syslet_ident *id;

	spin_lock(&ctx->ident_lock);
	id = ctx->ident;
	if (id && syslet_ident_current(id)) {
		id->users++;
		spin_unlock(&ctx->ident_lock);
		return id;
	}
	spin_unlock(&ctx->ident_lock);

	id = kmalloc(sizeof(*id), GFP_KERNEL_ACCOUNT);
	if (!id)
		return NULL;
	id->users = 1;
	id->task = get_task_struct(current);
	id->cred = get_current_cred();
	id->real_cred = get_cred(current->real_cred);
	get_fs_root(current->fs, &id->root);
	get_fs_pwd(current->fs, &id->pwd);
	id->umask = current_umask();
	spin_lock(&ctx->ident_lock);
	ctx->ident = id;	/* the one it replaces lives on in its chains */
	spin_unlock(&ctx->ident_lock);
	return id;
}

/*
 * A chain of @ctx is done with @id: the last one drops its references
 * (and the context forgets it).
 *
 * Context: process context (path_put() may sleep).
 */
static void syslet_ident_put(struct syslet_ctx *ctx, struct syslet_ident *id)
{
	bool last;

	spin_lock(&ctx->ident_lock);
	last = !--id->users;
	if (last && ctx->ident == id)
		ctx->ident = NULL;
	spin_unlock(&ctx->ident_lock);
	if (!last)
		return;
	put_cred(id->cred);
	put_cred(id->real_cred);
	path_put(&id->root);
	path_put(&id->pwd);
	put_task_struct(id->task);
	kfree(id);
}

static void syslet_chain_free(struct syslet_chain *c)
{
	syslet_park_release(c);
	syslet_ident_put(c->ctx, c->ident);
	syslet_ctx_put(c->ctx);
	kfree(c);
}

/*
 * A chain ended (ran, was cancelled, or was dropped before it ran): post
 * or give back its ring reservation, wake waiters.
 */
static void syslet_chain_end(struct syslet_chain *c, bool ran)
{
	struct syslet_ctx *ctx = c->ctx;
	struct upc_space *upc = NULL;
	int upcid = 0, prio = 0;

	spin_lock(&ctx->ring_lock);
	list_del(&c->node);
	if (c->gen == ctx->gen && ctx->registered) {
		if (ran && c->post && c->final) {
			syslet_ring_post(&ctx->ring, c->final);
			trace_syslet_post(c->final, ctx->ring.tail);
			if (ctx->evfd)
				syslet_eventfd_signal(ctx->evfd);
			if (ctx->upc) {
				upc = ctx->upc;
				upc_space_get(upc);
				upcid = ctx->upcid;
				prio = ctx->upc_prio;
			}
		} else {
			syslet_ring_unreserve(&ctx->ring);
		}
	}
	ctx->inflight--;
	wake_up_all(&ctx->wait);
	spin_unlock(&ctx->ring_lock);

	/* After the post: the upcall finds the completion in the ring. */
	if (upc) {
		upc_dispatch(upc, upcid, prio);
		upc_space_put(upc);
	}
	syslet_chain_free(c);
}

/* The context's reply port: a worker replies when a chain has run. */
static void syslet_chain_replied(lwkt_port_t port, lwkt_msg_t msg)
{
	syslet_chain_end(container_of(msg, struct syslet_chain, msg), true);
}

/**
 * syslet_ctx_init_ports() - the ports of a new context
 * @ctx: the context
 */
void syslet_ctx_init_ports(struct syslet_ctx *ctx)
{
	lwkt_initport_spin(&ctx->port);
	INIT_LIST_HEAD(&ctx->woken);
	lwkt_initport_replyonly(&ctx->reply_port, syslet_chain_replied);
}

/*
 * Abort function, called by syslet_ctx_cancel() under ctx->ring_lock: a
 * chain still queued is dropped (and ended by the caller); a running one
 * is stopped.
 */
static void syslet_chain_abort(lwkt_msg_t msg)
{
	struct syslet_chain *c = container_of(msg, struct syslet_chain, msg);

	lockdep_assert_held(&c->ctx->ring_lock);
	if (lwkt_dropmsg(msg) == 0) {
		c->ctx->nr_queued--;
		return;
	}
	WRITE_ONCE(c->cancelled, true);
	if (c->worker)
		syslet_kick(c->worker);
}

/**
 * syslet_go_async() - hand the rest of a chain to a worker
 * @ctx: the context, registered generation @gen, with a ring slot
 *	reserved for this chain
 * @start: the atom to resume at
 * @first: the chain's first atom, as submitted (SYSLET_IOC_CANCEL)
 * @deadline: when it must end with -ETIME, 0 for never
 * @gen: the registration the reservation belongs to
 * @genuine: its atoms without a native op are genuine calls, made by
 *	server threads (SYSLET_IOC_EXEC_CALL)
 *
 * Takes the calling thread's identity into the chain, queues it on the
 * context's port and wakes an idle worker, or creates one (in this
 * thread, which belongs to the owning process) if none is free and the
 * limits allow; otherwise the chain waits for a worker to finish.
 *
 * Context: the submitter, process context.
 * Return: 0, or -ENOMEM / -ECANCELED (context cancelled or re-registered
 * meanwhile), in which case the reservation is given back.
 */
int syslet_go_async(struct syslet_ctx *ctx, u64 start, u64 first,
		    ktime_t deadline, unsigned int gen, bool genuine)
{
	struct syslet_ident *id = NULL;
	struct syslet_chain *c;
	bool spawn = false;

	c = kzalloc(sizeof(*c), GFP_KERNEL_ACCOUNT);
	if (c)
		id = syslet_ident_get(ctx);
	spin_lock(&ctx->ring_lock);
	if (!id || ctx->cancelling || !ctx->registered || ctx->gen != gen) {
		if (ctx->registered && ctx->gen == gen)
			syslet_ring_unreserve(&ctx->ring);
		spin_unlock(&ctx->ring_lock);
		kfree(c);
		if (!id)
			return -ENOMEM;
		syslet_ident_put(ctx, id);
		return -ECANCELED;
	}
	c->ident = id;
	kref_get(&ctx->ref);
	c->ctx = ctx;
	c->gen = gen;
	c->start = start;
	c->genuine = genuine;
	c->first = first;
	c->deadline = deadline;
	INIT_LIST_HEAD(&c->wnode);
	lwkt_initmsg_abortable(&c->msg, &ctx->reply_port, MSGF_DROPABLE,
			       syslet_chain_abort);
	ctx->inflight++;
	trace_syslet_async(first, start, ctx->inflight);
	list_add_tail(&c->node, &ctx->chains);
	ctx->nr_queued++;
	lwkt_sendmsg(&ctx->port, &c->msg);
	syslet_worker_wake_locked(ctx);
	/* Parked chains count: each may want a worker when it wakes. */
	if (ctx->nr_queued + ctx->nr_parked > ctx->nr_free &&
	    ctx->nr_workers < ctx->max_threads) {
		ctx->nr_workers++;	/* reserved; syslet_worker_create() */
		spawn = true;
	}
	spin_unlock(&ctx->ring_lock);

	/* A failure leaves the chain queued for the workers there are. */
	if (spawn)
		syslet_worker_create(ctx, gen);
	return 0;
}

/*
 * Under ctx->ring_lock: end what can be ended at once.  Woken parked
 * chains go back to the port first (from ctx->ready and ctx->woken), so
 * that the drop below finds them.
 * Dropped chains go to @ended, parked ones to @parked; running ones are
 * aborted (interrupted) the first time (@first), and end in their worker.
 */
static void syslet_ctx_sweep(struct syslet_ctx *ctx, struct syslet_chain *self,
			     struct list_head *ended, struct list_head *parked,
			     bool first)
{
	struct syslet_chain *c, *tmp;

	lockdep_assert_held(&ctx->ring_lock);
	syslet_ready_drain_locked(ctx);
	/* Every chain here was sent: only a successful drop makes it done. */
	list_for_each_entry_safe(c, tmp, &ctx->chains, node) {
		if (c == self)
			continue;
		syslet_woken_requeue_locked(ctx, c);
		if (syslet_park_cancel(c)) {
			ctx->nr_parked--;
			list_move_tail(&c->node, parked);
			continue;
		}
		if (first)
			lwkt_abortmsg(&c->msg);
		else if (lwkt_dropmsg(&c->msg) == 0)
			ctx->nr_queued--;
		if (lwkt_checkmsg(&c->msg))
			list_move_tail(&c->node, ended);
	}
}

/*
 * A chain parked in an atom, cancelled with its context, ends there as a
 * blocked one does: -EINTR through the atom's ret_ptr, posted.  Only a
 * thread of the owner can store it (the last close() of the fd in exit,
 * or the deferred unregistration, cannot): otherwise it is dropped.
 */
static void syslet_chain_end_at_start(struct syslet_chain *c, long code);

static void syslet_ctx_end_parked(struct syslet_ctx *ctx,
				  struct list_head *parked)
{
	struct syslet_chain *c, *tmp;

	list_for_each_entry_safe(c, tmp, parked, node) {
		if (current->mm == ctx->mm)
			syslet_chain_end_at_start(c, -EINTR);
		else
			syslet_chain_end(c, false);
	}
}

/**
 * syslet_ctx_cancel() - cancel all asynchronous chains and wait for them
 * @ctx: the context
 *
 * Chains still queued never run; running ones are interrupted and end at
 * the atom they were in (which is posted, if the ring is still there),
 * and parked ones likewise (syslet_ctx_end_parked()).  Returns when none
 * is left but the caller's own (when a worker of @ctx closes the
 * context's file), with ctx->cancelling still set so that no new chain
 * can start before the caller unregisters.  A parked chain woken as the
 * cancel swept is swept again: it needs no worker to end.  The wait ends
 * early on a fatal signal: a chain cannot make its submitter unkillable.
 *
 * Context: process context, may sleep.
 * Return: true if no other chain is left, false if the wait was cut short.
 */
bool syslet_ctx_cancel(struct syslet_ctx *ctx)
{
	struct syslet_chain *c, *tmp, *self = syslet_current_chain();
	unsigned int own = self && self->ctx == ctx;
	bool first = true;
	LIST_HEAD(ended);
	LIST_HEAD(parked);
	long left;

	for (;;) {
		spin_lock(&ctx->ring_lock);
		ctx->cancelling = true;
		syslet_ctx_sweep(ctx, self, &ended, &parked, first);
		if (own)
			WRITE_ONCE(self->cancelled, true);
		spin_unlock(&ctx->ring_lock);

		list_for_each_entry_safe(c, tmp, &ended, node)
			syslet_chain_end(c, false);
		syslet_ctx_end_parked(ctx, &parked);
		/* ctx->cancelling stays set: the caller unregisters next. */
		left = wait_event_killable_timeout(ctx->wait,
				READ_ONCE(ctx->inflight) <= own, HZ / 10);
		if (left)
			return left > 0;
		first = false;
	}
}

/*
 * A chain that ends at its resume atom without running it (dropped before
 * it ran, or cancelled where it was parked): @code is stored through that
 * atom's ret_ptr (by the canceller, a thread of the owning process) and
 * the atom is posted.  A parked atom's ret_ptr is the one it began with.
 */
static void syslet_chain_end_at_start(struct syslet_chain *c, long code)
{
	struct syslet_uatom __user *ua = u64_to_user_ptr(c->start);
	long __user *ret_ptr;

	if (c->held)
		ret_ptr = c->patom.ret_ptr;
	else if (get_user(ret_ptr, &ua->ret_ptr))
		ret_ptr = NULL;
	if (ret_ptr)
		put_user(code, ret_ptr);
	c->final = c->start;
	c->post = true;
	syslet_chain_end(c, true);
}

/**
 * syslet_chain_cancel() - cancel one asynchronous chain
 * @ctx: the context, registered generation @gen
 * @first: the chain's first atom, as given to SYSLET_IOC_EXEC
 * @gen: the registration
 *
 * Cancels the oldest chain submitted at @first that is not ending yet.
 * One still queued never runs: its resume atom is posted with -ECANCELED
 * as result.  A running one ends at its next atom, or at the atom whose
 * interruptible wait the cancel cuts short, with -ECANCELED as that
 * atom's result; it is posted whatever the atom's flags.
 *
 * Context: a thread of the owning process, process context.
 * Return: 0 if a chain was found, -ENOENT if none.
 */
int syslet_chain_cancel(struct syslet_ctx *ctx, u64 first, unsigned int gen)
{
	struct syslet_chain *c, *found = NULL;
	unsigned int state = 1;		/* running: trace_syslet_cancel() */
	bool dropped = false;

	spin_lock(&ctx->ring_lock);
	list_for_each_entry(c, &ctx->chains, node) {
		if (c->first != first || c->gen != gen ||
		    READ_ONCE(c->cancel_code) || READ_ONCE(c->cancelled))
			continue;
		found = c;
		break;
	}
	/* Woken, but not taken yet: as queued as a chain on the port. */
	if (found)
		syslet_woken_requeue_locked(ctx, found);
	if (found && lwkt_dropmsg(&found->msg) == 0) {
		ctx->nr_queued--;
		/* Off the list: syslet_ctx_cancel() no longer sees it. */
		list_del_init(&found->node);
		dropped = true;
		state = 0;
	} else if (found && syslet_park_cancel(found)) {
		/* Parked: ends at the atom it waited in, as a dropped one. */
		ctx->nr_parked--;
		list_del_init(&found->node);
		dropped = true;
		state = 2;
	} else if (found) {
		syslet_chain_set_code(found, -ECANCELED);
		if (found->worker)
			syslet_kick(found->worker);
	}
	if (found)
		trace_syslet_cancel(first, state);
	spin_unlock(&ctx->ring_lock);

	if (dropped)
		syslet_chain_end_at_start(found, -ECANCELED);
	return found ? 0 : -ENOENT;
}
