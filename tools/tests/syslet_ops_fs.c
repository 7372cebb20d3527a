// SPDX-License-Identifier: GPL-2.0
/*
 * The op table test's rows for the file and file-system operations
 * (syslet/rw.c, fs.c, misc.c, stat.c, namei.c, file.c, random.c).
 *
 * Fixtures, in the row's scratch directory (root's, mode 0755):
 *   data    "0123456789abcdefghijklmnopqrstuvwxyz", mode 0644
 *   secret  a directory of mode 0700 holding "file" (mode 0600)
 *   link    a symbolic link to "data"
 * OPC_DENY runs as uid 65534 unless the row says otherwise: it may not
 * enter "secret", open root's 0600 files or create entries in the
 * directory.  For calls on open fds, where the uid plays no part, it is
 * an fd opened without the access the call needs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <sys/inotify.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "syslet_ops.h"

#define DATA	"0123456789abcdefghijklmnopqrstuvwxyz"
#define UL(p)	((unsigned long)(p))

static void fixture(struct op_ctx *c)
{
	op_mkfile(c, "data", 0644, DATA);
	op_mkdir(c, "secret", 0700);
	op_mkfile(c, "secret/file", 0600, DATA);
	CHECK(symlink("data", op_path(c, 3, "link")) == 0);
	c->path[3][0] = 0;
}

/* An fd on "data" (O_RDWR; O_RDONLY or O_WRONLY for OPC_DENY). */
static int data_fd(struct op_ctx *c, int deny_flags)
{
	c->fd = op_open(c, "data", c->kase == OPC_DENY ? deny_flags : O_RDWR);
	return c->fd;
}

/* The fd argument: ours, or OP_BADFD for OPC_BADF. */
static unsigned long fd_arg(struct op_ctx *c)
{
	return c->kase == OPC_BADF ? OP_BADFD : (unsigned long)c->fd;
}

/* The usual wants: the result for OPC_DENY and OPC_BADF given. */
static void want(struct op_ctx *c, long ok, long deny, long badf)
{
	static const long efault = -EFAULT;

	switch (c->kase) {
	case OPC_OK: c->want = ok; break;
	case OPC_DENY: c->want = deny; break;
	case OPC_BADF: c->want = badf; break;
	default: c->want = efault; break;
	}
}

/* Side effect: "data"'s content. */
static void observe_data(struct op_ctx *c)
{
	char buf[128] = "";
	int fd = op_open(c, "data", O_RDONLY);
	ssize_t n = read(fd, buf, sizeof(buf) - 1);

	close(fd);
	op_seen(c, "data: %zd '%s'\n", n, n > 0 ? buf : "");
}

static void undo_data(struct op_ctx *c)
{
	op_mkfile(c, "data", 0644, DATA);
}

/* ------------------------------------------------------------------
 * read, write and their positioned and vector forms, lseek
 */

/*
 * Side effect of reads: the IN_ACCESS events on the file (a watch in
 * c->fd2).  read(2) and pread64(2) notify only when they read something,
 * readv(2) and preadv(2) also when they read nothing; writes never do.
 */
static void watch_access(struct op_ctx *c, const char *path)
{
	c->fd2 = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	CHECK(c->fd2 >= 0);
	CHECK(inotify_add_watch(c->fd2, path, IN_ACCESS) >= 0);
}

/* The IN_ACCESS events queued on c->fd2, taken off it. */
static int access_events(struct op_ctx *c)
{
	char buf[4096] __attribute__((aligned(8)));
	const struct inotify_event *ev;
	ssize_t len;
	char *p;
	int n = 0;

	while ((len = read(c->fd2, buf, sizeof(buf))) > 0)
		for (p = buf; p < buf + len; p += sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)p;
			n += !!(ev->mask & IN_ACCESS);
		}
	return n;
}

static void observe_access(struct op_ctx *c)
{
	op_seen(c, "IN_ACCESS: %d\n", access_events(c));
}

static void prep_read(struct op_ctx *c)
{
	fixture(c);
	watch_access(c, op_path(c, 2, "data"));
	data_fd(c, O_WRONLY);
	c->a[0] = fd_arg(c);
	c->a[1] = c->kase == OPC_EFAULT ? UL(c->bad) : UL(c->out);
	c->a[2] = 10;
	c->a[3] = 4;			/* pread64's pos */
	c->outlen = 16;
	want(c, 10, -EBADF, -EBADF);
}

/* Nothing to read: a count of 0, or a position past the end. */
static void prep_read_zero(struct op_ctx *c)
{
	prep_read(c);
	c->a[2] = 0;
	if (c->kase == OPC_OK)
		c->want = 0;
}

