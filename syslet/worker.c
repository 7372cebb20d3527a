// SPDX-License-Identifier: GPL-2.0
/*
 * syslet: the workers.  Each context has its own, and each worker is a
 * thread of the process that owns the context: vhost_task_create() clones
 * the calling thread (CLONE_THREAD | CLONE_VM | CLONE_FS | CLONE_SIGHAND,
 * a PF_USER_WORKER that blocks every signal but SIGKILL and SIGSTOP), as
 * io_uring's io-wq has done since 5.12.  Its CPU time, memory, I/O and
 * pids are the process's cgroups'; its namespaces, rlimits, tty and audit
 * context are the process's; SIGKILL of the process, exit and exec end
 * it with the other threads.  vhost tasks start without a file table
 * (no_files); the creator takes a counted reference to the process's
 * table, which the worker installs as its own and exit_files() drops.
 *
 * Workers are created only by threads of the owning process in a system
 * call on the context (SYSLET_IOC_REGISTER creates the first, EXEC more
 * while every worker is busy), up to the context's max_threads and
 * syslet.max_workers_per_user for the user of the creating thread.
 *
 * A worker serves its context's port: vhost_task's loop calls
 * syslet_worker_fn() with the task state already TASK_INTERRUPTIBLE and
 * sleeps when it returns false.  A worker that finds the port empty puts
 * itself on ctx->idle; a sender takes one off and wakes it, both under
 * ring_lock, so no wake-up is lost.  Between atoms, a worker with task_work
 * pending (an fput) returns to the loop, whose get_signal() runs it, and
 * resumes the chain on the next call.
 *
 * Workers are stopped when their context is unregistered, by the
 * unregistering thread if it can wait for them (it is not one of them
 * and every chain has ended), otherwise by a reaper on syslet_wq, which
 * module unload drains.
 */
#include <linux/fdtable.h>
#include <linux/hashtable.h>
#include <linux/sched/clock.h>
#include <linux/sched/stat.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <uapi/linux/sched/types.h>
#include <linux/task_work.h>

#include <msgport/compat.h>
#include "syslet.h"

static struct workqueue_struct *syslet_wq;

/* ---------------------------------------------------------------------
 * Workers per user (syslet.max_workers_per_user).
 */

struct syslet_user {
	struct hlist_node node;
	kuid_t uid;
	unsigned int workers;
};

static DEFINE_HASHTABLE(syslet_users, 6);	/* U */
static DEFINE_SPINLOCK(syslet_users_lock);	/* U */

static struct syslet_user *syslet_user_find(kuid_t uid)
{
	struct syslet_user *u;

	lockdep_assert_held(&syslet_users_lock);
	hash_for_each_possible(syslet_users, u, node, __kuid_val(uid))
		if (uid_eq(u->uid, uid))
			return u;
	return NULL;
}

/* Count one more worker of @uid; false past the limit. */
static bool syslet_user_charge(kuid_t uid)
{
	struct syslet_user *u, *nu = kzalloc(sizeof(*nu), GFP_KERNEL);
	bool ok = false;

	spin_lock(&syslet_users_lock);
	u = syslet_user_find(uid);
	if (!u && nu) {
		u = nu;
		nu = NULL;
		u->uid = uid;
		hash_add(syslet_users, &u->node, __kuid_val(uid));
	}
	if (u && u->workers < READ_ONCE(syslet_max_workers_per_user)) {
		u->workers++;
		ok = true;
	}
	if (u && !u->workers) {
		hash_del(&u->node);
		kfree(u);
	}
	spin_unlock(&syslet_users_lock);
	kfree(nu);
	return ok;
}

static void syslet_user_uncharge(kuid_t uid)
{
	struct syslet_user *u;

	spin_lock(&syslet_users_lock);
	u = syslet_user_find(uid);
	if (!WARN_ON_ONCE(!u) && !--u->workers) {
		hash_del(&u->node);
		kfree(u);
	}
	spin_unlock(&syslet_users_lock);
}

/* ---------------------------------------------------------------------
 * The worker thread.
 */

/**
 * syslet_current_chain() - the chain current runs as a worker, or NULL
 *
 * Return: the chain, or NULL in the submitter (or an idle worker).
 */
