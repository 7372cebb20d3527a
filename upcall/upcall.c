// SPDX-License-Identifier: GPL-2.0
/*
 * upcall: DragonFly's upc_register(2) and upc_control(2) on /dev/upcall.
 *
 * Every open of /dev/upcall refers to the identifier space of the opener's
 * address space (all threads and processes sharing its mm).  A thread
 * registers an upcall (context function, C function, data) and its
 * struct upcall, which the kernel pins.  Any thread of the space can
 * dispatch an upcall; the decision to deliver it is taken in the target
 * thread's own context (task_work, TWA_SIGNAL), because user space
 * updates crit_count without atomic instructions, so only the thread
 * itself may change it: exactly DragonFly's postupcall(), which runs on
 * the target's way back to user mode.  Delivered means UPC_CRITADD added
 * to crit_count, pending set to whether more are pending, and the signal
 * UPC_SIGNAL queued to the thread with the upcall's functions and data in
 * its siginfo.  Otherwise the upcall stays pending in the kernel and the
 * struct's pending field is raised to its priority, for the thread to
 * collect with UPC_CONTROL_DISPATCH(-1) when it leaves its critical
 * section, or UPC_CONTROL_NEXT from its context function.
 *
 * A registration belongs to its thread: once the thread exits, the
 * registration is gone (ENOENT), as DragonFly deletes an exiting lwp's.
 *
 * Each thread with registrations has a record (struct upc_thread) that
 * holds its struct's page pinned and charged to RLIMIT_MEMLOCK.  Modules
 * get no thread-exit hook, so every entry point that takes the space's
 * lock first reaps exited threads (upc_reap_locked()), and a record is
 * freed as soon as it has neither registration nor queued delivery.
 */
#include <linux/anon_inodes.h>
#include <linux/capability.h>
#include <linux/compat.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/sched/user.h>
#include <linux/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <msgport/compat.h>
#include "upcall.h"

static DEFINE_MUTEX(upc_spaces_lock);
static LIST_HEAD(upc_spaces);		/* G */

/**
 * upc_space_init() - set up an empty identifier space
 * @space: the space
 * @mm: its address space (not referenced here)
 * @ops: how it reaches its threads
 */
void upc_space_init(struct upc_space *space, struct mm_struct *mm,
		    const struct upc_space_ops *ops)
{
	spin_lock_init(&space->lock);
	INIT_LIST_HEAD(&space->node);
	INIT_LIST_HEAD(&space->entries);
	INIT_LIST_HEAD(&space->threads);
	space->mm = mm;
	space->ops = ops;
	space->next_id = UPC_RESERVED;
	space->nthreads = 0;
}

/**
 * upc_find_locked() - the registration with identifier @id
 * @space: the space
 * @id: the identifier
 *
 * Context: @space->lock held.
 * Return: the entry, or NULL.
 */
struct upc_entry *upc_find_locked(struct upc_space *space, int id)
{
	struct upc_entry *e;

	lockdep_assert_held(&space->lock);
	list_for_each_entry(e, &space->entries, node)
		if (e->id == id)
			return e;
	return NULL;
}

/**
 * upc_add_locked() - add a registration of @thr
 * @space: the space
 * @thr: the registering thread, already on @space->threads
 * @e: the new entry, with its functions and data set
 *
 * Context: @space->lock held.
 * Return: the new identifier (> 0), or -EFBIG past UPCALL_MAXCOUNT.
 */
int upc_add_locked(struct upc_space *space, struct upc_thread *thr,
		   struct upc_entry *e)
{
	lockdep_assert_held(&space->lock);
	if (space->count >= UPCALL_MAXCOUNT)
		return -EFBIG;
	/* Identifiers are not reused while the space lives (until wrap). */
	do {
		e->id = space->next_id;
		space->next_id = space->next_id == INT_MAX ?
				 UPC_RESERVED : space->next_id + 1;
	} while (upc_find_locked(space, e->id));
	e->thr = thr;
	e->pending = 0;
	list_add_tail(&e->node, &space->entries);
	thr->nentries++;
	space->count++;
	return e->id;
}

