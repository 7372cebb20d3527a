// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the upcall state machine: registration limits and
 * identifiers, delivery against crit_count and pending, priorities,
 * UPC_CONTROL_NEXT, POLL, POLLANDCLEAR and DELETE, errors.  Threads are
 * fakes whose struct upcall is kernel memory; their kicks and deliveries
 * are recorded instead of queueing task_work and signals.  Linked into
 * syslet itself.
 */
#include <kunit/test.h>
#include <linux/slab.h>

#include "../upcall/upcall.h"

struct fake_thread {
	struct upc_thread thr;
	struct upcall upc;
	int kicks;
	int sent;
	int fail_send;		/* the next sends fail with -EAGAIN */
	struct upc_frame last;
};

static struct fake_thread *to_fake(struct upc_thread *thr)
{
	return container_of(thr, struct fake_thread, thr);
}

static void fake_kick(struct upc_thread *thr)
{
	to_fake(thr)->kicks++;
}

static int fake_send(struct upc_thread *thr, const struct upc_frame *frame)
{
	struct fake_thread *ft = to_fake(thr);

	if (ft->fail_send) {
		ft->fail_send--;
		return -EAGAIN;
	}
	ft->sent++;
	ft->last = *frame;
	return 0;
}

static const struct upc_space_ops fake_ops = {
	.kick = fake_kick,
	.send = fake_send,
};

struct world {
	struct upc_space space;
	struct fake_thread t[2];
};

/* Register an upcall of thread @i: func = 0x1000 + id, data = 0x2000 + id. */
static int reg(struct kunit *test, struct world *w, int i)
{
	/* kfree()d by DELETE: not a kunit allocation. */
	struct upc_entry *e = kzalloc(sizeof(*e), GFP_KERNEL);
	int id;

	KUNIT_ASSERT_NOT_NULL(test, e);
	e->ctxfunc = 0x500;
	spin_lock(&w->space.lock);
	id = upc_add_locked(&w->space, &w->t[i].thr, e);
	if (id > 0) {
		e->func = 0x1000 + id;
		e->data = 0x2000 + id;
	}
	spin_unlock(&w->space.lock);
	if (id < 0)
		kfree(e);
	return id;
}

static long ctl(struct world *w, int self, int cmd, int id, long data,
		struct upc_frame *frame)
{
	struct upc_frame dummy;
	long ret;

	spin_lock(&w->space.lock);
	ret = upc_control_locked(&w->space, self < 0 ? NULL : &w->t[self].thr,
				 cmd, id, data, frame ? frame : &dummy);
	spin_unlock(&w->space.lock);
	return ret;
}

static void post(struct world *w, int i)
{
	spin_lock(&w->space.lock);
	upc_post_locked(&w->space, &w->t[i].thr, false);
	spin_unlock(&w->space.lock);
}

/* Teardown: DELETE frees the registrations of both threads. */
static void world_free(void *arg)
{
	struct world *w = arg;

	ctl(w, 0, UPC_CONTROL_DELETE, -1, 0, NULL);
	ctl(w, 1, UPC_CONTROL_DELETE, -1, 0, NULL);
}

/* A world whose registrations are freed when the test ends, however it ends. */
static struct world *world_new(struct kunit *test)
{
	struct world *w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);
	int i;

	KUNIT_ASSERT_NOT_NULL(test, w);
	upc_space_init(&w->space, NULL, &fake_ops);
	for (i = 0; i < 2; i++) {
		w->t[i].upc.magic = UPCALL_MAGIC;
		w->t[i].thr.space = &w->space;
		w->t[i].thr.upc = &w->t[i].upc;
		list_add_tail(&w->t[i].thr.node, &w->space.threads);
	}
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, world_free, w), 0);
	return w;
}