struct syslet_chain *syslet_current_chain(void)
{
	struct syslet_worker *w = syslet_current_worker();

	return w ? w->chain : NULL;
}

/*
 * An ordinary (SCHED_NORMAL) worker becomes SCHED_BATCH, at the same nice
 * value: the scheduler then never lets its wake-up preempt the task
 * running on the CPU, which is most often the submitter that woke it.
 * Without that, a submitter queueing chain after chain hands its CPU to
 * the worker it wakes for each one, and back when the chain is done: two
 * context switches per chain, both threads on one CPU (S4 in
 * Documentation/benchmarks.rst).  A worker of a real-time or SCHED_IDLE
 * thread keeps the policy it was cloned with.
 */
static void syslet_worker_sched(void)
{
	struct sched_attr attr = {
		.size = sizeof(attr),
		.sched_policy = SCHED_BATCH,
		.sched_nice = task_nice(current),
	};

	if (READ_ONCE(syslet_worker_batch) && current->policy == SCHED_NORMAL)
		WARN_ON_ONCE(sched_setattr_nocheck(current, &attr));
}

/* First run (or death before it): adopt the file table, say started. */
static void syslet_worker_install(struct syslet_worker *w)
{
	task_lock(current);
	WARN_ON_ONCE(current->files);
	current->files = w->files;
	task_unlock(current);
	syslet_worker_sched();
	current->worker_private = w;
	w->task = current;
	w->installed = true;
	complete(&w->started);
}

/* ---------------------------------------------------------------------
 * Active workers, and the hand-off when one blocks.
 *
 * A worker is active from the chain it takes until it finds nothing more
 * to take, except while it is blocked in an atom.  While one is, the
 * wake-up of a parked chain wakes nobody: the active worker drains
 * ctx->ready before it sleeps.  Blocking is what a module cannot see
 * coming, so the scheduler's preemption notifier (CONFIG_PREEMPT_NOTIFIERS,
 * as KVM uses) tells: a worker switched out while not runnable is no
 * longer active, and if chains wait, an irq_work wakes an idle worker for
 * them, as io-wq's scheduler hook wakes another worker when one blocks.
 * Without the notifier, every wake-up wakes an idle worker.
 */

#ifdef CONFIG_PREEMPT_NOTIFIERS
#define SYSLET_HAVE_HANDOFF	1
#else
#define SYSLET_HAVE_HANDOFF	0
#endif

/* The hand-off is built in and on. */
static bool syslet_handoff_on(void)
{
	return SYSLET_HAVE_HANDOFF && READ_ONCE(syslet_handoff);
}

/**
 * syslet_workers_active() - will a worker look at ctx->ready before it
 *	sleeps?
 * @ctx: the context
 *
 * Context: any; after adding to ctx->ready, whose full barrier pairs with
 * syslet_worker_uncount()'s: a worker that stops being active after this
 * read sees the addition.
 * Return: true if a worker is active (and syslet.handoff is set).
 */
bool syslet_workers_active(struct syslet_ctx *ctx)
{
	return syslet_handoff_on() && atomic_read(&ctx->nr_active);
}

static void syslet_worker_count(struct syslet_worker *w)
{
	if (!w->counted) {
		w->counted = true;
		atomic_inc(&w->ctx->nr_active);
	}
}

/*
 * @w is no longer active.  True if chains wait that no worker may be
 * coming for: the caller wakes an idle worker (or takes them itself).
 */
static bool syslet_worker_uncount(struct syslet_worker *w)
{
	struct syslet_ctx *ctx = w->ctx;

	if (!w->counted)
		return false;
	w->counted = false;
	atomic_dec(&ctx->nr_active);
	smp_mb__after_atomic();		/* pairs with llist_add() */
	return !llist_empty(&ctx->ready) || READ_ONCE(ctx->nr_queued);
}

#ifdef CONFIG_PREEMPT_NOTIFIERS
/*
 * Switched out, in the worker's context under the runqueue lock: if it
 * blocks (not merely preempted), hand the waiting chains on.
 */
static void syslet_worker_sched_out(struct preempt_notifier *pn,
				    struct task_struct *next)
{
	struct syslet_worker *w = container_of(pn, struct syslet_worker, pn);