static void upc_del_locked(struct upc_space *space, struct upc_entry *e)
{
	lockdep_assert_held(&space->lock);
	list_del(&e->node);
	e->thr->nentries--;
	space->count--;
	kfree(e);
}

/*
 * The pending registration of @thr with the highest priority (the oldest
 * among equals); *@more: whether another one of @thr is pending too.
 */
static struct upc_entry *upc_pick_locked(struct upc_space *space,
					 struct upc_thread *thr, bool *more)
{
	struct upc_entry *e, *best = NULL;

	*more = false;
	list_for_each_entry(e, &space->entries, node) {
		if (e->thr != thr || !e->pending)
			continue;
		if (!best) {
			best = e;
			continue;
		}
		*more = true;
		if (e->pending > best->pending)
			best = e;
	}
	return best;
}

static void upc_frame_fill(struct upc_frame *f, const struct upc_entry *e)
{
	f->ctxfunc = e->ctxfunc;
	f->func = e->func;
	f->data = e->data;
	f->upcid = e->id;
	f->__pad = 0;
}

/*
 * Take @thr's most urgent pending upcall if it may run now: clear its
 * pending state, add UPC_CRITADD to crit_count, set pending to whether
 * more are pending, fill @frame; return its identifier.  Otherwise raise
 * pending to its priority (it stays pending) and return 0.
 *
 * It may run if crit_count is below its priority and, for a dispatch
 * (@collect false), pending is clear.  @collect is the thread collecting
 * its own pending upcalls (UPC_CONTROL_DISPATCH -1 from crit_exit(),
 * UPC_CONTROL_NEXT from the context function), which it does because
 * pending is set; with nothing pending, pending is cleared.
 */
static int upc_take_locked(struct upc_space *space, struct upc_thread *thr,
			   bool collect, struct upc_frame *frame, int *prio)
{
	struct upcall *u = thr->upc;
	struct upc_entry *e;
	int crit, pend;
	bool more;

	lockdep_assert_held(&space->lock);
	e = upc_pick_locked(space, thr, &more);
	if (!e) {
		if (collect)
			WRITE_ONCE(u->pending, 0);
		return 0;
	}
	if (READ_ONCE(u->magic) != UPCALL_MAGIC) {
		/* As DragonFly: a bad structure drops the upcall. */
		e->pending = 0;
		return 0;
	}
	pend = READ_ONCE(u->pending);
	crit = READ_ONCE(u->crit_count);
	if ((pend && !collect) || crit >= e->pending) {
		if (pend < e->pending)
			WRITE_ONCE(u->pending, e->pending);
		return 0;
	}
	*prio = e->pending;
	e->pending = 0;
	WRITE_ONCE(u->pending, more);
	WRITE_ONCE(u->crit_count, crit + UPC_CRITADD);
	upc_frame_fill(frame, e);
	return e->id;
}

/**
 * upc_post_locked() - deliver @thr's most urgent pending upcall, if allowed
 * @space: the space
 * @thr: the thread, which is current (or a KUnit fake)
 * @collect: the thread collects its own (see upc_take_locked())
 *
 * DragonFly's postupcall()/sendupcall(): the upcall goes out as
 * UPC_SIGNAL when crit_count and pending allow; otherwise it stays
 * pending and the struct's pending field says so.
 *
 * Context: @space->lock held.
 */
void upc_post_locked(struct upc_space *space, struct upc_thread *thr,
		     bool collect)
{
	struct upcall *u = thr->upc;
	struct upc_frame frame;
	struct upc_entry *e;
	int id, prio;

	lockdep_assert_held(&space->lock);
	id = upc_take_locked(space, thr, collect, &frame, &prio);
	if (id <= 0 || !space->ops->send(thr, &frame))
		return;
	/*
	 * Not queued (signal limit, no handler): pending again at its
	 * priority, for the thread to collect.
	 */
	e = upc_find_locked(space, id);
	e->pending = prio;
	WRITE_ONCE(u->crit_count, READ_ONCE(u->crit_count) - UPC_CRITADD);
	WRITE_ONCE(u->pending, prio);
}