static void prep_pread_eof(struct op_ctx *c)
{
	prep_read(c);
	c->a[3] = 100;
	if (c->kase == OPC_OK)
		c->want = 0;
}

static void prep_write(struct op_ctx *c)
{
	fixture(c);
	data_fd(c, O_RDONLY);
	strcpy((char *)c->in, "WRITTEN");
	c->a[0] = fd_arg(c);
	c->a[1] = c->kase == OPC_EFAULT ? UL(c->bad) : UL(c->in);
	c->a[2] = 7;
	c->a[3] = 5;			/* pwrite64's pos */
	want(c, 7, -EBADF, -EBADF);
}

/* Two iovecs in c->in[1024...]: 3 bytes, then 5. */
static void prep_vec(struct op_ctx *c, bool write)
{
	struct iovec *iov = (struct iovec *)(c->in + 1024);

	fixture(c);
	if (!write)
		watch_access(c, op_path(c, 2, "data"));
	data_fd(c, write ? O_RDONLY : O_WRONLY);
	strcpy((char *)c->in, "VECTORED");
	iov[0].iov_base = write ? c->in : c->out;
	iov[0].iov_len = 3;
	iov[1].iov_base = write ? c->in + 3 : c->out + 8;
	iov[1].iov_len = 5;
	c->a[0] = fd_arg(c);
	c->a[1] = c->kase == OPC_EFAULT ? UL(c->bad) : UL(iov);
	c->a[2] = 2;
	c->a[3] = 6;			/* preadv/pwritev's pos_l */
	c->outlen = 16;
	want(c, 8, -EBADF, -EBADF);
}

static void prep_readv(struct op_ctx *c) { prep_vec(c, false); }
static void prep_writev(struct op_ctx *c) { prep_vec(c, true); }

static void prep_preadv_eof(struct op_ctx *c)
{
	prep_vec(c, false);
	c->a[3] = 100;
	if (c->kase == OPC_OK)
		c->want = 0;
}

/*
 * A file whose read(2)/write(2) use ->read/->write, having neither
 * ->read_iter nor ->write_iter: this runner's /proc/PID/coredump_filter,
 * which reads "00000033\n" once prep has set it, and takes one number per
 * write (so each segment of a writev is seen).
 */
static void filter_fd(struct op_ctx *c, int deny_flags)
{
	char p[64];
	int fd;

	snprintf(p, sizeof(p), "/proc/%d/coredump_filter", (int)getpid());
	fd = open(p, O_WRONLY);
	CHECK(fd >= 0 && write(fd, "0x33", 4) == 4);
	close(fd);
	c->fd = open(p, c->kase == OPC_DENY ? deny_flags : O_RDWR);
	CHECK(c->fd >= 0);
	snprintf(c->path[0], sizeof(c->path[0]), "%s", p);
	watch_access(c, p);
}

static void prep_read_fop(struct op_ctx *c)
{
	filter_fd(c, O_WRONLY);
	c->a[0] = fd_arg(c);
	c->a[1] = c->kase == OPC_EFAULT ? UL(c->bad) : UL(c->out);
	c->a[2] = 16;
	c->a[3] = 2;			/* pread64's pos */
	c->outlen = 16;
	want(c, 9, -EBADF, -EBADF);
}

static void prep_pread_fop(struct op_ctx *c)
{
	prep_read_fop(c);
	if (c->kase == OPC_OK)
		c->want = 7;
}

/* Two iovecs: 3 bytes, then 5 into c->out[8...]. */
static void prep_readv_fop(struct op_ctx *c)
{
	struct iovec *iov = (struct iovec *)(c->in + 1024);

	filter_fd(c, O_WRONLY);
	iov[0].iov_base = c->out;
	iov[0].iov_len = 3;
	iov[1].iov_base = c->out + 8;
	iov[1].iov_len = 5;
	c->a[0] = fd_arg(c);
	c->a[1] = c->kase == OPC_EFAULT ? UL(c->bad) : UL(iov);
	c->a[2] = 2;
	c->a[3] = 0;			/* preadv's pos_l */
	c->outlen = 16;
	want(c, 8, -EBADF, -EBADF);
}

static void prep_write_fop(struct op_ctx *c)
{
	filter_fd(c, O_RDONLY);
	strcpy((char *)c->in, "0x7");
	c->a[0] = fd_arg(c);
	c->a[1] = c->kase == OPC_EFAULT ? UL(c->bad) : UL(c->in);
	c->a[2] = 3;
	want(c, 3, -EBADF, -EBADF);
}

