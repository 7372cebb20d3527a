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
 *    threads before the module goes.
 *
 * Loading fails (-EIO) if any example does not produce the expected result.
 */
#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <msgport/msgport.h>

static bool traffic;
module_param(traffic, bool, 0444);
MODULE_PARM_DESC(traffic, "keep messages flowing to every service port until unload");

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
	return 0;

fail:
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