/* Have @thr post its pending upcalls: now if it is @self, else task_work. */
static void upc_notify_locked(struct upc_space *space, struct upc_thread *thr,
			      struct upc_thread *self)
{
	if (thr == self)
		upc_post_locked(space, thr, false);
	else
		space->ops->kick(thr);
}

/* Does @thr have a pending registration of priority >= @prio? */
static bool upc_has_pending_locked(struct upc_space *space,
				   struct upc_thread *thr, int prio)
{
	struct upc_entry *e;

	list_for_each_entry(e, &space->entries, node)
		if (e->thr == thr && e->pending && e->pending >= prio)
			return true;
	return false;
}

/**
 * upc_control_locked() - upc_control(2) on a space
 * @space: the space
 * @self: the calling thread's record, or NULL if it has registered nothing
 * @cmd: UPC_CONTROL_*
 * @upcid: identifier, or -1
 * @data: priority (DISPATCH, POLL, POLLANDCLEAR)
 * @frame: out, for UPC_CONTROL_NEXT: the next upcall to run
 *
 * Context: @space->lock held.
 * Return: the command's result (>= 0), or -ENOENT for an unknown @upcid,
 * -EINVAL for a bad command, identifier or priority.
 */
long upc_control_locked(struct upc_space *space, struct upc_thread *self,
			int cmd, int upcid, long data,
			struct upc_frame *frame)
{
	struct upc_entry *e, *tmp;
	int prio;
	long ret;

	lockdep_assert_held(&space->lock);
	if (upcid != -1 && upcid <= 0)
		return -EINVAL;
	if (cmd != UPC_CONTROL_NEXT && (data < 0 || data > INT_MAX))
		return -EINVAL;

	switch (cmd) {
	case UPC_CONTROL_DISPATCH:
		if (upcid == -1) {
			/* Re-dispatch our own pending upcalls. */
			if (!self)
				return 0;
			if (data >= 1 && !upc_has_pending_locked(space, self,
								 data))
				return 0;
			upc_post_locked(space, self, true);
			return 0;
		}
		e = upc_find_locked(space, upcid);
		if (!e)
			return -ENOENT;
		if (data < 1)
			return -EINVAL;
		if (e->pending < data)
			e->pending = data;
		upc_notify_locked(space, e->thr, self);
		return 0;

	case UPC_CONTROL_NEXT:
		if (upcid != -1)
			return -EINVAL;
		if (!self)
			return 0;
		/*
		 * From the context function, which has set pending and left
		 * the upcall's critical section: the next one that may run
		 * at the interrupted code's crit_count, or 0 (pending then
		 * says whether one waits for the end of that section).
		 */
		return upc_take_locked(space, self, true, frame, &prio);

	case UPC_CONTROL_DELETE:
		if (upcid != -1) {
			e = upc_find_locked(space, upcid);
			if (!e)
				return -ENOENT;
			upc_del_locked(space, e);
			return 0;
		}
		list_for_each_entry_safe(e, tmp, &space->entries, node)
			if (self && e->thr == self)
				upc_del_locked(space, e);
		return 0;

	case UPC_CONTROL_POLL:
	case UPC_CONTROL_POLLANDCLEAR:
		if (upcid != -1) {
			e = upc_find_locked(space, upcid);
			if (!e)
				return -ENOENT;
			ret = e->pending ? 1 : 0;
		} else {
			/* Our first upcall pending at >= data, or 0. */
			ret = 0;
			e = NULL;
			if (self) {
				list_for_each_entry(tmp, &space->entries, node) {
					if (tmp->thr == self &&
					    tmp->pending >= data) {
						e = tmp;
						break;
					}
				}
			}
			if (!e)
				return 0;
			ret = e->id;
		}
		if (cmd == UPC_CONTROL_POLLANDCLEAR)
			e->pending = 0;
		return ret;
	}
	return -EINVAL;
}

/* ---------------------------------------------------------------------
 * Real threads: pinned structs, task_work, UPC_SIGNAL.
 */

static const struct file_operations upc_space_fops;

/*
 * Charge a page to current's user's locked_vm against current's
 * RLIMIT_MEMLOCK (struct upc_thread), unless current has CAP_IPC_LOCK.
 * Return: the user, counted, for upc_uncharge_user(); or -ENOMEM.
 */
