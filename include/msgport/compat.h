/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What differs between the kernels the modules build against, in one
 * place: Debian 12's 6.1, Debian's 6.12 and sid's 7.2 (scripts/build.sh
 * builds all three with W=1).  Where a newer kernel has an interface an
 * older one lacks, this header gives the older one that interface, so
 * that the code is written once, for the newest kernel; where a field
 * changed, a compat_ helper hides it.  Kernels between these three are
 * not built: the version numbers below are those of the upstream release
 * that made each change.
 */
#ifndef _MSGPORT_COMPAT_H
#define _MSGPORT_COMPAT_H

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/eventfd.h>
#include <linux/fs.h>
#include <linux/fs_struct.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/nospec.h>
#include <linux/pagemap.h>
#include <linux/writeback.h>
#include <linux/sched.h>
#include <linux/socket.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <linux/version.h>

/*
 * syslet's workers are vhost tasks (threads of the owning process), with
 * the interface of 6.11 and later (a SIGKILL callback; 6.4 to 6.10 had
 * none and are not supported).  Without CONFIG_VHOST_TASK (Debian 12's 6.1
 * has no vhost_task at all), syslet builds but SYSLET_IOC_REGISTER fails
 * with -EOPNOTSUPP: 6.1 exports nothing else that makes a thread of
 * another process (create_io_thread(), kernel_clone(), user_mode_thread()
 * are all internal), and a kernel thread that borrows the process's
 * files and mm is the uncounted-file-table model the workers left.
 */
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

/* import_ubuf() came in 6.4; 6.1 has iov_iter_ubuf() under it. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 4, 0)
static inline int import_ubuf(int rw, void __user *buf, size_t len,
			      struct iov_iter *i)
{
	if (len > MAX_RW_COUNT)
		len = MAX_RW_COUNT;
	if (unlikely(!access_ok(buf, len)))
		return -EFAULT;
	iov_iter_ubuf(i, rw, buf, len);
	return 0;
}
#endif

/*
 * compat_file_buffer_wasync() - can a buffered write to @file be tried
 *	with RWF_NOWAIT?  A file_operations flag since 6.11, an f_mode bit
 *	before.
 */
static inline bool compat_file_buffer_wasync(const struct file *file)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
	return file->f_op->fop_flags & FOP_BUFFER_WASYNC;
#else
	return file->f_mode & FMODE_BUF_WASYNC;
#endif
}

/*
 * compat_get_file_unless_zero() - a reference to @file unless its count
 *	already dropped to zero (the file is being released).  The count is
 *	a file_ref_t since 6.13, an atomic_long_t f_count before.
 */
static inline bool compat_get_file_unless_zero(struct file *file)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
	return file_ref_get(&file->f_ref);
#else
	return atomic_long_inc_not_zero(&file->f_count);
#endif
}

/*
 * compat_fs_struct_init_lock() - initialise the lock of a private
 *	fs_struct: a seqlock_t since 6.15, a spinlock and a seqcount on it
 *	before.
 */
static inline void compat_fs_struct_init_lock(struct fs_struct *fs)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 15, 0)
	seqlock_init(&fs->seq);
#else
	spin_lock_init(&fs->lock);
	seqcount_spinlock_init(&fs->seq, &fs->lock);
#endif
}

/*
 * compat_fs_read_begin(), compat_fs_read_retry() - a lockless read of an
 *	fs_struct's root and pwd, retried while they change (its seqlock_t,
 *	or its seqcount before 6.15).
 */
static inline unsigned int compat_fs_read_begin(struct fs_struct *fs)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 15, 0)
	return read_seqbegin(&fs->seq);
#else
	return read_seqcount_begin(&fs->seq);
#endif
}

static inline bool compat_fs_read_retry(struct fs_struct *fs,
					unsigned int seq)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 15, 0)
	return read_seqretry(&fs->seq, seq);
#else
	return read_seqcount_retry(&fs->seq, seq);
#endif
}

