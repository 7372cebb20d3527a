// SPDX-License-Identifier: GPL-2.0
/*
 * msgport_bench: msgport against the kernel's own mechanisms, side by
 * side in one boot.  Loaded by scripts/bench.sh; prints one line per
 * figure:
 *
 *   msgport_bench: RESULT <bench> <case> <mechanism> <median> <p99> <unit>
 *
 * M1  round trip to a thread on the same CPU and on the other CPU:
 *     lwkt_domsg to a per-CPU service port and to a spin port, vs
 *     queue_work_on+flush_work, kthread_queue_work+kthread_flush_work,
 *     complete+wait_for_completion with a dedicated kthread, and
 *     smp_call_function_single(wait=1) (cross-CPU only).  ns/op.
 *     A bare wake_up_process()/schedule() ping-pong shows the floor of
 *     any round trip through another thread.
 * M2  throughput: N lwkt_sendmsg to the other CPU's service port, replies
 *     collected from a reply port (or counted by a replyonly port's
 *     handler), vs N queue_work_on with a completion count; 1 and 2
 *     producers.  ops/s.
 * M3  a synchronous putport (lwkt_domsg completes in the sender) vs a
 *     direct function call.  ns/op.
 * M4  throughput of a client's own service threads: N lwkt_sendmsg to a
 *     private set (lwkt_service_create()) of 2 unbound threads, and of
 *     one thread per CPU (round robin over the online CPUs), replies
 *     counted by a replyonly port's handler, vs N queue_work to an
 *     unbound workqueue (WQ_UNBOUND) with a completion count; the same
 *     small computation per item.  ops/s.
 *
 * The measuring thread is bound to CPU 0.  Medians and p99 are over
 * `reps` repetitions of `iters` operations each (M1, M3: per-operation
 * samples; M2, M4: per-repetition rates).  The mechanisms of a benchmark take
 * turns, one repetition each (A B C A B C ...), so that a slow phase of
 * the host hits all of them.
 *
 * Every repetition runs between two marker instructions that an
 * instruction-counting qemu plugin (tools/bench/icount.c) recognises;
 * with icount=1 each repetition also prints
 *
 *   msgport_bench: IMARK <bench> <case> <mechanism> <operations>
 *
 * after its closing marker, which names the plugin's count of the
 * section, in order.
 */
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/sort.h>
#include <linux/workqueue.h>

#include <msgport/compat.h>
#include <msgport/msgport.h>

static unsigned int iters = 2000;
module_param(iters, uint, 0444);
MODULE_PARM_DESC(iters, "operations per repetition");
static unsigned int reps = 7;
module_param(reps, uint, 0444);
MODULE_PARM_DESC(reps, "repetitions");

/* The most mechanisms of one benchmark (M1's). */
#define M_MECHS	7

static bool icount;
module_param(icount, bool, 0444);
MODULE_PARM_DESC(icount, "print an IMARK line per measured section (instruction counting)");

/* UML's clock ticks in 256 ns steps, too coarse for one M1 round trip. */
static bool m1_mean;
module_param(m1_mean, bool, 0444);
MODULE_PARM_DESC(m1_mean, "M1: one sample per repetition, its mean, instead of one per operation");

static char *only = "";
module_param(only, charp, 0444);
MODULE_PARM_DESC(only, "run only these benchmarks, e.g. \"M1,M3\" (default: all)");

/* Per mechanism: samples[m * iters * reps ...], nsamples[m]. */
static u64 *samples;
static unsigned int nsamples[M_MECHS];

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static u64 *mech_samples(int m)
{
	return samples + (size_t)m * iters * reps;
}

static void add_sample(int m, u64 v)
{
	mech_samples(m)[nsamples[m]++] = v;
}

static void report(int m, const char *bench, const char *cas,
		   const char *mech, const char *unit)
{
	u64 *s = mech_samples(m), med, p99;
	unsigned int n = nsamples[m];

	sort(s, n, sizeof(u64), cmp_u64, NULL);
	med = s[n / 2];
	p99 = s[min(n - 1, n * 99 / 100)];
	pr_info("RESULT %s %s %s %llu %llu %s\n", bench, cas, mech, med, p99,
		unit);
	nsamples[m] = 0;
}

/*
 * The markers: instructions with no effect (nopl with a 32-bit
 * displacement) whose displacements tools/bench/icount.c looks for.
 * Between a begin and an end it counts the instructions all CPUs ran.
 */
static __always_inline void icount_begin(void)
{
	asm volatile("nopl 0x4d500001(%%rax)" ::: "memory");
}

