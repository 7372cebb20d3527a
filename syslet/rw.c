// SPDX-License-Identifier: GPL-2.0
/*
 * syslet: read, write, pread64, pwrite64, readv, writev, preadv, pwritev
 * and lseek.  Reads and writes are a copy of the code of vfs_read(),
 * vfs_write(), vfs_readv() and vfs_writev(), which are not exported
 * (syslet_rw_file()), on the exported checks (rw_verify_area()); lseek
 * is vfs_llseek().  Results, errors, file
 * offsets, fsnotify events and the task's I/O accounting are those of
 * the system calls.
 *
 * The file offset of read/write/readv/writev/lseek is protected like
 * fdget_pos() does: f_pos_lock for FMODE_ATOMIC_POS files.
 *
 * With @nowait (the synchronous phase), a call that would block returns
 * SYSLET_EWOULDBLOCK, as io_uring punts to io-wq: files without
 * FMODE_NOWAIT; buffered writes to regular files whose filesystem lacks
 * FOP_BUFFER_WASYNC (ext4 in 6.12); -EAGAIN or -EOPNOTSUPP from the
 * RWF_NOWAIT attempt; a contended f_pos_lock.  A non-regular O_NONBLOCK
 * file is not attempted with RWF_NOWAIT: its -EAGAIN is the result.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/fsnotify.h>
#include <linux/sched/xacct.h>
#include <linux/uio.h>

#include <msgport/compat.h>
#include "syslet.h"

enum { SYSLET_POS_FILE = -1 };	/* use and advance the file offset */

/* Can a buffered write to this regular file be attempted with NOWAIT? */
static bool syslet_write_nowait_ok(struct file *file)
{
	if (file->f_flags & O_DIRECT)
		return true;
	return compat_file_buffer_wasync(file);
}

/* 0 to run as is, RWF_NOWAIT to try without blocking, or would block. */
static long syslet_rw_nowait(int dir, struct file *file, rwf_t *rwf)
{
	bool reg = S_ISREG(file_inode(file)->i_mode);

	if ((file->f_flags & O_NONBLOCK) && !reg)
		return 0;
	if (!(file->f_mode & FMODE_NOWAIT) ||
	    (dir == WRITE && reg && !syslet_write_nowait_ok(file)))
		return SYSLET_EWOULDBLOCK;
	*rwf = RWF_NOWAIT;
	return 0;
}

static int syslet_pos_lock(struct file *file, bool nowait)
{
	if (!(file->f_mode & FMODE_ATOMIC_POS))
		return 0;
	if (!nowait) {
		mutex_lock(&file->f_pos_lock);
		return 1;
	}
	return mutex_trylock(&file->f_pos_lock) ? 1 : SYSLET_EWOULDBLOCK;
}

/*
 * The task's I/O accounting (/proc/PID/io), as the system calls keep it:
 * bytes and calls.  read(2)/write(2) count a call that reached the file;
 * the vector forms count every call past the offset check.
 */
static void syslet_rw_account(int dir, ssize_t ret)
{
	if (dir == READ) {
		if (ret > 0)
			add_rchar(current, ret);
		inc_syscr(current);
	} else {
		if (ret > 0)
			add_wchar(current, ret);
		inc_syscw(current);
	}
}

/*
 * Does read(2)/write(2) (@vec: readv(2)/writev(2)) of @file go through
 * ->read/->write?  vfs_read() and vfs_write() prefer them to
 * ->read_iter/->write_iter; vfs_readv() and vfs_writev() use them only
 * without (do_loop_readv_writev()).  Many /proc files and character
 * devices have nothing else.
 */
static bool syslet_rw_legacy(int dir, struct file *file, bool vec)
{
	const struct file_operations *fop = file->f_op;

	if (dir == READ)
		return vec ? !fop->read_iter && fop->read : !!fop->read;
	return vec ? !fop->write_iter && fop->write : !!fop->write;
}

