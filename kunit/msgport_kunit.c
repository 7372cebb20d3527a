// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for msgport: every function, flag and port type, same-CPU
 * and cross-CPU, concurrency, abort and drop races, CPU hotplug.
 *
 * Cases that provoke one of msgport's misuse warnings first log
 * "msgport-kunit: expect WARNING: <text>"; scripts/kunit.sh excuses a
 * WARNING whose message holds an announced text, once, and fails the run
 * on any other report.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/delay.h>
#include <linux/irq_work.h>
#include <linux/kthread.h>
#include <linux/random.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>

#include <msgport/msgport.h>
#include "../msgport/msgport_trace.h"

#define TMO	(10 * HZ)

static void expect_warning(const char *text)
{
	pr_info("msgport-kunit: expect WARNING: %s\n", text);
}

/* ------------------------------------------------------------------
 * Teardown that runs however a test ends, a failed assertion included.
 *
 * KUnit runs deferred actions after the test function has returned, in
 * the reverse order of their registration.  So whatever a helper thread
 * (or a service port that outlives the test) can still touch lives in
 * kunit memory allocated before that thread starts, never in the test's
 * stack frame, and the action that stops the thread runs before that
 * memory is freed.
 */

static void *test_zalloc(struct kunit *test, size_t size)
{
	void *p = kunit_kzalloc(test, size, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	return p;
}

static void *test_zalloc_array(struct kunit *test, size_t n, size_t size)
{
	void *p = kunit_kcalloc(test, n, size, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	return p;
}

KUNIT_DEFINE_ACTION_WRAPPER(test_kthread_stop_put, kthread_stop_put,
			    struct task_struct *);

/*
 * Own @t, fresh from kthread_create*() or kthread_run(): it is stopped
 * (kthread_stop(), then put) when the test ends, or at test_kthread_stop().
 * lwkt_waitport() returns NULL once its thread is asked to stop.
 */
static struct task_struct *test_kthread(struct kunit *test,
					struct task_struct *t)
{
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	get_task_struct(t);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							test_kthread_stop_put,
							t), 0);
	return t;
}

/* Stop @t now rather than when the test ends. */
static void test_kthread_stop(struct kunit *test, struct task_struct *t)
{
	kunit_release_action(test, test_kthread_stop_put, t);
}

/* ------------------------------------------------------------------
 * A receiver kthread: waits on a port, runs a handler, replies.
 */

struct rx {
	struct lwkt_port *port;
	struct task_struct *task;
	int (*handler)(struct rx *rx, lwkt_msg_t msg); /* EASYNC: keep it */
	atomic_t received;
	int cpu_seen;
	struct lwkt_serialize *slz;	/* serializer ports: held while waiting */
	struct completion started;
	void *priv;
};

static int rx_reply_cmd(struct rx *rx, lwkt_msg_t msg)
{
	return msg->ms_cmd.cm_op;
}

static int rx_thread(void *arg)
{
	struct rx *rx = arg;
	lwkt_msg_t msg;
	int error;

	complete(&rx->started);
	for (;;) {
		if (rx->slz)
			lwkt_serialize_enter(rx->slz);
		msg = lwkt_waitport(rx->port, 0);
		if (rx->slz)
			lwkt_serialize_exit(rx->slz);
		if (!msg)
			break;
		atomic_inc(&rx->received);
		WRITE_ONCE(rx->cpu_seen, raw_smp_processor_id());
		error = rx->handler ? rx->handler(rx, msg) : 0;
		if (error != EASYNC)
			lwkt_replymsg(msg, error);
	}
	return 0;
}

/* Create a receiver; a thread port is initialised with the new task. */
static struct rx *rx_create(struct kunit *test, struct lwkt_port *port,
			    bool thread_port, int cpu,
			    int (*handler)(struct rx *, lwkt_msg_t))
{
	struct rx *rx = test_zalloc(test, sizeof(*rx));

	rx->port = port;
	rx->handler = handler;
	init_completion(&rx->started);
	rx->task = test_kthread(test, cpu >= 0 ?
		kthread_create_on_cpu(rx_thread, rx, cpu, "mpk_rx/%u") :
		kthread_create(rx_thread, rx, "mpk_rx"));
	if (thread_port)
		lwkt_initport_thread(port, rx->task);
	return rx;
}

static struct rx *rx_run(struct rx *rx)
{
	wake_up_process(rx->task);
	wait_for_completion(&rx->started);
	return rx;
}

static struct rx *rx_start(struct kunit *test, struct lwkt_port *port,
			   bool thread_port, int cpu,
			   int (*handler)(struct rx *, lwkt_msg_t))
{
	return rx_run(rx_create(test, port, thread_port, cpu, handler));
}

/* Stop the receiver now: it drains a thread port first. */
static void rx_stop(struct kunit *test, struct rx *rx)
{
	test_kthread_stop(test, rx->task);
}

/* ------------------------------------------------------------------
 * Message initialisation.
 */

static void noop_abort(lwkt_msg_t msg)
{
}

static void msgport_test_initmsg(struct kunit *test)
{
	struct lwkt_port rport;
	struct lwkt_msg msg;

	memset(&msg, 0xa5, sizeof(msg));	/* as from kmalloc() */
	lwkt_initport_replyonly_null(&rport);
	lwkt_initmsg(&msg, &rport, MSGF_DROPABLE | MSGF_USER0);
	KUNIT_EXPECT_EQ(test, msg.ms_flags, MSGF_DONE | MSGF_DROPABLE | MSGF_USER0);
	KUNIT_EXPECT_PTR_EQ(test, msg.ms_reply_port, &rport);
	KUNIT_EXPECT_NULL(test, msg.ms_target_port);
	KUNIT_EXPECT_NULL(test, msg.ms_abortfn);
	KUNIT_EXPECT_EQ(test, msg.ms_error, 0);
	KUNIT_EXPECT_NE(test, lwkt_checkmsg(&msg), 0);
	KUNIT_EXPECT_FALSE(test, lwkt_msg_aborted(&msg));

	/* MSGF_ABORTABLE is only set with an abort function. */
	lwkt_initmsg(&msg, &rport, MSGF_ABORTABLE);
	KUNIT_EXPECT_EQ(test, msg.ms_flags, MSGF_DONE);
	lwkt_initmsg_abortable(&msg, &rport, 0, noop_abort);
	KUNIT_EXPECT_EQ(test, msg.ms_flags, MSGF_DONE | MSGF_ABORTABLE);
	KUNIT_EXPECT_TRUE(test, msg.ms_abortfn == noop_abort);
	lwkt_initmsg_abortable(&msg, &rport, 0, NULL);
	KUNIT_EXPECT_EQ(test, msg.ms_flags, MSGF_DONE);
}

/* ------------------------------------------------------------------
 * Thread ports.
 */

