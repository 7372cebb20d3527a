// SPDX-License-Identifier: GPL-2.0
/*
 * syslet: dup, getdents64, fadvise64, readahead, fallocate,
 * sync_file_range, syncfs and copy_file_range, on open files of the
 * owner's table.
 *
 * fallocate and fadvise64 are vfs_fallocate() and vfs_fadvise(), which
 * the system calls wrap (the permission and LSM checks, rlimits,
 * fsnotify are inside).  getdents64 is iterate_dir() (LSM
 * file_permission, fsnotify, atime) with fs/readdir.c's filldir64()
 * repeated, its name checks included.  sync_file_range and syncfs are
 * fs/sync.c's, on the exported writeback functions (the system calls
 * make no permission check).  dup is fs/file.c's; readahead is
 * mm/readahead.c's, on vfs_fadvise(); copy_file_range is
 * fs/read_write.c's, on vfs_copy_file_range() (rw_verify_area, the
 * files' access modes, fsnotify inside), the file offsets used without
 * their lock as the system call does.
 *
 * dup runs in the synchronous phase; fadvise64 there too for the advice
 * that only sets read-ahead state (NORMAL, RANDOM, SEQUENTIAL, as
 * io_uring decides), and hands the chain over otherwise.  The others may
 * block on I/O or directory locks and are marked may_block.
 */
#include <linux/fadvise.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/types.h>
#include <linux/dirent.h>
#include <linux/pagemap.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>
#include <linux/writeback.h>

#include "syslet.h"

/* dup(fd) */
long syslet_op_dup(const unsigned long *args, bool nowait)
{
	struct file *file = fget_raw((unsigned int)args[0]);
	int fd;

	if (!file)
		return -EBADF;
	fd = get_unused_fd_flags(0);
	if (fd < 0)
		fput(file);
	else
		fd_install(fd, file);
	return fd;
}

/* fs/readdir.c's getdents_callback64 and filldir64() */
struct syslet_getdents {
	struct dir_context ctx;
	struct linux_dirent64 __user *current_dir;
	int prev_reclen;
	int count;
	int error;
};

static int syslet_verify_dirent_name(const char *name, int len)
{
	if (len <= 0 || len >= PATH_MAX)
		return -EIO;
	if (memchr(name, '/', len))
		return -EIO;
	return 0;
}

static bool syslet_filldir64(struct dir_context *ctx, const char *name,
			     int namlen, loff_t offset, u64 ino,
			     unsigned int d_type)
{
	struct syslet_getdents *buf =
		container_of(ctx, struct syslet_getdents, ctx);
	int reclen = ALIGN(offsetof(struct linux_dirent64, d_name) + namlen + 1,
			   sizeof(u64));
	struct linux_dirent64 __user *dirent, *prev;
	int prev_reclen;

	buf->error = syslet_verify_dirent_name(name, namlen);
	if (unlikely(buf->error))
		return false;
	buf->error = -EINVAL;	/* only used if we fail */
	if (reclen > buf->count)
		return false;
	prev_reclen = buf->prev_reclen;
	if (prev_reclen && signal_pending(current))
		return false;
	dirent = buf->current_dir;
	prev = (void __user *)dirent - prev_reclen;
	if (!user_write_access_begin(prev, reclen + prev_reclen))
		goto efault;
	/* This might be dirent->d_off, but then it is overwritten. */
	unsafe_put_user(offset, &prev->d_off, efault_end);
	unsafe_put_user(ino, &dirent->d_ino, efault_end);
	unsafe_put_user(reclen, &dirent->d_reclen, efault_end);
	unsafe_put_user(d_type, &dirent->d_type, efault_end);
	unsafe_put_user(0, dirent->d_name + namlen, efault_end);
	unsafe_copy_to_user(dirent->d_name, name, namlen, efault_end);
	user_write_access_end();

	buf->prev_reclen = reclen;
	buf->current_dir = (void __user *)dirent + reclen;
	buf->count -= reclen;
	return true;

efault_end:
	user_write_access_end();
efault:
	buf->error = -EFAULT;
	return false;
}