/* Two iovecs, two numbers: "0x31", then "0x7". */
static void prep_writev_fop(struct op_ctx *c)
{
	struct iovec *iov = (struct iovec *)(c->in + 1024);

	filter_fd(c, O_RDONLY);
	strcpy((char *)c->in, "0x310x7");
	iov[0].iov_base = c->in;
	iov[0].iov_len = 4;
	iov[1].iov_base = c->in + 4;
	iov[1].iov_len = 3;
	c->a[0] = fd_arg(c);
	c->a[1] = c->kase == OPC_EFAULT ? UL(c->bad) : UL(iov);
	c->a[2] = 2;
	want(c, 7, -EBADF, -EBADF);
}

/*
 * Side effects: the IN_ACCESS events on the filter, then its value (the
 * event of reading it here taken off the queue).
 */
static void observe_filter(struct op_ctx *c)
{
	char buf[32] = "";
	ssize_t n;
	int fd;

	observe_access(c);
	fd = open(c->path[0], O_RDONLY);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	access_events(c);
	op_seen(c, "coredump_filter: %zd '%s'\n", n, n > 0 ? buf : "");
}

/* No segment: writev(2) calls nothing and notifies nothing. */
static void prep_writev_fop_empty(struct op_ctx *c)
{
	prep_writev_fop(c);
	c->a[2] = 0;
	c->want = 0;
}

static void undo_filter(struct op_ctx *c)
{
	int fd = open(c->path[0], O_WRONLY);

	CHECK(fd >= 0 && write(fd, "0x33", 4) == 4);
	close(fd);
}

static void prep_lseek(struct op_ctx *c)
{
	fixture(c);
	data_fd(c, O_RDONLY);
	c->a[0] = fd_arg(c);
	c->a[1] = 5;
	c->a[2] = SEEK_SET;
	want(c, 5, 0, -EBADF);
}

/* ------------------------------------------------------------------
 * openat, close, dup, fsync, fdatasync, nanosleep (the module ops have
 * no system call to compare with: syslet_test covers them)
 */

static void prep_openat(struct op_ctx *c)
{
	fixture(c);
	c->a[0] = AT_FDCWD;
	c->a[1] = UL(op_path(c, 0, c->kase == OPC_DENY ? "secret/file" :
				   c->kase == OPC_BADF ? "missing" : "data"));
	if (c->kase == OPC_EFAULT)
		c->a[1] = UL(c->bad);
	c->a[2] = O_RDONLY;
	want(c, OP_WANT_OK, -EACCES, -ENOENT);
}

static void prep_fd_only(struct op_ctx *c)
{
	fixture(c);
	data_fd(c, O_RDONLY);
	c->a[0] = fd_arg(c);
	want(c, 0, 0, -EBADF);
}

static void prep_dup(struct op_ctx *c)
{
	prep_fd_only(c);
	want(c, OP_WANT_OK, 0, -EBADF);
}

static void prep_nanosleep(struct op_ctx *c)
{
	struct timespec *ts = (struct timespec *)c->in;

	ts->tv_sec = 0;
	ts->tv_nsec = 1000000;
	c->a[0] = c->kase == OPC_EFAULT ? UL(c->bad) : UL(ts);
	want(c, 0, 0, 0);
}

/* ------------------------------------------------------------------
 * stat, lstat, newfstatat, fstat, statfs, fstatfs
 */

/* A path argument: "data" (or @ok), "secret/file", "missing" or bad. */
static unsigned long path_arg(struct op_ctx *c, int i, const char *ok)
{
	if (c->kase == OPC_EFAULT)
		return UL(c->bad);
	return UL(op_path(c, i, c->kase == OPC_DENY ? "secret/file" :
				c->kase == OPC_BADF ? "missing" : ok));
}

static void prep_stat(struct op_ctx *c)
{
	fixture(c);
	c->a[0] = path_arg(c, 0, "data");
	c->a[1] = UL(c->out);
	c->outlen = sizeof(struct stat);
	want(c, 0, -EACCES, -ENOENT);
}

static void prep_lstat(struct op_ctx *c)
{
	prep_stat(c);
	c->a[0] = path_arg(c, 0, "link");
}

/* The buffer unmapped, the path good: the copy-out faults. */
static void prep_stat_efault_buf(struct op_ctx *c)
{
	prep_stat(c);
	if (c->kase == OPC_EFAULT) {
		c->a[0] = UL(op_path(c, 0, "data"));
		c->a[1] = UL(c->bad);
	}
}