static bool syslet_rw_has_iter(int dir, struct file *file)
{
	return dir == READ ? !!file->f_op->read_iter : !!file->f_op->write_iter;
}

/*
 * @iter through ->read/->write, one call per segment until a short one
 * (do_loop_readv_writev(); one buffer is one segment).
 */
static ssize_t syslet_rw_segments(int dir, struct file *file,
				  struct iov_iter *iter, loff_t *ppos)
{
	ssize_t ret = 0, nr;

	do {
		void __user *addr = compat_iter_iov_addr(iter);
		size_t len = compat_iter_iov_len(iter);

		if (dir == READ)
			nr = file->f_op->read(file, addr, len, ppos);
		else
			nr = file->f_op->write(file, addr, len, ppos);
		if (nr < 0) {
			if (!ret)
				ret = nr;
			break;
		}
		ret += nr;
		if (nr != len)
			break;
		iov_iter_advance(iter, nr);
	} while (iov_iter_count(iter));
	return ret;
}

/*
 * A read without blocking that stopped short of @count on a regular file
 * or a block device, having read @ret: part of it is in the page cache,
 * the rest not yet, and read(2) would have waited for the rest.  The
 * rest is tried at once (at the end of the file it reads 0, and @ret was
 * all); if it would block, or @iter is not where the read stopped, the
 * whole read is to be made again, blocking, in a worker (-EAGAIN), as
 * io_uring completes such a read in its worker.  A pipe or a socket
 * returns what it has, blocking or not.
 */
static ssize_t syslet_read_rest(struct file *file, struct kiocb *kiocb,
				struct iov_iter *iter, size_t count,
				ssize_t ret)
{
	umode_t mode = file_inode(file)->i_mode;
	ssize_t more;

	if (!S_ISREG(mode) && !S_ISBLK(mode))
		return ret;
	while (ret > 0 && (size_t)ret < count) {
		if (iov_iter_count(iter) != count - ret)
			return -EAGAIN;
		more = file->f_op->read_iter(kiocb, iter);
		if (more == -EAGAIN)
			return -EAGAIN;
		if (more <= 0)
			break;	/* the end, or an error after data: as read(2) */
		ret += more;
	}
	return ret;
}

/*
 * The first checks of vfs_read(), vfs_write(), vfs_readv() and
 * vfs_writev(), in their order: the file is open for @dir and can do it;
 * then the buffer (args[1], args[2]: import_ubuf()'s access_ok()) or,
 * with @vec, the iovec array (import_iovec(), which sets *@iov to what is
 * to be freed).  So a bad buffer on an fd open for the other direction
 * gives -EBADF, as the calls do.
 */
static long syslet_rw_import(int dir, struct file *file,
			     const unsigned long *args, bool vec,
			     struct iovec *iovstack, struct iovec **iov,
			     struct iov_iter *iter)
{
	int type = dir == READ ? ITER_DEST : ITER_SOURCE;
	ssize_t ret;

	if (!(file->f_mode & (dir == READ ? FMODE_READ : FMODE_WRITE)))
		return -EBADF;
	if (!(file->f_mode & (dir == READ ? FMODE_CAN_READ : FMODE_CAN_WRITE)))
		return -EINVAL;
	if (!vec)
		return import_ubuf(type, (void __user *)args[1], args[2], iter);
	*iov = iovstack;
	ret = import_iovec(type, (const struct iovec __user *)args[1], args[2],
			   UIO_FASTIOV, iov, iter);
	return ret < 0 ? ret : 0;
}

