// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for syslet internals, against in-kernel fakes: the chain
 * interpreter (stop and skip rules, argument passing, sync/async
 * hand-over, faults) and the completion ring protocol (admission,
 * ordering, overflow refusal, tampering).  Linked into syslet itself.
 */
#include <kunit/test.h>
#include <linux/slab.h>

#include "../syslet/syslet.h"

/* ------------------------------------------------------------------
 * A fake world: atoms and variables in kernel memory, a small op table.
 */

enum {
	FAKE_ADD = 1,		/* args[0] + args[1] */
	FAKE_BLOCK = 2,		/* would block with nowait, else 7 */
	FAKE_ECHO = 3,		/* args[0] */
	FAKE_COUNT = 4,		/* number of arguments seen: index of last */
	FAKE_EINTR = 5,		/* an interrupted wait: -EINTR */
	FAKE_GENUINE = 6,	/* no native op: the caller makes it */
	FAKE_DENIED = 7,	/* refused by the env: -EPERM, the chain ends */
};

struct fake {
	u64 bad_lo, bad_hi;	/* [bad_lo, bad_hi): unreadable/unwritable */
	int calls;
	int nowait_calls;
	int interrupt_after;	/* interrupted() true from this call on */
	int interrupted_calls;
	int put_gets;		/* put_get() calls (joined env only) */
	int arg_gets;		/* ... of them that read arguments */
	unsigned long last_args[6];
	long cancel_code;	/* cancel_code() once calls >= cancel_after */
	int cancel_after;
	bool sync;		/* run(): the synchronous phase */
	int deadlines;		/* deadline() calls ... */
	ktime_t deadline;	/* ... and the last one's */
};

static bool fake_bad(struct fake *f, u64 addr, size_t len)
{
	return !addr || (addr < f->bad_hi && addr + len > f->bad_lo);
}

static int fake_get_atom(void *priv, u64 uaddr, struct syslet_uatom *a)
{
	if (fake_bad(priv, uaddr, sizeof(*a)))
		return -EFAULT;
	memcpy(a, (void *)(unsigned long)uaddr, sizeof(*a));
	return 0;
}

static int fake_get_arg(void *priv, u64 uaddr, unsigned long *val)
{
	if (fake_bad(priv, uaddr, sizeof(*val)))
		return -EFAULT;
	*val = *(unsigned long *)(unsigned long)uaddr;
	return 0;
}

static int fake_put_ret(void *priv, u64 uaddr, long ret)
{
	if (fake_bad(priv, uaddr, sizeof(ret)))
		return -EFAULT;
	*(long *)(unsigned long)uaddr = ret;
	return 0;
}

static long fake_call(void *priv, unsigned long nr, const unsigned long *args,
		      bool nowait, bool *wouldblock)
{
	struct fake *f = priv;

	f->calls++;
	f->nowait_calls += nowait;
	memcpy(f->last_args, args, sizeof(f->last_args));
	switch (nr) {
	case FAKE_ADD:
		return args[0] + args[1];
	case FAKE_BLOCK:
		if (nowait) {
			*wouldblock = true;
			return 0;
		}
		return 7;
	case FAKE_ECHO:
		return args[0];
	case FAKE_EINTR:
		return -EINTR;
	case FAKE_GENUINE:
		*wouldblock = true;
		return SYSLET_CALL_GENUINE;
	case FAKE_DENIED:
		*wouldblock = true;
		return SYSLET_CALL_DENIED;
	}
	return -ENOSYS;
}

static long fake_cancel_code(void *priv)
{
	struct fake *f = priv;

	return f->calls >= f->cancel_after ? f->cancel_code : 0;
}

static void fake_deadline(void *priv, ktime_t when)
{
	struct fake *f = priv;

	f->deadlines++;
	f->deadline = when;
}

/*
 * Interrupted after interrupt_after calls; in a worker also whenever
 * cancelled, as struct syslet_env asks.
 */
static bool fake_interrupted(void *priv)
{
	struct fake *f = priv;

	return (f->interrupt_after &&
		++f->interrupted_calls >= f->interrupt_after) ||
	       (!f->sync && fake_cancel_code(priv));
}

static int fake_put_get(void *priv, u64 ret_uaddr, long ret, u64 uaddr,
			struct syslet_uatom *a, unsigned long *args)
{
	struct fake *f = priv;
	int i;

	f->put_gets++;
	if (ret_uaddr && fake_put_ret(priv, ret_uaddr, ret))
		return SYSLET_PUT_FAULT;
	if (fake_get_atom(priv, uaddr, a))
		return -EFAULT;
	if (!args)
		return 0;
	f->arg_gets++;
	memset(args, 0, sizeof(*args) * ARRAY_SIZE(a->arg_ptr));
	for (i = 0; i < ARRAY_SIZE(a->arg_ptr) && a->arg_ptr[i]; i++)
		if (fake_get_arg(priv, (u64)(unsigned long)a->arg_ptr[i],
				 &args[i]))
			return SYSLET_ARGS_FAULT;
	return 0;
}

/* The interpreter cases run with both: put_get is optional in an env. */
static const struct syslet_env fake_env = {
	.get_atom = fake_get_atom,
	.get_arg = fake_get_arg,
	.put_ret = fake_put_ret,
	.call = fake_call,
	.interrupted = fake_interrupted,
	.cancel_code = fake_cancel_code,
	.deadline = fake_deadline,
};

/* fake_env with put_get, and nothing else apart: see syslet_suite_init(). */
static struct syslet_env fake_env_joined;

static int syslet_suite_init(struct kunit_suite *suite)
{
	fake_env_joined = fake_env;
	fake_env_joined.put_get = fake_put_get;
	return 0;
}

static const struct syslet_env *const fake_envs[] = {
	&fake_env, &fake_env_joined,
};

