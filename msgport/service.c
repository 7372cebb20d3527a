// SPDX-License-Identifier: GPL-2.0
/*
 * msgport: per-CPU service threads.
 *
 * Each CPU that has been online since the module loaded has a kthread,
 * "lwkt/N", bound to it, whose thread port runs msg->ms_cmd.cm_func(msg)
 * for every message it receives and replies with the return value
 * (DragonFly's netisr model).  lwkt_cpu_port() looks the port up.
 *
 * CPU hotplug: when a CPU goes down, its thread is unbound and goes on
 * serving its port from the remaining CPUs; when the CPU comes back, the
 * thread is bound to it again (the approach of workqueue's per-CPU pools).
 * No message is lost or stranded, and lwkt_cpu_port() of an offline CPU
 * stays usable.  A CPU that comes online for the first time gets its
 * thread then.
 *
 * Module unload: client modules hold a reference on this one while they
 * are loaded, so at unload nobody can send any more; each thread drains
 * its queue before it stops.
 */
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/sched/isolation.h>
#include <linux/sched.h>

#include "internal.h"

/**
 * struct lwkt_service - a per-CPU service thread and its port
 * @port: the thread port messages are sent to
 * @task: the thread; NULL until created, then set once (release) and
 *	read with acquire by lwkt_cpu_port()
 *
 * Locking: @task is written by the hotplug callbacks (serialised
 * by the hotplug lock) and module init/exit; @port has its own lock.
 */
struct lwkt_service {
	struct lwkt_port port;
	struct task_struct *task;
};

static DEFINE_PER_CPU(struct lwkt_service, lwkt_services);
static enum cpuhp_state lwkt_hp_state;

static int lwkt_service_run(lwkt_msg_t msg)
{
	int (*fn)(lwkt_msg_t msg) = msg->ms_cmd.cm_func;

	return fn ? fn(msg) : -EINVAL;
}

/*
 * A lwkt_domsg() by a service thread to its own port runs at once, in
 * place: queueing it would deadlock (netisr's loopback putport does the
 * same).  Asynchronous messages are queued as usual, behind the others,
 * and so is anything sent from an interrupt that hit the thread.
 */
int lwkt_service_putport(lwkt_port_t port, lwkt_msg_t msg)
{
	if (port->mp_td == current && in_task() && (msg->ms_flags & MSGF_SYNC))
		return lwkt_service_run(msg);
	return __lwkt_thread_putport(port, msg);
}

/* Messages a service thread takes off its queue at once. */
#define LWKT_SERVICE_BATCH	32

static int lwkt_service_thread(void *arg)
{
	struct lwkt_service *svc = arg;
	lwkt_msg_t msg, tmp;
	LIST_HEAD(batch);
	int error;

	/*
	 * Drain the queue a batch at a time; 0 only once kthread_stop() was
	 * called and the queue is empty.
	 */
	while (__lwkt_thread_waitbatch(&svc->port, &batch,
				       LWKT_SERVICE_BATCH)) {
		list_for_each_entry_safe(msg, tmp, &batch, ms_node) {
			/* Received: off every list before anyone sees it. */
			list_del_init(&msg->ms_node);
			error = lwkt_service_run(msg);
			/* EASYNC: the command kept the message, will reply. */
			if (error != EASYNC)
				lwkt_replymsg(msg, error);
			cond_resched();
		}
	}
	return 0;
}

static int lwkt_service_online(unsigned int cpu)
{
	struct lwkt_service *svc = per_cpu_ptr(&lwkt_services, cpu);
	struct task_struct *task;

	if (svc->task) {
		WARN_ON_ONCE(set_cpus_allowed_ptr(svc->task, cpumask_of(cpu)));
		return 0;
	}

	task = kthread_create_on_cpu(lwkt_service_thread, svc, cpu, "lwkt/%u");
	if (IS_ERR(task))
		return PTR_ERR(task);
	lwkt_initport_thread(&svc->port, task);
	svc->port.mp_putport = lwkt_service_putport;
	/* Publish the initialised port; pairs with lwkt_cpu_port(). */
	smp_store_release(&svc->task, task);
	wake_up_process(task);
	return 0;
}

static int lwkt_service_offline(unsigned int cpu)
{
	struct lwkt_service *svc = per_cpu_ptr(&lwkt_services, cpu);

	const struct cpumask *mask = housekeeping_cpumask(HK_TYPE_KTHREAD);

	if (!svc->task)
		return 0;
	/* Like workqueue's unbind_worker(): housekeeping CPUs if any is up. */
	if (!cpumask_intersects(mask, cpu_active_mask))
		mask = cpu_possible_mask;
	WARN_ON_ONCE(set_cpus_allowed_ptr(svc->task, mask));
	return 0;
}

/**
 * lwkt_cpu_port() - the port of a CPU's service thread
 * @cpu: the CPU
 *
 * The thread runs msg->ms_cmd.cm_func(msg) for each message and replies
 * with its return value, or -EINVAL if cm_func is NULL.  A cm_func that
 * returns EASYNC keeps the message and must reply to (or forward) it
 * itself.  A lwkt_domsg() by the thread to its own port runs at once, in
 * place.  While @cpu is offline its thread serves the port from another
 * CPU.
 *
 * Context: any.
 * Return: the port, or NULL if @cpu is not a valid CPU or has never been
 * online since msgport was loaded.
 */
lwkt_port_t lwkt_cpu_port(int cpu)
{
	struct lwkt_service *svc;

	if (cpu < 0 || cpu >= nr_cpu_ids || !cpu_possible(cpu))
		return NULL;
	svc = per_cpu_ptr(&lwkt_services, cpu);
	/* Pairs with the release in lwkt_service_online(). */
	if (!smp_load_acquire(&svc->task))
		return NULL;
	return &svc->port;
}
EXPORT_SYMBOL_GPL(lwkt_cpu_port);

static void lwkt_service_stop_all(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		struct lwkt_service *svc = per_cpu_ptr(&lwkt_services, cpu);

		if (!svc->task)
			continue;
		/* The thread drains its queue before it returns. */
		kthread_stop(svc->task);
		WARN_ON_ONCE(!list_empty(&svc->port.mp_msgq));
		svc->task = NULL;
	}
}

static int lwkt_service_init(void)
{
	int ret;

	ret = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "msgport:online",
				lwkt_service_online, lwkt_service_offline);
	if (ret < 0) {
		lwkt_service_stop_all();
		return ret;
	}
	lwkt_hp_state = ret;
	return 0;
}

static void lwkt_service_exit(void)
{
	cpuhp_remove_state_nocalls(lwkt_hp_state);
	lwkt_service_stop_all();
}

static int __init msgport_init(void)
{
	int ret;

	ret = lwkt_service_init();
	if (ret)
		return ret;
	pr_info("loaded, %u service threads\n", num_online_cpus());
	return 0;
}

static void __exit msgport_exit(void)
{
	lwkt_service_exit();
}

module_init(msgport_init);
module_exit(msgport_exit);

MODULE_DESCRIPTION("LWKT message ports (DragonFly msgport(9)) for Linux");
MODULE_LICENSE("GPL");
