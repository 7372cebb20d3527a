// SPDX-License-Identifier: GPL-2.0
/*
 * syslet: the /dev/syslet misc device.  Each open file is a context.
 *
 * A context is bound at SYSLET_IOC_REGISTER to the registering process:
 * its mm, its file table and its thread group.  Only a task with both (the
 * process's threads) may use it; a forked child, an exec'ed image or
 * another process that got the fd gets -EPERM.  Its workers are threads
 * of that process (worker.c).  When the owner's file table drops the last
 * fd for the device (close, exec with O_CLOEXEC, the exit of its last
 * thread), ->flush cancels the context's chains and stops its workers.
 *
 * Administration, like io_uring's sysctls: syslet.disabled and
 * syslet.group decide who may open /dev/syslet and /dev/upcall;
 * syslet.allow_confined lets tasks under seccomp run native ops (which
 * their filter does not see) instead of genuine calls, and submit with
 * SYSLET_IOC_EXEC; syslet.max_workers_per_ctx and
 * syslet.max_workers_per_user bound the workers.
 */
#include <linux/capability.h>
#include <linux/compat.h>
#include <linux/cred.h>
#include <linux/eventfd.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/pid.h>
#include <linux/poll.h>
#include <linux/seccomp.h>
#include <linux/seq_file.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "syslet.h"
#include <msgport/compat.h>
#include "../upcall/upcall.h"

#define CREATE_TRACE_POINTS
#include "syslet_trace.h"

/* Largest ring: 1 MiB, 131072 slots. */
#define SYSLET_RING_MAX		(1UL << 20)

/* syslet.disabled: 0 everyone, 1 syslet.group and CAP_SYS_ADMIN, 2 nobody */
static int syslet_disabled;
static int syslet_group = -1;
bool syslet_allow_confined;
unsigned int syslet_max_workers_per_ctx = 64;
unsigned int syslet_max_workers_per_user = 1024;
unsigned int syslet_spin_ns = 50000;
bool syslet_worker_batch = true;
bool syslet_park = true;
bool syslet_handoff = true;

static int syslet_set_disabled(const char *val, const struct kernel_param *kp)
{
	int n, ret = kstrtoint(val, 0, &n);

	if (ret)
		return ret;
	if (n < 0 || n > 2)
		return -EINVAL;
	WRITE_ONCE(syslet_disabled, n);
	return 0;
}

static const struct kernel_param_ops syslet_disabled_ops = {
	.set = syslet_set_disabled,
	.get = param_get_int,
};

module_param_cb(disabled, &syslet_disabled_ops, &syslet_disabled, 0644);
MODULE_PARM_DESC(disabled,
		 "Who may open /dev/syslet and /dev/upcall: 0 everyone (default), 1 members of syslet.group and CAP_SYS_ADMIN, 2 nobody");
module_param_named(group, syslet_group, int, 0644);
MODULE_PARM_DESC(group, "The group of syslet.disabled=1 (-1: none)");
module_param_named(allow_confined, syslet_allow_confined, bool, 0644);
MODULE_PARM_DESC(allow_confined,
		 "Tasks under seccomp run native ops, bypassing their filter, instead of genuine calls (default N)");
module_param_named(max_workers_per_ctx, syslet_max_workers_per_ctx, uint, 0644);
MODULE_PARM_DESC(max_workers_per_ctx,
		 "Workers of one context at most (max_nr_threads -1, and the cap of larger values; default 64)");
module_param_named(max_workers_per_user, syslet_max_workers_per_user, uint, 0644);
MODULE_PARM_DESC(max_workers_per_user,
		 "Workers of all contexts created by one user at most (default 1024)");
module_param_named(worker_batch, syslet_worker_batch, bool, 0644);
MODULE_PARM_DESC(worker_batch,
		 "New workers of SCHED_NORMAL threads are SCHED_BATCH, so that waking one does not preempt the submitter (default Y)");
module_param_named(park, syslet_park, bool, 0644);
MODULE_PARM_DESC(park,
		 "A worker parks a chain whose read of a socket or pipe would block, instead of blocking with it (default Y)");
module_param_named(handoff, syslet_handoff, bool, 0644);
MODULE_PARM_DESC(handoff,
		 "A woken parked chain wakes no worker while another is active, which takes it; one that blocks hands the chains on (default Y; needs CONFIG_PREEMPT_NOTIFIERS)");