static void msgport_test_thread_sendmsg(struct kunit *test)
{
	struct lwkt_port *port = test_zalloc(test, sizeof(*port));
	struct lwkt_port *rport = test_zalloc(test, sizeof(*rport));
	struct lwkt_msg *msg = test_zalloc_array(test, 4, sizeof(*msg));
	lwkt_msg_t got;
	struct rx *rx;
	int i;

	lwkt_initport_spin(rport);
	rx = rx_start(test, port, true, -1, rx_reply_cmd);
	for (i = 0; i < 4; i++) {
		lwkt_initmsg(&msg[i], rport, 0);
		msg[i].ms_cmd.cm_op = -(i + 1);
		KUNIT_EXPECT_EQ(test, lwkt_sendmsg(port, &msg[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		got = lwkt_waitport(rport, 0);
		KUNIT_ASSERT_NOT_NULL(test, got);
		/* One receiver: replies come back in order. */
		KUNIT_EXPECT_PTR_EQ(test, got, &msg[i]);
		KUNIT_EXPECT_EQ(test, got->ms_error, -(i + 1));
		KUNIT_EXPECT_EQ(test, got->ms_flags & (MSGF_DONE | MSGF_REPLY |
						      MSGF_QUEUED | MSGF_SYNC),
				MSGF_DONE | MSGF_REPLY);
		KUNIT_EXPECT_PTR_EQ(test, got->ms_target_port, port);
	}
	KUNIT_EXPECT_NULL(test, lwkt_getport(rport));
	KUNIT_EXPECT_EQ(test, atomic_read(&rx->received), 4);
}

/* The owner drains its queue before lwkt_waitport() reports the stop. */
static int rx_slow(struct rx *rx, lwkt_msg_t msg)
{
	usleep_range(1000, 2000);
	return 0;
}

static void msgport_test_thread_stop_drains(struct kunit *test)
{
	struct lwkt_port *port = test_zalloc(test, sizeof(*port));
	struct lwkt_port *rport = test_zalloc(test, sizeof(*rport));
	struct lwkt_msg *msg = test_zalloc_array(test, 8, sizeof(*msg));
	struct rx *rx;
	int i;

	lwkt_initport_replyonly_null(rport);
	rx = rx_start(test, port, true, -1, rx_slow);
	for (i = 0; i < 8; i++) {
		lwkt_initmsg(&msg[i], rport, 0);
		lwkt_sendmsg(port, &msg[i]);
	}
	rx_stop(test, rx);
	for (i = 0; i < 8; i++)
		KUNIT_EXPECT_TRUE(test, lwkt_checkmsg(&msg[i]));
	KUNIT_EXPECT_EQ(test, atomic_read(&rx->received), 8);
	KUNIT_EXPECT_TRUE(test, list_empty(&port->mp_msgq));
}

static void msgport_test_thread_owner_only(struct kunit *test)
{
	struct lwkt_port port, rport;
	struct lwkt_msg msg;
	struct task_struct *other;

	/* Owned by a task that is not us (never run, so never receives). */
	other = test_kthread(test, kthread_create(rx_thread, NULL, "mpk_owner"));
	lwkt_initport_thread(&port, other);
	lwkt_initport_replyonly_null(&rport);
	lwkt_initmsg(&msg, &rport, MSGF_DROPABLE);
	lwkt_sendmsg(&port, &msg);

	expect_warning("receives on a thread port owned by");
	KUNIT_EXPECT_NULL(test, lwkt_getport(&port));
	KUNIT_EXPECT_NULL(test, lwkt_waitport(&port, 0));
	/* Nothing was taken: the message is still queued, then dropped. */
	KUNIT_EXPECT_TRUE(test, msg.ms_flags & MSGF_QUEUED);
	KUNIT_EXPECT_EQ(test, lwkt_dropmsg(&msg), 0);

	/* An async reply queued to it is the owner's to wait for. */
	lwkt_initport_spin(&rport);
	lwkt_initmsg(&msg, &port, 0);
	lwkt_sendmsg(&rport, &msg);
	lwkt_replymsg(lwkt_getport(&rport), 0);
	KUNIT_EXPECT_EQ(test, lwkt_waitmsg(&msg, 0), -EPERM);
	KUNIT_EXPECT_TRUE(test, msg.ms_flags & MSGF_QUEUED);
}

/* Async reply to a thread port: the owner's lwkt_waitmsg() dequeues it. */
static void msgport_test_thread_waitmsg_async(struct kunit *test)
{
	struct lwkt_port *port = test_zalloc(test, sizeof(*port));
	struct lwkt_port *rport = test_zalloc(test, sizeof(*rport));
	struct lwkt_msg *msg = test_zalloc(test, sizeof(*msg));
	struct rx *rx;

	lwkt_initport_thread(rport, current);
	lwkt_initport_spin(port);
	rx = rx_start(test, port, false, -1, rx_reply_cmd);
	lwkt_initmsg(msg, rport, 0);
	msg->ms_cmd.cm_op = -ENOSPC;
	lwkt_sendmsg(port, msg);
	KUNIT_EXPECT_EQ(test, lwkt_waitmsg(msg, 0), -ENOSPC);
	KUNIT_EXPECT_FALSE(test, msg->ms_flags & MSGF_QUEUED);
	KUNIT_EXPECT_TRUE(test, list_empty(&rport->mp_msgq));
	KUNIT_EXPECT_NULL(test, lwkt_getport(rport));
}

/* ------------------------------------------------------------------
 * lwkt_domsg(): synchronous replies, synchronous putports.
 */

static void msgport_test_domsg_sync_reply(struct kunit *test)
{
	struct lwkt_port *port = test_zalloc(test, sizeof(*port));
	struct lwkt_port *rport = test_zalloc(test, sizeof(*rport));
	struct lwkt_msg *msg = test_zalloc(test, sizeof(*msg));
	struct rx *rx;

	lwkt_initport_thread(rport, current);
	rx = rx_start(test, port, true, -1, rx_reply_cmd);
	lwkt_initmsg(msg, rport, 0);
	msg->ms_cmd.cm_op = -EXDEV;
	KUNIT_EXPECT_EQ(test, lwkt_domsg(port, msg, 0), -EXDEV);
	KUNIT_EXPECT_EQ(test, msg->ms_flags & (MSGF_DONE | MSGF_REPLY |
					     MSGF_SYNC | MSGF_QUEUED),
			MSGF_DONE | MSGF_REPLY | MSGF_SYNC);
	/* Not queued to the reply port: the waiter was woken directly. */
	KUNIT_EXPECT_TRUE(test, list_empty(&rport->mp_msgq));

	/* Reusable at once; a NULL reply port is fine for domsg. */
	lwkt_initmsg(msg, NULL, 0);
	msg->ms_cmd.cm_op = 0;
	KUNIT_EXPECT_EQ(test, lwkt_domsg(port, msg, 0), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&rx->received), 2);
}

struct sync_put {
	struct task_struct *ran_in;
	int calls;
};

static struct sync_put sync_put_state;

static int sync_putport(lwkt_port_t port, lwkt_msg_t msg)
{
	sync_put_state.ran_in = current;
	sync_put_state.calls++;
	return msg->ms_cmd.cm_op;
}

static void msgport_test_sync_putport(struct kunit *test)
{
	struct lwkt_port port, rport;
	struct lwkt_msg msg;
	lwkt_msg_t got;

	memset(&sync_put_state, 0, sizeof(sync_put_state));
	lwkt_initport_putonly(&port, sync_putport);
	lwkt_initport_spin(&rport);

	/* domsg: the putport's result, in the sender's context. */
	lwkt_initmsg(&msg, &rport, 0);
	msg.ms_cmd.cm_op = -EROFS;
	KUNIT_EXPECT_EQ(test, lwkt_domsg(&port, &msg, 0), -EROFS);
	KUNIT_EXPECT_PTR_EQ(test, sync_put_state.ran_in, current);
	KUNIT_EXPECT_TRUE(test, lwkt_checkmsg(&msg));
	KUNIT_EXPECT_EQ(test, msg.ms_error, -EROFS);
	KUNIT_EXPECT_TRUE(test, list_empty(&rport.mp_msgq));

	/* sendmsg: replied before it returns. */
	lwkt_initmsg(&msg, &rport, 0);
	msg.ms_cmd.cm_op = 7;
	KUNIT_EXPECT_EQ(test, lwkt_sendmsg(&port, &msg), 0);
	got = lwkt_getport(&rport);
	KUNIT_EXPECT_PTR_EQ(test, got, &msg);
	KUNIT_EXPECT_EQ(test, msg.ms_error, 7);
	KUNIT_EXPECT_EQ(test, sync_put_state.calls, 2);

	/* beginmsg: just the putport and its result, nothing replied. */
	lwkt_initmsg(&msg, &rport, 0);
	msg.ms_cmd.cm_op = -EMLINK;
	KUNIT_EXPECT_EQ(test, lwkt_beginmsg(&port, &msg), -EMLINK);
	KUNIT_EXPECT_PTR_EQ(test, msg.ms_target_port, &port);
	KUNIT_EXPECT_NULL(test, lwkt_getport(&rport));
	lwkt_initport_spin(&port);
	KUNIT_EXPECT_EQ(test, lwkt_beginmsg(&port, &msg), EASYNC);
	KUNIT_EXPECT_PTR_EQ(test, lwkt_getport(&port), &msg);
}

/* ------------------------------------------------------------------
 * Spin ports: many producers and consumers.
 */

#define SPIN_PRODUCERS	3
#define SPIN_MSGS	400

struct spin_msg {
	struct lwkt_msg msg;
	atomic_t handled;
	int aborts;
	bool dropped;
};

struct producer {
	struct lwkt_port *port, *rport;
	struct spin_msg *msgs;
	int n;
	struct completion done;
	int errors;
};

static int rx_count(struct rx *rx, lwkt_msg_t msg)
{
	struct spin_msg *sm = container_of(msg, struct spin_msg, msg);

	atomic_inc(&sm->handled);
	if ((atomic_read(&rx->received) & 15) == 0)
		cond_resched();
	return 0;
}

static int producer_thread(void *arg)
{
	struct producer *p = arg;
	int i;

	for (i = 0; i < p->n; i++) {
		lwkt_initmsg(&p->msgs[i].msg, p->rport, 0);
		if (lwkt_sendmsg(p->port, &p->msgs[i].msg))
			p->errors++;
		if ((i & 31) == 0)
			cond_resched();
	}
	complete(&p->done);
	return 0;
}

static void spin_traffic(struct kunit *test, int consumers, bool bind)
{
	struct lwkt_port *port = test_zalloc(test, sizeof(*port));
	struct lwkt_port *rport = test_zalloc(test, sizeof(*rport));
	struct producer *prod = test_zalloc_array(test, SPIN_PRODUCERS,
						  sizeof(*prod));
	struct rx *rx[4];
	struct spin_msg *msgs;
	int total = SPIN_PRODUCERS * SPIN_MSGS, got = 0, i, cpus;
	int received = 0;
	lwkt_msg_t m;

	cpus = num_online_cpus();
	msgs = test_zalloc_array(test, total, sizeof(*msgs));
	lwkt_initport_spin(port);
	lwkt_initport_spin(rport);
	for (i = 0; i < consumers; i++)
		rx[i] = rx_start(test, port, false, bind ? i % cpus : -1,
				 rx_count);
	for (i = 0; i < SPIN_PRODUCERS; i++) {
		struct task_struct *t;

		prod[i] = (struct producer){ .port = port, .rport = rport,
			.msgs = msgs + i * SPIN_MSGS, .n = SPIN_MSGS };
		init_completion(&prod[i].done);
		t = test_kthread(test, bind ?
			kthread_create_on_cpu(producer_thread, &prod[i],
					      (i + 1) % cpus, "mpk_tx/%u") :
			kthread_create(producer_thread, &prod[i], "mpk_tx"));
		wake_up_process(t);
	}
	while (got < total) {
		m = lwkt_waitport(rport, 0);
		KUNIT_ASSERT_NOT_NULL(test, m);
		KUNIT_EXPECT_TRUE(test, m->ms_flags & MSGF_DONE);
		got++;
	}
	for (i = 0; i < SPIN_PRODUCERS; i++) {
		KUNIT_EXPECT_TRUE(test, wait_for_completion_timeout(&prod[i].done, TMO));
		KUNIT_EXPECT_EQ(test, prod[i].errors, 0);
	}
	for (i = 0; i < consumers; i++) {
		rx_stop(test, rx[i]);
		received += atomic_read(&rx[i]->received);
	}
	/* Every message handled exactly once and replied exactly once. */
	for (i = 0; i < total; i++)
		KUNIT_EXPECT_EQ(test, atomic_read(&msgs[i].handled), 1);
	KUNIT_EXPECT_EQ(test, received, total);
	KUNIT_EXPECT_NULL(test, lwkt_getport(rport));
	KUNIT_EXPECT_NULL(test, lwkt_getport(port));
}

static void msgport_test_spin_many(struct kunit *test)
{
	spin_traffic(test, 3, false);
}

static void msgport_test_spin_cross_cpu(struct kunit *test)
{
	if (num_online_cpus() < 2)
		kunit_skip(test, "needs 2 CPUs");
	spin_traffic(test, 2, true);
}

/*
 * Optimistic spinning: a receiver alone on its CPU takes a message that
 * comes within the spin budget without sleeping, and sleeps for one that
 * comes later.
 */
struct spinner {
	struct lwkt_port port, rport;
	struct lwkt_msg msg;
	int armed;
	unsigned long switches;
	u64 runtime;		/* CPU time spent in lwkt_waitport() */
	lwkt_msg_t got;
	struct completion done;
};

static int spinner_thread(void *arg)
{
	struct spinner *s = arg;
	unsigned long nvcsw = current->nvcsw;
	u64 runtime = current->se.sum_exec_runtime;

	/* Pairs with the acquire in spinner_round(). */
	smp_store_release(&s->armed, 1);
	s->got = lwkt_waitport(&s->port, 0);
	s->switches = current->nvcsw - nvcsw;
	s->runtime = current->se.sum_exec_runtime - runtime;
	complete(&s->done);
	while (!kthread_should_stop())
		schedule_timeout_idle(HZ / 100);
	return 0;
}

/*
 * One message to a fresh receiver on another CPU, @delay_ms after it
 * starts waiting.  Returns whether it slept; *@runtime: the CPU time its
 * wait took.
 */
static bool spinner_round(struct kunit *test, unsigned int delay_ms,
			  u64 *runtime)
{
	int cpu = cpumask_any_but(cpu_online_mask, raw_smp_processor_id());
	struct spinner *s = test_zalloc(test, sizeof(*s));
	struct task_struct *t;
	bool slept;

	KUNIT_ASSERT_LT(test, cpu, nr_cpu_ids);
	lwkt_initport_spin(&s->port);
	lwkt_initport_spin(&s->rport);
	init_completion(&s->done);
	t = test_kthread(test, kthread_create_on_cpu(spinner_thread, s, cpu,
						     "mpk_spin/%u"));
	wake_up_process(t);
	/* Polled, not a completion: its cross-CPU wake-up outlasts a spin. */
	while (!smp_load_acquire(&s->armed))
		cond_resched();
	if (delay_ms)
		msleep(delay_ms);
	lwkt_initmsg(&s->msg, &s->rport, 0);
	KUNIT_EXPECT_EQ(test, lwkt_sendmsg(&s->port, &s->msg), 0);
	wait_for_completion(&s->done);
	KUNIT_EXPECT_PTR_EQ(test, s->got, &s->msg);
	slept = s->switches;
	*runtime = s->runtime;
	lwkt_replymsg(&s->msg, 0);
	KUNIT_EXPECT_EQ(test, lwkt_waitmsg(&s->msg, 0), 0);
	test_kthread_stop(test, t);
	return slept;
}

static void msgport_test_spin_before_sleep(struct kunit *test)
{
	int i, quick = 0, late = 0;
	u64 runtime;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs 2 CPUs");
	/*
	 * Any round may lose its CPU to another task, and under TCG a vCPU
	 * may lose its host CPU for longer than the 50 us spin: one clean
	 * round is enough.
	 */
	for (i = 0; i < 200 && !quick; i++)
		quick += !spinner_round(test, 0, &runtime);
	KUNIT_EXPECT_GT(test, quick, 0);
	/*
	 * A late message: the receiver sleeps for it, and does not burn the
	 * CPU meanwhile (under 20 ms of a 200 ms wait).  The 50 us budget
	 * itself cannot be told apart here from the scheduler or RCU asking
	 * for the CPU, which ends even an unbounded spin within about 1.5 ms.
	 */
	for (i = 0; i < 3 && !late; i++)
		late += spinner_round(test, 200, &runtime) &&
			runtime < 20 * NSEC_PER_MSEC;
	KUNIT_EXPECT_GT(test, late, 0);
}

/* A signal ends an interruptible lwkt_waitport() with NULL. */
struct sig_waiter {
	struct lwkt_port port;
	void *ret;
	int flags;
	struct completion ready, done;
};

static int sig_waitport_thread(void *arg)
{
	struct sig_waiter *w = arg;

	allow_signal(SIGUSR1);
	/* From here on SIGUSR1 stays pending instead of being discarded. */
	complete(&w->ready);
	w->ret = lwkt_waitport(&w->port, w->flags);
	flush_signals(current);
	complete(&w->done);
	while (!kthread_should_stop())
		schedule_timeout_interruptible(HZ / 100);
	return 0;
}

static void msgport_test_waitport_pcatch(struct kunit *test)
{
	struct sig_waiter *w = test_zalloc(test, sizeof(*w));
	struct task_struct *t;

	lwkt_initport_spin(&w->port);
	w->ret = &w->port;
	w->flags = MSGF_PCATCH;
	init_completion(&w->ready);
	init_completion(&w->done);
	t = test_kthread(test, kthread_run(sig_waitport_thread, w, "mpk_sig"));
	/*
	 * A kthread discards signals until allow_signal(): send only once it
	 * is armed.  A signal that comes before the sleep still ends it.
	 */
	wait_for_completion(&w->ready);
	msleep(20);		/* most likely asleep in lwkt_waitport() */
	KUNIT_EXPECT_FALSE(test, completion_done(&w->done));
	send_sig(SIGUSR1, t, 1);
	KUNIT_EXPECT_TRUE(test, wait_for_completion_timeout(&w->done, TMO));
	KUNIT_EXPECT_NULL(test, w->ret);
}

/* ------------------------------------------------------------------
 * Serializer ports.
 */

static void msgport_test_serialize(struct kunit *test)
{
	struct lwkt_serialize *slz = test_zalloc(test, sizeof(*slz));
	struct lwkt_serialize *rslz = test_zalloc(test, sizeof(*rslz));
	struct lwkt_port *port = test_zalloc(test, sizeof(*port));
	struct lwkt_port *rport = test_zalloc(test, sizeof(*rport));
	struct lwkt_msg *msg = test_zalloc_array(test, 3, sizeof(*msg));
	struct rx *rx;
	lwkt_msg_t got;
	int i;

	lwkt_serialize_init(slz);
	lwkt_serialize_init(rslz);
	lwkt_initport_serialize(port, slz);
	lwkt_initport_serialize(rport, rslz);
	rx = rx_create(test, port, false, -1, rx_reply_cmd);
	rx->slz = slz;
	rx_run(rx);
	/* The receiver sleeps in waitport with slz released: we can send. */
	for (i = 0; i < 3; i++) {
		lwkt_initmsg(&msg[i], rport, 0);
		msg[i].ms_cmd.cm_op = i;
		lwkt_sendmsg(port, &msg[i]);
	}
	lwkt_serialize_enter(rslz);
	for (i = 0; i < 3; i++) {
		got = lwkt_waitport(rport, 0);
		KUNIT_ASSERT_NOT_NULL(test, got);
		KUNIT_EXPECT_EQ(test, got->ms_error, got->ms_cmd.cm_op);
	}
	KUNIT_EXPECT_NULL(test, lwkt_getport(rport));
	/* waitmsg of an async reply, serializer held (released to sleep). */
	lwkt_initmsg(&msg[0], rport, 0);
	msg[0].ms_cmd.cm_op = -EDOM;
	lwkt_sendmsg(port, &msg[0]);
	KUNIT_EXPECT_EQ(test, lwkt_waitmsg(&msg[0], 0), -EDOM);
	KUNIT_EXPECT_TRUE(test, list_empty(&rport->mp_msgq));
	lwkt_serialize_exit(rslz);

	/* domsg: sync reply without the reply serializer. */
	lwkt_initmsg(&msg[1], rport, 0);
	msg[1].ms_cmd.cm_op = 5;
	KUNIT_EXPECT_EQ(test, lwkt_domsg(port, &msg[1], 0), 5);
}

/* A PCATCH abort from a serializer-port waitmsg runs without its lock. */
struct slz_abort {
	struct lwkt_serialize slz;
	struct lwkt_port rport, port;
	struct lwkt_msg msg;
	int ret;
	bool locked_in_abortfn;
	struct completion queued, done;
};

static struct slz_abort *slz_abort_state;

static void slz_abortfn(lwkt_msg_t msg)
{
	slz_abort_state->locked_in_abortfn =
		mutex_is_locked(&slz_abort_state->slz.lock);
	lwkt_dropmsg(msg);
}

static int slz_abort_thread(void *arg)
{
	struct slz_abort *s = arg;

	allow_signal(SIGUSR1);
	lwkt_serialize_enter(&s->slz);
	lwkt_sendmsg(&s->port, &s->msg);
	complete(&s->queued);
	s->ret = lwkt_waitmsg(&s->msg, MSGF_PCATCH);
	lwkt_serialize_exit(&s->slz);
	flush_signals(current);
	complete(&s->done);
	while (!kthread_should_stop())
		schedule_timeout_interruptible(HZ / 100);
	return 0;
}

static void msgport_test_serialize_abort(struct kunit *test)
{
	struct slz_abort *s = test_zalloc(test, sizeof(*s));
	struct task_struct *t;

	slz_abort_state = s;
	lwkt_serialize_init(&s->slz);
	lwkt_initport_serialize(&s->rport, &s->slz);
	lwkt_initport_spin(&s->port);		/* nobody receives */
	lwkt_initmsg_abortable(&s->msg, &s->rport, MSGF_DROPABLE, slz_abortfn);
	init_completion(&s->queued);
	init_completion(&s->done);
	/* Stopping it interrupts its wait: the abort drops the message. */
	t = test_kthread(test, kthread_run(slz_abort_thread, s, "mpk_slz"));
	wait_for_completion(&s->queued);
	msleep(20);
	send_sig(SIGUSR1, t, 1);
	KUNIT_EXPECT_TRUE(test, wait_for_completion_timeout(&s->done, TMO));
	KUNIT_EXPECT_EQ(test, s->ret, -EINTR);
	KUNIT_EXPECT_FALSE(test, s->locked_in_abortfn);
	KUNIT_EXPECT_EQ(test, s->msg.ms_error, -ECANCELED);
}

/*
 * lwkt_serialize_try() and lwkt_serialize_held() from the holder and
 * from another task; and a send by a task that does not hold the
 * serializer waits for the task that does.
 */
struct slz_other {
	struct lwkt_serialize *slz;
	struct lwkt_port *port;
	bool hold;		/* hold the serializer for a while */
	int tried;		/* lwkt_serialize_try() result */
	bool held_seen;		/* lwkt_serialize_held() seen */
	bool empty_while_held;	/* the port's queue, before release */
	struct completion entered, done;
};

static int slz_other_thread(void *arg)
{
	struct slz_other *o = arg;

	if (o->hold) {
		lwkt_serialize_enter(o->slz);
		complete(&o->entered);
		msleep(50);
		o->empty_while_held = list_empty(&o->port->mp_msgq);
		lwkt_serialize_exit(o->slz);
	} else {
		o->held_seen = lwkt_serialize_held(o->slz);
		o->tried = lwkt_serialize_try(o->slz);
		if (o->tried)
			lwkt_serialize_exit(o->slz);
	}
	complete(&o->done);
	while (!kthread_should_stop())
		schedule_timeout_interruptible(HZ / 100);
	return 0;
}

static struct slz_other *slz_other_run(struct kunit *test,
				       struct lwkt_serialize *slz,
				       struct lwkt_port *port, bool hold)
{
	struct slz_other *o = test_zalloc(test, sizeof(*o));

	o->slz = slz;
	o->port = port;
	o->hold = hold;
	init_completion(&o->entered);
	init_completion(&o->done);
	test_kthread(test, kthread_run(slz_other_thread, o, "mpk_slzo"));
	return o;
}

static void msgport_test_serialize_try(struct kunit *test)
{
	struct lwkt_serialize *slz = test_zalloc(test, sizeof(*slz));
	struct lwkt_port *port = test_zalloc(test, sizeof(*port));
	struct lwkt_port *rport = test_zalloc(test, sizeof(*rport));
	struct lwkt_msg *msg = test_zalloc(test, sizeof(*msg));
	struct slz_other *o;

	lwkt_serialize_init(slz);
	lwkt_initport_serialize(port, slz);
	lwkt_initport_replyonly_null(rport);
	KUNIT_EXPECT_FALSE(test, lwkt_serialize_held(slz));
	KUNIT_ASSERT_EQ(test, lwkt_serialize_try(slz), 1);
	KUNIT_EXPECT_TRUE(test, lwkt_serialize_held(slz));
	lwkt_serialize_assert_held(slz);
	/* Not recursive. */
	KUNIT_EXPECT_EQ(test, lwkt_serialize_try(slz), 0);
	KUNIT_EXPECT_TRUE(test, lwkt_serialize_held(slz));

	/* Held here: another task neither holds it nor gets it. */
	o = slz_other_run(test, slz, port, false);
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&o->done, TMO));
	KUNIT_EXPECT_FALSE(test, o->held_seen);
	KUNIT_EXPECT_EQ(test, o->tried, 0);
	lwkt_serialize_exit(slz);
	KUNIT_EXPECT_FALSE(test, lwkt_serialize_held(slz));
	lwkt_serialize_assert_not_held(slz);

	/* Free: the other task gets it (and releases it). */
	o = slz_other_run(test, slz, port, false);
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&o->done, TMO));
	KUNIT_EXPECT_EQ(test, o->tried, 1);
	KUNIT_EXPECT_FALSE(test, mutex_is_locked(&slz->lock));

	/* Held by another task: a send here waits for its release. */
	o = slz_other_run(test, slz, port, true);
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&o->entered, TMO));
	KUNIT_EXPECT_FALSE(test, lwkt_serialize_held(slz));
	lwkt_initmsg(msg, rport, 0);
	KUNIT_EXPECT_EQ(test, lwkt_sendmsg(port, msg), 0);
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&o->done, TMO));
	KUNIT_EXPECT_TRUE(test, o->empty_while_held);
	lwkt_serialize_enter(slz);
	KUNIT_EXPECT_PTR_EQ(test, (lwkt_msg_t)lwkt_getport(port), msg);
	lwkt_serialize_exit(slz);

	/* Send and drop without the serializer: each takes and releases it. */
	lwkt_initmsg(msg, rport, MSGF_DROPABLE);
	KUNIT_EXPECT_EQ(test, lwkt_sendmsg(port, msg), 0);
	KUNIT_EXPECT_EQ(test, lwkt_dropmsg(msg), 0);
	KUNIT_EXPECT_FALSE(test, lwkt_serialize_held(slz));
	KUNIT_EXPECT_FALSE(test, mutex_is_locked(&slz->lock));
	KUNIT_EXPECT_TRUE(test, list_empty(&port->mp_msgq));
}

