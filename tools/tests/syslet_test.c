// SPDX-License-Identifier: GPL-2.0
/*
 * syslet selftests, run in the test VM.  One test per behaviour:
 *   syslet_test --list     names, one a line
 *   syslet_test NAME       run one; exit 0 = pass, 77 = skip, else fail
 * Each test checks its results against what the same system call returns
 * when the process makes it itself.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/fanotify.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../lib/syslet.h"
#include "syslet_workers.h"
#include "check.h"
#include "proc_io.h"
#include "runner.h"

#define A(x) ((unsigned long *)&(x))

static struct syslet_ring ring;

static void setup(unsigned long nr)
{
	int ret = syslet_setup(&ring, nr, -1UL);

	if (ret) {
		fprintf(stderr, "syslet_setup: %s\n", strerror(-ret));
		exit(1);
	}
}

/* A scratch file of @len bytes of a known pattern; returns its fd. */
static int make_file(const char *path, size_t len)
{
	char *buf = malloc(len);
	size_t i;
	int fd;

	CHECK(buf);
	for (i = 0; i < len; i++)
		buf[i] = (char)(i * 7 + 3);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	CHECK(write(fd, buf, len) == (ssize_t)len);
	free(buf);
	return fd;
}

static char pattern(size_t i)
{
	return (char)(i * 7 + 3);
}

static struct syslet_uatom *reap_wait(void)
{
	struct syslet_uatom *a;
	int i;

	for (i = 0; i < 1000; i++) {
		a = syslet_reap(&ring);
		if (a)
			return a;
		CHECK(syslet_wait(&ring, 1) >= 0);
	}
	return NULL;
}

/*
 * Run a chain to its end, in the caller or in a worker (files without
 * FMODE_NOWAIT, such as tmpfs files in 6.12, always go to a worker, as
 * with io_uring); returns its final atom.
 */
static struct syslet_uatom *run(struct syslet_uatom *a)
{
	struct syslet_uatom *done = NULL;
	int ret = syslet_exec(&ring, a, &done);

	CHECK(ret >= 0);
	if (ret == 0)
		done = reap_wait();
	return done;
}

/* --- the ABI ---------------------------------------------------------- */

static int t_register_errors(void)
{
	struct async_head_user ahu = { 0 };
	void *slots = calloc(16, 8);
	int fd = open("/dev/syslet", O_RDWR);

	CHECK(fd >= 0);
	ahu.completion_ring = slots;
	ahu.max_nr_threads = -1UL;
	ahu.ring_size_bytes = 0;
	CHECK(ioctl(fd, SYSLET_IOC_REGISTER, &ahu) == -1 && errno == EINVAL);
	ahu.ring_size_bytes = 12;		/* not a multiple of 8 */
	CHECK(ioctl(fd, SYSLET_IOC_REGISTER, &ahu) == -1 && errno == EINVAL);
	ahu.ring_size_bytes = 64;
	ahu.completion_ring = (void *)((char *)slots + 4);	/* misaligned */
	CHECK(ioctl(fd, SYSLET_IOC_REGISTER, &ahu) == -1 && errno == EINVAL);
	ahu.completion_ring = (void *)0x10000;	/* unmapped */
	CHECK(ioctl(fd, SYSLET_IOC_REGISTER, &ahu) == -1 && errno == EFAULT);
	ahu.completion_ring = (void *)0xffff880000000000UL;	/* kernel */
	CHECK(ioctl(fd, SYSLET_IOC_REGISTER, &ahu) == -1 && errno == EFAULT);
	ahu.completion_ring = slots;
	ahu.max_nr_threads = 0;
	CHECK(ioctl(fd, SYSLET_IOC_REGISTER, &ahu) == -1 && errno == EINVAL);
	CHECK(ioctl(fd, SYSLET_IOC_REGISTER, (void *)8) == -1 && errno == EFAULT);
	ahu.max_nr_threads = -1UL;
	CHECK(ioctl(fd, SYSLET_IOC_REGISTER, &ahu) == 0);
	CHECK(ioctl(fd, SYSLET_IOC_REGISTER, &ahu) == -1 && errno == EBUSY);
	CHECK(ioctl(fd, SYSLET_IOC_UNREGISTER) == 0);
	CHECK(ioctl(fd, SYSLET_IOC_UNREGISTER) == -1 && errno == EINVAL);
	CHECK(ioctl(fd, SYSLET_IOC_REGISTER, &ahu) == 0);
	CHECK(ioctl(fd, _IO(SYSLET_IOC_MAGIC, 99)) == -1 && errno == ENOTTY);
	close(fd);
	return 0;
}

static int t_exec_unregistered(void)
{
	struct syslet_uatom a;
	struct syslet_exec ex = { .atom = (unsigned long)&a };
	int fd = open("/dev/syslet", O_RDWR);

	syslet_atom(&a, SYSLET_NR_NOP, 0, NULL, NULL, NULL);
	CHECK(ioctl(fd, SYSLET_IOC_EXEC, &ex) == -1 && errno == EINVAL);
	CHECK(ioctl(fd, SYSLET_IOC_WAIT, 0) == -1 && errno == EINVAL);
	close(fd);
	return 0;
}

/* --- synchronous chains ---------------------------------------------- */

/* write, lseek, read back: data and offsets as the syscalls give them. */
static int t_sync_rw(void)
{
	struct syslet_uatom a[3], *done = NULL;
	char out[100], in[100] = { 0 };
	unsigned long fd, len = sizeof(out), zero = 0, set = SEEK_SET;
	unsigned long pout = (unsigned long)out, pin = (unsigned long)in;
	long r[3];

	setup(8);
	memset(out, 'x', sizeof(out));
	fd = open("/tmp/rw", O_RDWR | O_CREAT | O_TRUNC, 0644);
	syslet_atom(&a[0], SYS_write, 0, &r[0], &a[1], A(fd), A(pout), A(len), NULL);
	syslet_atom(&a[1], SYS_lseek, 0, &r[1], &a[2], A(fd), A(zero), A(set), NULL);
	syslet_atom(&a[2], SYS_read, 0, &r[2], NULL, A(fd), A(pin), A(len), NULL);
	CHECK(run(a) == &a[2]);
	CHECK_EQ(r[0], 100);
	CHECK_EQ(r[1], 0);
	CHECK_EQ(r[2], 100);
	CHECK(!memcmp(in, out, sizeof(in)));
	/* The file offset moved as read(2) moves it. */
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 100);
	CHECK(!syslet_reap(&ring));
	(void)done;
	return 0;
}

/* Every supported syscall, against the syscall made directly. */
static int t_sync_ops(void)
{
	struct syslet_uatom a;
	char buf[64], buf2[64];
	struct iovec iov[2] = { { buf, 10 }, { buf + 10, 20 } };
	unsigned long fd, p = (unsigned long)buf, n = 30, pos = 5, two = 2;
	unsigned long piov = (unsigned long)iov, ds = 0, path, flags, mode;
	unsigned long dirfd = AT_FDCWD;
	long r;

	setup(8);
	fd = make_file("/tmp/ops", 4096);
	/* pread64 */
	syslet_atom(&a, SYS_pread64, 0, &r, NULL, A(fd), A(p), A(n), A(pos), NULL);
	CHECK(run(&a) == &a);
	CHECK_EQ(r, pread(fd, buf2, 30, 5));
	CHECK(!memcmp(buf, buf2, 30));
	/* preadv */
	memset(buf, 0, sizeof(buf));
	syslet_atom(&a, SYS_preadv, 0, &r, NULL, A(fd), A(piov), A(two), A(pos), NULL);
	CHECK(run(&a) == &a);
	CHECK_EQ(r, 30);
	CHECK(!memcmp(buf, buf2, 30));
	/* readv from the file offset */
	lseek(fd, 100, SEEK_SET);
	syslet_atom(&a, SYS_readv, 0, &r, NULL, A(fd), A(piov), A(two), NULL);
	CHECK(run(&a) == &a);
	CHECK_EQ(r, 30);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 130);
	CHECK_EQ(buf[0], pattern(100));
	/* pwrite64, pwritev, writev */
	syslet_atom(&a, SYS_pwrite64, 0, &r, NULL, A(fd), A(p), A(n), A(pos), NULL);
	CHECK(run(&a) == &a);
	CHECK_EQ(r, 30);
	syslet_atom(&a, SYS_pwritev, 0, &r, NULL, A(fd), A(piov), A(two), A(pos), NULL);
	CHECK(run(&a) == &a);
	CHECK_EQ(r, 30);
	syslet_atom(&a, SYS_writev, 0, &r, NULL, A(fd), A(piov), A(two), NULL);
	CHECK(run(&a) == &a);
	CHECK_EQ(r, 30);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 160);
	/* fsync, fdatasync (may block: they go to a worker) */
	syslet_atom(&a, SYS_fsync, SYSLET_SYNC, &r, NULL, A(fd), NULL);
	CHECK(run(&a) == &a);
	CHECK_EQ(r, 0);
	syslet_atom(&a, SYS_fdatasync, SYSLET_SYNC, &r, NULL, A(fd), NULL);
	CHECK(run(&a) == &a);
	CHECK_EQ(r, 0);
	(void)ds;
	/* openat: relative to the cwd and to a dirfd; O_CREAT with umask */
	CHECK(chdir("/tmp") == 0);
	umask(022);
	path = (unsigned long)"ops-new";
	flags = O_RDWR | O_CREAT | O_EXCL;
	mode = 0666;
	syslet_atom(&a, SYS_openat, 0, &r, NULL, A(dirfd), A(path), A(flags), A(mode), NULL);
	CHECK(run(&a) == &a);
	CHECK(r >= 0);
	{
		struct stat st;

		CHECK(fstat(r, &st) == 0);
		CHECK_EQ(st.st_mode & 0777, 0644);
		close(r);
	}
	/* Same again: EEXIST, as openat(2) says. */
	syslet_atom(&a, SYS_openat, 0, &r, NULL, A(dirfd), A(path), A(flags), A(mode), NULL);
	CHECK(run(&a) == &a);
	CHECK_EQ(r, -EEXIST);
	dirfd = open("/", O_RDONLY | O_DIRECTORY);
	path = (unsigned long)"tmp/../tmp/ops";
	flags = O_RDONLY;
	syslet_atom(&a, SYS_openat, 0, &r, NULL, A(dirfd), A(path), A(flags), NULL);
	CHECK(run(&a) == &a);
	CHECK(r >= 0);
	/* close, then close again: EBADF */
	{
		unsigned long cfd = r;

		syslet_atom(&a, SYS_close, 0, &r, NULL, A(cfd), NULL);
	}
	CHECK(run(&a) == &a);
	CHECK_EQ(r, 0);
	CHECK(run(&a) == &a);
	CHECK_EQ(r, -EBADF);
	/* errors as the syscalls give them */
	n = 99999;
	syslet_atom(&a, SYS_read, 0, &r, NULL, A(n), A(p), A(n), NULL);
	CHECK(run(&a) == &a);
	CHECK_EQ(r, -EBADF);
	pos = -1;
	syslet_atom(&a, SYS_pread64, 0, &r, NULL, A(fd), A(p), A(two), A(pos), NULL);
	CHECK(run(&a) == &a);
	CHECK_EQ(r, -EINVAL);
	return 0;
}

static int t_enosys(void)
{
	struct syslet_uatom a;
	long r = 1;

	setup(8);
	syslet_atom(&a, SYS_getpid, 0, &r, NULL, NULL);
	CHECK_EQ(syslet_exec(&ring, &a, NULL), 1);
	CHECK_EQ(r, -ENOSYS);
	syslet_atom(&a, SYSLET_NR_BASE + 77, 0, &r, NULL, NULL);
	CHECK_EQ(syslet_exec(&ring, &a, NULL), 1);
	CHECK_EQ(r, -ENOSYS);
	/* Unknown flag bits, and ASYNC|SYNC together: -EINVAL. */
	syslet_atom(&a, SYSLET_NR_NOP, 0x100000, &r, NULL, NULL);
	CHECK_EQ(syslet_exec(&ring, &a, NULL), 1);
	CHECK_EQ(r, -EINVAL);
	syslet_atom(&a, SYSLET_NR_NOP, SYSLET_ASYNC | SYSLET_SYNC, &r, NULL, NULL);
	CHECK_EQ(syslet_exec(&ring, &a, NULL), 1);
	CHECK_EQ(r, -EINVAL);
	return 0;
}

/* Sync first: a chain that never blocks finishes in the caller (pipes
 * have FMODE_NOWAIT), and is not posted. */