/*
 * One read or write of @iter on @file, once syslet_rw_import() passed:
 * the rest of the code of vfs_read(), vfs_write() (the buffer forms) and
 * vfs_readv(), vfs_writev() (@vec), none of them exported, with their
 * checks in their order: rw_verify_area() (the LSM's file_permission
 * hook, fanotify's permission
 * events), freeze protection around a write, fsnotify after.  @legacy:
 * through ->read/->write (syslet_rw_legacy()), which cannot be tried
 * without blocking; otherwise ->read_iter/->write_iter on a kiocb of our
 * own, called directly (vfs_iter_read() built it in a helper: a tenth of
 * a cached 4 KiB read's instructions).  The forms differ where the calls
 * do: for a count of 0 the buffer forms still call the file, the vectors
 * do not; a read notifies an access only when it read something, a
 * vector read also when it read nothing; a failed buffer write leaves
 * the position alone.  *@called: the file was called (for the I/O
 * accounting).
 */
static ssize_t syslet_rw_file(int dir, struct file *file,
			      struct iov_iter *iter, loff_t *ppos, rwf_t rwf,
			      bool vec, bool legacy, bool *called)
{
	const struct file_operations *fop = file->f_op;
	size_t count = iov_iter_count(iter);
	struct kiocb kiocb;
	ssize_t ret = 0;

	if (!legacy && !syslet_rw_has_iter(dir, file))
		return -EINVAL;
	if (vec && !count)
		goto out;
	ret = rw_verify_area(dir, file, ppos, count);
	if (ret)
		return ret;
	if (!legacy) {
		init_sync_kiocb(&kiocb, file);
		ret = compat_kiocb_set_rw_flags(&kiocb, rwf, dir);
		if (ret)
			return ret;
		kiocb.ki_pos = ppos ? *ppos : 0;
	}
	*called = true;
	if (dir == WRITE)
		file_start_write(file);
	if (legacy) {
		ret = syslet_rw_segments(dir, file, iter, ppos);
	} else {
		ret = dir == READ ? fop->read_iter(&kiocb, iter) :
				    fop->write_iter(&kiocb, iter);
		if (rwf && dir == READ && ret > 0 && (size_t)ret < count)
			ret = syslet_read_rest(file, &kiocb, iter, count, ret);
		if (ppos && (dir == READ || vec || ret > 0))
			*ppos = kiocb.ki_pos;
	}
	if (dir == WRITE) {
		if (ret > 0)
			fsnotify_modify(file);
		file_end_write(file);
	}
out:
	if (dir == READ && (ret > 0 || (vec && !ret)))
		fsnotify_access(file);
	return ret;
}

/*
 * One read or write of fd args[0], buffer or iovec array args[1], length
 * or count args[2], at @pos (or the file offset), in the system calls'
 * order: a bad offset has been refused by the caller, then the fd, the
 * offset lock or the ability to seek, the file's mode, the buffer.
 */
static long syslet_rw_iter(int dir, const unsigned long *args, loff_t pos,
			   bool vec, bool nowait)
{
	struct iovec iovstack[UIO_FASTIOV], *iov = NULL;
	bool use_fpos = pos == SYSLET_POS_FILE;
	loff_t lpos = pos, *ppos = &lpos;
	bool called = false, legacy;
	struct iov_iter iter;
	struct file *file;
	rwf_t rwf = 0;
	int locked = 0;
	long ret;

	file = fget(args[0]);
	if (!file)
		return -EBADF;
	if (use_fpos) {
		locked = syslet_pos_lock(file, nowait);
		if (locked < 0) {
			ret = locked;
			goto out;
		}
		if (file->f_mode & FMODE_STREAM)
			ppos = NULL;
		else
			lpos = file->f_pos;
	} else if (!(file->f_mode & (dir == READ ? FMODE_PREAD : FMODE_PWRITE))) {
		ret = -ESPIPE;
		goto out;
	}
	ret = syslet_rw_import(dir, file, args, vec, iovstack, &iov, &iter);
	if (ret)
		goto unlock;

	if (nowait) {
		ret = syslet_rw_nowait(dir, file, &rwf);
		if (ret)
			goto unlock;
	}
	/*
	 * ->read/->write cannot be tried without blocking.  A file that
	 * has both kinds and FMODE_NOWAIT (/dev/zero) is tried with the
	 * iter method first, which gives the same; the other way would
	 * send every such atom to a worker.
	 */
	legacy = syslet_rw_legacy(dir, file, vec) &&
		 !(rwf && syslet_rw_has_iter(dir, file));
	if (legacy && rwf)
		ret = SYSLET_EWOULDBLOCK;
	else
		ret = syslet_rw_file(dir, file, &iter, ppos, rwf, vec, legacy,
				     &called);
	if (rwf && (ret == -EAGAIN || ret == -EOPNOTSUPP))
		ret = SYSLET_EWOULDBLOCK;
	/* An attempt that would have blocked is not a call: its retry is. */
	if (called && !vec && ret != SYSLET_EWOULDBLOCK)
		syslet_rw_account(dir, ret);
	if (use_fpos && ppos && ret >= 0)
		file->f_pos = lpos;
unlock:
	kfree(iov);
	if (locked > 0)
		mutex_unlock(&file->f_pos_lock);
out:
	fput(file);
	return ret;
}

