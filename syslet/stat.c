// SPDX-License-Identifier: GPL-2.0
/*
 * syslet: stat, lstat, fstat, newfstatat, statfs and fstatfs.
 *
 * The look-up is user_path_at() (getname, the walk with its permission
 * checks, LSM hooks and audit records, as filename_lookup() does for the
 * system calls), the attributes come from vfs_getattr() (the LSM's
 * inode_getattr hook, then the file system) or vfs_statfs() (sb_statfs),
 * and the copy-out is fs/stat.c's cp_new_stat() and fs/statfs.c's
 * do_statfs_native(), repeated here because they are static.  A stale
 * look-up is retried once with LOOKUP_REVAL, as the system calls do.
 * Paths are resolved as the submitting thread (syslet_fs_enter()).
 *
 * statx is not among them: its mount id (stx_mnt_id) lives in struct
 * mount, which modules cannot see.
 *
 * All may block (metadata reads, a FUSE or NFS getattr): they are marked
 * may_block in the op table and never run in the synchronous phase.
 */
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/namei.h>
#include <linux/stat.h>
#include <linux/statfs.h>
#include <linux/uaccess.h>
#include <linux/uidgid.h>

#include "syslet.h"

/* fs/stat.c's cp_new_stat(), 64-bit. */
static int syslet_cp_new_stat(struct kstat *stat, struct stat __user *ubuf)
{
	struct stat tmp;

	INIT_STRUCT_STAT_PADDING(tmp);
	tmp.st_dev = new_encode_dev(stat->dev);
	tmp.st_ino = stat->ino;
	tmp.st_mode = stat->mode;
	tmp.st_nlink = stat->nlink;
	if (tmp.st_nlink != stat->nlink)
		return -EOVERFLOW;
	SET_UID(tmp.st_uid, from_kuid_munged(current_user_ns(), stat->uid));
	SET_GID(tmp.st_gid, from_kgid_munged(current_user_ns(), stat->gid));
	tmp.st_rdev = new_encode_dev(stat->rdev);
	tmp.st_size = stat->size;
	tmp.st_atime = stat->atime.tv_sec;
	tmp.st_mtime = stat->mtime.tv_sec;
	tmp.st_ctime = stat->ctime.tv_sec;
	tmp.st_atime_nsec = stat->atime.tv_nsec;
	tmp.st_mtime_nsec = stat->mtime.tv_nsec;
	tmp.st_ctime_nsec = stat->ctime.tv_nsec;
	tmp.st_blocks = stat->blocks;
	tmp.st_blksize = stat->blksize;
	return copy_to_user(ubuf, &tmp, sizeof(tmp)) ? -EFAULT : 0;
}

/* fs/stat.c's getname_statx_lookup_flags(). */
static unsigned int syslet_statx_lookup_flags(int flags)
{
	unsigned int lookup_flags = 0;

	if (!(flags & AT_SYMLINK_NOFOLLOW))
		lookup_flags |= LOOKUP_FOLLOW;
	if (!(flags & AT_NO_AUTOMOUNT))
		lookup_flags |= LOOKUP_AUTOMOUNT;
	if (flags & AT_EMPTY_PATH)
		lookup_flags |= LOOKUP_EMPTY;
	return lookup_flags;
}

/* vfs_fstat(): the file's attributes, O_PATH files included. */
static int syslet_vfs_fstat(int fd, struct kstat *stat)
{
	struct file *file = fget_raw(fd);
	int err;

	if (!file)
		return -EBADF;
	err = vfs_getattr(&file->f_path, stat, STATX_BASIC_STATS, 0);
	fput(file);
	return err;
}

/* fs/stat.c's vfs_fstatat(): @flags as newfstatat(2) takes them. */
static int syslet_vfs_fstatat(int dfd, const char __user *name,
			      struct kstat *stat, int flags)
{
	unsigned int lookup_flags;
	struct syslet_fs_scope fs;
	struct path path;
	char c;
	int err;

	/* Its shortcut for fstatat(fd, "", AT_EMPTY_PATH), NULL path too. */
	if (flags == AT_EMPTY_PATH && dfd >= 0 &&
	    (!name || (!get_user(c, name) && !c)))
		return syslet_vfs_fstat(dfd, stat);