module_param_named(spin_ns, syslet_spin_ns, uint, 0644);
MODULE_PARM_DESC(spin_ns,
		 "An idle worker spins up to this long (ns, at most 1 ms) for the next chain before sleeping; 0: never (default 50000)");

/**
 * syslet_access_allowed() - may current open /dev/syslet or /dev/upcall?
 *
 * Return: true if syslet.disabled and syslet.group allow it.
 */
bool syslet_access_allowed(void)
{
	int gid;

	switch (READ_ONCE(syslet_disabled)) {
	case 0:
		return true;
	case 1:
		gid = READ_ONCE(syslet_group);
		if (gid >= 0 && in_group_p(make_kgid(&init_user_ns, gid)))
			return true;
		return capable(CAP_SYS_ADMIN);
	}
	return false;
}

static void syslet_ctx_release(struct kref *ref)
{
	struct syslet_ctx *ctx = container_of(ref, struct syslet_ctx, ref);

	/* Unregistration forgot them all, and none registers after it. */
	WARN_ON_ONCE(!list_empty(&ctx->servers) ||
		     !list_empty(&ctx->requests) || !list_empty(&ctx->taken));
	mutex_destroy(&ctx->lock);
	kfree(ctx->counts);
	/* After the wake-ups of parked chains that may still look at it. */
	kfree_rcu(ctx, rcu);
}

void syslet_ctx_put(struct syslet_ctx *ctx)
{
	kref_put(&ctx->ref, syslet_ctx_release);
}

static int syslet_open(struct inode *inode, struct file *file)
{
	struct syslet_ctx *ctx;

	if (!syslet_access_allowed())
		return -EPERM;
	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL_ACCOUNT);
	if (!ctx)
		return -ENOMEM;
	ctx->counts = kcalloc(SYSLET_COUNT_SLOTS, sizeof(*ctx->counts),
			      GFP_KERNEL_ACCOUNT);
	if (!ctx->counts) {
		kfree(ctx);
		return -ENOMEM;
	}
	kref_init(&ctx->ref);
	mutex_init(&ctx->lock);
	spin_lock_init(&ctx->ring_lock);
	spin_lock_init(&ctx->ident_lock);
	init_waitqueue_head(&ctx->wait);
	INIT_LIST_HEAD(&ctx->chains);
	INIT_LIST_HEAD(&ctx->workers);
	INIT_LIST_HEAD(&ctx->idle);
	INIT_LIST_HEAD(&ctx->zombies);
	init_llist_head(&ctx->ready);
	ctx->wake_work = IRQ_WORK_INIT_HARD(syslet_wake_work);
	syslet_ctx_init_ports(ctx);
	syslet_ctx_init_servers(ctx);
	file->private_data = ctx;
	return 0;
}

/**
 * syslet_is_owner() - is current of the process the context is bound to?
 * @ctx: the context
 *
 * Context: ctx->ring_lock held.
 * Return: true if @ctx is registered and current has its mm and file
 * table and is of its thread group (a CLONE_VM | CLONE_FILES child
 * that is not a thread would make the workers its own threads).  A
 * context whose fd its owner closed (@ctx->dead) is still the owner's
 * until its unregistration ends.
 */
bool syslet_is_owner(struct syslet_ctx *ctx)
{
	lockdep_assert_held(&ctx->ring_lock);
	return ctx->registered && ctx->mm == current->mm &&
	       ctx->files == current->files && task_tgid(current) == ctx->tgid;
}

/**
 * syslet_owner_error() - why the caller may not use the registered context
 * @ctx: the context
 *
 * A call that took the file before its owner closed the last fd to it
 * comes here while the close unregisters the context (@ctx->dead): it
 * is cancelled, as a call made while an unregistration runs is, not
 * refused as though it came from another process.
 *
 * Context: ctx->ring_lock held.
 * Return: -EINVAL if no ring is registered, -EPERM if current is not a
 * thread of the owner, -ECANCELED if the owner closed the context's
 * fd; else 0.
 */
long syslet_owner_error(struct syslet_ctx *ctx)
{
	lockdep_assert_held(&ctx->ring_lock);
	if (!ctx->registered)
		return -EINVAL;
	if (!syslet_is_owner(ctx))
		return -EPERM;
	return ctx->dead ? -ECANCELED : 0;
}

/**
 * syslet_ctx_unregister() - cancel everything, stop the workers, release
 *	the ring
 * @ctx: the context, registered
 *
 * Context: process context, ctx->lock held.
 */