/* getdents64(fd, dirent, count): under the offset lock, as fdget_pos(). */
long syslet_op_getdents64(const unsigned long *args, bool nowait)
{
	unsigned int count = args[2];
	struct syslet_getdents buf = {
		.ctx.actor = syslet_filldir64,
		.count = count,
		.current_dir = (struct linux_dirent64 __user *)args[1],
	};
	struct linux_dirent64 __user *last;
	struct file *file;
	bool locked;
	long err;

	file = fget((unsigned int)args[0]);
	if (!file)
		return -EBADF;
	locked = file->f_mode & FMODE_ATOMIC_POS;
	if (locked)
		mutex_lock(&file->f_pos_lock);
	err = iterate_dir(file, &buf.ctx);
	if (err >= 0)
		err = buf.error;
	if (buf.prev_reclen) {
		last = (void __user *)buf.current_dir - buf.prev_reclen;
		if (put_user((s64)buf.ctx.pos, &last->d_off))
			err = -EFAULT;
		else
			err = count - buf.count;
	}
	if (locked)
		mutex_unlock(&file->f_pos_lock);
	fput(file);
	return err;
}

/* fadvise64(fd, offset, len, advice) */
long syslet_op_fadvise64(const unsigned long *args, bool nowait)
{
	int advice = args[3];
	struct file *file;
	long ret;

	if (nowait && advice != POSIX_FADV_NORMAL &&
	    advice != POSIX_FADV_RANDOM && advice != POSIX_FADV_SEQUENTIAL)
		return SYSLET_EWOULDBLOCK;
	file = fget(args[0]);
	if (!file)
		return -EBADF;
	ret = vfs_fadvise(file, (loff_t)args[1], (loff_t)args[2], advice);
	fput(file);
	return ret;
}

/* fallocate(fd, mode, offset, len) */
long syslet_op_fallocate(const unsigned long *args, bool nowait)
{
	struct file *file;
	long ret;

	file = fget(args[0]);
	if (!file)
		return -EBADF;
	ret = vfs_fallocate(file, args[1], (loff_t)args[2], (loff_t)args[3]);
	fput(file);
	return ret;
}

#define SYSLET_SFR_VALID	(SYNC_FILE_RANGE_WAIT_BEFORE |		\
				 SYNC_FILE_RANGE_WRITE |		\
				 SYNC_FILE_RANGE_WAIT_AFTER)

/* fs/sync.c's sync_file_range(), 64-bit, on filemap_fdatawrite_wbc(). */
static int syslet_sync_file_range(struct file *file, loff_t offset,
				  loff_t nbytes, unsigned int flags)
{
	loff_t endbyte = offset + nbytes;	/* inclusive, below */
	umode_t mode = file_inode(file)->i_mode;
	int ret;

	if (flags & ~SYSLET_SFR_VALID)
		return -EINVAL;
	if (offset < 0 || endbyte < 0 || endbyte < offset)
		return -EINVAL;
	endbyte = nbytes ? endbyte - 1 : LLONG_MAX;
	if (!S_ISREG(mode) && !S_ISBLK(mode) && !S_ISDIR(mode) &&
	    !S_ISLNK(mode))
		return -ESPIPE;

	if (flags & SYNC_FILE_RANGE_WAIT_BEFORE) {
		ret = file_fdatawait_range(file, offset, endbyte);
		if (ret < 0)
			return ret;
	}
	if (flags & SYNC_FILE_RANGE_WRITE) {
		struct writeback_control wbc = {
			.sync_mode = WB_SYNC_NONE,
			.nr_to_write = LONG_MAX,
			.range_start = offset,
			.range_end = endbyte,
		};

		if ((flags & SYNC_FILE_RANGE_WRITE_AND_WAIT) ==
		    SYNC_FILE_RANGE_WRITE_AND_WAIT)
			wbc.sync_mode = WB_SYNC_ALL;
		ret = filemap_fdatawrite_wbc(file->f_mapping, &wbc);
		if (ret < 0)
			return ret;
	}
	if (flags & SYNC_FILE_RANGE_WAIT_AFTER)
		return file_fdatawait_range(file, offset, endbyte);
	return 0;
}