/*
 * Since 6.13 kthread_create_worker_on_cpu() fills the CPU number into a
 * "name%u" format itself; before, the caller passed it as an argument.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 13, 0)
#define kthread_create_worker_on_cpu(cpu, flags, namefmt) \
	((kthread_create_worker_on_cpu)((cpu), (flags), (namefmt), (cpu)))
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

/*
 * mkdirat's steps.  Since 7.0 (checked on 7.2 only) the parent is locked
 * by start_creating_user_path()/end_creating_path(), vfs_mkdir() returns
 * the new dentry (or an error pointer, which end_creating_path() takes)
 * and reports a delegation to break; before, user_path_create() and
 * done_path_create(), and an int.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(7, 0, 0)
#include <linux/filelock.h>
#define compat_user_path_create		start_creating_user_path
#define compat_done_path_create		end_creating_path
#define compat_delegated_inode		delegated_inode

static inline int syslet_vfs_mkdir(const struct path *dir,
				   struct dentry **dentry, umode_t mode,
				   struct delegated_inode *deleg)
{
	*dentry = vfs_mkdir(mnt_idmap(dir->mnt), d_inode(dir->dentry), *dentry,
			    mode, deleg);
	return PTR_ERR_OR_ZERO(*dentry);
}

/* A delegation to break before a retry: its result, or 1 if none. */
static inline int compat_break_deleg(struct delegated_inode *deleg)
{
	return is_delegated(deleg) ? break_deleg_wait(deleg) : 1;
}

static inline int syslet_vfs_mknod(const struct path *dir,
				   struct dentry *dentry, umode_t mode,
				   dev_t dev, struct delegated_inode *deleg)
{
	return vfs_mknod(mnt_idmap(dir->mnt), d_inode(dir->dentry), dentry,
			 mode, dev, deleg);
}
#else
#define compat_user_path_create		user_path_create
#define compat_done_path_create		done_path_create
struct compat_delegated_inode { };

static inline int syslet_vfs_mkdir(const struct path *dir,
				   struct dentry **dentry, umode_t mode,
				   struct compat_delegated_inode *deleg)
{
	return vfs_mkdir(mnt_idmap(dir->mnt), d_inode(dir->dentry), *dentry,
			 mode);
}

static inline int syslet_vfs_mknod(const struct path *dir,
				   struct dentry *dentry, umode_t mode,
				   dev_t dev, struct compat_delegated_inode *deleg)
{
	return vfs_mknod(mnt_idmap(dir->mnt), d_inode(dir->dentry), dentry,
			 mode, dev);
}

static inline int compat_break_deleg(struct compat_delegated_inode *deleg)
{
	return 1;
}
#endif

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

#define compat_user_path_create		user_path_create
#define compat_done_path_create		done_path_create
struct compat_delegated_inode { };

static inline int syslet_vfs_mkdir(const struct path *dir,
				   struct dentry **dentry, umode_t mode,
				   struct compat_delegated_inode *deleg)
{
	return vfs_mkdir(mnt_user_ns(dir->mnt), d_inode(dir->dentry), *dentry,
			 syslet_mkdir_lsm_mode(dir, mode));
}

static inline int syslet_vfs_mknod(const struct path *dir,
				   struct dentry *dentry, umode_t mode,
				   dev_t dev, struct compat_delegated_inode *deleg)
{
	return vfs_mknod(mnt_user_ns(dir->mnt), d_inode(dir->dentry), dentry,
			 syslet_mkdir_lsm_mode(dir, mode), dev);
}

static inline int compat_break_deleg(struct compat_delegated_inode *deleg)
{
	return 1;
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
 * sync_file_range()'s write-out: since 7.0 (checked on 7.2 only)
 * filemap_fdatawrite_wbc() is gone, and filemap_flush_range() starts an
 * asynchronous write-out of a range.
 */
static inline int compat_fdatawrite_range(struct address_space *mapping,
					  loff_t start, loff_t end, bool sync)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(7, 0, 0)
	return sync ? filemap_fdatawrite_range(mapping, start, end) :
		      filemap_flush_range(mapping, start, end);
#else
	struct writeback_control wbc = {
		.sync_mode = sync ? WB_SYNC_ALL : WB_SYNC_NONE,
		.nr_to_write = LONG_MAX,
		.range_start = start,
		.range_end = end,
	};

	return filemap_fdatawrite_wbc(mapping, &wbc);
#endif
}