static __always_inline void icount_end(const char *bench, const char *cas,
				       const char *mech, u64 ops)
{
	asm volatile("nopl 0x4d500002(%%rax)" ::: "memory");
	if (icount)
		pr_info("IMARK %s %s %s %llu\n", bench, cas, mech, ops);
}

/* ------------------------------------------------------------------
 * Targets.
 */

static int nop_cmd(lwkt_msg_t msg)
{
	return 0;
}

/* A spin port served by a kthread bound to a CPU. */
struct spin_server {
	struct lwkt_port port;
	struct task_struct *task;
};

static int spin_server_fn(void *arg)
{
	struct spin_server *s = arg;
	lwkt_msg_t msg;

	while ((msg = lwkt_waitport(&s->port, 0)) != NULL)
		lwkt_replymsg(msg, 0);
	return 0;
}

/* A dedicated kthread woken by a completion. */
struct comp_server {
	struct completion req, done;
	struct task_struct *task;
	bool stop;
};

static int comp_server_fn(void *arg)
{
	struct comp_server *s = arg;

	for (;;) {
		wait_for_completion(&s->req);
		if (READ_ONCE(s->stop))
			break;
		complete(&s->done);
	}
	while (!kthread_should_stop())
		schedule_timeout_idle(HZ / 10);
	return 0;
}

/*
 * The floor of any round trip through another thread: a bare
 * wake_up_process() and schedule() ping-pong with no queue and no lock
 * of its own, two context switches per operation.
 */
struct pp_server {
	struct task_struct *task, *client;
	int req, done;
	bool stop;
};