static long syslet_rw_vec(int dir, const unsigned long *args, loff_t pos,
			  bool nowait)
{
	long ret = syslet_rw_iter(dir, args, pos, true, nowait);

	if (ret != SYSLET_EWOULDBLOCK)
		syslet_rw_account(dir, ret);
	return ret;
}

/*
 * pread64/pwrite64/preadv/pwritev: the offset is the fourth argument (for
 * preadv/pwritev, pos_l: on 64-bit pos_h adds nothing); negative is
 * -EINVAL, checked before the fd as the system calls do.
 */
static long syslet_rw_at(int dir, bool vec, const unsigned long *args,
			 bool nowait)
{
	loff_t pos = (loff_t)args[3];

	if (pos < 0)
		return -EINVAL;
	return vec ? syslet_rw_vec(dir, args, pos, nowait) :
		     syslet_rw_iter(dir, args, pos, false, nowait);
}

long syslet_op_read(const unsigned long *args, bool nowait)
{
	return syslet_rw_iter(READ, args, SYSLET_POS_FILE, false, nowait);
}

long syslet_op_write(const unsigned long *args, bool nowait)
{
	return syslet_rw_iter(WRITE, args, SYSLET_POS_FILE, false, nowait);
}

long syslet_op_pread64(const unsigned long *args, bool nowait)
{
	return syslet_rw_at(READ, false, args, nowait);
}

long syslet_op_pwrite64(const unsigned long *args, bool nowait)
{
	return syslet_rw_at(WRITE, false, args, nowait);
}

long syslet_op_readv(const unsigned long *args, bool nowait)
{
	return syslet_rw_vec(READ, args, SYSLET_POS_FILE, nowait);
}

long syslet_op_writev(const unsigned long *args, bool nowait)
{
	return syslet_rw_vec(WRITE, args, SYSLET_POS_FILE, nowait);
}

long syslet_op_preadv(const unsigned long *args, bool nowait)
{
	return syslet_rw_at(READ, true, args, nowait);
}

long syslet_op_pwritev(const unsigned long *args, bool nowait)
{
	return syslet_rw_at(WRITE, true, args, nowait);
}

/* lseek(fd, offset, whence) */
long syslet_op_lseek(const unsigned long *args, bool nowait)
{
	unsigned int whence = args[2];
	struct file *file;
	int locked;
	long ret;

	file = fget(args[0]);
	if (!file)
		return -EBADF;
	ret = -EINVAL;
	if (whence <= SEEK_MAX) {
		locked = syslet_pos_lock(file, nowait);
		if (locked < 0) {
			ret = locked;
		} else {
			ret = vfs_llseek(file, (loff_t)args[1], whence);
			if (locked)
				mutex_unlock(&file->f_pos_lock);
		}
	}
	fput(file);
	return ret;
}