static int t_sync_first(void)
{
	struct syslet_uatom a[5], *done = NULL;
	int pfd[2];
	char in[8] = { 0 };
	unsigned long rfd, wfd, pout = (unsigned long)"abcdef", pin;
	unsigned long six = 6, pc, one = 1;
	long r[5], cnt = 0;

	setup(8);
	CHECK(pipe(pfd) == 0);
	rfd = pfd[0];
	wfd = pfd[1];
	pin = (unsigned long)in;
	pc = (unsigned long)&cnt;
	syslet_atom(&a[0], SYS_write, 0, &r[0], &a[1], A(wfd), A(pout), A(six), NULL);
	syslet_atom(&a[1], SYS_read, 0, &r[1], &a[2], A(rfd), A(pin), A(six), NULL);
	syslet_atom(&a[2], SYSLET_NR_UMEM_ADD, 0, &r[2], &a[3], A(pc), A(one), NULL);
	syslet_atom(&a[3], SYSLET_NR_NOP, 0, &r[3], &a[4], NULL);
	syslet_atom(&a[4], SYS_getpid, 0, &r[4], NULL, NULL);
	CHECK_EQ(syslet_exec(&ring, a, &done), 1);
	CHECK(done == &a[4]);
	CHECK_EQ(r[0], 6);
	CHECK_EQ(r[1], 6);
	CHECK(!memcmp(in, "abcdef", 6));
	CHECK_EQ(r[2], 1);
	CHECK_EQ(r[4], -ENOSYS);
	usleep(20000);
	CHECK_EQ(syslet_wait(&ring, 0), 0);
	CHECK(!syslet_reap(&ring));
	return 0;
}

/* An earlier atom's result feeds a later atom's argument. */
static int t_arg_passing(void)
{
	struct syslet_uatom a[3];
	char buf[16] = { 0 };
	unsigned long dirfd = AT_FDCWD, path = (unsigned long)"/tmp/args";
	unsigned long flags = O_RDONLY, p = (unsigned long)buf, n = 8;
	long fd = -1, r1, r2;

	setup(8);
	close(make_file("/tmp/args", 64));
	syslet_atom(&a[0], SYS_openat, SYSLET_STOP_ON_NEGATIVE, &fd, &a[1],
		    A(dirfd), A(path), A(flags), NULL);
	syslet_atom(&a[1], SYS_read, 0, &r1, &a[2], A(fd), A(p), A(n), NULL);
	syslet_atom(&a[2], SYS_close, 0, &r2, NULL, A(fd), NULL);
	CHECK(run(a) == &a[2]);
	CHECK(fd >= 0);
	CHECK_EQ(r1, 8);
	CHECK_EQ(r2, 0);
	CHECK_EQ(buf[3], pattern(3));
	CHECK(fcntl(fd, F_GETFD) == -1 && errno == EBADF);
	return 0;
}

/*
 * The arguments after an atom's first NULL argument pointer are 0, not
 * what the atom before it had there: umem_add with one argument adds 0.
 * In the caller and in a worker.
 */
static int t_args_after_null(void)
{
	unsigned long five = 5, pc, flags[2] = { 0, SYSLET_ASYNC };
	struct syslet_uatom a[2];
	long cnt, r[2];
	int i;

	setup(8);
	pc = (unsigned long)&cnt;
	for (i = 0; i < 2; i++) {
		cnt = 0;
		r[0] = r[1] = 99;
		syslet_atom(&a[0], SYSLET_NR_UMEM_ADD, flags[i], &r[0], &a[1],
			    A(pc), A(five), NULL);
		syslet_atom(&a[1], SYSLET_NR_UMEM_ADD, 0, &r[1], NULL, A(pc),
			    NULL);
		CHECK(run(a) == &a[1]);
		CHECK_EQ(r[0], 5);
		CHECK_EQ(r[1], 5);
		CHECK_EQ(cnt, 5);
	}
	return 0;
}

/* STOP_ON_* and SKIP_TO_NEXT_ON_STOP. */
static int t_stop_skip(void)
{
	struct syslet_uatom a[3], *done = NULL;
	long r[3];
	unsigned long one = 1, minus = -5;
	long cnt = 0;
	unsigned long pc = (unsigned long)&cnt;

	setup(8);
	/* umem_add returns the new value: 1; STOP_ON_NONZERO stops there. */
	syslet_atom(&a[0], SYSLET_NR_UMEM_ADD, SYSLET_STOP_ON_NONZERO, &r[0],
		    &a[1], A(pc), A(one), NULL);
	syslet_atom(&a[1], SYSLET_NR_NOP, 0, &r[1], NULL, NULL);
	r[1] = 99;
	CHECK_EQ(syslet_exec(&ring, a, &done), 1);
	CHECK(done == &a[0]);
	CHECK_EQ(r[0], 1);
	CHECK_EQ(r[1], 99);
	/* SKIP: the linearly next atom (a[1]), not next (a[2]). */
	a[0].flags |= SYSLET_SKIP_TO_NEXT_ON_STOP;
	a[0].next = &a[2];
	syslet_atom(&a[2], SYSLET_NR_NOP, 0, &r[2], NULL, NULL);
	r[2] = 99;
	CHECK_EQ(syslet_exec(&ring, a, &done), 1);
	CHECK(done == &a[1]);
	CHECK_EQ(r[1], 0);
	CHECK_EQ(r[2], 99);
	/* No stop: follow next. */
	a[0].flags = SYSLET_STOP_ON_NEGATIVE | SYSLET_SKIP_TO_NEXT_ON_STOP;
	CHECK_EQ(syslet_exec(&ring, a, &done), 1);
	CHECK(done == &a[2]);
	/* ZERO, NEGATIVE, NON_POSITIVE */
	cnt = 5;
	syslet_atom(&a[0], SYSLET_NR_UMEM_ADD, SYSLET_STOP_ON_ZERO, &r[0],
		    &a[1], A(pc), A(minus), NULL);
	syslet_atom(&a[1], SYSLET_NR_NOP, 0, &r[1], NULL, NULL);
	CHECK_EQ(syslet_exec(&ring, a, &done), 1);
	CHECK(done == &a[0]);
	a[0].flags = SYSLET_STOP_ON_NON_POSITIVE;
	cnt = 3;
	CHECK_EQ(syslet_exec(&ring, a, &done), 1);
	CHECK(done == &a[0]);
	CHECK_EQ(r[0], -2);
	a[0].flags = SYSLET_STOP_ON_NEGATIVE;
	cnt = 9;
	CHECK_EQ(syslet_exec(&ring, a, &done), 1);
	CHECK(done == &a[1]);
	return 0;
}

/* A loop: umem_add as the loop index, next pointing back. */
static int t_loop(void)
{
	struct syslet_uatom a[2], *done = NULL;
	long cnt = -1000, r;
	unsigned long pc = (unsigned long)&cnt, one = 1;

	setup(8);
	syslet_atom(&a[0], SYSLET_NR_NOP, 0, NULL, &a[1], NULL);
	syslet_atom(&a[1], SYSLET_NR_UMEM_ADD, SYSLET_STOP_ON_ZERO, &r, &a[0],
		    A(pc), A(one), NULL);
	CHECK_EQ(syslet_exec(&ring, a, &done), 1);
	CHECK(done == &a[1]);
	CHECK_EQ(cnt, 0);
	return 0;
}

/* --- asynchronous chains and the ring --------------------------------- */

static int t_async(void)
{
	struct syslet_uatom a[2], *got;
	char buf[512];
	unsigned long fd, p = (unsigned long)buf, n = sizeof(buf), pos = 1000;
	long r[2] = { 0, 0 };

	setup(8);
	fd = make_file("/tmp/async", 8192);
	syslet_atom(&a[0], SYS_pread64, SYSLET_ASYNC, &r[0], &a[1], A(fd), A(p), A(n), A(pos), NULL);
	syslet_atom(&a[1], SYSLET_NR_NOP, 0, &r[1], NULL, NULL);
	r[1] = 7;
	CHECK_EQ(syslet_exec(&ring, a, NULL), 0);
	CHECK(syslet_wait(&ring, 1) >= 1);
	got = syslet_reap(&ring);
	CHECK(got == &a[1]);
	CHECK_EQ(r[0], 512);
	CHECK_EQ(r[1], 0);
	CHECK_EQ(buf[0], pattern(1000));
	CHECK_EQ(buf[511], pattern(1511));
	/* NO_COMPLETE on the final atom: nothing posted. */
	a[1].flags = SYSLET_NO_COMPLETE;
	CHECK_EQ(syslet_exec(&ring, a, NULL), 0);
	usleep(100000);
	CHECK_EQ(syslet_wait(&ring, 0), 0);
	CHECK(!syslet_reap(&ring));
	return 0;
}

/* Sync first: a read that would block moves the chain to a worker. */
static int t_cachemiss(void)
{
	struct syslet_uatom a[2];
	int pfd[2];
	char buf[8] = { 0 };
	unsigned long fd, p = (unsigned long)buf, n = 5;
	long r[2];

	setup(8);
	CHECK(pipe(pfd) == 0);
	fd = pfd[0];
	syslet_atom(&a[0], SYSLET_NR_NOP, 0, &r[0], &a[1], NULL);
	syslet_atom(&a[1], SYS_read, 0, &r[1], NULL, A(fd), A(p), A(n), NULL);
	r[0] = r[1] = 99;
	CHECK_EQ(syslet_exec(&ring, a, NULL), 0);
	/* The first atom ran in our context before the chain left. */
	CHECK_EQ(r[0], 0);
	CHECK_EQ(r[1], 99);
	usleep(50000);
	CHECK(!syslet_reap(&ring));
	CHECK(write(pfd[1], "hello", 5) == 5);
	CHECK(reap_wait() == &a[1]);
	CHECK_EQ(r[1], 5);
	CHECK(!memcmp(buf, "hello", 5));
	/* SYSLET_SYNC: never leaves, even for a sleep. */
	{
		struct timespec ts = { 0, 20 * 1000 * 1000 };
		unsigned long pts = (unsigned long)&ts;

		syslet_atom(&a[0], SYS_nanosleep, SYSLET_SYNC, &r[0], NULL, A(pts), NULL);
		CHECK_EQ(syslet_exec(&ring, a, NULL), 1);
		CHECK_EQ(r[0], 0);
		/* Without it, a sleep goes to a worker. */
		syslet_atom(&a[0], SYS_nanosleep, 0, &r[0], NULL, A(pts), NULL);
		CHECK_EQ(syslet_exec(&ring, a, NULL), 0);
		CHECK(reap_wait() == &a[0]);
		CHECK_EQ(r[0], 0);
	}
	/* O_NONBLOCK: -EAGAIN is the result, nothing goes async. */
	fcntl(pfd[0], F_SETFL, O_NONBLOCK);
	CHECK_EQ(syslet_exec(&ring, a + 1, NULL), 1);
	CHECK_EQ(r[1], -EAGAIN);
	return 0;
}

/* The seed's fio pattern: lseek (STOP_ON_NEGATIVE|NO_COMPLETE|SKIP) then
 * read; 64 chains in flight; completions reaped from the ring. */
#define FIO_N	64
#define FIO_BS	4096
static int t_fio_pattern(void)
{
	static struct syslet_uatom a[FIO_N][2];
	static char bufs[FIO_N][FIO_BS];
	static unsigned long off[FIO_N], pbuf[FIO_N], fds[FIO_N];
	static long r[FIO_N][2];
	unsigned long bs = FIO_BS, set = SEEK_SET;
	int i, got = 0;

	setup(FIO_N);
	close(make_file("/tmp/fio", FIO_N * FIO_BS));
	for (i = 0; i < FIO_N; i++) {
		off[i] = (unsigned long)((i * 37) % FIO_N) * FIO_BS;
		pbuf[i] = (unsigned long)bufs[i];
		/* Each chain its own fd: the offset is per open file. */
		fds[i] = open("/tmp/fio", O_RDONLY);
		CHECK((long)fds[i] >= 0);
		syslet_atom(&a[i][0], SYS_lseek,
			    SYSLET_STOP_ON_NEGATIVE | SYSLET_NO_COMPLETE |
			    SYSLET_SKIP_TO_NEXT_ON_STOP | SYSLET_ASYNC,
			    &r[i][0], &a[i][1], A(fds[i]), A(off[i]), A(set), NULL);
		syslet_atom(&a[i][1], SYS_read, 0, &r[i][1], NULL,
			    A(fds[i]), A(pbuf[i]), A(bs), NULL);
		a[i][1].private = (void *)(long)i;
		CHECK_EQ(syslet_exec(&ring, a[i], NULL), 0);
	}
	while (got < FIO_N) {
		struct syslet_uatom *d = reap_wait();

		CHECK(d);
		i = (long)d->private;
		CHECK(d == &a[i][1]);
		CHECK_EQ(r[i][1], FIO_BS);
		CHECK_EQ(bufs[i][0], pattern(off[i]));
		CHECK_EQ(bufs[i][FIO_BS - 1], pattern(off[i] + FIO_BS - 1));
		got++;
	}
	CHECK(!syslet_reap(&ring));
	/* A failing lseek (bad fd) skips to the read, which reports EBADF. */
	fds[0] = 12345;
	CHECK_EQ(syslet_exec(&ring, a[0], NULL), 0);
	CHECK(reap_wait() == &a[0][1]);
	CHECK_EQ(r[0][0], -EBADF);
	CHECK_EQ(r[0][1], -EBADF);
	return 0;
}