static int pp_server_fn(void *arg)
{
	struct pp_server *s = arg;

	for (;;) {
		set_current_state(TASK_IDLE);
		if (READ_ONCE(s->req)) {
			__set_current_state(TASK_RUNNING);
			WRITE_ONCE(s->req, 0);
			/* Pairs with the acquire in pp_roundtrip(). */
			smp_store_release(&s->done, 1);
			wake_up_process(s->client);
			continue;
		}
		if (READ_ONCE(s->stop))
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
	while (!kthread_should_stop())
		schedule_timeout_idle(HZ / 10);
	return 0;
}

static void pp_roundtrip(struct pp_server *s)
{
	WRITE_ONCE(s->done, 0);
	WRITE_ONCE(s->req, 1);
	wake_up_process(s->task);
	for (;;) {
		set_current_state(TASK_UNINTERRUPTIBLE);
		/* Pairs with the release in pp_server_fn(). */
		if (smp_load_acquire(&s->done))
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
}

static void work_nop(struct work_struct *w)
{
}

static void kwork_nop(struct kthread_work *w)
{
}

static void ipi_nop(void *info)
{
}

/* ------------------------------------------------------------------
 * M1: round trips.
 */

enum m1_mech {
	M1_DOMSG_CPU, M1_DOMSG_SPIN, M1_WORKQUEUE, M1_KTHREAD_WORKER,
	M1_COMPLETION, M1_SWITCH_FLOOR, M1_IPI, M1_NR
};

static const char *const m1_names[M1_NR] = {
	"lwkt_domsg_cpu_port", "lwkt_domsg_spin_port", "workqueue",
	"kthread_worker", "completion_kthread", "wake_up_process_floor",
	"smp_call_function_single",
};

static int m1_run(int cpu, const char *cas)
{
	struct workqueue_struct *wq;
	struct kthread_worker *kw;
	struct spin_server spin = { .task = NULL };
	struct comp_server *cs;
	struct pp_server pp = { .client = current };
	struct work_struct work;
	struct kthread_work kwork;
	struct lwkt_msg msg;
	int m, r, i, ret = 0;

	wq = alloc_workqueue("mpbench", 0, 0);
	kw = kthread_create_worker_on_cpu(cpu, 0, "mpbench_kw/%u");
	cs = kzalloc(sizeof(*cs), GFP_KERNEL);
	if (!wq || IS_ERR(kw) || !cs) {
		ret = -ENOMEM;
		goto out;
	}
	init_completion(&cs->req);
	init_completion(&cs->done);
	cs->task = kthread_create_on_cpu(comp_server_fn, cs, cpu, "mpbench_c/%u");
	spin.task = kthread_create_on_cpu(spin_server_fn, &spin, cpu, "mpbench_s/%u");
	pp.task = kthread_create_on_cpu(pp_server_fn, &pp, cpu, "mpbench_f/%u");
	if (IS_ERR(cs->task) || IS_ERR(spin.task) || IS_ERR(pp.task)) {
		ret = -ENOMEM;
		goto out;
	}
	lwkt_initport_spin(&spin.port);
	wake_up_process(cs->task);
	wake_up_process(spin.task);
	wake_up_process(pp.task);
	INIT_WORK(&work, work_nop);
	kthread_init_work(&kwork, kwork_nop);

	BUILD_BUG_ON(M1_NR > M_MECHS);
	for (r = 0; r < reps; r++) {
		for (m = 0; m < M1_NR; m++) {
			if (m == M1_IPI && cpu == raw_smp_processor_id())
				continue;	/* local: a plain call */
			u64 rt0 = ktime_get_ns();

			icount_begin();
			for (i = 0; i < iters; i++) {
				u64 t0 = ktime_get_ns();

				switch (m) {
				case M1_DOMSG_CPU:
					lwkt_initmsg(&msg, NULL, 0);
					msg.ms_cmd.cm_func = nop_cmd;
					lwkt_domsg(lwkt_cpu_port(cpu), &msg, 0);
					break;
				case M1_DOMSG_SPIN:
					lwkt_initmsg(&msg, NULL, 0);
					lwkt_domsg(&spin.port, &msg, 0);
					break;
				case M1_WORKQUEUE:
					queue_work_on(cpu, wq, &work);
					flush_work(&work);
					break;
				case M1_KTHREAD_WORKER:
					kthread_queue_work(kw, &kwork);
					kthread_flush_work(&kwork);
					break;
				case M1_COMPLETION:
					complete(&cs->req);
					wait_for_completion(&cs->done);
					break;
				case M1_SWITCH_FLOOR:
					pp_roundtrip(&pp);
					break;
				case M1_IPI:
					smp_call_function_single(cpu, ipi_nop,
								 NULL, 1);
					break;
				}
				if (!m1_mean)
					add_sample(m, ktime_get_ns() - t0);
			}
			icount_end("M1", cas, m1_names[m], iters);
			if (m1_mean)
				add_sample(m, div_u64(ktime_get_ns() - rt0, iters));
			cond_resched();
		}
	}
	for (m = 0; m < M1_NR; m++)
		if (nsamples[m])
			report(m, "M1", cas, m1_names[m], "ns");
out:
	if (cs && !IS_ERR_OR_NULL(cs->task)) {
		WRITE_ONCE(cs->stop, true);
		complete(&cs->req);
		kthread_stop(cs->task);
	}
	if (!IS_ERR_OR_NULL(spin.task))
		kthread_stop(spin.task);
	if (!IS_ERR_OR_NULL(pp.task)) {
		WRITE_ONCE(pp.stop, true);
		wake_up_process(pp.task);
		kthread_stop(pp.task);
	}
	kfree(cs);
	if (!IS_ERR_OR_NULL(kw))
		kthread_destroy_worker(kw);
	if (wq)
		destroy_workqueue(wq);
	return ret;
}

/* ------------------------------------------------------------------
 * M2: throughput, 1 or 2 producers, each sending to the other CPU.
 */

struct m2_work {
	struct work_struct work;
	atomic_t *left;
	struct completion *all;
};

static void m2_work_fn(struct work_struct *w)
{
	struct m2_work *mw = container_of(w, struct m2_work, work);

	if (atomic_dec_and_test(mw->left))
		complete(mw->all);
}

/*
 * How the replies come back: queued to a spin reply port and received one
 * by one (msgport(9)'s usual pattern), or counted by a replyonly port's
 * handler in the replier, which is what the workqueue side does with its
 * completion count.
 */
enum m2_mode { M2_LWKT, M2_LWKT_REPLYONLY, M2_WORKQUEUE };

static const char *const m2_names[] = {
	"lwkt_sendmsg", "lwkt_sendmsg_replyonly", "queue_work_on",
};

struct m2_rport {
	struct lwkt_port port;
	atomic_t left;
	struct completion all;
};

static void m2_reply_count(lwkt_port_t port, lwkt_msg_t msg)
{
	struct m2_rport *r = container_of(port, struct m2_rport, port);

	if (atomic_dec_and_test(&r->left))
		complete(&r->all);
}

struct m2_producer {
	int cpu;
	enum m2_mode mode;
	unsigned int n;
	struct workqueue_struct *wq;
	struct lwkt_msg *msgs;
	struct m2_work *works;
	u64 ns;
	struct completion finished;
};

static int m2_producer_fn(void *arg)
{
	struct m2_producer *p = arg;
	int target = cpumask_next(p->cpu, cpu_online_mask);
	struct completion all;
	struct lwkt_port rport;
	struct m2_rport counted;
	atomic_t left;
	u64 t0;
	int i;

	if (target >= nr_cpu_ids)
		target = cpumask_first(cpu_online_mask);
	lwkt_initport_spin(&rport);
	lwkt_initport_replyonly(&counted.port, m2_reply_count);
	atomic_set(&counted.left, p->n);
	init_completion(&counted.all);
	init_completion(&all);
	atomic_set(&left, p->n);
	t0 = ktime_get_ns();
	if (p->mode == M2_LWKT_REPLYONLY) {
		for (i = 0; i < p->n; i++) {
			lwkt_initmsg(&p->msgs[i], &counted.port, 0);
			p->msgs[i].ms_cmd.cm_func = nop_cmd;
			lwkt_sendmsg(lwkt_cpu_port(target), &p->msgs[i]);
		}
		wait_for_completion(&counted.all);
	} else if (p->mode == M2_LWKT) {
		for (i = 0; i < p->n; i++) {
			lwkt_initmsg(&p->msgs[i], &rport, 0);
			p->msgs[i].ms_cmd.cm_func = nop_cmd;
			lwkt_sendmsg(lwkt_cpu_port(target), &p->msgs[i]);
		}
		for (i = 0; i < p->n; i++)
			lwkt_waitport(&rport, 0);
	} else {
		for (i = 0; i < p->n; i++) {
			INIT_WORK(&p->works[i].work, m2_work_fn);
			p->works[i].left = &left;
			p->works[i].all = &all;
			queue_work_on(target, p->wq, &p->works[i].work);
		}
		wait_for_completion(&all);
	}
	p->ns = ktime_get_ns() - t0;
	complete(&p->finished);
	while (!kthread_should_stop())
		schedule_timeout_idle(HZ / 10);
	return 0;
}

/* One repetition of @mode with @producers producers; 0 or -errno. */
static int m2_once(int producers, enum m2_mode mode, const char *cas,
		   struct workqueue_struct *wq)
{
	struct m2_producer p[2] = {};
	struct task_struct *t[2];
	u64 worst = 0;
	int k, ret = 0;

	for (k = 0; k < producers; k++) {
		p[k] = (struct m2_producer){ .cpu = k % num_online_cpus(),
			.mode = mode, .n = iters * 5, .wq = wq };
		init_completion(&p[k].finished);
		p[k].msgs = kvcalloc(p[k].n, sizeof(*p[k].msgs), GFP_KERNEL);
		p[k].works = kvcalloc(p[k].n, sizeof(*p[k].works), GFP_KERNEL);
		if (!p[k].msgs || !p[k].works)
			ret = -ENOMEM;
	}
	for (k = 0; k < producers && !ret; k++) {
		t[k] = kthread_create_on_cpu(m2_producer_fn, &p[k],
					     p[k].cpu, "mpbench_p/%u");
		if (IS_ERR(t[k])) {
			ret = PTR_ERR(t[k]);
			producers = k;
			break;
		}
	}
	if (ret)
		producers = min(producers, k);
	icount_begin();
	for (k = 0; k < producers; k++)
		wake_up_process(t[k]);
	for (k = 0; k < producers; k++) {
		wait_for_completion(&p[k].finished);
		kthread_stop(t[k]);
		worst = max(worst, p[k].ns);
	}
	icount_end("M2", cas, m2_names[mode], (u64)iters * 5 * producers);
	if (!ret && worst)
		add_sample(mode, div64_u64((u64)iters * 5 * producers *
					   NSEC_PER_SEC, worst));
	for (k = 0; k < 2; k++) {
		kvfree(p[k].msgs);
		kvfree(p[k].works);
	}
	return ret;
}

/* The modes take turns, one repetition each. */
static int m2_run(int producers, const char *cas)
{
	struct workqueue_struct *wq;
	enum m2_mode mode;
	int r, ret = 0;

	wq = alloc_workqueue("mpbench2", 0, 0);
	if (!wq)
		return -ENOMEM;
	for (r = 0; r < reps && !ret; r++)
		for (mode = 0; mode <= M2_WORKQUEUE && !ret; mode++)
			ret = m2_once(producers, mode, cas, wq);
	destroy_workqueue(wq);
	for (mode = 0; mode <= M2_WORKQUEUE; mode++)
		if (!ret && nsamples[mode])
			report(mode, "M2", cas, m2_names[mode], "ops/s");
	memset(nsamples, 0, sizeof(nsamples));
	return ret;
}

/* ------------------------------------------------------------------
 * M3: synchronous putport vs a direct call.
 */

static unsigned long m3_counter;

/*
 * The handler: the putport of the port, and what the baseline calls
 * directly, so both sides run it exactly once per operation.
 */
static noinline int m3_putport(lwkt_port_t port, lwkt_msg_t msg)
{
	WRITE_ONCE(m3_counter, m3_counter + 1);
	return 0;
}

/*
 * The handler through a function pointer the compiler cannot see through:
 * what any dispatch to a port's handler costs at least (a retpoline on
 * Debian's kernel).  A reference row, not the baseline.
 */
static __always_inline void m3_indirect(lwkt_port_t port, lwkt_msg_t msg)
{
	int (*fn)(lwkt_port_t port, lwkt_msg_t msg) = m3_putport;

	OPTIMIZER_HIDE_VAR(fn);
	fn(port, msg);
}

static void m3_run(void)
{
	static const char * const names[] = {
		"lwkt_domsg_sync_putport", "direct_call", "indirect_call",
	};
	struct lwkt_port port;
	struct lwkt_msg msg;
	int r, i, m;

	lwkt_initport_putonly(&port, m3_putport);
	for (r = 0; r < reps; r++) {
		for (m = 0; m < ARRAY_SIZE(names); m++) {
			u64 t0 = ktime_get_ns();

			icount_begin();
			/* Batches of 100: a single call is below the clock. */
			for (i = 0; i < iters; i++) {
				lwkt_initmsg(&msg, NULL, 0);
				if (m == 1)
					m3_putport(&port, &msg);
				else if (m == 2)
					m3_indirect(&port, &msg);
				else
					lwkt_domsg(&port, &msg, 0);
			}
			add_sample(m, div_u64((ktime_get_ns() - t0) * 100,
					      iters));
			icount_end("M3", "same", names[m], iters);
		}
	}
	for (m = 0; m < ARRAY_SIZE(names); m++)
		report(m, "M3", "same", names[m], "ns/100ops");
}

/* ------------------------------------------------------------------
 * M4: a private set of service threads vs an unbound workqueue.
 */

enum m4_mode { M4_SET_UNBOUND, M4_SET_PERCPU, M4_WQ_UNBOUND, M4_NR };

static const char *const m4_names[M4_NR] = {
	"lwkt_service_unbound", "lwkt_service_percpu", "wq_unbound",
};

#define M4_UNBOUND_THREADS	2

/* The work of one item, the same on both sides. */
static noinline void m4_unit(void)
{
	unsigned long x = 0;
	int i;

	for (i = 0; i < 256; i++)
		x = x * 31 + i;
	OPTIMIZER_HIDE_VAR(x);
}

static int m4_cmd(lwkt_msg_t msg)
{
	m4_unit();
	return 0;
}

static void m4_work_fn(struct work_struct *w)
{
	struct m2_work *mw = container_of(w, struct m2_work, work);

	m4_unit();
	if (atomic_dec_and_test(mw->left))
		complete(mw->all);
}

/* The resources of the M4 mechanisms, set up once for all repetitions. */
struct m4_ctx {
	struct lwkt_service_set *set[M4_WQ_UNBOUND];
	struct workqueue_struct *wq;
	struct m2_work *works;
	struct lwkt_msg *msgs;
};

/* One repetition of @mode: n items sent, the time until all are done. */
static void m4_once(struct m4_ctx *c, enum m4_mode mode, unsigned int n)
{
	struct m2_rport counted;
	struct completion all;
	unsigned int i;
	int cpu = 0;
	atomic_t left;
	u64 t0;

	lwkt_initport_replyonly(&counted.port, m2_reply_count);
	atomic_set(&counted.left, n);
	init_completion(&counted.all);
	atomic_set(&left, n);
	init_completion(&all);
	icount_begin();
	t0 = ktime_get_ns();
	for (i = 0; i < n; i++) {
		if (mode == M4_WQ_UNBOUND) {
			INIT_WORK(&c->works[i].work, m4_work_fn);
			c->works[i].left = &left;
			c->works[i].all = &all;
			queue_work(c->wq, &c->works[i].work);
			continue;
		}
		lwkt_initmsg(&c->msgs[i], &counted.port, 0);
		c->msgs[i].ms_cmd.cm_func = m4_cmd;
		if (mode == M4_SET_PERCPU) {
			cpu = cpumask_next(cpu, cpu_online_mask);
			if (cpu >= nr_cpu_ids)
				cpu = cpumask_first(cpu_online_mask);
		} else {
			cpu = i;
		}
		lwkt_sendmsg(lwkt_service_port(c->set[mode], cpu), &c->msgs[i]);
	}
	wait_for_completion(mode == M4_WQ_UNBOUND ? &all : &counted.all);
	add_sample(mode, div64_u64((u64)n * NSEC_PER_SEC, ktime_get_ns() - t0));
	icount_end("M4", "1prod", m4_names[mode], n);
}

/* The modes take turns, one repetition each. */
static int m4_run(void)
{
	unsigned int n = iters * 5;
	struct m4_ctx c = {};
	enum m4_mode mode;
	int r, ret = 0;

	c.wq = alloc_workqueue("mpbench4", WQ_UNBOUND, 0);
	c.works = kvcalloc(n, sizeof(*c.works), GFP_KERNEL);
	c.msgs = kvcalloc(n, sizeof(*c.msgs), GFP_KERNEL);
	if (!c.wq || !c.works || !c.msgs)
		ret = -ENOMEM;
	for (mode = 0; mode < M4_WQ_UNBOUND && !ret; mode++) {
		c.set[mode] = lwkt_service_create("mpbench4",
						  mode == M4_SET_UNBOUND ?
						  M4_UNBOUND_THREADS : 0,
						  NULL, NULL);
		if (IS_ERR(c.set[mode])) {
			ret = PTR_ERR(c.set[mode]);
			c.set[mode] = NULL;
		}
	}
	for (r = 0; r < reps && !ret; r++)
		for (mode = 0; mode < M4_NR; mode++)
			m4_once(&c, mode, n);
	for (mode = 0; mode < M4_WQ_UNBOUND; mode++)
		if (c.set[mode])
			lwkt_service_destroy(c.set[mode]);
	if (c.wq)
		destroy_workqueue(c.wq);
	kvfree(c.msgs);
	kvfree(c.works);
	for (mode = 0; mode < M4_NR; mode++)
		if (!ret && nsamples[mode])
			report(mode, "M4", "1prod", m4_names[mode], "ops/s");
	memset(nsamples, 0, sizeof(nsamples));
	return ret;
}

/* ------------------------------------------------------------------ */

static bool selected(const char *bench)
{
	return !*only || strstr(only, bench);
}

static int bench_thread(void *unused)
{
	int cross = cpumask_next(0, cpu_online_mask);
	int ret = 0;

	if (selected("M1")) {
		ret = m1_run(0, "same");
		if (!ret && cross < nr_cpu_ids)
			ret = m1_run(cross, "cross");
	}
	if (!ret && selected("M2")) {
		ret = m2_run(1, "1prod");
		if (!ret && num_online_cpus() > 1)
			ret = m2_run(2, "2prod");
	}
	if (!ret && selected("M3"))
		m3_run();
	if (!ret && selected("M4"))
		ret = m4_run();
	pr_info("DONE %d\n", ret);
	return ret;
}

static struct task_struct *bench_task;

static int __init msgport_bench_init(void)
{
	struct task_struct *t;

	if (!iters || !reps)
		return -EINVAL;
	samples = kvcalloc((size_t)iters * reps * M_MECHS, sizeof(*samples),
			   GFP_KERNEL);
	if (!samples)
		return -ENOMEM;
#ifndef MODULE
	/* Built in (UML, one CPU): run here, to the end, before going on. */
	bench_thread(NULL);
	kvfree(samples);
	return 0;
#endif
	t = kthread_create_on_cpu(bench_thread, NULL, 0, "mpbench/%u");
	if (IS_ERR(t)) {
		kvfree(samples);
		return PTR_ERR(t);
	}
	bench_task = get_task_struct(t);
	wake_up_process(t);
	return 0;
}

static void __exit msgport_bench_exit(void)
{
	/* Waits for the benchmarks to finish if they still run. */
	kthread_stop(bench_task);
	put_task_struct(bench_task);
	kvfree(samples);
}

#ifdef MODULE
module_init(msgport_bench_init);
#else
/* After msgport's own initcall: the per-CPU service ports. */
late_initcall(msgport_bench_init);
#endif
module_exit(msgport_bench_exit);

MODULE_DESCRIPTION("msgport benchmarks against workqueue, kthread_worker, completions and IPIs");
MODULE_LICENSE("GPL");