static void upcall_test_ids_and_limit(struct kunit *test)
{
	struct world *w = world_new(test);
	int i, id, first;

	first = reg(test, w, 0);
	KUNIT_EXPECT_EQ(test, first, UPC_RESERVED);
	for (i = 1; i < UPCALL_MAXCOUNT; i++)
		KUNIT_EXPECT_EQ(test, reg(test, w, i & 1), first + i);
	KUNIT_EXPECT_EQ(test, w->space.count, UPCALL_MAXCOUNT);
	KUNIT_EXPECT_EQ(test, reg(test, w, 0), -EFBIG);
	/* A deleted one frees a slot; its identifier is not reused. */
	KUNIT_EXPECT_EQ(test, ctl(w, 1, UPC_CONTROL_DELETE, first, 0, NULL), 0);
	id = reg(test, w, 1);
	KUNIT_EXPECT_EQ(test, id, first + UPCALL_MAXCOUNT);
	KUNIT_EXPECT_EQ(test, w->t[0].thr.nentries + w->t[1].thr.nentries,
			UPCALL_MAXCOUNT);
	kunit_release_action(test, world_free, w);
	KUNIT_EXPECT_EQ(test, w->space.count, 0);
}

static void upcall_test_deliver_now(struct kunit *test)
{
	struct world *w = world_new(test);
	int id = reg(test, w, 0);

	KUNIT_EXPECT_EQ(test, ctl(w, 0, UPC_CONTROL_DISPATCH, id, 1, NULL), 0);
	KUNIT_EXPECT_EQ(test, w->t[0].sent, 1);
	KUNIT_EXPECT_EQ(test, w->t[0].kicks, 0);
	KUNIT_EXPECT_EQ(test, w->t[0].upc.crit_count, UPC_CRITADD);
	KUNIT_EXPECT_EQ(test, w->t[0].upc.pending, 0);
	KUNIT_EXPECT_EQ(test, w->t[0].last.upcid, id);
	KUNIT_EXPECT_EQ(test, w->t[0].last.func, 0x1000 + id);
	KUNIT_EXPECT_EQ(test, w->t[0].last.data, 0x2000 + id);
	KUNIT_EXPECT_EQ(test, w->t[0].last.ctxfunc, 0x500);
	KUNIT_EXPECT_EQ(test, ctl(w, 0, UPC_CONTROL_POLL, id, 0, NULL), 0);
}

static void upcall_test_critical_section(struct kunit *test)
{
	struct world *w = world_new(test);
	int id = reg(test, w, 0);
	struct upcall *u = &w->t[0].upc;

	u->crit_count = UPC_CRITADD;		/* crit_enter() */
	KUNIT_EXPECT_EQ(test, ctl(w, 0, UPC_CONTROL_DISPATCH, id, 1, NULL), 0);
	KUNIT_EXPECT_EQ(test, w->t[0].sent, 0);
	KUNIT_EXPECT_EQ(test, u->pending, 1);
	KUNIT_EXPECT_EQ(test, u->crit_count, UPC_CRITADD);
	KUNIT_EXPECT_EQ(test, ctl(w, 0, UPC_CONTROL_POLL, id, 0, NULL), 1);
	/* A second dispatch while still inside: still one pending. */
	KUNIT_EXPECT_EQ(test, ctl(w, 0, UPC_CONTROL_DISPATCH, id, 1, NULL), 0);
	KUNIT_EXPECT_EQ(test, w->t[0].sent, 0);

	/* crit_exit(): count to 0, pending seen, DISPATCH(-1). */
	u->crit_count -= UPC_CRITADD;
	KUNIT_EXPECT_EQ(test, ctl(w, 0, UPC_CONTROL_DISPATCH, -1, 0, NULL), 0);
	KUNIT_EXPECT_EQ(test, w->t[0].sent, 1);
	KUNIT_EXPECT_EQ(test, u->crit_count, UPC_CRITADD);
	KUNIT_EXPECT_EQ(test, u->pending, 0);
	KUNIT_EXPECT_EQ(test, w->t[0].last.upcid, id);
	/* Exactly once. */
	u->crit_count -= UPC_CRITADD;
	KUNIT_EXPECT_EQ(test, ctl(w, 0, UPC_CONTROL_DISPATCH, -1, 0, NULL), 0);
	KUNIT_EXPECT_EQ(test, w->t[0].sent, 1);
}