/* Ring full: EBUSY rather than overrun; nothing lost. */
static int t_ring_full(void)
{
	struct syslet_uatom a[5];
	int pfd[2], i;
	char buf[5][4];
	unsigned long fd, pb[5], one = 1;
	long r[5];

	setup(4);
	CHECK(pipe(pfd) == 0);
	fd = pfd[0];
	for (i = 0; i < 5; i++) {
		pb[i] = (unsigned long)buf[i];
		syslet_atom(&a[i], SYS_read, 0, &r[i], NULL, A(fd), A(pb[i]), A(one), NULL);
	}
	for (i = 0; i < 4; i++)
		CHECK_EQ(syslet_exec(&ring, &a[i], NULL), 0);
	CHECK_EQ(syslet_exec(&ring, &a[4], NULL), -EBUSY);
	CHECK(write(pfd[1], "abcd", 4) == 4);
	for (i = 0; i < 4; i++)
		CHECK(reap_wait());
	for (i = 0; i < 4; i++)
		CHECK_EQ(r[i], 1);
	/* Slots freed: accepted again. */
	CHECK(write(pfd[1], "e", 1) == 1);
	CHECK(syslet_exec(&ring, &a[4], NULL) >= 0);
	return 0;
}

/* Completions wait in the kernel while user space holds a slot. */
static int t_ring_tamper(void)
{
	struct syslet_uatom a[2], junk;
	long r[2];

	setup(2);
	syslet_atom(&a[0], SYSLET_NR_NOP, SYSLET_ASYNC, &r[0], NULL, NULL);
	syslet_atom(&a[1], SYSLET_NR_NOP, SYSLET_ASYNC, &r[1], NULL, NULL);
	ring.slots[0] = &junk;		/* user space scribbles on slot 0 */
	CHECK_EQ(syslet_exec(&ring, &a[0], NULL), 0);
	usleep(100000);
	CHECK(ring.slots[0] == &junk);	/* not overwritten */
	ring.slots[0] = NULL;
	/* The next kernel entry posts it. */
	CHECK_EQ(syslet_exec(&ring, &a[1], NULL), 0);
	CHECK(reap_wait() == &a[0]);
	CHECK(reap_wait() == &a[1]);
	return 0;
}

/* --- bad pointers ------------------------------------------------------ */

static int t_bad_pointers(void)
{
	struct syslet_uatom a[2], *done = NULL, *ua;
	long r;
	unsigned long *unmapped = (unsigned long *)0x10000, one = 1, ptarget;
	long target = 1;
	char *page;

	setup(8);
	/* The first atom unreadable: the ioctl fails. */
	CHECK_EQ(syslet_exec(&ring, (void *)0x10000, NULL), -EFAULT);
	CHECK_EQ(syslet_exec(&ring, (void *)0xffff880000000000UL, NULL), -EFAULT);
	CHECK_EQ(syslet_exec(&ring, NULL, NULL), -EFAULT);
	CHECK(ioctl(ring.fd, SYSLET_IOC_EXEC, (void *)8) == -1 && errno == EFAULT);
	/* An argument pointer unreadable: that atom's result. */
	syslet_atom(&a[0], SYSLET_NR_NOP, 0, &r, NULL, unmapped, NULL);
	CHECK_EQ(syslet_exec(&ring, a, &done), 1);
	CHECK_EQ(r, -EFAULT);
	/*
	 * An argument pointer to kernel memory that is mapped (the
	 * read-only IDT of the CPU entry area, at a fixed address): -EFAULT,
	 * and nothing read from it reaches user memory.
	 */
	ptarget = (unsigned long)&target;
	syslet_atom(&a[0], SYSLET_NR_UMEM_ADD, 0, &r, NULL, A(ptarget),
		    (unsigned long *)0xfffffe0000000000UL, NULL);
	CHECK_EQ(syslet_exec(&ring, a, &done), 1);
	CHECK_EQ(r, -EFAULT);
	CHECK_EQ(target, 1);
	/* The same for an atom reached by next (read with the atom). */
	syslet_atom(&a[0], SYSLET_NR_NOP, 0, NULL, &a[1], NULL);
	syslet_atom(&a[1], SYSLET_NR_UMEM_ADD, 0, &r, NULL, A(ptarget),
		    (unsigned long *)0xfffffe0000000000UL, NULL);
	CHECK_EQ(syslet_exec(&ring, a, &done), 1);
	CHECK_EQ(r, -EFAULT);
	CHECK_EQ(target, 1);
	/* umem_add on a bad pointer, and a read into one. */
	syslet_atom(&a[0], SYSLET_NR_UMEM_ADD, 0, &r, NULL, A(unmapped), A(one), NULL);
	CHECK_EQ(syslet_exec(&ring, a, NULL), 1);
	CHECK_EQ(r, -EFAULT);
	/* ret_ptr unwritable: the ioctl fails (synchronous). */
	syslet_atom(&a[0], SYSLET_NR_NOP, 0, (long *)0x10000, NULL, NULL);
	CHECK_EQ(syslet_exec(&ring, a, NULL), -EFAULT);
	/* next unreadable: the chain ends with -EFAULT. */
	syslet_atom(&a[0], SYSLET_NR_NOP, 0, &r, (void *)0x10000, NULL);
	CHECK_EQ(syslet_exec(&ring, a, NULL), -EFAULT);
	/* An atom across the end of a mapping. */
	page = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(page != MAP_FAILED);
	CHECK(munmap(page + 4096, 4096) == 0);
	memset(page, 0, 4096);
	CHECK_EQ(syslet_exec(&ring, (void *)(page + 4096 - 40), NULL), -EFAULT);
	/*
	 * An atom whose first words are unreadable and the rest readable,
	 * with an unreadable argument: the atom faults, not its argument
	 * (which would store -EFAULT through its ret_ptr and go on).
	 */
	page = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(page != MAP_FAILED);
	CHECK(munmap(page, 4096) == 0);
	ua = (struct syslet_uatom *)(page + 4096 - 16);
	ua->ret_ptr = &r;
	ua->next = NULL;
	ua->arg_ptr[0] = unmapped;
	ua->arg_ptr[1] = NULL;
	r = 7;
	CHECK_EQ(syslet_exec(&ring, ua, NULL), -EFAULT);
	CHECK_EQ(r, 7);
	/* Async: a bad next posts the atom that led there. */
	syslet_atom(&a[0], SYSLET_NR_NOP, SYSLET_ASYNC, &r, (void *)0x10000, NULL);
	CHECK_EQ(syslet_exec(&ring, a, NULL), 0);
	CHECK(reap_wait() == &a[0]);
	return 0;
}

/* --- identity ------------------------------------------------------------ */

/* A chain cannot read a file its submitter cannot read. */
static int t_permissions(void)
{
	struct syslet_uatom a;
	unsigned long dirfd = AT_FDCWD, path = (unsigned long)"/tmp/secret";
	unsigned long flags = O_RDONLY;
	long r;
	int fd;

	if (getuid() != 0)
		return SKIP;
	fd = open("/tmp/secret", O_CREAT | O_TRUNC | O_WRONLY, 0600);
	CHECK(fd >= 0);
	close(fd);
	CHECK(setgid(65534) == 0);
	CHECK(setuid(65534) == 0);
	CHECK(open("/tmp/secret", O_RDONLY) == -1 && errno == EACCES);
	setup(8);
	syslet_atom(&a, SYS_openat, 0, &r, NULL, A(dirfd), A(path), A(flags), NULL);
	CHECK_EQ(syslet_exec(&ring, &a, NULL), 1);
	CHECK_EQ(r, -EACCES);
	a.flags = SYSLET_ASYNC;		/* in a worker: the same */
	CHECK_EQ(syslet_exec(&ring, &a, NULL), 0);
	CHECK(reap_wait() == &a);
	CHECK_EQ(r, -EACCES);
	return 0;
}

/* Writes past RLIMIT_FSIZE fail with EFBIG, in a worker too. */
static int t_rlimit_fsize(void)
{
	struct syslet_uatom a;
	struct rlimit rl = { 1000, 1000 };
	char buf[100] = { 0 };
	unsigned long fd, p = (unsigned long)buf, n = 100, pos = 990;
	long r;

	signal(SIGXFSZ, SIG_IGN);
	setup(8);
	fd = open("/tmp/fsize", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(setrlimit(RLIMIT_FSIZE, &rl) == 0);
	syslet_atom(&a, SYS_pwrite64, SYSLET_ASYNC, &r, NULL, A(fd), A(p), A(n), A(pos), NULL);
	CHECK_EQ(syslet_exec(&ring, &a, NULL), 0);
	CHECK(reap_wait() == &a);
	CHECK_EQ(r, pwrite(fd, buf, 100, 990));
	CHECK_EQ(r, 10);
	pos = 1000;
	CHECK_EQ(syslet_exec(&ring, &a, NULL), 0);
	CHECK(reap_wait() == &a);
	CHECK_EQ(r, -EFBIG);
	return 0;
}

/* An async openat resolves against the process's cwd (it runs in it). */
static int t_async_cwd(void)
{
	struct syslet_uatom a;
	unsigned long dirfd = AT_FDCWD, path = (unsigned long)"cwdfile";
	unsigned long flags = O_RDONLY;
	long r;

	CHECK(mkdir("/tmp/cwd", 0755) == 0 || errno == EEXIST);
	close(make_file("/tmp/cwd/cwdfile", 10));
	CHECK(chdir("/tmp/cwd") == 0);
	setup(8);
	syslet_atom(&a, SYS_openat, SYSLET_ASYNC, &r, NULL, A(dirfd), A(path), A(flags), NULL);
	CHECK_EQ(syslet_exec(&ring, &a, NULL), 0);
	CHECK(reap_wait() == &a);
	CHECK(r >= 0);
	/* The fd landed in our own table. */
	CHECK_EQ(lseek(r, 0, SEEK_END), 10);
	return 0;
}

/* --- lifecycle ------------------------------------------------------------ */

/* A forked child cannot use the parent's context. */
static int t_fork(void)
{
	struct syslet_uatom a;
	long r;
	pid_t pid;
	int st;

	setup(8);
	syslet_atom(&a, SYSLET_NR_NOP, 0, &r, NULL, NULL);
	pid = fork();
	if (!pid) {
		struct async_head_user ahu = { ring.slots, 64, -1UL };

		if (syslet_exec(&ring, &a, NULL) != -EPERM)
			_exit(1);
		if (syslet_wait(&ring, 0) != -EPERM)
			_exit(2);
		if (ioctl(ring.fd, SYSLET_IOC_UNREGISTER) != -1 || errno != EPERM)
			_exit(3);
		if (ioctl(ring.fd, SYSLET_IOC_REGISTER, &ahu) != -1 || errno != EBUSY)
			_exit(4);
		/* The child closing its copy does not cancel the parent. */
		close(ring.fd);
		_exit(0);
	}
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK_EQ(syslet_exec(&ring, &a, NULL), 1);
	return 0;
}

/*
 * The syslet_worker threads of this process asleep in a function whose
 * name ends in @wchan (a pipe read sleeps in pipe_read in 6.12, in
 * anon_pipe_read in 7.2), or -1 if the kernel does not say where threads
 * sleep.
 */
static int workers_in(const char *wchan)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0, known = 0;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char path[300], comm[64] = "", where[64] = "";
		FILE *f;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (!fgets(comm, sizeof(comm), f))
			comm[0] = 0;
		fclose(f);
		if (strcmp(comm, "syslet_worker\n"))
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/wchan", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (!fgets(where, sizeof(where), f))
			where[0] = 0;
		fclose(f);
		if (strcmp(where, "0") && where[0])
			known = 1;
		if (strlen(where) >= strlen(wchan) &&
		    !strcmp(where + strlen(where) - strlen(wchan), wchan))
			n++;
	}
	closedir(d);
	return known ? n : -1;
}