void syslet_ctx_unregister(struct syslet_ctx *ctx)
{
	struct eventfd_ctx *evfd;
	struct upc_space *upc;
	bool drained;

	lockdep_assert_held(&ctx->lock);
	drained = syslet_ctx_cancel(ctx);
	syslet_ctx_stop_workers(ctx, drained);
	syslet_ctx_stop_servers(ctx);

	/* With cancelling still set: no chain started since the drain. */
	spin_lock(&ctx->ring_lock);
	ctx->registered = false;
	ctx->cancelling = false;
	ctx->gen++;
	wake_up_all(&ctx->wait);	/* WAIT sleepers: -ECANCELED */
	upc = ctx->upc;
	ctx->upc = NULL;
	evfd = ctx->evfd;
	ctx->evfd = NULL;
	spin_unlock(&ctx->ring_lock);
	if (upc)
		upc_space_put(upc);
	if (evfd)
		eventfd_ctx_put(evfd);

	vunmap(ctx->vaddr);
	unpin_user_pages_dirty_lock(ctx->pages, ctx->npages, true);
	account_locked_vm(ctx->mm, ctx->npages, false);
	kvfree(ctx->pages);
	kvfree(ctx->ring.backlog);
	mmdrop(ctx->mm);
	put_pid(ctx->tgid);
	ctx->mm = NULL;
	ctx->files = NULL;
	ctx->tgid = NULL;
	ctx->pages = NULL;
	ctx->vaddr = NULL;
	memset(&ctx->ring, 0, sizeof(ctx->ring));
}

static int syslet_same_file(const void *file, struct file *f, unsigned int fd)
{
	return f == file;
}

/* The user's ring, pinned and mapped into the kernel. */
struct syslet_ring_map {
	struct page **pages;
	unsigned int npages;
	void *vaddr;
};

/*
 * Pin @npages pages from @ring (long term, charged to the caller's
 * locked_vm against RLIMIT_MEMLOCK) and map them.  0 or an errno.
 */
static int syslet_ring_map(unsigned long ring, unsigned int npages,
			   struct syslet_ring_map *m)
{
	int pinned, ret;

	m->npages = npages;
	m->pages = kvmalloc_array(npages, sizeof(*m->pages),
				  GFP_KERNEL_ACCOUNT);
	if (!m->pages)
		return -ENOMEM;
	ret = account_locked_vm(current->mm, npages, true);
	if (ret)
		goto out_free;
	pinned = pin_user_pages_fast(ring & PAGE_MASK, npages,
				     FOLL_WRITE | FOLL_LONGTERM, m->pages);
	if (pinned != npages) {
		if (pinned > 0)
			unpin_user_pages(m->pages, pinned);
		ret = pinned < 0 && pinned != -EFAULT ? pinned : -EFAULT;
		goto out_unaccount;
	}
	m->vaddr = vmap(m->pages, npages, VM_MAP, PAGE_KERNEL);
	if (m->vaddr)
		return 0;
	ret = -ENOMEM;
	unpin_user_pages(m->pages, npages);
out_unaccount:
	account_locked_vm(current->mm, npages, false);
out_free:
	kvfree(m->pages);
	return ret;
}

/*
 * Bind @ctx to the calling process with ring @m (@nr slots, the first
 * at @slot0) and @backlog, for at most @max workers.  ring_lock held.
 * Returns the new registration generation.
 */
static unsigned int syslet_ctx_bind(struct syslet_ctx *ctx,
				    const struct syslet_ring_map *m,
				    unsigned long slot0, unsigned long nr,
				    u64 *backlog, unsigned long max)
{
	unsigned int limit = READ_ONCE(syslet_max_workers_per_ctx) ?: 1;

	lockdep_assert_held(&ctx->ring_lock);
	mmgrab(current->mm);
	ctx->mm = current->mm;
	ctx->files = current->files;
	ctx->tgid = get_pid(task_tgid(current));
	ctx->dead = false;
	ctx->pages = m->pages;
	ctx->npages = m->npages;
	ctx->vaddr = m->vaddr;
	ctx->ring = (struct syslet_ring){
		.slots = m->vaddr + offset_in_page(slot0),
		.nr = nr,
		.backlog = backlog,
	};
	ctx->max_threads = max == -1UL ? limit : min_t(unsigned long, max, limit);
	ctx->gen++;
	ctx->registered = true;
	ctx->nr_workers = 1;		/* the first, created next */
	return ctx->gen;
}

