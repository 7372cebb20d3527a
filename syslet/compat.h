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

#include <linux/capability.h>
#include <linux/err.h>
#include <linux/eventfd.h>
#include <linux/fs.h>
#include <linux/hrtimer.h>
#include <linux/mount.h>
#include <linux/namei.h>
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
 * mkdirat: since 6.3 the VFS takes the mount's idmap (mnt_idmap()) and
 * strips the umask itself, with mode_strip_umask() for the LSM hook; 6.1
 * takes the mount's user namespace, and do_mkdirat() strips the umask
 * first (unless the file system applies POSIX ACLs).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
static inline umode_t syslet_mkdir_lsm_mode(const struct path *dir, umode_t mode)
{
	return mode_strip_umask(d_inode(dir->dentry), mode);
}

static inline int syslet_vfs_mkdir(const struct path *dir,
				   struct dentry *dentry, umode_t mode)
{
	return vfs_mkdir(mnt_idmap(dir->mnt), d_inode(dir->dentry), dentry,
			 mode);
}

static inline int syslet_inode_permission(const struct path *path, int mask)
{
	return inode_permission(mnt_idmap(path->mnt), d_backing_inode(path->dentry),
				mask);
}
#else
static inline umode_t syslet_mkdir_lsm_mode(const struct path *dir, umode_t mode)
{
	return IS_POSIXACL(d_inode(dir->dentry)) ? mode :
						    mode & ~current_umask();
}

static inline int syslet_vfs_mkdir(const struct path *dir,
				   struct dentry *dentry, umode_t mode)
{
	return vfs_mkdir(mnt_user_ns(dir->mnt), d_inode(dir->dentry), dentry,
			 syslet_mkdir_lsm_mode(dir, mode));
}

static inline int syslet_inode_permission(const struct path *path, int mask)
{
	return inode_permission(mnt_user_ns(path->mnt),
				d_backing_inode(path->dentry), mask);
}

/* 6.1's kernel_cap_t is an array, without cap_isidentical(). */
static inline bool cap_isidentical(const kernel_cap_t a, const kernel_cap_t b)
{
	return !memcmp(&a, &b, sizeof(a));
}
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
