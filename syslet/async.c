// SPDX-License-Identifier: GPL-2.0
/*
 * syslet: asynchronous chains and the worker pool, on msgport.
 *
 * A chain that leaves its submitter becomes an abortable lwkt_msg sent to
 * the pool's spin port; pool kthreads receive it, run it with the
 * submitter's identity and reply to the context's replyonly port, whose
 * handler posts the final atom to the ring.
 *
 * Pool: workers are created on demand so that every queued chain has a
 * worker that is idle or about to be (a chain blocked in a read must not
 * starve the chain that would write what it waits for), up to
 * SYSLET_POOL_MAX; each context also caps its own running chains at
 * max_nr_threads, holding the rest on ctx->pending.
 *
 * Identity: the worker uses the submitter's mm (kthread_use_mm), its
 * credentials (override_creds), its file table (current->files, adopted
 * under task_lock as io-wq did before 5.12), a snapshot of its root, cwd
 * and umask (a private fs_struct), and its RLIMIT_FSIZE (kthreads have a
 * signal_struct each).  The file table stays valid because the context is
 * cancelled and drained when that table drops the device fd (->flush).
 *
 * Cancellation: lwkt_abortmsg() on each chain: a chain still queued is
 * dropped from the port; a running one is marked cancelled and its worker
 * gets SIGKILL (allowed in workers), which ends interruptible waits; the
 * interpreter stops between atoms.
 */
#include <linux/cred.h>
#include <linux/fdtable.h>
#include <linux/kthread.h>
#include <linux/mmu_context.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "syslet.h"

#define SYSLET_POOL_MAX		256

/**
 * struct syslet_pool - the worker pool
 * @port: spin port chains are sent to
 * @lock: protects the counters and @workers
 * @nr_workers: workers created (or being created)
 * @nr_idle: workers in, or about to enter, lwkt_waitport()
 * @nr_queued: chains sent and not yet received
 * @workers: all workers, for unload
 */
static struct syslet_pool {
	struct lwkt_port port;
	spinlock_t lock;
	unsigned int nr_workers;
	unsigned int nr_idle;
	unsigned int nr_queued;
	struct list_head workers;
} pool;

struct syslet_worker {
	struct list_head node;
	struct task_struct *task;
};

/* ---------------------------------------------------------------------
 * The interpreter's env for a worker: user memory of the adopted mm.
 */

static int syslet_user_get_atom(void *priv, u64 uaddr, struct syslet_uatom *a)
{
	return copy_from_user(a, u64_to_user_ptr(uaddr), sizeof(*a)) ?
		-EFAULT : 0;
}

static int syslet_user_get_arg(void *priv, u64 uaddr, unsigned long *val)
{
	return get_user(*val, (unsigned long __user *)u64_to_user_ptr(uaddr));
}

static int syslet_user_put_ret(void *priv, u64 uaddr, long ret)
{
	return put_user(ret, (long __user *)u64_to_user_ptr(uaddr));
}

/* Restart codes never reach user space: a system call atom sees -EINTR. */
static long syslet_fix_ret(long ret)
{
	switch (ret) {
	case -ERESTARTSYS:
	case -ERESTARTNOINTR:
	case -ERESTARTNOHAND:
	case -ERESTART_RESTARTBLOCK:
		return -EINTR;
	}
	return ret;
}

static long syslet_user_call(void *priv, unsigned long nr,
			     const unsigned long *args, bool nowait,
			     bool *wouldblock)
{
	const struct syslet_op *op = syslet_op_get(nr);
	long ret;

	if (!op)
		return -ENOSYS;
	if (nowait && op->may_block) {
		*wouldblock = true;
		return 0;
	}
	ret = op->fn(args, nowait);
	/* Module ops return any long; only system calls use the codes. */
	if (nr >= SYSLET_NR_BASE)
		return ret;
	if (ret == SYSLET_EWOULDBLOCK) {
		*wouldblock = true;
		return 0;
	}
	return syslet_fix_ret(ret);
}

static bool syslet_worker_interrupted(void *priv)
{
	struct syslet_chain *c = priv;

	return READ_ONCE(c->cancelled) || fatal_signal_pending(current);
}

static const struct syslet_env syslet_worker_env = {
	.get_atom = syslet_user_get_atom,
	.get_arg = syslet_user_get_arg,
	.put_ret = syslet_user_put_ret,
	.call = syslet_user_call,
	.interrupted = syslet_worker_interrupted,
};

/* The env of the synchronous phase: the caller is the submitter. */
static bool syslet_caller_interrupted(void *priv)
{
	return signal_pending(current);
}

const struct syslet_env syslet_caller_env = {
	.get_atom = syslet_user_get_atom,
	.get_arg = syslet_user_get_arg,
	.put_ret = syslet_user_put_ret,
	.call = syslet_user_call,
	.interrupted = syslet_caller_interrupted,
};

/* ---------------------------------------------------------------------
 * Running a chain in a worker.
 */