static long syslet_register(struct syslet_ctx *ctx, struct file *file,
			    struct async_head_user __user *uahu)
{
	struct syslet_ring_map m;
	struct async_head_user ahu;
	unsigned long ring, size, max;
	unsigned int nr, gen;
	u64 *backlog;
	int tries;
	long ret;

	if (copy_from_user(&ahu, uahu, sizeof(ahu)))
		return -EFAULT;
	ring = (unsigned long)ahu.completion_ring;
	size = ahu.ring_size_bytes;
	max = ahu.max_nr_threads;
	if (!size || size % sizeof(u64) || ring % sizeof(u64) ||
	    size > SYSLET_RING_MAX)
		return -EINVAL;
	if (!max || (max != -1UL && max > INT_MAX))
		return -EINVAL;
	if (!ring || !access_ok((void __user *)ring, size))
		return -EFAULT;
	nr = size / sizeof(u64);

	mutex_lock(&ctx->lock);
	ret = -EBUSY;
	if (ctx->registered)
		goto out_unlock;
	/*
	 * Bind only to a table that holds an fd for the device: ->flush,
	 * which takes ctx->lock too, then sees the binding when the last one
	 * goes.
	 */
	ret = -EBADF;
	if (!iterate_fd(current->files, 0, syslet_same_file, file))
		goto out_unlock;
	ret = -ENOMEM;
	backlog = kvmalloc_array(nr, sizeof(*backlog), GFP_KERNEL_ACCOUNT);
	if (!backlog)
		goto out_unlock;
	ret = syslet_ring_map(ring, DIV_ROUND_UP(offset_in_page(ring) + size,
						 PAGE_SIZE), &m);
	if (ret) {
		kvfree(backlog);
		goto out_unlock;
	}

	spin_lock(&ctx->ring_lock);
	gen = syslet_ctx_bind(ctx, &m, ring, nr, backlog, max);
	spin_unlock(&ctx->ring_lock);

	/*
	 * A worker from the start: a chain that goes async always has one.
	 * A worker that dies as it starts while this thread lives is made
	 * again (the fuzzer saw one, rarely, under the debug kernel).
	 */
	for (tries = 0; tries < 3; tries++) {
		ret = syslet_worker_create(ctx, gen);
		if (ret != -ECANCELED || fatal_signal_pending(current))
			break;
		spin_lock(&ctx->ring_lock);
		ctx->nr_workers = 1;
		spin_unlock(&ctx->ring_lock);
	}
	if (ret)
		syslet_ctx_unregister(ctx);
out_unlock:
	mutex_unlock(&ctx->lock);
	return ret;
}

static long syslet_unregister(struct syslet_ctx *ctx)
{
	long ret;

	mutex_lock(&ctx->lock);
	spin_lock(&ctx->ring_lock);
	ret = syslet_owner_error(ctx);
	spin_unlock(&ctx->ring_lock);
	/* Its owner closed its fd: the unregistration queued for it is due. */
	if (ret == -ECANCELED)
		ret = 0;
	if (!ret)
		syslet_ctx_unregister(ctx);
	mutex_unlock(&ctx->lock);
	return ret;
}

/*
 * Admission for EXEC and WAIT: registered, called by the owner.  For EXEC
 * also reserves a ring slot.  Returns the registration generation.
 */
static long syslet_admit(struct syslet_ctx *ctx, bool reserve)
{
	long ret;

	spin_lock(&ctx->ring_lock);
	ret = syslet_owner_error(ctx);
	if (!ret && ctx->cancelling)
		ret = -ECANCELED;
	else if (!ret && reserve)
		ret = syslet_ring_reserve(&ctx->ring);
	if (!ret)
		ret = ctx->gen;
	spin_unlock(&ctx->ring_lock);
	return ret;
}

static void syslet_unreserve(struct syslet_ctx *ctx, unsigned int gen)
{
	spin_lock(&ctx->ring_lock);
	if (ctx->registered && ctx->gen == gen)
		syslet_ring_unreserve(&ctx->ring);
	spin_unlock(&ctx->ring_lock);
}