static struct user_struct *upc_charge_user(void)
{
	unsigned long limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
	struct user_struct *user = current_user();
	long cur = atomic_long_read(&user->locked_vm);

	do {
		if (cur + 1 > limit && !capable(CAP_IPC_LOCK))
			return ERR_PTR(-ENOMEM);
	} while (!atomic_long_try_cmpxchg(&user->locked_vm, &cur, cur + 1));
	return get_uid(user);
}

/* Undo upc_charge_user(). */
static void upc_uncharge_user(struct user_struct *user)
{
	atomic_long_dec(&user->locked_vm);
	free_uid(user);
}

/**
 * upc_unpin() - release one pinned, charged page of a space
 * @space: the space, whose mm the page was charged to
 * @page: the page
 * @user: the user it was charged to; its reference is dropped
 * @dirty: whether the kernel may have written to it
 *
 * Context: process context, no spinlock held (may sleep: takes the page
 * lock and the mm's mmap_lock).
 */
static void upc_unpin(struct upc_space *space, struct page *page,
		      struct user_struct *user, bool dirty)
{
	unpin_user_pages_dirty_lock(&page, 1, dirty);
	account_locked_vm(space->mm, 1, false);
	upc_uncharge_user(user);
}

/**
 * upc_thread_free() - free a record taken off its space's list
 * @thr: the record
 *
 * Unpins and uncharges its page, if any.
 *
 * Context: process context, no spinlock held.
 */
static void upc_thread_free(struct upc_thread *thr)
{
	if (thr->page)
		upc_unpin(thr->space, thr->page, thr->user, true);
	put_pid(thr->pid);
	kfree(thr);
}

/**
 * upc_free_dead() - free the records collected on @dead
 * @dead: list of struct upc_thread, off their space's list
 *
 * Context: process context, no spinlock held.
 */
static void upc_free_dead(struct list_head *dead)
{
	struct upc_thread *thr, *tmp;

	might_sleep();
	list_for_each_entry_safe(thr, tmp, dead, node)
		upc_thread_free(thr);
}

/*
 * Has the record's thread left the space: exited, exiting, or (a
 * CLONE_VM process) exec'd into another address space?  Its
 * registrations mean nothing there, and a kick would interrupt a program
 * that never registered, whatever its credentials.
 */
static bool upc_thread_gone(struct upc_thread *thr)
{
	struct task_struct *t;
	bool gone;

	rcu_read_lock();
	t = pid_task(thr->pid, PIDTYPE_PID);
	gone = !t || (t->flags & PF_EXITING) ||
	       READ_ONCE(t->mm) != thr->space->mm;
	rcu_read_unlock();
	return gone;
}

/**
 * upc_collect_locked() - take the records that are no longer needed
 * @space: the space
 * @dead: where to move them, to be freed by upc_free_dead() once
 *	@space->lock is dropped
 *
 * A record is no longer needed when its thread has no registration and
 * no delivery is queued to it (the queued task work uses the record).
 * Its struct's pending field is cleared first, if the thread is still
 * there: nothing of the thread is pending any more, and without a record
 * the thread's crit_exit() and context function cannot have the kernel
 * clear it.
 *
 * Context: @space->lock held.
 */
static void upc_collect_locked(struct upc_space *space, struct list_head *dead)
{
	struct upc_thread *thr, *tmp;

	lockdep_assert_held(&space->lock);
	list_for_each_entry_safe(thr, tmp, &space->threads, node) {
		if (thr->nentries || thr->queued)
			continue;
		/*
		 * Not for a thread that is gone: its struct may have been on
		 * its stack, which a new thread may use by now.
		 */
		if (!upc_thread_gone(thr) &&
		    READ_ONCE(thr->upc->magic) == UPCALL_MAGIC)
			WRITE_ONCE(thr->upc->pending, 0);
		list_move(&thr->node, dead);
		space->nthreads--;
	}
}

