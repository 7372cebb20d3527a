// SPDX-License-Identifier: GPL-2.0
/*
 * msgport_example: the two EXAMPLES of msgport(9), ported to Linux from the
 * manual page and include/msgport/msgport.h alone, plus
 *  - a tour of msgport's own per-CPU service ports (lwkt_cpu_port()), and
 *  - with traffic=1, a generator that keeps messages flowing to every
 *    service port until the module is removed, then reports that every
 *    message sent was replied to (the VM test offlines and onlines CPU 1
 *    meanwhile).  Besides the messages it waits for, it keeps a
 *    priority message per CPU embedded in module data busy with
 *    lwkt_sendmsg_idle(), and fires messages whose reply handler, in
 *    this module, frees them, at service threads of its own
 *    (lwkt_service_create(), with a rollup that counts batches).  Their
 *    commands and reply handlers are module text: the exit function
 *    stops sending, calls lwkt_cpu_ports_sync() and destroys its own
 *    threads before the module goes;
 *  - with netisr=1, a netisr-style client: counters partitioned by a
 *    hash of their key over the CPUs, each partition touched only by
 *    its CPU's service thread; a timer on each CPU feeds them with
 *    messages embedded in flow objects, sent to the owning CPU's port;
 *    priority control messages replace flows from the owning thread,
 *    dropping a pending message before freeing its flow; at unload a
 *    barrier, then a check that every message the timers sent was
 *    either counted exactly once or dropped.
 *
 * Loading fails (-EIO) if any example does not produce the expected result.
 */
#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/delay.h>
#include <linux/hash.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/rcupdate.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <linux/version.h>

#include <msgport/msgport.h>

static bool traffic;
module_param(traffic, bool, 0444);
MODULE_PARM_DESC(traffic, "keep messages flowing to every service port until unload");

static bool netisr;
module_param(netisr, bool, 0444);
MODULE_PARM_DESC(netisr, "run the netisr-style counters until unload");

static int failures;