static long syslet_exec(struct syslet_ctx *ctx, struct syslet_exec __user *uex)
{
	struct syslet_run run = {
		.env = &syslet_caller_env,
		.sync = true,
		.counts = ctx->counts,
	};
	struct syslet_exec ex;
	long gen;
	int ret;

	if (copy_from_user(&ex, uex, sizeof(ex)))
		return -EFAULT;
	if (syslet_task_confined(current))
		return -EPERM;
	gen = syslet_admit(ctx, true);
	if (gen < 0)
		return gen;

	trace_syslet_exec(ex.atom);
	run.cur = ex.atom;
	ret = syslet_run(&run);
	if (ret == SYSLET_RUN_ASYNC)
		return syslet_go_async(ctx, run.cur, ex.atom, run.deadline,
				       gen, false);
	syslet_unreserve(ctx, gen);
	if (ret < 0)
		return ret;
	if (put_user(run.final, &uex->done))
		return -EFAULT;
	return 1;
}

/*
 * SYSLET_IOC_EXEC_CALL: SYSLET_IOC_EXEC, with genuine calls made by the
 * caller.  A run that reaches an atom without a native op gives its call
 * back (SYSLET_EXEC_NEED_CALL) and keeps nothing: the caller resumes
 * with the atom and the result, and the chain goes on from there with a
 * new reservation, as a new EXEC would.
 */
static long syslet_exec_call(struct syslet_ctx *ctx,
			     struct syslet_exec_call __user *uec)
{
	struct syslet_run run = {
		.env = &syslet_caller_env,
		.priv = SYSLET_CALLER_GENUINE,
		.sync = true,
		.counts = ctx->counts,
	};
	struct syslet_exec_call ec;
	long gen;
	int ret;

	if (copy_from_user(&ec, uec, sizeof(ec)))
		return -EFAULT;
	if (ec.flags & ~(u64)SYSLET_EXEC_RESUME)
		return -EINVAL;
	gen = syslet_admit(ctx, true);
	if (gen < 0)
		return gen;

	trace_syslet_exec(ec.atom);
	run.cur = ec.atom;
	if (ec.flags & SYSLET_EXEC_RESUME)
		ret = syslet_run_resume(&run, ec.ret);
	else
		ret = syslet_run(&run);
	if (ret == SYSLET_RUN_ASYNC)
		return syslet_go_async(ctx, run.cur, ec.atom, run.deadline,
				       gen, true);
	syslet_unreserve(ctx, gen);
	if (ret < 0)
		return ret;
	if (ret == SYSLET_RUN_CALL) {
		ec.atom = run.cur;
		ec.nr = run.call_nr;
		memcpy(ec.args, run.args, sizeof(ec.args));
		if (copy_to_user(uec, &ec, sizeof(ec)))
			return -EFAULT;
		return SYSLET_EXEC_NEED_CALL;
	}
	if (put_user(run.final, &uec->done))
		return -EFAULT;
	return 1;
}

static bool syslet_wait_done(struct syslet_ctx *ctx, unsigned int gen,
			     unsigned long min, long *count)
{
	bool done;

	spin_lock(&ctx->ring_lock);
	if (!ctx->registered || ctx->gen != gen) {
		*count = -ECANCELED;
		done = true;
	} else if (min > ctx->ring.nr) {
		*count = -EINVAL;	/* more than the ring holds */
		done = true;
	} else {
		*count = syslet_ring_count(&ctx->ring);
		done = *count >= min;
	}
	spin_unlock(&ctx->ring_lock);
	return done;
}

static long syslet_wait(struct syslet_ctx *ctx, unsigned long min)
{
	long gen, count;

	gen = syslet_admit(ctx, false);
	if (gen < 0)
		return gen;
	/*
	 * -ERESTARTSYS: a signal with a handler gives EINTR (or a restart
	 * with SA_RESTART), as read(2) does; task_work queued by a worker
	 * (TWA_SIGNAL) just restarts the wait once it has run.
	 */
	if (wait_event_interruptible(ctx->wait,
				     syslet_wait_done(ctx, gen, min, &count)))
		return -ERESTARTSYS;
	return count;
}

/*
 * SYSLET_IOC_WAIT_TIMEOUT: SYSLET_IOC_WAIT with a timeout (-ETIME) and a
 * signal mask in force while it waits, as ppoll(2) takes one: a signal
 * that the mask lets through is delivered with that mask in force, and
 * the thread's own mask comes back after its handler.
 */
static long syslet_wait_timeout(struct syslet_ctx *ctx,
				struct syslet_wait __user *uw)
{
	sigset_t set, saved;
	struct syslet_wait w;
	long gen, count, left;

