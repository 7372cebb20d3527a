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
 * credentials (override_creds), its file table for look-ups (current->
 * files, adopted under task_lock as io-wq did before 5.12) and its
 * RLIMIT_FSIZE (kthreads have a signal_struct each).  The file table
 * stays valid because the context is cancelled and drained when that
 * table drops the device fd (->flush).  A module cannot take a counted
 * reference to it, so a worker never changes it: openat and close run in
 * the owning process through task_work (TWA_SIGNAL), with its own root,
 * cwd, umask and limits, as if it made the call itself.  Every fd look-up
 * in a worker happens under the owner's exec_update_lock, after checking
 * that the process still runs the image that registered (same mm): a
 * chain never sees the fds of an image exec'ed after it.  A chain also
 * stops when its submitter's credentials change.
 *
 * Cancellation: lwkt_abortmsg() on each chain: a chain still queued is
 * dropped from the port; a running one is marked cancelled and its worker
 * gets SIGKILL (allowed in workers), which ends interruptible waits; the
 * interpreter stops between atoms.
 */
#include <linux/cred.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/kthread.h>
#include <linux/mmu_context.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/task_work.h>
#include <linux/uaccess.h>

#include "syslet.h"
#include "upcall.h"

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
	struct syslet_chain *chain;	/* the one it runs, or NULL */
};

/* The chain the current task runs as a worker, or NULL (the caller). */
static struct syslet_chain *syslet_current_chain(void)
{
	struct syslet_worker *w;

	if (!(current->flags & PF_KTHREAD))
		return NULL;
	w = kthread_data(current);
	return w ? w->chain : NULL;
}

/*
 * Does a thread of the owning process, not exiting, still run the
 * registered image with the registered file table?  If @taskp, also
 * return it with a reference.
 */
static bool syslet_owner_find(struct syslet_ctx *ctx,
			      struct task_struct **taskp)
{
	struct task_struct *leader, *t;
	bool found = false;

	rcu_read_lock();
	leader = pid_task(ctx->tgid, PIDTYPE_TGID);
	if (leader) {
		for_each_thread(leader, t) {
			if (READ_ONCE(t->mm) == ctx->mm &&
			    READ_ONCE(t->files) == ctx->files &&
			    !(t->flags & PF_EXITING)) {
				if (taskp)
					*taskp = get_task_struct(t);
				found = true;
				break;
			}
		}
	}
	rcu_read_unlock();
	return found;
}

/**
 * syslet_fget() - fget() for the ops
 * @fd: the fd
 *
 * In the caller, fget().  In a worker, from the owner's table, under the
 * owner's exec_update_lock and only while it still runs the image that
 * registered: a chain never gets an fd of an image exec'ed after it.
 *
 * Return: the file (to fput()), or NULL.
 */
struct file *syslet_fget(unsigned int fd)
{
	struct syslet_chain *c = syslet_current_chain();
	struct rw_semaphore *lock;
	struct file *file = NULL;

	if (!c)
		return fget(fd);
	lock = &c->ctx->owner->signal->exec_update_lock;
	if (down_read_killable(lock))
		return NULL;
	if (syslet_owner_find(c->ctx, NULL))
		file = fget(fd);
	else
		WRITE_ONCE(c->cancelled, true);
	up_read(lock);
	return file;
}

/*
 * Ops that change the file table run in the owning process: a heap item,
 * queued with task_work to a thread of it, run on its way back to user
 * space (TWA_SIGNAL interrupts its waits).  task_work_cancel() is not
 * exported, so a worker cancelled meanwhile abandons the item instead;
 * the owner then skips it.  The item holds a reference on the device
 * file, whose release (run by core code after the item's function has
 * returned) drops the module reference: an abandoned item cannot outlive
 * the module's text.
 */
enum { OWNER_QUEUED, OWNER_RUN, OWNER_ABANDONED };

struct syslet_owner_call {
	struct callback_head cb;
	refcount_t ref;
	atomic_t state;
	const struct syslet_op *op;
	unsigned long args[6];
	struct mm_struct *mm;		/* compared, never dereferenced */
	struct files_struct *files;	/* compared, never dereferenced */
	struct file *file;		/* the device file: pins the module */
	bool refused;			/* exec'ed or exiting: not run */
	long ret;
	struct completion done;
};