/*
 * DragonFly's convention: the caller of put, reply and drop on a
 * serializer port already holds its serializer (netisr-style code sends
 * and replies from inside the serialized section).  A helper thread does
 * all three with the serializer held; if one of them took it again the
 * thread would deadlock, which the test reports as a timeout (and then
 * leaks the state the stuck thread still uses).
 */
struct slz_held {
	struct lwkt_serialize slz;
	struct lwkt_port port;
	struct lwkt_msg msg[2];
	lwkt_msg_t got;
	int drop, wait;
	struct completion done;
};

static int slz_held_thread(void *arg)
{
	struct slz_held *s = arg;

	lwkt_serialize_enter(&s->slz);
	/* The port is target and reply port, as in a netisr loop. */
	lwkt_initmsg(&s->msg[0], &s->port, 0);
	lwkt_sendmsg(&s->port, &s->msg[0]);
	s->got = lwkt_getport(&s->port);
	if (s->got)
		lwkt_replymsg(s->got, -EDOM);
	lwkt_initmsg(&s->msg[1], &s->port, MSGF_DROPABLE);
	lwkt_sendmsg(&s->port, &s->msg[1]);
	s->drop = lwkt_dropmsg(&s->msg[1]);
	s->wait = lwkt_waitmsg(&s->msg[0], 0);
	lwkt_serialize_exit(&s->slz);
	complete(&s->done);
	return 0;
}

static void msgport_test_serialize_held(struct kunit *test)
{
	struct slz_held *s = kzalloc(sizeof(*s), GFP_KERNEL);
	struct task_struct *t;

	KUNIT_ASSERT_NOT_NULL(test, s);
	lwkt_serialize_init(&s->slz);
	lwkt_initport_serialize(&s->port, &s->slz);
	init_completion(&s->done);
	t = kthread_run(slz_held_thread, s, "mpk_slzheld");
	if (IS_ERR(t)) {
		kfree(s);
		KUNIT_FAIL(test, "kthread_run: %ld", PTR_ERR(t));
		return;
	}
	if (!wait_for_completion_timeout(&s->done, TMO)) {
		KUNIT_FAIL(test, "deadlock: a port operation took the serializer its caller holds");
		return;		/* s stays: the stuck thread still uses it */
	}
	KUNIT_EXPECT_PTR_EQ(test, s->got, &s->msg[0]);
	KUNIT_EXPECT_EQ(test, s->drop, 0);
	KUNIT_EXPECT_EQ(test, s->msg[1].ms_error, -ECANCELED);
	KUNIT_EXPECT_EQ(test, s->wait, -EDOM);
	KUNIT_EXPECT_TRUE(test, list_empty(&s->port.mp_msgq));
	kfree(s);
}

/* ------------------------------------------------------------------
 * Forwarding.
 */

/* Forwarded: queued elsewhere, or already replied by the forward. */
static int rx_forward(struct rx *rx, lwkt_msg_t msg)
{
	lwkt_forwardmsg(rx->priv, msg);
	return EASYNC;
}

static void msgport_test_forwardmsg(struct kunit *test)
{
	struct lwkt_port *p1 = test_zalloc(test, sizeof(*p1));
	struct lwkt_port *p2 = test_zalloc(test, sizeof(*p2));
	struct lwkt_port *p3 = test_zalloc(test, sizeof(*p3));
	struct lwkt_port *rport = test_zalloc(test, sizeof(*rport));
	struct lwkt_msg *msg = test_zalloc(test, sizeof(*msg));
	struct rx *r1, *r2;

	memset(&sync_put_state, 0, sizeof(sync_put_state));
	lwkt_initport_spin(rport);
	r2 = rx_start(test, p2, true, -1, rx_reply_cmd);
	r1 = rx_start(test, p1, true, -1, rx_forward);
	r1->priv = p2;

	lwkt_initmsg(msg, rport, 0);
	msg->ms_cmd.cm_op = -ENOTTY;
	KUNIT_EXPECT_EQ(test, lwkt_domsg(p1, msg, 0), -ENOTTY);
	KUNIT_EXPECT_PTR_EQ(test, msg->ms_target_port, p2);
	KUNIT_EXPECT_EQ(test, atomic_read(&r1->received), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&r2->received), 1);

	/* Async, forwarded to a synchronous putport: replied by forward. */
	lwkt_initport_putonly(p3, sync_putport);
	r1->priv = p3;
	lwkt_initmsg(msg, rport, 0);
	msg->ms_cmd.cm_op = 9;
	lwkt_sendmsg(p1, msg);
	KUNIT_EXPECT_PTR_EQ(test, lwkt_waitport(rport, 0), msg);
	KUNIT_EXPECT_EQ(test, msg->ms_error, 9);
	KUNIT_EXPECT_PTR_EQ(test, sync_put_state.ran_in, r1->task);

}

/* ------------------------------------------------------------------
 * Abort and drop.
 */

static atomic_t abort_calls;

static void abort_by_drop(lwkt_msg_t msg)
{
	atomic_inc(&abort_calls);
	lwkt_dropmsg(msg);
}

static void msgport_test_abortmsg(struct kunit *test)
{
	struct lwkt_port port, rport;
	struct lwkt_msg msg;
	struct task_struct *idle;

	idle = test_kthread(test, kthread_create(rx_thread, NULL, "mpk_idle"));
	lwkt_initport_thread(&port, idle);	/* owner never receives */
	lwkt_initport_spin(&rport);
	atomic_set(&abort_calls, 0);

	lwkt_initmsg_abortable(&msg, &rport, MSGF_DROPABLE, abort_by_drop);
	lwkt_sendmsg(&port, &msg);
	KUNIT_EXPECT_FALSE(test, lwkt_checkmsg(&msg));
	lwkt_abortmsg(&msg);
	KUNIT_EXPECT_EQ(test, atomic_read(&abort_calls), 1);
	KUNIT_EXPECT_TRUE(test, lwkt_msg_aborted(&msg));
	/* Dropped by the abort function: done, never replied, not queued. */
	KUNIT_EXPECT_TRUE(test, lwkt_checkmsg(&msg));
	KUNIT_EXPECT_EQ(test, msg.ms_error, -ECANCELED);
	KUNIT_EXPECT_FALSE(test, msg.ms_flags & MSGF_REPLY);
	KUNIT_EXPECT_NULL(test, lwkt_getport(&rport));
	/* A done message is not aborted again. */
	lwkt_abortmsg(&msg);
	KUNIT_EXPECT_EQ(test, atomic_read(&abort_calls), 1);

	/* Non-abortable: abort does nothing. */
	lwkt_initmsg(&msg, &rport, MSGF_DROPABLE);
	lwkt_sendmsg(&port, &msg);
	lwkt_abortmsg(&msg);
	KUNIT_EXPECT_FALSE(test, lwkt_msg_aborted(&msg));
	KUNIT_EXPECT_FALSE(test, lwkt_checkmsg(&msg));
	KUNIT_EXPECT_EQ(test, lwkt_dropmsg(&msg), 0);
}

/* The receiver sees the abort request and finishes early. */
static int rx_until_aborted(struct rx *rx, lwkt_msg_t msg)
{
	int i;

	for (i = 0; i < 10 * 1000 && !lwkt_msg_aborted(msg); i++)
		usleep_range(100, 200);
	return lwkt_msg_aborted(msg) ? -ECANCELED : -ETIMEDOUT;
}

static void msgport_test_abort_running(struct kunit *test)
{
	struct lwkt_port *port = test_zalloc(test, sizeof(*port));
	struct lwkt_port *rport = test_zalloc(test, sizeof(*rport));
	struct lwkt_msg *msg = test_zalloc(test, sizeof(*msg));
	struct rx *rx;

	atomic_set(&abort_calls, 0);
	lwkt_initport_spin(rport);
	rx = rx_start(test, port, true, -1, rx_until_aborted);
	lwkt_initmsg_abortable(msg, rport, MSGF_DROPABLE, abort_by_drop);
	lwkt_sendmsg(port, msg);
	while (atomic_read(&rx->received) == 0)
		usleep_range(100, 200);
	/* Too late to drop (being processed): the receiver replies. */
	lwkt_abortmsg(msg);
	KUNIT_EXPECT_EQ(test, atomic_read(&abort_calls), 1);
	KUNIT_EXPECT_PTR_EQ(test, lwkt_waitport(rport, 0), msg);
	KUNIT_EXPECT_EQ(test, msg->ms_error, -ECANCELED);
	KUNIT_EXPECT_TRUE(test, msg->ms_flags & MSGF_REPLY);
}

struct pcatch_waiter {
	struct lwkt_port port;
	struct lwkt_msg msg;
	int flags;
	int ret;
	struct completion done;
};

static int pcatch_domsg_thread(void *arg)
{
	struct pcatch_waiter *w = arg;

	allow_signal(SIGUSR1);
	w->ret = lwkt_domsg(&w->port, &w->msg, w->flags);
	flush_signals(current);
	complete(&w->done);
	while (!kthread_should_stop())
		schedule_timeout_interruptible(HZ / 100);
	return 0;
}

/*
 * Teardown: answer the message if nobody did, or the thread would wait
 * in lwkt_domsg() for ever (a stop request only interrupts a PCATCH wait
 * of an abortable message).  Nobody else receives on w->port.
 */
static void pcatch_answer(void *arg)
{
	struct pcatch_waiter *w = arg;

	lwkt_getport(&w->port);
	if (!lwkt_checkmsg(&w->msg))
		lwkt_replymsg(&w->msg, -ECANCELED);
}

static struct task_struct *pcatch_start(struct kunit *test,
					struct pcatch_waiter *w)
{
	struct task_struct *t;

	init_completion(&w->done);
	t = test_kthread(test, kthread_run(pcatch_domsg_thread, w,
					   "mpk_pcatch"));
	while (!(READ_ONCE(w->msg.ms_flags) & MSGF_QUEUED))
		usleep_range(100, 200);
	/* Registered after the thread's stop: runs before it. */
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, pcatch_answer, w),
			0);
	return t;
}

static void pcatch_end(struct kunit *test, struct pcatch_waiter *w,
		       struct task_struct *t)
{
	kunit_release_action(test, pcatch_answer, w);
	test_kthread_stop(test, t);
}

static void msgport_test_domsg_pcatch(struct kunit *test)
{
	struct pcatch_waiter *w = test_zalloc(test, sizeof(*w));
	struct lwkt_port *port = &w->port;
	struct task_struct *t;
	lwkt_msg_t got;

	lwkt_initport_spin(port);

	/* Abortable: the signal aborts (drops) it, domsg returns -EINTR. */
	atomic_set(&abort_calls, 0);
	lwkt_initmsg_abortable(&w->msg, NULL, MSGF_DROPABLE, abort_by_drop);
	w->flags = MSGF_PCATCH;
	t = pcatch_start(test, w);
	send_sig(SIGUSR1, t, 1);
	KUNIT_EXPECT_TRUE(test, wait_for_completion_timeout(&w->done, TMO));
	KUNIT_EXPECT_EQ(test, w->ret, -EINTR);
	KUNIT_EXPECT_EQ(test, w->msg.ms_error, -ECANCELED);
	KUNIT_EXPECT_EQ(test, atomic_read(&abort_calls), 1);
	KUNIT_EXPECT_NULL(test, lwkt_getport(port));
	pcatch_end(test, w, t);

	/*
	 * Not abortable, MSGF_PCATCH on the message: the wait cannot end
	 * before the reply, then returns the reply's result, not -EINTR:
	 * the operation ran, a caller must not retry it.
	 */
	lwkt_initmsg(&w->msg, NULL, MSGF_PCATCH);
	w->flags = 0;
	t = pcatch_start(test, w);
	send_sig(SIGUSR1, t, 1);
	msleep(20);
	KUNIT_EXPECT_FALSE(test, completion_done(&w->done));
	got = lwkt_getport(port);
	KUNIT_ASSERT_PTR_EQ(test, got, &w->msg);
	lwkt_replymsg(got, 3);
	KUNIT_EXPECT_TRUE(test, wait_for_completion_timeout(&w->done, TMO));
	KUNIT_EXPECT_EQ(test, w->ret, 3);
	KUNIT_EXPECT_EQ(test, w->msg.ms_error, 3);
	pcatch_end(test, w, t);

	/* Without PCATCH a signal changes nothing. */
	lwkt_initmsg(&w->msg, NULL, 0);
	t = pcatch_start(test, w);
	send_sig(SIGUSR1, t, 1);
	msleep(20);
	KUNIT_EXPECT_FALSE(test, completion_done(&w->done));
	got = lwkt_getport(port);
	KUNIT_ASSERT_PTR_EQ(test, got, &w->msg);
	lwkt_replymsg(got, 4);
	KUNIT_EXPECT_TRUE(test, wait_for_completion_timeout(&w->done, TMO));
	KUNIT_EXPECT_EQ(test, w->ret, 4);
	pcatch_end(test, w, t);
}

static void msgport_test_dropmsg(struct kunit *test)
{
	struct lwkt_port port, rport;
	struct lwkt_msg a, b, c;

	lwkt_initport_spin(&port);
	lwkt_initport_spin(&rport);
	lwkt_initmsg(&a, &rport, MSGF_DROPABLE);
	lwkt_initmsg(&b, &rport, MSGF_DROPABLE);
	lwkt_initmsg(&c, &rport, 0);
	lwkt_sendmsg(&port, &a);
	lwkt_sendmsg(&port, &b);
	lwkt_sendmsg(&port, &c);

	KUNIT_EXPECT_EQ(test, lwkt_dropmsg(&c), -EINVAL);
	KUNIT_EXPECT_EQ(test, lwkt_dropmsg(&b), 0);
	KUNIT_EXPECT_TRUE(test, lwkt_checkmsg(&b));
	KUNIT_EXPECT_EQ(test, b.ms_error, -ECANCELED);
	KUNIT_EXPECT_FALSE(test, b.ms_flags & (MSGF_QUEUED | MSGF_REPLY));
	KUNIT_EXPECT_EQ(test, lwkt_dropmsg(&b), -ENOENT);
	/* Order of the rest is kept. */
	KUNIT_EXPECT_PTR_EQ(test, lwkt_getport(&port), &a);
	/* Received: too late to drop. */
	KUNIT_EXPECT_EQ(test, lwkt_dropmsg(&a), -ENOENT);
	lwkt_replymsg(&a, 0);
	/* Replied (queued on the reply port): still not droppable. */
	KUNIT_EXPECT_EQ(test, lwkt_dropmsg(&a), -ENOENT);
	KUNIT_EXPECT_PTR_EQ(test, lwkt_getport(&rport), &a);
	KUNIT_EXPECT_PTR_EQ(test, lwkt_getport(&port), &c);
	KUNIT_EXPECT_NULL(test, lwkt_getport(&port));

	/* Never-sent message: nothing to drop. */
	lwkt_initmsg(&a, &rport, MSGF_DROPABLE);
	KUNIT_EXPECT_EQ(test, lwkt_dropmsg(&a), -ENOENT);

	/* Sent to a port without a queue: nothing to drop, no warning. */
	memset(&sync_put_state, 0, sizeof(sync_put_state));
	lwkt_initport_putonly(&port, sync_putport);
	lwkt_initmsg(&a, &rport, MSGF_DROPABLE);
	a.ms_cmd.cm_op = EASYNC;	/* "taken": stays in flight */
	lwkt_sendmsg(&port, &a);
	KUNIT_EXPECT_FALSE(test, lwkt_checkmsg(&a));
	KUNIT_EXPECT_EQ(test, lwkt_dropmsg(&a), -ENOENT);
}

