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
 * The thread runs on its CPU until msgport's own hotplug callback lets it
 * go, also after the scheduler has deactivated the dying CPU (from then on
 * it pushes away every task that is neither a per-CPU kthread, which
 * modules cannot make, nor migration-disabled): the thread holds
 * migrate_disable() while bound.  msgport's state is a CPUHP_AP_ONLINE_DYN
 * one, registered at load, and those tear down in the reverse order of
 * their number, so the callbacks of a client's state registered later
 * (which gets a higher number, see Documentation/msgport.rst) still find
 * lwkt_cpu_port(cpu) running on cpu.
 *
 * Module unload: client modules hold a reference on this one while they
 * are loaded, so at unload nobody can send any more; each thread drains
 * its queue before it stops.
 */
#include <linux/blkdev.h>
#include <linux/cpu.h>
#include <linux/debugfs.h>
#include <linux/cpuhotplug.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/timekeeping.h>
#include <linux/sched/isolation.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/wait_bit.h>

#include "internal.h"
#include "msgport_trace.h"

/**
 * struct lwkt_service - a per-CPU service thread and its port
 * @port: the thread port messages are sent to
 * @task: the thread; NULL until created, then set once (release) and
 *	read with acquire by lwkt_cpu_port()
 * @pin: the thread should hold migrate_disable() (its CPU is up)
 * @kick: @pin changed; the thread clears it and looks
 * @pinned: the thread holds migrate_disable()
 * @set: the private set it belongs to, NULL for lwkt_cpu_port()'s
 * @served: statistics, written by the thread only (WRITE_ONCE), read
 *	anywhere (READ_ONCE): messages run, ...
 * @batches: ... runs of messages between two waits, ...
 * @spins: ... waits that ended while it spun, ...
 * @sleeps: ... waits that slept, ...
 * @held: ... and replies it held back to send with later ones
 *
 * Locking: @task and @pin are written by the hotplug callbacks (serialised
 * by the hotplug lock; each waits with wait_var_event() until the thread
 * has followed, so one request at most is outstanding) and module
 * init/exit; @pinned by the thread only; @kick by both, ordered after
 * @pin; @port has its own lock.
 */
struct lwkt_service {
	struct lwkt_port port;
	struct task_struct *task;
	bool pin;
	bool kick;
	bool pinned;
	struct lwkt_service_set *set;
	unsigned long served;
	unsigned long batches;
	unsigned long spins;
	unsigned long sleeps;
	unsigned long held;
};

/* One of @svc's statistics goes up by @n; only the thread itself. */
#define lwkt_service_count(svc, field, n) \
	WRITE_ONCE((svc)->field, (svc)->field + (n))

/**
 * struct lwkt_service_set - a client's private service threads
 * @name: the threads are called "<name>/<cpu>" (or "<name>/u<i>")
 * @nr: unbound: the number of threads; per-CPU: 0
 * @rollup: called by a thread after each batch, or NULL
 * @arg: @rollup's argument
 * @pcpu: per-CPU: the threads
 * @svcs: unbound: the threads
 * @node: per-CPU: the instance of the hotplug state
 *
 * Locking: set up before the first thread starts and read-only after;
 * the threads' fields as in struct lwkt_service.
 */
struct lwkt_service_set {
	char name[TASK_COMM_LEN];
	unsigned int nr;
	void (*rollup)(void *arg);
	void *arg;
	struct lwkt_service __percpu *pcpu;
	struct lwkt_service *svcs;
	struct hlist_node node;
};

static DEFINE_PER_CPU(struct lwkt_service, lwkt_services);
static enum cpuhp_state lwkt_hp_state, lwkt_set_hp_state;

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

/*
 * A service thread takes one message at a time off its queue, so that a
 * message stays droppable until its command starts.  It holds back the
 * replies of at most this many consecutive commands...
 */