#define CLOSE_CHAINS	6
#define CLOSE_ROUNDS	8

/*
 * Close with chains blocked in workers: close cancels them and returns
 * only once they have ended.  So, when close() returns, each read was
 * interrupted (its result, -EINTR, stored) and each chain's completion is
 * in the ring's memory: a close that did not wait would leave some
 * completions unposted (the context is gone when they end).  Several
 * chains, several rounds: a close that waits for less than every chain
 * races with the last ones.
 */
/* The chains parked on their files, from /proc/self/fdinfo/@fd. */
static int fdinfo_parked(int fd)
{
	char path[64], line[128];
	FILE *f;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	CHECK(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "parked: %d", &n) == 1)
			break;
	fclose(f);
	return n;
}

static int t_close_inflight(void)
{
	struct syslet_uatom a[CLOSE_CHAINS][2], *seen;
	unsigned long fd, p, n = 1;
	long r0[CLOSE_CHAINS], r[CLOSE_CHAINS];
	char buf[CLOSE_CHAINS];
	int pfd[2], round, i, j, k, ready;
	struct timespec t0, t1;

	for (round = 0; round < CLOSE_ROUNDS; round++) {
		setup(16);
		CHECK(pipe(pfd) == 0);
		fd = pfd[0];
		for (i = 0; i < CLOSE_CHAINS; i++) {
			r0[i] = r[i] = 99;
			p = (unsigned long)&buf[i];
			/* A nop in the worker says it runs; then the read. */
			syslet_atom(&a[i][0], SYSLET_NR_NOP, SYSLET_ASYNC, &r0[i],
				    &a[i][1], NULL);
			syslet_atom(&a[i][1], SYS_read, 0, &r[i], NULL,
				    A(fd), A(p), A(n), NULL);
			CHECK_EQ(syslet_exec(&ring, &a[i][0], NULL), 0);
		}
		/* Until every chain is in a worker, blocked in its read. */
		for (k = 0; k < 5000; k++) {
			for (i = 0, ready = 1; i < CLOSE_CHAINS; i++)
				if (__atomic_load_n(&r0[i], __ATOMIC_ACQUIRE) != 0)
					ready = 0;
			if (ready)
				break;
			usleep(1000);
		}
		CHECK(ready);
		/* Blocked in a worker, or parked on the pipe. */
		for (k = 0; k < 5000; k++) {
			ready = workers_in("pipe_read");
			if (ready >= 0)
				ready += fdinfo_parked(ring.fd);
			if (ready < 0 || ready >= CLOSE_CHAINS)
				break;
			usleep(1000);
		}
		if (ready < 0)
			usleep(100000);
		else
			CHECK_EQ(ready, CLOSE_CHAINS);

		clock_gettime(CLOCK_MONOTONIC, &t0);
		close(ring.fd);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		CHECK(t1.tv_sec - t0.tv_sec < 5);
		for (i = 0; i < CLOSE_CHAINS; i++) {
			/* Interrupted, not completed, and its result stored. */
			CHECK_EQ(r[i], -EINTR);
			/* Its completion posted before close returned. */
			seen = NULL;
			for (j = 0; j < 16; j++)
				if (ring.slots[j] == &a[i][1])
					seen = ring.slots[j];
			if (!seen)
				fprintf(stderr, "round %d: chain %d not in the ring when close returned\n",
					round, i);
			CHECK(seen);
		}
		close(pfd[0]);
		close(pfd[1]);
		free(ring.slots);
	}
	return 0;
}

/*
 * SYSLET_IOC_EXEC whose struct syslet_exec can be read but whose done
 * cannot be written (it straddles into a read-only page): the chain ran,
 * but the caller cannot learn it ended, so EFAULT, not success.
 */
static int t_exec_done_efault(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	char *m = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct syslet_exec *ex, good;
	struct syslet_uatom a;
	long r = 99;

	CHECK(m != MAP_FAILED);
	setup(8);
	syslet_atom(&a, SYSLET_NR_NOP, 0, &r, NULL, NULL);
	ex = (struct syslet_exec *)(m + pg - sizeof(ex->atom));
	ex->atom = (unsigned long)&a;
	ex->done = 0;
	CHECK(mprotect(m + pg, pg, PROT_READ) == 0);
	CHECK(ioctl(ring.fd, SYSLET_IOC_EXEC, ex) == -1 && errno == EFAULT);
	CHECK_EQ(r, 0);			/* it did run */
	CHECK(!syslet_reap(&ring));	/* a synchronous end posts nothing */
	CHECK_EQ(ex->done, 0);
	/* The reservation went back: the ring still takes a chain per slot. */
	good.atom = (unsigned long)&a;
	good.done = 0;
	CHECK_EQ(ioctl(ring.fd, SYSLET_IOC_EXEC, &good), 1);
	CHECK(good.done == (unsigned long)&a);
	return 0;
}

/* Exit (and SIGKILL) with chains blocked in workers. */
static int t_exit_inflight(void)
{
	int i;

	for (i = 0; i < 2; i++) {
		pid_t pid;
		int st, pfd[2];

		CHECK(pipe(pfd) == 0);
		pid = fork();
		if (!pid) {
			struct syslet_uatom a[4];
			char buf[4];
			unsigned long fd = pfd[0], p = (unsigned long)buf, n = 1;
			long r[4];
			int j;

			setup(8);
			for (j = 0; j < 4; j++) {
				syslet_atom(&a[j], SYS_read, SYSLET_ASYNC, &r[j], NULL,
					    A(fd), A(p), A(n), NULL);
				if (syslet_exec(&ring, &a[j], NULL))
					_exit(1);
			}
			if (i)
				pause();	/* killed */
			_exit(0);
		}
		if (i) {
			usleep(100000);
			kill(pid, SIGKILL);
		}
		CHECK(waitpid(pid, &st, 0) == pid);
		CHECK(i ? WIFSIGNALED(st) : WIFEXITED(st) && !WEXITSTATUS(st));
		close(pfd[0]);
		close(pfd[1]);
	}
	return 0;
}

static void on_alarm(int sig)
{
}

/* A signal ends SYSLET_IOC_WAIT with EINTR. */
static int t_wait_eintr(void)
{
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */

	/*
	 * A repeating timer: a signal that comes before the wait has begun
	 * must not leave it waiting for ever.
	 */
	struct itimerval it = {
		.it_interval = { 0, 50000 }, .it_value = { 0, 100000 },
	};

	setup(8);
	CHECK(sigaction(SIGALRM, &sa, NULL) == 0);
	CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0);
	CHECK_EQ(syslet_wait(&ring, 1), -EINTR);
	memset(&it, 0, sizeof(it));
	CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0);
	/* More than the ring holds can never arrive. */
	CHECK_EQ(syslet_wait(&ring, 9), -EINVAL);
	return 0;
}

/* max_nr_threads = 1: a second chain waits for the first to end. */
static int t_max_threads(void)
{
	struct syslet_uatom a[2];
	int ea, eb, ret;
	uint64_t buf[2], v = 1;
	unsigned long fa, fb, p0 = (unsigned long)&buf[0];
	unsigned long p1 = (unsigned long)&buf[1], eight = 8;
	long r[2] = { 99, 99 };

	ret = syslet_setup(&ring, 8, 1);
	CHECK(ret == 0);
	/* Reads of eventfds block in the worker (no park: not a pipe). */
	ea = eventfd(0, 0);
	eb = eventfd(0, 0);
	CHECK(ea >= 0 && eb >= 0);
	fa = ea;
	fb = eb;
	syslet_atom(&a[0], SYS_read, SYSLET_ASYNC, &r[0], NULL, A(fa), A(p0), A(eight), NULL);
	syslet_atom(&a[1], SYS_read, SYSLET_ASYNC, &r[1], NULL, A(fb), A(p1), A(eight), NULL);
	CHECK(write(eb, &v, 8) == 8);	/* chain 2 could finish at once */
	CHECK_EQ(syslet_exec(&ring, &a[0], NULL), 0);
	CHECK_EQ(syslet_exec(&ring, &a[1], NULL), 0);
	usleep(200000);
	/* ...but the one thread is blocked in chain 1. */
	CHECK_EQ(r[1], 99);
	CHECK_EQ(syslet_wait(&ring, 0), 0);
	CHECK(write(ea, &v, 8) == 8);
	CHECK(reap_wait() == &a[0]);
	CHECK(reap_wait() == &a[1]);
	CHECK_EQ(r[0], 8);
	CHECK_EQ(r[1], 8);
	close(ea);
	close(eb);
	return 0;
}

/* UNREGISTER cancels and drains a chain blocked in a worker. */
static int t_unregister_inflight(void)
{
	struct syslet_uatom a;
	int pfd[2];
	char buf[4];
	unsigned long fd, p = (unsigned long)buf, one = 1;
	long r = 99;

	setup(8);
	CHECK(pipe(pfd) == 0);
	fd = pfd[0];
	syslet_atom(&a, SYS_read, SYSLET_ASYNC, &r, NULL, A(fd), A(p), A(one), NULL);
	CHECK_EQ(syslet_exec(&ring, &a, NULL), 0);
	usleep(50000);
	CHECK(ioctl(ring.fd, SYSLET_IOC_UNREGISTER) == 0);
	/* Drained: the read was interrupted and will never complete. */
	CHECK(r == -EINTR || r == 99);
	CHECK(write(pfd[1], "x", 1) == 1);
	usleep(50000);
	CHECK_EQ(read(pfd[0], buf, 1), 1);	/* the byte is still there */
	CHECK_EQ(syslet_exec(&ring, &a, NULL), -EINVAL);
	return 0;
}

/* Ring pages are charged to RLIMIT_MEMLOCK. */
static int t_memlock(void)
{
	struct rlimit rl = { 0, 0 };
	int ret;

	if (getuid() != 0)
		return SKIP;
	/* Without CAP_IPC_LOCK the limit applies. */
	CHECK(setgid(65534) == 0);
	CHECK(setuid(65534) == 0);
	CHECK(setrlimit(RLIMIT_MEMLOCK, &rl) == 0);
	ret = syslet_setup(&ring, 8, -1UL);
	CHECK_EQ(ret, -ENOMEM);
	rl.rlim_cur = rl.rlim_max = 4096;
	CHECK(setrlimit(RLIMIT_MEMLOCK, &rl) == -1);	/* cannot raise */
	return 0;
}

/* openat, read, close entirely in a worker: they run in this process. */
static int t_async_open_close(void)
{
	struct syslet_uatom a[4];
	char buf[16] = { 0 };
	unsigned long dirfd = AT_FDCWD, path = (unsigned long)"/tmp/aoc";
	unsigned long flags = O_RDONLY, p = (unsigned long)buf, n = 8;
	unsigned long dev;
	long fd = -1, r[4];

	setup(8);
	close(make_file("/tmp/aoc", 64));
	syslet_atom(&a[0], SYS_openat, SYSLET_ASYNC | SYSLET_STOP_ON_NEGATIVE,
		    &fd, &a[1], A(dirfd), A(path), A(flags), NULL);
	syslet_atom(&a[1], SYS_read, 0, &r[1], &a[2], A(fd), A(p), A(n), NULL);
	syslet_atom(&a[2], SYS_close, 0, &r[2], NULL, A(fd), NULL);
	CHECK_EQ(syslet_exec(&ring, a, NULL), 0);
	CHECK(reap_wait() == &a[2]);
	CHECK(fd >= 0);
	CHECK_EQ(r[1], 8);
	CHECK_EQ(buf[5], pattern(5));
	CHECK_EQ(r[2], 0);
	CHECK(fcntl(fd, F_GETFD) == -1 && errno == EBADF);
	/* A chain cannot close its own context's device fd: -EBUSY. */
	dev = ring.fd;
	syslet_atom(&a[3], SYS_close, SYSLET_ASYNC, &r[3], NULL, A(dev), NULL);
	CHECK_EQ(syslet_exec(&ring, &a[3], NULL), 0);
	CHECK(reap_wait() == &a[3]);
	CHECK_EQ(r[3], -EBUSY);
	CHECK(fcntl(ring.fd, F_GETFD) >= 0);
	return 0;
}