	if (!task_is_running(current) && syslet_worker_uncount(w) &&
	    syslet_handoff_on())
		irq_work_queue(&w->ctx->wake_work);
}

static void syslet_worker_sched_in(struct preempt_notifier *pn, int cpu)
{
	syslet_worker_count(container_of(pn, struct syslet_worker, pn));
}

static struct preempt_ops syslet_worker_preempt_ops = {
	.sched_in = syslet_worker_sched_in,
	.sched_out = syslet_worker_sched_out,
};
#endif

/* @w took a chain: active, and told when it blocks. */
static void syslet_worker_hook(struct syslet_worker *w)
{
	syslet_worker_count(w);
#ifdef CONFIG_PREEMPT_NOTIFIERS
	if (!w->hooked) {
		preempt_notifier_init(&w->pn, &syslet_worker_preempt_ops);
		preempt_disable();
		preempt_notifier_register(&w->pn);
		preempt_enable();
		w->hooked = true;
	}
#endif
}

/*
 * @w has no chain any more (still active until it finds nothing to take).
 * The notifier is only registered while the worker has a chain: a worker
 * without one may be stopped and freed before its thread is done.
 */
static void syslet_worker_unhook(struct syslet_worker *w)
{
#ifdef CONFIG_PREEMPT_NOTIFIERS
	if (w->hooked) {
		preempt_disable();
		preempt_notifier_unregister(&w->pn);
		preempt_enable();
		w->hooked = false;
	}
#endif
}

/* Take the next chain off the port, or go idle.  True if it took one. */
static bool syslet_worker_take(struct syslet_worker *w)
{
	struct syslet_ctx *ctx = w->ctx;
	struct syslet_chain *c;
	lwkt_msg_t msg = NULL;

	spin_lock(&ctx->ring_lock);
	if (w->live) {
		syslet_ready_drain_locked(ctx);
		msg = syslet_take_locked(ctx);
	}
	if (!msg) {
		if (w->live && list_empty(&w->idle_node)) {
			list_add(&w->idle_node, &ctx->idle);
			syslet_idle_update_locked(ctx);
		}
		spin_unlock(&ctx->ring_lock);
		return false;
	}
	if (!list_empty(&w->idle_node)) {
		list_del_init(&w->idle_node);
		syslet_idle_update_locked(ctx);
	}
	ctx->nr_queued--;
	ctx->nr_free--;
	c = container_of(msg, struct syslet_chain, msg);
	c->worker = current;		/* for a cancel, under ring_lock */
	/*
	 * Without the hand-off nothing wakes a worker for the chains this
	 * one left queued, should it block: wake one now, which
	 * wakes the next if more are left.
	 */
	if (ctx->nr_queued && !syslet_handoff_on())
		syslet_worker_wake_locked(ctx);
	spin_unlock(&ctx->ring_lock);
	syslet_worker_hook(w);
	/*
	 * An interruption left from the previous chain is not for this one;
	 * a cancel of this one marks it cancelled before interrupting it.
	 */
	clear_notify_signal();
	syslet_chain_run_begin(w, c);
	return true;
}

/*
 * Before it sleeps, an idle worker spins for the next chain for up to
 * syslet.spin_ns while its CPU has nothing else to run, as msgport's
 * receivers do: back-to-back chains then cost no cross-CPU wake-up and
 * two context switches each.  It stays on ctx->idle meanwhile, so a
 * sender's wake-up only makes it runnable.  It stops at once when another
 * task becomes runnable here, on need_resched() or a signal (a stop or
 * SIGKILL), and never spins on a single CPU.  True if it took a chain.
 */
static bool syslet_worker_spin(struct syslet_worker *w)
{
	unsigned int ns = min(READ_ONCE(syslet_spin_ns), 1000000U);
	u64 end;

	if (!ns || num_online_cpus() < 2)
		return false;
	end = local_clock() + ns;
	while (single_task_running() && !need_resched() &&
	       !signal_pending(current) && local_clock() < end) {
		/* A hint, read without the lock: take checks under it. */
		if (READ_ONCE(w->ctx->nr_queued) ||
		    !llist_empty(&w->ctx->ready))
			return syslet_worker_take(w);
		cpu_relax();
	}
	return false;
}