static void upcall_test_pending_blocks(struct kunit *test)
{
	struct world *w = world_new(test);
	int id = reg(test, w, 0);
	struct upcall *u = &w->t[0].upc;

	u->pending = 1;				/* set by a context function */
	KUNIT_EXPECT_EQ(test, ctl(w, 0, UPC_CONTROL_DISPATCH, id, 5, NULL), 0);
	KUNIT_EXPECT_EQ(test, w->t[0].sent, 0);
	KUNIT_EXPECT_EQ(test, u->pending, 5);	/* raised to the priority */
	KUNIT_EXPECT_EQ(test, u->crit_count, 0);
}

static void upcall_test_priority(struct kunit *test)
{
	struct world *w = world_new(test);
	int id = reg(test, w, 0);
	struct upcall *u = &w->t[0].upc;

	u->crit_count = UPC_CRITADD;
	/* Not above crit_count: pending. */
	KUNIT_EXPECT_EQ(test, ctl(w, 0, UPC_CONTROL_DISPATCH, id, UPC_CRITADD,
				  NULL), 0);
	KUNIT_EXPECT_EQ(test, w->t[0].sent, 0);
	KUNIT_EXPECT_EQ(test, u->pending, UPC_CRITADD);
	/* Above it: goes through a critical section, but not a pending. */
	u->pending = 0;
	KUNIT_EXPECT_EQ(test, ctl(w, 0, UPC_CONTROL_DISPATCH, id,
				  UPC_CRITADD + 1, NULL), 0);
	KUNIT_EXPECT_EQ(test, w->t[0].sent, 1);
	KUNIT_EXPECT_EQ(test, u->crit_count, 2 * UPC_CRITADD);
	KUNIT_EXPECT_EQ(test, u->pending, 0);
}

static void upcall_test_next(struct kunit *test)
{
	struct world *w = world_new(test);
	int lo = reg(test, w, 0), hi = reg(test, w, 0);
	struct upcall *u = &w->t[0].upc;
	struct upc_frame f;

	u->crit_count = UPC_CRITADD;
	ctl(w, 0, UPC_CONTROL_DISPATCH, lo, 1, NULL);
	ctl(w, 0, UPC_CONTROL_DISPATCH, hi, 2, NULL);
	KUNIT_EXPECT_EQ(test, w->t[0].sent, 0);
	KUNIT_EXPECT_EQ(test, u->pending, 2);
	u->crit_count = 0;
	/* The higher priority first, with "more pending" set. */
	ctl(w, 0, UPC_CONTROL_DISPATCH, -1, 0, NULL);
	KUNIT_EXPECT_EQ(test, w->t[0].sent, 1);
	KUNIT_EXPECT_EQ(test, w->t[0].last.upcid, hi);
	KUNIT_EXPECT_EQ(test, u->pending, 1);
	KUNIT_EXPECT_EQ(test, u->crit_count, UPC_CRITADD);

	/* The context function's return: pending = 1, crit down, NEXT. */
	u->pending = 1;
	u->crit_count -= UPC_CRITADD;
	KUNIT_EXPECT_EQ(test, ctl(w, 0, UPC_CONTROL_NEXT, -1, 0, &f), lo);
	KUNIT_EXPECT_EQ(test, f.upcid, lo);
	KUNIT_EXPECT_EQ(test, f.func, 0x1000 + lo);
	KUNIT_EXPECT_EQ(test, f.data, 0x2000 + lo);
	KUNIT_EXPECT_EQ(test, u->crit_count, UPC_CRITADD);
	KUNIT_EXPECT_EQ(test, u->pending, 0);
	u->pending = 1;
	u->crit_count -= UPC_CRITADD;
	KUNIT_EXPECT_EQ(test, ctl(w, 0, UPC_CONTROL_NEXT, -1, 0, &f), 0);
	KUNIT_EXPECT_EQ(test, u->pending, 0);
	KUNIT_EXPECT_EQ(test, u->crit_count, 0);
	KUNIT_EXPECT_EQ(test, w->t[0].sent, 1);	/* NEXT returns, no signal */
	KUNIT_EXPECT_EQ(test, ctl(w, 0, UPC_CONTROL_NEXT, 5, 0, &f), -EINVAL);

	/*
	 * An upcall that interrupted a section: NEXT keeps the rest for
	 * the section's end, with pending raised to their priority.
	 */
	u->crit_count = UPC_CRITADD;
	ctl(w, 0, UPC_CONTROL_DISPATCH, lo, 1, NULL);
	u->pending = 0;
	ctl(w, 0, UPC_CONTROL_DISPATCH, hi, UPC_CRITADD + 1, NULL);
	KUNIT_EXPECT_EQ(test, w->t[0].sent, 2);		/* hi, inside */
	KUNIT_EXPECT_EQ(test, w->t[0].last.upcid, hi);
	u->pending = 1;
	u->crit_count -= UPC_CRITADD;
	KUNIT_EXPECT_EQ(test, ctl(w, 0, UPC_CONTROL_NEXT, -1, 0, &f), 0);
	KUNIT_EXPECT_EQ(test, u->pending, 1);
	KUNIT_EXPECT_EQ(test, ctl(w, 0, UPC_CONTROL_POLL, lo, 0, NULL), 1);
	u->crit_count = 0;				/* crit_exit() */
	KUNIT_EXPECT_EQ(test, ctl(w, 0, UPC_CONTROL_DISPATCH, -1, 0, NULL), 0);
	KUNIT_EXPECT_EQ(test, w->t[0].sent, 3);
	KUNIT_EXPECT_EQ(test, w->t[0].last.upcid, lo);
}