/*
 * A chain never touches the fds of an image exec'ed after it: the child
 * submits [read(pipe) -> write(50, "X")], then execs (the device fd not
 * close-on-exec); the new image puts a file at fd 50 and unblocks the
 * read; the write must not reach that file.
 */
static int exec_helper(const char *wfd)
{
	struct stat st;
	int fd = open("/tmp/exec-guard", O_RDWR | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || dup2(fd, 50) != 50)
		return 3;
	if (write(atoi(wfd), "g", 1) != 1)
		return 4;
	usleep(300000);
	if (fstat(50, &st))
		return 5;
	return st.st_size == 0 ? 0 : 1;
}

static int t_exec_guard(void)
{
	pid_t pid;
	int st;

	pid = fork();
	if (!pid) {
		static struct syslet_uatom a[2];
		static char buf[4];
		static unsigned long rfd, p, one = 1, fifty = 50, px;
		static long r[2];
		int pfd[2];
		char arg[16];

		setup(8);
		if (pipe(pfd) || fcntl(ring.fd, F_SETFD, 0))
			_exit(6);
		rfd = pfd[0];
		p = (unsigned long)buf;
		px = (unsigned long)"X";
		syslet_atom(&a[0], SYS_read, SYSLET_ASYNC, &r[0], &a[1],
			    A(rfd), A(p), A(one), NULL);
		syslet_atom(&a[1], SYS_write, 0, &r[1], NULL,
			    A(fifty), A(px), A(one), NULL);
		if (syslet_exec(&ring, a, NULL) != 0)
			_exit(7);
		usleep(50000);
		snprintf(arg, sizeof(arg), "%d", pfd[1]);
		execl("/proc/self/exe", "syslet_test", "exec-helper", arg,
		      (char *)NULL);
		_exit(8);
	}
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st));
	CHECK_EQ(WEXITSTATUS(st), 0);
	return 0;
}

/* --- lifecycle and limits, second part --------------------------------- */

/* waitpid() within @secs; the status, or fail (and kill it). */
static int wait_bounded(pid_t pid, double secs)
{
	double end = syslet_now() + secs;
	pid_t r;
	int st;

	while ((r = waitpid(pid, &st, WNOHANG)) == 0 && syslet_now() < end)
		syslet_sleep_ms(5);
	if (r != pid) {
		kill(pid, SIGKILL);
		fprintf(stderr, "pid %d still there after %.0f s\n", pid, secs);
		exit(1);
	}
	return st;
}

/*
 * fork() with a pipe made before (@pfd, for chains of the child to block
 * in) and the module's reference count before (*@ref0): 0 in the child.
 */
static pid_t fork_with_pipe(int pfd[2], long *ref0)
{
	pid_t pid;

	*ref0 = syslet_module_refcnt();
	CHECK(*ref0 >= 0);
	CHECK(pipe(pfd) == 0);
	pid = fork();
	CHECK(pid >= 0);
	return pid;
}

/* The child exits 0 within @secs. */
static void wait_exit_ok(pid_t pid, double secs)
{
	int st = wait_bounded(pid, secs);

	CHECK(WIFEXITED(st));
	CHECK_EQ(WEXITSTATUS(st), 0);
}

/* SIGKILL ends the child within 5 s. */
static void kill_promptly(pid_t pid)
{
	double t = syslet_now();
	int st;

	CHECK(kill(pid, SIGKILL) == 0);
	st = wait_bounded(pid, 10);
	t = syslet_now() - t;
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	CHECK(t < 5);
}

/* No chain reads the pipe any more: a byte written to it stays there. */
static void check_no_reader(int pfd[2])
{
	char c;

	CHECK(write(pfd[1], "x", 1) == 1);
	usleep(100000);
	CHECK(fcntl(pfd[0], F_SETFL, O_NONBLOCK) == 0);
	CHECK_EQ(read(pfd[0], &c, 1), 1);
	CHECK(fcntl(pfd[0], F_SETFL, 0) == 0);
}

/* A fresh context runs a chain in a worker. */
static void check_new_context(void)
{
	struct syslet_uatom a;
	int pfd[2];
	char c = 0;
	unsigned long fd, p = (unsigned long)&c, one = 1;
	long r = 99;

	setup(8);
	CHECK(pipe(pfd) == 0);
	fd = pfd[0];
	syslet_atom(&a, SYS_read, SYSLET_ASYNC, &r, NULL, A(fd), A(p), A(one), NULL);
	CHECK_EQ(syslet_exec(&ring, &a, NULL), 0);
	CHECK(write(pfd[1], "n", 1) == 1);
	CHECK(reap_wait() == &a);
	CHECK_EQ(r, 1);
	CHECK_EQ(c, 'n');
	syslet_teardown(&ring);
	close(pfd[0]);
	close(pfd[1]);
}

/*
 * Everything the child's context held is released: no chain reads @pfd,
 * no worker runs, the module reference is back to @ref0.
 */
static void check_released(int pfd[2], long ref0)
{
	check_no_reader(pfd);
	CHECK_EQ(syslet_workers_idle(300, 10000), 0);
	CHECK_EQ(syslet_module_refcnt(), ref0);
}

/*
 * A chain that never ends (two NOPs pointing at each other).  In the
 * caller it runs until a signal is pending, then goes to a worker: EXEC
 * returns 0 once SIGALRM arrives.  Four looping workers on two CPUs use
 * CPU time but yield it: this process still runs.  Closing the fd cancels
 * them at once (each is posted at the atom it was in) and they stop.  With
 * every signal blocked, only SIGKILL ends a loop in the caller, promptly.
 */
static int t_loop_forever(void)
{
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */
	static struct syslet_uatom a[4][2];
	long ticks;
	double t;
	int i, st, ready[2];
	pid_t pid;
	char c;

	CHECK(sigaction(SIGALRM, &sa, NULL) == 0);
	setup(8);
	for (i = 0; i < 4; i++) {
		syslet_atom(&a[i][0], SYSLET_NR_NOP, 0, NULL, &a[i][1], NULL);
		syslet_atom(&a[i][1], SYSLET_NR_NOP, 0, NULL, &a[i][0], NULL);
		t = syslet_now();
		ualarm(100000, 0);
		CHECK_EQ(syslet_exec(&ring, a[i], NULL), 0);
		t = syslet_now() - t;
		CHECK(t >= 0.09 && t < 10);	/* it looped until the signal */
	}
	ticks = syslet_worker_ticks(NULL);
	t = syslet_now();
	for (i = 0; i < 20; i++)
		usleep(10000);
	t = syslet_now() - t;
	ticks = syslet_worker_ticks(NULL) - ticks;
	fprintf(stderr, "20 sleeps of 10 ms: %.2f s; workers: %ld ticks\n", t, ticks);
	CHECK(ticks >= 10);	/* the loops run in workers... */
	CHECK(t < 10);		/* ...and leave the CPUs to this process */
	t = syslet_now();
	CHECK(close(ring.fd) == 0);
	t = syslet_now() - t;
	CHECK(t < 5);
	CHECK_EQ(syslet_workers_idle(300, 10000), 0);
	/* Each cancelled loop was posted at the atom it was in. */
	for (i = 0; i < 4; i++)
		CHECK(ring.slots[i] >= &a[0][0] && ring.slots[i] <= &a[3][1]);
	CHECK(!ring.slots[4]);

	CHECK(pipe(ready) == 0);
	pid = fork();
	CHECK(pid >= 0);
	if (!pid) {
		sigset_t all;

		sigfillset(&all);
		sigprocmask(SIG_BLOCK, &all, NULL);
		setup(8);
		CHECK(write(ready[1], "r", 1) == 1);
		syslet_exec(&ring, a[0], NULL);
		_exit(3);	/* only a signal could end the loop */
	}
	close(ready[1]);
	CHECK(read(ready[0], &c, 1) == 1);
	usleep(300000);
	CHECK_EQ(waitpid(pid, &st, WNOHANG), 0);	/* still looping */
	kill_promptly(pid);
	CHECK_EQ(syslet_workers_idle(300, 10000), 0);
	return 0;
}

/*
 * SIGKILL with chains blocked in workers (pipe reads, a long nanosleep, a
 * loop) and one blocked in the caller (a SYSLET_SYNC read): the process
 * dies promptly, no chain survives it (nothing reads the pipe, no worker
 * keeps running), its module reference goes, and a new context works.
 */
static int t_kill_inflight(void)
{
	int pfd[2], ready[2], st;
	long ref0;
	pid_t pid;
	char c;

	CHECK(pipe(ready) == 0);
	pid = fork_with_pipe(pfd, &ref0);
	if (!pid) {
		static struct syslet_uatom a[8];
		static struct timespec ts = { 100000, 0 };
		static char buf[8];
		unsigned long fd = pfd[0], p = (unsigned long)buf, one = 1;
		unsigned long pts = (unsigned long)&ts;
		int j;

		setup(16);
		for (j = 0; j < 4; j++) {
			syslet_atom(&a[j], SYS_read, SYSLET_ASYNC, NULL, NULL,
				    A(fd), A(p), A(one), NULL);
			CHECK_EQ(syslet_exec(&ring, &a[j], NULL), 0);
		}
		syslet_atom(&a[4], SYS_nanosleep, SYSLET_ASYNC, NULL, NULL, A(pts), NULL);
		CHECK_EQ(syslet_exec(&ring, &a[4], NULL), 0);
		syslet_atom(&a[5], SYSLET_NR_NOP, SYSLET_ASYNC, NULL, &a[6], NULL);
		syslet_atom(&a[6], SYSLET_NR_NOP, 0, NULL, &a[5], NULL);
		CHECK_EQ(syslet_exec(&ring, &a[5], NULL), 0);
		CHECK(write(ready[1], "r", 1) == 1);
		syslet_atom(&a[7], SYS_read, SYSLET_SYNC, NULL, NULL,
			    A(fd), A(p), A(one), NULL);
		syslet_exec(&ring, &a[7], NULL);
		_exit(3);
	}
	close(ready[1]);
	CHECK(read(ready[0], &c, 1) == 1);
	usleep(200000);
	CHECK_EQ(waitpid(pid, &st, WNOHANG), 0);	/* blocked in the ioctl */
	kill_promptly(pid);
	check_released(pfd, ref0);
	check_new_context();
	return 0;
}

/*
 * Exit with completions nobody reaped: one ring full of them (EXEC gets
 * EBUSY), another whose slot 0 user space never emptied, so that its
 * completions wait in the kernel's backlog, with a chain still blocked
 * there.  The process exits promptly and everything is released.
 */
static int t_exit_ring_full(void)
{
	int pfd[2];
	long ref0;
	pid_t pid = fork_with_pipe(pfd, &ref0);

	if (!pid) {
		static struct syslet_uatom a[4], b[5], junk;
		static char buf[4];
		unsigned long fd = pfd[0], p = (unsigned long)buf, one = 1;
		struct syslet_ring r2;
		int j;

		setup(4);
		for (j = 0; j < 4; j++) {
			syslet_atom(&a[j], SYSLET_NR_NOP, SYSLET_ASYNC, NULL, NULL, NULL);
			CHECK_EQ(syslet_exec(&ring, &a[j], NULL), 0);
		}
		CHECK_EQ(syslet_wait(&ring, 4), 4);
		CHECK_EQ(syslet_exec(&ring, &a[0], NULL), -EBUSY);

		CHECK_EQ(syslet_setup(&r2, 4, -1UL), 0);
		r2.slots[0] = &junk;
		for (j = 0; j < 3; j++) {
			syslet_atom(&b[j], SYSLET_NR_NOP, SYSLET_ASYNC, NULL, NULL, NULL);
			CHECK_EQ(syslet_exec(&r2, &b[j], NULL), 0);
		}
		syslet_atom(&b[3], SYS_read, SYSLET_ASYNC, NULL, NULL,
			    A(fd), A(p), A(one), NULL);
		CHECK_EQ(syslet_exec(&r2, &b[3], NULL), 0);
		usleep(100000);
		/* Nothing posted past the slot we keep, nothing counted. */
		CHECK_EQ(syslet_wait(&r2, 0), 0);
		CHECK(r2.slots[0] == &junk && !r2.slots[1]);
		syslet_atom(&b[4], SYSLET_NR_NOP, 0, NULL, NULL, NULL);
		CHECK_EQ(syslet_exec(&r2, &b[4], NULL), -EBUSY);
		_exit(0);
	}
	wait_exit_ok(pid, 10);
	check_released(pfd, ref0);
	check_new_context();
	return 0;
}