static void syslet_owner_call_put(struct syslet_owner_call *oc)
{
	if (refcount_dec_and_test(&oc->ref)) {
		/* Deferred (task_work or a work item) if it is the last. */
		fput(oc->file);
		kfree(oc);
	}
}

static void syslet_owner_call_fn(struct callback_head *cb)
{
	struct syslet_owner_call *oc =
		container_of(cb, struct syslet_owner_call, cb);

	if (atomic_cmpxchg(&oc->state, OWNER_QUEUED, OWNER_RUN) ==
	    OWNER_QUEUED) {
		/*
		 * Not for an image exec'ed since, nor during exit, nor in a
		 * thread that has unshared its file table meanwhile.
		 */
		if (current->mm == oc->mm && current->files == oc->files &&
		    !(current->flags & PF_EXITING)) {
			oc->ret = oc->op->fn(oc->args, false);
		} else {
			oc->refused = true;
			oc->ret = -ECANCELED;
		}
		complete(&oc->done);
	}
	syslet_owner_call_put(oc);
}

static long syslet_call_in_owner(struct syslet_chain *c,
				 const struct syslet_op *op,
				 const unsigned long *args)
{
	struct syslet_owner_call *oc;
	struct task_struct *owner;
	struct file *file;
	long ret;

	/*
	 * Closing a context's device fd may drain that context (->flush),
	 * which would wait for this very chain.
	 */
	if (op->fn == syslet_op_close) {
		file = syslet_fget(args[0]);
		if (file) {
			ret = syslet_is_device(file) ? -EBUSY : 0;
			fput(file);
			if (ret)
				return ret;
		}
	}

	oc = kzalloc(sizeof(*oc), GFP_KERNEL_ACCOUNT);
	if (!oc)
		return -ENOMEM;
	if (!syslet_owner_find(c->ctx, &owner)) {
		kfree(oc);
		WRITE_ONCE(c->cancelled, true);
		return -ECANCELED;
	}
	refcount_set(&oc->ref, 2);
	atomic_set(&oc->state, OWNER_QUEUED);
	oc->op = op;
	memcpy(oc->args, args, sizeof(oc->args));
	oc->mm = c->ctx->mm;
	oc->files = c->ctx->files;
	/*
	 * ->flush drains the chains before the last fput, so the file is
	 * alive; a chain still running at release is refused all the same.
	 */
	if (!atomic_long_inc_not_zero(&c->ctx->file->f_count)) {
		put_task_struct(owner);
		kfree(oc);
		WRITE_ONCE(c->cancelled, true);
		return -ECANCELED;
	}
	oc->file = c->ctx->file;
	init_completion(&oc->done);
	init_task_work(&oc->cb, syslet_owner_call_fn);
	if (task_work_add(owner, &oc->cb, TWA_SIGNAL)) {
		put_task_struct(owner);
		fput(oc->file);
		kfree(oc);
		WRITE_ONCE(c->cancelled, true);
		return -ECANCELED;
	}
	put_task_struct(owner);

	if (!wait_for_completion_killable(&oc->done)) {
		ret = oc->ret;
		if (oc->refused)
			WRITE_ONCE(c->cancelled, true);
	} else if (atomic_cmpxchg(&oc->state, OWNER_QUEUED, OWNER_ABANDONED) ==
		   OWNER_QUEUED) {
		ret = -EINTR;		/* cancelled before the owner ran it */
	} else {
		wait_for_completion(&oc->done);	/* running: let it finish */
		ret = oc->ret;
	}
	syslet_owner_call_put(oc);
	return ret;
}

/* ---------------------------------------------------------------------
 * The interpreter's env for a worker: user memory of the adopted mm.
 */

/*
 * Read an atom: the fields the interpreter uses, word by word (no
 * byte-wise copy of all 88 bytes), and its last word, so that an atom
 * whose memory is not all readable still faults as a whole (88 bytes span
 * at most two pages: the first and the last word touch both).  The
 * arg_ptr slots after the first NULL are not read (the interpreter stops
 * there) and are zeroed.  Inside a user access section.
 */