/*
 * Has the process an ordinary thread left?  Its workers hold its file
 * table, so when every ordinary thread has left with an exit of its own
 * (SYS_exit, pthread_exit() of the last one) rather than exit_group(),
 * nothing would close the device and end them: the process would live on
 * in its idle workers.  io_uring cancels its workers from do_exit(), which
 * a module cannot hook; an idle worker looks every SYSLET_IDLE_CHECK
 * instead, and ends the thread group if no ordinary thread is left.
 */
#define SYSLET_IDLE_CHECK	HZ

static bool syslet_process_alive(void)
{
	struct task_struct *t;
	bool alive = false;

	rcu_read_lock();
	for_each_thread(current, t) {
		if (!(READ_ONCE(t->flags) & (PF_USER_WORKER | PF_EXITING))) {
			alive = true;
			break;
		}
	}
	rcu_read_unlock();
	return alive;
}

/* Sleep as idle (the state is already TASK_INTERRUPTIBLE), but not for ever. */
static void syslet_worker_idle(void)
{
	if (!schedule_timeout(SYSLET_IDLE_CHECK) && !syslet_process_alive())
		send_sig(SIGKILL, current, 1);
}

/* The chain is over: back to the free workers, then reply. */
static void syslet_worker_done(struct syslet_worker *w, int ret)
{
	struct syslet_ctx *ctx = w->ctx;

	spin_lock(&ctx->ring_lock);
	if (w->live)
		ctx->nr_free++;
	w->chain->worker = NULL;	/* for a cancel, under ring_lock */
	spin_unlock(&ctx->ring_lock);
	syslet_chain_run_end(w, ret);
	syslet_worker_unhook(w);
}

/*
 * Back to the worker's own credentials, and no scheduler hook: before it
 * returns to vhost_task's loop, where it may be stopped (and freed) or
 * run task_work (an __fput()) as itself.
 */
static void syslet_worker_release(struct syslet_worker *w)
{
	syslet_run_flush(&w->run);
	if (w->own_cred) {
		revert_creds(w->own_cred);
		w->own_cred = NULL;
	}
	syslet_worker_unhook(w);
}

/*
 * Run the chain until it ends or yields, as its submitting thread.  The
 * credentials stay overridden from one chain to the next while they are
 * the same (syslet_worker_release() reverts them): override_creds() and
 * revert_creds() take and drop a reference each, two atomic operations
 * per step of a chain that parks on every round trip.
 */
static int syslet_worker_step(struct syslet_worker *w)
{
	const struct cred *cred = w->chain->ident->cred;

	if (READ_ONCE(w->chain->cancelled))
		return SYSLET_RUN_DONE;
	if (current_cred() != cred) {
		if (w->own_cred)
			revert_creds(w->own_cred);
		w->own_cred = override_creds(cred);
	}
	return syslet_run(&w->run);
}

/*
 * Found nothing to take (state TASK_INTERRUPTIBLE): sleep as idle, unless
 * chains woke meanwhile or task_work waits.
 */
static void syslet_worker_sleep(struct syslet_worker *w)
{
	/*
	 * No longer active, and on ctx->idle (and ctx->idle_task) now: a
	 * parked chain woken before that found no worker to wake.  A worker
	 * stopped by an unregistration takes none: it hands them to an idle
	 * worker of the next registration.
	 */
	if (syslet_worker_uncount(w) && !READ_ONCE(w->live))
		syslet_wake_idle(w->ctx);
	smp_mb();	/* pairs with syslet_park_ready()'s */
	/*
	 * A file whose last reference a parked chain held (fput() from the
	 * ready list) is released by task_work: run it before sleeping,
	 * through the loop's get_signal().
	 */
	if (task_work_pending(current)) {
		/* __fput() may sleep: not as idle. */
		__set_current_state(TASK_RUNNING);
		set_thread_flag(TIF_NOTIFY_SIGNAL);
	} else if (!READ_ONCE(w->live) || llist_empty(&w->ctx->ready)) {
		syslet_worker_idle();
	}
}