/* newfstatat(dirfd of c->dir or of "secret", name, buf, flags) */
static void prep_newfstatat(struct op_ctx *c)
{
	fixture(c);
	c->fd = op_open(c, c->kase == OPC_DENY ? "secret" : ".",
			O_PATH | O_DIRECTORY);
	c->a[0] = fd_arg(c);
	strcpy(c->path[0], c->kase == OPC_DENY ? "file" : "link");
	c->a[1] = c->kase == OPC_EFAULT ? UL(c->bad) : UL(c->path[0]);
	c->a[2] = UL(c->out);
	c->a[3] = AT_SYMLINK_NOFOLLOW;
	c->outlen = sizeof(struct stat);
	want(c, 0, -EACCES, -EBADF);
}

/* newfstatat(fd, "", buf, AT_EMPTY_PATH): fstat's shortcut. */
static void prep_newfstatat_empty(struct op_ctx *c)
{
	fixture(c);
	data_fd(c, O_RDONLY);
	c->a[0] = fd_arg(c);
	c->a[1] = UL(c->path[0]);	/* "" */
	c->a[2] = c->kase == OPC_EFAULT ? UL(c->bad) : UL(c->out);
	c->a[3] = AT_EMPTY_PATH;
	c->outlen = sizeof(struct stat);
	want(c, 0, 0, -EBADF);
}

static void prep_fstat(struct op_ctx *c)
{
	fixture(c);
	c->fd = op_open(c, "data", O_PATH);	/* O_PATH is enough */
	c->a[0] = fd_arg(c);
	c->a[1] = c->kase == OPC_EFAULT ? UL(c->bad) : UL(c->out);
	c->outlen = sizeof(struct stat);
	want(c, 0, 0, -EBADF);
}

static void prep_statfs(struct op_ctx *c)
{
	prep_stat_efault_buf(c);
	c->outlen = sizeof(struct statfs);
}

static void prep_fstatfs(struct op_ctx *c)
{
	prep_fstat(c);
	c->outlen = sizeof(struct statfs);
}

/* ------------------------------------------------------------------
 * access, faccessat, faccessat2
 */

static void prep_access(struct op_ctx *c)
{
	fixture(c);
	/* Real ids 65534, effective 0: access() checks the real ones. */
	c->flags |= OPF_DENY_RUID;
	c->a[0] = path_arg(c, 0, "data");
	c->a[1] = R_OK | W_OK;
	want(c, 0, -EACCES, -ENOENT);
}

static void prep_faccessat(struct op_ctx *c)
{
	fixture(c);
	c->fd = op_open(c, c->kase == OPC_DENY ? "secret" : ".",
			O_RDONLY | O_DIRECTORY);
	c->a[0] = fd_arg(c);
	strcpy(c->path[0], c->kase == OPC_DENY ? "file" : "data");
	c->a[1] = c->kase == OPC_EFAULT ? UL(c->bad) : UL(c->path[0]);
	c->a[2] = R_OK;
	want(c, 0, -EACCES, -EBADF);
}

static void prep_faccessat2(struct op_ctx *c)
{
	prep_faccessat(c);
	if (c->kase == OPC_OK)
		strcpy(c->path[0], "link");
	c->a[3] = AT_SYMLINK_NOFOLLOW;
}

/*
 * faccessat2(AT_FDCWD, path, R_OK | W_OK, AT_EACCESS): the effective ids,
 * which stay 0 in OPC_DENY (OPF_DENY_RUID): allowed there too.
 */
static void prep_faccessat2_eaccess(struct op_ctx *c)
{
	prep_access(c);
	c->a[0] = AT_FDCWD;
	c->a[1] = path_arg(c, 0, "data");
	c->a[2] = R_OK | W_OK;
	c->a[3] = AT_EACCESS;
	if (c->kase == OPC_DENY)
		c->want = 0;
}

/* ------------------------------------------------------------------
 * mkdir, mkdirat
 */

static void prep_mkdir(struct op_ctx *c)
{
	fixture(c);
	c->a[0] = path_arg(c, 0, "new");
	if (c->kase == OPC_DENY)
		c->a[0] = UL(op_path(c, 0, "new"));
	else if (c->kase == OPC_BADF)
		c->a[0] = UL(op_path(c, 0, "missing/new"));
	c->a[1] = 0777;
	snprintf(c->obs, sizeof(c->obs), "%s/new", c->dir);
	want(c, 0, -EACCES, -ENOENT);
}

static void prep_mkdirat(struct op_ctx *c)
{
	fixture(c);
	c->fd = op_open(c, ".", O_RDONLY | O_DIRECTORY);
	c->a[0] = fd_arg(c);
	strcpy(c->path[0], "new");
	c->a[1] = c->kase == OPC_EFAULT ? UL(c->bad) : UL(c->path[0]);
	c->a[2] = 0751;
	snprintf(c->obs, sizeof(c->obs), "%s/new", c->dir);
	want(c, 0, -EACCES, -EBADF);
}