	if (copy_from_user(&w, uw, sizeof(w)))
		return -EFAULT;
	if (w.flags || (w.sigmask && w.sigsetsize != sizeof(sigset_t)))
		return -EINVAL;
	if (w.sigmask && copy_from_user(&set, u64_to_user_ptr(w.sigmask),
					sizeof(set)))
		return -EFAULT;
	gen = syslet_admit(ctx, false);
	if (gen < 0)
		return gen;

	if (w.sigmask) {
		sigdelsetmask(&set, sigmask(SIGKILL) | sigmask(SIGSTOP));
		sigprocmask(SIG_SETMASK, &set, &saved);
	}
	if (w.timeout_ns < 0) {
		left = wait_event_interruptible(ctx->wait,
				syslet_wait_done(ctx, gen, w.min, &count));
	} else {
		left = wait_event_interruptible_hrtimeout(ctx->wait,
				syslet_wait_done(ctx, gen, w.min, &count),
				ns_to_ktime(w.timeout_ns));
		if (left == -ETIME && syslet_wait_done(ctx, gen, w.min, &count))
			left = 0;	/* done as the timer fired */
	}
	if (left)
		count = left == -ETIME ? -ETIME : -EINTR;
	if (w.sigmask) {
		if (count == -EINTR) {
			/* Delivered with @set in force, then @saved back. */
			current->saved_sigmask = saved;
			set_restore_sigmask();
		} else {
			sigprocmask(SIG_SETMASK, &saved, NULL);
		}
	}
	return count;
}

/*
 * SYSLET_IOC_EVENTFD: signal eventfd @fd on each completion posted, as
 * IORING_REGISTER_EVENTFD does; -1 stops it.  Lasts until
 * SYSLET_IOC_UNREGISTER.
 */
static long syslet_set_eventfd(struct syslet_ctx *ctx, int fd)
{
	struct eventfd_ctx *evfd = NULL, *old = NULL;
	long ret;

	if (fd < -1)
		return -EBADF;
	if (fd >= 0) {
		evfd = eventfd_ctx_fdget(fd);
		if (IS_ERR(evfd))
			return PTR_ERR(evfd);
	}
	mutex_lock(&ctx->lock);
	spin_lock(&ctx->ring_lock);
	ret = syslet_owner_error(ctx);
	if (!ret) {
		old = ctx->evfd;
		ctx->evfd = evfd;
		evfd = NULL;
	}
	spin_unlock(&ctx->ring_lock);
	mutex_unlock(&ctx->lock);
	if (old)
		eventfd_ctx_put(old);
	if (evfd)
		eventfd_ctx_put(evfd);
	return ret;
}

/* SYSLET_IOC_CANCEL: cancel one chain by its first atom. */
static long syslet_cancel(struct syslet_ctx *ctx,
			  struct syslet_cancel __user *uc)
{
	struct syslet_cancel c;
	long gen;

	if (copy_from_user(&c, uc, sizeof(c)))
		return -EFAULT;
	if (c.flags)
		return -EINVAL;
	gen = syslet_admit(ctx, false);
	if (gen < 0)
		return gen;
	return syslet_chain_cancel(ctx, c.atom, gen);
}

/*
 * SYSLET_IOC_UPCALL: name the upcall to dispatch when a completion is
 * posted.  It must be registered in the caller's address space.
 */
static long syslet_set_upcall(struct syslet_ctx *ctx,
			      struct syslet_upcall __user *uarg)
{
	struct upc_space *space = NULL, *old;
	struct syslet_upcall a;
	long ret;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.upcid < 0 || (a.upcid && a.priority < 1))
		return -EINVAL;
	if (a.upcid) {
		space = upc_space_get_mm(current->mm);
		if (!space)
			return -ENOENT;
		/* Tells whether the identifier exists, changing nothing. */
		ret = upc_poll(space, a.upcid);
		if (ret < 0) {
			upc_space_put(space);
			return ret;
		}
	}

	mutex_lock(&ctx->lock);
	spin_lock(&ctx->ring_lock);
	ret = syslet_owner_error(ctx);
	old = NULL;
	if (!ret) {
		old = ctx->upc;
		ctx->upc = space;
		ctx->upcid = a.upcid;
		ctx->upc_prio = a.priority;
		space = NULL;
	}
	spin_unlock(&ctx->ring_lock);
	mutex_unlock(&ctx->lock);
	if (old)
		upc_space_put(old);
	if (space)
		upc_space_put(space);
	return ret;
}

