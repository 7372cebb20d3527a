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
#include <linux/socket.h>
#include <linux/uio.h>
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

/*
 * import_ubuf() is declared from 6.4 on; before, import_single_range()
 * does the same, with an iterator that points to @iov (which must then
 * outlive it).
 */
static inline int syslet_import_ubuf(int rw, void __user *buf, size_t len,
				     struct iovec *iov, struct iov_iter *i)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
	return import_ubuf(rw, buf, len, i);
#else
	return import_single_range(rw, buf, len, iov, i);
#endif
}

/* Flags sendmsg(2) clears: none before 6.5 (Debian 12's 6.1 has them). */
#ifndef MSG_INTERNAL_SENDMSG_FLAGS
#define MSG_INTERNAL_SENDMSG_FLAGS	0
#endif

#ifndef PF_USER_WORKER
#define PF_USER_WORKER		0
#endif

#endif /* _SYSLET_COMPAT_H */
