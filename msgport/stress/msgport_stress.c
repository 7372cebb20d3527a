// SPDX-License-Identifier: GPL-2.0
/*
 * msgport_stress: proves that msgport neither loses nor duplicates a
 * message under concurrency, aborts, drops, CPU hotplug and unload.
 *
 * Targets:
 *  - a spin port served by `consumers` kthreads (lwkt_waitport(), and
 *    lwkt_getport() first for every other one);
 *  - a thread port owned by one consumer kthread;
 *  - msgport's per-CPU service ports (lwkt_cpu_port()), which run the
 *    message's cm_func; one message in eight is forwarded from there to
 *    the spin port (lwkt_forwardmsg()).
 *
 * `producers` kthreads each own `depth` messages and a reply port (a
 * thread port for even producers, a spin port for odd ones).  Each send
 * picks a target, abortable or not, droppable or not; one in 16 is a
 * lwkt_domsg() (half of them with MSGF_PCATCH, interrupted by SIGUSR1s
 * that the controller thread sends), the others lwkt_sendmsg().  In
 * between, a producer calls lwkt_abortmsg() (whose abort function calls
 * lwkt_dropmsg() half of the time) and lwkt_dropmsg() on random messages
 * in flight, and now and then waits for one with lwkt_waitmsg().
 *
 * Every message has exactly one outcome: replied, aborted (replied after
 * its abort function ran) or dropped (lwkt_dropmsg() returned 0).  A state
 * word per message moves IN_FLIGHT -> RECEIVED (receiver) -> DONE (sender,
 * on the reply) or IN_FLIGHT -> DONE (sender, on a drop) with
 * atomic_cmpxchg(); a transition that finds another state is a "dup" (a
 * second delivery or completion) or "bad" (an impossible one, or a reply
 * whose contents do not match the send).  Messages still in flight after
 * the drain are "lost".  The run passes if sent = replied + aborted +
 * dropped, every received message was replied to exactly once, and dup,
 * lost and bad are 0.
 *
 * The run ends after `seconds` (0: at unload) or at rmmod, whichever comes
 * first: producers stop sending and drain their messages, then the
 * consumers stop.  The report goes to the kernel log at the end of a
 * timed run and at unload, ending with
 *
 *   msgport_stress: sent=N replied=N aborted=N dropped=N dup=0 lost=0 bad=0
 *   msgport_stress: PASS
 *
 * and the summary is readable in /sys/module/msgport_stress/parameters/result
 * ("running" until the run ends).
 *
 * If messages are lost, their memory (and the producers' reply ports) is
 * leaked on purpose: a receiver may still hold them.  A producer that
 * sleeps in lwkt_domsg() or lwkt_waitmsg() for a lost message cannot be
 * stopped (neither call has a timeout): after a timed run the module then
 * stays loaded for good, and an rmmod during the run never finishes.
 */
#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/prandom.h>
#include <linux/random.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/smp.h>

#include <msgport/msgport.h>

static unsigned int seconds = 3;
module_param(seconds, uint, 0444);
MODULE_PARM_DESC(seconds, "run time in seconds; 0: until rmmod");
static unsigned int producers = 4;
module_param(producers, uint, 0444);
MODULE_PARM_DESC(producers, "producer kthreads");
static unsigned int consumers = 2;
module_param(consumers, uint, 0444);
MODULE_PARM_DESC(consumers, "consumer kthreads on the spin port");
static unsigned int depth = 32;
module_param(depth, uint, 0444);
MODULE_PARM_DESC(depth, "messages per producer");
static ulong seed;
module_param(seed, ulong, 0444);
MODULE_PARM_DESC(seed, "random seed; 0: pick one (shown here afterwards)");

/* Written under kernel_param_lock(), which sysfs reads of it take. */
static char result[192] = "running";
module_param_string(result, result, sizeof(result), 0444);
MODULE_PARM_DESC(result, "read-only: the summary once the run has ended");

#define STRESS_MAGIC		0x6d707374	/* "mpst" */
#define STRESS_DRAIN_SECS	30
#define STRESS_MAX_THREADS	64

/*
 * A receiver's result meaning "do not reply": EASYNC, which also tells a
 * service thread that its cm_func kept the message.
 */
#define STRESS_NO_REPLY		EASYNC

/* Targets, indexes into stress_pstats[]: T_CPU0 + cpu for CPU ports. */
enum { T_SPIN, T_THREAD, T_CPU0 };

/* stress_msg.state */
enum { ST_DONE, ST_IN_FLIGHT, ST_RECEIVED };