static void undo_mkdir(struct op_ctx *c)
{
	rmdir(c->obs);
}

/* ------------------------------------------------------------------
 * mknod, mknodat: fifos and devices (a regular file is a genuine call)
 */

/* mknod("fifo", S_IFIFO | 0640, 0): as uid 65534 denied (the directory). */
static void prep_mknod(struct op_ctx *c)
{
	fixture(c);
	c->a[0] = path_arg(c, 0, "fifo");
	if (c->kase == OPC_DENY)
		c->a[0] = UL(op_path(c, 0, "fifo"));
	else if (c->kase == OPC_BADF)
		c->a[0] = UL(op_path(c, 0, "missing/fifo"));
	c->a[1] = S_IFIFO | 0640;
	c->a[2] = 0;
	snprintf(c->obs, sizeof(c->obs), "%s/fifo", c->dir);
	want(c, 0, -EACCES, -ENOENT);
}

static void prep_mknodat(struct op_ctx *c)
{
	fixture(c);
	c->fd = op_open(c, ".", O_RDONLY | O_DIRECTORY);
	c->a[0] = fd_arg(c);
	strcpy(c->path[0], "sock");
	c->a[1] = c->kase == OPC_EFAULT ? UL(c->bad) : UL(c->path[0]);
	c->a[2] = S_IFSOCK | 0604;
	c->a[3] = 0;
	snprintf(c->obs, sizeof(c->obs), "%s/sock", c->dir);
	want(c, 0, -EACCES, -EBADF);
}

/*
 * A character device 1:3 in a directory anybody may write to: uid 65534
 * lacks CAP_MKNOD (EPERM).
 */
static void prep_mknodat_chr(struct op_ctx *c)
{
	prep_mknodat(c);
	CHECK(chmod(c->dir, 0777) == 0);
	strcpy(c->path[0], "null");
	c->a[2] = S_IFCHR | 0666;
	c->a[3] = makedev(1, 3);
	snprintf(c->obs, sizeof(c->obs), "%s/null", c->dir);
	want(c, 0, -EPERM, -EBADF);
}

/* A whiteout (a character device 0:0) needs no CAP_MKNOD. */
static void prep_mknodat_whiteout(struct op_ctx *c)
{
	prep_mknodat_chr(c);
	c->a[3] = 0;
	c->want = 0;
}

/* Not a type mknod makes: a directory (EPERM), garbage (EINVAL). */
static void prep_mknodat_dir(struct op_ctx *c)
{
	prep_mknodat(c);
	c->a[2] = S_IFDIR | 0755;
	c->want = -EPERM;
}

static void prep_mknodat_inval(struct op_ctx *c)
{
	prep_mknodat(c);
	c->a[2] = 0170000 | 0644;
	c->want = -EINVAL;
}

static void undo_mknod(struct op_ctx *c)
{
	unlink(c->obs);
}

/* Side effect: the device number of c->obs. */
static void observe_rdev(struct op_ctx *c)
{
	struct stat st;

	if (!lstat(c->obs, &st))
		op_seen(c, "rdev %u:%u\n", major(st.st_rdev),
			minor(st.st_rdev));
}

/* ------------------------------------------------------------------
 * getdents64, fadvise64, fallocate, sync_file_range, syncfs
 */

static void prep_getdents64(struct op_ctx *c)
{
	fixture(c);
	c->fd = op_open(c, ".", c->kase == OPC_DENY ? O_PATH | O_DIRECTORY :
						   O_RDONLY | O_DIRECTORY);
	c->a[0] = fd_arg(c);
	c->a[1] = c->kase == OPC_EFAULT ? UL(c->bad) : UL(c->out);
	c->a[2] = 1024;
	c->outlen = 1024;
	want(c, OP_WANT_OK, -EBADF, -EBADF);
}

/* A buffer too small for the first entry: -EINVAL, nothing written. */
static void prep_getdents64_small(struct op_ctx *c)
{
	prep_getdents64(c);
	if (c->kase == OPC_OK) {
		c->a[2] = 8;
		c->want = -EINVAL;
	}
}

static void prep_fadvise(struct op_ctx *c, int advice)
{
	fixture(c);
	c->fd = op_open(c, "data", O_RDONLY);
	c->a[0] = fd_arg(c);
	c->a[1] = 0;
	c->a[2] = 0;
	c->a[3] = advice;
	want(c, 0, 0, -EBADF);
}

static void prep_fadvise_willneed(struct op_ctx *c)
{
	prep_fadvise(c, POSIX_FADV_WILLNEED);
}

static void prep_fadvise_sequential(struct op_ctx *c)
{
	prep_fadvise(c, POSIX_FADV_SEQUENTIAL);
}