static long syslet_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg)
{
	struct syslet_ctx *ctx = file->private_data;

	/* The ABI is that of 64-bit tasks. */
	if (in_compat_syscall())
		return -EOPNOTSUPP;
	switch (cmd) {
	case SYSLET_IOC_REGISTER:
		return syslet_register(ctx, file, (void __user *)arg);
	case SYSLET_IOC_EXEC:
		return syslet_exec(ctx, (void __user *)arg);
	case SYSLET_IOC_WAIT:
		return syslet_wait(ctx, arg);
	case SYSLET_IOC_UNREGISTER:
		return syslet_unregister(ctx);
	case SYSLET_IOC_UPCALL:
		return syslet_set_upcall(ctx, (void __user *)arg);
	case SYSLET_IOC_EXEC_CALL:
		return syslet_exec_call(ctx, (void __user *)arg);
	case SYSLET_IOC_SERVE:
		return syslet_serve(ctx, (void __user *)arg);
	case SYSLET_IOC_PROBE:
		return syslet_probe((void __user *)arg);
	case SYSLET_IOC_WAIT_TIMEOUT:
		return syslet_wait_timeout(ctx, (void __user *)arg);
	case SYSLET_IOC_EVENTFD:
		return syslet_set_eventfd(ctx, (int)arg);
	case SYSLET_IOC_CANCEL:
		return syslet_cancel(ctx, (void __user *)arg);
	}
	return -ENOTTY;
}

/*
 * EPOLLIN while completions wait in the ring.  Anyone holding the fd may
 * poll; the ring's contents stay the owner's.
 */
static __poll_t syslet_poll(struct file *file, poll_table *pt)
{
	struct syslet_ctx *ctx = file->private_data;
	__poll_t mask = 0;

	poll_wait(file, &ctx->wait, pt);
	spin_lock(&ctx->ring_lock);
	if (ctx->registered && syslet_ring_count(&ctx->ring))
		mask = EPOLLIN | EPOLLRDNORM;
	spin_unlock(&ctx->ring_lock);
	return mask;
}

/* /proc/<pid>/fdinfo/<fd>: the ring, the chains, the workers, the ops. */
static void syslet_show_fdinfo(struct seq_file *m, struct file *file)
{
	struct syslet_ctx *ctx = file->private_data;
	const struct syslet_op *op;
	unsigned long nr, n;
	unsigned int i;

	spin_lock(&ctx->ring_lock);
	seq_printf(m, "registered:\t%d\n", ctx->registered);
	if (ctx->registered) {
		seq_printf(m, "ring_slots:\t%lu\n", ctx->ring.nr);
		seq_printf(m, "ring_ready:\t%lu\n",
			   syslet_ring_count(&ctx->ring));
		seq_printf(m, "ring_reserved:\t%lu\n", ctx->ring.reserved);
		seq_printf(m, "backlog:\t%lu\n", ctx->ring.nbacklog);
		seq_printf(m, "chains:\t%u\n", ctx->inflight);
		seq_printf(m, "queued:\t%u\n", ctx->nr_queued);
		seq_printf(m, "parked:\t%u\n", ctx->nr_parked);
		seq_printf(m, "workers:\t%u\n", ctx->nr_workers);
		seq_printf(m, "idle_workers:\t%u\n", ctx->nr_free);
		seq_printf(m, "max_workers:\t%u\n", ctx->max_threads);
		seq_printf(m, "eventfd:\t%d\n", !!ctx->evfd);
		seq_printf(m, "upcall:\t%d\n", ctx->upcid);
	}
	spin_unlock(&ctx->ring_lock);
	for (i = 0; i < SYSLET_COUNT_SLOTS; i++) {
		n = atomic_long_read(&ctx->counts[i]);
		if (!n)
			continue;
		if (i == SYSLET_COUNT_OTHER) {
			seq_printf(m, "op other:\t%lu\n", n);
			continue;
		}
		nr = i < SYSLET_COUNT_NR ? i :
		     SYSLET_NR_BASE + (i - SYSLET_COUNT_NR);
		op = syslet_op_get(nr);
		if (nr == SYSLET_NR_TIMEOUT)
			seq_printf(m, "op timeout:\t%lu\n", n);
		else if (op)
			seq_printf(m, "op %s:\t%lu\n", op->name, n);
		else
			seq_printf(m, "op %lu:\t%lu\n", nr, n);
	}
}