/* Drop races a receiver: each message is dropped xor replied, once. */
#define RACE_ROUNDS	2000

static void msgport_test_drop_race(struct kunit *test)
{
	struct lwkt_port *port = test_zalloc(test, sizeof(*port));
	struct lwkt_port *rport = test_zalloc(test, sizeof(*rport));
	struct spin_msg *msgs;
	struct rx *rx;
	int i, dropped = 0, replied = 0;
	lwkt_msg_t m;

	msgs = test_zalloc_array(test, RACE_ROUNDS, sizeof(*msgs));
	lwkt_initport_spin(port);
	lwkt_initport_spin(rport);
	rx = rx_start(test, port, false,
		      num_online_cpus() > 1 ? 1 : -1, rx_count);
	for (i = 0; i < RACE_ROUNDS; i++) {
		lwkt_initmsg(&msgs[i].msg, rport, MSGF_DROPABLE);
		lwkt_sendmsg(port, &msgs[i].msg);
		if (get_random_u32_below(2) && lwkt_dropmsg(&msgs[i].msg) == 0)
			dropped++;
		if ((i & 63) == 0)
			cond_resched();
	}
	while (dropped + replied < RACE_ROUNDS) {
		m = lwkt_waitport(rport, 0);
		KUNIT_ASSERT_NOT_NULL(test, m);
		KUNIT_EXPECT_TRUE(test, m->ms_flags & MSGF_REPLY);
		replied++;
	}
	rx_stop(test, rx);
	for (i = 0; i < RACE_ROUNDS; i++) {
		bool was_dropped = !(msgs[i].msg.ms_flags & MSGF_REPLY);

		KUNIT_EXPECT_TRUE(test, lwkt_checkmsg(&msgs[i].msg));
		KUNIT_EXPECT_EQ(test, atomic_read(&msgs[i].handled),
				was_dropped ? 0 : 1);
	}
	KUNIT_EXPECT_EQ(test, atomic_read(&rx->received), replied);
	KUNIT_EXPECT_NULL(test, lwkt_getport(rport));
	kunit_info(test, "%d dropped, %d replied\n", dropped, replied);
}

static void abort_race_fn(lwkt_msg_t msg)
{
	struct spin_msg *sm = container_of(msg, struct spin_msg, msg);

	sm->aborts++;
	sm->dropped = lwkt_dropmsg(msg) == 0;
}

/* Abort races the receiver's reply: abortfn runs once, message back once. */
static void msgport_test_abort_race(struct kunit *test)
{
	struct lwkt_port *port = test_zalloc(test, sizeof(*port));
	struct lwkt_port *rport = test_zalloc(test, sizeof(*rport));
	struct spin_msg *msgs;
	struct rx *rx;
	int i, dropped = 0, replied = 0;

	msgs = test_zalloc_array(test, RACE_ROUNDS, sizeof(*msgs));
	lwkt_initport_spin(port);
	lwkt_initport_spin(rport);
	rx = rx_start(test, port, false,
		      num_online_cpus() > 1 ? 1 : -1, rx_count);
	for (i = 0; i < RACE_ROUNDS; i++) {
		lwkt_initmsg_abortable(&msgs[i].msg, rport, MSGF_DROPABLE,
				       abort_race_fn);
		lwkt_sendmsg(port, &msgs[i].msg);
		lwkt_abortmsg(&msgs[i].msg);
		lwkt_abortmsg(&msgs[i].msg);
		if ((i & 63) == 0)
			cond_resched();
	}
	for (i = 0; i < RACE_ROUNDS; i++)
		dropped += msgs[i].dropped;
	while (dropped + replied < RACE_ROUNDS) {
		KUNIT_ASSERT_NOT_NULL(test, lwkt_waitport(rport, 0));
		replied++;
	}
	rx_stop(test, rx);
	for (i = 0; i < RACE_ROUNDS; i++) {
		KUNIT_EXPECT_LE(test, msgs[i].aborts, 1);
		KUNIT_EXPECT_TRUE(test, lwkt_checkmsg(&msgs[i].msg));
		/* Dropped xor handled and replied. */
		KUNIT_EXPECT_EQ(test, atomic_read(&msgs[i].handled),
				msgs[i].dropped ? 0 : 1);
		KUNIT_EXPECT_EQ(test, !!(msgs[i].msg.ms_flags & MSGF_REPLY),
				!msgs[i].dropped);
	}
	KUNIT_EXPECT_EQ(test, atomic_read(&rx->received), replied);
	KUNIT_EXPECT_NULL(test, lwkt_getport(rport));
	kunit_info(test, "%d dropped by abort, %d replied\n", dropped, replied);
}

/* ------------------------------------------------------------------
 * Special ports.
 */

static atomic_t rport_calls;
static lwkt_port_t rport_seen_port;

static void count_rportfn(lwkt_port_t port, lwkt_msg_t msg)
{
	rport_seen_port = port;
	atomic_inc(&rport_calls);
	kfree(msg);
}

static void msgport_test_replyonly(struct kunit *test)
{
	struct lwkt_port *port = test_zalloc(test, sizeof(*port));
	struct lwkt_port *rport = test_zalloc(test, sizeof(*rport));
	lwkt_msg_t msg;
	struct rx *rx;

	atomic_set(&rport_calls, 0);
	lwkt_initport_replyonly(rport, count_rportfn);
	rx = rx_start(test, port, true, -1, NULL);
	/* kfree()d by the reply function: not kunit memory. */
	msg = kmalloc(sizeof(*msg), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, msg);
	lwkt_initmsg(msg, rport, 0);
	lwkt_sendmsg(port, msg);
	rx_stop(test, rx);		/* drains: the reply has run */
	KUNIT_EXPECT_EQ(test, atomic_read(&rport_calls), 1);
	KUNIT_EXPECT_PTR_EQ(test, rport_seen_port, rport);

	expect_warning("receive from port");
	KUNIT_EXPECT_NULL(test, lwkt_getport(rport));
}

static void msgport_test_replyonly_null(struct kunit *test)
{
	struct lwkt_port *port = test_zalloc(test, sizeof(*port));
	struct lwkt_port *rport = test_zalloc(test, sizeof(*rport));
	struct lwkt_msg *msg = test_zalloc(test, sizeof(*msg));
	struct rx *rx;

	lwkt_initport_replyonly_null(rport);
	rx = rx_start(test, port, true, -1, rx_reply_cmd);
	lwkt_initmsg(msg, rport, 0);
	msg->ms_cmd.cm_op = -EFBIG;
	lwkt_sendmsg(port, msg);
	KUNIT_EXPECT_EQ(test, lwkt_waitmsg(msg, 0), -EFBIG);
	KUNIT_EXPECT_EQ(test, msg->ms_flags & (MSGF_DONE | MSGF_REPLY |
					     MSGF_QUEUED),
			MSGF_DONE | MSGF_REPLY);
	KUNIT_EXPECT_TRUE(test, list_empty(&rport->mp_msgq));
	msg->ms_cmd.cm_op = 1;
	KUNIT_EXPECT_EQ(test, lwkt_domsg(port, msg, 0), 1);
}

static void msgport_test_panic_port(struct kunit *test)
{
	struct lwkt_port pport, rport, port;
	struct lwkt_msg msg;
	lwkt_msg_t got;

	lwkt_initport_panic(&pport);
	lwkt_initport_spin(&rport);
	lwkt_initport_spin(&port);

	/* A send fails, and the message comes back with the error. */
	lwkt_initmsg(&msg, &rport, 0);
	expect_warning("which takes none");
	KUNIT_EXPECT_EQ(test, lwkt_sendmsg(&pport, &msg), 0);
	got = lwkt_getport(&rport);
	KUNIT_EXPECT_PTR_EQ(test, got, &msg);
	KUNIT_EXPECT_EQ(test, msg.ms_error, -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, lwkt_domsg(&pport, &msg, 0), -EOPNOTSUPP);

	expect_warning("which has no queue");
	KUNIT_EXPECT_NULL(test, lwkt_waitport(&pport, 0));

	/* domsg refuses a reply port that cannot wait, before sending. */
	lwkt_initmsg(&msg, &pport, 0);
	KUNIT_EXPECT_EQ(test, lwkt_domsg(&port, &msg, 0), -EINVAL);
	KUNIT_EXPECT_NULL(test, lwkt_getport(&port));

	/* A reply to a panic port is not lost: the message is done. */
	lwkt_sendmsg(&port, &msg);
	got = lwkt_getport(&port);
	KUNIT_ASSERT_PTR_EQ(test, got, &msg);
	expect_warning("which takes none");
	lwkt_replymsg(got, 0);
	KUNIT_EXPECT_TRUE(test, lwkt_checkmsg(&msg));
}

/* ------------------------------------------------------------------
 * Misuse is refused with an error and one warning, never corruption.
 */

static void msgport_test_misuse(struct kunit *test)
{
	struct lwkt_port port, rport;
	struct lwkt_msg msg;

	lwkt_initport_spin(&port);
	lwkt_initport_spin(&rport);

	lwkt_initmsg(&msg, NULL, 0);
	KUNIT_EXPECT_EQ(test, lwkt_sendmsg(&port, &msg), -EINVAL);
	KUNIT_EXPECT_NULL(test, lwkt_getport(&port));

	lwkt_initmsg(&msg, &rport, MSGF_DROPABLE);
	KUNIT_EXPECT_EQ(test, lwkt_sendmsg(&port, &msg), 0);
	expect_warning("sent while in flight");
	KUNIT_EXPECT_EQ(test, lwkt_sendmsg(&port, &msg), -EBUSY);
	KUNIT_EXPECT_EQ(test, lwkt_domsg(&port, &msg, 0), -EBUSY);
	/* Still queued exactly once. */
	KUNIT_EXPECT_TRUE(test, list_is_singular(&port.mp_msgq));
	expect_warning("forward of message");
	KUNIT_EXPECT_EQ(test, lwkt_forwardmsg(&rport, &msg), -EINVAL);
	expect_warning("reply to message");
	lwkt_replymsg(&msg, 0);
	KUNIT_EXPECT_TRUE(test, list_is_singular(&port.mp_msgq));
	KUNIT_EXPECT_EQ(test, lwkt_dropmsg(&msg), 0);
	/* Replying to a done message is refused too (same warning site). */
	lwkt_replymsg(&msg, 0);
	KUNIT_EXPECT_NULL(test, lwkt_getport(&rport));

	/* Done but its reply still queued: not the sender's to resend yet. */
	lwkt_initmsg(&msg, &rport, 0);
	lwkt_sendmsg(&port, &msg);
	lwkt_replymsg(lwkt_getport(&port), 0);
	KUNIT_EXPECT_EQ(test, msg.ms_flags & (MSGF_DONE | MSGF_QUEUED),
			MSGF_DONE | MSGF_QUEUED);
	KUNIT_EXPECT_EQ(test, lwkt_sendmsg(&port, &msg), -EBUSY);
	KUNIT_EXPECT_NULL(test, lwkt_getport(&port));
	KUNIT_EXPECT_PTR_EQ(test, lwkt_getport(&rport), &msg);
	KUNIT_EXPECT_EQ(test, lwkt_sendmsg(&port, &msg), 0);
	KUNIT_EXPECT_PTR_EQ(test, lwkt_getport(&port), &msg);
}

/* ------------------------------------------------------------------
 * Per-CPU service threads.
 */

struct svc_msg {
	struct lwkt_msg msg;
	int cpu;
	struct task_struct *task;
};

static int svc_where(lwkt_msg_t msg)
{
	struct svc_msg *sm = container_of(msg, struct svc_msg, msg);

	sm->cpu = raw_smp_processor_id();
	sm->task = current;
	return 42;
}

static void msgport_test_cpu_port(struct kunit *test)
{
	struct svc_msg sm;
	int cpu;

	KUNIT_EXPECT_NULL(test, lwkt_cpu_port(-1));
	KUNIT_EXPECT_NULL(test, lwkt_cpu_port(nr_cpu_ids));
	cpus_read_lock();
	for_each_online_cpu(cpu) {
		lwkt_port_t port = lwkt_cpu_port(cpu);

		/* Not an assertion: it would leave the hotplug lock held. */
		KUNIT_EXPECT_NOT_NULL(test, port);
		if (!port)
			break;
		lwkt_initmsg(&sm.msg, NULL, 0);
		sm.msg.ms_cmd.cm_func = svc_where;
		sm.cpu = -1;
		KUNIT_EXPECT_EQ(test, lwkt_domsg(port, &sm.msg, 0), 42);
		KUNIT_EXPECT_EQ(test, sm.cpu, cpu);
		KUNIT_EXPECT_PTR_EQ(test, sm.task, port->mp_td);
		KUNIT_EXPECT_PTR_NE(test, sm.task, current);
	}
	cpus_read_unlock();

	/* No command: -EINVAL. */
	lwkt_initmsg(&sm.msg, NULL, 0);
	sm.msg.ms_cmd.cm_func = NULL;
	KUNIT_EXPECT_EQ(test, lwkt_domsg(lwkt_cpu_port(0), &sm.msg, 0),
			-EINVAL);
}

/*
 * @n messages for the service ports, in kunit memory, each done until
 * sent.  When the test ends, however it ends, every one is back before
 * the memory goes: the service threads outlive the test.  Allocate
 * their reply port first.
 */
struct svc_msgs {
	int n;
	struct svc_msg m[] __counted_by(n);
};

static void svc_msgs_release(void *arg)
{
	struct svc_msgs *sv = arg;
	int i;

	for (i = 0; i < sv->n; i++)
		while (!lwkt_checkmsg(&sv->m[i].msg))
			usleep_range(1000, 2000);
}

static struct svc_msg *svc_msgs_new(struct kunit *test, int n)
{
	struct svc_msgs *sv = test_zalloc(test, struct_size(sv, m, n));
	int i;

	sv->n = n;
	for (i = 0; i < n; i++)
		lwkt_initmsg(&sv->m[i].msg, NULL, 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, svc_msgs_release,
							sv), 0);
	return sv->m;
}

/* A command that keeps the message (EASYNC) and replies later. */
static struct lwkt_msg *kept_msg;

static int svc_keep(lwkt_msg_t msg)
{
	WRITE_ONCE(kept_msg, msg);
	return EASYNC;
}

/* A command that sends to its own service port: run in place. */
static int svc_loopback(lwkt_msg_t msg)
{
	struct svc_msg inner;
	int ret;

	lwkt_initmsg(&inner.msg, NULL, 0);
	inner.msg.ms_cmd.cm_func = svc_where;
	ret = lwkt_domsg(lwkt_cpu_port(raw_smp_processor_id()), &inner.msg, 0);
	return (ret == 42 && inner.task == current) ? 1 : -EDEADLK;
}

/* An async message to its own port is queued behind, not run in place. */
static struct svc_msg self_async;

static int svc_self_async(lwkt_msg_t msg)
{
	lwkt_initmsg(&self_async.msg, msg->ms_reply_port, 0);
	self_async.msg.ms_cmd.cm_func = svc_where;
	self_async.task = NULL;
	lwkt_sendmsg(lwkt_cpu_port(raw_smp_processor_id()), &self_async.msg);
	/* Not run yet: it waits in the queue until we return. */
	return (self_async.task == NULL && !lwkt_checkmsg(&self_async.msg)) ?
		2 : -EDEADLK;
}

/*
 * Held-back replies of a service thread's batch: they keep their order,
 * and go out before a command sleeps and before a lwkt_domsg() reply.
 */
struct held {
	struct lwkt_msg msg;
	struct completion *wait;	/* the command waits for it... */
	unsigned int delay_ms;		/* ...or busy-waits this long */
	struct completion *entered;	/* completed when the command starts */
	bool timed_out;
};

static int held_cmd(lwkt_msg_t msg)
{
	struct held *h = container_of(msg, struct held, msg);

	if (h->entered)
		complete(h->entered);
	if (h->wait)
		h->timed_out = !wait_for_completion_timeout(h->wait, 10 * HZ);
	if (h->delay_ms)
		mdelay(h->delay_ms);
	return 0;
}

static void held_init(struct held *h, lwkt_port_t rport)
{
	memset(h, 0, sizeof(*h));
	lwkt_initmsg(&h->msg, rport, 0);
	h->msg.ms_cmd.cm_func = held_cmd;
}

/*
 * A batch for a service thread, in kunit memory: a gate that holds the
 * thread in a command until @open, the messages queued behind it, their
 * reply ports (gport: the gate's, when it must not mix with the rest).
 * When the test ends, however it ends, the gate opens and every message
 * is back before the memory goes: the service thread outlives the test.
 */
struct held_batch {
	struct lwkt_port rport, gport;
	struct completion open, ack;
	struct held gate, a, b, c;
	/* A message of the test's own, never the service thread's. */
	struct lwkt_port xport;
	struct lwkt_msg x;
};