static void prep_fallocate(struct op_ctx *c)
{
	fixture(c);
	data_fd(c, O_RDONLY);
	c->a[0] = fd_arg(c);
	c->a[1] = 0;
	c->a[2] = 0;
	c->a[3] = 8192;
	snprintf(c->obs, sizeof(c->obs), "%s/data", c->dir);
	want(c, 0, -EBADF, -EBADF);
}

static void prep_fallocate_keep(struct op_ctx *c)
{
	prep_fallocate(c);
	c->a[1] = FALLOC_FL_KEEP_SIZE;
}

static void prep_sync_file_range(struct op_ctx *c)
{
	fixture(c);
	data_fd(c, O_RDONLY);
	c->a[0] = fd_arg(c);
	c->a[1] = 0;
	c->a[2] = 0;
	c->a[3] = 7;	/* WAIT_BEFORE | WRITE | WAIT_AFTER */
	want(c, 0, 0, -EBADF);
}

/* Unknown flags: -EINVAL, after the fd is checked. */
static void prep_sync_file_range_inval(struct op_ctx *c)
{
	prep_sync_file_range(c);
	c->a[3] = 8;
	if (c->kase == OPC_OK)
		c->want = -EINVAL;
}

/* readahead(fd, 0, 4096) */
static void prep_readahead(struct op_ctx *c)
{
	fixture(c);
	c->fd = op_open(c, "data", c->kase == OPC_DENY ? O_WRONLY : O_RDONLY);
	c->a[0] = fd_arg(c);
	c->a[1] = 0;
	c->a[2] = 4096;
	want(c, 0, -EBADF, -EBADF);
}

/*
 * copy_file_range("data" at *off_in = 2, NULL, "copy" at its offset, NULL,
 * 10, 0); off_in is in c->in, "copy" is c->fd (its offset is observed).
 */
static void prep_copy_file_range(struct op_ctx *c)
{
	long long *off_in = (long long *)c->in;

	fixture(c);
	op_mkfile(c, "copy", 0644, NULL);
	c->fd2 = op_open(c, "data", O_RDONLY);
	c->fd = op_open(c, "copy", c->kase == OPC_DENY ? O_RDONLY : O_RDWR);
	*off_in = 2;
	c->a[0] = c->kase == OPC_BADF ? OP_BADFD : (unsigned long)c->fd2;
	c->a[1] = c->kase == OPC_EFAULT ? UL(c->bad) : UL(off_in);
	c->a[2] = c->fd;
	c->a[3] = 0;
	c->a[4] = 10;
	c->a[5] = 0;
	snprintf(c->obs, sizeof(c->obs), "%s/copy", c->dir);
	want(c, 10, -EBADF, -EBADF);
}

static void observe_copy_file_range(struct op_ctx *c)
{
	char buf[64] = "";
	int fd = op_open(c, "copy", O_RDONLY);
	ssize_t n = read(fd, buf, sizeof(buf) - 1);

	close(fd);
	op_seen(c, "off_in %lld; copy: %zd '%s'\n", *(long long *)c->in, n,
		n > 0 ? buf : "");
}

static void undo_copy_file_range(struct op_ctx *c)
{
	*(long long *)c->in = 2;
	op_mkfile(c, "copy", 0644, NULL);
}

/* truncate("data", 5): as uid 65534 denied (no write permission). */
static void prep_truncate(struct op_ctx *c)
{
	fixture(c);
	c->a[0] = path_arg(c, 0, "data");
	if (c->kase == OPC_DENY)
		c->a[0] = UL(op_path(c, 0, "data"));
	c->a[1] = 5;
	snprintf(c->obs, sizeof(c->obs), "%s/data", c->dir);
	want(c, 0, -EACCES, -ENOENT);
}

/* ------------------------------------------------------------------
 * getrandom
 */

static void prep_getrandom(struct op_ctx *c)
{
	c->flags |= OPF_NO_OUT_CMP;
	c->a[0] = c->kase == OPC_EFAULT ? UL(c->bad) : UL(c->out);
	c->a[1] = 100;
	c->a[2] = 0;
	want(c, 100, 0, 0);
}

/* Random bytes were written (100 of them all 0xa5: never). */
static void observe_getrandom(struct op_ctx *c)
{
	int i, same = 0;

	for (i = 0; i < 100; i++)
		same += c->out[i] == 0xa5;
	op_seen(c, "buffer %s; after it %02x\n",
		same == 100 ? "untouched" : "written", c->out[100]);
}

/*
 * The buffer, or the iovec array, outside user space: the calls look at
 * the fd and its mode before the buffer, so with a bad fd, or one open
 * for the other direction only, the result is -EBADF, and -EFAULT with a
 * good fd.
 */