static void syslet_chain_run(struct syslet_chain *c)
{
	struct syslet_ctx *ctx = c->ctx;
	struct syslet_run run = {
		.env = &syslet_worker_env,
		.priv = c,
		.cur = c->start,
	};
	struct files_struct *old_files;
	struct fs_struct *old_fs;
	const struct cred *old_cred;
	struct rlimit old_fsize;
	bool cancelled;
	int ret;

	spin_lock(&c->lock);
	c->worker = current;
	cancelled = c->cancelled;
	spin_unlock(&c->lock);
	if (cancelled || !mmget_not_zero(ctx->mm))
		goto out;

	kthread_use_mm(ctx->mm);
	old_cred = override_creds(c->cred);
	task_lock(current);
	old_files = current->files;
	old_fs = current->fs;
	current->files = ctx->files;
	current->fs = &c->fs;
	task_unlock(current);
	old_fsize = current->signal->rlim[RLIMIT_FSIZE];
	current->signal->rlim[RLIMIT_FSIZE] = c->fsize;

	ret = syslet_run(&run);
	c->final = run.final;
	c->post = run.post || (ret < 0 && run.final);

	current->signal->rlim[RLIMIT_FSIZE] = old_fsize;
	task_lock(current);
	current->files = old_files;
	current->fs = old_fs;
	task_unlock(current);
	revert_creds(old_cred);
	kthread_unuse_mm(ctx->mm);
	mmput(ctx->mm);
out:
	spin_lock(&c->lock);
	c->worker = NULL;
	spin_unlock(&c->lock);
	/* A cancel's SIGKILL must not reach the next chain. */
	flush_signals(current);
}

static int syslet_worker_fn(void *arg)
{
	lwkt_msg_t msg;

	allow_signal(SIGKILL);
	for (;;) {
		spin_lock(&pool.lock);
		pool.nr_idle++;
		spin_unlock(&pool.lock);
		msg = lwkt_waitport(&pool.port, 0);
		spin_lock(&pool.lock);
		pool.nr_idle--;
		if (msg)
			pool.nr_queued--;
		spin_unlock(&pool.lock);
		if (!msg)
			break;		/* kthread_stop() */
		syslet_chain_run(container_of(msg, struct syslet_chain, msg));
		lwkt_replymsg(msg, 0);
	}
	return 0;
}

static void syslet_pool_spawn(void)
{
	struct syslet_worker *w = kzalloc(sizeof(*w), GFP_KERNEL);
	struct task_struct *task = NULL;

	if (w)
		task = kthread_create(syslet_worker_fn, NULL, "syslet_worker");
	spin_lock(&pool.lock);
	if (IS_ERR_OR_NULL(task)) {
		pool.nr_workers--;
		WARN_ON_ONCE(!pool.nr_workers);
		spin_unlock(&pool.lock);
		kfree(w);
		return;
	}
	w->task = task;
	list_add(&w->node, &pool.workers);
	spin_unlock(&pool.lock);
	wake_up_process(task);
}

/*
 * Send a chain to the pool, under its context's ring_lock so that a chain
 * on ctx->chains has always been sent.  Returns true if the caller must
 * call syslet_pool_spawn() (which sleeps) once it has dropped the lock.
 */
static bool syslet_pool_send(struct syslet_chain *c)
{
	bool spawn;

	lockdep_assert_held(&c->ctx->ring_lock);
	spin_lock(&pool.lock);
	pool.nr_queued++;
	spawn = pool.nr_queued > pool.nr_idle &&
		pool.nr_workers < SYSLET_POOL_MAX;
	if (spawn)
		pool.nr_workers++;
	spin_unlock(&pool.lock);
	lwkt_sendmsg(&pool.port, &c->msg);
	return spawn;
}

int syslet_pool_init(void)
{
	lwkt_initport_spin(&pool.port);
	spin_lock_init(&pool.lock);
	INIT_LIST_HEAD(&pool.workers);
	return 0;
}

void syslet_pool_exit(void)
{
	struct syslet_worker *w, *tmp;

	/* No context is open (each holds a module reference): no chains. */
	list_for_each_entry_safe(w, tmp, &pool.workers, node) {
		kthread_stop(w->task);
		kfree(w);
	}
	WARN_ON_ONCE(lwkt_getport(&pool.port));
}

/* ---------------------------------------------------------------------
 * Chains: creation, end, cancellation.
 */

static void syslet_chain_free(struct syslet_chain *c)
{
	put_cred(c->cred);
	syslet_fs_release(&c->fs);
	syslet_ctx_put(c->ctx);
	kfree(c);
}

/*
 * A chain ended (ran, was cancelled, or was dropped before it ran): post
 * or give back its ring reservation, start a pending chain if it held a
 * thread slot, wake waiters.
 */