/* Per-producer counters, summed into the report. */
enum stress_count {
	C_SENT, C_REPLIED, C_ABORTED, C_DROPPED, C_DUP, C_LOST, C_BAD,
	C_DOMSG, C_EINTR, C_ABORT_CALLS, C_ABORTFN, C_DROP_CALLS,
	C_DROP_IN_ABORTFN, C_WAITMSG, C_NR
};

static const char *const stress_count_names[C_NR] = {
	"sent", "replied", "aborted", "dropped", "dup", "lost", "bad",
	"domsg", "pcatch_eintr", "abort_calls", "abortfn", "drop_calls",
	"drop_in_abortfn", "waitmsg",
};

struct stress_producer;

/**
 * struct stress_msg - a message and its bookkeeping
 * @base: the message
 * @prod: the producer that owns it
 * @magic: STRESS_MAGIC
 * @seq: sequence number of the current send: producer id << 48 | count
 * @target: the port it is on its way to (T_*); a service port that
 *	forwards it sets T_SPIN
 * @sync: sent with lwkt_domsg()
 * @pcatch: lwkt_domsg() with MSGF_PCATCH
 * @dropable: initialised with MSGF_DROPABLE
 * @hold: the receiver keeps it a little before replying
 * @fwd: a service port forwards it to the spin port
 * @drop_in_abort: the abort function calls lwkt_dropmsg()
 * @state: ST_* (see the file comment)
 * @rx_seq: @seq, copied by the receiver
 * @rx_port: the target the receiver served it on
 * @rx_aborted: the receiver saw lwkt_msg_aborted()
 * @busy: sent and not yet back
 * @abortfn_runs: calls of the abort function in this send
 * @drop_ok: lwkt_dropmsg() returned 0 in this send
 *
 * Locking: @prod and @magic are set at allocation.  @seq, @sync, @pcatch,
 * @dropable, @hold, @fwd and @drop_in_abort are written by the producer
 * before the send and read-only while the message is away.  @target is
 * written by the producer before the send and by the service thread that
 * forwards it, while it holds the message.  @state: atomic_cmpxchg().
 * @rx_*: written by the receiver while it holds the message, read by the
 * producer once it is back (ordered by the reply).  @busy, @abortfn_runs
 * and @drop_ok: the producer thread only (the abort function runs in it).
 */
struct stress_msg {
	struct lwkt_msg base;
	struct stress_producer *prod;
	u32 magic;
	u64 seq;
	int target;
	bool sync, pcatch, dropable, hold, fwd, drop_in_abort;
	atomic_t state;
	u64 rx_seq;
	int rx_port;
	bool rx_aborted;
	bool busy;
	unsigned int abortfn_runs;
	bool drop_ok;
};

/**
 * struct stress_producer - a producer kthread
 * @rport: its reply port, which only it receives from
 * @task: the kthread (a reference is held)
 * @msgs: its @depth messages
 * @id: index
 * @rnd: random state
 * @drained: completed once every message is back (or lost)
 * @waiting: the message it sleeps on in lwkt_domsg() or lwkt_waitmsg(),
 *	or NULL
 * @seq: last sequence number
 * @inflight: messages sent and not back
 * @next: where the search for a free message starts
 * @c: counters (enum stress_count)
 *
 * Locking: @task and @id are set before the thread starts.  @rnd, @seq,
 * @inflight, @next and @c belong to the thread; the controller reads @c
 * after @drained (or kthread_stop()).  @waiting: WRITE_ONCE() by the
 * thread, READ_ONCE() by the controller when a drain times out.
 */
struct stress_producer {
	struct lwkt_port rport;
	struct task_struct *task;
	struct stress_msg *msgs;
	unsigned int id;
	struct rnd_state rnd;
	struct completion drained;
	struct stress_msg *waiting;
	u64 seq;
	unsigned int inflight;
	unsigned int next;
	unsigned long c[C_NR];
};

/**
 * struct stress_port_stats - what happened on one target port
 * @received: messages a receiver took (and will reply to)
 * @dropped: messages dropped from it
 * @forwarded: messages a service port forwarded to the spin port
 * @elsewhere: messages a service port ran on a CPU other than its own
 *	(its CPU was offline)
 *
 * Atomics, updated by any thread.
 */
struct stress_port_stats {
	atomic_long_t received;
	atomic_long_t dropped;
	atomic_long_t forwarded;
	atomic_long_t elsewhere;
};

/*
 * Set up by module init before any thread starts, torn down by module
 * exit after all have stopped.  The ports have their own locks.
 */
static struct lwkt_port stress_spin;		/* target: spin port */
static struct lwkt_port stress_tport;		/* target: thread port */
static struct task_struct *stress_tconsumer;	/* owns stress_tport */
static struct task_struct **stress_consumers;	/* [consumers] */
static struct stress_producer *stress_prods;	/* [producers] */
static struct stress_port_stats *stress_pstats;	/* [stress_nports] */
static int stress_nports;
static struct task_struct *stress_controller;
static ktime_t stress_start;