static void kernel_buf(struct op_ctx *c)
{
	c->a[1] = 0xffff888000000000UL;
	if (c->kase == OPC_OK)
		c->want = -EFAULT;
}

static void prep_read_kbuf(struct op_ctx *c)
{
	prep_read(c);
	kernel_buf(c);
}

static void prep_write_kbuf(struct op_ctx *c)
{
	prep_write(c);
	kernel_buf(c);
}

static void prep_readv_kbuf(struct op_ctx *c)
{
	prep_readv(c);
	kernel_buf(c);
}

static void prep_writev_kbuf(struct op_ctx *c)
{
	prep_writev(c);
	kernel_buf(c);
}

/* Unknown flags. */
static void prep_getrandom_inval(struct op_ctx *c)
{
	prep_getrandom(c);
	c->a[2] = 0x80;
	c->want = -EINVAL;
}

#define OK_BADF		(OPC_BIT(OPC_OK) | OPC_BIT(OPC_BADF))
#define OK_EFAULT	(OPC_BIT(OPC_OK) | OPC_BIT(OPC_EFAULT))
#define NO_DENY		(OPC_ALL & ~OPC_BIT(OPC_DENY))
#define NO_EFAULT	(OPC_ALL & ~OPC_BIT(OPC_EFAULT))