static void syslet_chain_end(struct syslet_chain *c, bool ran)
{
	struct syslet_ctx *ctx = c->ctx;
	struct syslet_chain *next;
	bool spawn = false;

	spin_lock(&ctx->ring_lock);
	list_del(&c->node);
	if (c->gen == ctx->gen && ctx->registered) {
		if (ran && c->post && c->final)
			syslet_ring_post(&ctx->ring, c->final);
		else
			syslet_ring_unreserve(&ctx->ring);
	}
	ctx->running--;
	ctx->inflight--;
	if (!ctx->cancelling && !list_empty(&ctx->pending)) {
		next = list_first_entry(&ctx->pending, struct syslet_chain,
					node);
		list_move_tail(&next->node, &ctx->chains);
		ctx->running++;
		spawn = syslet_pool_send(next);
	}
	wake_up_all(&ctx->wait);
	spin_unlock(&ctx->ring_lock);

	if (spawn)
		syslet_pool_spawn();
	syslet_chain_free(c);
}

/* The context's reply port: a worker replies when a chain has run. */
static void syslet_chain_replied(lwkt_port_t port, lwkt_msg_t msg)
{
	syslet_chain_end(container_of(msg, struct syslet_chain, msg), true);
}

void syslet_reply_port_init(struct syslet_ctx *ctx)
{
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
		spin_lock(&pool.lock);
		pool.nr_queued--;
		spin_unlock(&pool.lock);
		return;
	}
	spin_lock(&c->lock);
	WRITE_ONCE(c->cancelled, true);
	if (c->worker)
		send_sig(SIGKILL, c->worker, 1);
	spin_unlock(&c->lock);
}

/**
 * syslet_go_async() - hand the rest of a chain to a worker
 * @ctx: the context, registered generation @gen, with a ring slot
 *	reserved for this chain
 * @start: the atom to resume at
 * @gen: the registration the reservation belongs to
 *
 * Snapshots the caller's identity into the chain.
 *
 * Context: the submitter, process context.
 * Return: 0, or -ENOMEM / -ECANCELED (context cancelled or re-registered
 * meanwhile), in which case the reservation is given back.
 */
int syslet_go_async(struct syslet_ctx *ctx, u64 start, unsigned int gen)
{
	struct syslet_chain *c;
	bool spawn = false;

	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (c) {
		/* Still the submitter: its identity. */
		c->cred = get_current_cred();
		syslet_fs_snapshot(&c->fs, NULL);
		/* setrlimit() changes it under the group leader's task_lock. */
		task_lock(current->group_leader);
		c->fsize = current->signal->rlim[RLIMIT_FSIZE];
		task_unlock(current->group_leader);
	}
	spin_lock(&ctx->ring_lock);
	if (!c || ctx->cancelling || !ctx->registered || ctx->gen != gen) {
		if (ctx->registered && ctx->gen == gen)
			syslet_ring_unreserve(&ctx->ring);
		spin_unlock(&ctx->ring_lock);
		if (!c)
			return -ENOMEM;
		put_cred(c->cred);
		syslet_fs_release(&c->fs);
		kfree(c);
		return -ECANCELED;
	}
	kref_get(&ctx->ref);
	c->ctx = ctx;
	c->gen = gen;
	c->start = start;
	spin_lock_init(&c->lock);
	lwkt_initmsg_abortable(&c->msg, &ctx->reply_port, MSGF_DROPABLE,
			       syslet_chain_abort);
	ctx->inflight++;
	if (ctx->running < ctx->max_threads) {
		ctx->running++;
		list_add_tail(&c->node, &ctx->chains);
		spawn = syslet_pool_send(c);
	} else {
		list_add_tail(&c->node, &ctx->pending);
	}
	spin_unlock(&ctx->ring_lock);

	if (spawn)
		syslet_pool_spawn();
	return 0;
}

/**
 * syslet_ctx_cancel() - cancel all asynchronous chains and wait for them
 * @ctx: the context
 *
 * Chains still queued never run; running ones are interrupted and end at
 * the atom they were in (which is posted, if the ring is still there).
 * Returns when none is left.
 *
 * Context: process context, may sleep.
 */
void syslet_ctx_cancel(struct syslet_ctx *ctx)
{
	struct syslet_chain *c, *tmp;
	LIST_HEAD(ended);

	spin_lock(&ctx->ring_lock);
	ctx->cancelling = true;
	/* Pending chains never reached the pool (and hold no thread slot). */
	list_for_each_entry_safe(c, tmp, &ctx->pending, node) {
		list_move_tail(&c->node, &ended);
		ctx->running++;
	}
	/* Every chain here was sent: only a successful drop makes it done. */
	list_for_each_entry_safe(c, tmp, &ctx->chains, node) {
		lwkt_abortmsg(&c->msg);
		if (lwkt_checkmsg(&c->msg))
			list_move_tail(&c->node, &ended);
	}
	spin_unlock(&ctx->ring_lock);

	list_for_each_entry_safe(c, tmp, &ended, node)
		syslet_chain_end(c, false);
	wait_event(ctx->wait, !READ_ONCE(ctx->inflight));
	spin_lock(&ctx->ring_lock);
	ctx->cancelling = false;
	spin_unlock(&ctx->ring_lock);
}