#define CHECK(cond, fmt, ...)						\
	do {								\
		if (!(cond)) {						\
			pr_err("FAILED: " fmt "\n", ##__VA_ARGS__);	\
			failures++;					\
		}							\
	} while (0)

/*
 * Example 1: per CPU threads.
 *
 * Linux threads have no built-in port, so each service thread gets a
 * thread port of its own, and the loader uses a thread port it owns as
 * the reply port (the role of curthread->td_msgport).
 */
struct my_service {
	struct lwkt_port port;
	struct task_struct *td;
};

static struct my_service *my_services;	/* [nr_cpu_ids] */
static lwkt_port_t *my_service_ports;	/* [nr_cpu_ids] */

static int my_service_loop(void *dummy)
{
	struct my_service *svc = dummy;
	int cpu = raw_smp_processor_id();
	lwkt_msg_t msg;

	while ((msg = lwkt_waitport(&svc->port, 0)) != NULL) {
		/* Do some work in the receiver thread context. */
		pr_info("Received message on CPU %d.\n", cpu);
		msg->u.ms_result = raw_smp_processor_id();

		/* And finally reply to the message. */
		lwkt_replymsg(msg, 0);
	}
	return 0;
}

static int my_per_cpu_service_init(void)
{
	struct task_struct *td;
	int i;

	my_services = kcalloc(nr_cpu_ids, sizeof(*my_services), GFP_KERNEL);
	my_service_ports = kcalloc(nr_cpu_ids, sizeof(*my_service_ports),
				   GFP_KERNEL);
	if (!my_services || !my_service_ports)
		return -ENOMEM;
	for_each_online_cpu(i) {
		td = kthread_create_on_cpu(my_service_loop, &my_services[i], i,
					   "myservice_cpu%u");
		if (IS_ERR(td))
			return PTR_ERR(td);
		my_services[i].td = td;
		lwkt_initport_thread(&my_services[i].port, td);
		my_service_ports[i] = &my_services[i].port;
		wake_up_process(td);
	}
	return 0;
}

static void my_per_cpu_service_exit(void)
{
	int i;

	for (i = 0; my_services && i < nr_cpu_ids; i++)
		if (my_services[i].td)
			kthread_stop(my_services[i].td);
	kfree(my_services);
	kfree(my_service_ports);
}

static inline lwkt_port_t my_service_portfn(int cpu)
{
	return my_service_ports[cpu];
}

static int my_service_domsg(lwkt_msg_t lmsg, int cpu)
{
	return lwkt_domsg(my_service_portfn(cpu), lmsg, 0);
}

static void example1(void)
{
	struct lwkt_msg lmsg;
	struct lwkt_port builtin_port;
	int i, error;

	lwkt_initport_thread(&builtin_port, current);
	for_each_online_cpu(i) {
		pr_info("Sending msg to CPU %d.\n", i);
		lwkt_initmsg(&lmsg, &builtin_port, 0);
		lmsg.u.ms_result = -1;
		error = my_service_domsg(&lmsg, i);
		CHECK(error == 0, "example 1: domsg to CPU %d returned %d", i,
		      error);
		CHECK(lmsg.u.ms_result == i,
		      "example 1: message for CPU %d served on CPU %d", i,
		      lmsg.u.ms_result);
	}
}

/*
 * Example 2: dynamically allocated message passing with automatic free.
 * The reply port's handler kfree()s the message and its argument.
 */
static struct lwkt_port my_autofree_rport;
static lwkt_port_t my_service_port;
static struct my_service my_service2;
static DECLARE_COMPLETION(my_autofree_done);

static void my_service_queue(void *arg)
{
	lwkt_msg_t msg;

	msg = kmalloc(sizeof(*msg), GFP_KERNEL | __GFP_NOFAIL);

	/* Set reply port to autofree. */
	lwkt_initmsg(msg, &my_autofree_rport, 0);

	/* Attach the argument to the message. */
	msg->u.ms_resultp = arg;

	/* Send it. */
	lwkt_sendmsg(my_service_port, msg);
}

static int my_service_loop2(void *dummy)
{
	lwkt_msg_t msg;

	while ((msg = lwkt_waitport(&my_service2.port, 0)) != NULL) {
		/*
		 * The sender wrote his name in the argument he sent us.
		 * We print it here.
		 */
		char *arg = msg->u.ms_resultp;

		pr_info("%s: Hi %s! Got your msg.\n", current->comm, arg);

		/* And finally reply to the message. */
		lwkt_replymsg(msg, 0);
	}
	return 0;
}

static void my_autofree_reply(lwkt_port_t port, lwkt_msg_t msg)
{
	kfree(msg->u.ms_resultp);
	kfree(msg);
	complete(&my_autofree_done);
}

static int my_service_init(void)
{
	struct task_struct *tdp;

	/* Initialize our auto free reply port. */
	lwkt_initport_replyonly(&my_autofree_rport, my_autofree_reply);

	/* Create our service thread on CPU 0. */
	tdp = kthread_create_on_cpu(my_service_loop2, NULL, 0, "myservice");
	if (IS_ERR(tdp))
		return PTR_ERR(tdp);
	my_service2.td = tdp;
	lwkt_initport_thread(&my_service2.port, tdp);
	my_service_port = &my_service2.port;
	wake_up_process(tdp);
	return 0;
}

static void example2(void)
{
	void *arg;

	arg = kstrdup(current->comm, GFP_KERNEL);
	if (!arg) {
		failures++;
		return;
	}
	pr_info("%s: Sending message.\n", current->comm);
	my_service_queue(arg);
	CHECK(wait_for_completion_timeout(&my_autofree_done, 10 * HZ),
	      "example 2: the autofree reply did not run");
}

/* A tour of msgport's own per-CPU service threads. */
static int where(lwkt_msg_t msg)
{
	msg->u.ms_result = raw_smp_processor_id();
	return 0;
}

static void service_tour(void)
{
	struct lwkt_msg msg;
	int cpu, error;

	for_each_online_cpu(cpu) {
		lwkt_initmsg(&msg, NULL, 0);
		msg.ms_cmd.cm_func = where;
		error = lwkt_domsg(lwkt_cpu_port(cpu), &msg, 0);
		CHECK(error == 0 && msg.u.ms_result == cpu,
		      "service port of CPU %d: error %d, ran on CPU %d", cpu,
		      error, msg.u.ms_result);
		pr_info("lwkt/%d served a message on CPU %d\n", cpu,
			msg.u.ms_result);
	}
}

/* traffic=1: async messages to every service port, replies collected. */
#define TRAFFIC_BATCH	64

static struct task_struct *traffic_task;
static unsigned long traffic_sent, traffic_replied, traffic_bad;
static unsigned long *traffic_served;	/* [nr_cpu_ids] */

static int traffic_cmd(lwkt_msg_t msg)
{
	msg->u.ms_result = raw_smp_processor_id();
	return 1;
}

/* Embedded, one per CPU, sent whenever idle: DragonFly's netisr idiom. */
static struct lwkt_msg *traffic_kicks;	/* [nr_cpu_ids] */
static struct lwkt_port traffic_kick_rport;	/* replyonly_null */
static atomic_long_t traffic_kicks_sent, traffic_kicks_run;

static int traffic_kick_cmd(lwkt_msg_t msg)
{
	atomic_long_inc(&traffic_kicks_run);
	return 0;
}

/* Fire and forget: the reply handler frees the message. */
static struct lwkt_port traffic_free_rport;
static atomic_long_t traffic_fired, traffic_freed;

/* The module's own service threads, for the fired messages. */
static struct lwkt_service_set *traffic_set;
static atomic_long_t traffic_rollups;

static void traffic_rollup(void *unused)
{
	atomic_long_inc(&traffic_rollups);
}

static void traffic_free_reply(lwkt_port_t port, lwkt_msg_t msg)
{
	kfree(msg);
	atomic_long_inc(&traffic_freed);
}

static void traffic_extra(int cpu, lwkt_port_t port)
{
	lwkt_msg_t msg;

	if (lwkt_sendmsg_idle(port, &traffic_kicks[cpu]) == 0)
		atomic_long_inc(&traffic_kicks_sent);
	msg = kmalloc(sizeof(*msg), GFP_KERNEL);
	if (!msg)
		return;
	lwkt_initmsg(msg, &traffic_free_rport, 0);
	msg->ms_cmd.cm_func = traffic_cmd;
	port = lwkt_service_port(traffic_set, cpu) ?: port;
	if (lwkt_sendmsg(port, msg) == 0)
		atomic_long_inc(&traffic_fired);
	else
		kfree(msg);
}

static int traffic_thread(void *unused)
{
	struct lwkt_msg *msgs;
	struct lwkt_port rport;
	int i, cpu = 0;

	msgs = kcalloc(TRAFFIC_BATCH, sizeof(*msgs), GFP_KERNEL);
	if (!msgs)
		return -ENOMEM;
	lwkt_initport_spin(&rport);
	while (!kthread_should_stop()) {
		for (i = 0; i < TRAFFIC_BATCH; i++) {
			lwkt_port_t port;

			do {
				cpu = cpumask_next(cpu, cpu_possible_mask);
				if (cpu >= nr_cpu_ids)
					cpu = cpumask_first(cpu_possible_mask);
				port = lwkt_cpu_port(cpu);
			} while (!port);
			lwkt_initmsg(&msgs[i], &rport, 0);
			msgs[i].ms_cmd.cm_func = traffic_cmd;
			if (lwkt_sendmsg(port, &msgs[i]) == 0)
				traffic_sent++;
			if ((i & 7) == 0)
				traffic_extra(cpu, port);
		}
		/* Waiting per message is not cut short by kthread_stop(). */
		for (i = 0; i < TRAFFIC_BATCH; i++) {
			int served;

			if (lwkt_waitmsg(&msgs[i], 0) != 1)
				traffic_bad++;
			served = msgs[i].u.ms_result;
			if (served >= 0 && served < nr_cpu_ids)
				traffic_served[served]++;
			traffic_replied++;
		}
		cond_resched();
	}
	kfree(msgs);
	return 0;
}

static void traffic_report(void)
{
	int cpu;

	pr_info("traffic: sent=%lu replied=%lu bad=%lu lost=%lu\n",
		traffic_sent, traffic_replied, traffic_bad,
		traffic_sent - traffic_replied);
	for_each_possible_cpu(cpu)
		if (traffic_served[cpu])
			pr_info("traffic: %lu served on CPU %d\n",
				traffic_served[cpu], cpu);
	WARN(traffic_sent != traffic_replied || traffic_bad,
	     "msgport_example: messages lost or failed\n");
}

/*
 * After lwkt_cpu_ports_sync(): every message sent before has run and its
 * reply handler has returned, so nothing of this module is left to run.
 */
static void traffic_unfinished_report(void)
{
	long unfinished = atomic_long_read(&traffic_fired) -
			  atomic_long_read(&traffic_freed) +
			  atomic_long_read(&traffic_kicks_sent) -
			  atomic_long_read(&traffic_kicks_run);
	int cpu;

	for_each_possible_cpu(cpu)
		if (!lwkt_checkmsg(&traffic_kicks[cpu]))
			unfinished++;
	pr_info("traffic: rollups=%ld\n", atomic_long_read(&traffic_rollups));
	pr_info("traffic: kicks=%ld fired=%ld unfinished=%ld\n",
		atomic_long_read(&traffic_kicks_sent),
		atomic_long_read(&traffic_fired), unfinished);
	WARN(unfinished, "msgport_example: messages unfinished at unload\n");
}

static int traffic_init(void)
{
	int cpu;

	traffic_kicks = kcalloc(nr_cpu_ids, sizeof(*traffic_kicks), GFP_KERNEL);
	if (!traffic_kicks)
		return -ENOMEM;
	lwkt_initport_replyonly_null(&traffic_kick_rport);
	for_each_possible_cpu(cpu) {
		lwkt_initmsg(&traffic_kicks[cpu], &traffic_kick_rport,
			     MSGF_PRIORITY);
		traffic_kicks[cpu].ms_cmd.cm_func = traffic_kick_cmd;
	}
	traffic_set = lwkt_service_create("msgport_ex", 0, traffic_rollup, NULL);
	if (IS_ERR(traffic_set)) {
		int error = PTR_ERR(traffic_set);

		traffic_set = NULL;
		return error;
	}
	return lwkt_initport_replyonly(&traffic_free_rport, traffic_free_reply);
}

/*
 * netisr=1: DragonFly's netisr pattern.  A flow (a connection, say) is
 * owned by the CPU its key hashes to; the counters of a CPU's partition
 * are written by that CPU's service thread only, so they need no lock.
 * Each flow embeds a DROPABLE message; a timer on each CPU sends the
 * message of random flows, if idle, to the owner's port, where the
 * command counts it.  A recycler replaces random flows: its control
 * message (MSGF_PRIORITY, so it overtakes the queued counting messages)
 * runs in the old flow's owning thread, unpublishes the flow, drops its
 * message if still queued, and frees it (tcp_destroy_timermsg()'s
 * drop-before-free).
 */
#define NETISR_FLOWS		64
#define NETISR_BUCKETS		16
#define NETISR_TICK_NS		(500 * NSEC_PER_USEC)
#define NETISR_SENDS_PER_TICK	4

struct netisr_flow {
	struct lwkt_msg msg;	/* DROPABLE, replyonly_null reply port */
	u32 key;
	int cpu;		/* owner: netisr_owner(key) */
};

/* A CPU's partition: written by lwkt/cpu only. */
struct netisr_part {
	unsigned long count[NETISR_BUCKETS];
} ____cacheline_aligned;

struct netisr_timer {
	struct hrtimer timer;
	bool started;
};

static struct netisr_flow __rcu *netisr_flows[NETISR_FLOWS];
static struct netisr_part *netisr_parts;	/* [nr_cpu_ids] */
static struct netisr_timer *netisr_timers;	/* [nr_cpu_ids] */
static int *netisr_cpus, netisr_nr_cpus;	/* CPUs with a service port */
static struct lwkt_port netisr_rport;		/* replyonly_null */
static struct task_struct *netisr_task;
static bool netisr_stopping;
static atomic_long_t netisr_sent, netisr_dropped, netisr_recycled;
static atomic_long_t netisr_bad;

static int netisr_owner(u32 key)
{
	return netisr_cpus[hash_32(key, 16) % netisr_nr_cpus];
}

/* The counting command, in the owner's service thread. */
static int netisr_count_cmd(lwkt_msg_t msg)
{
	struct netisr_flow *f = container_of(msg, struct netisr_flow, msg);

	netisr_parts[f->cpu].count[f->key % NETISR_BUCKETS]++;
	return 0;
}

static struct netisr_flow *netisr_flow_new(void)
{
	struct netisr_flow *f = kzalloc(sizeof(*f), GFP_KERNEL);

	if (!f)
		return NULL;
	f->key = get_random_u32();
	f->cpu = netisr_owner(f->key);
	lwkt_initmsg(&f->msg, &netisr_rport, MSGF_DROPABLE);
	f->msg.ms_cmd.cm_func = netisr_count_cmd;
	return f;
}

static enum hrtimer_restart netisr_tick(struct hrtimer *timer)
{
	struct netisr_flow *f;
	int i;

	if (READ_ONCE(netisr_stopping))
		return HRTIMER_NORESTART;
	rcu_read_lock();
	for (i = 0; i < NETISR_SENDS_PER_TICK; i++) {
		f = rcu_dereference(netisr_flows[get_random_u32() % NETISR_FLOWS]);
		if (f && lwkt_sendmsg_idle(lwkt_cpu_port(f->cpu), &f->msg) == 0)
			atomic_long_inc(&netisr_sent);
	}
	rcu_read_unlock();
	hrtimer_forward_now(timer, ns_to_ktime(NETISR_TICK_NS));
	return HRTIMER_RESTART;
}

/* on_each_cpu(): start this CPU's timer. */
static void netisr_timer_start(void *unused)
{
	struct netisr_timer *t = &netisr_timers[smp_processor_id()];

	t->started = true;
	hrtimer_start(&t->timer, ns_to_ktime(NETISR_TICK_NS),
		      HRTIMER_MODE_REL_PINNED_SOFT);
}

struct netisr_ctl {
	struct lwkt_msg msg;	/* MSGF_PRIORITY, sent with lwkt_domsg() */
	unsigned int slot;
	struct netisr_flow *old, *new;
};

/* The control command, in the old flow's owning thread. */
static int netisr_recycle_cmd(lwkt_msg_t msg)
{
	struct netisr_ctl *ctl = container_of(msg, struct netisr_ctl, msg);
	struct netisr_flow *old = ctl->old;
	int error;

	rcu_assign_pointer(netisr_flows[ctl->slot], ctl->new);
	/* No timer sends the old flow's message any more... */
	synchronize_rcu();
	/*
	 * ...which is queued behind us, so still droppable, or done: this
	 * thread is the only one that runs it.
	 */
	error = lwkt_dropmsg(&old->msg);
	if (!error)
		atomic_long_inc(&netisr_dropped);
	else if (error != -ENOENT || !lwkt_checkmsg(&old->msg))
		atomic_long_inc(&netisr_bad);
	kfree(old);
	atomic_long_inc(&netisr_recycled);
	return 0;
}

static int netisr_recycler(void *unused)
{
	struct netisr_ctl ctl;
	struct netisr_flow *nf;

	while (!kthread_should_stop()) {
		usleep_range(2000, 4000);
		nf = netisr_flow_new();
		if (!nf)
			continue;
		ctl.slot = get_random_u32() % NETISR_FLOWS;
		/* Slots change only here, through the commands we wait for. */
		ctl.old = rcu_dereference_protected(netisr_flows[ctl.slot], 1);
		ctl.new = nf;
		lwkt_initmsg(&ctl.msg, NULL, MSGF_PRIORITY);
		ctl.msg.ms_cmd.cm_func = netisr_recycle_cmd;
		if (lwkt_domsg(lwkt_cpu_port(ctl.old->cpu), &ctl.msg, 0)) {
			atomic_long_inc(&netisr_bad);
			kfree(nf);
		}
	}
	return 0;
}

/* Stops everything; with @report, checks the counts.  Idempotent. */
static void netisr_stop(bool report)
{
	unsigned long counted = 0;
	long sent, dropped, lost;
	struct netisr_flow *f;
	int cpu, i, j;

	if (netisr_task) {
		kthread_stop(netisr_task);
		put_task_struct(netisr_task);
		netisr_task = NULL;
	}
	WRITE_ONCE(netisr_stopping, true);
	for (i = 0; netisr_timers && i < nr_cpu_ids; i++)
		if (netisr_timers[i].started)
			hrtimer_cancel(&netisr_timers[i].timer);
	/* Barrier: every counting message sent has been counted. */
	lwkt_cpu_ports_sync();
	for (i = 0; i < NETISR_FLOWS; i++) {
		f = rcu_dereference_protected(netisr_flows[i], 1);
		if (f && !lwkt_checkmsg(&f->msg))
			atomic_long_inc(&netisr_bad);
		kfree(f);
		RCU_INIT_POINTER(netisr_flows[i], NULL);
	}
	if (report && netisr_parts) {
		for_each_possible_cpu(cpu)
			for (j = 0; j < NETISR_BUCKETS; j++)
				counted += netisr_parts[cpu].count[j];
		sent = atomic_long_read(&netisr_sent);
		dropped = atomic_long_read(&netisr_dropped);
		lost = sent - dropped - (long)counted;
		pr_info("netisr: sent=%ld counted=%lu dropped=%ld recycled=%ld bad=%ld lost=%ld\n",
			sent, counted, dropped,
			atomic_long_read(&netisr_recycled),
			atomic_long_read(&netisr_bad), lost);
		WARN(lost || atomic_long_read(&netisr_bad),
		     "msgport_example: netisr counts do not close\n");
	}
	kfree(netisr_timers);
	kfree(netisr_parts);
	kfree(netisr_cpus);
	netisr_timers = NULL;
	netisr_parts = NULL;
	netisr_cpus = NULL;
}

static int netisr_start(void)
{
	struct netisr_flow *f;
	int cpu, i;

	netisr_parts = kcalloc(nr_cpu_ids, sizeof(*netisr_parts), GFP_KERNEL);
	netisr_timers = kcalloc(nr_cpu_ids, sizeof(*netisr_timers), GFP_KERNEL);
	netisr_cpus = kcalloc(nr_cpu_ids, sizeof(*netisr_cpus), GFP_KERNEL);
	if (!netisr_parts || !netisr_timers || !netisr_cpus)
		return -ENOMEM;
	for_each_possible_cpu(cpu)
		if (lwkt_cpu_port(cpu))
			netisr_cpus[netisr_nr_cpus++] = cpu;
	lwkt_initport_replyonly_null(&netisr_rport);
	for (i = 0; i < NETISR_FLOWS; i++) {
		f = netisr_flow_new();
		if (!f)
			return -ENOMEM;
		RCU_INIT_POINTER(netisr_flows[i], f);
	}
	for (i = 0; i < nr_cpu_ids; i++) {
		/* 6.13 added hrtimer_setup(); this builds on 6.1 too. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 13, 0)
		hrtimer_init(&netisr_timers[i].timer, CLOCK_MONOTONIC,
			     HRTIMER_MODE_REL_PINNED_SOFT);
		netisr_timers[i].timer.function = netisr_tick;
#else
		hrtimer_setup(&netisr_timers[i].timer, netisr_tick,
			      CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED_SOFT);
#endif
	}
	cpus_read_lock();
	on_each_cpu(netisr_timer_start, NULL, 1);
	cpus_read_unlock();
	netisr_task = kthread_run(netisr_recycler, NULL, "msgport_netisr");
	if (IS_ERR(netisr_task)) {
		int error = PTR_ERR(netisr_task);

		netisr_task = NULL;
		return error;
	}
	get_task_struct(netisr_task);
	return 0;
}

static void __exit msgport_example_exit(void)
{
	if (traffic_task) {
		kthread_stop(traffic_task);
		put_task_struct(traffic_task);
		/* Nothing is sent any more; wait for what was. */
		lwkt_cpu_ports_sync();
		/* Serves what is queued, then ends the threads. */
		lwkt_service_destroy(traffic_set);
		traffic_report();
		traffic_unfinished_report();
	}
	if (netisr)
		netisr_stop(true);
	kfree(traffic_kicks);
	kfree(traffic_served);
	if (my_service2.td)
		kthread_stop(my_service2.td);
	my_per_cpu_service_exit();
}

static int __init msgport_example_init(void)
{
	int error;

	error = my_per_cpu_service_init();
	if (!error)
		error = my_service_init();
	if (error)
		goto fail;

	example1();
	example2();
	service_tour();
	if (failures) {
		error = -EIO;
		goto fail;
	}
	pr_info("all examples passed on %u CPUs\n", num_online_cpus());

	if (traffic) {
		traffic_served = kcalloc(nr_cpu_ids, sizeof(*traffic_served),
					 GFP_KERNEL);
		if (!traffic_served) {
			error = -ENOMEM;
			goto fail;
		}
		error = traffic_init();
		if (error)
			goto fail;
		traffic_task = kthread_run(traffic_thread, NULL, "msgport_traffic");
		if (IS_ERR(traffic_task)) {
			error = PTR_ERR(traffic_task);
			traffic_task = NULL;
			goto fail;
		}
		get_task_struct(traffic_task);
	}
	if (netisr) {
		error = netisr_start();
		if (error)
			goto fail;
	}
	return 0;

fail:
	if (netisr)
		netisr_stop(false);
	if (traffic_task) {
		kthread_stop(traffic_task);
		put_task_struct(traffic_task);
		lwkt_cpu_ports_sync();
	}
	lwkt_service_destroy(traffic_set);
	kfree(traffic_kicks);
	kfree(traffic_served);
	if (my_service2.td)
		kthread_stop(my_service2.td);
	my_per_cpu_service_exit();
	return error;
}

module_init(msgport_example_init);
module_exit(msgport_example_exit);

MODULE_DESCRIPTION("msgport(9) EXAMPLES ported to Linux");
MODULE_LICENSE("GPL");