static void held_batch_release(void *arg)
{
	struct held_batch *hb = arg;
	struct held *h[] = { &hb->gate, &hb->a, &hb->b, &hb->c };
	int i;

	complete_all(&hb->open);
	complete_all(&hb->ack);
	for (i = 0; i < ARRAY_SIZE(h); i++)
		while (!lwkt_checkmsg(&h[i]->msg))
			usleep_range(1000, 2000);
}

static struct held_batch *held_batch_new(struct kunit *test)
{
	struct held_batch *hb = test_zalloc(test, sizeof(*hb));

	lwkt_initport_spin(&hb->rport);
	lwkt_initport_spin(&hb->gport);
	init_completion(&hb->open);
	init_completion(&hb->ack);
	/* Done until sent. */
	held_init(&hb->gate, &hb->rport);
	held_init(&hb->a, &hb->rport);
	held_init(&hb->b, &hb->rport);
	held_init(&hb->c, &hb->rport);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, held_batch_release,
							hb), 0);
	return hb;
}

/* Stop @port's thread in the gate's command; replies to @rport. */
static void held_gate(struct kunit *test, lwkt_port_t port,
		      struct held_batch *hb, lwkt_port_t rport)
{
	DECLARE_COMPLETION_ONSTACK(entered);
	struct held *gate = &hb->gate;

	held_init(gate, rport);
	gate->wait = &hb->open;
	gate->entered = &entered;
	KUNIT_ASSERT_EQ(test, lwkt_sendmsg(port, &gate->msg), 0);
	wait_for_completion(&entered);
	gate->entered = NULL;
}

static void msgport_test_cpu_port_held_replies(struct kunit *test)
{
	lwkt_port_t port = lwkt_cpu_port(raw_smp_processor_id());
	struct held_batch *hb = held_batch_new(test);
	struct held *a = &hb->a, *b = &hb->b, *c = &hb->c;
	struct lwkt_port *rport = &hb->rport;

	KUNIT_ASSERT_NOT_NULL(test, port);
	held_gate(test, port, hb, rport);
	/* One batch: a, then b, whose command waits until a's reply is seen. */
	b->wait = &hb->ack;
	lwkt_sendmsg(port, &a->msg);
	lwkt_sendmsg(port, &b->msg);
	lwkt_sendmsg(port, &c->msg);
	complete(&hb->open);
	KUNIT_EXPECT_PTR_EQ(test, lwkt_waitport(rport, 0), &hb->gate.msg);
	KUNIT_EXPECT_PTR_EQ(test, lwkt_waitport(rport, 0), &a->msg);
	complete(&hb->ack);
	KUNIT_EXPECT_PTR_EQ(test, lwkt_waitport(rport, 0), &b->msg);
	KUNIT_EXPECT_PTR_EQ(test, lwkt_waitport(rport, 0), &c->msg);
	/* Without the flush before sleeping, b waited 10 s for nothing. */
	KUNIT_EXPECT_FALSE(test, b->timed_out);
}

struct held_domsg {
	lwkt_port_t port;
	struct held *b;
	struct held *a;
	bool a_back;		/* a's reply queued when b's lwkt_domsg() returned */
	struct completion done;
};

static int held_domsg_thread(void *arg)
{
	struct held_domsg *d = arg;

	lwkt_domsg(d->port, &d->b->msg, 0);
	d->a_back = lwkt_checkmsg(&d->a->msg);
	complete(&d->done);
	while (!kthread_should_stop())
		schedule_timeout_idle(HZ / 100);
	return 0;
}

static void msgport_test_cpu_port_held_domsg(struct kunit *test)
{
	int cpu = raw_smp_processor_id();
	lwkt_port_t port = lwkt_cpu_port(cpu);
	struct held_batch *hb = held_batch_new(test);
	struct held_domsg *d = test_zalloc(test, sizeof(*d));
	struct held *a = &hb->a, *b = &hb->b, *c = &hb->c;
	struct lwkt_port *rport = &hb->rport;
	struct task_struct *t;

	KUNIT_ASSERT_NOT_NULL(test, port);
	d->port = port;
	d->a = a;
	d->b = b;
	init_completion(&d->done);
	held_gate(test, port, hb, rport);
	/*
	 * One batch: a (asynchronous), b (lwkt_domsg() by a helper on
	 * another CPU if there is one), c (busy for 300 ms, no sleep).  a's
	 * reply must be queued before b's lwkt_domsg() returns.
	 */
	held_init(b, NULL);
	c->delay_ms = 300;
	lwkt_sendmsg(port, &a->msg);
	t = test_kthread(test, kthread_create(held_domsg_thread, d, "mpk_held"));
	/* The helper's stop waits for b's reply: open the gate before. */
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, held_batch_release,
							hb), 0);
	if (num_online_cpus() > 1)
		set_cpus_allowed_ptr(t, cpumask_of(cpumask_any_but(cpu_online_mask,
								   cpu)));
	wake_up_process(t);
	while (!(READ_ONCE(b->msg.ms_flags) & MSGF_QUEUED))
		usleep_range(100, 200);
	lwkt_sendmsg(port, &c->msg);
	complete(&hb->open);
	wait_for_completion(&d->done);
	KUNIT_EXPECT_TRUE(test, d->a_back);
	KUNIT_EXPECT_PTR_EQ(test, lwkt_waitport(rport, 0), &hb->gate.msg);
	KUNIT_EXPECT_PTR_EQ(test, lwkt_waitport(rport, 0), &a->msg);
	KUNIT_EXPECT_PTR_EQ(test, lwkt_waitport(rport, 0), &c->msg);
}

/*
 * A reply from an interrupt that hit a service thread with held-back
 * replies goes out at once and leaves the thread's list alone (the
 * interrupt may have hit the thread in the middle of changing it).
 */
static lwkt_msg_t irq_reply_msg, irq_reply_held;
static bool irq_held_before, irq_held_after;

static void irq_reply_fn(struct irq_work *work)
{
	irq_held_before = !lwkt_checkmsg(irq_reply_held);
	lwkt_replymsg(irq_reply_msg, 5);
	irq_held_after = !lwkt_checkmsg(irq_reply_held);
}

static struct irq_work irq_reply_work = IRQ_WORK_INIT_HARD(irq_reply_fn);

static int irq_reply_cmd(lwkt_msg_t msg)
{
	irq_work_queue(&irq_reply_work);
	/* Busy-waits: the thread must not sleep, which would flush. */
	irq_work_sync(&irq_reply_work);
	return 0;
}

/* One batch (a, b); b's command replies to x from an interrupt. */
static void held_irq_round(struct kunit *test, lwkt_port_t port)
{
	struct held_batch *hb = held_batch_new(test);
	struct held *a = &hb->a, *b = &hb->b;
	struct lwkt_port *rport = &hb->rport;
	struct lwkt_port *xport = &hb->xport;
	struct lwkt_msg *x = &hb->x;

	/* x: received by this test, replied to from the interrupt. */
	lwkt_initport_spin(xport);
	lwkt_initmsg(x, rport, 0);
	KUNIT_ASSERT_EQ(test, lwkt_sendmsg(xport, x), 0);
	irq_reply_msg = lwkt_waitport(xport, 0);
	KUNIT_ASSERT_PTR_EQ(test, irq_reply_msg, x);

	held_gate(test, port, hb, rport);
	b->msg.ms_cmd.cm_func = irq_reply_cmd;
	irq_reply_held = &a->msg;
	lwkt_sendmsg(port, &a->msg);
	lwkt_sendmsg(port, &b->msg);
	complete(&hb->open);
	/* All four come back, whatever the order. */
	KUNIT_EXPECT_NOT_NULL(test, lwkt_waitport(rport, 0));
	KUNIT_EXPECT_NOT_NULL(test, lwkt_waitport(rport, 0));
	KUNIT_EXPECT_NOT_NULL(test, lwkt_waitport(rport, 0));
	KUNIT_EXPECT_NOT_NULL(test, lwkt_waitport(rport, 0));
	KUNIT_EXPECT_EQ(test, x->ms_error, 5);
}

static void msgport_test_cpu_port_held_irq(struct kunit *test)
{
	lwkt_port_t port = lwkt_cpu_port(raw_smp_processor_id());
	int i, judged = 0;

	/* Without the interrupt (UML), irq_work_sync() sleeps, which flushes. */
	if (!arch_irq_work_has_interrupt())
		kunit_skip(test, "needs an irq_work interrupt");
	/* A spinlock_t in hard interrupt context sleeps there. */
	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		kunit_skip(test, "not on PREEMPT_RT");
	KUNIT_ASSERT_NOT_NULL(test, port);
	/*
	 * a may have gone out before the interrupt (the thread flushes when
	 * it is asked for the CPU); judge the rounds where it had not: the
	 * interrupt's reply must have left it held.
	 */
	for (i = 0; i < 10 && judged < 3; i++) {
		held_irq_round(test, port);
		if (!irq_held_before)
			continue;
		judged++;
		KUNIT_EXPECT_TRUE(test, irq_held_after);
	}
	KUNIT_EXPECT_GT(test, judged, 0);
}

/* Two one-shot receivers on a spin reply port, and a batch of two replies. */
struct one_shot {
	lwkt_port_t port;
	lwkt_msg_t got;
	struct completion done;
};

static int one_shot_thread(void *arg)
{
	struct one_shot *o = arg;

	o->got = lwkt_waitport(o->port, 0);
	complete(&o->done);
	while (!kthread_should_stop())
		schedule_timeout_idle(HZ / 100);
	return 0;
}

static void msgport_test_cpu_port_held_receivers(struct kunit *test)
{
	lwkt_port_t port = lwkt_cpu_port(raw_smp_processor_id());
	struct held_batch *hb = held_batch_new(test);
	struct one_shot *o = test_zalloc_array(test, 2, sizeof(*o));
	struct held *a = &hb->a, *b = &hb->b;
	struct lwkt_port *rport = &hb->rport;
	struct task_struct *t[2];
	bool woken[2];
	int i;

	KUNIT_ASSERT_NOT_NULL(test, port);
	held_gate(test, port, hb, &hb->gport);
	for (i = 0; i < 2; i++) {
		o[i].port = rport;
		init_completion(&o[i].done);
		t[i] = test_kthread(test, kthread_run(one_shot_thread, &o[i],
						      "mpk_one/%d", i));
	}
	msleep(100);	/* both asleep on rport */
	lwkt_sendmsg(port, &a->msg);
	lwkt_sendmsg(port, &b->msg);
	complete(&hb->open);
	/* Each queued reply wakes a receiver of its own. */
	for (i = 0; i < 2; i++) {
		woken[i] = wait_for_completion_timeout(&o[i].done, 5 * HZ);
		KUNIT_EXPECT_TRUE(test, woken[i]);
	}
	KUNIT_EXPECT_PTR_EQ(test, lwkt_waitport(&hb->gport, 0), &hb->gate.msg);
	for (i = 0; i < 2; i++) {
		if (!woken[i]) {
			/* Not woken: let it find the message that is left. */
			wake_up_all(&rport->mp_wq);
			wait_for_completion(&o[i].done);
		}
		test_kthread_stop(test, t[i]);
	}
	KUNIT_EXPECT_TRUE(test, (o[0].got == &a->msg && o[1].got == &b->msg) ||
				(o[0].got == &b->msg && o[1].got == &a->msg));
}

static void msgport_test_cpu_port_easync(struct kunit *test)
{
	struct lwkt_port rport;
	struct lwkt_msg msg;
	lwkt_port_t port = lwkt_cpu_port(0);

	KUNIT_ASSERT_NOT_NULL(test, port);
	lwkt_initport_spin(&rport);
	kept_msg = NULL;
	lwkt_initmsg(&msg, &rport, 0);
	msg.ms_cmd.cm_func = svc_keep;
	lwkt_sendmsg(port, &msg);
	while (!READ_ONCE(kept_msg))
		usleep_range(100, 200);
	msleep(20);
	KUNIT_EXPECT_FALSE(test, lwkt_checkmsg(&msg));
	lwkt_replymsg(kept_msg, 11);
	KUNIT_EXPECT_PTR_EQ(test, lwkt_waitport(&rport, 0), &msg);
	KUNIT_EXPECT_EQ(test, msg.ms_error, 11);

	lwkt_initmsg(&msg, NULL, 0);
	msg.ms_cmd.cm_func = svc_loopback;
	KUNIT_EXPECT_EQ(test, lwkt_domsg(port, &msg, 0), 1);

	lwkt_initmsg(&msg, &rport, 0);
	msg.ms_cmd.cm_func = svc_self_async;
	KUNIT_EXPECT_EQ(test, lwkt_domsg(port, &msg, 0), 2);
	KUNIT_EXPECT_PTR_EQ(test, lwkt_waitport(&rport, 0), &self_async.msg);
	KUNIT_EXPECT_EQ(test, self_async.msg.ms_error, 42);
	KUNIT_EXPECT_PTR_EQ(test, self_async.task, port->mp_td);
}

/* Cross-CPU async traffic to every service port, replies collected. */
static void msgport_test_cpu_port_traffic(struct kunit *test)
{
	int n = 256 * num_online_cpus(), i, cpu, got = 0;
	struct lwkt_port *rport = test_zalloc(test, sizeof(*rport));
	struct svc_msg *msgs = svc_msgs_new(test, n);
	int *cpus = test_zalloc_array(test, nr_cpu_ids, sizeof(*cpus));
	lwkt_msg_t m;

	lwkt_initport_spin(rport);
	cpus_read_lock();
	i = 0;
	while (i < n) {
		for_each_online_cpu(cpu) {
			if (i >= n)
				break;
			lwkt_initmsg(&msgs[i].msg, rport, 0);
			msgs[i].msg.ms_cmd.cm_func = svc_where;
			msgs[i].msg.u.ms_result = cpu;
			lwkt_sendmsg(lwkt_cpu_port(cpu), &msgs[i].msg);
			i++;
		}
	}
	/* Not an assertion: it would leave the hotplug lock held. */
	while (got < n) {
		m = lwkt_waitport(rport, 0);
		KUNIT_EXPECT_NOT_NULL(test, m);
		if (!m)
			break;
		got++;
	}
	cpus_read_unlock();
	KUNIT_ASSERT_EQ(test, got, n);
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_EQ(test, msgs[i].msg.ms_error, 42);
		KUNIT_EXPECT_EQ(test, msgs[i].cpu, msgs[i].msg.u.ms_result);
		if (msgs[i].cpu >= 0 && msgs[i].cpu < nr_cpu_ids)
			cpus[msgs[i].cpu]++;
	}
	for_each_online_cpu(cpu)
		KUNIT_EXPECT_GT(test, cpus[cpu], 0);
}

#ifdef CONFIG_HOTPLUG_CPU
/* CPU hotplug: nothing lost or stranded, the thread follows its CPU. */
struct hp_traffic {
	struct lwkt_port rport;
	struct svc_msg *msgs;
	int n;
	int sent;
	struct completion done;
};

static int hp_sender(void *arg)
{
	struct hp_traffic *h = arg;
	int i;

	for (i = 0; i < h->n; i++) {
		lwkt_initmsg(&h->msgs[i].msg, &h->rport, 0);
		h->msgs[i].msg.ms_cmd.cm_func = svc_where;
		lwkt_sendmsg(lwkt_cpu_port(1), &h->msgs[i].msg);
		h->sent++;
		if ((i & 15) == 0)
			usleep_range(50, 100);
	}
	complete(&h->done);
	return 0;
}

/* Teardown: CPU 1 online again, as the cases after this one expect. */
static void cpu1_online(void *unused)
{
	if (!cpu_online(1))
		add_cpu(1);
}