#define LWKT_SERVICE_BATCH	32
/* ...and for at most this long, plus the run time of one command. */
#define LWKT_HOLD_NS		(50 * NSEC_PER_USEC)

#ifdef CONFIG_BLOCK
/*
 * Held-back replies.  A service thread queues the asynchronous replies of
 * a batch to their reply port under one lock per port and batch instead of
 * one per message: with replies going to another CPU's receiver, the
 * contended lock was most of a reply's cost.  Replies are held back only
 * while the thread runs: they go out, in order,
 *  - at the end of the batch: once the queue is empty, after
 *    LWKT_SERVICE_BATCH replies, or once the oldest is LWKT_HOLD_NS old
 *    when a command returns;
 *  - before the thread yields its CPU to another task (need_resched()
 *    after a command);
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
	unsigned int n;		/* replies held since the last flush */
	u64 since;		/* ktime_get_mono_fast_ns() of the first */
};

static bool lwkt_replies_due(struct lwkt_replies *r)
{
	return r->n && (r->n >= LWKT_SERVICE_BATCH ||
			ktime_get_mono_fast_ns() - r->since >= LWKT_HOLD_NS);
}

/* The plug callback: @cb is off the plug's list already. */
static void lwkt_replies_unplug(struct blk_plug_cb *cb, bool from_schedule)
{
	struct lwkt_replies *r = container_of(cb, struct lwkt_replies, cb);

	r->n = 0;
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

/* Reply to @msg, or hold the reply back: true if held. */
static bool lwkt_service_reply(struct lwkt_replies *r, lwkt_msg_t msg,
			       int error)
{
	struct blk_plug *plug = current->plug;

	if (!plug || !__lwkt_reply_deferrable(msg, error)) {
		lwkt_replymsg(msg, error);
		return false;
	}
	if (!list_empty(&r->list) && r->port != msg->ms_reply_port)
		lwkt_service_flush_replies();
	if (list_empty(&r->list)) {
		r->port = msg->ms_reply_port;
		list_add(&r->cb.list, &plug->cb_list);
	}
	if (!r->n++)
		r->since = ktime_get_mono_fast_ns();
	list_add_tail(&msg->ms_node, &r->list);
	return true;
}
#else /* !CONFIG_BLOCK: no plug to hang them on, replies go at once */
struct lwkt_replies {
};

static bool lwkt_replies_due(struct lwkt_replies *r)
{
	return false;
}

void lwkt_service_flush_replies(void)
{
}

static bool lwkt_service_reply(struct lwkt_replies *r, lwkt_msg_t msg,
			       int error)
{
	lwkt_replymsg(msg, error);
	return false;
}
#endif

/*
 * Follow @svc->pin: hold migrate_disable() while the CPU is up (the
 * online callback has moved the thread there before asking), let go when
 * the offline callback asks.
 */
static void lwkt_service_repin(struct lwkt_service *svc)
{
	bool pin;

	WRITE_ONCE(svc->kick, false);
	/* Read @pin after clearing @kick; pairs with lwkt_service_set_pin(). */
	smp_mb();
	pin = READ_ONCE(svc->pin);
	if (pin == svc->pinned)
		return;
	if (pin)
		migrate_disable();
	else
		migrate_enable();
	/* Pairs with the acquire in lwkt_service_set_pin(). */
	smp_store_release(&svc->pinned, pin);
	/* The store before the waiter check; see wake_up_var(). */
	smp_mb();
	wake_up_var(&svc->pinned);
}

/* Take the next message, or sleep until there is one (or a pin request). */
static lwkt_msg_t lwkt_service_next(struct lwkt_service *svc)
{
	unsigned long nvcsw;
	LIST_HEAD(one);
	lwkt_msg_t msg;
	bool wait;

	do {
		lwkt_service_repin(svc);
		/* For the statistics: a wait, and did it sleep? */
		wait = data_race(list_empty(&svc->port.mp_msgq));
		nvcsw = current->nvcsw;
		if (__lwkt_thread_waitbatch(&svc->port, &one, 1, &svc->kick)) {
			if (wait && current->nvcsw == nvcsw)
				lwkt_service_count(svc, spins, 1);
			else if (wait)
				lwkt_service_count(svc, sleeps, 1);
			msg = list_first_entry(&one, struct lwkt_msg, ms_node);
			/* Off @one, which is gone once we return. */
			list_del_init(&msg->ms_node);
			return msg;
		}
	} while (READ_ONCE(svc->kick));
	return NULL;	/* kthread_stop() */
}

static int lwkt_service_thread(void *arg)
{
	struct lwkt_service *svc = arg;
	lwkt_msg_t msg;
	struct blk_plug plug;
	unsigned int n;
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
	 * Drain the queue one message at a time; NULL only once
	 * kthread_stop() was called and the queue is empty.
	 */
	while ((msg = lwkt_service_next(svc))) {
		blk_start_plug(&plug);
		n = 0;
		do {
			/* Received: off every list before anyone sees it. */
			list_del_init(&msg->ms_node);
			error = lwkt_service_run(msg);
			n++;
			/*
			 * EASYNC: the command kept the message and will reply,
			 * maybe from elsewhere: earlier replies go first.
			 */
			if (error != EASYNC) {
				if (lwkt_service_reply(&replies, msg, error))
					lwkt_service_count(svc, held, 1);
			} else
				lwkt_service_flush_replies();
			/* Not while off the CPU, nor for too long. */
			if (need_resched() || lwkt_replies_due(&replies))
				lwkt_service_flush_replies();
			cond_resched();
			if (READ_ONCE(svc->kick))
				break;
		} while ((msg = lwkt_getport(&svc->port)));
		lwkt_service_count(svc, served, n);
		lwkt_service_count(svc, batches, 1);
		trace_msgport_batch(&svc->port, raw_smp_processor_id(), n);
		/* netisr's rollup: after the batch, before its replies go. */
		if (svc->set && svc->set->rollup)
			svc->set->rollup(svc->set->arg);
		/* Sends the held-back replies. */
		blk_finish_plug(&plug);
	}
	if (svc->pinned)
		migrate_enable();
	return 0;
}

/*
 * Ask the thread to take or drop migrate_disable(), and wait until it has
 * (for the drop: until its current command has returned).
 */
static void lwkt_service_set_pin(struct lwkt_service *svc, bool pin)
{
	WRITE_ONCE(svc->pin, pin);
	/* @pin before @kick; pairs with lwkt_service_repin(). */
	smp_mb();
	WRITE_ONCE(svc->kick, true);
	__lwkt_thread_kick(&svc->port);
	/* Pairs with the release in lwkt_service_repin(). */
	wait_var_event(&svc->pinned, smp_load_acquire(&svc->pinned) == pin);
}

static int __lwkt_service_online(struct lwkt_service *svc, unsigned int cpu,
				 const char *name)
{
	struct task_struct *task;

	if (svc->task) {
		/* Back on @cpu (this waits for the move), then pinned. */
		WARN_ON_ONCE(set_cpus_allowed_ptr(svc->task, cpumask_of(cpu)));
		lwkt_service_set_pin(svc, true);
		return 0;
	}

	task = kthread_create_on_cpu(lwkt_service_thread, svc, cpu, name);
	if (IS_ERR(task))
		return PTR_ERR(task);
	lwkt_initport_thread(&svc->port, task);
	__lwkt_initport_service(&svc->port, lwkt_service_putport);
	svc->pin = true;	/* it starts bound to @cpu */
	/* Publish the initialised port; pairs with lwkt_cpu_port(). */
	smp_store_release(&svc->task, task);
	wake_up_process(task);
	return 0;
}

static int lwkt_service_online(unsigned int cpu)
{
	return __lwkt_service_online(per_cpu_ptr(&lwkt_services, cpu), cpu,
				     "lwkt/%u");
}

static int __lwkt_service_offline(struct lwkt_service *svc)
{
	const struct cpumask *mask = housekeeping_cpumask(HK_TYPE_KTHREAD);

	if (!svc->task)
		return 0;
	lwkt_service_set_pin(svc, false);
	/* Like workqueue's unbind_worker(): housekeeping CPUs if any is up. */
	if (!cpumask_intersects(mask, cpu_active_mask))
		mask = cpu_possible_mask;
	WARN_ON_ONCE(set_cpus_allowed_ptr(svc->task, mask));
	return 0;
}

static int lwkt_service_offline(unsigned int cpu)
{
	return __lwkt_service_offline(per_cpu_ptr(&lwkt_services, cpu));
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

static int lwkt_service_nop(lwkt_msg_t msg)
{
	return 0;
}

/**
 * lwkt_port_sync() - wait until a service port has served what it was sent
 * @port: a service port (lwkt_cpu_port())
 *
 * DragonFly's netmsg_service_sync() for one port, workqueue's
 * flush_workqueue(): returns once every message sent to @port before the
 * call has been run and its reply given back (a reply port's handler, an
 * lwkt_initport_replyonly() one included, has returned), except for
 * commands that returned EASYNC, which answer for their own replies.
 * Messages sent with MSGF_PRIORITY after the call may be served first;
 * others sent after the call are not waited for.  It sends @port a
 * message and waits for its reply, which the service thread gives back
 * only after all earlier ones.
 *
 * Context: process context, not @port's own service thread (deadlock);
 * sleeps.
 * Return: 0; -EINVAL if @port is not a service port; -EDEADLK (and a
 * one-time warning) if called by @port's own thread.
 */
int lwkt_port_sync(lwkt_port_t port)
{
	struct lwkt_msg msg;

	if (!port || port->mp_putport != lwkt_service_putport)
		return -EINVAL;
	if (WARN_ONCE(port->mp_td == current,
		      "msgport: %s() by the thread of port %p\n", __func__,
		      port))
		return -EDEADLK;
	lwkt_initmsg(&msg, NULL, 0);
	msg.ms_cmd.cm_func = lwkt_service_nop;
	return lwkt_domsg(port, &msg, 0);
}
EXPORT_SYMBOL_GPL(lwkt_port_sync);

/**
 * lwkt_cpu_ports_sync() - lwkt_port_sync() on every service port
 *
 * DragonFly's netmsg_service_sync().  A module whose commands or reply
 * handlers live in its own text calls this in its exit function, after it
 * has stopped sending, so that no service thread still runs them when its
 * text goes: see Documentation/msgport.rst.
 *
 * Context: process context, not a service thread; sleeps.
 * Return: 0; -EDEADLK (and a one-time warning) if called by a service
 * thread, whose own port is then skipped.
 */
int lwkt_cpu_ports_sync(void)
{
	int cpu, error, ret = 0;
	lwkt_port_t port;

	for_each_possible_cpu(cpu) {
		port = lwkt_cpu_port(cpu);
		if (!port)
			continue;
		error = lwkt_port_sync(port);
		if (error && !ret)
			ret = error;
	}
	return ret;
}
EXPORT_SYMBOL_GPL(lwkt_cpu_ports_sync);

/* Stop a thread, which drains its queue first. */
static void lwkt_service_stop(struct lwkt_service *svc)
{
	if (!svc->task)
		return;
	kthread_stop(svc->task);
	WARN_ON_ONCE(!list_empty(&svc->port.mp_msgq));
	svc->task = NULL;
}

static void lwkt_service_stop_all(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		lwkt_service_stop(per_cpu_ptr(&lwkt_services, cpu));
}

/* The hotplug callbacks of private per-CPU sets: one instance each. */
static int lwkt_set_online(unsigned int cpu, struct hlist_node *node)
{
	struct lwkt_service_set *set = hlist_entry(node, struct lwkt_service_set,
						   node);
	struct lwkt_service *svc = per_cpu_ptr(set->pcpu, cpu);
	char name[TASK_COMM_LEN + 4];

	svc->set = set;
	snprintf(name, sizeof(name), "%s/%%u", set->name);
	return __lwkt_service_online(svc, cpu, name);
}

static int lwkt_set_offline(unsigned int cpu, struct hlist_node *node)
{
	struct lwkt_service_set *set = hlist_entry(node, struct lwkt_service_set,
						   node);

	return __lwkt_service_offline(per_cpu_ptr(set->pcpu, cpu));
}

static void lwkt_service_set_free(struct lwkt_service_set *set)
{
	unsigned int i;

	if (set->pcpu) {
		for_each_possible_cpu(i)
			lwkt_service_stop(per_cpu_ptr(set->pcpu, i));
		free_percpu(set->pcpu);
	}
	if (set->svcs) {
		for (i = 0; i < set->nr; i++)
			lwkt_service_stop(&set->svcs[i]);
		kfree(set->svcs);
	}
	kfree(set);
}

/**
 * lwkt_service_create() - make a private set of service threads
 * @name: their name: "<name>/<cpu>", or "<name>/u<i>" if unbound
 * @nr_unbound: 0 for one thread per CPU, bound like lwkt_cpu_port()'s
 *	(CPU hotplug included); else this many threads not bound to any CPU
 * @rollup: if not NULL, called by a thread with @arg after each batch
 *	(the messages it ran back to back while its queue was not empty),
 *	before that batch's held-back replies go out: DragonFly's netisr
 *	rollup, for work a batch of commands accumulates
 * @arg: @rollup's argument
 *
 * The threads and their ports work exactly as lwkt_cpu_port()'s, but
 * serve only the client that made them: a command of one client that
 * sleeps does not hold up the others' on that CPU.  lwkt_service_port()
 * gives their ports, lwkt_port_sync() is a barrier on each;
 * lwkt_service_destroy() ends them.
 *
 * Context: process context; sleeps.
 * Return: the set, or an ERR_PTR(): -EINVAL for an empty @name, one with
 * a '%', or more unbound threads than 4 per possible CPU; -ENOMEM; the
 * error of a thread's creation.
 */
struct lwkt_service_set *lwkt_service_create(const char *name,
					     unsigned int nr_unbound,
					     void (*rollup)(void *arg),
					     void *arg)
{
	struct lwkt_service_set *set;
	struct task_struct *task;
	unsigned int i;
	int ret;

	if (!name || !*name || strchr(name, '%') ||
	    nr_unbound > 4 * num_possible_cpus())
		return ERR_PTR(-EINVAL);
	set = kzalloc(sizeof(*set), GFP_KERNEL);
	if (!set)
		return ERR_PTR(-ENOMEM);
	strscpy(set->name, name, sizeof(set->name));
	set->rollup = rollup;
	set->arg = arg;
	if (!nr_unbound) {
		set->pcpu = alloc_percpu(struct lwkt_service);
		if (!set->pcpu) {
			ret = -ENOMEM;
			goto fail;
		}
		/* Runs lwkt_set_online() on each online CPU, or undoes all. */
		ret = cpuhp_state_add_instance(lwkt_set_hp_state, &set->node);
		if (ret)
			goto fail;
		return set;
	}
	set->svcs = kcalloc(nr_unbound, sizeof(*set->svcs), GFP_KERNEL);
	if (!set->svcs) {
		ret = -ENOMEM;
		goto fail;
	}
	set->nr = nr_unbound;
	for (i = 0; i < nr_unbound; i++) {
		struct lwkt_service *svc = &set->svcs[i];

		task = kthread_create(lwkt_service_thread, svc, "%s/u%u",
				      set->name, i);
		if (IS_ERR(task)) {
			ret = PTR_ERR(task);
			goto fail;
		}
		svc->set = set;
		lwkt_initport_thread(&svc->port, task);
		__lwkt_initport_service(&svc->port, lwkt_service_putport);
		/* Published to lwkt_service_port() by our caller's return. */
		svc->task = task;
		wake_up_process(task);
	}
	return set;

fail:
	lwkt_service_set_free(set);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_GPL(lwkt_service_create);

/**
 * lwkt_service_port() - a port of a private set of service threads
 * @set: from lwkt_service_create()
 * @i: per-CPU set: the CPU; unbound: any number, taken modulo the
 *	number of threads
 *
 * Context: any.
 * Return: the port, or NULL if @i is not a valid CPU or that CPU has not
 * been online since @set was made (per-CPU sets; as lwkt_cpu_port()).
 */
lwkt_port_t lwkt_service_port(struct lwkt_service_set *set, unsigned int i)
{
	struct lwkt_service *svc;

	if (set->svcs)
		return &set->svcs[i % set->nr].port;
	if (i >= nr_cpu_ids || !cpu_possible(i))
		return NULL;
	svc = per_cpu_ptr(set->pcpu, i);
	/* Pairs with the release in __lwkt_service_online(). */
	if (!smp_load_acquire(&svc->task))
		return NULL;
	return &svc->port;
}
EXPORT_SYMBOL_GPL(lwkt_service_port);

/**
 * lwkt_service_destroy() - end a private set of service threads
 * @set: from lwkt_service_create(), or an ERR_PTR() or NULL (no-op)
 *
 * Each thread serves what is still queued on its port, then ends; the
 * caller must have stopped sending.  Once this returns, no command,
 * reply handler or rollup of the set runs any more.
 *
 * Context: process context, not one of @set's threads; sleeps.
 */
void lwkt_service_destroy(struct lwkt_service_set *set)
{
	if (IS_ERR_OR_NULL(set))
		return;
	if (set->pcpu)
		cpuhp_state_remove_instance_nocalls(lwkt_set_hp_state,
						    &set->node);
	lwkt_service_set_free(set);
}
EXPORT_SYMBOL_GPL(lwkt_service_destroy);

/*
 * /sys/kernel/debug/msgport/services: the statistics of each per-CPU
 * service thread (lwkt/N), one line per possible CPU that has one.
 */
static struct dentry *lwkt_debugfs;

static int lwkt_services_show(struct seq_file *m, void *v)
{
	struct lwkt_service *svc;
	unsigned int cpu;

	seq_puts(m, "cpu served batches spins sleeps held\n");
	for_each_possible_cpu(cpu) {
		svc = per_cpu_ptr(&lwkt_services, cpu);
		/* Pairs with the release that publishes the thread. */
		if (!smp_load_acquire(&svc->task))
			continue;
		seq_printf(m, "%u %lu %lu %lu %lu %lu\n", cpu,
			   READ_ONCE(svc->served), READ_ONCE(svc->batches),
			   READ_ONCE(svc->spins), READ_ONCE(svc->sleeps),
			   READ_ONCE(svc->held));
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(lwkt_services);

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
	/* Private per-CPU sets: a state of their own, instances added later. */
	ret = cpuhp_setup_state_multi(CPUHP_AP_ONLINE_DYN, "msgport:private",
				      lwkt_set_online, lwkt_set_offline);
	if (ret < 0) {
		cpuhp_remove_state_nocalls(lwkt_hp_state);
		lwkt_service_stop_all();
		return ret;
	}
	lwkt_set_hp_state = ret;
	lwkt_debugfs = debugfs_create_dir("msgport", NULL);
	debugfs_create_file("services", 0444, lwkt_debugfs, NULL,
			    &lwkt_services_fops);
	return 0;
}

static void lwkt_service_exit(void)
{
	debugfs_remove_recursive(lwkt_debugfs);
	cpuhp_remove_multi_state(lwkt_set_hp_state);
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