static void upcall_test_cross_thread(struct kunit *test)
{
	struct world *w = world_new(test);
	int id = reg(test, w, 1);

	/* Thread 0 (or the kernel, self NULL) dispatches to thread 1. */
	KUNIT_EXPECT_EQ(test, ctl(w, 0, UPC_CONTROL_DISPATCH, id, 1, NULL), 0);
	KUNIT_EXPECT_EQ(test, ctl(w, -1, UPC_CONTROL_DISPATCH, id, 1, NULL), 0);
	KUNIT_EXPECT_EQ(test, w->t[1].kicks, 2);
	KUNIT_EXPECT_EQ(test, w->t[1].sent, 0);
	KUNIT_EXPECT_EQ(test, w->t[0].sent, 0);
	/* Thread 1 posts in its own context: delivered once. */
	post(w, 1);
	post(w, 1);
	KUNIT_EXPECT_EQ(test, w->t[1].sent, 1);
	KUNIT_EXPECT_EQ(test, w->t[1].upc.crit_count, UPC_CRITADD);
	KUNIT_EXPECT_EQ(test, w->t[0].upc.crit_count, 0);
}

static void upcall_test_poll(struct kunit *test)
{
	struct world *w = world_new(test);
	int a = reg(test, w, 0), b = reg(test, w, 0), c = reg(test, w, 1);

	w->t[0].upc.crit_count = UPC_CRITADD;
	w->t[1].upc.crit_count = UPC_CRITADD;
	KUNIT_EXPECT_EQ(test, ctl(w, 0, UPC_CONTROL_POLL, -1, 1, NULL), 0);
	/* Priority 0 matches any of our own, pending or not. */
	KUNIT_EXPECT_EQ(test, ctl(w, 0, UPC_CONTROL_POLL, -1, 0, NULL), a);
	ctl(w, 0, UPC_CONTROL_DISPATCH, b, 3, NULL);
	ctl(w, 0, UPC_CONTROL_DISPATCH, c, 9, NULL);
	post(w, 1);		/* thread 1's task_work */
	KUNIT_EXPECT_EQ(test, ctl(w, 0, UPC_CONTROL_POLL, a, 0, NULL), 0);
	KUNIT_EXPECT_EQ(test, ctl(w, 0, UPC_CONTROL_POLL, b, 0, NULL), 1);
	/* Others' pending upcalls are not ours. */
	KUNIT_EXPECT_EQ(test, ctl(w, 0, UPC_CONTROL_POLL, -1, 1, NULL), b);
	KUNIT_EXPECT_EQ(test, ctl(w, 0, UPC_CONTROL_POLL, -1, 4, NULL), 0);
	KUNIT_EXPECT_EQ(test, ctl(w, 1, UPC_CONTROL_POLL, -1, 9, NULL), c);
	/* POLL leaves it pending, POLLANDCLEAR does not. */
	KUNIT_EXPECT_EQ(test, ctl(w, 0, UPC_CONTROL_POLL, b, 0, NULL), 1);
	KUNIT_EXPECT_EQ(test, ctl(w, 0, UPC_CONTROL_POLLANDCLEAR, -1, 1, NULL),
			b);
	KUNIT_EXPECT_EQ(test, ctl(w, 0, UPC_CONTROL_POLL, b, 0, NULL), 0);
	KUNIT_EXPECT_EQ(test, ctl(w, 0, UPC_CONTROL_POLLANDCLEAR, c, 0, NULL),
			1);
	KUNIT_EXPECT_EQ(test, ctl(w, 1, UPC_CONTROL_POLL, c, 0, NULL), 0);
	/* Cleared: leaving the section delivers nothing, clears pending. */
	w->t[1].upc.crit_count = 0;
	KUNIT_EXPECT_EQ(test, w->t[1].upc.pending, 9);
	KUNIT_EXPECT_EQ(test, ctl(w, 1, UPC_CONTROL_DISPATCH, -1, 0, NULL), 0);
	KUNIT_EXPECT_EQ(test, w->t[1].sent, 0);
	KUNIT_EXPECT_EQ(test, w->t[1].upc.pending, 0);
}