static void msgport_test_cpu_hotplug(struct kunit *test)
{
	struct hp_traffic *h;
	struct task_struct *t;
	struct svc_msg sm;
	int i, got = 0, ret;

	if (num_online_cpus() < 2 || !cpu_online(1))
		kunit_skip(test, "needs CPU 1 and CPU hotplug");
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, cpu1_online,
							NULL), 0);
	h = test_zalloc(test, sizeof(*h));
	h->n = 3000;
	h->msgs = svc_msgs_new(test, h->n);
	lwkt_initport_spin(&h->rport);
	init_completion(&h->done);

	/* Its stop waits for the last send; then every message comes back. */
	t = test_kthread(test, kthread_create_on_cpu(hp_sender, h, 0,
						     "mpk_hp/%u"));
	wake_up_process(t);
	for (i = 0; i < 3; i++) {
		ret = remove_cpu(1);
		KUNIT_ASSERT_EQ(test, ret, 0);
		/* While CPU 1 is down its port is served elsewhere. */
		lwkt_initmsg(&sm.msg, NULL, 0);
		sm.msg.ms_cmd.cm_func = svc_where;
		KUNIT_EXPECT_EQ(test, lwkt_domsg(lwkt_cpu_port(1), &sm.msg, 0), 42);
		KUNIT_EXPECT_NE(test, sm.cpu, 1);
		msleep(20);
		ret = add_cpu(1);
		KUNIT_ASSERT_EQ(test, ret, 0);
		msleep(20);
	}
	KUNIT_EXPECT_TRUE(test, wait_for_completion_timeout(&h->done, 6 * TMO));
	while (got < h->sent) {
		KUNIT_ASSERT_NOT_NULL(test, lwkt_waitport(&h->rport, 0));
		got++;
	}
	KUNIT_EXPECT_EQ(test, got, h->n);
	for (i = 0; i < h->n; i++)
		KUNIT_EXPECT_EQ(test, h->msgs[i].msg.ms_error, 42);

	/* Back on CPU 1 once it is online again. */
	lwkt_initmsg(&sm.msg, NULL, 0);
	sm.msg.ms_cmd.cm_func = svc_where;
	KUNIT_EXPECT_EQ(test, lwkt_domsg(lwkt_cpu_port(1), &sm.msg, 0), 42);
	KUNIT_EXPECT_EQ(test, sm.cpu, 1);
	kunit_info(test, "%d messages across 3 offline/online cycles\n", got);
}
#else
static void msgport_test_cpu_hotplug(struct kunit *test)
{
	kunit_skip(test, "needs CONFIG_HOTPLUG_CPU");
}
#endif

/* ------------------------------------------------------------------
 * Cases added for the gaps mutation testing found (scripts/mutate.sh).
 */

struct owner_waiter {
	struct lwkt_port *port;
	lwkt_msg_t got;
	struct completion done;
};

static int owner_waitport_thread(void *arg)
{
	struct owner_waiter *ow = arg;

	ow->got = lwkt_waitport(ow->port, 0);
	complete(&ow->done);
	while (!kthread_should_stop())
		schedule_timeout_idle(HZ / 100);
	return 0;
}

/*
 * The owner of a thread port sleeps in lwkt_waitport(); another thread
 * replies to a message whose reply port it is: the reply must wake it
 * (a wake-up only on lwkt_sendmsg() to the port is not enough).
 */
static void msgport_test_thread_reply_wakes_waitport(struct kunit *test)
{
	struct owner_waiter *ow = kunit_kzalloc(test, sizeof(*ow), GFP_KERNEL);
	struct lwkt_port port, rport;
	struct lwkt_msg msg;
	struct task_struct *owner;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, ow);
	ow->port = &rport;
	init_completion(&ow->done);
	owner = kthread_create(owner_waitport_thread, ow, "mpk_owner");
	KUNIT_ASSERT_FALSE(test, IS_ERR(owner));
	get_task_struct(owner);
	lwkt_initport_thread(&rport, owner);
	lwkt_initport_spin(&port);

	/* Sent by us, received by us on a spin port: the owner is idle. */
	lwkt_initmsg(&msg, &rport, 0);
	KUNIT_EXPECT_EQ(test, lwkt_sendmsg(&port, &msg), 0);
	KUNIT_EXPECT_PTR_EQ(test, (lwkt_msg_t)lwkt_getport(&port), &msg);

	wake_up_process(owner);
	/* Until it sleeps in lwkt_waitport() (the port says so). */
	for (i = 0; i < 10000; i++) {
		if ((READ_ONCE(rport.mp_flags) & MSGPORTF_WAITING) &&
		    READ_ONCE(owner->__state) != TASK_RUNNING)
			break;
		usleep_range(100, 200);
	}
	KUNIT_EXPECT_TRUE(test, READ_ONCE(rport.mp_flags) & MSGPORTF_WAITING);

	lwkt_replymsg(&msg, -EXDEV);
	KUNIT_EXPECT_GT(test, wait_for_completion_timeout(&ow->done, 2 * HZ), 0UL);
	/* If it was not woken, kthread_stop() does: lwkt_waitport() NULL. */
	kthread_stop(owner);
	put_task_struct(owner);
	KUNIT_EXPECT_PTR_EQ(test, ow->got, &msg);
	KUNIT_EXPECT_EQ(test, msg.ms_error, -EXDEV);
	KUNIT_EXPECT_TRUE(test, msg.ms_flags & MSGF_REPLY);
}

static atomic_t abort_once_calls;

static void abort_count_only(lwkt_msg_t msg)
{
	atomic_inc(&abort_once_calls);
}

/*
 * The abort function runs once per message however often lwkt_abortmsg()
 * is called, and never for a message already done; one CPU is enough:
 * the message sits, received, with a receiver that does not answer yet.
 */
static void msgport_test_abort_once(struct kunit *test)
{
	struct lwkt_port port, rport;
	struct lwkt_msg msg;

	lwkt_initport_spin(&port);
	lwkt_initport_spin(&rport);
	atomic_set(&abort_once_calls, 0);

	/* Received, not replied: not droppable, only abortable. */
	lwkt_initmsg_abortable(&msg, &rport, 0, abort_count_only);
	KUNIT_EXPECT_EQ(test, lwkt_sendmsg(&port, &msg), 0);
	KUNIT_EXPECT_PTR_EQ(test, (lwkt_msg_t)lwkt_getport(&port), &msg);
	lwkt_abortmsg(&msg);
	KUNIT_EXPECT_EQ(test, atomic_read(&abort_once_calls), 1);
	KUNIT_EXPECT_TRUE(test, lwkt_msg_aborted(&msg));
	lwkt_abortmsg(&msg);
	lwkt_abortmsg(&msg);
	KUNIT_EXPECT_EQ(test, atomic_read(&abort_once_calls), 1);
	lwkt_replymsg(&msg, -ECANCELED);
	KUNIT_EXPECT_EQ(test, lwkt_waitmsg(&msg, 0), -ECANCELED);

	/* Replied, then aborted: too late, the function is not called. */
	atomic_set(&abort_once_calls, 0);
	KUNIT_EXPECT_EQ(test, lwkt_sendmsg(&port, &msg), 0);
	KUNIT_EXPECT_PTR_EQ(test, (lwkt_msg_t)lwkt_getport(&port), &msg);
	lwkt_replymsg(&msg, 0);
	lwkt_abortmsg(&msg);
	KUNIT_EXPECT_EQ(test, atomic_read(&abort_once_calls), 0);
	KUNIT_EXPECT_FALSE(test, lwkt_msg_aborted(&msg));
	KUNIT_EXPECT_EQ(test, lwkt_waitmsg(&msg, 0), 0);
}

/*
 * An asynchronous reply to a serializer port is a reply like any other:
 * done, MSGF_REPLY, queued there for lwkt_getport() (the serializer test
 * only looked at ms_error).
 */
static void msgport_test_serialize_reply_flags(struct kunit *test)
{
	struct lwkt_serialize rslz;
	struct lwkt_port port, rport;
	struct lwkt_msg msg;

	lwkt_serialize_init(&rslz);
	lwkt_initport_serialize(&rport, &rslz);
	lwkt_initport_spin(&port);
	lwkt_initmsg(&msg, &rport, MSGF_DROPABLE);
	KUNIT_EXPECT_EQ(test, lwkt_sendmsg(&port, &msg), 0);
	KUNIT_EXPECT_PTR_EQ(test, (lwkt_msg_t)lwkt_getport(&port), &msg);
	lwkt_replymsg(&msg, -EXDEV);
	KUNIT_EXPECT_TRUE(test, lwkt_checkmsg(&msg));
	KUNIT_EXPECT_TRUE(test, msg.ms_flags & MSGF_REPLY);
	/* A reply is not a message in flight: nothing to drop. */
	KUNIT_EXPECT_EQ(test, lwkt_dropmsg(&msg), -ENOENT);
	lwkt_serialize_enter(&rslz);
	KUNIT_EXPECT_PTR_EQ(test, (lwkt_msg_t)lwkt_getport(&rport), &msg);
	lwkt_serialize_exit(&rslz);
	KUNIT_EXPECT_EQ(test, msg.ms_error, -EXDEV);
	KUNIT_EXPECT_FALSE(test, msg.ms_flags & MSGF_QUEUED);
}

/*
 * Held-back replies of one batch to different reply ports: each goes to
 * its own port (the held-replies tests used a single reply port).  Waited
 * for with lwkt_waitmsg(), which returns even if the reply went astray.
 */
static void msgport_test_cpu_port_held_two_rports(struct kunit *test)
{
	lwkt_port_t port = lwkt_cpu_port(raw_smp_processor_id());
	struct held_batch *hb = held_batch_new(test);
	struct held *a = &hb->a, *b = &hb->b, *c = &hb->c;
	struct lwkt_port *r1 = &hb->rport, *r2 = &hb->gport;

	KUNIT_ASSERT_NOT_NULL(test, port);
	held_gate(test, port, hb, r1);
	/* One batch: a to r1, b to r2, c to r1. */
	held_init(a, r1);
	held_init(b, r2);
	held_init(c, r1);
	lwkt_sendmsg(port, &a->msg);
	lwkt_sendmsg(port, &b->msg);
	lwkt_sendmsg(port, &c->msg);
	complete(&hb->open);
	KUNIT_EXPECT_EQ(test, lwkt_waitmsg(&hb->gate.msg, 0), 0);
	KUNIT_EXPECT_EQ(test, lwkt_waitmsg(&a->msg, 0), 0);
	KUNIT_EXPECT_EQ(test, lwkt_waitmsg(&b->msg, 0), 0);
	KUNIT_EXPECT_EQ(test, lwkt_waitmsg(&c->msg, 0), 0);
	/* Each was taken off its own reply port: nothing left anywhere. */
	KUNIT_EXPECT_FALSE(test, b->msg.ms_flags & MSGF_QUEUED);
	KUNIT_EXPECT_NULL(test, lwkt_getport(r1));
	KUNIT_EXPECT_NULL(test, lwkt_getport(r2));
}

/* ------------------------------------------------------------------
 * DragonFly patterns: drops from the owning thread, priority messages,
 * send-if-idle, barriers, bounded held-back replies, hotplug, contexts.
 */

static atomic_t behind_runs;
static int behind_drop_ret;

/* hb->a's command drops hb->b, queued behind it on the same port. */
static int drop_behind_cmd(lwkt_msg_t msg)
{
	struct held *a = container_of(msg, struct held, msg);
	struct held_batch *hb = container_of(a, struct held_batch, a);

	behind_drop_ret = lwkt_dropmsg(&hb->b.msg);
	return 0;
}

static int count_behind_cmd(lwkt_msg_t msg)
{
	atomic_inc(&behind_runs);
	return 0;
}

/*
 * netisr's users (tcp_destroy_timermsg, carp, ipfw) drop a message from
 * the thread that owns its port and then free it: a message queued
 * behind the running command must still be droppable.
 */
static void msgport_test_cpu_port_drop_behind(struct kunit *test)
{
	lwkt_port_t port = lwkt_cpu_port(raw_smp_processor_id());
	struct held_batch *hb = held_batch_new(test);
	struct held *a = &hb->a, *b = &hb->b;
	struct lwkt_port *rport = &hb->rport;

	KUNIT_ASSERT_NOT_NULL(test, port);
	atomic_set(&behind_runs, 0);
	behind_drop_ret = 1;
	held_gate(test, port, hb, rport);
	a->msg.ms_cmd.cm_func = drop_behind_cmd;
	lwkt_initmsg(&b->msg, rport, MSGF_DROPABLE);
	b->msg.ms_cmd.cm_func = count_behind_cmd;
	KUNIT_ASSERT_EQ(test, lwkt_sendmsg(port, &a->msg), 0);
	KUNIT_ASSERT_EQ(test, lwkt_sendmsg(port, &b->msg), 0);
	complete(&hb->open);
	KUNIT_EXPECT_PTR_EQ(test, lwkt_waitport(rport, 0), &hb->gate.msg);
	KUNIT_EXPECT_PTR_EQ(test, lwkt_waitport(rport, 0), &a->msg);
	KUNIT_EXPECT_EQ(test, behind_drop_ret, 0);
	KUNIT_EXPECT_TRUE(test, lwkt_checkmsg(&b->msg));
	KUNIT_EXPECT_EQ(test, b->msg.ms_error, -ECANCELED);
	/* Nothing else comes back, and b never ran. */
	KUNIT_EXPECT_EQ(test, lwkt_port_sync(port), 0);
	KUNIT_EXPECT_NULL(test, lwkt_getport(rport));
	KUNIT_EXPECT_EQ(test, atomic_read(&behind_runs), 0);
}

static int busy_2ms_cmd(lwkt_msg_t msg)
{
	mdelay(2);
	return 0;
}

#define HOLD_N	32

/* The first command (by index, in cpu) that finds the first reply out. */
static lwkt_msg_t held_bound_first;
static int held_bound_at;

static int held_bound_cmd(lwkt_msg_t msg)
{
	struct svc_msg *sm = container_of(msg, struct svc_msg, msg);

	if (held_bound_at < 0 && lwkt_checkmsg(held_bound_first))
		held_bound_at = sm->cpu;
	return busy_2ms_cmd(msg);
}

/*
 * A trivial command followed by 31 of 2 ms each: the trivial one's reply
 * is held back for one of them (it is out when the next one starts), not
 * for all 31 (62 ms).
 */
static void msgport_test_cpu_port_held_bound(struct kunit *test)
{
	lwkt_port_t port = lwkt_cpu_port(raw_smp_processor_id());
	struct lwkt_port *rport = test_zalloc(test, sizeof(*rport));
	struct svc_msg *m = svc_msgs_new(test, HOLD_N);
	struct held_batch *hb = held_batch_new(test);
	ktime_t t0;
	s64 ms;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, port);
	lwkt_initport_spin(rport);
	held_gate(test, port, hb, &hb->gport);
	held_bound_first = &m[0].msg;
	held_bound_at = -1;
	for (i = 0; i < HOLD_N; i++) {
		lwkt_initmsg(&m[i].msg, rport, 0);
		m[i].msg.ms_cmd.cm_func = i ? held_bound_cmd : svc_where;
		m[i].cpu = i;
		KUNIT_ASSERT_EQ(test, lwkt_sendmsg(port, &m[i].msg), 0);
	}
	t0 = ktime_get();
	complete(&hb->open);
	KUNIT_EXPECT_PTR_EQ(test, lwkt_waitport(rport, 0), &m[0].msg);
	ms = ktime_ms_delta(ktime_get(), t0);
	for (i = 1; i < HOLD_N; i++)
		KUNIT_EXPECT_PTR_EQ(test, lwkt_waitport(rport, 0), &m[i].msg);
	/* Out once the first 2 ms command has returned. */
	KUNIT_EXPECT_GE(test, held_bound_at, 1);
	KUNIT_EXPECT_LE(test, held_bound_at, 2);
	kunit_info(test, "first reply out before command %d, seen after %lld ms\n",
		   held_bound_at, ms);
}

static lwkt_msg_t prio_ran[3];
static int prio_n;

static int prio_cmd(lwkt_msg_t msg)
{
	if (prio_n < ARRAY_SIZE(prio_ran))
		prio_ran[prio_n++] = msg;
	return 0;
}