/*
 * vhost_task's loop: false to sleep (state already TASK_INTERRUPTIBLE).
 * A worker runs the chains it finds one after the other in one call, and
 * goes back to the loop when none is left, a signal is pending (SIGKILL,
 * a stop, TIF_NOTIFY_SIGNAL for task_work), or a chain yields.
 */
static bool syslet_worker_fn(void *data)
{
	struct syslet_worker *w = data;
	bool ran = false;
	int ret;

	if (unlikely(!w->installed)) {
		syslet_worker_install(w);
		return false;		/* the creator wakes it once added */
	}
next:
	if (!w->chain) {
		/*
		 * After a chain: in the state the loop sets before it calls
		 * here, so that a wake-up after the take is not lost.  A
		 * worker being stopped is no longer live (first): back to
		 * the loop, which sees the stop.
		 */
		if (ran)
			set_current_state(TASK_INTERRUPTIBLE);
		if (!syslet_worker_take(w)) {
			syslet_worker_release(w);
			if (ran && !READ_ONCE(w->live))
				return true;
			if (!syslet_worker_spin(w)) {
				syslet_worker_sleep(w);
				return true;	/* the loop checks signals, STOP */
			}
		}
	}
	__set_current_state(TASK_RUNNING);
	ran = true;
	ret = syslet_worker_step(w);
	if (ret == SYSLET_RUN_YIELD) {
		/* Back through the loop's get_signal(), which runs task_work. */
		syslet_worker_release(w);
		set_thread_flag(TIF_NOTIFY_SIGNAL);
		return true;
	}
	if (ret == SYSLET_RUN_PARK) {
		/* Parked, or its atom runs again, blocking this time. */
		if (!syslet_chain_park(w))
			w->chain->no_park = true;
	} else {
		syslet_worker_done(w, ret);
	}
	/* A signal or task_work (| rather than ||): after every step. */
	if (unlikely(signal_pending(current) | task_work_pending(current))) {
		syslet_worker_release(w);
		return true;
	}
	syslet_cond_resched();
	goto next;
}

/* SIGKILL (exit, exec, kill of the process): in the worker, before exit. */
static void syslet_worker_killed(void *data)
{
	struct syslet_worker *w = data;
	struct syslet_ctx *ctx = w->ctx;

	if (!w->installed)
		syslet_worker_install(w);	/* so that exit drops the table */
	if (w->chain)
		syslet_worker_done(w, SYSLET_RUN_DONE);	/* mid-yield */
	/* Not the process's death: say so (the fuzzer saw it once). */
	if (!(current->signal->flags & SIGNAL_GROUP_EXIT) &&
	    !current->signal->group_exec_task)
		pr_info_ratelimited("worker %d of %d ends without its process (pending %#lx, blocked %#lx, jobctl %#lx)\n",
				    task_pid_nr(current), task_tgid_nr(current),
				    current->pending.signal.sig[0],
				    current->blocked.sig[0], current->jobctl);
	spin_lock(&ctx->ring_lock);
	w->dead = true;
	if (w->live) {
		/* Stopped and freed at unregistration: not by itself. */
		w->live = false;
		list_move_tail(&w->node, &ctx->zombies);
		list_del_init(&w->idle_node);
		syslet_idle_update_locked(ctx);
		ctx->nr_workers--;
		ctx->nr_free--;
	}
	spin_unlock(&ctx->ring_lock);
	if (syslet_worker_uncount(w))
		syslet_wake_idle(ctx);
}

/* Stop and free a worker; it has no chain, or is about to have none. */
static void syslet_worker_free(struct syslet_worker *w)
{
	vhost_task_stop(w->vtsk);
	/* Stopped between a chain and its idle check: hand on what waits. */
	if (syslet_worker_uncount(w))
		syslet_wake_idle(w->ctx);
#ifdef CONFIG_PREEMPT_NOTIFIERS
	/* Its scheduler hook's last wake-up has run. */
	irq_work_sync(&w->ctx->wake_work);
#endif
	syslet_user_uncharge(w->uid);
	syslet_ctx_put(w->ctx);
	kfree(w);
}

/**
 * syslet_worker_wake_locked() - wake an idle worker for a queued chain
 * @ctx: the context
 *
 * Context: ctx->ring_lock held.
 */