static void upcall_test_delete(struct kunit *test)
{
	struct world *w = world_new(test);
	int a = reg(test, w, 0), b = reg(test, w, 1), c = reg(test, w, 1);

	/* -1: only the caller's own. */
	KUNIT_EXPECT_EQ(test, ctl(w, 1, UPC_CONTROL_DELETE, -1, 0, NULL), 0);
	KUNIT_EXPECT_EQ(test, ctl(w, 0, UPC_CONTROL_POLL, b, 0, NULL), -ENOENT);
	KUNIT_EXPECT_EQ(test, ctl(w, 0, UPC_CONTROL_POLL, c, 0, NULL), -ENOENT);
	KUNIT_EXPECT_EQ(test, ctl(w, 0, UPC_CONTROL_POLL, a, 0, NULL), 0);
	KUNIT_EXPECT_EQ(test, w->t[1].thr.nentries, 0);
	/* An identifier: whoever registered it. */
	KUNIT_EXPECT_EQ(test, ctl(w, 1, UPC_CONTROL_DELETE, a, 0, NULL), 0);
	KUNIT_EXPECT_EQ(test, ctl(w, 1, UPC_CONTROL_DELETE, a, 0, NULL),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, w->space.count, 0);
	/* A deleted upcall is not delivered. */
	a = reg(test, w, 0);
	w->t[0].upc.crit_count = UPC_CRITADD;
	ctl(w, 1, UPC_CONTROL_DISPATCH, a, 1, NULL);
	ctl(w, 1, UPC_CONTROL_DELETE, a, 0, NULL);
	w->t[0].upc.crit_count = 0;
	post(w, 0);
	KUNIT_EXPECT_EQ(test, w->t[0].sent, 0);
}

