/* SPDX-License-Identifier: GPL-2.0 */
/*
 * syslet: what differs between the kernels it builds against.
 *
 * Workers are vhost tasks (threads of the owning process), with the
 * interface of 6.11 and later (a SIGKILL callback; 6.4 to 6.10 had none
 * and are not supported).  Without CONFIG_VHOST_TASK (Debian 12's 6.1 has
 * no vhost_task at all), the module builds but SYSLET_IOC_REGISTER fails
 * with -EOPNOTSUPP: there is no sound way for a module to make a thread
 * of the submitting process.
 */
#ifndef _SYSLET_COMPAT_H
#define _SYSLET_COMPAT_H

#include <linux/err.h>
#include <linux/eventfd.h>
#include <linux/hrtimer.h>
#include <linux/version.h>

#ifdef CONFIG_VHOST_TASK
#include <linux/sched/vhost_task.h>
#define SYSLET_HAVE_WORKERS	1
#else
#define SYSLET_HAVE_WORKERS	0
struct vhost_task;

static inline struct vhost_task *
vhost_task_create(bool (*fn)(void *), void (*handle_kill)(void *), void *arg,
		  const char *name)
{
	return ERR_PTR(-EOPNOTSUPP);
}

static inline void vhost_task_start(struct vhost_task *vtsk) { }
static inline void vhost_task_stop(struct vhost_task *vtsk) { }
static inline void vhost_task_wake(struct vhost_task *vtsk) { }
#endif

#ifndef PF_USER_WORKER
#define PF_USER_WORKER		0
#endif

/* 6.8 dropped eventfd_signal()'s count. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 8, 0)
#define syslet_eventfd_signal(ctx)	eventfd_signal((ctx), 1)
#else
#define syslet_eventfd_signal(ctx)	eventfd_signal(ctx)
#endif

/* 6.13 added hrtimer_setup(); hrtimer_init() went later. */
static inline void
syslet_hrtimer_setup(struct hrtimer *timer,
		     enum hrtimer_restart (*fn)(struct hrtimer *),
		     clockid_t clock, enum hrtimer_mode mode)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 13, 0)
	hrtimer_init(timer, clock, mode);
	timer->function = fn;
#else
	hrtimer_setup(timer, fn, clock, mode);
#endif
}

#endif /* _SYSLET_COMPAT_H */
