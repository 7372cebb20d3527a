/* SPDX-License-Identifier: GPL-2.0 */
/*
 * upcall: internal interface, shared by upcall.c, syslet's completion path
 * and the KUnit suite.
 */
#ifndef _SYSLET_UPCALL_H
#define _SYSLET_UPCALL_H

#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/task_work.h>
#include <linux/types.h>
#include <uapi/upcall.h>

struct file;
struct mm_struct;
struct page;
struct pid;
struct upc_thread;

/*
 * How a space reaches its threads: the real ones queue task_work and send
 * UPC_SIGNAL; the KUnit suite records the calls instead.
 */
struct upc_space_ops {
	/* Ask @thr to run upc_thread_work() (postupcall) in its own context. */
	void (*kick)(struct upc_thread *thr);
	/* Deliver @frame to @thr, which is current; 0 or -errno. */
	int (*send)(struct upc_thread *thr, const struct upc_frame *frame);
};

/**
 * struct upc_space - the upcall identifier space of one address space
 * @anchor: a file whose release frees the space (I)
 * @node: link on the list of spaces (G)
 * @mm: the address space, grabbed (I)
 * @ops: how the space reaches its threads (I)
 * @lock: the space lock (S)
 * @next_id: the next identifier to hand out (S)
 * @count: registrations (S)
 * @nthreads: records on @threads (S)
 * @entries: struct upc_entry, oldest first (S)
 * @threads: struct upc_thread (S)
 *
 * Every reference is a reference on @anchor; queued deliveries hold one,
 * so the module stays loaded until they have run.
 *
 * Locking legend:
 *
 * - G: upc_spaces_lock (mutex, the list of spaces)
 * - S: @lock (spinlock; the target thread's struct upcall is read and
 *   written under it too)
 * - I: set at creation
 */
struct upc_space {
	struct file *anchor;
	struct list_head node;
	struct mm_struct *mm;
	const struct upc_space_ops *ops;
	spinlock_t lock;
	int next_id;
	unsigned int count;
	unsigned int nthreads;
	struct list_head entries;
	struct list_head threads;
};

/**
 * struct upc_thread - a thread with registrations, and its struct upcall
 * @node: link on the space's @threads (S)
 * @space: the space (I)
 * @pid: the thread; NULL in KUnit (I)
 * @page: the pinned, charged page of @upc (S)
 * @user: the user @page is charged to, counted (S)
 * @upc: kernel address of the thread's struct upcall (S)
 * @uaddr: user address of that struct (S)
 * @nentries: registrations (S)
 * @queued: @work is queued on the thread (S)
 * @work: task_work that runs upc_thread_work() in the thread
 *
 * @page is pinned long-term and charged, one page, to the locked_vm of
 * @space->mm (account_locked_vm(), checked against RLIMIT_MEMLOCK); the
 * space holds that mm (mmgrab()) until after its last record is freed,
 * so the uncharge is against the mm charged.  It is also charged to
 * @user's locked_vm, against the registering thread's RLIMIT_MEMLOCK,
 * as io_uring charges its pinned buffers: a descriptor passed to another
 * process keeps the pins after their process is gone, where its mm's
 * charge limits nothing any more.  A record is unpinned,
 * uncharged and freed as soon as it has no registration and no queued
 * delivery: when its thread deletes its last registration, at the first
 * call into the space (or delivery work) after its thread has exited,
 * or with the space.  Locking: S (the space's lock) unless noted.
 */
struct upc_thread {
	struct list_head node;
	struct upc_space *space;
	struct pid *pid;
	struct page *page;
	struct user_struct *user;
	struct upcall *upc;
	unsigned long uaddr;
	unsigned int nentries;
	bool queued;
	struct callback_head work;
};

/* One registration: struct vmupcall in DragonFly. */
struct upc_entry {
	struct list_head node;		/* S */
	struct upc_thread *thr;		/* S */
	int id;				/* I */
	int pending;			/* S: priority; 0 = not pending */
	u64 ctxfunc, func, data;	/* I */
};

void upc_space_init(struct upc_space *space, struct mm_struct *mm,
		    const struct upc_space_ops *ops);
int upc_add_locked(struct upc_space *space, struct upc_thread *thr,
		   struct upc_entry *e);
void upc_post_locked(struct upc_space *space, struct upc_thread *thr,
		     bool collect);
long upc_control_locked(struct upc_space *space, struct upc_thread *self,
			int cmd, int upcid, long data,
			struct upc_frame *frame);
struct upc_entry *upc_find_locked(struct upc_space *space, int id);

/* For syslet: dispatch upcalls on ring completions. */
struct upc_space *upc_space_get_mm(struct mm_struct *mm);
void upc_space_get(struct upc_space *space);
void upc_space_put(struct upc_space *space);
int upc_dispatch(struct upc_space *space, int upcid, int priority);
int upc_poll(struct upc_space *space, int upcid);

int upc_init(void);
void upc_exit(void);

/* syslet.disabled and syslet.group allow current to open the device (main.c) */
bool syslet_access_allowed(void);

#endif /* _SYSLET_UPCALL_H */