static void upcall_test_errors(struct kunit *test)
{
	struct world *w = world_new(test);
	int id = reg(test, w, 0);

	KUNIT_EXPECT_EQ(test, ctl(w, 0, UPC_CONTROL_DISPATCH, id + 1, 1, NULL),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, ctl(w, 0, UPC_CONTROL_POLL, id + 1, 0, NULL),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, ctl(w, 0, UPC_CONTROL_POLLANDCLEAR, id + 1, 0,
				  NULL), -ENOENT);
	KUNIT_EXPECT_EQ(test, ctl(w, 0, UPC_CONTROL_DELETE, id + 1, 0, NULL),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, ctl(w, 0, UPC_CONTROL_DISPATCH, id, 0, NULL),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, ctl(w, 0, UPC_CONTROL_DISPATCH, id, -1, NULL),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, ctl(w, 0, UPC_CONTROL_DISPATCH, -2, 1, NULL),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, ctl(w, 0, UPC_CONTROL_DISPATCH, 0, 1, NULL),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, ctl(w, 0, 0, id, 0, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, ctl(w, 0, 6, id, 0, NULL), -EINVAL);
	/* A thread without registrations: -1 finds nothing. */
	KUNIT_EXPECT_EQ(test, ctl(w, -1, UPC_CONTROL_POLL, -1, 0, NULL), 0);
	KUNIT_EXPECT_EQ(test, ctl(w, -1, UPC_CONTROL_NEXT, -1, 0, NULL), 0);
	KUNIT_EXPECT_EQ(test, w->t[0].sent, 0);
}

static void upcall_test_bad_magic(struct kunit *test)
{
	struct world *w = world_new(test);
	int id = reg(test, w, 0);

	w->t[0].upc.magic = 0;
	KUNIT_EXPECT_EQ(test, ctl(w, 0, UPC_CONTROL_DISPATCH, id, 1, NULL), 0);
	KUNIT_EXPECT_EQ(test, w->t[0].sent, 0);
	KUNIT_EXPECT_EQ(test, w->t[0].upc.crit_count, 0);
	/* Dropped, as DragonFly does with a bad structure. */
	KUNIT_EXPECT_EQ(test, ctl(w, 0, UPC_CONTROL_POLL, id, 0, NULL), 0);
}

static void upcall_test_send_fails(struct kunit *test)
{
	struct world *w = world_new(test);
	int id = reg(test, w, 0);
	struct upcall *u = &w->t[0].upc;

	w->t[0].fail_send = 1;
	KUNIT_EXPECT_EQ(test, ctl(w, 0, UPC_CONTROL_DISPATCH, id, 1, NULL), 0);
	/* Not sent: still pending, crit_count as it was. */
	KUNIT_EXPECT_EQ(test, w->t[0].sent, 0);
	KUNIT_EXPECT_EQ(test, u->crit_count, 0);
	KUNIT_EXPECT_EQ(test, u->pending, 1);
	/* At its own priority. */
	u->pending = 0;
	w->t[0].fail_send = 1;
	KUNIT_EXPECT_EQ(test, ctl(w, 0, UPC_CONTROL_DISPATCH, id, 7, NULL), 0);
	KUNIT_EXPECT_EQ(test, u->pending, 7);
	KUNIT_EXPECT_EQ(test, ctl(w, 0, UPC_CONTROL_POLL, -1, 7, NULL), id);
	KUNIT_EXPECT_EQ(test, ctl(w, 0, UPC_CONTROL_POLL, id, 0, NULL), 1);
	/* Another dispatch: pending blocks it. */
	KUNIT_EXPECT_EQ(test, ctl(w, 0, UPC_CONTROL_DISPATCH, id, 1, NULL), 0);
	KUNIT_EXPECT_EQ(test, w->t[0].sent, 0);
	/* The thread collecting (crit_exit()) gets it through. */
	KUNIT_EXPECT_EQ(test, ctl(w, 0, UPC_CONTROL_DISPATCH, -1, 0, NULL), 0);
	KUNIT_EXPECT_EQ(test, w->t[0].sent, 1);
	KUNIT_EXPECT_EQ(test, u->crit_count, UPC_CRITADD);
}

static struct kunit_case upcall_test_cases[] = {
	KUNIT_CASE(upcall_test_ids_and_limit),
	KUNIT_CASE(upcall_test_deliver_now),
	KUNIT_CASE(upcall_test_critical_section),
	KUNIT_CASE(upcall_test_pending_blocks),
	KUNIT_CASE(upcall_test_priority),
	KUNIT_CASE(upcall_test_next),
	KUNIT_CASE(upcall_test_cross_thread),
	KUNIT_CASE(upcall_test_poll),
	KUNIT_CASE(upcall_test_delete),
	KUNIT_CASE(upcall_test_errors),
	KUNIT_CASE(upcall_test_bad_magic),
	KUNIT_CASE(upcall_test_send_fails),
	{}
};

static struct kunit_suite upcall_test_suite = {
	.name = "upcall",
	.test_cases = upcall_test_cases,
};

kunit_test_suites(&upcall_test_suite);