/* sync_file_range(fd, offset, nbytes, flags): the fd is checked first. */
long syslet_op_sync_file_range(const unsigned long *args, bool nowait)
{
	struct file *file;
	long ret;

	file = fget(args[0]);
	if (!file)
		return -EBADF;
	ret = syslet_sync_file_range(file, (loff_t)args[1], (loff_t)args[2],
				     args[3]);
	fput(file);
	return ret;
}

/* syncfs(fd) */
long syslet_op_syncfs(const unsigned long *args, bool nowait)
{
	struct super_block *sb;
	struct file *file;
	int ret, ret2;

	file = fget(args[0]);
	if (!file)
		return -EBADF;
	sb = file->f_path.dentry->d_sb;
	down_read(&sb->s_umount);
	ret = sync_filesystem(sb);
	up_read(&sb->s_umount);
	ret2 = errseq_check_and_advance(&sb->s_wb_err, &file->f_sb_err);
	fput(file);
	return ret ? ret : ret2;
}

/* readahead(fd, offset, count) */
long syslet_op_readahead(const unsigned long *args, bool nowait)
{
	struct file *file;
	umode_t mode;
	long ret;

	file = fget((int)args[0]);
	if (!file)
		return -EBADF;
	ret = -EBADF;
	if (!(file->f_mode & FMODE_READ))
		goto out;
	/* Only on files that can read ahead. */
	mode = file_inode(file)->i_mode;
	ret = -EINVAL;
	if (!file->f_mapping || !file->f_mapping->a_ops ||
	    (!S_ISREG(mode) && !S_ISBLK(mode)))
		goto out;
	ret = vfs_fadvise(file, (loff_t)args[1], args[2],
			  POSIX_FADV_WILLNEED);
out:
	fput(file);
	return ret;
}

/* copy_file_range(fd_in, off_in, fd_out, off_out, len, flags) */
long syslet_op_copy_file_range(const unsigned long *args, bool nowait)
{
	loff_t __user *off_in = (loff_t __user *)args[1];
	loff_t __user *off_out = (loff_t __user *)args[3];
	struct file *in, *out;
	loff_t pos_in, pos_out;
	long ret;

	in = fget((int)args[0]);
	if (!in)
		return -EBADF;
	out = fget((int)args[2]);
	ret = -EBADF;
	if (!out)
		goto put_in;
	ret = -EFAULT;
	pos_in = in->f_pos;
	if (off_in && copy_from_user(&pos_in, off_in, sizeof(pos_in)))
		goto put;
	pos_out = out->f_pos;
	if (off_out && copy_from_user(&pos_out, off_out, sizeof(pos_out)))
		goto put;
	/* COPY_FILE_SPLICE is the kernel's own. */
	ret = -EINVAL;
	if ((unsigned int)args[5])
		goto put;
	ret = vfs_copy_file_range(in, pos_in, out, pos_out, args[4], 0);
	if (ret > 0) {
		pos_in += ret;
		pos_out += ret;
		if (!off_in)
			in->f_pos = pos_in;
		else if (copy_to_user(off_in, &pos_in, sizeof(pos_in)))
			ret = -EFAULT;
		if (!off_out)
			out->f_pos = pos_out;
		else if (copy_to_user(off_out, &pos_out, sizeof(pos_out)))
			ret = -EFAULT;
	}
put:
	fput(out);
put_in:
	fput(in);
	return ret;
}
