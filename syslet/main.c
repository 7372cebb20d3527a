// SPDX-License-Identifier: GPL-2.0
/*
 * syslet: the /dev/syslet misc device.  Each open file is a context.
 *
 * A context is bound at SYSLET_IOC_REGISTER to the registering process:
 * its mm, its file table and its thread group.  Only a task with both (the process's
 * threads) may use it; a forked child, an exec'ed image or another
 * process that got the fd gets -EPERM.  When the owner's file table drops
 * the last fd for the device (close, exit, exec with O_CLOEXEC), ->flush
 * cancels and drains the context's chains before returning, so nothing
 * runs against a dead process or a freed file table.
 */
#include <linux/compat.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pid.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "syslet.h"
#include "upcall.h"

/* Largest ring: 1 MiB, 131072 slots. */
#define SYSLET_RING_MAX		(1UL << 20)
/* Concurrent chains per context when max_nr_threads is -1. */
#define SYSLET_DEFAULT_THREADS	64

static void syslet_ctx_release(struct kref *ref)
{
	struct syslet_ctx *ctx = container_of(ref, struct syslet_ctx, ref);

	mutex_destroy(&ctx->lock);
	kfree(ctx);
}

void syslet_ctx_put(struct syslet_ctx *ctx)
{
	kref_put(&ctx->ref, syslet_ctx_release);
}

static int syslet_open(struct inode *inode, struct file *file)
{
	struct syslet_ctx *ctx = kzalloc(sizeof(*ctx), GFP_KERNEL_ACCOUNT);

	if (!ctx)
		return -ENOMEM;
	kref_init(&ctx->ref);
	mutex_init(&ctx->lock);
	spin_lock_init(&ctx->ring_lock);
	init_waitqueue_head(&ctx->wait);
	INIT_LIST_HEAD(&ctx->chains);
	INIT_LIST_HEAD(&ctx->pending);
	syslet_reply_port_init(ctx);
	ctx->file = file;
	file->private_data = ctx;
	return 0;
}

/* Is current the process the context is bound to?  ring_lock held. */
static bool syslet_is_owner(struct syslet_ctx *ctx)
{
	lockdep_assert_held(&ctx->ring_lock);
	return ctx->registered && !ctx->dead && ctx->mm == current->mm &&
	       ctx->files == current->files;
}

/* Cancel everything and release the ring.  ctx->lock held. */
static void syslet_ctx_unregister(struct syslet_ctx *ctx)
{
	struct upc_space *upc;

	lockdep_assert_held(&ctx->lock);
	syslet_ctx_cancel(ctx);

	/* With cancelling still set: no chain started since the drain. */
	spin_lock(&ctx->ring_lock);
	ctx->registered = false;
	ctx->cancelling = false;
	ctx->gen++;
	wake_up_all(&ctx->wait);	/* WAIT sleepers: -ECANCELED */
	upc = ctx->upc;
	ctx->upc = NULL;
	spin_unlock(&ctx->ring_lock);
	if (upc)
		upc_space_put(upc);

	vunmap(ctx->vaddr);
	unpin_user_pages_dirty_lock(ctx->pages, ctx->npages, true);
	account_locked_vm(ctx->mm, ctx->npages, false);
	kvfree(ctx->pages);
	kvfree(ctx->ring.backlog);
	mmdrop(ctx->mm);
	put_pid(ctx->tgid);
	put_task_struct(ctx->owner);
	ctx->mm = NULL;
	ctx->files = NULL;
	ctx->tgid = NULL;
	ctx->owner = NULL;
	ctx->pages = NULL;
	ctx->vaddr = NULL;
	memset(&ctx->ring, 0, sizeof(ctx->ring));
}

static int syslet_same_file(const void *file, struct file *f, unsigned int fd)
{
	return f == file;
}