/* struct msghdr lost msg_iocb (7.0, checked on 7.2 only). */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(7, 0, 0)
#define compat_msghdr_clear_iocb(m)	do { } while (0)
#else
#define compat_msghdr_clear_iocb(m)	((m)->msg_iocb = NULL)
#endif

/*
 * Credentials a caller made (prepare_creds()) and owns one reference to,
 * in force until compat_revert_creds_owned().  Since 6.14 (checked on
 * 7.2 only) override_creds() takes no reference and revert_creds()
 * gives the override back to put; before, override_creds() took its
 * own reference and revert_creds() dropped it.
 */
static inline const struct cred *
compat_override_creds_owned(struct cred *cred)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 14, 0)
	return override_creds(cred);
#else
	const struct cred *old = override_creds(cred);

	put_cred(cred);
	return old;
#endif
}

static inline void compat_revert_creds_owned(const struct cred *old)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 14, 0)
	put_cred(revert_creds(old));
#else
	revert_creds(old);
#endif
}

/* Flags sendmsg(2) clears: none before 6.5 (Debian 12's 6.1 has them). */
#ifndef MSG_INTERNAL_SENDMSG_FLAGS
#define MSG_INTERNAL_SENDMSG_FLAGS	0
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

/*
 * Check a user pointer for a @len-byte access inside an open user access
 * section: masked to an address that faults if it is not a user one (no
 * branch to mispredict), where the architecture can (6.12 on x86-64);
 * access_ok() and a speculation barrier elsewhere.  false: not a user
 * address.
 */
#ifdef masked_user_access_begin
#define compat_user_ptr_nospec(pp, len)				\
	({ *(pp) = mask_user_address(*(pp)); true; })
#else
#define compat_user_ptr_nospec(pp, len)				\
	({ bool __ok = access_ok(*(pp), (len)); barrier_nospec(); __ok; })
#endif

/*
 * compat_get_user_or(x, ptr, err): unsafe_get_user() inside an open user
 * access section that ORs -EFAULT into @err on a fault (@x is then 0)
 * rather than jumping to a label, so that reading several words costs one
 * test.  Only where unsafe_get_user() itself tests an error register per
 * word, for want of asm goto with outputs (x86-64 built by a compiler
 * whose asm goto outputs are broken: gcc before 12.3/13.1, Debian's 6.12);
 * COMPAT_GET_USER_OR says it is there.  Elsewhere a fault jumps out of the
 * load without a test, and unsafe_get_user() is as cheap.
 */
#if defined(CONFIG_X86_64) && !defined(CONFIG_UML) && \
	!defined(CONFIG_CC_HAS_ASM_GOTO_OUTPUT)
#define COMPAT_GET_USER_OR	1
#define compat_get_user_or(x, ptr, err)					\
do {									\
	int __gu_err;							\
	__inttype(*(ptr)) __gu_val;					\
	__get_user_size(__gu_val, (ptr), sizeof(*(ptr)), __gu_err);	\
	(x) = (__force __typeof__(*(ptr)))__gu_val;			\
	(err) |= __gu_err;						\
} while (0)
#endif

/* kiocb_set_rw_flags() has taken the direction since 6.11 (RWF_ATOMIC). */
#ifdef RWF_ATOMIC
#define compat_kiocb_set_rw_flags(ki, flags, type)			\
	kiocb_set_rw_flags(ki, flags, type)
#else
#define compat_kiocb_set_rw_flags(ki, flags, type)			\
	kiocb_set_rw_flags(ki, flags)
#endif

/* The current segment of a ubuf or iovec iov_iter (iter_iov_addr() since 6.4). */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
#define compat_iter_iov_addr(i)	iter_iov_addr(i)
#define compat_iter_iov_len(i)	iter_iov_len(i)
#else
static inline void __user *compat_iter_iov_addr(const struct iov_iter *i)
{
	if (iter_is_ubuf(i))
		return i->ubuf + i->iov_offset;
	return i->iov->iov_base + i->iov_offset;
}

static inline size_t compat_iter_iov_len(const struct iov_iter *i)
{
	if (iter_is_ubuf(i))
		return i->count;
	return i->iov->iov_len - i->iov_offset;
}
#endif

#endif /* _MSGPORT_COMPAT_H */
