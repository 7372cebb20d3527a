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
	/* Ask @thr to run upc_thread_post() in its own context. */
	void (*kick)(struct upc_thread *thr);
	/* Deliver @frame to @thr, which is current; 0 or -errno. */
	int (*send)(struct upc_thread *thr, const struct upc_frame *frame);
};

/**
 * struct upc_space - the upcall identifier space of one address space
 *
 * Every reference is a reference on @anchor, a file whose release frees
 * the space; queued deliveries hold one, so the module stays loaded until
 * they have run.
 *
 * Locking legend:
 *  G: upc_spaces_lock (mutex, the list of spaces)
 *  S: @lock (spinlock; the target thread's struct upcall is read and
 *     written under it too)
 *  I: set at creation
 */
struct upc_space {
	struct file *anchor;		/* I */
	struct list_head node;		/* G */
	struct mm_struct *mm;		/* I: grabbed */
	const struct upc_space_ops *ops;	/* I */
	spinlock_t lock;
	int next_id;			/* S */
	unsigned int count;		/* S: registrations */
	unsigned int nthreads;		/* S: records on @threads */
	struct list_head entries;	/* S: struct upc_entry, oldest first */
	struct list_head threads;	/* S: struct upc_thread */
};

/**
 * struct upc_thread - a thread with registrations, and its struct upcall
 *
 * @page is pinned long-term and charged, one page, to the locked_vm of
 * @space->mm (account_locked_vm(), checked against RLIMIT_MEMLOCK); the
 * space holds that mm (mmgrab()) until after its last record is freed,
 * so the uncharge is against the mm charged.  A record is unpinned,
 * uncharged and freed as soon as it has no registration and no queued
 * delivery: when its thread deletes its last registration, at the first
 * call into the space (or delivery work) after its thread has exited,
 * or with the space.  Locking: S (the space's lock) unless noted.
 */
struct upc_thread {
	struct list_head node;		/* S */
	struct upc_space *space;	/* I */
	struct pid *pid;		/* I: the thread; NULL in KUnit */
	struct page *page;		/* S: pinned, charged page of @upc */
	struct upcall *upc;		/* S: kernel address of its struct */
	unsigned long uaddr;		/* S: user address of its struct */
	unsigned int nentries;		/* S: registrations */
	bool queued;			/* S: @work queued on the thread */
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