static long syslet_register(struct syslet_ctx *ctx, struct file *file,
			    struct async_head_user __user *uahu)
{
	struct async_head_user ahu;
	unsigned long ring, size, max;
	unsigned int npages, nr;
	struct page **pages;
	u64 *backlog;
	void *vaddr;
	long ret;
	int pinned;

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
	npages = DIV_ROUND_UP(offset_in_page(ring) + size, PAGE_SIZE);

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
	pages = kvmalloc_array(npages, sizeof(*pages), GFP_KERNEL_ACCOUNT);
	backlog = kvmalloc_array(nr, sizeof(*backlog), GFP_KERNEL_ACCOUNT);
	if (!pages || !backlog)
		goto out_free;
	/* Charged to the mm's locked_vm, checked against RLIMIT_MEMLOCK. */
	ret = account_locked_vm(current->mm, npages, true);
	if (ret)
		goto out_free;
	pinned = pin_user_pages_fast(ring & PAGE_MASK, npages,
				     FOLL_WRITE | FOLL_LONGTERM, pages);
	if (pinned != npages) {
		if (pinned > 0)
			unpin_user_pages(pages, pinned);
		ret = pinned < 0 && pinned != -EFAULT ? pinned : -EFAULT;
		goto out_unaccount;
	}
	vaddr = vmap(pages, npages, VM_MAP, PAGE_KERNEL);
	if (!vaddr) {
		ret = -ENOMEM;
		unpin_user_pages(pages, npages);
		goto out_unaccount;
	}

	mmgrab(current->mm);
	spin_lock(&ctx->ring_lock);
	ctx->mm = current->mm;
	ctx->files = current->files;
	ctx->tgid = get_pid(task_tgid(current));
	ctx->owner = get_task_struct(current);
	ctx->dead = false;
	ctx->pages = pages;
	ctx->npages = npages;
	ctx->vaddr = vaddr;
	ctx->ring = (struct syslet_ring){
		.slots = vaddr + offset_in_page(ring),
		.nr = nr,
		.backlog = backlog,
	};
	ctx->max_threads = max == -1UL ? SYSLET_DEFAULT_THREADS : max;
	ctx->gen++;
	ctx->registered = true;
	spin_unlock(&ctx->ring_lock);
	mutex_unlock(&ctx->lock);
	return 0;

out_unaccount:
	account_locked_vm(current->mm, npages, false);
out_free:
	kvfree(pages);
	kvfree(backlog);
out_unlock:
	mutex_unlock(&ctx->lock);
	return ret;
}

static long syslet_unregister(struct syslet_ctx *ctx)
{
	long ret = 0;

	mutex_lock(&ctx->lock);
	spin_lock(&ctx->ring_lock);
	if (!ctx->registered)
		ret = -EINVAL;
	else if (!syslet_is_owner(ctx))
		ret = -EPERM;
	spin_unlock(&ctx->ring_lock);
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
	if (!ctx->registered)
		ret = -EINVAL;
	else if (!syslet_is_owner(ctx))
		ret = -EPERM;
	else if (ctx->cancelling)
		ret = -ECANCELED;
	else
		ret = reserve ? syslet_ring_reserve(&ctx->ring) : 0;
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
	struct syslet_run run = { .env = &syslet_caller_env, .sync = true };
	struct syslet_exec ex;
	long gen;
	int ret;

	if (copy_from_user(&ex, uex, sizeof(ex)))
		return -EFAULT;
	gen = syslet_admit(ctx, true);
	if (gen < 0)
		return gen;

	run.cur = ex.atom;
	ret = syslet_run(&run);
	if (ret == SYSLET_RUN_ASYNC)
		return syslet_go_async(ctx, run.cur, gen);
	syslet_unreserve(ctx, gen);
	if (ret < 0)
		return ret;
	if (put_user(run.final, &uex->done))
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
	if (!ctx->registered)
		ret = -EINVAL;
	else if (!syslet_is_owner(ctx))
		ret = -EPERM;
	else
		ret = 0;
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
	}
	return -ENOTTY;
}

/*
 * Called on every close of an fd for this file, with the closing table as
 * @id.  When the owner's table no longer has any, cancel and drain.
 */
static int syslet_flush(struct file *file, fl_owner_t id)
{
	struct syslet_ctx *ctx = file->private_data;

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
	syslet_pool_init();
	ret = misc_register(&syslet_misc);
	if (ret)
		goto out_pool;
	ret = upc_init();
	if (ret)
		goto out_misc;
	return 0;

out_misc:
	misc_deregister(&syslet_misc);
out_pool:
	syslet_pool_exit();
	return ret;
}

static void __exit syslet_exit(void)
{
	upc_exit();
	misc_deregister(&syslet_misc);
	syslet_pool_exit();
}

module_init(syslet_init);
module_exit(syslet_exit);

MODULE_DESCRIPTION("syslet: chains of system calls run by kernel workers");
MODULE_LICENSE("GPL");