static const struct op_row fs_rows[] = {
	ROW("read", read, OPC_ALL, prep_read, .observe = observe_access),
	ROW("read-zero-count", read, OPC_BIT(OPC_OK), prep_read_zero,
	    .observe = observe_access),
	ROW("write", write, OPC_ALL,
	    prep_write, .undo = undo_data, .observe = observe_data),
	ROW("pread64", pread64, OPC_ALL, prep_read, .observe = observe_access),
	ROW("pread64-eof", pread64, OPC_BIT(OPC_OK), prep_pread_eof,
	    .observe = observe_access),
	ROW("pwrite64", pwrite64, OPC_ALL,
	    prep_write, .undo = undo_data, .observe = observe_data),
	ROW("readv", readv, OPC_ALL, prep_readv, .observe = observe_access),
	ROW("writev", writev, OPC_ALL,
	    prep_writev, .undo = undo_data, .observe = observe_data),
	ROW("preadv", preadv, OPC_ALL, prep_readv, .observe = observe_access),
	ROW("preadv-eof", preadv, OPC_BIT(OPC_OK), prep_preadv_eof,
	    .observe = observe_access),
	ROW("pwritev", pwritev, OPC_ALL,
	    prep_writev, .undo = undo_data, .observe = observe_data),
	ROW("read-kbuf", read, NO_EFAULT, prep_read_kbuf,
	    .observe = observe_access),
	ROW("write-kbuf", write, NO_EFAULT,
	    prep_write_kbuf, .undo = undo_data, .observe = observe_data),
	ROW("pread64-kbuf", pread64, NO_EFAULT, prep_read_kbuf,
	    .observe = observe_access),
	ROW("pwrite64-kbuf", pwrite64, NO_EFAULT,
	    prep_write_kbuf, .undo = undo_data, .observe = observe_data),
	ROW("readv-kbuf", readv, NO_EFAULT, prep_readv_kbuf,
	    .observe = observe_access),
	ROW("writev-kbuf", writev, NO_EFAULT,
	    prep_writev_kbuf, .undo = undo_data, .observe = observe_data),
	ROW("preadv-kbuf", preadv, NO_EFAULT, prep_readv_kbuf,
	    .observe = observe_access),
	ROW("pwritev-kbuf", pwritev, NO_EFAULT,
	    prep_writev_kbuf, .undo = undo_data, .observe = observe_data),
	ROW("read-fop", read, OPC_ALL, prep_read_fop,
	    .observe = observe_filter),
	ROW("pread64-fop", pread64, OPC_ALL, prep_pread_fop,
	    .observe = observe_filter),
	ROW("readv-fop", readv, OPC_ALL, prep_readv_fop,
	    .observe = observe_filter),
	ROW("preadv-fop", preadv, OPC_ALL, prep_readv_fop,
	    .observe = observe_filter),
	ROW("write-fop", write, OPC_ALL, prep_write_fop,
	    .undo = undo_filter, .observe = observe_filter),
	ROW("pwrite64-fop", pwrite64, OPC_ALL, prep_write_fop,
	    .undo = undo_filter, .observe = observe_filter),
	ROW("writev-fop", writev, OPC_ALL, prep_writev_fop,
	    .undo = undo_filter, .observe = observe_filter),
	ROW("writev-fop-empty", writev, OPC_BIT(OPC_OK), prep_writev_fop_empty,
	    .undo = undo_filter, .observe = observe_filter),
	ROW("pwritev-fop", pwritev, OPC_ALL, prep_writev_fop,
	    .undo = undo_filter, .observe = observe_filter),
	ROW("lseek", lseek, OK_BADF, prep_lseek),
	ROW("openat", openat, OPC_ALL, prep_openat),
	ROW("close", close, OK_BADF, prep_fd_only),
	ROW("fsync", fsync, OK_BADF, prep_fd_only),
	ROW("fdatasync", fdatasync, OK_BADF, prep_fd_only),
	ROW("nanosleep", nanosleep, OK_EFAULT, prep_nanosleep),
	ROW("stat", stat, OPC_ALL, prep_stat),
	ROW("stat-efault-buf", stat, OPC_BIT(OPC_EFAULT), prep_stat_efault_buf),
	ROW("lstat", lstat, OPC_ALL, prep_lstat),
	ROW("newfstatat", newfstatat, OPC_ALL, prep_newfstatat),
	ROW("newfstatat-empty-path", newfstatat, NO_DENY,
	    prep_newfstatat_empty),
	ROW("fstat", fstat, NO_DENY, prep_fstat),
	ROW("statfs", statfs, OPC_ALL, prep_statfs),
	ROW("fstatfs", fstatfs, NO_DENY, prep_fstatfs),
	ROW("access", access, OPC_ALL, prep_access),
	ROW("faccessat", faccessat, OPC_ALL, prep_faccessat),
	ROW("faccessat2", faccessat2, OPC_ALL, prep_faccessat2),
	ROW("faccessat2-eaccess", faccessat2, OPC_BIT(OPC_OK) | OPC_BIT(OPC_DENY),
	    prep_faccessat2_eaccess),
	ROW("mkdir", mkdir, OPC_ALL, prep_mkdir, .undo = undo_mkdir),
	ROW("mkdirat", mkdirat, OPC_ALL, prep_mkdirat, .undo = undo_mkdir),
	ROW("mknod", mknod, OPC_ALL, prep_mknod, .undo = undo_mknod),
	ROW("mknodat", mknodat, OPC_ALL, prep_mknodat, .undo = undo_mknod),
	ROW("mknodat-chr", mknodat, OPC_ALL, prep_mknodat_chr,
	    .undo = undo_mknod, .observe = observe_rdev),
	ROW("mknodat-whiteout", mknodat, OPC_BIT(OPC_OK) | OPC_BIT(OPC_DENY),
	    prep_mknodat_whiteout, .undo = undo_mknod, .observe = observe_rdev),
	ROW("mknodat-dir", mknodat, OPC_BIT(OPC_OK), prep_mknodat_dir,
	    .undo = undo_mknod),
	ROW("mknodat-inval", mknodat, OPC_BIT(OPC_OK), prep_mknodat_inval,
	    .undo = undo_mknod),
	ROW("dup", dup, OK_BADF, prep_dup),
	ROW("getdents64", getdents64, OPC_ALL, prep_getdents64),
	ROW("getdents64-small", getdents64, OPC_BIT(OPC_OK),
	    prep_getdents64_small),
	ROW("fadvise64", fadvise64, OK_BADF, prep_fadvise_willneed),
	ROW("fadvise64-sequential", fadvise64, OK_BADF,
	    prep_fadvise_sequential),
	ROW("fallocate", fallocate, OPC_ALL & ~OPC_BIT(OPC_EFAULT),
	    prep_fallocate, .undo = undo_data),
	ROW("fallocate-keep-size", fallocate, OPC_BIT(OPC_OK),
	    prep_fallocate_keep, .undo = undo_data),
	ROW("sync_file_range", sync_file_range, OK_BADF, prep_sync_file_range),
	ROW("sync_file_range-inval", sync_file_range, OK_BADF,
	    prep_sync_file_range_inval),
	ROW("syncfs", syncfs, OK_BADF, prep_fd_only),
	ROW("readahead", readahead, OPC_ALL & ~OPC_BIT(OPC_EFAULT),
	    prep_readahead),
	ROW("copy_file_range", copy_file_range, OPC_ALL,
	    prep_copy_file_range, .undo = undo_copy_file_range,
	    .observe = observe_copy_file_range),
	ROW("truncate", truncate, OPC_ALL, prep_truncate, .undo = undo_data,
	    .observe = observe_data),
	ROW("getrandom", getrandom, OK_EFAULT,
	    prep_getrandom, .observe = observe_getrandom),
	ROW("getrandom-inval", getrandom, OPC_BIT(OPC_OK),
	    prep_getrandom_inval, .observe = observe_getrandom),
};
OP_ROWS(fs_rows);