/**
 * upc_reap_locked() - forget exited threads
 * @space: the space
 * @dead: where to move the records to free (see upc_collect_locked())
 *
 * Deletes the registrations of threads that have exited or are exiting,
 * then collects every record left without registration and queued
 * delivery.  Every entry point that takes @space->lock calls it, so the
 * records (and pinned pages) of exited threads do not outlive the next
 * call into the space: at any time the space holds at most one record
 * per live thread with registrations or a queued delivery, plus those of
 * threads that exited since the last call, each of which still holds a
 * registration (at most UPCALL_MAXCOUNT in all).
 *
 * Context: @space->lock held.
 */
static void upc_reap_locked(struct upc_space *space, struct list_head *dead)
{
	struct upc_entry *e, *tmp;

	lockdep_assert_held(&space->lock);
	list_for_each_entry_safe(e, tmp, &space->entries, node)
		if (upc_thread_gone(e->thr))
			upc_del_locked(space, e);
	upc_collect_locked(space, dead);
}

static struct upc_thread *upc_self_locked(struct upc_space *space)
{
	struct upc_thread *thr;
	struct pid *pid = task_pid(current);

	list_for_each_entry(thr, &space->threads, node)
		if (thr->pid == pid)
			return thr;
	return NULL;
}

/**
 * upc_space_get() - take a reference to a space
 * @space: the space, already referenced by the caller
 */
void upc_space_get(struct upc_space *space)
{
	get_file(space->anchor);
}

/**
 * upc_space_put() - drop a reference to a space
 * @space: the space
 *
 * The last one frees it, from a later task_work or work item (fput()),
 * so this may be called with spinlocks held.
 */
void upc_space_put(struct upc_space *space)
{
	fput(space->anchor);
}

/* task_work on the target thread: DragonFly's postupcall(). */
static void upc_thread_work(struct callback_head *cb)
{
	struct upc_thread *thr = container_of(cb, struct upc_thread, work);
	struct upc_space *space = thr->space;
	LIST_HEAD(dead);

	spin_lock(&space->lock);
	thr->queued = false;
	if (!(current->flags & PF_EXITING) && current->mm == space->mm)
		upc_post_locked(space, thr, false);
	/* At the thread's exit too: exit_task_work() runs this. */
	upc_reap_locked(space, &dead);
	spin_unlock(&space->lock);
	upc_free_dead(&dead);
	/* The file's release, if last, runs after this returns. */
	upc_space_put(space);
}

static void upc_kick(struct upc_thread *thr)
{
	struct upc_space *space = thr->space;
	struct task_struct *t;

	lockdep_assert_held(&space->lock);
	if (thr->queued)
		return;
	t = get_pid_task(thr->pid, PIDTYPE_PID);
	if (!t)
		return;
	/* Exec'd meanwhile (upc_thread_gone()): not to be interrupted. */
	if (READ_ONCE(t->mm) != space->mm) {
		put_task_struct(t);
		return;
	}
	init_task_work(&thr->work, upc_thread_work);
	upc_space_get(space);
	/* TWA_SIGNAL: a thread asleep in a system call is interrupted. */
	if (task_work_add(t, &thr->work, TWA_SIGNAL))
		upc_space_put(space);	/* exiting: not the last reference */
	else
		thr->queued = true;
	put_task_struct(t);
}

static bool upc_handler_ok(void)
{
	struct k_sigaction *ka = &current->sighand->action[UPC_SIGNAL - 1];
	void __user *h = READ_ONCE(ka->sa.sa_handler);

	return h != SIG_DFL && h != SIG_IGN &&
	       (READ_ONCE(ka->sa.sa_flags) & SA_SIGINFO);
}

static int upc_send(struct upc_thread *thr, const struct upc_frame *frame)
{
	struct kernel_siginfo info;
	struct upc_siginfo *ui = (struct upc_siginfo *)&info;

	BUILD_BUG_ON(sizeof(struct upc_siginfo) > sizeof(info));
	BUILD_BUG_ON(offsetof(struct upc_siginfo, frame) <
		     offsetof(struct kernel_siginfo, _sifields));
	/* Without the handler the signal would kill the process. */
	if (!upc_handler_ok())
		return -EINVAL;
	clear_siginfo(&info);
	info.si_signo = UPC_SIGNAL;
	info.si_code = UPC_SI_CODE;
	ui->frame = *frame;
	return send_sig_info(UPC_SIGNAL, &info, current);
}