/*
 * The image a process execs cannot use the context it inherited through
 * an fd without close-on-exec: EPERM for EXEC, WAIT and UNREGISTER, EBUSY
 * for REGISTER.  Its close of that fd (the process's last) cancels the
 * chain the old image left blocked, and it can open a context of its own.
 */
static int exec_eperm_helper(const char *sfd)
{
	static struct syslet_uatom a;
	static unsigned long slots[8];
	struct syslet_exec ex = { .atom = (unsigned long)&a };
	struct async_head_user ahu = { (void *)slots, sizeof(slots), -1UL };
	int fd = atoi(sfd);

	syslet_atom(&a, SYSLET_NR_NOP, 0, NULL, NULL, NULL);
	if (ioctl(fd, SYSLET_IOC_EXEC, &ex) != -1 || errno != EPERM)
		return 11;
	if (ioctl(fd, SYSLET_IOC_WAIT, 0) != -1 || errno != EPERM)
		return 12;
	if (ioctl(fd, SYSLET_IOC_UNREGISTER) != -1 || errno != EPERM)
		return 13;
	if (ioctl(fd, SYSLET_IOC_REGISTER, &ahu) != -1 || errno != EBUSY)
		return 14;
	if (close(fd))
		return 15;
	if (syslet_setup(&ring, 8, -1UL) || syslet_exec(&ring, &a, NULL) != 1)
		return 16;
	return 0;
}

static int t_exec_eperm(void)
{
	int pfd[2];
	long ref0;
	pid_t pid = fork_with_pipe(pfd, &ref0);

	if (!pid) {
		static struct syslet_uatom a;
		static char buf[4];
		unsigned long fd = pfd[0], p = (unsigned long)buf, one = 1;
		char arg[16];

		setup(8);
		CHECK(fcntl(ring.fd, F_SETFD, 0) == 0);
		syslet_atom(&a, SYS_read, SYSLET_ASYNC, NULL, NULL,
			    A(fd), A(p), A(one), NULL);
		CHECK_EQ(syslet_exec(&ring, &a, NULL), 0);
		snprintf(arg, sizeof(arg), "%d", ring.fd);
		execl("/proc/self/exe", "syslet_test", "exec-eperm-helper", arg,
		      (char *)NULL);
		_exit(8);
	}
	wait_exit_ok(pid, 20);
	check_no_reader(pfd);
	CHECK_EQ(syslet_module_refcnt(), ref0);
	return 0;
}

/*
 * execve() with a close-on-exec context whose chains are in flight: one
 * loops on fd look-ups (lseek), one on openat and close (calls the
 * owner's thread makes for the worker), one is blocked in a read.  The
 * exec closes the fd, which cancels them; it completes promptly, and no
 * chain survives it.
 */
static int t_exec_cloexec(void)
{
	int pfd[2];
	long ref0;
	pid_t pid = fork_with_pipe(pfd, &ref0);

	if (!pid) {
		static struct syslet_uatom a[4];
		static char buf[4];
		static long nfd;
		unsigned long rfd = pfd[0], p = (unsigned long)buf, one = 1;
		unsigned long ffd, zero = 0, set = SEEK_SET, dirfd = AT_FDCWD;
		unsigned long path = (unsigned long)"/dev/null", flags = O_RDONLY;

		setup(8);	/* close-on-exec */
		ffd = open("/tmp/cloexec", O_RDWR | O_CREAT, 0644);
		CHECK((long)ffd >= 0);
		syslet_atom(&a[0], SYS_lseek, SYSLET_ASYNC, NULL, &a[0],
			    A(ffd), A(zero), A(set), NULL);
		syslet_atom(&a[1], SYS_openat, SYSLET_ASYNC, &nfd, &a[2],
			    A(dirfd), A(path), A(flags), NULL);
		syslet_atom(&a[2], SYS_close, 0, NULL, &a[1], A(nfd), NULL);
		syslet_atom(&a[3], SYS_read, SYSLET_ASYNC, NULL, NULL,
			    A(rfd), A(p), A(one), NULL);
		CHECK_EQ(syslet_exec(&ring, &a[0], NULL), 0);
		CHECK_EQ(syslet_exec(&ring, &a[1], NULL), 0);
		CHECK_EQ(syslet_exec(&ring, &a[3], NULL), 0);
		usleep(100000);
		execl("/proc/self/exe", "syslet_test", "exit-helper", (char *)NULL);
		_exit(8);
	}
	wait_exit_ok(pid, 20);
	check_released(pfd, ref0);
	return 0;
}

static int send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { "f", 1 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &mh, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))], c;
	struct iovec iov = { &c, 1 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &mh, 0) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&mh);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/*
 * The fd passed to another process with SCM_RIGHTS: the receiver gets
 * EPERM (EBUSY for REGISTER); the owner still can use the context; the
 * receiver's close cancels nothing (a chain of the owner blocked in a
 * worker completes afterwards).
 */
static int t_scm_rights(void)
{
	struct syslet_uatom a, nop;
	int sv[2], pfd[2];
	char buf[4], c;
	unsigned long fd, p = (unsigned long)buf, one = 1;
	long r = 99;
	pid_t pid;

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	CHECK(pipe(pfd) == 0);
	pid = fork();		/* before the context exists: nothing shared */
	CHECK(pid >= 0);
	if (!pid) {
		static unsigned long slots[8];
		struct async_head_user ahu = { (void *)slots, sizeof(slots), -1UL };
		struct syslet_exec ex = { .atom = (unsigned long)&nop };
		int sfd;

		close(sv[0]);
		sfd = recv_fd(sv[1]);
		CHECK(sfd >= 0);
		syslet_atom(&nop, SYSLET_NR_NOP, 0, NULL, NULL, NULL);
		CHECK(ioctl(sfd, SYSLET_IOC_EXEC, &ex) == -1 && errno == EPERM);
		CHECK(ioctl(sfd, SYSLET_IOC_WAIT, 0) == -1 && errno == EPERM);
		CHECK(ioctl(sfd, SYSLET_IOC_UNREGISTER) == -1 && errno == EPERM);
		CHECK(ioctl(sfd, SYSLET_IOC_REGISTER, &ahu) == -1 && errno == EBUSY);
		CHECK(close(sfd) == 0);
		CHECK(write(sv[1], "d", 1) == 1);
		_exit(0);
	}
	close(sv[1]);
	setup(8);
	fd = pfd[0];
	syslet_atom(&a, SYS_read, SYSLET_ASYNC, &r, NULL, A(fd), A(p), A(one), NULL);
	CHECK_EQ(syslet_exec(&ring, &a, NULL), 0);
	CHECK(send_fd(sv[0], ring.fd) == 0);
	CHECK(read(sv[0], &c, 1) == 1);		/* received, tried, closed */
	wait_exit_ok(pid, 10);
	/* The owner still can, and its chain is still in flight. */
	syslet_atom(&nop, SYSLET_NR_NOP, 0, NULL, NULL, NULL);
	CHECK_EQ(syslet_exec(&ring, &nop, NULL), 1);
	CHECK_EQ(syslet_wait(&ring, 0), 0);
	CHECK_EQ(r, 99);
	CHECK(write(pfd[1], "y", 1) == 1);
	CHECK(reap_wait() == &a);
	CHECK_EQ(r, 1);
	CHECK_EQ(buf[0], 'y');
	return 0;
}

static volatile int sigxfsz_count;

static void on_sigxfsz(int sig)
{
	sigxfsz_count++;
}

/*
 * SIGXFSZ, as Documentation/syslet.rst says: a write past RLIMIT_FSIZE in
 * the caller's context (SYSLET_SYNC) signals the submitter as the system
 * call does (a handler runs; the default action kills it); in a worker
 * the signal goes to the worker, which ignores it: the submitter neither
 * catches it nor dies.  The result is -EFBIG in both.
 */
static int t_rlimit_sigxfsz(void)
{
	struct sigaction sa = { .sa_handler = on_sigxfsz };
	struct rlimit rl = { 1000, 1000 };
	struct syslet_uatom a;
	char buf[10] = { 0 };
	unsigned long fd, p = (unsigned long)buf, n = 10, pos = 1000;
	long r;
	pid_t pid;
	int i, st;

	CHECK(sigaction(SIGXFSZ, &sa, NULL) == 0);
	fd = open("/tmp/sigxfsz", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK((long)fd >= 0);
	setup(8);
	CHECK(setrlimit(RLIMIT_FSIZE, &rl) == 0);
	/* The system call: -EFBIG and the signal. */
	CHECK(pwrite(fd, buf, 10, 1000) == -1 && errno == EFBIG);
	CHECK_EQ(sigxfsz_count, 1);
	/* In the caller's context: the same. */
	syslet_atom(&a, SYS_pwrite64, SYSLET_SYNC, &r, NULL,
		    A(fd), A(p), A(n), A(pos), NULL);
	CHECK_EQ(syslet_exec(&ring, &a, NULL), 1);
	CHECK_EQ(r, -EFBIG);
	CHECK_EQ(sigxfsz_count, 2);
	/* In a worker: -EFBIG, and the signal is not the submitter's. */
	a.flags = SYSLET_ASYNC;
	CHECK_EQ(syslet_exec(&ring, &a, NULL), 0);
	CHECK(reap_wait() == &a);
	CHECK_EQ(r, -EFBIG);
	usleep(50000);
	CHECK_EQ(sigxfsz_count, 2);
	/* The default action: the caller's write kills it, a worker's not. */
	for (i = 0; i < 2; i++) {
		pid = fork();
		CHECK(pid >= 0);
		if (!pid) {
			signal(SIGXFSZ, SIG_DFL);
			setup(8);
			a.flags = i ? SYSLET_ASYNC : SYSLET_SYNC;
			r = 0;
			if (syslet_exec(&ring, &a, NULL) < 0)
				_exit(4);
			if (i && (reap_wait() != &a || r != -EFBIG))
				_exit(5);
			_exit(0);
		}
		st = wait_bounded(pid, 10);
		if (i)
			CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
		else
			CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGXFSZ);
	}
	return 0;
}

/*
 * The ring's RLIMIT_MEMLOCK charge, page by page, and its return.  As
 * nobody with a limit of two pages: a 16-byte ring across a page boundary
 * is charged two pages (VmLck) and fits; a second ring does not (ENOMEM);
 * once the first is unregistered its pages are returned and the second
 * fits; closing returns everything.
 */
static int t_memlock_release(void)
{
	struct rlimit rl = { 2 * 4096, 2 * 4096 };
	struct async_head_user ahu = { NULL, 16, -1UL };
	char *mem;
	int fd1, fd2;

	if (getuid() != 0)
		return SKIP;
	CHECK(setgid(65534) == 0);
	CHECK(setuid(65534) == 0);
	CHECK(setrlimit(RLIMIT_MEMLOCK, &rl) == 0);
	mem = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(mem != MAP_FAILED);
	fd1 = open("/dev/syslet", O_RDWR);
	fd2 = open("/dev/syslet", O_RDWR);
	CHECK(fd1 >= 0 && fd2 >= 0);
	CHECK_EQ(vmlck_kb(), 0);
	ahu.completion_ring = (void *)(mem + 4096 - 8);
	CHECK(ioctl(fd1, SYSLET_IOC_REGISTER, &ahu) == 0);
	CHECK_EQ(vmlck_kb(), 8);
	ahu.completion_ring = (void *)(mem + 3 * 4096);
	ahu.ring_size_bytes = 8;
	CHECK(ioctl(fd2, SYSLET_IOC_REGISTER, &ahu) == -1 && errno == ENOMEM);
	CHECK_EQ(vmlck_kb(), 8);
	CHECK(ioctl(fd1, SYSLET_IOC_UNREGISTER) == 0);
	CHECK_EQ(vmlck_kb(), 0);
	CHECK(ioctl(fd2, SYSLET_IOC_REGISTER, &ahu) == 0);
	CHECK_EQ(vmlck_kb(), 4);
	ahu.completion_ring = (void *)mem;
	CHECK(ioctl(fd1, SYSLET_IOC_REGISTER, &ahu) == 0);
	CHECK_EQ(vmlck_kb(), 8);
	CHECK(close(fd2) == 0);
	CHECK_EQ(vmlck_kb(), 4);
	CHECK(close(fd1) == 0);
	CHECK_EQ(vmlck_kb(), 0);
	return 0;
}

/*
 * 200 contexts at once, each with two chains reading an empty pipe
 * (max_nr_threads 1: parked, or one blocked in the worker and one queued
 * behind it), then all closed: every close is prompt, a cancelled chain
 * is posted at most once (the blocked or parked ones, -EINTR), none
 * survives, the rings' VmLck charge and the module's references come back,
 * and a new context works.
 */