static __always_inline int
syslet_unsafe_get_atom(struct syslet_uatom __user *ua, struct syslet_uatom *a)
{
	int i;

	unsafe_get_user(a->flags, &ua->flags, efault);
	unsafe_get_user(a->nr, &ua->nr, efault);
	unsafe_get_user(a->ret_ptr, &ua->ret_ptr, efault);
	unsafe_get_user(a->next, &ua->next, efault);
	for (i = 0; i < ARRAY_SIZE(a->arg_ptr); i++) {
		unsafe_get_user(a->arg_ptr[i], &ua->arg_ptr[i], efault);
		if (!a->arg_ptr[i])
			break;
	}
	for (i++; i < ARRAY_SIZE(a->arg_ptr); i++)
		a->arg_ptr[i] = NULL;
	unsafe_get_user(a->private, &ua->private, efault);
	return 0;
efault:
	return -EFAULT;
}

int syslet_user_get_atom(void *priv, u64 uaddr, struct syslet_uatom *a)
{
	struct syslet_uatom __user *ua = u64_to_user_ptr(uaddr);
	int ret;

	if (!user_access_begin(ua, sizeof(*ua)))
		return -EFAULT;
	ret = syslet_unsafe_get_atom(ua, a);
	user_access_end();
	return ret;
}

/*
 * Store an atom's result and read the next atom in one user access
 * section: each section costs a STAC/CLAC pair, which serialise the CPU
 * (and end a translation block under qemu's TCG), and a chain of short
 * atoms is mostly these two accesses.
 */
int syslet_user_put_get(void *priv, u64 ret_uaddr, long ret, u64 uaddr,
			struct syslet_uatom *a)
{
	long __user *rp = u64_to_user_ptr(ret_uaddr);
	struct syslet_uatom __user *ua = u64_to_user_ptr(uaddr);
	int err;

	if (!ret_uaddr)
		return syslet_user_get_atom(priv, uaddr, a);
	if (!access_ok(rp, sizeof(*rp)))
		return SYSLET_PUT_FAULT;
	if (!user_access_begin(ua, sizeof(*ua)))
		return put_user(ret, rp) ? SYSLET_PUT_FAULT : -EFAULT;
	unsafe_put_user(ret, rp, put_fault);
	err = syslet_unsafe_get_atom(ua, a);
	user_access_end();
	return err;
put_fault:
	user_access_end();
	return SYSLET_PUT_FAULT;
}

int syslet_user_get_arg(void *priv, u64 uaddr, unsigned long *val)
{
	return get_user(*val, (unsigned long __user *)u64_to_user_ptr(uaddr));
}

int syslet_user_put_ret(void *priv, u64 uaddr, long ret)
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