static const struct upc_space_ops upc_thread_ops = {
	.kick = upc_kick,
	.send = upc_send,
};

/* The file behind a space's references: its release frees the space. */
static int upc_space_release(struct inode *inode, struct file *file)
{
	struct upc_space *space = file->private_data;
	struct upc_entry *e, *tmp;
	LIST_HEAD(dead);

	mutex_lock(&upc_spaces_lock);
	list_del(&space->node);
	mutex_unlock(&upc_spaces_lock);

	spin_lock(&space->lock);
	list_for_each_entry_safe(e, tmp, &space->entries, node)
		upc_del_locked(space, e);
	/* Nothing is queued: each queued delivery holds a reference. */
	list_splice_init(&space->threads, &dead);
	space->nthreads = 0;
	spin_unlock(&space->lock);
	/* Uncharged from space->mm, which is dropped only after. */
	upc_free_dead(&dead);
	mmdrop(space->mm);
	kfree(space);
	return 0;
}

static const struct file_operations upc_space_fops = {
	.owner = THIS_MODULE,
	.release = upc_space_release,
};

/**
 * upc_space_get_mm() - the identifier space of @mm, if it has one
 * @mm: the address space
 *
 * Return: a reference (upc_space_put()), or NULL.
 */
struct upc_space *upc_space_get_mm(struct mm_struct *mm)
{
	struct upc_space *space;

	mutex_lock(&upc_spaces_lock);
	list_for_each_entry(space, &upc_spaces, node) {
		/* A space whose last reference went is being released. */
		if (space->mm == mm &&
		    compat_get_file_unless_zero(space->anchor)) {
			mutex_unlock(&upc_spaces_lock);
			return space;
		}
	}
	mutex_unlock(&upc_spaces_lock);
	return NULL;
}

static struct upc_space *upc_space_create(void)
{
	struct upc_space *space;
	struct file *anchor;

	space = kzalloc(sizeof(*space), GFP_KERNEL_ACCOUNT);
	if (!space)
		return ERR_PTR(-ENOMEM);
	upc_space_init(space, current->mm, &upc_thread_ops);
	anchor = anon_inode_getfile("[upcall]", &upc_space_fops, space,
				    O_RDONLY);
	if (IS_ERR(anchor)) {
		kfree(space);
		return ERR_CAST(anchor);
	}
	space->anchor = anchor;
	mmgrab(space->mm);
	return space;
}

/**
 * upc_dispatch() - UPC_CONTROL_DISPATCH from the kernel
 * @space: the space
 * @upcid: the registration
 * @priority: its priority (>= 1)
 *
 * Context: any process context, e.g. a syslet worker; may sleep (it
 * frees the records of exited threads).
 * Return: 0, -ENOENT if @upcid is not registered (any more), -EINVAL.
 */
int upc_dispatch(struct upc_space *space, int upcid, int priority)
{
	LIST_HEAD(dead);
	long ret;

	might_sleep();
	spin_lock(&space->lock);
	upc_reap_locked(space, &dead);
	ret = upc_control_locked(space, NULL, UPC_CONTROL_DISPATCH, upcid,
				 priority, NULL);
	spin_unlock(&space->lock);
	upc_free_dead(&dead);
	return ret;
}

/**
 * upc_poll() - UPC_CONTROL_POLL of one identifier from the kernel
 * @space: the space
 * @upcid: the registration
 *
 * Context: process context; may sleep (see upc_dispatch()).
 * Return: 0 or 1 (pending), -ENOENT if @upcid is not registered.
 */
int upc_poll(struct upc_space *space, int upcid)
{
	LIST_HEAD(dead);
	long ret;

	might_sleep();
	spin_lock(&space->lock);
	upc_reap_locked(space, &dead);
	ret = upc_control_locked(space, NULL, UPC_CONTROL_POLL, upcid, 0,
				 NULL);
	spin_unlock(&space->lock);
	upc_free_dead(&dead);
	return ret;
}

/* ---------------------------------------------------------------------
 * /dev/upcall
 */