#define NCTX	200
static int t_many_contexts(void)
{
	static struct syslet_uatom a[NCTX][2];
	static int fds[NCTX];
	static char buf[4];
	struct async_head_user ahu = { NULL, 32, 1 };
	struct syslet_exec ex;
	unsigned long fd, p = (unsigned long)buf, one = 1;
	long ref0 = syslet_module_refcnt(), vm0 = vmlck_kb();
	struct syslet_uatom **slots;
	double t, worst = 0;
	int pfd[2], i, k;
	char *mem;

	CHECK(ref0 >= 0 && vm0 >= 0);
	CHECK(pipe(pfd) == 0);
	fd = pfd[0];
	mem = mmap(NULL, NCTX * 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(mem != MAP_FAILED);
	for (i = 0; i < NCTX; i++) {
		fds[i] = open("/dev/syslet", O_RDWR);
		CHECK(fds[i] >= 0);
		ahu.completion_ring = (void *)(mem + i * 4096);
		CHECK(ioctl(fds[i], SYSLET_IOC_REGISTER, &ahu) == 0);
		for (k = 0; k < 2; k++) {
			syslet_atom(&a[i][k], SYS_read, SYSLET_ASYNC, NULL, NULL,
				    A(fd), A(p), A(one), NULL);
			ex.atom = (unsigned long)&a[i][k];
			CHECK_EQ(ioctl(fds[i], SYSLET_IOC_EXEC, &ex), 0);
		}
	}
	CHECK_EQ(syslet_module_refcnt(), ref0 + NCTX);
	CHECK_EQ(vmlck_kb(), vm0 + NCTX * 4);
	usleep(200000);
	for (i = 0; i < NCTX; i++) {
		t = syslet_now();
		CHECK(close(fds[i]) == 0);
		t = syslet_now() - t;
		if (t > worst)
			worst = t;
		slots = (void *)(mem + i * 4096);
		/* Each chain posted at most once, nothing else. */
		for (k = 0; k < 2; k++)
			CHECK(!slots[k] || slots[k] == &a[i][0] ||
			      slots[k] == &a[i][1]);
		CHECK(!slots[1] || slots[0] != slots[1]);
		CHECK(!slots[2]);
	}
	fprintf(stderr, "slowest close: %.3f s\n", worst);
	CHECK(worst < 5);
	CHECK_EQ(vmlck_kb(), vm0);
	CHECK_EQ(syslet_module_refcnt(), ref0);
	check_no_reader(pfd);
	CHECK_EQ(syslet_workers_idle(300, 10000), 0);
	check_new_context();
	return 0;
}

/*
 * A chain in a worker closes the last fd of a pipe's write end, then
 * reads the read end: end of file, since the worker runs its task_work
 * (the final fput) between atoms, as a return to user space would.  A
 * worker that did not would block in the read for ever.
 */
static int t_close_eof(void)
{
	struct syslet_uatom a[2], *done = NULL;
	char c;
	unsigned long rfd, wfd, p = (unsigned long)&c, one = 1;
	long r[2] = { 99, 99 };
	int pfd[2], i;

	setup(8);
	CHECK(pipe(pfd) == 0);
	rfd = pfd[0];
	wfd = pfd[1];
	syslet_atom(&a[0], SYS_close, SYSLET_ASYNC, &r[0], &a[1], A(wfd), NULL);
	syslet_atom(&a[1], SYS_read, 0, &r[1], NULL, A(rfd), A(p), A(one), NULL);
	CHECK_EQ(syslet_exec(&ring, a, NULL), 0);
	for (i = 0; i < 5000 && !(done = syslet_reap(&ring)); i++)
		usleep(1000);
	if (!done)
		fprintf(stderr, "the read did not see the end of file in 5 s\n");
	CHECK(done == &a[1]);
	CHECK_EQ(r[0], 0);
	CHECK_EQ(r[1], 0);
	return 0;
}

/*
 * A file whose read(2) uses ->read (an inotify fd has nothing else) is
 * read as the call does, but cannot be tried without blocking: a plain
 * atom goes to a worker rather than wait in the caller (the alarm ends a
 * caller stuck there), and completes with the event when it comes.  One
 * that has ->read_iter too and FMODE_NOWAIT (/dev/zero) is tried with
 * that, and completes in the caller.
 */
static int t_read_fop_async(void)
{
	char dir[] = "/tmp/syslet-fop.XXXXXX", path[64];
	union {
		struct inotify_event ev;
		char buf[256];
	} u;
	unsigned long fd, pbuf = (unsigned long)&u, len = sizeof(u);
	struct syslet_uatom a;
	long r = 0;
	int in;

	setup(8);
	fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	CHECK((long)fd >= 0);
	memset(&u, 1, sizeof(u));
	syslet_atom(&a, SYS_read, 0, &r, NULL, &fd, &pbuf, &len, NULL);
	CHECK_EQ(syslet_exec(&ring, &a, NULL), 1);
	CHECK_EQ(r, (long)sizeof(u));
	CHECK(u.buf[0] == 0 && u.buf[sizeof(u) - 1] == 0);
	close(fd);

	CHECK(mkdtemp(dir));
	in = inotify_init1(IN_CLOEXEC);
	CHECK(in >= 0);
	CHECK(inotify_add_watch(in, dir, IN_CREATE) >= 0);
	fd = in;
	syslet_atom(&a, SYS_read, 0, &r, NULL, &fd, &pbuf, &len, NULL);
	alarm(20);
	CHECK_EQ(syslet_exec(&ring, &a, NULL), 0);
	alarm(0);
	snprintf(path, sizeof(path), "%s/f", dir);
	CHECK(close(open(path, O_CREAT | O_WRONLY, 0600)) == 0);
	CHECK(reap_wait() == &a);
	CHECK(r >= (long)sizeof(u.ev) + 2);
	CHECK(u.ev.mask & IN_CREATE);
	CHECK(!strcmp(u.ev.name, "f"));
	CHECK(unlink(path) == 0);
	CHECK(rmdir(dir) == 0);
	close(in);
	return 0;
}

/*
 * Answer every FAN_ACCESS_PERM question on @fan with FAN_DENY, after a
 * byte to @out (so that it is there once the read it answers returns).
 */
static __attribute__((noreturn)) void fan_deny_all(int fan, int out)
{
	union {
		struct fanotify_event_metadata m;
		char buf[4096];
	} u;
	struct fanotify_event_metadata *m;
	ssize_t n;

	for (;;) {
		n = read(fan, &u, sizeof(u));
		if (n <= 0)
			_exit(0);
		for (m = &u.m; FAN_EVENT_OK(m, n); m = FAN_EVENT_NEXT(m, n)) {
			struct fanotify_response resp = {
				.fd = m->fd, .response = FAN_DENY,
			};

			if ((m->mask & FAN_ACCESS_PERM) &&
			    (write(out, "q", 1) != 1 ||
			     write(fan, &resp, sizeof(resp)) != sizeof(resp)))
				_exit(1);
			if (m->fd >= 0)
				close(m->fd);
		}
	}
}

/*
 * Reads are checked as the calls check them (rw_verify_area(): the LSM's
 * file_permission hook and fanotify's permission events): a listener
 * that denies every FAN_ACCESS_PERM question makes read, pread64, readv
 * and preadv fail with EPERM, and is asked once per read.  Each form
 * runs as the direct call, as a plain atom and as a SYSLET_ASYNC one.
 * Without the check an atom would read the file, and the listener would
 * be asked fewer times.  The file is on tmpfs, whose reads a 6.12 caller
 * hands to a worker (no FMODE_NOWAIT; the caller runs the same function
 * on files that have it); /dev/zero, which has it, gets no permission
 * events in 6.12.
 */
static int t_read_permission_event(void)
{
	static const long nrs[] = { SYS_read, SYS_pread64, SYS_readv,
				    SYS_preadv };
	const char *path = "/tmp/syslet-fanotify";
	unsigned long fd, pbuf, len, pos = 0;
	struct syslet_uatom a;
	struct iovec iov;
	int fan, q[2], i, k, asked = 0;
	char buf[64], c;
	pid_t pid;
	long r;

	fan = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC, O_RDONLY);
	if (fan < 0 && (errno == ENOSYS || errno == EINVAL))
		return SKIP;		/* no fanotify permission events here */
	CHECK(fan >= 0);
	close(make_file(path, sizeof(buf)));
	CHECK(fanotify_mark(fan, FAN_MARK_ADD, FAN_ACCESS_PERM, AT_FDCWD,
			    path) == 0);
	CHECK(pipe2(q, O_NONBLOCK) == 0);
	pid = fork();
	CHECK(pid >= 0);
	if (!pid)
		fan_deny_all(fan, q[1]);
	close(q[1]);
	setup(8);
	iov.iov_base = buf;
	iov.iov_len = sizeof(buf);
	/* Opened after the mark: its reads ask the listener. */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	CHECK((long)fd >= 0);
	for (i = 0; i < 4; i++) {
		int vec = nrs[i] == SYS_readv || nrs[i] == SYS_preadv;

		pbuf = vec ? (unsigned long)&iov : (unsigned long)buf;
		len = vec ? 1 : sizeof(buf);
		errno = 0;
		r = syscall(nrs[i], fd, pbuf, len, pos);
		CHECK_EQ(r, -1);
		CHECK_EQ(errno, EPERM);
		for (k = 0; k < 2; k++) {
			r = 99;
			syslet_atom(&a, nrs[i], k ? SYSLET_ASYNC : 0, &r, NULL,
				    &fd, &pbuf, &len, &pos, NULL);
			CHECK(run(&a) == &a);
			CHECK_EQ(r, -EPERM);
		}
	}
	close(fd);
	while (read(q[0], &c, 1) == 1)
		asked++;
	CHECK_EQ(asked, 4 * 3);
	kill(pid, SIGKILL);
	CHECK(waitpid(pid, NULL, 0) == pid);
	close(q[0]);
	close(fan);
	unlink(path);
	return 0;
}

/*
 * A read that finds part of its range in the page cache and the rest
 * not: read(2) waits for the rest, so must the atom.  The caller's
 * attempt without blocking stops short at the first page not cached (a
 * virtio disk's read completes later, where a RAM disk's completes at
 * once); the atom is then made again, whole, in a worker.  On /dev/vda:
 * its first page cached, the next three dropped, a plain pread64 atom of
 * all four must read all four, as pread() does; and at the end of the
 * device the same read, past the end, reads what there is, in the caller.
 */
static int t_read_partly_cached(void)
{
	enum { PG = 4096, N = 4 };
	static char data[N * PG], buf[N * PG];
	unsigned long fd, pbuf = (unsigned long)buf, len = sizeof(buf), pos;
	struct syslet_uatom a;
	off_t end;
	long r;
	int i, k;

	fd = open("/dev/vda", O_RDWR | O_CLOEXEC);
	if ((long)fd < 0)
		return SKIP;		/* no virtio disk in this kernel */
	setup(8);
	for (i = 0; i < (int)sizeof(data); i++)
		data[i] = pattern(i);
	CHECK(pwrite(fd, data, sizeof(data), 0) == (ssize_t)sizeof(data));
	CHECK(fsync(fd) == 0);
	/* No read-ahead: a read brings in only the pages it reads. */
	CHECK(posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM) == 0);
	for (k = 0; k < 3; k++) {
		CHECK(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0);
		CHECK(pread(fd, buf, PG, 0) == PG);
		memset(buf, 0, sizeof(buf));
		pos = 0;
		r = 99;
		syslet_atom(&a, SYS_pread64, 0, &r, NULL, &fd, &pbuf, &len,
			    &pos, NULL);
		CHECK(run(&a) == &a);
		CHECK_EQ(r, (long)sizeof(buf));
		CHECK(!memcmp(buf, data, sizeof(buf)));
	}

	/* Past the end: what there is, without a worker. */
	end = lseek(fd, 0, SEEK_END);
	CHECK(end > 2 * PG);
	CHECK(pread(fd, buf, 2 * PG, end - 2 * PG) == 2 * PG);
	pos = end - PG;
	r = 99;
	syslet_atom(&a, SYS_pread64, 0, &r, NULL, &fd, &pbuf, &len, &pos,
		    NULL);
	CHECK_EQ(syslet_exec(&ring, &a, NULL), 1);
	CHECK_EQ(r, PG);
	close(fd);
	return 0;
}

/*
 * A read atom is counted in /proc/self/io once, as read(2) is: not the
 * caller's attempt that would have blocked on an empty pipe, nor the
 * worker's before it parked, only the read that got the data.  The same
 * for readv, which the system call counts elsewhere.
 */