void syslet_worker_wake_locked(struct syslet_ctx *ctx)
{
	struct syslet_worker *w;

	lockdep_assert_held(&ctx->ring_lock);
	w = list_first_entry_or_null(&ctx->idle, struct syslet_worker,
				     idle_node);
	if (w) {
		list_del_init(&w->idle_node);
		syslet_idle_update_locked(ctx);
		vhost_task_wake(w->vtsk);
	}
}

/* Give back a reservation of ctx->nr_workers, unless a teardown took it. */
static void syslet_worker_unreserve(struct syslet_ctx *ctx, unsigned int gen)
{
	spin_lock(&ctx->ring_lock);
	if (ctx->gen == gen && !ctx->cancelling)
		ctx->nr_workers--;
	spin_unlock(&ctx->ring_lock);
}

/**
 * syslet_worker_create() - create a worker for a context
 * @ctx: the context, registered generation @gen, with ctx->nr_workers
 *	already counting this worker
 * @gen: the registration
 *
 * The new thread is a clone of current, which must be a thread of the
 * owning process (with the registered file table), in no borrowed
 * identity (no override_creds()).  On failure, the reservation in
 * ctx->nr_workers is given back.
 *
 * Context: process context, may sleep.
 * Return: 0, -EAGAIN (syslet.max_workers_per_user, or fork's own limits:
 * RLIMIT_NPROC, pids.max), -ENOMEM, -ECANCELED (unregistered meanwhile,
 * or killed), or another error of the thread's creation.
 */
int syslet_worker_create(struct syslet_ctx *ctx, unsigned int gen)
{
	struct syslet_worker *w;
	struct vhost_task *vtsk;
	sigset_t all, old;
	bool added = false;
	int ret;

	ret = -ENOMEM;
	w = kzalloc(sizeof(*w), GFP_KERNEL_ACCOUNT);
	if (!w)
		goto out_unreserve;
	INIT_LIST_HEAD(&w->node);
	INIT_LIST_HEAD(&w->idle_node);
	init_completion(&w->started);
	syslet_worker_timer_init(w);
	w->uid = current_uid();
	ret = -EAGAIN;
	if (!syslet_user_charge(w->uid))
		goto out_free;
	kref_get(&ctx->ref);
	w->ctx = ctx;
	/* As CLONE_FILES would; the creator holds one, so never the last. */
	atomic_inc(&current->files->count);
	w->files = current->files;

	/*
	 * fork refuses while a signal is pending (-ERESTARTNOINTR), and a
	 * chain may go async precisely because one is: hold them back for
	 * the clone (the worker blocks them all anyway); they are delivered
	 * when the ioctl returns.
	 */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	vtsk = vhost_task_create(syslet_worker_fn, syslet_worker_killed, w,
				 "syslet_worker");
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (IS_ERR(vtsk)) {
		ret = PTR_ERR(vtsk);
		atomic_dec(&w->files->count);
		syslet_ctx_put(ctx);
		syslet_user_uncharge(w->uid);
		goto out_free;
	}
	w->vtsk = vtsk;
	vhost_task_start(vtsk);
	/* It installs the table and says so, or dies doing it: not long. */
	wait_for_completion(&w->started);

	spin_lock(&ctx->ring_lock);
	if (!w->dead && ctx->registered && ctx->gen == gen &&
	    !ctx->cancelling) {
		w->live = true;
		list_add_tail(&w->node, &ctx->workers);
		ctx->nr_free++;
		/* Under the lock: a teardown cannot free it meanwhile. */
		vhost_task_wake(vtsk);
		added = true;
	}
	spin_unlock(&ctx->ring_lock);
	if (added)
		return 0;
	syslet_worker_free(w);
	syslet_worker_unreserve(ctx, gen);
	return -ECANCELED;

out_free:
	kfree(w);
out_unreserve:
	syslet_worker_unreserve(ctx, gen);
	return ret;
}

/* ---------------------------------------------------------------------
 * Teardown.
 */

struct syslet_reaper {
	struct work_struct work;
	struct syslet_ctx *ctx;
	unsigned int gen;
	struct list_head workers;
};

