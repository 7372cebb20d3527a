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
#include <linux/blkdev.h>
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

#ifdef CONFIG_BLOCK
/*
 * Held-back replies.  A service thread queues the asynchronous replies of
 * a batch to their reply port under one lock per port and batch instead of
 * one per message: with replies going to another CPU's receiver, the
 * contended lock was most of a reply's cost.  Replies are held back only
 * while the thread runs: they go out, in order,
 *  - at the end of the batch;
 *  - before a reply to another port, and before any reply the thread makes
 *    through lwkt_replymsg() (a lwkt_domsg() message's, or one a command
 *    makes itself), so the thread's replies keep their order;
 *  - before a command sleeps: the list hangs on the thread's block plug,
 *    whose callbacks schedule() runs before the task blocks (what md and
 *    dm use for their deferred work), so a command that waits for the
 *    effect of an earlier reply cannot deadlock.
 * Only the service thread touches it, so it needs no lock.
 */
struct lwkt_replies {
	struct blk_plug_cb cb;	/* on current->plug->cb_list iff @list is not empty */
	struct list_head list;
	lwkt_port_t port;	/* where all of @list goes */
};

/* The plug callback: @cb is off the plug's list already. */
static void lwkt_replies_unplug(struct blk_plug_cb *cb, bool from_schedule)
{
	struct lwkt_replies *r = container_of(cb, struct lwkt_replies, cb);

	__lwkt_queue_replies(r->port, &r->list);
}

/*
 * Send the current task's held-back replies, if it is a service thread
 * with any.  Called by lwkt_replymsg() first thing.  Not from an interrupt:
 * current is then whoever was interrupted, maybe a service thread in the
 * middle of adding to its list; an interrupt's reply is not the thread's
 * and needs no ordering against its held-back ones.
 */
void lwkt_service_flush_replies(void)
{
	struct blk_plug *plug = current->plug;
	struct blk_plug_cb *cb;

	if (likely(!plug) || !in_task())
		return;
	list_for_each_entry(cb, &plug->cb_list, list) {
		if (cb->callback == lwkt_replies_unplug) {
			list_del(&cb->list);
			lwkt_replies_unplug(cb, false);
			return;
		}
	}
}

static void lwkt_service_reply(struct lwkt_replies *r, lwkt_msg_t msg,
			       int error)
{
	struct blk_plug *plug = current->plug;

	if (!plug || !__lwkt_reply_deferrable(msg, error)) {
		lwkt_replymsg(msg, error);
		return;
	}
	if (!list_empty(&r->list) && r->port != msg->ms_reply_port)
		lwkt_service_flush_replies();
	if (list_empty(&r->list)) {
		r->port = msg->ms_reply_port;
		list_add(&r->cb.list, &plug->cb_list);
	}
	list_add_tail(&msg->ms_node, &r->list);
}
#else /* !CONFIG_BLOCK: no plug to hang them on, replies go at once */
struct lwkt_replies {
};

void lwkt_service_flush_replies(void)
{
}

static void lwkt_service_reply(struct lwkt_replies *r, lwkt_msg_t msg,
			       int error)
{
	lwkt_replymsg(msg, error);
}
#endif

static int lwkt_service_thread(void *arg)
{
	struct lwkt_service *svc = arg;
	lwkt_msg_t msg, tmp;
	LIST_HEAD(batch);
	struct blk_plug plug;
	int error;
#ifdef CONFIG_BLOCK
	struct lwkt_replies replies = {
		.cb.callback = lwkt_replies_unplug,
		.list = LIST_HEAD_INIT(replies.list),
	};
#else
	struct lwkt_replies replies;
#endif

	/*
	 * Drain the queue a batch at a time; 0 only once kthread_stop() was
	 * called and the queue is empty.
	 */
	while (__lwkt_thread_waitbatch(&svc->port, &batch,
				       LWKT_SERVICE_BATCH)) {
		blk_start_plug(&plug);
		list_for_each_entry_safe(msg, tmp, &batch, ms_node) {
			/* Received: off every list before anyone sees it. */
			list_del_init(&msg->ms_node);
			error = lwkt_service_run(msg);
			/*
			 * EASYNC: the command kept the message and will reply,
			 * maybe from elsewhere: earlier replies go first.
			 */
			if (error != EASYNC)
				lwkt_service_reply(&replies, msg, error);
			else
				lwkt_service_flush_replies();
			/* Not while off the CPU, either. */
			if (need_resched())
				lwkt_service_flush_replies();
			cond_resched();
		}
		/* Sends the held-back replies. */
		blk_finish_plug(&plug);
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
MODULE_VERSION(MSGPORT_VERSION);