static int t_read_accounting(void)
{
	unsigned long fd, pbuf, len = 16;
	long r = 0, io0[IO_N], io[IO_N];
	struct syslet_uatom a;
	struct iovec iov;
	char buf[16];
	int p[2], iofd;
	ssize_t n0;

	iofd = proc_io_open();
	if (iofd < 0)
		return SKIP;		/* no I/O accounting in this kernel */
	setup(8);
	CHECK(pipe(p) == 0);
	fd = p[0];
	pbuf = (unsigned long)buf;
	syslet_atom(&a, SYS_read, 0, &r, NULL, &fd, &pbuf, &len, NULL);
	n0 = proc_io_counts(iofd, io0);
	CHECK_EQ(syslet_exec(&ring, &a, NULL), 0);
	usleep(20000);			/* the worker tries, and parks */
	CHECK(write(p[1], "hello", 5) == 5);
	CHECK(reap_wait() == &a);
	CHECK_EQ(r, 5);
	proc_io_since(iofd, io, io0, n0);
	CHECK_EQ(io[IO_RCHAR], 5);
	CHECK_EQ(io[IO_SYSCR], 1);
	CHECK_EQ(io[IO_WCHAR], 5);	/* the write(2) */
	CHECK_EQ(io[IO_SYSCW], 1);

	/* The same for readv, counted where the system call counts it. */
	iov.iov_base = buf;
	iov.iov_len = sizeof(buf);
	pbuf = (unsigned long)&iov;
	len = 1;
	syslet_atom(&a, SYS_readv, 0, &r, NULL, &fd, &pbuf, &len, NULL);
	n0 = proc_io_counts(iofd, io0);
	CHECK_EQ(syslet_exec(&ring, &a, NULL), 0);
	usleep(20000);
	CHECK(write(p[1], "hello!", 6) == 6);
	CHECK(reap_wait() == &a);
	CHECK_EQ(r, 6);
	proc_io_since(iofd, io, io0, n0);
	CHECK_EQ(io[IO_RCHAR], 6);
	CHECK_EQ(io[IO_SYSCR], 1);
	close(p[0]);
	close(p[1]);
	close(iofd);
	return 0;
}

/*
 * An atom whose next atom cannot be read: the chain fails with EFAULT,
 * but the atom ran and its result is stored all the same, whether next
 * is outside user space or unmapped.
 */
static int t_bad_next_ret(void)
{
	struct syslet_uatom a;
	struct syslet_uatom *bad[] = {
		(struct syslet_uatom *)0xffff880000000000UL,	/* kernel */
		(struct syslet_uatom *)0x10000UL,		/* unmapped */
	};
	long r;
	size_t i;

	setup(8);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = 99;
		syslet_atom(&a, SYSLET_NR_NOP, 0, &r, bad[i], NULL);
		CHECK_EQ(syslet_exec(&ring, &a, NULL), -EFAULT);
		CHECK_EQ(r, 0);
	}
	return 0;
}


/*
 * Chains that post nothing (SYSLET_NO_COMPLETE) give their ring slot
 * back when they end: a ring of 2 takes any number of them, one after
 * the other.
 */
static int t_no_complete_ring(void)
{
	struct syslet_uatom a;
	long r;
	int i, k, ret = 0;

	setup(2);
	for (i = 0; i < 6; i++) {
		r = 99;
		syslet_atom(&a, SYSLET_NR_NOP, SYSLET_ASYNC | SYSLET_NO_COMPLETE,
			    &r, NULL, NULL);
		/* The previous chain may not have ended quite yet. */
		for (k = 0; k < 2000; k++) {
			ret = syslet_exec(&ring, &a, NULL);
			if (ret != -EBUSY)
				break;
			usleep(1000);
		}
		if (ret)
			fprintf(stderr, "chain %d: EXEC gives %d\n", i, ret);
		CHECK_EQ(ret, 0);
		for (k = 0; k < 2000 && __atomic_load_n(&r, __ATOMIC_ACQUIRE) == 99; k++)
			usleep(1000);
		CHECK_EQ(r, 0);
	}
	CHECK(!syslet_reap(&ring));
	return 0;
}

/*
 * The submitting thread changes identity (setresuid) while its chain
 * loops in a worker: the chain stops at the next atom and is posted; it
 * never runs under the old identity again.
 */
static int t_setuid_stops(void)
{
	static struct syslet_uatom a[2];
	static long counter;
	unsigned long pc = (unsigned long)&counter, one = 1;
	struct syslet_uatom *done = NULL;
	long c0, c1;
	int i;

	if (getuid() != 0)
		return SKIP;
	setup(8);
	syslet_atom(&a[0], SYSLET_NR_UMEM_ADD, SYSLET_ASYNC, NULL, &a[1],
		    A(pc), A(one), NULL);
	syslet_atom(&a[1], SYSLET_NR_NOP, 0, NULL, &a[0], NULL);
	CHECK_EQ(syslet_exec(&ring, a, NULL), 0);
	for (i = 0; i < 5000 && __atomic_load_n(&counter, __ATOMIC_RELAXED) < 100; i++)
		usleep(1000);
	CHECK(__atomic_load_n(&counter, __ATOMIC_RELAXED) >= 100);
	/* This thread only: glibc's setresuid() would signal every thread. */
	CHECK(syscall(SYS_setresuid, 65534, 65534, 65534) == 0);
	for (i = 0; i < 5000 && !(done = syslet_reap(&ring)); i++)
		usleep(1000);
	if (!done)
		fprintf(stderr, "the loop still runs 5 s after setresuid\n");
	CHECK(done == &a[0] || done == &a[1]);
	c0 = __atomic_load_n(&counter, __ATOMIC_RELAXED);
	usleep(100000);
	c1 = __atomic_load_n(&counter, __ATOMIC_RELAXED);
	CHECK_EQ(c0, c1);
	return 0;
}


/*
 * Closing one of two fds of a context (a dup) cancels nothing: only the
 * last fd of the owner's table does; a chain blocked meanwhile goes on.
 */
static int t_dup_close(void)
{
	struct syslet_uatom a, b;
	char c = 0;
	unsigned long fd, p = (unsigned long)&c, one = 1;
	long r = 99;
	int pfd[2], d;

	setup(8);
	CHECK(pipe(pfd) == 0);
	fd = pfd[0];
	syslet_atom(&b, SYS_read, SYSLET_ASYNC, &r, NULL, A(fd), A(p), A(one), NULL);
	CHECK_EQ(syslet_exec(&ring, &b, NULL), 0);
	d = dup(ring.fd);
	CHECK(d >= 0);
	CHECK(close(d) == 0);
	syslet_atom(&a, SYSLET_NR_NOP, 0, NULL, NULL, NULL);
	CHECK_EQ(syslet_exec(&ring, &a, NULL), 1);
	CHECK(write(pfd[1], "y", 1) == 1);
	CHECK(reap_wait() == &b);
	CHECK_EQ(r, 1);
	CHECK_EQ(c, 'y');
	return 0;
}

/* The syslet_worker threads of this process. */
static int my_workers(void)
{
	long sum = 0;
	int n = 0;
	char pid[32];

	snprintf(pid, sizeof(pid), "%d", getpid());
	syslet_worker_ticks_of(pid, &sum, &n);
	return n;
}

/*
 * The module parameter max_workers_per_ctx caps a context registered
 * with max_nr_threads -1: four chains blocked in reads, two workers.
 */
static int t_per_ctx_limit(void)
{
	const char *param = "/sys/module/syslet/parameters/max_workers_per_ctx";
	struct syslet_uatom a[4];
	char old[32] = "", c[4];
	unsigned long fd, p, one = 1;
	long r[4];
	int pfd[2], i, n = 0;
	FILE *f = fopen(param, "r");

	if (!f)
		return SKIP;
	CHECK(fgets(old, sizeof(old), f));
	fclose(f);
	f = fopen(param, "w");
	CHECK(f);
	fprintf(f, "2\n");
	CHECK(fclose(f) == 0);
	setup(8);
	/* Registered under the cap: put the old value back at once. */
	f = fopen(param, "w");
	CHECK(f);
	fputs(old, f);
	CHECK(fclose(f) == 0);
	CHECK(pipe(pfd) == 0);
	fd = pfd[0];
	for (i = 0; i < 4; i++) {
		p = (unsigned long)&c[i];
		syslet_atom(&a[i], SYS_read, SYSLET_ASYNC, &r[i], NULL,
			    A(fd), A(p), A(one), NULL);
		CHECK_EQ(syslet_exec(&ring, &a[i], NULL), 0);
	}
	for (i = 0; i < 30; i++) {
		usleep(10000);
		n = my_workers();
		if (n > 2)
			break;
	}
	fprintf(stderr, "%d workers for 4 blocked chains, cap 2\n", n);
	CHECK_EQ(n, 2);
	/* Each byte ends a read and frees a worker for the next chain. */
	CHECK(write(pfd[1], "abcd", 4) == 4);
	for (i = 0; i < 4; i++)
		CHECK(reap_wait());
	return 0;
}

static const struct test tests[] = {
	{ "register-errors", t_register_errors },
	{ "exec-unregistered", t_exec_unregistered },
	{ "sync-first", t_sync_first },
	{ "rw", t_sync_rw },
	{ "ops", t_sync_ops },
	{ "enosys-einval", t_enosys },
	{ "arg-passing", t_arg_passing },
	{ "args-after-null", t_args_after_null },
	{ "stop-skip", t_stop_skip },
	{ "loop-umem-add", t_loop },
	{ "async", t_async },
	{ "cachemiss", t_cachemiss },
	{ "fio-pattern", t_fio_pattern },
	{ "ring-full", t_ring_full },
	{ "ring-tamper", t_ring_tamper },
	{ "bad-pointers", t_bad_pointers },
	{ "read-fop-async", t_read_fop_async },
	{ "read-permission-event", t_read_permission_event },
	{ "read-partly-cached", t_read_partly_cached },
	{ "read-accounting", t_read_accounting },
	{ "permissions", t_permissions },
	{ "rlimit-fsize", t_rlimit_fsize },
	{ "async-cwd", t_async_cwd },
	{ "fork", t_fork },
	{ "close-inflight", t_close_inflight },
	{ "exit-inflight", t_exit_inflight },
	{ "wait-eintr", t_wait_eintr },
	{ "max-threads", t_max_threads },
	{ "unregister-inflight", t_unregister_inflight },
	{ "memlock", t_memlock },
	{ "async-open-close", t_async_open_close },
	{ "exec-guard", t_exec_guard },
	{ "loop-forever", t_loop_forever },
	{ "kill-inflight", t_kill_inflight },
	{ "exit-ring-full", t_exit_ring_full },
	{ "exec-eperm", t_exec_eperm },
	{ "exec-cloexec", t_exec_cloexec },
	{ "scm-rights", t_scm_rights },
	{ "rlimit-fsize-sigxfsz", t_rlimit_sigxfsz },
	{ "memlock-release", t_memlock_release },
	{ "many-contexts", t_many_contexts },
	{ "exec-done-efault", t_exec_done_efault },
	{ "close-eof", t_close_eof },
	{ "bad-next-ret", t_bad_next_ret },
	{ "no-complete-ring", t_no_complete_ring },
	{ "setuid-stops", t_setuid_stops },
	{ "dup-close", t_dup_close },
	{ "per-ctx-limit", t_per_ctx_limit },
};

/*
 * On a kernel without syslet workers (Debian 12's 6.1): REGISTER of a
 * valid ring must fail with EOPNOTSUPP, not succeed nor fail otherwise.
 */
static int register_eopnotsupp(void)
{
	int ret = syslet_setup(&ring, 8, -1UL);

	if (ret == -EOPNOTSUPP) {
		printf("SYSLET_IOC_REGISTER: EOPNOTSUPP, as expected\n");
		return 0;
	}
	fprintf(stderr, "SYSLET_IOC_REGISTER gave %d (%s), expected EOPNOTSUPP\n",
		ret, ret ? strerror(-ret) : "success");
	return 1;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "register-eopnotsupp"))
		return register_eopnotsupp();
	if (argc == 3 && !strcmp(argv[1], "exec-helper"))
		return exec_helper(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "exec-eperm-helper"))
		return exec_eperm_helper(argv[2]);
	if (argc == 2 && !strcmp(argv[1], "exit-helper"))
		return 0;
	return run_tests(argc, argv, tests, ARRAY_SIZE(tests), NULL);
}