/* Producers stop sending and drain.  WRITE_ONCE/READ_ONCE. */
static bool stress_stop_flag;

/* Found by receivers. */
static atomic_long_t stress_rx_dup, stress_rx_bad, stress_rx_aborted;

/*
 * Written by stress_stop() in the controller (or module init on failure),
 * read afterwards by stress_report().
 */
static unsigned long stress_total[C_NR];
static unsigned long stress_signals;	/* the controller only */
static unsigned long stress_received;
static s64 stress_run_ms;
static bool stress_pass, stress_leak;

#define stress_bad(p, fmt, ...)						\
	do {								\
		(p)->c[C_BAD]++;					\
		pr_err_ratelimited("bad: " fmt "\n", ##__VA_ARGS__);	\
	} while (0)

#define stress_dup(p, fmt, ...)						\
	do {								\
		(p)->c[C_DUP]++;					\
		pr_err_ratelimited("dup: " fmt "\n", ##__VA_ARGS__);	\
	} while (0)

static bool stress_chance(struct stress_producer *p, u32 n)
{
	return prandom_u32_state(&p->rnd) % n == 0;
}

/* ------------------------------------------------------------------
 * Receivers.
 */

/*
 * A receiver took @msg from target @port.  Returns the reply's result, or
 * STRESS_NO_REPLY if the message must not be replied to (not ours, or not in
 * flight: a second delivery).
 */
static int stress_receive(lwkt_msg_t msg, int port, bool may_sleep)
{
	struct stress_msg *sm = container_of(msg, struct stress_msg, base);
	int old;

	if (sm->magic != STRESS_MAGIC) {
		atomic_long_inc(&stress_rx_bad);
		pr_err_ratelimited("bad: foreign message %p on port %d\n",
				   msg, port);
		return STRESS_NO_REPLY;
	}
	old = atomic_cmpxchg(&sm->state, ST_IN_FLIGHT, ST_RECEIVED);
	if (old != ST_IN_FLIGHT) {
		atomic_long_inc(&stress_rx_dup);
		pr_err_ratelimited("dup: message %llx received on port %d in state %d\n",
				   sm->seq, port, old);
		return STRESS_NO_REPLY;
	}
	if (sm->target != port) {
		atomic_long_inc(&stress_rx_bad);
		pr_err_ratelimited("bad: message %llx for port %d received on port %d\n",
				   sm->seq, sm->target, port);
	}
	atomic_long_inc(&stress_pstats[port].received);
	if (sm->hold) {
		/* Give the sender time to abort it. */
		if (may_sleep)
			usleep_range(20, 100);
		else
			udelay(5);
	}
	sm->rx_seq = sm->seq;
	sm->rx_port = port;
	sm->rx_aborted = lwkt_msg_aborted(msg);
	if (sm->rx_aborted) {
		atomic_long_inc(&stress_rx_aborted);
		return -ECANCELED;
	}
	return 0;
}

/* cm_func: run by msgport's service thread of a CPU. */
static int stress_cmd(lwkt_msg_t msg)
{
	struct stress_msg *sm = container_of(msg, struct stress_msg, base);
	int t = sm->magic == STRESS_MAGIC ? sm->target : -1;

	if (t < T_CPU0 || t >= stress_nports) {
		atomic_long_inc(&stress_rx_bad);
		pr_err_ratelimited("bad: message %p on a service port (target %d)\n",
				   msg, t);
		return STRESS_NO_REPLY;
	}
	if (sm->fwd) {
		atomic_long_inc(&stress_pstats[t].forwarded);
		sm->target = T_SPIN;
		/* Replied to by the spin port's receiver, or at once. */
		lwkt_forwardmsg(&stress_spin, msg);
		return STRESS_NO_REPLY;
	}
	if (raw_smp_processor_id() != t - T_CPU0)
		atomic_long_inc(&stress_pstats[t].elsewhere);
	return stress_receive(msg, t, false);
}

/* Receive from @port until kthread_stop() and an empty queue. */
static void stress_serve(lwkt_port_t port, int t, bool poll_first)
{
	lwkt_msg_t msg;
	int error;

	for (;;) {
		msg = poll_first ? lwkt_getport(port) : NULL;
		if (!msg)
			msg = lwkt_waitport(port, 0);
		if (!msg)
			break;
		error = stress_receive(msg, t, true);
		if (error != STRESS_NO_REPLY)
			lwkt_replymsg(msg, error);
		cond_resched();
	}
}

static int stress_spin_consumer_fn(void *arg)
{
	stress_serve(&stress_spin, T_SPIN, (long)arg & 1);
	return 0;
}

static int stress_thread_consumer_fn(void *arg)
{
	stress_serve(&stress_tport, T_THREAD, true);
	return 0;
}

/* ------------------------------------------------------------------
 * Producers.
 */

/* The message is back with its producer: account for its outcome. */
static void stress_back(struct stress_producer *p, struct stress_msg *sm,
			int ret)
{
	lwkt_msg_t msg = &sm->base;
	int flags = READ_ONCE(msg->ms_flags);
	int old;

	if (!sm->busy) {
		stress_dup(p, "message %llx came back twice", sm->seq);
		return;
	}
	if (!lwkt_checkmsg(msg) || (flags & MSGF_QUEUED))
		stress_bad(p, "message %llx back with flags %#x", sm->seq,
			   flags);
	if (sm->abortfn_runs > 1)
		stress_dup(p, "abort function of %llx ran %u times", sm->seq,
			   sm->abortfn_runs);
	if (sm->drop_ok) {
		old = atomic_cmpxchg(&sm->state, ST_IN_FLIGHT, ST_DONE);
		if (old != ST_IN_FLIGHT)
			stress_dup(p, "dropped message %llx was also received (state %d)",
				   sm->seq, old);
		if ((flags & MSGF_REPLY) || msg->ms_error != -ECANCELED ||
		    !sm->dropable || (sm->sync && ret != -EINTR))
			stress_bad(p, "dropped message %llx: flags %#x error %d ret %d",
				   sm->seq, flags, msg->ms_error, ret);
		p->c[C_DROPPED]++;
		atomic_long_inc(&stress_pstats[sm->target].dropped);
	} else {
		old = atomic_cmpxchg(&sm->state, ST_RECEIVED, ST_DONE);
		if (old == ST_IN_FLIGHT)
			stress_bad(p, "message %llx replied to without a receiver",
				   sm->seq);
		else if (old != ST_RECEIVED)
			stress_dup(p, "message %llx completed twice", sm->seq);
		if (!(flags & MSGF_REPLY) || sm->rx_seq != sm->seq ||
		    msg->ms_error != (sm->rx_aborted ? -ECANCELED : 0) ||
		    (sm->rx_aborted && !sm->abortfn_runs) ||
		    (sm->fwd && sm->rx_port != T_SPIN))
			stress_bad(p, "reply to %llx: flags %#x seq %llx error %d aborted %d/%u port %d",
				   sm->seq, flags, sm->rx_seq, msg->ms_error,
				   sm->rx_aborted, sm->abortfn_runs,
				   sm->rx_port);
		/* Replied: its result, even after a signal (never -EINTR). */
		if (sm->sync && ret != msg->ms_error)
			stress_bad(p, "lwkt_domsg() of %llx returned %d, error %d",
				   sm->seq, ret, msg->ms_error);
		p->c[sm->abortfn_runs ? C_ABORTED : C_REPLIED]++;
	}
	if (sm->sync && ret == -EINTR)
		p->c[C_EINTR]++;
	atomic_set(&sm->state, ST_DONE);
	sm->busy = false;
	p->inflight--;
}

/* A message taken off the producer's reply port. */
static void stress_reply_in(struct stress_producer *p, lwkt_msg_t msg)
{
	struct stress_msg *sm = container_of(msg, struct stress_msg, base);

	if (sm->magic != STRESS_MAGIC || sm->prod != p) {
		stress_bad(p, "foreign message %p on the reply port of producer %u",
			   msg, p->id);
		return;
	}
	if (sm->sync)
		stress_bad(p, "lwkt_domsg() message %llx queued to the reply port",
			   sm->seq);
	stress_back(p, sm, 0);
}

/* Runs in the producer, from lwkt_abortmsg() or a MSGF_PCATCH wait. */
static void stress_abortfn(lwkt_msg_t msg)
{
	struct stress_msg *sm = container_of(msg, struct stress_msg, base);
	struct stress_producer *p = sm->prod;
	int ret;

	if (current != p->task) {
		atomic_long_inc(&stress_rx_bad);
		pr_err_ratelimited("bad: abort function of %llx ran in %s\n",
				   sm->seq, current->comm);
		return;
	}
	p->c[C_ABORTFN]++;
	sm->abortfn_runs++;
	if (!sm->drop_in_abort)
		return;
	ret = lwkt_dropmsg(msg);
	if (!ret) {
		sm->drop_ok = true;
		p->c[C_DROP_IN_ABORTFN]++;
	} else if (ret != (sm->dropable ? -ENOENT : -EINVAL)) {
		stress_bad(p, "lwkt_dropmsg() of %llx in the abort function: %d",
			   sm->seq, ret);
	}
}

static lwkt_port_t stress_pick_target(struct stress_producer *p, int *t)
{
	lwkt_port_t port;

	*t = prandom_u32_state(&p->rnd) % stress_nports;
	if (*t >= T_CPU0) {
		port = lwkt_cpu_port(*t - T_CPU0);
		if (port)
			return port;
		*t = T_SPIN;
	}
	return *t == T_SPIN ? &stress_spin : &stress_tport;
}

static void stress_send(struct stress_producer *p, struct stress_msg *sm)
{
	lwkt_msg_t msg = &sm->base;
	lwkt_port_t port, rport = &p->rport;
	int flags = 0, ret;

	port = stress_pick_target(p, &sm->target);
	sm->sync = stress_chance(p, 16);
	sm->pcatch = sm->sync && stress_chance(p, 2);
	sm->dropable = stress_chance(p, 2);
	sm->hold = stress_chance(p, 16);
	sm->fwd = sm->target >= T_CPU0 && stress_chance(p, 8);
	sm->drop_in_abort = stress_chance(p, 2);
	if (sm->dropable)
		flags |= MSGF_DROPABLE;
	if (sm->sync && stress_chance(p, 2))
		rport = NULL;
	if (stress_chance(p, 2))
		lwkt_initmsg_abortable(msg, rport, flags, stress_abortfn);
	else
		lwkt_initmsg(msg, rport, flags);
	msg->ms_cmd.cm_func = stress_cmd;
	sm->seq = (u64)p->id << 48 | ++p->seq;
	sm->rx_seq = 0;
	sm->rx_port = -1;
	sm->rx_aborted = false;
	sm->abortfn_runs = 0;
	sm->drop_ok = false;
	if (atomic_cmpxchg(&sm->state, ST_DONE, ST_IN_FLIGHT) != ST_DONE)
		stress_bad(p, "message %llx sent while not done", sm->seq);
	sm->busy = true;
	p->inflight++;
	p->c[C_SENT]++;

	if (sm->sync) {
		p->c[C_DOMSG]++;
		WRITE_ONCE(p->waiting, sm);
		ret = lwkt_domsg(port, msg, sm->pcatch ? MSGF_PCATCH : 0);
		WRITE_ONCE(p->waiting, NULL);
		if (sm->pcatch)
			flush_signals(current);
		stress_back(p, sm, ret);
		return;
	}
	ret = lwkt_sendmsg(port, msg);
	if (ret) {
		stress_bad(p, "lwkt_sendmsg() of %llx: %d", sm->seq, ret);
		atomic_set(&sm->state, ST_DONE);
		sm->busy = false;
		p->inflight--;
	}
}

static struct stress_msg *stress_free_msg(struct stress_producer *p)
{
	unsigned int i, n;

	if (p->inflight >= depth)
		return NULL;
	for (i = 0; i < depth; i++) {
		n = (p->next + i) % depth;
		if (!p->msgs[n].busy) {
			p->next = n + 1;
			return &p->msgs[n];
		}
	}
	return NULL;
}

static struct stress_msg *stress_busy_msg(struct stress_producer *p)
{
	struct stress_msg *sm;
	int i;

	for (i = 0; i < 4; i++) {
		sm = &p->msgs[prandom_u32_state(&p->rnd) % depth];
		if (sm->busy)
			return sm;
	}
	return NULL;
}

static void stress_try_abort(struct stress_producer *p)
{
	struct stress_msg *sm = stress_busy_msg(p);

	if (!sm)
		return;
	p->c[C_ABORT_CALLS]++;
	lwkt_abortmsg(&sm->base);
	/* Dropped by the abort function: back, and not on the reply port. */
	if (sm->drop_ok)
		stress_back(p, sm, 0);
}

static void stress_try_drop(struct stress_producer *p)
{
	struct stress_msg *sm = stress_busy_msg(p);
	int ret;

	if (!sm)
		return;
	p->c[C_DROP_CALLS]++;
	ret = lwkt_dropmsg(&sm->base);
	if (!ret) {
		sm->drop_ok = true;
		stress_back(p, sm, 0);
	} else if (ret != (sm->dropable ? -ENOENT : -EINVAL)) {
		stress_bad(p, "lwkt_dropmsg() of %llx: %d", sm->seq, ret);
	}
}

static void stress_try_waitmsg(struct stress_producer *p)
{
	struct stress_msg *sm = stress_busy_msg(p);
	int ret;

	if (!sm)
		return;
	p->c[C_WAITMSG]++;
	WRITE_ONCE(p->waiting, sm);
	ret = lwkt_waitmsg(&sm->base, 0);
	WRITE_ONCE(p->waiting, NULL);
	if (ret != sm->base.ms_error)
		stress_bad(p, "lwkt_waitmsg() of %llx: %d, error %d", sm->seq,
			   ret, sm->base.ms_error);
	stress_back(p, sm, 0);
}

static int stress_producer_fn(void *arg)
{
	struct stress_producer *p = arg;
	struct stress_msg *sm;
	lwkt_msg_t msg;
	unsigned int i;

	/* For MSGF_PCATCH: the controller sends SIGUSR1s. */
	allow_signal(SIGUSR1);
	while (!READ_ONCE(stress_stop_flag)) {
		while ((msg = lwkt_getport(&p->rport)) != NULL)
			stress_reply_in(p, msg);
		switch (prandom_u32_state(&p->rnd) % 32) {
		case 0 ... 3:
			stress_try_abort(p);
			break;
		case 4 ... 7:
			stress_try_drop(p);
			break;
		case 8:
			stress_try_waitmsg(p);
			break;
		}
		sm = stress_free_msg(p);
		if (sm) {
			stress_send(p, sm);
		} else {
			/* NULL: kthread_stop(), only if the drain timed out. */
			msg = lwkt_waitport(&p->rport, 0);
			if (!msg)
				break;
			stress_reply_in(p, msg);
		}
		cond_resched();
	}

	/* Drain: every message comes back by a reply or was dropped. */
	while (p->inflight) {
		msg = lwkt_waitport(&p->rport, 0);
		if (!msg)
			break;
		stress_reply_in(p, msg);
	}
	/* A reply too many would be here now. */
	while ((msg = lwkt_getport(&p->rport)) != NULL)
		stress_reply_in(p, msg);
	for (i = 0; i < depth; i++) {
		sm = &p->msgs[i];
		if (sm->busy) {
			p->c[C_LOST]++;
			pr_err("lost: message %llx to port %d, state %d, flags %#x\n",
			       sm->seq, sm->target, atomic_read(&sm->state),
			       READ_ONCE(sm->base.ms_flags));
		} else if (atomic_read(&sm->state) != ST_DONE) {
			stress_bad(p, "message %llx back in state %d", sm->seq,
				   atomic_read(&sm->state));
		}
	}
	flush_signals(current);
	complete(&p->drained);
	return 0;
}

/* ------------------------------------------------------------------
 * Control: run time, signals, stop, report.
 */

static void stress_set_result(void)
{
	kernel_param_lock(THIS_MODULE);
	scnprintf(result, sizeof(result),
		  "sent=%lu replied=%lu aborted=%lu dropped=%lu dup=%lu lost=%lu bad=%lu %s",
		  stress_total[C_SENT], stress_total[C_REPLIED],
		  stress_total[C_ABORTED], stress_total[C_DROPPED],
		  stress_total[C_DUP], stress_total[C_LOST],
		  stress_total[C_BAD], stress_pass ? "PASS" : "FAIL");
	kernel_param_unlock(THIS_MODULE);
}

static void stress_stop_task(struct task_struct **task)
{
	if (!*task)
		return;
	kthread_stop(*task);
	put_task_struct(*task);
	*task = NULL;
}

/*
 * A producer whose drain timed out.  If it waits in lwkt_waitport(),
 * kthread_stop() ends the wait and the producer counts what is missing.
 * If it sleeps in lwkt_domsg() or lwkt_waitmsg(), which nothing but the
 * message ends, it cannot be stopped: after a timed run, it and the
 * module are left alone (pinned, so rmmod fails) and its messages out are
 * counted lost here; at unload, kthread_stop() waits for ever (a hung
 * task report follows).  Returns true if the producer was stopped.
 */
static bool stress_stop_late(struct stress_producer *p, bool unloading)
{
	struct stress_msg *sm = READ_ONCE(p->waiting);

	pr_err("producer %u: drain timed out, %u messages out\n", p->id,
	       READ_ONCE(p->inflight));
	if (!sm)
		return true;
	pr_err("producer %u: sleeps on message %llx to port %d, state %d, flags %#x\n",
	       p->id, sm->seq, sm->target, atomic_read(&sm->state),
	       READ_ONCE(sm->base.ms_flags));
	if (unloading) {
		pr_err("producer %u: unload waits for it\n", p->id);
		return true;
	}
	__module_get(THIS_MODULE);
	stress_leak = true;
	return false;
}

/*
 * Stop the producers (each drains its messages), then the consumers, and
 * add up.  Called once, by the controller (@unloading: from module exit)
 * or by a failing module init.
 */
static void stress_stop(bool unloading)
{
	unsigned long deadline = jiffies + STRESS_DRAIN_SECS * HZ;
	unsigned long *c = stress_total;
	unsigned int i, k;
	int t;

	WRITE_ONCE(stress_stop_flag, true);
	for (i = 0; i < producers; i++) {
		struct stress_producer *p = &stress_prods[i];
		long left = (long)(deadline - jiffies);

		if (!p->task)
			continue;
		if (!wait_for_completion_timeout(&p->drained, max(left, 1L)) &&
		    !stress_stop_late(p, unloading)) {
			/* Still running: a snapshot, and what is out is lost. */
			for (k = 0; k < C_NR; k++)
				c[k] += READ_ONCE(p->c[k]);
			c[C_LOST] += READ_ONCE(p->inflight);
			continue;
		}
		/* Ends a drain that timed out: lwkt_waitport() returns NULL. */
		stress_stop_task(&p->task);
		for (k = 0; k < C_NR; k++)
			c[k] += p->c[k];
		if (p->c[C_LOST])
			stress_leak = true;
	}
	for (i = 0; i < consumers; i++)
		stress_stop_task(&stress_consumers[i]);
	stress_stop_task(&stress_tconsumer);
	stress_run_ms = ktime_ms_delta(ktime_get(), stress_start);

	c[C_DUP] += atomic_long_read(&stress_rx_dup);
	c[C_BAD] += atomic_long_read(&stress_rx_bad);
	for (t = 0; t < stress_nports; t++)
		stress_received += atomic_long_read(&stress_pstats[t].received);
	/* Each message a receiver took was replied to exactly once. */
	if (stress_received != c[C_REPLIED] + c[C_ABORTED]) {
		pr_err("bad: %lu messages received, %lu replied to\n",
		       stress_received, c[C_REPLIED] + c[C_ABORTED]);
		c[C_BAD]++;
	}
	/* The spin port's consumers drained it before they stopped. */
	if (lwkt_getport(&stress_spin)) {
		pr_err("bad: a message left on the spin port\n");
		c[C_BAD]++;
		stress_leak = true;
	}
	stress_pass = c[C_SENT] > 0 && !c[C_DUP] && !c[C_LOST] && !c[C_BAD] &&
		c[C_SENT] == c[C_REPLIED] + c[C_ABORTED] + c[C_DROPPED];
	stress_set_result();
}

static void stress_report(const char *why)
{
	unsigned long *c = stress_total;
	char name[16];
	int t;

	pr_info("%s after %lld ms; seed=%lu producers=%u consumers=%u depth=%u\n",
		why, stress_run_ms, seed, producers, consumers, depth);
	for (t = 0; t < stress_nports; t++) {
		struct stress_port_stats *ps = &stress_pstats[t];

		if (t >= T_CPU0 && !lwkt_cpu_port(t - T_CPU0))
			continue;
		if (t == T_SPIN)
			strscpy(name, "spin", sizeof(name));
		else if (t == T_THREAD)
			strscpy(name, "thread", sizeof(name));
		else
			snprintf(name, sizeof(name), "cpu%d", t - T_CPU0);
		pr_info("port %s: received=%ld dropped=%ld forwarded=%ld served-elsewhere=%ld\n",
			name, atomic_long_read(&ps->received),
			atomic_long_read(&ps->dropped),
			atomic_long_read(&ps->forwarded),
			atomic_long_read(&ps->elsewhere));
	}
	pr_info("paths: %s=%lu %s=%lu %s=%lu %s=%lu %s=%lu %s=%lu %s=%lu rx_saw_abort=%ld signals=%lu received=%lu\n",
		stress_count_names[C_DOMSG], c[C_DOMSG],
		stress_count_names[C_EINTR], c[C_EINTR],
		stress_count_names[C_ABORT_CALLS], c[C_ABORT_CALLS],
		stress_count_names[C_ABORTFN], c[C_ABORTFN],
		stress_count_names[C_DROP_CALLS], c[C_DROP_CALLS],
		stress_count_names[C_DROP_IN_ABORTFN], c[C_DROP_IN_ABORTFN],
		stress_count_names[C_WAITMSG], c[C_WAITMSG],
		atomic_long_read(&stress_rx_aborted), stress_signals,
		stress_received);
	if (stress_leak)
		pr_err("messages lost: their memory is leaked\n");
	pr_info("sent=%lu replied=%lu aborted=%lu dropped=%lu dup=%lu lost=%lu bad=%lu\n",
		c[C_SENT], c[C_REPLIED], c[C_ABORTED], c[C_DROPPED], c[C_DUP],
		c[C_LOST], c[C_BAD]);
	pr_info("%s\n", stress_pass ? "PASS" : "FAIL");
}

/*
 * Sends SIGUSR1s to random producers (for their MSGF_PCATCH lwkt_domsg()s)
 * until the time is up or module exit stops it, then ends the run.
 */
static int stress_controller_fn(void *unused)
{
	unsigned long end = jiffies + (unsigned long)seconds * HZ;
	struct rnd_state rnd;
	bool timed = false;

	prandom_seed_state(&rnd, seed ^ 0xc0ffee);
	while (!kthread_should_stop()) {
		if (seconds && time_after_eq(jiffies, end)) {
			timed = true;
			break;
		}
		schedule_timeout_idle(max(msecs_to_jiffies(3), 1UL));
		send_sig(SIGUSR1,
			 stress_prods[prandom_u32_state(&rnd) % producers].task,
			 1);
		stress_signals++;
	}
	stress_stop(!timed);
	if (timed)
		stress_report("run ended");
	/* Module exit reports again and frees. */
	for (;;) {
		set_current_state(TASK_IDLE);
		if (kthread_should_stop())
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

static void stress_free(void)
{
	unsigned int i;

	if (stress_leak)
		return;
	for (i = 0; stress_prods && i < producers; i++)
		kfree(stress_prods[i].msgs);
	kfree(stress_prods);
	kfree(stress_consumers);
	kfree(stress_pstats);
}

static int stress_start_threads(void)
{
	struct task_struct *task;
	unsigned int i;

	task = kthread_create(stress_thread_consumer_fn, NULL, "mpstress_t");
	if (IS_ERR(task))
		return PTR_ERR(task);
	get_task_struct(task);
	lwkt_initport_thread(&stress_tport, task);
	stress_tconsumer = task;
	wake_up_process(task);

	for (i = 0; i < consumers; i++) {
		task = kthread_create(stress_spin_consumer_fn, (void *)(long)i,
				      "mpstress_c%u", i);
		if (IS_ERR(task))
			return PTR_ERR(task);
		get_task_struct(task);
		stress_consumers[i] = task;
		wake_up_process(task);
	}

	for (i = 0; i < producers; i++) {
		struct stress_producer *p = &stress_prods[i];

		task = kthread_create(stress_producer_fn, p, "mpstress_p%u", i);
		if (IS_ERR(task))
			return PTR_ERR(task);
		get_task_struct(task);
		/* Even producers get replies on a thread port, odd on a spin port. */
		if (i & 1)
			lwkt_initport_spin(&p->rport);
		else
			lwkt_initport_thread(&p->rport, task);
		p->task = task;
		wake_up_process(task);
	}
	return 0;
}

static int __init stress_init(void)
{
	unsigned int i, k;
	int ret;

	if (!producers || producers > STRESS_MAX_THREADS || !consumers ||
	    consumers > STRESS_MAX_THREADS || !depth || depth > 4096 ||
	    seconds > 86400)
		return -EINVAL;
	if (!seed)
		seed = get_random_long() ?: 1;

	stress_nports = T_CPU0 + nr_cpu_ids;
	stress_pstats = kcalloc(stress_nports, sizeof(*stress_pstats),
				GFP_KERNEL);
	stress_prods = kcalloc(producers, sizeof(*stress_prods), GFP_KERNEL);
	stress_consumers = kcalloc(consumers, sizeof(*stress_consumers),
				   GFP_KERNEL);
	if (!stress_pstats || !stress_prods || !stress_consumers)
		goto nomem;
	for (i = 0; i < producers; i++) {
		struct stress_producer *p = &stress_prods[i];

		p->msgs = kcalloc(depth, sizeof(*p->msgs), GFP_KERNEL);
		if (!p->msgs)
			goto nomem;
		p->id = i;
		prandom_seed_state(&p->rnd, seed + i * 0x9e3779b97f4a7c15ULL);
		init_completion(&p->drained);
		for (k = 0; k < depth; k++) {
			p->msgs[k].prod = p;
			p->msgs[k].magic = STRESS_MAGIC;
			atomic_set(&p->msgs[k].state, ST_DONE);
		}
	}
	lwkt_initport_spin(&stress_spin);
	stress_start = ktime_get();

	ret = stress_start_threads();
	if (!ret) {
		stress_controller = kthread_run(stress_controller_fn, NULL,
						"mpstress_ctl");
		if (IS_ERR(stress_controller))
			ret = PTR_ERR(stress_controller);
	}
	if (ret) {
		stress_controller = NULL;
		stress_stop(true);
		stress_free();
		return ret;
	}
	pr_info("started: seconds=%u seed=%lu producers=%u consumers=%u depth=%u\n",
		seconds, seed, producers, consumers, depth);
	return 0;

nomem:
	stress_free();
	return -ENOMEM;
}

static void __exit stress_exit(void)
{
	/* Ends the run if it still goes on; waits for it to be stopped. */
	kthread_stop(stress_controller);
	stress_report("unload");
	stress_free();
}

module_init(stress_init);
module_exit(stress_exit);

MODULE_DESCRIPTION("msgport stress test: nothing lost or duplicated");
MODULE_LICENSE("GPL");