static void fake_env_desc(const struct syslet_env *const *env, char *desc)
{
	strscpy(desc, (*env)->put_get ? "put_get" : "separate",
		KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(fake_env, fake_envs, fake_env_desc);

/* The env of the running case. */
static const struct syslet_env *fake_env_cur;

static int syslet_test_init(struct kunit *test)
{
	fake_env_cur = test->param_value ?
		*(const struct syslet_env *const *)test->param_value :
		&fake_env;
	return 0;
}

#define U(p) ((u64)(unsigned long)(p))

static void atom(struct syslet_uatom *a, unsigned long nr, unsigned long flags,
		 long *ret, struct syslet_uatom *next)
{
	memset(a, 0, sizeof(*a));
	a->nr = nr;
	a->flags = flags;
	a->ret_ptr = (long __user *)ret;
	a->next = (struct syslet_uatom __user *)next;
}

static void arg(struct syslet_uatom *a, int i, unsigned long *p)
{
	a->arg_ptr[i] = (unsigned long __user *)p;
}

static int run(struct fake *f, struct syslet_uatom *start, bool sync,
	       struct syslet_run *r)
{
	memset(r, 0, sizeof(*r));
	r->env = fake_env_cur;
	r->priv = f;
	r->cur = U(start);
	r->sync = sync;
	f->sync = sync;
	return syslet_run(r);
}

/* ------------------------------------------------------------------
 * The interpreter.
 */

static void syslet_test_follows_next(struct kunit *test)
{
	struct syslet_uatom a[3];
	unsigned long x = 2, y = 3;
	long r[3] = { 0 };
	struct fake f = {};
	struct syslet_run run_;

	atom(&a[0], FAKE_ADD, 0, &r[0], &a[2]);
	arg(&a[0], 0, &x);
	arg(&a[0], 1, &y);
	atom(&a[1], FAKE_ADD, 0, &r[1], NULL);	/* skipped over */
	atom(&a[2], FAKE_ECHO, 0, &r[2], NULL);
	arg(&a[2], 0, (unsigned long *)&r[0]);	/* fed by a[0] */
	r[1] = 99;
	KUNIT_EXPECT_EQ(test, run(&f, a, false, &run_), SYSLET_RUN_DONE);
	KUNIT_EXPECT_EQ(test, r[0], 5);
	KUNIT_EXPECT_EQ(test, r[1], 99);
	KUNIT_EXPECT_EQ(test, r[2], 5);
	KUNIT_EXPECT_EQ(test, run_.final, U(&a[2]));
	KUNIT_EXPECT_TRUE(test, run_.post);
	KUNIT_EXPECT_EQ(test, run_.atoms, 2);
	KUNIT_EXPECT_EQ(test, f.nowait_calls, 0);
	/*
	 * a[0], then a[0] -> a[2], went through put_get, each atom's
	 * arguments read with it; a[2]'s result through put_ret.
	 */
	KUNIT_EXPECT_EQ(test, f.put_gets, fake_env_cur->put_get ? 2 : 0);
	KUNIT_EXPECT_EQ(test, f.arg_gets, fake_env_cur->put_get ? 2 : 0);
}

static void syslet_test_args_to_first_null(struct kunit *test)
{
	struct syslet_uatom a;
	unsigned long v[6] = { 1, 2, 3, 4, 5, 6 };
	struct fake f = {};
	struct syslet_run run_;
	int i;

	atom(&a, FAKE_ECHO, 0, NULL, NULL);
	for (i = 0; i < 6; i++)
		arg(&a, i, &v[i]);
	a.arg_ptr[2] = NULL;		/* args 3..5 are not read */
	f.bad_lo = U(&v[3]);
	f.bad_hi = U(&v[6]);
	KUNIT_EXPECT_EQ(test, run(&f, &a, false, &run_), SYSLET_RUN_DONE);
	KUNIT_EXPECT_EQ(test, f.last_args[0], 1);
	KUNIT_EXPECT_EQ(test, f.last_args[1], 2);
	KUNIT_EXPECT_EQ(test, f.last_args[2], 0);
	KUNIT_EXPECT_EQ(test, f.last_args[3], 0);
	/* All six, when none is NULL. */
	a.arg_ptr[2] = (unsigned long __user *)&v[2];
	f.bad_lo = f.bad_hi = 0;
	KUNIT_EXPECT_EQ(test, run(&f, &a, false, &run_), SYSLET_RUN_DONE);
	for (i = 0; i < 6; i++)
		KUNIT_EXPECT_EQ(test, f.last_args[i], i + 1);
}

struct stop_case {
	unsigned long flag;
	long value;
	bool stops;
};

static const struct stop_case stop_cases[] = {
	{ SYSLET_STOP_ON_NONZERO, 0, false },
	{ SYSLET_STOP_ON_NONZERO, 1, true },
	{ SYSLET_STOP_ON_NONZERO, -1, true },
	{ SYSLET_STOP_ON_ZERO, 0, true },
	{ SYSLET_STOP_ON_ZERO, 5, false },
	{ SYSLET_STOP_ON_NEGATIVE, -1, true },
	{ SYSLET_STOP_ON_NEGATIVE, 0, false },
	{ SYSLET_STOP_ON_NEGATIVE, 1, false },
	{ SYSLET_STOP_ON_NON_POSITIVE, 0, true },
	{ SYSLET_STOP_ON_NON_POSITIVE, -4, true },
	{ SYSLET_STOP_ON_NON_POSITIVE, 1, false },
};

static void syslet_test_stop_rules(struct kunit *test)
{
	struct syslet_uatom a[3];
	struct fake f = {};
	struct syslet_run run_;
	unsigned long v;
	long r[3];
	int i;

	for (i = 0; i < ARRAY_SIZE(stop_cases); i++) {
		const struct stop_case *c = &stop_cases[i];

		v = c->value;
		atom(&a[0], FAKE_ECHO, c->flag, &r[0], &a[2]);
		arg(&a[0], 0, &v);
		atom(&a[1], FAKE_ECHO, 0, &r[1], NULL);
		atom(&a[2], FAKE_ECHO, 0, &r[2], NULL);
		KUNIT_EXPECT_EQ(test, run(&f, a, false, &run_), SYSLET_RUN_DONE);
		KUNIT_EXPECT_EQ_MSG(test, run_.final,
				    c->stops ? U(&a[0]) : U(&a[2]),
				    "case %d", i);

		/* With SKIP: the linearly next atom instead of stopping. */
		a[0].flags |= SYSLET_SKIP_TO_NEXT_ON_STOP;
		KUNIT_EXPECT_EQ(test, run(&f, a, false, &run_), SYSLET_RUN_DONE);
		KUNIT_EXPECT_EQ_MSG(test, run_.final,
				    c->stops ? U(&a[1]) : U(&a[2]),
				    "case %d skip", i);
	}
}

static void syslet_test_no_complete(struct kunit *test)
{
	struct syslet_uatom a[2];
	struct fake f = {};
	struct syslet_run run_;

	atom(&a[0], FAKE_ECHO, SYSLET_NO_COMPLETE, NULL, &a[1]);
	atom(&a[1], FAKE_ECHO, 0, NULL, NULL);
	KUNIT_EXPECT_EQ(test, run(&f, a, false, &run_), SYSLET_RUN_DONE);
	KUNIT_EXPECT_TRUE(test, run_.post);	/* only the final atom counts */
	a[1].flags = SYSLET_NO_COMPLETE;
	KUNIT_EXPECT_EQ(test, run(&f, a, false, &run_), SYSLET_RUN_DONE);
	KUNIT_EXPECT_FALSE(test, run_.post);
}

/*
 * A genuine call stops the run at its atom with the call (nr, args) and
 * stores nothing; the resume stores the result, feeds it to the next
 * atom's argument and goes on.
 */
static void syslet_test_genuine_resume(struct kunit *test)
{
	struct syslet_uatom a[3];
	unsigned long x = 2, y = 3, g0 = 11, g1 = 12;
	long r[3] = { -1, -1, -1 };
	struct fake f = {};
	struct syslet_run run_;

	atom(&a[0], FAKE_ADD, 0, &r[0], &a[1]);
	arg(&a[0], 0, &x);
	arg(&a[0], 1, &y);
	atom(&a[1], FAKE_GENUINE, 0, &r[1], &a[2]);
	arg(&a[1], 0, &g0);
	arg(&a[1], 1, &g1);
	atom(&a[2], FAKE_ECHO, 0, &r[2], NULL);
	arg(&a[2], 0, (unsigned long *)&r[1]);
	KUNIT_EXPECT_EQ(test, run(&f, a, true, &run_), SYSLET_RUN_CALL);
	KUNIT_EXPECT_EQ(test, run_.cur, U(&a[1]));
	KUNIT_EXPECT_EQ(test, run_.call_nr, FAKE_GENUINE);
	KUNIT_EXPECT_EQ(test, run_.args[0], 11);
	KUNIT_EXPECT_EQ(test, run_.args[1], 12);
	KUNIT_EXPECT_EQ(test, run_.args[2], 0);
	KUNIT_EXPECT_EQ(test, r[0], 5);
	KUNIT_EXPECT_EQ(test, r[1], -1);	/* not stored yet */
	KUNIT_EXPECT_EQ(test, run_.atoms, 1);

	/* Stateless: a fresh run, told only the atom and the result. */
	memset(&run_, 0, sizeof(run_));
	run_.env = fake_env_cur;
	run_.priv = &f;
	run_.sync = true;
	run_.cur = U(&a[1]);
	KUNIT_EXPECT_EQ(test, syslet_run_resume(&run_, 42), SYSLET_RUN_DONE);
	KUNIT_EXPECT_EQ(test, r[1], 42);
	KUNIT_EXPECT_EQ(test, r[2], 42);
	KUNIT_EXPECT_EQ(test, run_.final, U(&a[2]));
	KUNIT_EXPECT_EQ(test, run_.atoms, 2);
	KUNIT_EXPECT_TRUE(test, run_.post);
}

/*
 * An atom the env refuses (a caller confined meanwhile) gets -EPERM
 * through its ret_ptr and ends the chain there, in spite of its stop
 * conditions, its next and SYSLET_NO_COMPLETE: it is posted, as a
 * cancelled chain's atom is.
 */
static void syslet_test_denied_ends(struct kunit *test)
{
	struct syslet_uatom a[3];
	unsigned long x = 2, y = 3;
	long r[3] = { -1, -1, -1 };
	struct fake f = {};
	struct syslet_run run_;

	atom(&a[0], FAKE_ADD, 0, &r[0], &a[1]);
	arg(&a[0], 0, &x);
	arg(&a[0], 1, &y);
	atom(&a[1], FAKE_DENIED,
	     SYSLET_NO_COMPLETE | SYSLET_SKIP_TO_NEXT_ON_STOP, &r[1], &a[2]);
	atom(&a[2], FAKE_ECHO, 0, &r[2], NULL);
	arg(&a[2], 0, &x);
	KUNIT_EXPECT_EQ(test, run(&f, a, true, &run_), SYSLET_RUN_DONE);
	KUNIT_EXPECT_EQ(test, r[0], 5);
	KUNIT_EXPECT_EQ(test, r[1], -EPERM);
	KUNIT_EXPECT_EQ(test, r[2], -1);	/* never ran */
	KUNIT_EXPECT_EQ(test, run_.final, U(&a[1]));
	KUNIT_EXPECT_TRUE(test, run_.post);
	KUNIT_EXPECT_EQ(test, run_.atoms, 2);
	KUNIT_EXPECT_EQ(test, f.calls, 2);
}

/*
 * A run told that it holds atom @cur (r->held: a parked atom, resumed)
 * goes on with that atom and its arguments, not with what memory holds
 * by now; and a cancel found at the resume ends it through the ret_ptr
 * it holds.
 */
static void syslet_test_held_atom(struct kunit *test)
{
	struct syslet_uatom a[2];
	unsigned long x = 5;
	long r[2] = { -1, -1 }, other = -1;
	struct fake f = {};
	struct syslet_run run_;
	int i;

	atom(&a[0], FAKE_ECHO, 0, &r[0], &a[1]);
	arg(&a[0], 0, &x);
	atom(&a[1], FAKE_ECHO, 0, &r[1], NULL);
	arg(&a[1], 0, (unsigned long *)&r[0]);
	for (i = 0; i < 2; i++) {
		f = (struct fake){};
		memset(&run_, 0, sizeof(run_));
		run_.env = fake_env_cur;
		run_.priv = &f;
		run_.cur = U(&a[0]);
		run_.atom = a[0];
		run_.args[0] = 9;	/* what x held when it began */
		run_.held = true;
		a[0].ret_ptr = (long __user *)&other;	/* changed since */
		if (!i) {
			KUNIT_EXPECT_EQ(test, syslet_run(&run_),
					SYSLET_RUN_DONE);
			KUNIT_EXPECT_EQ(test, r[0], 9);
			KUNIT_EXPECT_EQ(test, r[1], 9);
			KUNIT_EXPECT_EQ(test, run_.atoms, 2);
			KUNIT_EXPECT_EQ(test, f.calls, 2);
		} else {
			f.cancel_code = -ECANCELED;
			KUNIT_EXPECT_EQ(test, syslet_run(&run_),
					SYSLET_RUN_DONE);
			KUNIT_EXPECT_EQ(test, r[0], -ECANCELED);
			KUNIT_EXPECT_EQ(test, run_.final, U(&a[0]));
			KUNIT_EXPECT_EQ(test, run_.atoms, 0);
			KUNIT_EXPECT_EQ(test, f.calls, 0);
		}
		KUNIT_EXPECT_EQ(test, other, -1);
		KUNIT_EXPECT_FALSE(test, run_.held);
		a[0].ret_ptr = (long __user *)&r[0];
	}
}

/* Stop conditions, skip, NO_COMPLETE and validity on a resumed atom. */
static void syslet_test_genuine_resume_rules(struct kunit *test)
{
	struct syslet_uatom a[3];
	struct fake f = {};
	struct syslet_run run_;
	long r[3];
	int i;

	for (i = 0; i < ARRAY_SIZE(stop_cases); i++) {
		const struct stop_case *c = &stop_cases[i];

		atom(&a[0], FAKE_GENUINE, c->flag | SYSLET_NO_COMPLETE,
		     &r[0], &a[2]);
		atom(&a[1], FAKE_ECHO, 0, &r[1], NULL);
		atom(&a[2], FAKE_ECHO, 0, &r[2], NULL);
		memset(&run_, 0, sizeof(run_));
		run_.env = fake_env_cur;
		run_.priv = &f;
		run_.cur = U(&a[0]);
		r[0] = 0x5a5a;
		KUNIT_EXPECT_EQ(test, syslet_run_resume(&run_, c->value),
				SYSLET_RUN_DONE);
		KUNIT_EXPECT_EQ_MSG(test, r[0], c->value, "case %d", i);
		KUNIT_EXPECT_EQ_MSG(test, run_.final,
				    c->stops ? U(&a[0]) : U(&a[2]),
				    "case %d", i);
		KUNIT_EXPECT_EQ(test, run_.post, !c->stops);

		a[0].flags |= SYSLET_SKIP_TO_NEXT_ON_STOP;
		memset(&run_, 0, sizeof(run_));
		run_.env = fake_env_cur;
		run_.priv = &f;
		run_.cur = U(&a[0]);
		KUNIT_EXPECT_EQ(test, syslet_run_resume(&run_, c->value),
				SYSLET_RUN_DONE);
		KUNIT_EXPECT_EQ_MSG(test, run_.final,
				    c->stops ? U(&a[1]) : U(&a[2]),
				    "case %d skip", i);
	}

	/* Made invalid meanwhile: -EINVAL, and the chain ends there. */
	atom(&a[0], FAKE_GENUINE, SYSLET_ASYNC | SYSLET_SYNC, &r[0], &a[2]);
	memset(&run_, 0, sizeof(run_));
	run_.env = fake_env_cur;
	run_.priv = &f;
	run_.cur = U(&a[0]);
	KUNIT_EXPECT_EQ(test, syslet_run_resume(&run_, 3), SYSLET_RUN_DONE);
	KUNIT_EXPECT_EQ(test, r[0], -EINVAL);
	KUNIT_EXPECT_EQ(test, run_.final, U(&a[0]));

	/* Unreadable: -EFAULT, nothing ran. */
	f.calls = 0;
	f.bad_lo = U(&a[0]);
	f.bad_hi = U(&a[1]);
	memset(&run_, 0, sizeof(run_));
	run_.env = fake_env_cur;
	run_.priv = &f;
	run_.cur = U(&a[0]);
	KUNIT_EXPECT_EQ(test, syslet_run_resume(&run_, 3), -EFAULT);
	KUNIT_EXPECT_EQ(test, run_.final, 0);
	KUNIT_EXPECT_EQ(test, f.calls, 0);
}

static void syslet_test_noabort(lwkt_msg_t msg)
{
}

/*
 * A worker takes the chains sent to the port before the woken ones, and
 * those in the order they woke; a woken chain not taken yet goes back to
 * the port for a cancel, which can then drop it.
 */
static void syslet_test_take_order(struct kunit *test)
{
	struct syslet_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	struct syslet_chain *c = kunit_kcalloc(test, 4, sizeof(*c), GFP_KERNEL);
	static const int woke[] = { 2, 1, 3 };
	int i;

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	KUNIT_ASSERT_NOT_NULL(test, c);
	spin_lock_init(&ctx->ring_lock);
	init_llist_head(&ctx->ready);
	syslet_ctx_init_ports(ctx);
	for (i = 0; i < 4; i++) {
		c[i].ctx = ctx;
		INIT_LIST_HEAD(&c[i].wnode);
		lwkt_initmsg_abortable(&c[i].msg, &ctx->reply_port,
				       MSGF_DROPABLE, syslet_test_noabort);
	}
	spin_lock(&ctx->ring_lock);
	/* 1-3 were sent and taken, then parked, and woke as 2, 1, 3. */
	for (i = 1; i < 4; i++) {
		ctx->nr_queued++;
		lwkt_sendmsg(&ctx->port, &c[i].msg);
		KUNIT_EXPECT_PTR_EQ(test, syslet_take_locked(ctx), &c[i].msg);
		ctx->nr_queued--;
	}
	for (i = 0; i < ARRAY_SIZE(woke); i++) {
		atomic_set(&c[woke[i]].pstate, SYSLET_PARK_READY);
		ctx->nr_parked++;
		llist_add(&c[woke[i]].ready_node, &ctx->ready);
	}
	/* 0 is sent after they woke, before a worker drains them. */
	ctx->nr_queued++;
	lwkt_sendmsg(&ctx->port, &c[0].msg);
	syslet_ready_drain_locked(ctx);
	KUNIT_EXPECT_EQ(test, ctx->nr_woken, 3);
	KUNIT_EXPECT_EQ(test, ctx->nr_queued, 4);
	KUNIT_EXPECT_EQ(test, ctx->nr_parked, 0);
	KUNIT_EXPECT_TRUE(test, c[1].unparked);
	KUNIT_EXPECT_EQ(test, atomic_read(&c[1].pstate), SYSLET_PARK_NONE);

	KUNIT_EXPECT_PTR_EQ(test, syslet_take_locked(ctx), &c[0].msg);
	ctx->nr_queued--;
	/* 0 is not woken: nothing to requeue; 1 is, and can be dropped. */
	syslet_woken_requeue_locked(ctx, &c[0]);
	KUNIT_EXPECT_EQ(test, ctx->nr_woken, 3);
	syslet_woken_requeue_locked(ctx, &c[1]);
	KUNIT_EXPECT_EQ(test, ctx->nr_woken, 2);
	KUNIT_EXPECT_EQ(test, lwkt_dropmsg(&c[1].msg), 0);
	ctx->nr_queued--;
	KUNIT_EXPECT_PTR_EQ(test, syslet_take_locked(ctx), &c[2].msg);
	KUNIT_EXPECT_PTR_EQ(test, syslet_take_locked(ctx), &c[3].msg);
	KUNIT_EXPECT_NULL(test, syslet_take_locked(ctx));
	KUNIT_EXPECT_EQ(test, ctx->nr_woken, 0);
	spin_unlock(&ctx->ring_lock);
}

/*
 * Who may use a registered context: its owner's threads, and once the
 * owner closed the fd (dead, its unregistration under way) their calls
 * are cancelled, never refused as a stranger's.
 */
static void syslet_test_owner_error(struct kunit *test)
{
	struct syslet_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	spin_lock_init(&ctx->ring_lock);
	spin_lock(&ctx->ring_lock);
	KUNIT_EXPECT_EQ(test, syslet_owner_error(ctx), -EINVAL);
	ctx->registered = true;
	ctx->mm = current->mm;
	ctx->files = current->files;
	/* Not of the owner's thread group (a CLONE_VM | CLONE_FILES child). */
	ctx->tgid = (void *)ctx;
	KUNIT_EXPECT_EQ(test, syslet_owner_error(ctx), -EPERM);
	ctx->tgid = task_tgid(current);
	KUNIT_EXPECT_EQ(test, syslet_owner_error(ctx), 0);
	KUNIT_EXPECT_TRUE(test, syslet_is_owner(ctx));
	ctx->dead = true;
	KUNIT_EXPECT_EQ(test, syslet_owner_error(ctx), -ECANCELED);
	KUNIT_EXPECT_TRUE(test, syslet_is_owner(ctx));
	ctx->files = (void *)ctx;	/* another process's table */
	KUNIT_EXPECT_EQ(test, syslet_owner_error(ctx), -EPERM);
	ctx->dead = false;
	KUNIT_EXPECT_EQ(test, syslet_owner_error(ctx), -EPERM);
	KUNIT_EXPECT_FALSE(test, syslet_is_owner(ctx));
	ctx->registered = false;
	KUNIT_EXPECT_EQ(test, syslet_owner_error(ctx), -EINVAL);
	spin_unlock(&ctx->ring_lock);
}

static void syslet_test_probe(struct kunit *test)
{
	struct syslet_probe p;
	unsigned long nr;

	memset(&p, 0xa5, sizeof(p));
	syslet_probe_fill(&p);
	for (nr = 0; nr < SYSLET_PROBE_NR; nr++)
		KUNIT_EXPECT_EQ_MSG(test, (p.native[nr / 64] >> (nr % 64)) & 1,
				    !!syslet_op_get(nr), "nr %lu", nr);
	for (nr = 0; nr < 64; nr++)
		KUNIT_EXPECT_EQ_MSG(test, (p.module_ops >> nr) & 1,
				    !!syslet_op_get(SYSLET_NR_BASE + nr) ||
				    SYSLET_NR_BASE + nr == SYSLET_NR_TIMEOUT,
				    "module op %lu", nr);
	KUNIT_EXPECT_EQ(test, p.module_ops & 7, 7);
	KUNIT_EXPECT_EQ(test, p.flags, 0);
}

static void syslet_test_invalid_flags(struct kunit *test)
{
	struct syslet_uatom a[2];
	struct fake f = {};
	struct syslet_run run_;
	long r = 0;

	atom(&a[0], FAKE_ECHO, 0x8000, &r, &a[1]);
	atom(&a[1], FAKE_ECHO, 0, NULL, NULL);
	KUNIT_EXPECT_EQ(test, run(&f, a, true, &run_), SYSLET_RUN_DONE);
	KUNIT_EXPECT_EQ(test, r, -EINVAL);
	KUNIT_EXPECT_EQ(test, run_.final, U(&a[0]));
	KUNIT_EXPECT_EQ(test, f.calls, 0);
	a[0].flags = SYSLET_ASYNC | SYSLET_SYNC;
	KUNIT_EXPECT_EQ(test, run(&f, a, true, &run_), SYSLET_RUN_DONE);
	KUNIT_EXPECT_EQ(test, r, -EINVAL);
}

static void syslet_test_sync_handover(struct kunit *test)
{
	struct syslet_uatom a[3];
	struct fake f = {};
	struct syslet_run run_;
	long r[3] = { 0, 0, 0 };

	/* Would block: the rest, from that atom (not run), goes async. */
	atom(&a[0], FAKE_ECHO, 0, &r[0], &a[1]);
	atom(&a[1], FAKE_BLOCK, 0, &r[1], &a[2]);
	atom(&a[2], FAKE_ECHO, 0, &r[2], NULL);
	r[1] = 99;
	KUNIT_EXPECT_EQ(test, run(&f, a, true, &run_), SYSLET_RUN_ASYNC);
	KUNIT_EXPECT_EQ(test, run_.cur, U(&a[1]));
	KUNIT_EXPECT_EQ(test, r[1], 99);
	KUNIT_EXPECT_EQ(test, run_.atoms, 1);
	/* The worker resumes there, blocking allowed. */
	f = (struct fake){};
	KUNIT_EXPECT_EQ(test, run(&f, &a[1], false, &run_), SYSLET_RUN_DONE);
	KUNIT_EXPECT_EQ(test, r[1], 7);
	KUNIT_EXPECT_EQ(test, run_.final, U(&a[2]));
	/* SYSLET_SYNC: runs blocking in the caller. */
	a[1].flags = SYSLET_SYNC;
	f = (struct fake){};
	KUNIT_EXPECT_EQ(test, run(&f, a, true, &run_), SYSLET_RUN_DONE);
	KUNIT_EXPECT_EQ(test, f.nowait_calls, 2);	/* a[0] and a[2] */
	/* SYSLET_ASYNC: leaves before running it; ignored in a worker. */
	a[1].flags = 0;
	a[0].flags = SYSLET_ASYNC;
	f = (struct fake){};
	KUNIT_EXPECT_EQ(test, run(&f, a, true, &run_), SYSLET_RUN_ASYNC);
	KUNIT_EXPECT_EQ(test, run_.cur, U(&a[0]));
	KUNIT_EXPECT_EQ(test, f.calls, 0);
	KUNIT_EXPECT_EQ(test, run(&f, a, false, &run_), SYSLET_RUN_DONE);
	KUNIT_EXPECT_EQ(test, run_.final, U(&a[2]));
}

static void syslet_test_interrupted(struct kunit *test)
{
	struct syslet_uatom a[2];
	struct fake f = { .interrupt_after = 1 };
	struct syslet_run run_;
	long r = 0;

	/* An endless loop: a[0] -> a[1] -> a[0] ... */
	atom(&a[0], FAKE_ECHO, 0, NULL, &a[1]);
	atom(&a[1], FAKE_ECHO, 0, NULL, &a[0]);
	/* Sync: a signal hands the rest (from the next atom) to a worker. */
	KUNIT_EXPECT_EQ(test, run(&f, a, true, &run_), SYSLET_RUN_ASYNC);
	KUNIT_EXPECT_EQ(test, run_.cur, U(&a[1]));
	/* Async: cancellation ends it at the last atom run. */
	f = (struct fake){ .interrupt_after = 1000 };
	KUNIT_EXPECT_EQ(test, run(&f, a, false, &run_), SYSLET_RUN_DONE);
	KUNIT_EXPECT_EQ(test, run_.atoms, 1000);
	KUNIT_EXPECT_EQ(test, run_.final, U(&a[1]));

	/*
	 * The next atom unreadable: a cancelled chain still just ends, with
	 * its result stored; a signalled sync one may not hand it over.
	 */
	atom(&a[0], FAKE_ECHO, 0, &r, &a[1]);
	arg(&a[0], 0, (unsigned long *)&a[0].nr);
	f = (struct fake){ .interrupt_after = 1, .bad_lo = U(&a[1]),
			   .bad_hi = U(&a[2]) };
	KUNIT_EXPECT_EQ(test, run(&f, a, false, &run_), SYSLET_RUN_DONE);
	KUNIT_EXPECT_EQ(test, run_.final, U(&a[0]));
	KUNIT_EXPECT_EQ(test, r, FAKE_ECHO);
	f = (struct fake){ .interrupt_after = 1, .bad_lo = U(&a[1]),
			   .bad_hi = U(&a[2]) };
	r = 0;
	KUNIT_EXPECT_EQ(test, run(&f, a, true, &run_), -EFAULT);
	KUNIT_EXPECT_EQ(test, run_.final, U(&a[0]));
	KUNIT_EXPECT_EQ(test, r, FAKE_ECHO);
}

/*
 * A chain cancelled on its own (cancel_code): in a worker it ends at its
 * next atom, unrun, or at the atom whose wait was cut short (-EINTR),
 * with the code as that atom's result, posted whatever its flags; one
 * cancelled before it resumes ends at its resume atom.  The synchronous
 * phase does not look.
 */
static void syslet_test_cancel_code(struct kunit *test)
{
	struct syslet_uatom a[3];
	struct fake f;
	struct syslet_run run_;
	long r[3];

	atom(&a[0], FAKE_ECHO, 0, &r[0], &a[1]);
	atom(&a[1], FAKE_ECHO, SYSLET_NO_COMPLETE, &r[1], &a[2]);
	atom(&a[2], FAKE_ECHO, 0, &r[2], NULL);
	r[0] = r[1] = r[2] = 99;
	f = (struct fake){ .cancel_code = -ECANCELED, .cancel_after = 1 };
	KUNIT_EXPECT_EQ(test, run(&f, a, false, &run_), SYSLET_RUN_DONE);
	KUNIT_EXPECT_EQ(test, f.calls, 1);
	KUNIT_EXPECT_EQ(test, run_.atoms, 1);
	KUNIT_EXPECT_EQ(test, run_.final, U(&a[1]));
	KUNIT_EXPECT_TRUE(test, run_.post);
	KUNIT_EXPECT_EQ(test, r[0], 0);
	KUNIT_EXPECT_EQ(test, r[1], -ECANCELED);
	KUNIT_EXPECT_EQ(test, r[2], 99);

	/* Cancelled before it resumes: nothing runs. */
	r[0] = 99;
	f = (struct fake){ .cancel_code = -ECANCELED };
	KUNIT_EXPECT_EQ(test, run(&f, a, false, &run_), SYSLET_RUN_DONE);
	KUNIT_EXPECT_EQ(test, f.calls, 0);
	KUNIT_EXPECT_EQ(test, run_.final, U(&a[0]));
	KUNIT_EXPECT_EQ(test, r[0], -ECANCELED);

	/* A wait cut short: that atom ends it, even if it would stop. */
	atom(&a[0], FAKE_EINTR, SYSLET_NO_COMPLETE | SYSLET_STOP_ON_NEGATIVE,
	     &r[0], &a[1]);
	r[0] = r[1] = 99;
	f = (struct fake){ .cancel_code = -ETIME, .cancel_after = 1 };
	KUNIT_EXPECT_EQ(test, run(&f, a, false, &run_), SYSLET_RUN_DONE);
	KUNIT_EXPECT_EQ(test, run_.final, U(&a[0]));
	KUNIT_EXPECT_TRUE(test, run_.post);
	KUNIT_EXPECT_EQ(test, r[0], -ETIME);
	KUNIT_EXPECT_EQ(test, r[1], 99);

	/* An -EINTR of its own, not cancelled: an ordinary result. */
	f = (struct fake){};
	KUNIT_EXPECT_EQ(test, run(&f, a, false, &run_), SYSLET_RUN_DONE);
	KUNIT_EXPECT_EQ(test, r[0], -EINTR);
	KUNIT_EXPECT_FALSE(test, run_.post);

	/* The synchronous phase runs on. */
	atom(&a[0], FAKE_ECHO, 0, &r[0], &a[1]);
	f = (struct fake){ .cancel_code = -ECANCELED };
	KUNIT_EXPECT_EQ(test, run(&f, a, true, &run_), SYSLET_RUN_DONE);
	KUNIT_EXPECT_EQ(test, f.calls, 3);
	KUNIT_EXPECT_EQ(test, run_.final, U(&a[2]));
}

/*
 * SYSLET_NR_TIMEOUT(ns): sets the run's deadline and tells the env; a
 * chain past it ends at its next atom, unrun, with -ETIME, in the
 * synchronous phase as in a worker.  A negative bound is -EINVAL.
 */
static void syslet_test_timeout(struct kunit *test)
{
	struct syslet_uatom a[3];
	unsigned long zero = 0, big = 100 * NSEC_PER_SEC, neg = -1UL;
	struct fake f = {};
	struct syslet_run run_;
	ktime_t before;
	long r[3];
	int i;

	for (i = 0; i < 2; i++) {
		atom(&a[0], SYSLET_NR_TIMEOUT, 0, &r[0], &a[1]);
		arg(&a[0], 0, &zero);
		atom(&a[1], FAKE_ECHO, SYSLET_NO_COMPLETE, &r[1], &a[2]);
		atom(&a[2], FAKE_ECHO, 0, &r[2], NULL);
		r[0] = r[1] = r[2] = 99;
		f = (struct fake){};
		KUNIT_EXPECT_EQ(test, run(&f, a, i, &run_), SYSLET_RUN_DONE);
		KUNIT_EXPECT_EQ(test, f.calls, 0);
		KUNIT_EXPECT_EQ(test, f.deadlines, 1);
		KUNIT_EXPECT_EQ(test, r[0], 0);
		KUNIT_EXPECT_EQ(test, r[1], -ETIME);
		KUNIT_EXPECT_EQ(test, r[2], 99);
		KUNIT_EXPECT_EQ(test, run_.final, U(&a[1]));
		KUNIT_EXPECT_TRUE(test, run_.post);
	}

	before = ktime_get();
	arg(&a[0], 0, &big);
	f = (struct fake){};
	KUNIT_EXPECT_EQ(test, run(&f, a, false, &run_), SYSLET_RUN_DONE);
	KUNIT_EXPECT_EQ(test, f.calls, 2);
	KUNIT_EXPECT_EQ(test, run_.final, U(&a[2]));
	KUNIT_EXPECT_EQ(test, run_.deadline, f.deadline);
	KUNIT_EXPECT_TRUE(test, ktime_after(run_.deadline,
					    ktime_add_ns(before, big - 1)));

	arg(&a[0], 0, &neg);
	a[0].flags = SYSLET_STOP_ON_NEGATIVE;
	f = (struct fake){};
	KUNIT_EXPECT_EQ(test, run(&f, a, false, &run_), SYSLET_RUN_DONE);
	KUNIT_EXPECT_EQ(test, r[0], -EINVAL);
	KUNIT_EXPECT_EQ(test, f.deadlines, 0);
	KUNIT_EXPECT_EQ(test, run_.deadline, 0);
}

static void syslet_test_faults(struct kunit *test)
{
	struct syslet_uatom a[2];
	unsigned long bad_arg;
	struct fake f = {};
	struct syslet_run run_;
	long r = 0, bad_ret;

	/* First atom unreadable: -EFAULT, nothing ran. */
	f.bad_lo = U(&a[0]);
	f.bad_hi = U(&a[1]);
	KUNIT_EXPECT_EQ(test, run(&f, a, true, &run_), -EFAULT);
	KUNIT_EXPECT_EQ(test, run_.final, 0);
	KUNIT_EXPECT_EQ(test, f.calls, 0);

	/* next unreadable: -EFAULT, final = the atom that pointed there. */
	atom(&a[0], FAKE_ECHO, 0, &r, &a[1]);
	f.bad_lo = U(&a[1]);
	f.bad_hi = U(&a[2]);
	KUNIT_EXPECT_EQ(test, run(&f, a, false, &run_), -EFAULT);
	KUNIT_EXPECT_EQ(test, run_.final, U(&a[0]));
	KUNIT_EXPECT_TRUE(test, run_.post);

	/* An argument unreadable: the atom's result, the chain goes on. */
	atom(&a[0], FAKE_ECHO, 0, &r, &a[1]);
	arg(&a[0], 0, &bad_arg);
	atom(&a[1], FAKE_ECHO, 0, NULL, NULL);
	f = (struct fake){ .bad_lo = U(&bad_arg), .bad_hi = U(&bad_arg + 1) };
	KUNIT_EXPECT_EQ(test, run(&f, a, false, &run_), SYSLET_RUN_DONE);
	KUNIT_EXPECT_EQ(test, r, -EFAULT);
	KUNIT_EXPECT_EQ(test, run_.final, U(&a[1]));
	KUNIT_EXPECT_EQ(test, f.calls, 1);

	/* The same for an atom reached by next (read with the atom). */
	atom(&a[0], FAKE_ECHO, 0, NULL, &a[1]);
	atom(&a[1], FAKE_ECHO, 0, &r, NULL);
	arg(&a[1], 0, &bad_arg);
	f = (struct fake){ .bad_lo = U(&bad_arg), .bad_hi = U(&bad_arg + 1) };
	KUNIT_EXPECT_EQ(test, run(&f, a, false, &run_), SYSLET_RUN_DONE);
	KUNIT_EXPECT_EQ(test, r, -EFAULT);
	KUNIT_EXPECT_EQ(test, run_.final, U(&a[1]));
	KUNIT_EXPECT_EQ(test, f.calls, 1);
	/* Invalid flags come first: -EINVAL, whatever its arguments. */
	a[1].flags = 0x8000;
	f = (struct fake){ .bad_lo = U(&bad_arg), .bad_hi = U(&bad_arg + 1) };
	KUNIT_EXPECT_EQ(test, run(&f, a, false, &run_), SYSLET_RUN_DONE);
	KUNIT_EXPECT_EQ(test, r, -EINVAL);
	KUNIT_EXPECT_EQ(test, f.calls, 1);

	/* ret_ptr unwritable: -EFAULT, final = that atom (it ran). */
	atom(&a[0], FAKE_ECHO, 0, &bad_ret, &a[1]);
	f = (struct fake){ .bad_lo = U(&bad_ret), .bad_hi = U(&bad_ret + 1) };
	KUNIT_EXPECT_EQ(test, run(&f, a, false, &run_), -EFAULT);
	KUNIT_EXPECT_EQ(test, run_.final, U(&a[0]));
	KUNIT_EXPECT_EQ(test, f.calls, 1);
}

/* ------------------------------------------------------------------
 * The ring.
 */

static struct syslet_ring *ring_new(struct kunit *test, unsigned int nr)
{
	struct syslet_ring *ring = kunit_kzalloc(test, sizeof(*ring), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ring);
	ring->nr = nr;
	ring->slots = kunit_kcalloc(test, nr, sizeof(u64), GFP_KERNEL);
	ring->backlog = kunit_kcalloc(test, nr, sizeof(u64), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ring->slots);
	KUNIT_ASSERT_NOT_NULL(test, ring->backlog);
	return ring;
}

/* User space's side: take slot @head if set, store NULL back. */
static u64 ring_reap(struct syslet_ring *ring, unsigned int *head)
{
	u64 *slot = &ring->slots[*head % ring->nr];
	u64 v = READ_ONCE(*slot);

	if (v) {
		WRITE_ONCE(*slot, 0);
		(*head)++;
	}
	return v;
}

static void syslet_test_ring_admission(struct kunit *test)
{
	struct syslet_ring *ring = ring_new(test, 4);
	unsigned int head = 0;
	int i;

	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_EQ(test, syslet_ring_reserve(ring), 0);
	/* Four may post: a fifth could overrun the ring. */
	KUNIT_EXPECT_EQ(test, syslet_ring_reserve(ring), -EBUSY);
	syslet_ring_unreserve(ring);		/* one ended without posting */
	KUNIT_EXPECT_EQ(test, syslet_ring_reserve(ring), 0);
	for (i = 0; i < 4; i++)
		syslet_ring_post(ring, 100 + i);
	KUNIT_EXPECT_EQ(test, syslet_ring_count(ring), 4);
	/* Posted but not reaped still occupy the ring. */
	KUNIT_EXPECT_EQ(test, syslet_ring_reserve(ring), -EBUSY);
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_EQ(test, ring_reap(ring, &head), 100 + i);
	KUNIT_EXPECT_EQ(test, syslet_ring_count(ring), 0);
	KUNIT_EXPECT_EQ(test, syslet_ring_reserve(ring), 0);
}

static void syslet_test_ring_order_wrap(struct kunit *test)
{
	struct syslet_ring *ring = ring_new(test, 3);
	unsigned int head = 0;
	u64 next = 1, want = 1;
	int i, j;

	/* Many laps around a small ring, in order, nothing lost. */
	for (i = 0; i < 50; i++) {
		int n = 1 + i % 3;

		for (j = 0; j < n; j++)
			KUNIT_ASSERT_EQ(test, syslet_ring_reserve(ring), 0);
		for (j = 0; j < n; j++)
			syslet_ring_post(ring, next++);
		KUNIT_EXPECT_EQ(test, syslet_ring_count(ring), n);
		for (j = 0; j < n; j++)
			KUNIT_EXPECT_EQ(test, ring_reap(ring, &head), want++);
	}
	KUNIT_EXPECT_EQ(test, ring->reserved, 0);
}

static void syslet_test_ring_tamper(struct kunit *test)
{
	struct syslet_ring *ring = ring_new(test, 2);
	unsigned int head = 0;

	/* User space scribbled on slot 0: the completion waits. */
	ring->slots[0] = 0xdead;
	KUNIT_EXPECT_EQ(test, syslet_ring_reserve(ring), 0);
	KUNIT_EXPECT_EQ(test, syslet_ring_reserve(ring), 0);
	syslet_ring_post(ring, 11);
	syslet_ring_post(ring, 12);
	KUNIT_EXPECT_EQ(test, ring->slots[0], 0xdead);
	KUNIT_EXPECT_EQ(test, ring->slots[1], 0);	/* order is kept */
	KUNIT_EXPECT_EQ(test, ring->nbacklog, 2);
	KUNIT_EXPECT_EQ(test, syslet_ring_count(ring), 0);
	KUNIT_EXPECT_EQ(test, syslet_ring_reserve(ring), -EBUSY);
	/* Slot emptied: both go out, in order. */
	ring->slots[0] = 0;
	KUNIT_EXPECT_EQ(test, syslet_ring_count(ring), 2);
	KUNIT_EXPECT_EQ(test, ring_reap(ring, &head), 11);
	KUNIT_EXPECT_EQ(test, ring_reap(ring, &head), 12);
	KUNIT_EXPECT_EQ(test, ring->reserved, 0);
	KUNIT_EXPECT_EQ(test, ring->nbacklog, 0);
}

static struct kunit_case syslet_test_cases[] = {
	KUNIT_CASE_PARAM(syslet_test_follows_next, fake_env_gen_params),
	KUNIT_CASE_PARAM(syslet_test_args_to_first_null, fake_env_gen_params),
	KUNIT_CASE_PARAM(syslet_test_stop_rules, fake_env_gen_params),
	KUNIT_CASE_PARAM(syslet_test_no_complete, fake_env_gen_params),
	KUNIT_CASE_PARAM(syslet_test_invalid_flags, fake_env_gen_params),
	KUNIT_CASE_PARAM(syslet_test_sync_handover, fake_env_gen_params),
	KUNIT_CASE_PARAM(syslet_test_interrupted, fake_env_gen_params),
	KUNIT_CASE_PARAM(syslet_test_faults, fake_env_gen_params),
	KUNIT_CASE_PARAM(syslet_test_cancel_code, fake_env_gen_params),
	KUNIT_CASE_PARAM(syslet_test_timeout, fake_env_gen_params),
	KUNIT_CASE_PARAM(syslet_test_genuine_resume, fake_env_gen_params),
	KUNIT_CASE_PARAM(syslet_test_denied_ends, fake_env_gen_params),
	KUNIT_CASE_PARAM(syslet_test_genuine_resume_rules, fake_env_gen_params),
	KUNIT_CASE_PARAM(syslet_test_held_atom, fake_env_gen_params),
	KUNIT_CASE(syslet_test_probe),
	KUNIT_CASE(syslet_test_owner_error),
	KUNIT_CASE(syslet_test_take_order),
	KUNIT_CASE(syslet_test_ring_admission),
	KUNIT_CASE(syslet_test_ring_order_wrap),
	KUNIT_CASE(syslet_test_ring_tamper),
	{}
};

static struct kunit_suite syslet_test_suite = {
	.name = "syslet",
	.suite_init = syslet_suite_init,
	.init = syslet_test_init,
	.test_cases = syslet_test_cases,
};

kunit_test_suites(&syslet_test_suite);