/* Let each worker finish its (cancelled) chain, then stop it. */
static void syslet_reap(struct syslet_ctx *ctx, struct list_head *workers)
{
	struct syslet_worker *w, *tmp;

	list_for_each_entry_safe(w, tmp, workers, node) {
		wait_event(ctx->wait, !READ_ONCE(w->chain));
		list_del(&w->node);
		syslet_worker_free(w);
	}
}

static void syslet_reaper_fn(struct work_struct *work)
{
	struct syslet_reaper *r = container_of(work, struct syslet_reaper,
					       work);

	syslet_reap(r->ctx, &r->workers);
	syslet_ctx_put(r->ctx);
	kfree(r);
}

/**
 * syslet_ctx_stop_workers() - stop all workers of a context
 * @ctx: the context, cancelling
 * @drained: no chain is left (syslet_ctx_cancel() returned true)
 *
 * The caller waits for the workers if it can: it is not a worker itself
 * and no chain is left, so each stops at once.  Otherwise a reaper on
 * syslet_wq waits for their chains to end and stops them.
 *
 * Context: process context, ctx->lock held.
 */
void syslet_ctx_stop_workers(struct syslet_ctx *ctx, bool drained)
{
	struct syslet_worker *w;
	struct syslet_reaper *r;
	LIST_HEAD(list);

	lockdep_assert_held(&ctx->lock);
	spin_lock(&ctx->ring_lock);
	list_for_each_entry(w, &ctx->workers, node) {
		w->live = false;
		list_del_init(&w->idle_node);
	}
	syslet_idle_update_locked(ctx);
	list_splice_init(&ctx->workers, &list);
	list_splice_init(&ctx->zombies, &list);
	ctx->nr_workers = 0;
	ctx->nr_free = 0;
	spin_unlock(&ctx->ring_lock);
	if (list_empty(&list))
		return;

	if (drained && !syslet_current_worker()) {
		syslet_reap(ctx, &list);
		return;
	}
	r = kzalloc(sizeof(*r), GFP_KERNEL | __GFP_NOFAIL);
	INIT_WORK(&r->work, syslet_reaper_fn);
	INIT_LIST_HEAD(&r->workers);
	list_splice(&list, &r->workers);
	kref_get(&ctx->ref);
	r->ctx = ctx;
	queue_work(syslet_wq, &r->work);
}

static void syslet_unregister_fn(struct work_struct *work)
{
	struct syslet_reaper *r = container_of(work, struct syslet_reaper,
					       work);
	struct syslet_ctx *ctx = r->ctx;

	mutex_lock(&ctx->lock);
	if (ctx->registered && ctx->gen == r->gen)
		syslet_ctx_unregister(ctx);
	mutex_unlock(&ctx->lock);
	syslet_ctx_put(ctx);
	kfree(r);
}

/**
 * syslet_ctx_defer_unregister() - unregister a context from syslet_wq
 * @ctx: the context, marked dead, registration generation @gen
 * @gen: the registration to end
 *
 * For ->flush in one of the context's own workers (a chain closed the
 * context's last fd in its process): the unregistration waits for every
 * chain, this one included, so it cannot run in this one.
 */
void syslet_ctx_defer_unregister(struct syslet_ctx *ctx, unsigned int gen)
{
	struct syslet_reaper *r = kzalloc(sizeof(*r), GFP_KERNEL | __GFP_NOFAIL);

	INIT_WORK(&r->work, syslet_unregister_fn);
	kref_get(&ctx->ref);
	r->ctx = ctx;
	r->gen = gen;
	queue_work(syslet_wq, &r->work);
}

int syslet_workers_init(void)
{
	syslet_wq = alloc_workqueue("syslet", WQ_UNBOUND, 0);
	if (!syslet_wq)
		return -ENOMEM;
#ifdef CONFIG_PREEMPT_NOTIFIERS
	preempt_notifier_inc();
#endif
	return 0;
}

void syslet_workers_exit(void)
{
	/* Every context is closed: only reapers and unregistrations left. */
	destroy_workqueue(syslet_wq);
#ifdef CONFIG_PREEMPT_NOTIFIERS
	preempt_notifier_dec();
#endif
}