/*
 * ->flush (the close of the owner's last fd, @id its table) or ->release
 * (@id NULL) in one of @ctx's own workers: the unregistration waits for
 * this worker's chain, and whoever holds ctx->lock may wait for it too.
 * Mark the context dead and leave the unregistration to syslet_wq.
 */
static void syslet_worker_unregister(struct syslet_ctx *ctx, struct file *file,
				     fl_owner_t id)
{
	unsigned int gen = 0;
	bool defer = false;

	spin_lock(&ctx->ring_lock);
	if (ctx->registered &&
	    (!id || (!ctx->dead && ctx->files == id &&
		     !iterate_fd(id, 0, syslet_same_file, file)))) {
		ctx->dead = true;
		gen = ctx->gen;
		defer = true;
	}
	spin_unlock(&ctx->ring_lock);
	if (defer)
		syslet_ctx_defer_unregister(ctx, gen);
}

/*
 * Called on every close of an fd for this file, with the closing table as
 * @id.  When the owner's table no longer has any, cancel and drain.
 */
static int syslet_flush(struct file *file, fl_owner_t id)
{
	struct syslet_ctx *ctx = file->private_data;
	struct syslet_worker *w = syslet_current_worker();

	/* A worker of this context closing its last fd (a chain's close). */
	if (w && w->ctx == ctx) {
		syslet_worker_unregister(ctx, file, id);
		return 0;
	}

	mutex_lock(&ctx->lock);
	if (ctx->registered && ctx->files == id &&
	    !iterate_fd(id, 0, syslet_same_file, file)) {
		spin_lock(&ctx->ring_lock);
		ctx->dead = true;
		spin_unlock(&ctx->ring_lock);
		syslet_ctx_unregister(ctx);
	}
	mutex_unlock(&ctx->lock);
	return 0;
}

static int syslet_release(struct inode *inode, struct file *file)
{
	struct syslet_ctx *ctx = file->private_data;
	struct syslet_worker *w = syslet_current_worker();

	/*
	 * The last reference dropped by one of the context's own workers:
	 * the task_work of a chain's close that raced with a dup2() onto
	 * its fd.
	 */
	if (w && w->ctx == ctx) {
		syslet_worker_unregister(ctx, file, NULL);
		syslet_ctx_put(ctx);
		return 0;
	}

	mutex_lock(&ctx->lock);
	if (ctx->registered)
		syslet_ctx_unregister(ctx);
	mutex_unlock(&ctx->lock);
	syslet_ctx_put(ctx);
	return 0;
}

static const struct file_operations syslet_fops;

/* Is @file an open /dev/syslet? */
bool syslet_is_device(struct file *file)
{
	return file->f_op == &syslet_fops;
}

static const struct file_operations syslet_fops = {
	.owner = THIS_MODULE,
	.open = syslet_open,
	.release = syslet_release,
	.flush = syslet_flush,
	.unlocked_ioctl = syslet_ioctl,
	.poll = syslet_poll,
	.show_fdinfo = syslet_show_fdinfo,
	.llseek = noop_llseek,
};

static struct miscdevice syslet_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "syslet",
	.fops = &syslet_fops,
	.mode = 0666,
};

static int __init syslet_init(void)
{
	int ret;

	BUILD_BUG_ON(sizeof(struct syslet_uatom) != 88);
	BUILD_BUG_ON(sizeof(struct async_head_user) != 24);
	BUILD_BUG_ON(sizeof(struct syslet_exec_call) != 88);
	BUILD_BUG_ON(sizeof(struct syslet_serve) != 80);
	BUILD_BUG_ON(sizeof(struct syslet_probe) != 144);
	ret = syslet_workers_init();
	if (ret)
		return ret;
	ret = misc_register(&syslet_misc);
	if (ret)
		goto out_workers;
	ret = upc_init();
	if (ret)
		goto out_misc;
	return 0;

out_misc:
	misc_deregister(&syslet_misc);
out_workers:
	syslet_workers_exit();
	return ret;
}

static void __exit syslet_exit(void)
{
	upc_exit();
	misc_deregister(&syslet_misc);
	syslet_workers_exit();
}

module_init(syslet_init);
module_exit(syslet_exit);

MODULE_DESCRIPTION("syslet: chains of system calls run by threads of the submitter");
MODULE_LICENSE("GPL");
MODULE_VERSION(MSGPORT_VERSION);