/* MSGF_PRIORITY: ahead of the others, in order among themselves. */
static void msgport_test_priority(struct kunit *test)
{
	lwkt_port_t sport = lwkt_cpu_port(raw_smp_processor_id());
	struct held_batch *hb = held_batch_new(test);
	struct lwkt_port *port = &hb->xport, *rport = &hb->rport;
	struct lwkt_msg m[4];
	int i;

	lwkt_initport_spin(port);
	for (i = 0; i < 4; i++) {
		lwkt_initmsg(&m[i], rport, (i & 1) ? MSGF_PRIORITY : 0);
		KUNIT_EXPECT_EQ(test, lwkt_sendmsg(port, &m[i]), 0);
	}
	KUNIT_EXPECT_PTR_EQ(test, lwkt_getport(port), &m[1]);
	KUNIT_EXPECT_PTR_EQ(test, lwkt_getport(port), &m[3]);
	KUNIT_EXPECT_PTR_EQ(test, lwkt_getport(port), &m[0]);
	KUNIT_EXPECT_PTR_EQ(test, lwkt_getport(port), &m[2]);
	KUNIT_EXPECT_NULL(test, lwkt_getport(port));
	/* The flag stays on the message, for its reply too. */
	for (i = 0; i < 4; i++)
		lwkt_replymsg(&m[i], 0);
	KUNIT_EXPECT_PTR_EQ(test, lwkt_getport(rport), &m[1]);
	KUNIT_EXPECT_PTR_EQ(test, lwkt_getport(rport), &m[3]);
	KUNIT_EXPECT_PTR_EQ(test, lwkt_getport(rport), &m[0]);
	KUNIT_EXPECT_PTR_EQ(test, lwkt_getport(rport), &m[2]);

	/* A service port runs it before the normal ones queued earlier. */
	KUNIT_ASSERT_NOT_NULL(test, sport);
	held_gate(test, sport, hb, rport);
	lwkt_initmsg(&hb->c.msg, rport, MSGF_PRIORITY);
	hb->a.msg.ms_cmd.cm_func = prio_cmd;
	hb->b.msg.ms_cmd.cm_func = prio_cmd;
	hb->c.msg.ms_cmd.cm_func = prio_cmd;
	prio_n = 0;
	lwkt_sendmsg(sport, &hb->a.msg);
	lwkt_sendmsg(sport, &hb->b.msg);
	lwkt_sendmsg(sport, &hb->c.msg);
	complete(&hb->open);
	KUNIT_EXPECT_EQ(test, lwkt_port_sync(sport), 0);
	KUNIT_ASSERT_EQ(test, prio_n, 3);
	KUNIT_EXPECT_PTR_EQ(test, prio_ran[0], &hb->c.msg);
	KUNIT_EXPECT_PTR_EQ(test, prio_ran[1], &hb->a.msg);
	KUNIT_EXPECT_PTR_EQ(test, prio_ran[2], &hb->b.msg);
}

/* lwkt_sendmsg_idle(): sends a message that is back, and only then. */
static void msgport_test_sendmsg_idle(struct kunit *test)
{
	struct lwkt_port port, rport, nport;
	struct lwkt_msg msg;

	lwkt_initport_spin(&port);
	lwkt_initport_spin(&rport);
	lwkt_initport_replyonly_null(&nport);

	lwkt_initmsg(&msg, NULL, 0);
	KUNIT_EXPECT_EQ(test, lwkt_sendmsg_idle(&port, &msg), -EINVAL);
	lwkt_initmsg(&msg, &rport, 0);
	KUNIT_EXPECT_EQ(test, lwkt_sendmsg_idle(&port, &msg), 0);
	/* In flight: refused, without a warning; still queued once. */
	KUNIT_EXPECT_EQ(test, lwkt_sendmsg_idle(&port, &msg), -EBUSY);
	KUNIT_EXPECT_TRUE(test, list_is_singular(&port.mp_msgq));
	lwkt_replymsg(lwkt_getport(&port), 7);
	/* Back, but its reply still queued: not idle yet. */
	KUNIT_EXPECT_EQ(test, lwkt_sendmsg_idle(&port, &msg), -EBUSY);
	KUNIT_EXPECT_PTR_EQ(test, lwkt_getport(&rport), &msg);
	KUNIT_EXPECT_EQ(test, msg.ms_error, 7);
	KUNIT_EXPECT_EQ(test, lwkt_sendmsg_idle(&port, &msg), 0);
	KUNIT_EXPECT_FALSE(test, msg.ms_flags & (MSGF_DONE | MSGF_REPLY));
	KUNIT_EXPECT_PTR_EQ(test, lwkt_getport(&port), &msg);
	lwkt_replymsg(&msg, 0);
	KUNIT_EXPECT_PTR_EQ(test, lwkt_getport(&rport), &msg);

	/* The embedded-message idiom: a reply port that just marks it done. */
	lwkt_initmsg(&msg, &nport, 0);
	KUNIT_EXPECT_EQ(test, lwkt_sendmsg_idle(&port, &msg), 0);
	KUNIT_EXPECT_EQ(test, lwkt_sendmsg_idle(&port, &msg), -EBUSY);
	lwkt_replymsg(lwkt_getport(&port), 0);
	KUNIT_EXPECT_EQ(test, lwkt_sendmsg_idle(&port, &msg), 0);
	lwkt_replymsg(lwkt_getport(&port), 0);
	KUNIT_EXPECT_NULL(test, lwkt_getport(&port));
}

/*
 * Two CPUs race to send the same embedded message whenever it is idle.
 * The target completes it in the sender's context, so it is idle almost
 * all the time and both CPUs claim it over and over; its owner, between
 * the claim and the completion, must be one CPU at a time.
 */
struct idle_race {
	struct lwkt_port port, rport;
	struct lwkt_msg msg;
	atomic_t sent, busy, runs, done, inside, overlap;
	struct completion go;
};

#define IDLE_ROUNDS	20000

static int idle_race_put(lwkt_port_t port, lwkt_msg_t msg)
{
	struct idle_race *r = container_of(msg, struct idle_race, msg);

	if (atomic_inc_return(&r->inside) != 1)
		atomic_inc(&r->overlap);
	atomic_inc(&r->runs);
	ndelay(200);
	atomic_dec(&r->inside);
	return 0;	/* completed here: replied to the replyonly_null port */
}

static int idle_race_thread(void *arg)
{
	struct idle_race *r = arg;
	int i;

	wait_for_completion(&r->go);
	for (i = 0; i < IDLE_ROUNDS; i++) {
		switch (lwkt_sendmsg_idle(&r->port, &r->msg)) {
		case 0:
			atomic_inc(&r->sent);
			break;
		case -EBUSY:
			atomic_inc(&r->busy);
			break;
		}
		if ((i & 7) == 0)
			cond_resched();
	}
	atomic_inc(&r->done);
	while (!kthread_should_stop())
		schedule_timeout_idle(HZ / 100);
	return 0;
}

static void idle_race_release(void *arg)
{
	struct idle_race *r = arg;

	complete_all(&r->go);
	while (!lwkt_checkmsg(&r->msg))
		usleep_range(1000, 2000);
}

static void msgport_test_sendmsg_idle_race(struct kunit *test)
{
	struct idle_race *r = test_zalloc(test, sizeof(*r));
	struct task_struct *t[2];
	int i;

	if (num_online_cpus() < 2 || !cpu_online(1))
		kunit_skip(test, "needs two CPUs");
	lwkt_initport_putonly(&r->port, idle_race_put);
	lwkt_initport_replyonly_null(&r->rport);
	lwkt_initmsg(&r->msg, &r->rport, 0);
	init_completion(&r->go);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, idle_race_release,
							r), 0);
	for (i = 0; i < 2; i++) {
		t[i] = test_kthread(test, kthread_create_on_cpu(idle_race_thread,
								r, i, "mpk_idle/%u"));
		wake_up_process(t[i]);
	}
	complete_all(&r->go);
	while (atomic_read(&r->done) < 2)
		msleep(20);
	KUNIT_EXPECT_TRUE(test, lwkt_checkmsg(&r->msg));
	/* One owner at a time, and each send ran exactly once. */
	KUNIT_EXPECT_EQ(test, atomic_read(&r->overlap), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&r->sent), atomic_read(&r->runs));
	/* Every attempt sent it or found it busy. */
	KUNIT_EXPECT_EQ(test, atomic_read(&r->sent) + atomic_read(&r->busy),
			2 * IDLE_ROUNDS);
	KUNIT_EXPECT_GT(test, atomic_read(&r->sent), 0);
	kunit_info(test, "%d sends, %d found it busy, of %d attempts\n",
		   atomic_read(&r->sent), atomic_read(&r->busy),
		   2 * IDLE_ROUNDS);
}

static int sync_self_cmd(lwkt_msg_t msg)
{
	return lwkt_port_sync(lwkt_cpu_port(raw_smp_processor_id()));
}

/* The barrier: every message sent before it has been run and replied. */
static void msgport_test_port_sync(struct kunit *test)
{
	struct lwkt_port *rport = test_zalloc(test, sizeof(*rport));
	int n = 8 * num_possible_cpus();
	struct svc_msg *m = svc_msgs_new(test, n);
	struct lwkt_port spin;
	struct svc_msg sm;
	int cpu, i, k;

	lwkt_initport_spin(rport);
	lwkt_initport_spin(&spin);
	KUNIT_EXPECT_EQ(test, lwkt_port_sync(&spin), -EINVAL);
	KUNIT_EXPECT_EQ(test, lwkt_port_sync(NULL), -EINVAL);

	/* One port. */
	cpu = raw_smp_processor_id();
	for (i = 0; i < 8; i++) {
		lwkt_initmsg(&m[i].msg, rport, 0);
		m[i].msg.ms_cmd.cm_func = busy_2ms_cmd;
		KUNIT_ASSERT_EQ(test, lwkt_sendmsg(lwkt_cpu_port(cpu),
						   &m[i].msg), 0);
	}
	KUNIT_EXPECT_EQ(test, lwkt_port_sync(lwkt_cpu_port(cpu)), 0);
	for (i = 0; i < 8; i++)
		KUNIT_EXPECT_TRUE(test, lwkt_checkmsg(&m[i].msg));
	/* Replies queued, in order: take them off before the next round. */
	for (i = 0; i < 8; i++)
		KUNIT_ASSERT_PTR_EQ(test, lwkt_getport(rport), &m[i].msg);

	/* All of them. */
	i = 0;
	for_each_possible_cpu(cpu) {
		if (!lwkt_cpu_port(cpu))
			continue;
		for (k = 0; k < 8 && i < n; k++, i++) {
			lwkt_initmsg(&m[i].msg, rport, 0);
			m[i].msg.ms_cmd.cm_func = busy_2ms_cmd;
			KUNIT_ASSERT_EQ(test, lwkt_sendmsg(lwkt_cpu_port(cpu),
							   &m[i].msg), 0);
		}
	}
	KUNIT_EXPECT_EQ(test, lwkt_cpu_ports_sync(), 0);
	for (k = i; k--; )
		KUNIT_EXPECT_TRUE(test, lwkt_checkmsg(&m[k].msg));
	while (i--)
		KUNIT_EXPECT_NOT_NULL(test, lwkt_getport(rport));
	KUNIT_EXPECT_NULL(test, lwkt_getport(rport));

	/* Its own thread would wait for itself. */
	lwkt_initmsg(&sm.msg, NULL, 0);
	sm.msg.ms_cmd.cm_func = sync_self_cmd;
	expect_warning("lwkt_port_sync() by the thread");
	KUNIT_EXPECT_EQ(test, lwkt_domsg(lwkt_cpu_port(0), &sm.msg, 0),
			-EDEADLK);
}

static void null_rportfn(lwkt_port_t port, lwkt_msg_t msg)
{
}

/* Misuse that used to hang or oops later is refused at the call. */
static void msgport_test_misuse_refused(struct kunit *test)
{
	struct pcatch_waiter *w = test_zalloc(test, sizeof(*w));
	struct lwkt_port port, rport;
	struct lwkt_msg msg;
	struct task_struct *t;

	expect_warning("without a thread");
	KUNIT_EXPECT_EQ(test, lwkt_initport_thread(&port, NULL), -EINVAL);
	/* A panic port, not a thread port with no thread to dereference. */
	expect_warning("receive from port");
	KUNIT_EXPECT_NULL(test, lwkt_getport(&port));

	expect_warning("without a handler");
	KUNIT_EXPECT_EQ(test, lwkt_initport_replyonly(&rport, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, lwkt_initport_replyonly(&rport, null_rportfn), 0);
	KUNIT_EXPECT_EQ(test, lwkt_initport_thread(&port, current), 0);
	expect_warning("without a handler");
	KUNIT_EXPECT_EQ(test, lwkt_initport_replyonly(&rport, NULL), -EINVAL);
	lwkt_initport_spin(&port);
	lwkt_initmsg(&msg, &rport, 0);
	KUNIT_EXPECT_EQ(test, lwkt_sendmsg(&port, &msg), 0);
	/* Its reply goes to a panic handler: marked done, no call through NULL. */
	expect_warning("which takes none");
	lwkt_replymsg(lwkt_getport(&port), 0);
	KUNIT_EXPECT_TRUE(test, lwkt_checkmsg(&msg));

	/* A service port is not a reply port: its thread would run the reply. */
	KUNIT_ASSERT_NOT_NULL(test, lwkt_cpu_port(0));
	lwkt_initmsg(&msg, lwkt_cpu_port(0), 0);
	expect_warning("takes no replies");
	KUNIT_EXPECT_EQ(test, lwkt_sendmsg(&port, &msg), -EINVAL);
	KUNIT_EXPECT_EQ(test, lwkt_sendmsg_idle(&port, &msg), -EINVAL);
	KUNIT_EXPECT_NULL(test, lwkt_getport(&port));

	/* Only the lwkt_domsg() caller is woken by its reply. */
	lwkt_initport_spin(&w->port);
	lwkt_initmsg(&w->msg, NULL, 0);
	t = pcatch_start(test, w);
	expect_warning("another task sent with lwkt_domsg()");
	KUNIT_EXPECT_EQ(test, lwkt_waitmsg(&w->msg, 0), -EPERM);
	lwkt_replymsg(lwkt_getport(&w->port), 6);
	KUNIT_EXPECT_TRUE(test, wait_for_completion_timeout(&w->done, TMO));
	KUNIT_EXPECT_EQ(test, w->ret, 6);
	pcatch_end(test, w, t);
}

/* A sender in hard interrupt context (not on PREEMPT_RT, see msgport.rst). */
struct hardirq_send {
	struct lwkt_port rport, spin;
	struct svc_msg sm;
	struct lwkt_msg m2;
	int ret, ret2;
	struct irq_work work;
};

static void hardirq_send_fn(struct irq_work *work)
{
	struct hardirq_send *h = container_of(work, struct hardirq_send, work);

	lockdep_assert_in_irq();
	h->ret = lwkt_sendmsg(lwkt_cpu_port(smp_processor_id()), &h->sm.msg);
	h->ret2 = lwkt_sendmsg_idle(&h->spin, &h->m2);
}

static void hardirq_send_release(void *arg)
{
	struct hardirq_send *h = arg;

	irq_work_sync(&h->work);
	while (!lwkt_checkmsg(&h->sm.msg))
		usleep_range(1000, 2000);
}

static void msgport_test_hardirq_sender(struct kunit *test)
{
	struct hardirq_send *h = test_zalloc(test, sizeof(*h));

	if (!arch_irq_work_has_interrupt())
		kunit_skip(test, "needs an irq_work interrupt");
	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		kunit_skip(test, "no hard-irq senders on PREEMPT_RT");
	lwkt_initport_spin(&h->rport);
	lwkt_initport_spin(&h->spin);
	lwkt_initmsg(&h->sm.msg, &h->rport, 0);
	h->sm.msg.ms_cmd.cm_func = svc_where;
	lwkt_initmsg(&h->m2, &h->rport, 0);
	h->ret = h->ret2 = 1;
	h->work = IRQ_WORK_INIT_HARD(hardirq_send_fn);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							hardirq_send_release,
							h), 0);
	KUNIT_ASSERT_TRUE(test, irq_work_queue(&h->work));
	irq_work_sync(&h->work);
	KUNIT_EXPECT_EQ(test, h->ret, 0);
	KUNIT_EXPECT_EQ(test, h->ret2, 0);
	KUNIT_EXPECT_PTR_EQ(test, lwkt_waitport(&h->rport, 0), &h->sm.msg);
	KUNIT_EXPECT_EQ(test, h->sm.msg.ms_error, 42);
	KUNIT_EXPECT_PTR_EQ(test, lwkt_getport(&h->spin), &h->m2);
	lwkt_replymsg(&h->m2, 0);
	KUNIT_EXPECT_PTR_EQ(test, lwkt_waitport(&h->rport, 0), &h->m2);
}

#ifdef CONFIG_HOTPLUG_CPU
static int hp_pin_cpu;
static enum cpuhp_state hp_pin_state;

/* A client's teardown callback: its command must run on the dying CPU. */
static int hp_pin_down(unsigned int cpu)
{
	struct svc_msg sm;

	if (cpu != 1)
		return 0;
	lwkt_initmsg(&sm.msg, NULL, 0);
	sm.msg.ms_cmd.cm_func = svc_where;
	sm.cpu = -1;
	if (lwkt_domsg(lwkt_cpu_port(1), &sm.msg, 0) == 42)
		WRITE_ONCE(hp_pin_cpu, sm.cpu);
	return 0;
}

static void hp_pin_remove(void *unused)
{
	cpuhp_remove_state_nocalls(hp_pin_state);
}

