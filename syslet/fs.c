// SPDX-License-Identifier: GPL-2.0
/*
 * syslet: openat, close, fsync, fdatasync, and the fs_struct snapshots
 * that give path look-ups the submitter's root, cwd and umask.
 *
 * A worker is a thread of the owning process with a counted reference to
 * its file table, so openat and close change that table as the
 * submitting thread's own calls would.  openat(dirfd, ...) points
 * current->fs at a private fs_struct with the submitting thread's root
 * and umask and the dirfd's directory as cwd (or the thread's cwd for
 * AT_FDCWD) and calls filp_open(), which then walks exactly as openat(2)
 * does, with root as the boundary.  (do_sys_openat2() is not exported.)
 * In a worker, that thread's root, cwd and umask are the ones it had when
 * the chain went async (struct syslet_chain).
 */
#include <linux/fcntl.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/fs_struct.h>
#include <linux/namei.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <msgport/compat.h>
#include "syslet.h"

/**
 * syslet_fs_snapshot() - a private fs_struct with the submitter's root,
 *	umask
 * @fs: the fs_struct to fill
 * @pwd: the working directory to use, or NULL for the submitter's
 *
 * The submitter is current, or the thread whose chain current runs.
 *
 * Context: process context.  Release with syslet_fs_release().
 */
static void syslet_fs_snapshot(struct fs_struct *fs, const struct path *pwd)
{
	struct syslet_chain *c = syslet_current_chain();

	memset(fs, 0, sizeof(*fs));
	fs->users = 1;
	compat_fs_struct_init_lock(fs);
	if (c) {
		fs->umask = c->ident->umask;
		fs->root = c->ident->root;
		path_get(&fs->root);
		fs->pwd = pwd ? *pwd : c->ident->pwd;
		path_get(&fs->pwd);
		return;
	}
	fs->umask = current_umask();
	get_fs_root(current->fs, &fs->root);
	if (pwd) {
		fs->pwd = *pwd;
		path_get(&fs->pwd);
	} else {
		get_fs_pwd(current->fs, &fs->pwd);
	}
}

static void syslet_fs_release(struct fs_struct *fs)
{
	path_put(&fs->root);
	path_put(&fs->pwd);
}

static struct fs_struct *syslet_fs_swap(struct fs_struct *fs)
{
	struct fs_struct *old;

	task_lock(current);
	old = current->fs;
	current->fs = fs;
	task_unlock(current);
	return old;
}

static struct file *syslet_open_at(int dfd, const char *name, int flags,
				   umode_t mode)
{
	struct fs_struct fs, *old;
	struct file *dir = NULL, *file;

	if (name[0] != '/' && dfd != AT_FDCWD) {
		dir = fget_raw(dfd);	/* O_PATH dirfds too, as openat(2) */
		if (!dir)
			return ERR_PTR(-EBADF);
		if (!d_can_lookup(dir->f_path.dentry)) {
			fput(dir);
			return ERR_PTR(-ENOTDIR);
		}
	}
	syslet_fs_snapshot(&fs, dir ? &dir->f_path : NULL);
	old = syslet_fs_swap(&fs);
	file = filp_open(name, flags, mode);
	syslet_fs_swap(old);
	syslet_fs_release(&fs);
	if (dir)
		fput(dir);
	return file;
}

/* openat(dfd, filename, flags, mode) */
long syslet_op_openat(const unsigned long *args, bool nowait)
{
	int dfd = args[0], flags = args[2] | O_LARGEFILE;
	struct file *file;
	char *name;
	long len;
	int fd;

	name = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!name)
		return -ENOMEM;
	len = strncpy_from_user(name, (const char __user *)args[1], PATH_MAX);
	if (len < 0) {
		fd = -EFAULT;
		goto out;
	}
	if (len == PATH_MAX) {
		fd = -ENAMETOOLONG;
		goto out;
	}
	if (!len) {
		fd = -ENOENT;
		goto out;
	}

	fd = get_unused_fd_flags(flags);
	if (fd < 0)
		goto out;
	file = syslet_open_at(dfd, name, flags, (umode_t)args[3]);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		fd = PTR_ERR(file);
		goto out;
	}
	fd_install(fd, file);
out:
	kfree(name);
	return fd;
}

/*
 * close(fd).  In a worker, not of a /dev/syslet fd: io_uring likewise
 * refuses to close its own ring, whose ioctls look it up without a
 * reference while the table has one user (fdget()).
 */
long syslet_op_close(const unsigned long *args, bool nowait)
{
	struct file *file;
	bool dev;

	if (syslet_current_chain()) {
		file = fget(args[0]);
		if (file) {
			dev = syslet_is_device(file);
			fput(file);
			if (dev)
				return -EBUSY;
		}
	}
	return close_fd(args[0]);
}

/* Marked may_block in the op table: never called in the synchronous phase. */
static long syslet_fsync(unsigned long fd, int datasync)
{
	struct file *file;
	long ret;

	file = fget(fd);
	if (!file)
		return -EBADF;
	ret = vfs_fsync_range(file, 0, LLONG_MAX, datasync);
	fput(file);
	return ret;
}

long syslet_op_fsync(const unsigned long *args, bool nowait)
{
	return syslet_fsync(args[0], 0);
}

long syslet_op_fdatasync(const unsigned long *args, bool nowait)
{
	return syslet_fsync(args[0], 1);
}

/**
 * syslet_fs_enter() - resolve paths as the submitting thread
 * @s: the scope, for syslet_fs_leave()
 *
 * In a worker, points current->fs at a private copy of the submitter's
 * root, working directory and umask taken at the hand-over, so that
 * user_path_at() and its kin, given the atom's dirfd, walk exactly as the
 * system call made by that thread would (the file table, which resolves
 * the dirfd, is the process's).  In the submitter, changes nothing.
 *
 * Context: process context; call syslet_fs_leave() before returning.
 */
void syslet_fs_enter(struct syslet_fs_scope *s)
{
	s->old = NULL;
	if (!syslet_current_chain())
		return;
	syslet_fs_snapshot(&s->fs, NULL);
	s->old = syslet_fs_swap(&s->fs);
}

/**
 * syslet_fs_leave() - undo syslet_fs_enter()
 * @s: the scope
 */
void syslet_fs_leave(struct syslet_fs_scope *s)
{
	if (!s->old)
		return;
	syslet_fs_swap(s->old);
	syslet_fs_release(&s->fs);
}