static int upc_open(struct inode *inode, struct file *file)
{
	struct upc_space *space;

	if (!syslet_access_allowed())
		return -EPERM;
	if (!current->mm)
		return -EINVAL;
	mutex_lock(&upc_spaces_lock);
	list_for_each_entry(space, &upc_spaces, node) {
		if (space->mm == current->mm &&
		    compat_get_file_unless_zero(space->anchor))
			goto found;
	}
	space = upc_space_create();
	if (IS_ERR(space)) {
		mutex_unlock(&upc_spaces_lock);
		return PTR_ERR(space);
	}
	list_add(&space->node, &upc_spaces);
found:
	mutex_unlock(&upc_spaces_lock);
	file->private_data = space;
	return 0;
}

static int upc_release(struct inode *inode, struct file *file)
{
	upc_space_put(file->private_data);
	return 0;
}

static long upc_register(struct upc_space *space,
			 struct upc_register_args __user *uarg)
{
	struct upc_register_args a;
	struct upc_thread *thr, *newthr = NULL;
	struct page *page, *oldpage = NULL;
	struct user_struct *user, *olduser = NULL;
	struct upc_entry *e;
	LIST_HEAD(dead);
	int magic;
	long ret;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	/* One page holds the struct: it is read through the kernel map. */
	if (!a.upc || a.upc % sizeof(int) || !a.ctxfunc || !a.func ||
	    offset_in_page(a.upc) + offsetofend(struct upcall, pending) >
	    PAGE_SIZE)
		return -EINVAL;
	if (get_user(magic, (int __user *)u64_to_user_ptr(a.upc)))
		return -EFAULT;
	if (magic != UPCALL_MAGIC)
		return -EINVAL;
	/* The handler must be in place, or an upcall kills the process. */
	if (!upc_handler_ok())
		return -EINVAL;
	/*
	 * Charged before it is pinned, as the syslet ring's pages, to the
	 * space's mm (current's: upc_ioctl() checks), which the space holds
	 * until its records are freed, and to current's user (struct
	 * upc_thread).
	 */
	user = upc_charge_user();
	if (IS_ERR(user))
		return PTR_ERR(user);
	ret = account_locked_vm(space->mm, 1, true);
	if (ret) {
		upc_uncharge_user(user);
		return ret;
	}
	if (pin_user_pages_fast(a.upc & PAGE_MASK, 1,
				FOLL_WRITE | FOLL_LONGTERM, &page) != 1) {
		account_locked_vm(space->mm, 1, false);
		upc_uncharge_user(user);
		return -EFAULT;
	}

	ret = -ENOMEM;
	e = kzalloc(sizeof(*e), GFP_KERNEL_ACCOUNT);
	newthr = kzalloc(sizeof(*newthr), GFP_KERNEL_ACCOUNT);
	if (!e || !newthr)
		goto out;
	e->ctxfunc = a.ctxfunc;
	e->func = a.func;
	e->data = a.data;

	spin_lock(&space->lock);
	upc_reap_locked(space, &dead);
	ret = -EFBIG;
	if (space->count >= UPCALL_MAXCOUNT)
		goto out_unlock;
	thr = upc_self_locked(space);
	if (!thr) {
		/* Each record holds a registration or a queued delivery. */
		if (space->nthreads >= UPCALL_MAXCOUNT)
			goto out_unlock;
		thr = newthr;
		newthr = NULL;
		thr->space = space;
		thr->pid = get_task_pid(current, PIDTYPE_PID);
		list_add(&thr->node, &space->threads);
		space->nthreads++;
	} else {
		/* The struct is per thread: the latest registration's. */
		oldpage = thr->page;
		olduser = thr->user;
	}
	thr->page = page;
	thr->user = user;
	thr->upc = page_address(page) + offset_in_page(a.upc);
	thr->uaddr = a.upc;
	page = NULL;
	/* As upc_collect_locked(): nothing of the thread is pending. */
	if (!thr->nentries)
		WRITE_ONCE(thr->upc->pending, 0);
	ret = upc_add_locked(space, thr, e);
	e = NULL;
out_unlock:
	spin_unlock(&space->lock);
	upc_free_dead(&dead);
out:
	/* Each pinned page was charged one page: uncharged as unpinned. */
	if (page)
		upc_unpin(space, page, user, false);
	if (oldpage)
		upc_unpin(space, oldpage, olduser, true);
	kfree(e);
	kfree(newthr);
	return ret;
}