long syslet_user_call(void *priv, unsigned long nr,
		      const unsigned long *args, bool nowait, bool *wouldblock)
{
	const struct syslet_op *op = syslet_op_get(nr);
	long ret;

	if (!op)
		return -ENOSYS;
	if (nowait && op->may_block) {
		*wouldblock = true;
		return 0;
	}
	if (op->owner_ctx && priv)
		ret = syslet_call_in_owner(priv, op, args);
	else
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

bool syslet_worker_interrupted(void *priv)
{
	struct syslet_chain *c = priv;

	/*
	 * Cancelled, or the submitter changed identity (setuid, ...): its
	 * objective credentials, which override_creds() leaves alone.
	 */
	return READ_ONCE(c->cancelled) || fatal_signal_pending(current) ||
	       rcu_access_pointer(c->task->real_cred) != c->real_cred;
}

static const struct syslet_env syslet_worker_env = {
	.get_atom = syslet_user_get_atom,
	.get_arg = syslet_user_get_arg,
	.put_ret = syslet_user_put_ret,
	.put_get = syslet_user_put_get,
	.call = syslet_user_call,
	.interrupted = syslet_worker_interrupted,
};

/* The env of the synchronous phase: the caller is the submitter. */
bool syslet_caller_interrupted(void *priv)
{
	return signal_pending(current);
}

const struct syslet_env syslet_caller_env = {
	.get_atom = syslet_user_get_atom,
	.get_arg = syslet_user_get_arg,
	.put_ret = syslet_user_put_ret,
	.put_get = syslet_user_put_get,
	.call = syslet_user_call,
	.interrupted = syslet_caller_interrupted,
};

/* ---------------------------------------------------------------------
 * Running a chain in a worker.
 */

static void syslet_chain_run(struct syslet_worker *w, struct syslet_chain *c)
{
	struct syslet_ctx *ctx = c->ctx;
	struct syslet_run run = {
		.env = &syslet_worker_env,
		.priv = c,
		.cur = c->start,
	};
	struct files_struct *old_files;
	const struct cred *old_cred;
	struct rlimit old_fsize;
	bool cancelled;
	int ret;

	/* A stray signal must not cut this chain short. */
	flush_signals(current);
	spin_lock(&c->lock);
	c->worker = current;
	cancelled = c->cancelled;
	spin_unlock(&c->lock);
	if (cancelled || !mmget_not_zero(ctx->mm))
		goto out;

	w->chain = c;
	kthread_use_mm(ctx->mm);
	old_cred = override_creds(c->cred);
	task_lock(current);
	old_files = current->files;
	current->files = ctx->files;
	task_unlock(current);
	old_fsize = current->signal->rlim[RLIMIT_FSIZE];
	current->signal->rlim[RLIMIT_FSIZE] = c->fsize;

	ret = syslet_run(&run);
	c->final = run.final;
	c->post = run.post || (ret < 0 && run.final);
	if (ret < 0 && !run.final) {
		/* The first atom became unreadable: post it, nothing is lost. */
		c->final = c->start;
		c->post = true;
	}

	current->signal->rlim[RLIMIT_FSIZE] = old_fsize;
	task_lock(current);
	current->files = old_files;
	task_unlock(current);
	revert_creds(old_cred);
	kthread_unuse_mm(ctx->mm);
	mmput(ctx->mm);
	w->chain = NULL;
out:
	spin_lock(&c->lock);
	c->worker = NULL;
	spin_unlock(&c->lock);
	/* A cancel's SIGKILL must not reach the next chain. */
	flush_signals(current);
}

static int syslet_worker_fn(void *arg)
{
	struct syslet_worker *w = arg;
	lwkt_msg_t msg;

	/* Only the kernel's own SIGKILL (a cancel), never one from user space. */
	allow_kernel_signal(SIGKILL);
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
		syslet_chain_run(w, container_of(msg, struct syslet_chain, msg));
		lwkt_replymsg(msg, 0);
	}
	return 0;
}

static void syslet_pool_spawn(void)
{
	struct syslet_worker *w = kzalloc(sizeof(*w), GFP_KERNEL);
	struct task_struct *task = NULL;

	if (w)
		task = kthread_create(syslet_worker_fn, w, "syslet_worker");
	spin_lock(&pool.lock);
	if (IS_ERR_OR_NULL(task)) {
		/*
		 * E.g. -EINTR: the submitter has a fatal signal pending.  The
		 * chain stays queued; the next submission spawns again.
		 */
		pool.nr_workers--;
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

void syslet_pool_init(void)
{
	lwkt_initport_spin(&pool.port);
	spin_lock_init(&pool.lock);
	INIT_LIST_HEAD(&pool.workers);
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
	put_cred(c->real_cred);
	put_task_struct(c->task);
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
	struct upc_space *upc = NULL;
	struct syslet_chain *next;
	int upcid = 0, prio = 0;
	bool spawn = false;

	spin_lock(&ctx->ring_lock);
	list_del(&c->node);
	if (c->gen == ctx->gen && ctx->registered) {
		if (ran && c->post && c->final) {
			syslet_ring_post(&ctx->ring, c->final);
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

	c = kzalloc(sizeof(*c), GFP_KERNEL_ACCOUNT);
	if (c) {
		/* Still the submitter: its identity. */
		c->task = get_task_struct(current);
		c->cred = get_current_cred();
		c->real_cred = get_cred(current->real_cred);
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
		put_cred(c->real_cred);
		put_task_struct(c->task);
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
 * Returns when none is left, with ctx->cancelling still set so that no
 * new chain can start before the caller unregisters.
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
	/* ctx->cancelling stays set: the caller unregisters next. */
	wait_event(ctx->wait, !READ_ONCE(ctx->inflight));
}