	flags |= AT_NO_AUTOMOUNT;
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH |
		      AT_STATX_SYNC_TYPE))
		return -EINVAL;
	lookup_flags = syslet_statx_lookup_flags(flags);
	syslet_fs_enter(&fs);
retry:
	err = user_path_at(dfd, name, lookup_flags, &path);
	if (!err) {
		err = vfs_getattr(&path, stat, STATX_BASIC_STATS, flags);
		path_put(&path);
		if (retry_estale(err, lookup_flags)) {
			lookup_flags |= LOOKUP_REVAL;
			goto retry;
		}
	}
	syslet_fs_leave(&fs);
	return err;
}

static long syslet_stat_at(int dfd, const unsigned long *args,
			   unsigned long statbuf, int flags)
{
	struct kstat stat;
	int err;

	err = syslet_vfs_fstatat(dfd, (const char __user *)args[0], &stat,
				 flags);
	if (err)
		return err;
	return syslet_cp_new_stat(&stat, (struct stat __user *)statbuf);
}

/* stat(path, statbuf) */
long syslet_op_stat(const unsigned long *args, bool nowait)
{
	return syslet_stat_at(AT_FDCWD, args, args[1], 0);
}

/* lstat(path, statbuf) */
long syslet_op_lstat(const unsigned long *args, bool nowait)
{
	return syslet_stat_at(AT_FDCWD, args, args[1], AT_SYMLINK_NOFOLLOW);
}

/* newfstatat(dfd, path, statbuf, flags) */
long syslet_op_newfstatat(const unsigned long *args, bool nowait)
{
	return syslet_stat_at(args[0], args + 1, args[2], args[3]);
}

/* fstat(fd, statbuf) */
long syslet_op_fstat(const unsigned long *args, bool nowait)
{
	struct kstat stat;
	int err;

	err = syslet_vfs_fstat(args[0], &stat);
	if (err)
		return err;
	return syslet_cp_new_stat(&stat, (struct stat __user *)args[1]);
}

/* fs/statfs.c's do_statfs_native(), field by field. */
static int syslet_cp_statfs(struct kstatfs *st, struct statfs __user *p)
{
	struct statfs buf;

	memset(&buf, 0, sizeof(buf));
	buf.f_type = st->f_type;
	buf.f_bsize = st->f_bsize;
	buf.f_blocks = st->f_blocks;
	buf.f_bfree = st->f_bfree;
	buf.f_bavail = st->f_bavail;
	buf.f_files = st->f_files;
	buf.f_ffree = st->f_ffree;
	buf.f_fsid = st->f_fsid;
	buf.f_namelen = st->f_namelen;
	buf.f_frsize = st->f_frsize;
	buf.f_flags = st->f_flags;
	return copy_to_user(p, &buf, sizeof(buf)) ? -EFAULT : 0;
}

/* statfs(path, buf): fs/statfs.c's user_statfs() */
long syslet_op_statfs(const unsigned long *args, bool nowait)
{
	unsigned int lookup_flags = LOOKUP_FOLLOW | LOOKUP_AUTOMOUNT;
	struct syslet_fs_scope fs;
	struct kstatfs st;
	struct path path;
	int err;

	syslet_fs_enter(&fs);
retry:
	err = user_path_at(AT_FDCWD, (const char __user *)args[0],
			   lookup_flags, &path);
	if (!err) {
		err = vfs_statfs(&path, &st);
		path_put(&path);
		if (retry_estale(err, lookup_flags)) {
			lookup_flags |= LOOKUP_REVAL;
			goto retry;
		}
	}
	syslet_fs_leave(&fs);
	if (err)
		return err;
	return syslet_cp_statfs(&st, (struct statfs __user *)args[1]);
}

/* fstatfs(fd, buf): fs/statfs.c's fd_statfs(), O_PATH files included */
long syslet_op_fstatfs(const unsigned long *args, bool nowait)
{
	struct kstatfs st;
	struct file *file;
	int err;

	file = fget_raw(args[0]);
	if (!file)
		return -EBADF;
	err = vfs_statfs(&file->f_path, &st);
	fput(file);
	if (err)
		return err;
	return syslet_cp_statfs(&st, (struct statfs __user *)args[1]);
}