static void msgport_test_cpu_hotplug_teardown(struct kunit *test)
{
	struct svc_msg sm;
	int ret;

	if (num_online_cpus() < 2 || !cpu_online(1))
		kunit_skip(test, "needs CPU 1 and CPU hotplug");
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, cpu1_online,
							NULL), 0);
	ret = cpuhp_setup_state_nocalls(CPUHP_AP_ONLINE_DYN, "msgport-kunit:pin",
					NULL, hp_pin_down);
	KUNIT_ASSERT_GT(test, ret, 0);
	hp_pin_state = ret;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, hp_pin_remove,
							NULL), 0);
	hp_pin_cpu = -1;
	KUNIT_ASSERT_EQ(test, remove_cpu(1), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(hp_pin_cpu), 1);
	/* Then served elsewhere while down, and on CPU 1 again once up. */
	lwkt_initmsg(&sm.msg, NULL, 0);
	sm.msg.ms_cmd.cm_func = svc_where;
	KUNIT_EXPECT_EQ(test, lwkt_domsg(lwkt_cpu_port(1), &sm.msg, 0), 42);
	KUNIT_EXPECT_NE(test, sm.cpu, 1);
	KUNIT_ASSERT_EQ(test, add_cpu(1), 0);
	lwkt_initmsg(&sm.msg, NULL, 0);
	sm.msg.ms_cmd.cm_func = svc_where;
	KUNIT_EXPECT_EQ(test, lwkt_domsg(lwkt_cpu_port(1), &sm.msg, 0), 42);
	KUNIT_EXPECT_EQ(test, sm.cpu, 1);
}
#else
static void msgport_test_cpu_hotplug_teardown(struct kunit *test)
{
	kunit_skip(test, "needs CONFIG_HOTPLUG_CPU");
}
#endif

/* Private service threads: a client's own, per CPU or unbound. */
struct private_set {
	struct lwkt_service_set *set;
	atomic_t rollups;
	struct completion open, entered;
	struct lwkt_port nport;
	struct held gate;
};

static void private_rollup(void *arg)
{
	struct private_set *ps = arg;

	atomic_inc(&ps->rollups);
}

static int private_gate_cmd(lwkt_msg_t msg)
{
	struct private_set *ps = container_of(msg, struct private_set, gate.msg);

	complete(&ps->entered);
	wait_for_completion(&ps->open);
	return 0;
}

static void private_set_release(void *arg)
{
	struct private_set *ps = arg;

	complete_all(&ps->open);
	lwkt_service_destroy(ps->set);
}

static void msgport_test_private_set(struct kunit *test)
{
	struct private_set *ps = test_zalloc(test, sizeof(*ps));
	struct lwkt_service_set *set;
	lwkt_port_t port;
	struct svc_msg sm;
	int cpu, n = 0;

	KUNIT_EXPECT_TRUE(test, IS_ERR(lwkt_service_create("", 0, NULL, NULL)));
	KUNIT_EXPECT_TRUE(test, IS_ERR(lwkt_service_create("a%s", 0, NULL,
							  NULL)));
	init_completion(&ps->open);
	init_completion(&ps->entered);
	set = lwkt_service_create("mpk_set", 0, private_rollup, ps);
	KUNIT_ASSERT_FALSE(test, IS_ERR(set));
	ps->set = set;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							private_set_release,
							ps), 0);
	cpus_read_lock();
	for_each_online_cpu(cpu) {
		port = lwkt_service_port(set, cpu);
		KUNIT_EXPECT_NOT_NULL(test, port);
		if (!port)
			break;
		KUNIT_EXPECT_PTR_NE(test, port, lwkt_cpu_port(cpu));
		lwkt_initmsg(&sm.msg, NULL, 0);
		sm.msg.ms_cmd.cm_func = svc_where;
		KUNIT_EXPECT_EQ(test, lwkt_domsg(port, &sm.msg, 0), 42);
		KUNIT_EXPECT_EQ(test, sm.cpu, cpu);
		KUNIT_EXPECT_PTR_EQ(test, sm.task, port->mp_td);
		KUNIT_EXPECT_EQ(test, strncmp(sm.task->comm, "mpk_set/", 8), 0);
		n++;
	}
	cpus_read_unlock();
	KUNIT_EXPECT_EQ(test, n, num_online_cpus());
	KUNIT_EXPECT_NULL(test, lwkt_service_port(set, nr_cpu_ids));
	/* A batch ends with the rollup. */
	KUNIT_EXPECT_GT(test, atomic_read(&ps->rollups), 0);

	/* A command asleep in the private set holds up nobody else. */
	port = lwkt_service_port(set, raw_smp_processor_id());
	KUNIT_ASSERT_NOT_NULL(test, port);
	lwkt_initport_replyonly_null(&ps->nport);
	lwkt_initmsg(&ps->gate.msg, &ps->nport, 0);
	ps->gate.msg.ms_cmd.cm_func = private_gate_cmd;
	KUNIT_ASSERT_EQ(test, lwkt_sendmsg(port, &ps->gate.msg), 0);
	wait_for_completion(&ps->entered);
	lwkt_initmsg(&sm.msg, NULL, 0);
	sm.msg.ms_cmd.cm_func = svc_where;
	KUNIT_EXPECT_EQ(test, lwkt_domsg(lwkt_cpu_port(raw_smp_processor_id()),
					 &sm.msg, 0), 42);
	KUNIT_EXPECT_FALSE(test, lwkt_checkmsg(&ps->gate.msg));
	complete_all(&ps->open);
	KUNIT_EXPECT_EQ(test, lwkt_port_sync(port), 0);
	KUNIT_EXPECT_TRUE(test, lwkt_checkmsg(&ps->gate.msg));
	kunit_release_action(test, private_set_release, ps);
}

static int unbound_where(lwkt_msg_t msg)
{
	struct svc_msg *sm = container_of(msg, struct svc_msg, msg);

	sm->task = current;
	return (current->nr_cpus_allowed > 1 || num_online_cpus() == 1) ?
		7 : -EINVAL;
}

static void unbound_release(void *arg)
{
	lwkt_service_destroy(arg);
}

static void msgport_test_private_unbound(struct kunit *test)
{
	struct lwkt_service_set *set;
	struct task_struct *seen[3];
	struct svc_msg sm;
	int i;

	set = lwkt_service_create("mpk_ub", 3, NULL, NULL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(set));
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, unbound_release,
							set), 0);
	for (i = 0; i < 3; i++) {
		lwkt_initmsg(&sm.msg, NULL, 0);
		sm.msg.ms_cmd.cm_func = unbound_where;
		KUNIT_EXPECT_EQ(test, lwkt_domsg(lwkt_service_port(set, i),
						 &sm.msg, 0), 7);
		seen[i] = sm.task;
		KUNIT_EXPECT_EQ(test, strncmp(sm.task->comm, "mpk_ub/u", 8), 0);
		KUNIT_EXPECT_EQ(test, lwkt_port_sync(lwkt_service_port(set, i)),
				0);
	}
	KUNIT_EXPECT_PTR_NE(test, seen[0], seen[1]);
	KUNIT_EXPECT_PTR_NE(test, seen[1], seen[2]);
	KUNIT_EXPECT_PTR_EQ(test, lwkt_service_port(set, 4),
			    lwkt_service_port(set, 1));
	kunit_release_action(test, unbound_release, set);
}

/* ------------------------------------------------------------------
 * Tracepoints: probes attached as a client module would, with the
 * fields each event carries.
 */

static struct {
	int sends, forwards, aborts, drops, replies, batches;
	const void *port, *msg, *cmd, *fport, *rport, *bport;
	u32 flags;
	int drop_ret, error;
	unsigned int batch_n;
} tp;

static void tp_send(void *data, const void *port, const void *msg, u32 flags,
		    const void *cmd)
{
	tp.sends++;
	tp.port = port;
	tp.msg = msg;
	tp.flags = flags;
	tp.cmd = cmd;
}

static void tp_forward(void *data, const void *port, const void *msg)
{
	tp.forwards++;
	tp.fport = port;
}

static void tp_abort(void *data, const void *msg)
{
	tp.aborts++;
}

static void tp_drop(void *data, const void *msg, int ret)
{
	tp.drops++;
	tp.drop_ret = ret;
}

static void tp_reply(void *data, const void *port, const void *msg,
		     int error)
{
	tp.replies++;
	tp.rport = port;
	tp.error = error;
}

static void tp_batch(void *data, const void *port, int cpu, unsigned int n)
{
	if (port != data)
		return;
	tp.batches++;
	tp.batch_n = n;
}

static int tp_cmd(lwkt_msg_t msg)
{
	return -EREMOTEIO;
}

static void tp_unregister(void *data)
{
	unregister_trace_msgport_send(tp_send, NULL);
	unregister_trace_msgport_forward(tp_forward, NULL);
	unregister_trace_msgport_abort(tp_abort, NULL);
	unregister_trace_msgport_drop(tp_drop, NULL);
	unregister_trace_msgport_reply(tp_reply, NULL);
	unregister_trace_msgport_batch(tp_batch, data);
	tracepoint_synchronize_unregister();
}

static void msgport_test_tracepoints(struct kunit *test)
{
	struct lwkt_port port, port2, rport, *cpu_port = lwkt_cpu_port(0);
	struct lwkt_msg msg;
	int i;

	if (!IS_ENABLED(CONFIG_TRACEPOINTS))
		kunit_skip(test, "a kernel without tracepoints");
	memset(&tp, 0, sizeof(tp));
	KUNIT_ASSERT_EQ(test, register_trace_msgport_send(tp_send, NULL), 0);
	KUNIT_ASSERT_EQ(test, register_trace_msgport_forward(tp_forward, NULL), 0);
	KUNIT_ASSERT_EQ(test, register_trace_msgport_abort(tp_abort, NULL), 0);
	KUNIT_ASSERT_EQ(test, register_trace_msgport_drop(tp_drop, NULL), 0);
	KUNIT_ASSERT_EQ(test, register_trace_msgport_reply(tp_reply, NULL), 0);
	KUNIT_ASSERT_EQ(test, register_trace_msgport_batch(tp_batch, cpu_port), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, tp_unregister,
							cpu_port), 0);
	lwkt_initport_spin(&port);
	lwkt_initport_spin(&port2);
	lwkt_initport_spin(&rport);

	/* Send, abort, drop. */
	lwkt_initmsg_abortable(&msg, &rport, MSGF_DROPABLE, noop_abort);
	msg.ms_cmd.cm_func = tp_cmd;
	KUNIT_EXPECT_EQ(test, lwkt_sendmsg(&port, &msg), 0);
	KUNIT_EXPECT_EQ(test, tp.sends, 1);
	KUNIT_EXPECT_PTR_EQ(test, tp.port, (const void *)&port);
	KUNIT_EXPECT_PTR_EQ(test, tp.msg, (const void *)&msg);
	KUNIT_EXPECT_PTR_EQ(test, tp.cmd, (const void *)tp_cmd);
	KUNIT_EXPECT_TRUE(test, tp.flags & MSGF_DROPABLE);
	lwkt_abortmsg(&msg);
	KUNIT_EXPECT_EQ(test, tp.aborts, 1);
	KUNIT_EXPECT_EQ(test, lwkt_dropmsg(&msg), 0);
	KUNIT_EXPECT_EQ(test, tp.drops, 1);
	KUNIT_EXPECT_EQ(test, tp.drop_ret, 0);

	/* Send, receive, forward, receive there, reply. */
	lwkt_initmsg(&msg, &rport, MSGF_DROPABLE);
	KUNIT_EXPECT_EQ(test, lwkt_sendmsg(&port, &msg), 0);
	KUNIT_EXPECT_PTR_EQ(test, (lwkt_msg_t)lwkt_getport(&port), &msg);
	KUNIT_EXPECT_EQ(test, lwkt_forwardmsg(&port2, &msg), EASYNC);
	KUNIT_EXPECT_EQ(test, tp.forwards, 1);
	KUNIT_EXPECT_PTR_EQ(test, tp.fport, (const void *)&port2);
	KUNIT_EXPECT_EQ(test, tp.sends, 3);
	KUNIT_EXPECT_PTR_EQ(test, tp.port, (const void *)&port2);
	KUNIT_EXPECT_PTR_EQ(test, (lwkt_msg_t)lwkt_getport(&port2), &msg);
	lwkt_replymsg(&msg, -EXDEV);
	KUNIT_EXPECT_EQ(test, tp.replies, 1);
	KUNIT_EXPECT_PTR_EQ(test, tp.rport, (const void *)&rport);
	KUNIT_EXPECT_EQ(test, tp.error, -EXDEV);
	KUNIT_EXPECT_EQ(test, lwkt_dropmsg(&msg), -ENOENT);
	KUNIT_EXPECT_EQ(test, tp.drops, 1);	/* not queued: not tried */
	KUNIT_EXPECT_PTR_EQ(test, (lwkt_msg_t)lwkt_getport(&rport), &msg);

	/* A service thread's batch. */
	lwkt_initmsg(&msg, &rport, 0);
	msg.ms_cmd.cm_func = tp_cmd;
	KUNIT_EXPECT_EQ(test, lwkt_domsg(cpu_port, &msg, 0), -EREMOTEIO);
	/* The batch ends once the thread finds its queue empty. */
	for (i = 0; i < 1000 && !READ_ONCE(tp.batches); i++)
		usleep_range(1000, 2000);
	KUNIT_EXPECT_GE(test, tp.batches, 1);
	KUNIT_EXPECT_GE(test, tp.batch_n, 1U);
}

static struct kunit_case msgport_test_cases[] = {
	KUNIT_CASE(msgport_test_initmsg),
	KUNIT_CASE(msgport_test_thread_sendmsg),
	KUNIT_CASE(msgport_test_thread_stop_drains),
	KUNIT_CASE(msgport_test_thread_owner_only),
	KUNIT_CASE(msgport_test_thread_waitmsg_async),
	KUNIT_CASE(msgport_test_domsg_sync_reply),
	KUNIT_CASE(msgport_test_sync_putport),
	KUNIT_CASE(msgport_test_spin_many),
	KUNIT_CASE(msgport_test_spin_cross_cpu),
	KUNIT_CASE(msgport_test_spin_before_sleep),
	KUNIT_CASE(msgport_test_waitport_pcatch),
	KUNIT_CASE(msgport_test_serialize),
	KUNIT_CASE(msgport_test_serialize_abort),
	KUNIT_CASE(msgport_test_serialize_held),
	KUNIT_CASE(msgport_test_serialize_try),
	KUNIT_CASE(msgport_test_forwardmsg),
	KUNIT_CASE(msgport_test_abortmsg),
	KUNIT_CASE(msgport_test_abort_running),
	KUNIT_CASE(msgport_test_domsg_pcatch),
	KUNIT_CASE(msgport_test_dropmsg),
	KUNIT_CASE(msgport_test_drop_race),
	KUNIT_CASE(msgport_test_abort_race),
	KUNIT_CASE(msgport_test_replyonly),
	KUNIT_CASE(msgport_test_replyonly_null),
	KUNIT_CASE(msgport_test_panic_port),
	KUNIT_CASE(msgport_test_misuse),
	KUNIT_CASE(msgport_test_cpu_port),
	KUNIT_CASE(msgport_test_cpu_port_easync),
	KUNIT_CASE(msgport_test_cpu_port_held_replies),
	KUNIT_CASE(msgport_test_cpu_port_held_domsg),
	KUNIT_CASE(msgport_test_cpu_port_held_irq),
	KUNIT_CASE(msgport_test_cpu_port_held_receivers),
	KUNIT_CASE(msgport_test_cpu_port_traffic),
	KUNIT_CASE_SLOW(msgport_test_cpu_hotplug),
	KUNIT_CASE(msgport_test_thread_reply_wakes_waitport),
	KUNIT_CASE(msgport_test_abort_once),
	KUNIT_CASE(msgport_test_tracepoints),
	KUNIT_CASE(msgport_test_serialize_reply_flags),
	KUNIT_CASE(msgport_test_cpu_port_held_two_rports),
	KUNIT_CASE(msgport_test_cpu_port_drop_behind),
	KUNIT_CASE(msgport_test_cpu_port_held_bound),
	KUNIT_CASE(msgport_test_priority),
	KUNIT_CASE(msgport_test_sendmsg_idle),
	KUNIT_CASE(msgport_test_sendmsg_idle_race),
	KUNIT_CASE(msgport_test_port_sync),
	KUNIT_CASE(msgport_test_misuse_refused),
	KUNIT_CASE(msgport_test_hardirq_sender),
	KUNIT_CASE_SLOW(msgport_test_cpu_hotplug_teardown),
	KUNIT_CASE(msgport_test_private_set),
	KUNIT_CASE(msgport_test_private_unbound),
	{}
};

static struct kunit_suite msgport_test_suite = {
	.name = "msgport",
	.test_cases = msgport_test_cases,
};

kunit_test_suites(&msgport_test_suite);

MODULE_DESCRIPTION("KUnit tests for msgport");
MODULE_LICENSE("GPL");