static long upc_control(struct upc_space *space,
			struct upc_control_args __user *uarg)
{
	struct upc_control_args a;
	struct upc_frame frame;
	struct upc_thread *self;
	struct upc_frame __user *uframe;
	struct upc_entry *e;
	LIST_HEAD(dead);
	long ret, data;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	data = (long)a.data;
	uframe = u64_to_user_ptr(a.data);
	/* NEXT writes the frame under the lock's decision: fault it in. */
	if (a.cmd == UPC_CONTROL_NEXT && a.upcid == -1 &&
	    put_user(0, &uframe->__pad))
		return -EFAULT;

	spin_lock(&space->lock);
	upc_reap_locked(space, &dead);
	self = upc_self_locked(space);
	ret = upc_control_locked(space, self, a.cmd, a.upcid, data, &frame);
	/* A deletion of a thread's last registration frees its record. */
	upc_collect_locked(space, &dead);
	spin_unlock(&space->lock);
	upc_free_dead(&dead);

	if (a.cmd == UPC_CONTROL_NEXT && ret > 0 &&
	    copy_to_user(uframe, &frame, sizeof(frame))) {
		/* Unmapped meanwhile: undo, the upcall stays pending. */
		spin_lock(&space->lock);
		e = upc_find_locked(space, frame.upcid);
		if (e && !e->pending)
			e->pending = 1;	/* its priority is lost */
		self = upc_self_locked(space);
		if (self) {
			WRITE_ONCE(self->upc->crit_count,
				   READ_ONCE(self->upc->crit_count) -
				   UPC_CRITADD);
			WRITE_ONCE(self->upc->pending, 1);
		}
		spin_unlock(&space->lock);
		ret = -EFAULT;
	}
	return ret;
}

static long upc_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct upc_space *space = file->private_data;

	if (in_compat_syscall())
		return -EOPNOTSUPP;
	/* Only the address space the file was opened in. */
	if (current->mm != space->mm)
		return -EPERM;
	switch (cmd) {
	case UPC_IOC_REGISTER:
		return upc_register(space, (void __user *)arg);
	case UPC_IOC_CONTROL:
		return upc_control(space, (void __user *)arg);
	}
	return -ENOTTY;
}

/*
 * /proc/<pid>/fdinfo/<fd>: the space's registrations, how many are
 * pending, and the threads that have them.
 */
static void upc_show_fdinfo(struct seq_file *m, struct file *file)
{
	struct upc_space *space = file->private_data;
	unsigned int pending = 0;
	struct upc_entry *e;

	spin_lock(&space->lock);
	list_for_each_entry(e, &space->entries, node)
		pending += e->pending != 0;
	seq_printf(m, "upcalls:\t%u\n", space->count);
	seq_printf(m, "pending:\t%u\n", pending);
	seq_printf(m, "threads:\t%u\n", space->nthreads);
	seq_printf(m, "next_id:\t%d\n", space->next_id);
	spin_unlock(&space->lock);
}

static const struct file_operations upc_fops = {
	.owner = THIS_MODULE,
	.open = upc_open,
	.release = upc_release,
	.unlocked_ioctl = upc_ioctl,
	.show_fdinfo = upc_show_fdinfo,
	.llseek = noop_llseek,
};

static struct miscdevice upc_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "upcall",
	.fops = &upc_fops,
	.mode = 0666,
};

int upc_init(void)
{
	/* 12 bytes the kernel uses, padded to 16 by the type's alignment. */
	BUILD_BUG_ON(offsetofend(struct upcall, pending) != 12);
	BUILD_BUG_ON(sizeof(struct upcall) != 16);
	BUILD_BUG_ON(sizeof(struct upc_frame) != 32);
	return misc_register(&upc_misc);
}

void upc_exit(void)
{
	misc_deregister(&upc_misc);
}
