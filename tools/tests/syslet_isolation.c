// SPDX-License-Identifier: GPL-2.0
/*
 * syslet isolation selftests, run in the test VM as root:
 *   syslet_isolation --list     names, one a line
 *   syslet_isolation NAME       run one; exit 0 = pass, 77 = skip, else fail
 *
 * An asynchronous chain must run as the process that submitted it would:
 * in worker threads of that process (comm "syslet_worker", in its thread
 * group), so that its seccomp filter, cgroups, controlling tty, namespaces,
 * credentials and pid apply, and so that the workers die with it.  Module
 * parameters (/sys/module/syslet/parameters/) govern who may use the
 * device; a test that needs a parameter fails when it is missing.
 *
 * Needs: root; cgroup2 with the cpu, memory and pids controllers for the
 * cgroup-* tests (mounted at /sys/fs/cgroup if it is not; a kernel
 * without cgroup2 or the controller skips); raw uids/gids 1000, 1001,
 * 65534 and gid 4242 (no passwd entries needed); a writable /tmp; a pty
 * for tty-sigttin (devpts is mounted on /dev/pts if /dev/ptmx does not
 * work; it skips without one).
 *
 * Anything that changes identity, cgroup or seccomp runs in a forked
 * child, so that the runner survives; every wait is bounded.  Parameters
 * changed, processes started and cgroups made are undone at exit (also
 * when a check fails).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include <linux/magic.h>
#include <linux/seccomp.h>

#include "../lib/syslet.h"
#include "syslet_workers.h"
#include "check.h"
#include "runner.h"
#include "seccomp_deny.h"

#define A(x) ((unsigned long *)&(x))

#define PARAMS	"/sys/module/syslet/parameters/"
#define CGROOT	"/sys/fs/cgroup"

/* Fail with a message (exit 1). */
#define FAIL(...) do {							\
	fprintf(stderr, "%s:%d: ", __func__, __LINE__);			\
	fprintf(stderr, __VA_ARGS__);					\
	fputc('\n', stderr);						\
	exit(1);							\
} while (0)

/* --- clean-up at exit --------------------------------------------------- */

static pid_t main_pid;
static pid_t tracked[16];
static char cgroups[4][128];
static struct {
	char name[32];
	char val[64];
} saved[4];
static int nr_saved;

static void track(pid_t pid)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(tracked); i++) {
		if (!tracked[i]) {
			tracked[i] = pid;
			return;
		}
	}
}

static void untrack(pid_t pid)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(tracked); i++)
		if (tracked[i] == pid)
			tracked[i] = 0;
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	return 0;
}

/* The file's contents, without a trailing newline; 0 or -errno. */
static int read_str(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = 0;
	return 0;
}

static void cleanup(void)
{
	double end;
	size_t i;
	int j;

	if (getpid() != main_pid)
		return;
	for (i = 0; i < ARRAY_SIZE(tracked); i++)
		if (tracked[i] > 0)
			kill(tracked[i], SIGKILL);
	end = syslet_now() + 5;
	for (i = 0; i < ARRAY_SIZE(tracked); i++) {
		while (tracked[i] > 0 && syslet_now() < end &&
		       waitpid(tracked[i], NULL, WNOHANG) == 0)
			syslet_sleep_ms(5);
		tracked[i] = 0;
	}
	for (j = nr_saved - 1; j >= 0; j--) {
		char path[128];

		snprintf(path, sizeof(path), PARAMS "%s", saved[j].name);
		if (write_str(path, saved[j].val))
			fprintf(stderr, "could not restore %s to %s\n",
				saved[j].name, saved[j].val);
	}
	nr_saved = 0;
	for (i = 0; i < ARRAY_SIZE(cgroups); i++) {
		if (!cgroups[i][0])
			continue;
		/* A cgroup is busy until its last task has been released. */
		end = syslet_now() + 5;
		while (rmdir(cgroups[i]) && errno == EBUSY && syslet_now() < end)
			syslet_sleep_ms(20);
		cgroups[i][0] = 0;
	}
}

/* --- module parameters ------------------------------------------------ */

/* Set a parameter, remembering its first value for the clean-up. */
static void param_set(const char *name, const char *val)
{
	char path[128], old[64];
	int i, ret;

	snprintf(path, sizeof(path), PARAMS "%s", name);
	ret = read_str(path, old, sizeof(old));
	if (ret)
		FAIL("no module parameter %s: %s", path, strerror(-ret));
	for (i = 0; i < nr_saved; i++)
		if (!strcmp(saved[i].name, name))
			break;
	if (i == nr_saved) {
		CHECK(nr_saved < (int)ARRAY_SIZE(saved));
		snprintf(saved[i].name, sizeof(saved[i].name), "%s", name);
		snprintf(saved[i].val, sizeof(saved[i].val), "%s", old);
		nr_saved++;
	}
	ret = write_str(path, val);
	if (ret)
		FAIL("writing %s to %s: %s", val, path, strerror(-ret));
}

/* Put every parameter back now (the clean-up would at exit). */
static void params_restore(void)
{
	int j;

	for (j = nr_saved - 1; j >= 0; j--) {
		char path[128];

		snprintf(path, sizeof(path), PARAMS "%s", saved[j].name);
		CHECK_EQ(write_str(path, saved[j].val), 0);
	}
	nr_saved = 0;
}

/* --- processes ---------------------------------------------------------- */

/* Reap @pid within @secs: its wait status, or -1 if it is still there. */
static int reap_within(pid_t pid, double secs)
{
	double end = syslet_now() + secs;
	pid_t r;
	int st;

	for (;;) {
		r = waitpid(pid, &st, WNOHANG | __WALL);
		if (r == pid) {
			untrack(pid);
			return st;
		}
		CHECK(r == 0);
		if (syslet_now() > end)
			return -1;
		syslet_sleep_ms(5);
	}
}

/* The child must exit 0 within @secs (it reports its own failures). */
static void child_ok(pid_t pid, double secs, const char *what)
{
	int st = reap_within(pid, secs);

	if (st == -1)
		FAIL("%s (pid %d) still running after %.0f s", what, pid, secs);
	if (WIFSIGNALED(st))
		FAIL("%s (pid %d) killed by signal %d", what, pid, WTERMSIG(st));
	if (WEXITSTATUS(st) == SKIP) {
		fprintf(stderr, "%s skipped\n", what);
		exit(SKIP);
	}
	if (WEXITSTATUS(st))
		FAIL("%s (pid %d) failed: exit %d", what, pid, WEXITSTATUS(st));
}

/* SIGKILL @pid: it must be reaped within @secs, killed by it. */
static void kill_reaped_within(pid_t pid, double secs)
{
	int st;

	CHECK(kill(pid, SIGKILL) == 0);
	st = reap_within(pid, secs);
	if (st == -1)
		FAIL("the process was not reaped within %.0f s of SIGKILL", secs);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
}

/* Run @fn in a child that must exit 0 within @secs. */
static void in_child(void (*fn)(void), double secs, const char *what)
{
	pid_t pid = fork();

	CHECK(pid >= 0);
	if (!pid) {
		fn();
		exit(0);
	}
	track(pid);
	child_ok(pid, secs, what);
}

/* Wait for the child's "ready" byte; fail if it exits first. */
static void wait_ready(int ready[2], pid_t pid, double secs)
{
	struct timeval tv = { (long)secs, 0 };
	fd_set set;
	char c;

	close(ready[1]);
	FD_ZERO(&set);
	FD_SET(ready[0], &set);
	if (select(ready[0] + 1, &set, NULL, NULL, &tv) != 1)
		FAIL("child %d not ready after %.0f s", pid, secs);
	if (read(ready[0], &c, 1) != 1)
		FAIL("child %d exited before it was ready", pid);
	close(ready[0]);
}

static void say_ready(int ready[2])
{
	CHECK(write(ready[1], "r", 1) == 1);
}

/* In a child: say ready, then wait to be killed. */
static __attribute__((noreturn)) void park_ready(int ready[2])
{
	say_ready(ready);
	for (;;)
		pause();
}

/* Drop to @uid/@gid with the supplementary groups @groups. */
static void become(uid_t uid, gid_t gid, int ngroups, const gid_t *groups)
{
	CHECK(setgroups(ngroups, groups) == 0);
	CHECK(setresgid(gid, gid, gid) == 0);
	CHECK(setresuid(uid, uid, uid) == 0);
}

/* Threads of @pid, and in *@workers those named syslet_worker. */
static int count_threads(pid_t pid, int *workers)
{
	char path[300], comm[64];
	struct dirent *e;
	int n = 0, w = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	CHECK(d);
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		n++;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/comm", pid,
			 e->d_name);
		if (!read_str(path, comm, sizeof(comm)) &&
		    !strcmp(comm, "syslet_worker"))
			w++;
	}
	closedir(d);
	if (workers)
		*workers = w;
	return n;
}

/* --- rings -------------------------------------------------------------- */

static void setup(struct syslet_ring *r, unsigned long nr)
{
	int ret = syslet_setup(r, nr, -1UL);

	if (ret)
		FAIL("syslet_setup: %s", strerror(-ret));
}

/* Submit @a, which must go asynchronous. */
static void submit(struct syslet_ring *r, struct syslet_uatom *a)
{
	int ret = syslet_exec(r, a, NULL);

	if (ret)
		FAIL("SYSLET_IOC_EXEC returned %d (%s), expected 0 (queued)",
		     ret, ret < 0 ? strerror(-ret) : "ran synchronously");
}

/* The next completion within @secs, or fail. */
static struct syslet_uatom *reap_bounded(struct syslet_ring *r, double secs)
{
	double end = syslet_now() + secs;
	struct syslet_uatom *a;

	while (!(a = syslet_reap(r))) {
		if (syslet_now() > end)
			FAIL("no completion within %.1f s", secs);
		syslet_sleep_ms(1);
	}
	return a;
}

/*
 * Eight chains of a child, each blocked in a read of a pipe of its own
 * (@pfd, from blocked_reads_pipes() in the parent) until the parent's
 * blocked_reads_release(): then each completes once, with 1, or the
 * child fails.  Says ready once all eight are submitted; exits.
 */
static __attribute__((noreturn)) void blocked_reads_child(int pfd[8][2],
							 int ready[2])
{
	static struct syslet_uatom a[8];
	static long ret[8];
	static char buf[8];
	struct syslet_ring r;
	unsigned long fd[8], p, one = 1;
	struct syslet_uatom *done;
	int seen = 0, k;

	setup(&r, 16);
	for (k = 0; k < 8; k++) {
		fd[k] = pfd[k][0];
		p = (unsigned long)&buf[k];
		ret[k] = 12345;
		syslet_atom(&a[k], SYS_read, SYSLET_ASYNC, &ret[k], NULL,
			    A(fd[k]), A(p), A(one), NULL);
		submit(&r, &a[k]);
	}
	say_ready(ready);
	for (k = 0; k < 8; k++) {
		done = reap_bounded(&r, 15);
		CHECK(done >= a && done < a + 8);
		CHECK(!(seen & (1 << (done - a))));
		seen |= 1 << (done - a);
	}
	for (k = 0; k < 8; k++)
		CHECK_EQ(ret[k], 1);
	exit(0);
}

static void blocked_reads_pipes(int pfd[8][2])
{
	int i;

	for (i = 0; i < 8; i++)
		CHECK(pipe(pfd[i]) == 0);
}

static void blocked_reads_release(int pfd[8][2])
{
	int i;

	for (i = 0; i < 8; i++)
		CHECK(write(pfd[i][1], "x", 1) == 1);
}

/* The lowest free fd (nothing may appear there). */
static int free_fd(void)
{
	int fd = fcntl(0, F_DUPFD, 0);

	if (fd < 0)
		fd = open("/dev/null", O_RDONLY);
	CHECK(fd >= 0);
	close(fd);
	return fd;
}

static void check_fd_free(int fd)
{
	if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
		FAIL("fd %d was opened", fd);
}

/* --- seccomp ------------------------------------------------------------ */

/* openat fails with EPERM, everything else is allowed. */
static void seccomp_deny_openat(void)
{
	seccomp_deny(__NR_openat);
	/* The filter holds for the process's own openat. */
	CHECK(open("/dev/null", O_RDONLY) == -1 && errno == EPERM);
}

#define SECCOMP_FILE	"/tmp/iso-seccomp"

static void make_seccomp_file(void)
{
	int fd = open(SECCOMP_FILE, O_RDWR | O_CREAT | O_TRUNC, 0644);

	CHECK(fd >= 0);
	close(fd);
}

static void seccomp_register_child(void)
{
	static unsigned long slots[8];
	static struct syslet_uatom a;
	static char path[] = SECCOMP_FILE;
	struct async_head_user ahu = { (void *)slots, sizeof(slots), -1UL };
	struct syslet_exec_call ec;
	unsigned long dirfd = AT_FDCWD, p = (unsigned long)path;
	unsigned long flags = O_RDONLY;
	long ret = 12345;
	int fd = open("/dev/syslet", O_RDWR);

	CHECK(fd >= 0);
	make_seccomp_file();
	seccomp_deny_openat();
	/* CHECK, not CHECK_EQ: its errno (EOPNOTSUPP without workers) is shown. */
	CHECK(ioctl(fd, SYSLET_IOC_REGISTER, &ahu) == 0);
	/* The openat, a native op, is handed to the caller to make. */
	syslet_atom(&a, SYS_openat, 0, &ret, NULL, A(dirfd), A(p), A(flags),
		    NULL);
	memset(&ec, 0, sizeof(ec));
	ec.atom = (unsigned long)&a;
	CHECK_EQ(ioctl(fd, SYSLET_IOC_EXEC_CALL, &ec), SYSLET_EXEC_NEED_CALL);
	CHECK_EQ(ec.nr, SYS_openat);
	CHECK_EQ(ret, 12345);
}

/*
 * A process under a seccomp filter registers a context, and its system
 * call atoms are given back to it to make (SYSLET_IOC_EXEC_CALL).
 */
static int t_seccomp_register(void)
{
	in_child(seccomp_register_child, 10, "seccomp-register child");
	return 0;
}

static void seccomp_exec_child(void)
{
	static struct syslet_uatom a;
	static char path[] = SECCOMP_FILE;
	struct syslet_ring r;
	struct syslet_exec ex = { .atom = (unsigned long)&a };
	unsigned long dirfd = AT_FDCWD, p = (unsigned long)path;
	unsigned long flags = O_RDONLY;
	long ret = 12345;
	int probe;

	make_seccomp_file();
	setup(&r, 8);
	syslet_atom(&a, SYS_openat, 0, &ret, NULL, A(dirfd), A(p), A(flags), NULL);
	probe = free_fd();
	seccomp_deny_openat();
	CHECK_EQ(ioctl(r.fd, SYSLET_IOC_EXEC, &ex), -1);
	CHECK_EQ(errno, EPERM);
	CHECK_EQ(ret, 12345);
	check_fd_free(probe);
}

/* Registered before the filter: EXEC is refused once it is installed. */
static int t_seccomp_exec(void)
{
	in_child(seccomp_exec_child, 10, "seccomp-exec child");
	return 0;
}

/*
 * A chain blocked in read() when the filter comes: its openat, after the
 * read, fails with EPERM (or, with allow_confined, runs).
 */
static void seccomp_running(bool allowed)
{
	static struct syslet_uatom a[2];
	static char path[] = SECCOMP_FILE, buf[4];
	struct syslet_ring r;
	unsigned long rfd, p = (unsigned long)buf, one = 1;
	unsigned long dirfd = AT_FDCWD, pp = (unsigned long)path;
	unsigned long flags = O_RDONLY;
	long ret[2] = { 12345, 12345 };
	int pfd[2], probe;

	make_seccomp_file();
	CHECK(pipe(pfd) == 0);
	rfd = pfd[0];
	setup(&r, 8);
	syslet_atom(&a[0], SYS_read, SYSLET_ASYNC, &ret[0], &a[1],
		    A(rfd), A(p), A(one), NULL);
	syslet_atom(&a[1], SYS_openat, 0, &ret[1], NULL,
		    A(dirfd), A(pp), A(flags), NULL);
	submit(&r, &a[0]);
	syslet_sleep_ms(200);
	probe = free_fd();
	seccomp_deny_openat();
	CHECK(write(pfd[1], "x", 1) == 1);
	CHECK(reap_bounded(&r, 10) == &a[1]);
	CHECK_EQ(ret[0], 1);
	if (allowed) {
		CHECK(ret[1] >= 0);
	} else {
		CHECK_EQ(ret[1], -EPERM);
		check_fd_free(probe);
	}
}

static void seccomp_running_child(void)
{
	seccomp_running(false);
}

static void seccomp_allowed_child(void)
{
	seccomp_running(true);
}

static int t_seccomp_running(void)
{
	in_child(seccomp_running_child, 15, "seccomp-running child");
	return 0;
}

static int t_seccomp_allowed(void)
{
	param_set("allow_confined", "Y");
	in_child(seccomp_allowed_child, 15, "seccomp-allowed child");
	params_restore();
	return 0;
}

/*
 * --- a filter from another thread (TSYNC) ----------------------------------
 *
 * A chain in the caller's own synchronous phase, blocked in a
 * SYSLET_SYNC read, when another thread installs a filter for the whole
 * process: the openat after the read is not run natively (the caller is
 * confined now); it gets -EPERM and the chain ends there.
 */
static int tsync_pipe[2];

static void *tsync_fn(void *arg)
{
	syslet_sleep_ms(200);
	seccomp_deny_set((unsigned long[]){ __NR_openat }, 1, true);
	CHECK(open("/dev/null", O_RDONLY) == -1 && errno == EPERM);
	CHECK(write(tsync_pipe[1], "x", 1) == 1);
	return NULL;
}

static void seccomp_sync_child(void)
{
	static struct syslet_uatom a[3];
	static char path[] = SECCOMP_FILE, buf[4];
	struct syslet_uatom *done = NULL;
	struct syslet_ring r;
	unsigned long rfd, p = (unsigned long)buf, one = 1;
	unsigned long dirfd = AT_FDCWD, pp = (unsigned long)path;
	unsigned long flags = O_RDONLY;
	long ret[3] = { 12345, 12345, 12345 };
	pthread_t th;
	int probe, rc;

	make_seccomp_file();
	CHECK(pipe(tsync_pipe) == 0);
	rfd = tsync_pipe[0];
	setup(&r, 8);
	syslet_atom(&a[0], SYS_read, SYSLET_SYNC, &ret[0], &a[1],
		    A(rfd), A(p), A(one), NULL);
	syslet_atom(&a[1], SYS_openat, SYSLET_SYNC, &ret[1], &a[2],
		    A(dirfd), A(pp), A(flags), NULL);
	syslet_atom(&a[2], SYSLET_NR_NOP, 0, &ret[2], NULL, NULL);
	probe = free_fd();
	CHECK(pthread_create(&th, NULL, tsync_fn, NULL) == 0);
	rc = syslet_exec(&r, &a[0], &done);
	CHECK(pthread_join(th, NULL) == 0);
	if (rc != 1)
		FAIL("SYSLET_IOC_EXEC returned %d, expected 1 (ended in the caller)",
		     rc);
	CHECK_EQ(ret[0], 1);
	if (ret[1] != -EPERM)
		FAIL("the openat after a TSYNC filter returned %ld, expected -EPERM",
		     ret[1]);
	check_fd_free(probe);
	CHECK(done == &a[1]);
	CHECK_EQ(ret[2], 12345);
}

static int t_seccomp_sync_tsync(void)
{
	in_child(seccomp_sync_child, 15, "seccomp-sync-tsync child");
	return 0;
}

/*
 * A chain whose submitting thread has exited: a thread that is gone gets
 * no filter from TSYNC and no new credentials, so its chain must not go
 * on with what it had.  The thread submits a chain that waits in a read
 * of a pipe, then exits; the process installs a filter (TSYNC) and
 * writes to the pipe: the chain is cancelled (-ECANCELED at the atom it
 * waited in, or at the next if the read had begun), and its openat never
 * runs.
 */
static struct syslet_ring exit_ring;
static struct syslet_uatom exit_atoms[2], exit_loop;
static long exit_ret[2] = { 12345, 12345 }, exit_loop_ret = 12345;
static long exit_counter;
static int exit_pipe[2];

static void *exit_submit_fn(void *arg)
{
	static char path[] = SECCOMP_FILE, buf[4];
	static unsigned long rfd, p, one = 1, dirfd = AT_FDCWD, pp, flags;

	rfd = exit_pipe[0];
	p = (unsigned long)buf;
	pp = (unsigned long)path;
	flags = O_RDONLY;
	syslet_atom(&exit_atoms[0], SYS_read, SYSLET_ASYNC, &exit_ret[0],
		    &exit_atoms[1], A(rfd), A(p), A(one), NULL);
	syslet_atom(&exit_atoms[1], SYS_openat, 0, &exit_ret[1], NULL,
		    A(dirfd), A(pp), A(flags), NULL);
	submit(&exit_ring, &exit_atoms[0]);
	return NULL;
}

/* An endless loop that never waits: it must end too. */
static void *exit_loop_fn(void *arg)
{
	static unsigned long ptr, inc = 1;

	ptr = (unsigned long)&exit_counter;
	syslet_atom(&exit_loop, SYSLET_NR_UMEM_ADD, SYSLET_ASYNC,
		    &exit_loop_ret, &exit_loop, A(ptr), A(inc), NULL);
	submit(&exit_ring, &exit_loop);
	while (!__atomic_load_n(&exit_counter, __ATOMIC_RELAXED))
		syslet_sleep_ms(1);
	return NULL;
}

static void submitter_exit_child(void)
{
	struct syslet_uatom *done;
	pthread_t th;
	int probe;

	make_seccomp_file();
	CHECK(pipe(exit_pipe) == 0);
	setup(&exit_ring, 8);
	CHECK(pthread_create(&th, NULL, exit_loop_fn, NULL) == 0);
	CHECK(pthread_join(th, NULL) == 0);
	if (reap_bounded(&exit_ring, 10) != &exit_loop)
		FAIL("a completion other than the loop's");
	if (exit_loop_ret != -ECANCELED)
		FAIL("the loop of a thread that exited ended with %ld, expected -ECANCELED",
		     exit_loop_ret);
	CHECK(pthread_create(&th, NULL, exit_submit_fn, NULL) == 0);
	CHECK(pthread_join(th, NULL) == 0);
	syslet_sleep_ms(200);
	probe = free_fd();
	seccomp_deny_set((unsigned long[]){ __NR_openat }, 1, true);
	CHECK(write(exit_pipe[1], "x", 1) == 1);
	done = reap_bounded(&exit_ring, 10);
	check_fd_free(probe);
	if (exit_ret[1] != 12345 && exit_ret[1] != -ECANCELED)
		FAIL("the chain of a thread that exited ran its openat: %ld",
		     exit_ret[1]);
	if (done == &exit_atoms[0])
		CHECK_EQ(exit_ret[0], -ECANCELED);
	else if (done == &exit_atoms[1])
		CHECK(exit_ret[0] == 1 && exit_ret[1] == -ECANCELED);
	else
		FAIL("completion %p, not one of the chain's atoms", done);
}

static int t_submitter_exit(void)
{
	in_child(submitter_exit_child, 15, "submitter-exit child");
	return 0;
}

/*
 * A process made with clone(CLONE_VM | CLONE_FILES), not a thread, has
 * the owner's memory and file table but is not of its thread group: it
 * may not EXEC (its workers would be its own threads, in its cgroups and
 * namespaces), WAIT or CANCEL.
 */
static struct syslet_ring sib_ring;

static int not_thread_fn(void *arg)
{
	static struct syslet_uatom a;
	long ret = 12345;
	int rc;

	syslet_atom(&a, SYSLET_NR_NOP, 0, &ret, NULL, NULL);
	rc = syslet_exec(&sib_ring, &a, NULL);
	if (rc != -EPERM) {
		fprintf(stderr, "EXEC from a CLONE_VM | CLONE_FILES process: %d, expected -EPERM\n",
			rc);
		return 1;
	}
	if (ret != 12345)
		return 2;
	rc = (int)syslet_wait(&sib_ring, 0);
	if (rc != -EPERM) {
		fprintf(stderr, "WAIT from a CLONE_VM | CLONE_FILES process: %d, expected -EPERM\n",
			rc);
		return 3;
	}
	return 0;
}

static void owner_not_thread_child(void)
{
	static struct syslet_uatom a;
	long ret = 12345;
	char *stack;
	pid_t pid;
	int st;

	setup(&sib_ring, 8);
	stack = mmap(NULL, 65536, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(stack != MAP_FAILED);
	pid = clone(not_thread_fn, stack + 65536,
		    CLONE_VM | CLONE_FILES | SIGCHLD, NULL);
	CHECK(pid > 0);
	CHECK(waitpid(pid, &st, 0) == pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		FAIL("the CLONE_VM | CLONE_FILES process was let in (status %#x)",
		     st);
	/* The owner itself still may. */
	syslet_atom(&a, SYSLET_NR_NOP, 0, &ret, NULL, NULL);
	CHECK_EQ(syslet_exec(&sib_ring, &a, NULL), 1);
	CHECK_EQ(ret, 0);
}

static int t_owner_not_thread(void)
{
	in_child(owner_not_thread_child, 15, "owner-not-thread child");
	return 0;
}

/* --- cgroups ------------------------------------------------------------ */

/*
 * cgroup2 at /sys/fs/cgroup with cpu, memory and pids enabled for the
 * children of the root; skip if this kernel lacks cgroup2 or @ctrl.
 */
static void cg_setup(const char *ctrl)
{
	static const char *const all[] = { "cpu", "memory", "pids" };
	char buf[512], word[32];
	struct statfs sf;
	size_t i;
	int ret;

	if (statfs(CGROOT, &sf) || sf.f_type != CGROUP2_SUPER_MAGIC) {
		if (mount("cgroup2", CGROOT, "cgroup2", 0, NULL)) {
			if (errno == ENODEV) {
				fprintf(stderr, "no cgroup2 in this kernel\n");
				exit(SKIP);
			}
			FAIL("mount cgroup2 on %s: %s", CGROOT, strerror(errno));
		}
	}
	CHECK_EQ(read_str(CGROOT "/cgroup.controllers", buf, sizeof(buf)), 0);
	snprintf(word, sizeof(word), " %s ", ctrl);
	memmove(buf + 1, buf, strlen(buf) + 1);
	buf[0] = ' ';
	strcat(buf, " ");
	if (!strstr(buf, word)) {
		fprintf(stderr, "no %s controller (have:%s)\n", ctrl, buf);
		exit(SKIP);
	}
	for (i = 0; i < ARRAY_SIZE(all); i++) {
		snprintf(word, sizeof(word), " %s ", all[i]);
		if (!strstr(buf, word))
			continue;
		snprintf(word, sizeof(word), "+%s", all[i]);
		ret = write_str(CGROOT "/cgroup.subtree_control", word);
		if (ret && !strcmp(all[i], ctrl))
			FAIL("enabling %s: %s", word, strerror(-ret));
	}
}

/* A fresh cgroup @name (removed at exit); its path in @path. */
static void cg_make(const char *name, char *path, size_t len)
{
	size_t i;

	snprintf(path, len, CGROOT "/%s", name);
	rmdir(path);		/* left over from an earlier run */
	if (mkdir(path, 0755))
		FAIL("mkdir %s: %s", path, strerror(errno));
	for (i = 0; i < ARRAY_SIZE(cgroups); i++) {
		if (!cgroups[i][0]) {
			snprintf(cgroups[i], sizeof(cgroups[i]), "%s", path);
			break;
		}
	}
}

static void cg_write(const char *cg, const char *file, const char *val)
{
	char path[256];
	int ret;

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	ret = write_str(path, val);
	if (ret)
		FAIL("writing \"%s\" to %s: %s", val, path, strerror(-ret));
}

static long cg_read(const char *cg, const char *file)
{
	char path[256], buf[64];

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	if (read_str(path, buf, sizeof(buf)))
		FAIL("reading %s: %s", path, strerror(errno));
	return strtol(buf, NULL, 10);
}

/* A key's value in a flat-keyed file such as cpu.stat. */
static long cg_stat(const char *cg, const char *file, const char *key)
{
	char path[256], buf[1024], *p;
	size_t klen = strlen(key);

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	if (read_str(path, buf, sizeof(buf)))
		FAIL("reading %s: %s", path, strerror(errno));
	for (p = buf; p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, key, klen) && p[klen] == ' ')
			return strtol(p + klen + 1, NULL, 10);
	FAIL("no %s in %s", key, path);
}

/* Move the calling process into @cg. */
static void cg_enter(const char *cg)
{
	char pid[16];

	snprintf(pid, sizeof(pid), "%d", getpid());
	cg_write(cg, "cgroup.procs", pid);
}

/*
 * Eight endless NOP loops of a process in a cgroup limited to 10% of a
 * CPU: their CPU time is charged to that cgroup, and held to the quota.
 * SIGKILL ends the process (and its loops) at once.
 */
static int t_cgroup_cpu(void)
{
	char cg[128];
	long u0, u1, d, limit;
	double t0, t1;
	int ready[2];
	pid_t pid;

	cg_setup("cpu");
	cg_make("sysl-cpu", cg, sizeof(cg));
	cg_write(cg, "cpu.max", "10000 100000");
	CHECK(pipe(ready) == 0);
	pid = fork();
	CHECK(pid >= 0);
	if (!pid) {
		static struct syslet_uatom a[8];
		struct syslet_ring r;
		int i;

		cg_enter(cg);
		setup(&r, 16);
		for (i = 0; i < 8; i++) {
			syslet_atom(&a[i], SYSLET_NR_NOP, SYSLET_ASYNC, NULL,
				    &a[i], NULL);
			submit(&r, &a[i]);
		}
		park_ready(ready);
	}
	track(pid);
	wait_ready(ready, pid, 10);
	u0 = cg_stat(cg, "cpu.stat", "usage_usec");
	t0 = syslet_now();
	syslet_sleep_ms(2000);
	u1 = cg_stat(cg, "cpu.stat", "usage_usec");
	t1 = syslet_now();
	d = u1 - u0;
	/* 10% of the time, with room for a period's burst and slow clocks. */
	limit = (long)((t1 - t0) * 250000);
	if (limit < 500000)
		limit = 500000;
	fprintf(stderr, "%s: usage_usec grew by %ld us in %.2f s\n",
		cg, d, t1 - t0);
	if (d < 50000)
		FAIL("the loops' CPU time is not charged to %s (%ld us < 50 ms)",
		     cg, d);
	if (d > limit)
		FAIL("cpu.max not enforced on the loops (%ld us > %ld us)",
		     d, limit);
	kill_reaped_within(pid, 1);
	cleanup();
	return 0;
}

#define MIB	(1024 * 1024)

static void cgroup_memory_child(void)
{
	static struct syslet_uatom a;
	char cg[] = CGROOT "/sysl-mem";
	struct syslet_ring r;
	unsigned long wfd, p, len = MIB;
	long ret = 12345, m0, m1;
	int pfd[2];
	char *buf;

	cg_enter(cg);
	CHECK(pipe(pfd) == 0);
	CHECK(fcntl(pfd[1], F_SETPIPE_SZ, MIB) >= MIB);
	buf = malloc(MIB);
	CHECK(buf);
	memset(buf, 'm', MIB);
	p = (unsigned long)buf;
	wfd = pfd[1];
	setup(&r, 8);
	syslet_atom(&a, SYS_write, SYSLET_ASYNC, &ret, NULL,
		    A(wfd), A(p), A(len), NULL);
	m0 = cg_read(cg, "memory.current");
	submit(&r, &a);
	CHECK(reap_bounded(&r, 10) == &a);
	CHECK_EQ(ret, MIB);
	m1 = cg_read(cg, "memory.current");
	fprintf(stderr, "%s: memory.current %ld -> %ld (+%ld KiB)\n",
		cg, m0, m1, (m1 - m0) / 1024);
	if (m1 - m0 < 512 * 1024)
		FAIL("the pipe's 1 MiB is not charged to %s", cg);
}

/* The pipe buffers an async write allocates are charged to the cgroup. */
static int t_cgroup_memory(void)
{
	char cg[128];

	cg_setup("memory");
	cg_make("sysl-mem", cg, sizeof(cg));
	in_child(cgroup_memory_child, 15, "cgroup-memory child");
	cleanup();
	return 0;
}

/*
 * A cgroup that allows 3 tasks besides the process: its workers count
 * against pids.max and stay under it, yet none of 8 chains blocked at
 * once is lost.
 */
static int t_cgroup_pids(void)
{
	static int pfd[8][2];
	char cg[128];
	long max;
	int ready[2], n, w;
	pid_t pid;

	cg_setup("pids");
	cg_make("sysl-pids", cg, sizeof(cg));
	blocked_reads_pipes(pfd);
	CHECK(pipe(ready) == 0);
	pid = fork();
	CHECK(pid >= 0);
	if (!pid) {
		char val[32];

		cg_enter(cg);
		snprintf(val, sizeof(val), "%ld",
			 cg_read(cg, "pids.current") + 3);
		cg_write(cg, "pids.max", val);
		blocked_reads_child(pfd, ready);
	}
	track(pid);
	wait_ready(ready, pid, 10);
	syslet_sleep_ms(500);
	max = cg_read(cg, "pids.max");
	n = count_threads(pid, &w);
	fprintf(stderr, "%s: pids.max %ld, pids.current %ld; the process has %d threads, %d syslet_worker\n",
		cg, max, cg_read(cg, "pids.current"), n, w);
	if (n > max)
		FAIL("%d threads > pids.max %ld", n, max);
	if (w < 1)
		FAIL("no syslet_worker thread in the process: the blocked chains run outside its cgroup");
	blocked_reads_release(pfd);
	child_ok(pid, 20, "cgroup-pids child");
	cleanup();
	return 0;
}

/* --- death of the owner ------------------------------------------------- */

struct shared {
	long counter;
	pid_t pid;
};

static int sibling_fn(void *arg)
{
	for (;;)
		pause();
	return 0;
}

/*
 * Endless chains adding to a counter, in a process whose file table a
 * sibling process shares (so the device file outlives the process): they
 * stop when the process is killed.
 */
static int t_kill_clone_files(void)
{
	struct shared *sh;
	int ready[2];
	long c0, c1, c2;
	double t, kill_t;
	pid_t pid, sib;

	sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(sh != MAP_FAILED);
	CHECK(pipe(ready) == 0);
	pid = fork();
	CHECK(pid >= 0);
	if (!pid) {
		static struct syslet_uatom a[4];
		unsigned long ptr = (unsigned long)&sh->counter, inc = 1;
		struct syslet_ring r;
		char *stack;
		int i;

		stack = mmap(NULL, 65536, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		CHECK(stack != MAP_FAILED);
		sh->pid = clone(sibling_fn, stack + 65536, CLONE_FILES | SIGCHLD,
				NULL);
		CHECK(sh->pid > 0);
		setup(&r, 8);
		for (i = 0; i < 4; i++) {
			syslet_atom(&a[i], SYSLET_NR_UMEM_ADD, SYSLET_ASYNC, NULL,
				    &a[i], A(ptr), A(inc), NULL);
			submit(&r, &a[i]);
		}
		park_ready(ready);
	}
	track(pid);
	wait_ready(ready, pid, 10);
	sib = sh->pid;
	track(sib);
	c0 = __atomic_load_n(&sh->counter, __ATOMIC_RELAXED);
	t = syslet_now();
	while (__atomic_load_n(&sh->counter, __ATOMIC_RELAXED) == c0) {
		if (syslet_now() > t + 5)
			FAIL("the loops do not run: the counter stays at %ld", c0);
		syslet_sleep_ms(10);
	}
	kill_t = syslet_now();
	kill_reaped_within(pid, 1);
	t = kill_t + 1 - syslet_now();
	if (t > 0)
		syslet_sleep_ms((long)(t * 1000));
	c1 = __atomic_load_n(&sh->counter, __ATOMIC_RELAXED);
	syslet_sleep_ms(200);
	c2 = __atomic_load_n(&sh->counter, __ATOMIC_RELAXED);
	fprintf(stderr, "counter: %ld before; %ld and %ld 1 s and 1.2 s after SIGKILL\n",
		c0, c1, c2);
	if (c2 != c1)
		FAIL("the chains outlive their killed process (+%ld in 200 ms)",
		     c2 - c1);
	CHECK(kill(sib, SIGKILL) == 0);
	if (reap_within(sib, 5) == -1)
		FAIL("the sibling (pid %d) was not reaped", sib);
	return 0;
}

/* --- identity ----------------------------------------------------------- */

static void tty_sigttin_child(const char *slave, int master)
{
	struct syslet_ring r;
	static struct syslet_uatom a;
	static char buf[64];
	unsigned long fd, p = (unsigned long)buf, len = sizeof(buf);
	long ret = 12345;
	double end;
	int s, n = 0;
	pid_t gc;

	CHECK(setsid() > 0);
	s = open(slave, O_RDWR);	/* the controlling tty now */
	CHECK(s >= 0);
	CHECK(tcsetpgrp(s, getpid()) == 0);
	CHECK(write(master, "secret\n", 7) == 7);
	gc = fork();
	CHECK(gc >= 0);
	if (gc) {
		int st = reap_within(gc, 20);

		if (st == -1)
			FAIL("the background process still runs after 20 s");
		CHECK(WIFEXITED(st));
		exit(WEXITSTATUS(st));
	}
	/* The grandchild: a background process group of the session. */
	CHECK(setpgid(0, 0) == 0);
	CHECK(signal(SIGTTIN, SIG_IGN) != SIG_ERR);
	CHECK(tcgetpgrp(s) != getpgrp());
	end = syslet_now() + 5;
	while (ioctl(s, FIONREAD, &n) == 0 && n < 7) {
		if (syslet_now() > end)
			FAIL("the line is not in the tty's input queue (%d bytes)", n);
		syslet_sleep_ms(5);
	}
	CHECK_EQ(n, 7);
	CHECK_EQ(read(s, buf, sizeof(buf)), -1);
	CHECK_EQ(errno, EIO);
	fd = s;
	setup(&r, 8);
	syslet_atom(&a, SYS_read, SYSLET_ASYNC, &ret, NULL,
		    A(fd), A(p), A(len), NULL);
	submit(&r, &a);
	CHECK(reap_bounded(&r, 10) == &a);
	if (ret != -EIO)
		FAIL("the async read of the tty from the background returned %ld%s, expected -EIO",
		     ret, ret == 7 ? " (the line: job control bypassed)" : "");
	exit(0);
}

/* A background process's async read of its tty fails as read(2) does. */
static int t_tty_sigttin(void)
{
	char slave[64];
	int m;
	pid_t pid;

	m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0) {
		/* The test VM's /dev is a bare devtmpfs: mount devpts. */
		mkdir("/dev/pts", 0755);
		if (mount("devpts", "/dev/pts", "devpts", 0,
			  "ptmxmode=0666,mode=0620"))
			fprintf(stderr, "mount devpts: %s\n", strerror(errno));
		m = posix_openpt(O_RDWR | O_NOCTTY);
	}
	if (m < 0) {
		fprintf(stderr, "no pty: %s\n", strerror(errno));
		return SKIP;
	}
	CHECK(grantpt(m) == 0 && unlockpt(m) == 0);
	CHECK(ptsname_r(m, slave, sizeof(slave)) == 0);
	pid = fork();
	CHECK(pid >= 0);
	if (!pid)
		tty_sigttin_child(slave, m);
	track(pid);
	child_ok(pid, 30, "tty-sigttin session");
	close(m);
	return 0;
}

static void uts_child(void)
{
	static struct syslet_uatom a;
	static char buf[128];
	struct syslet_ring r;
	unsigned long fd, p = (unsigned long)buf, len = sizeof(buf) - 1, zero = 0;
	long ret = 12345;

	CHECK(unshare(CLONE_NEWUTS) == 0);
	CHECK(sethostname("syslet-inner", 12) == 0);
	fd = open("/proc/sys/kernel/hostname", O_RDONLY);
	CHECK((long)fd >= 0);
	setup(&r, 8);
	syslet_atom(&a, SYS_pread64, SYSLET_ASYNC, &ret, NULL,
		    A(fd), A(p), A(len), A(zero), NULL);
	submit(&r, &a);
	CHECK(reap_bounded(&r, 10) == &a);
	if (ret != 13 || memcmp(buf, "syslet-inner\n", 13))
		FAIL("the async read of /proc/sys/kernel/hostname returned %ld: \"%.*s\", expected \"syslet-inner\\n\"",
		     ret, ret > 0 ? (int)ret : 0, buf);
}

/* A chain sees the submitter's UTS namespace. */
static int t_uts_hostname(void)
{
	in_child(uts_child, 15, "uts-hostname child");
	return 0;
}

/* A datagram an async write sends carries the process's pid and ids. */
static int t_scm_credentials(void)
{
	static struct syslet_uatom a;
	static char x = 'x';
	char cbuf[CMSG_SPACE(sizeof(struct ucred))], in;
	struct iovec iov = { &in, 1 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	unsigned long fd, p = (unsigned long)&x, one = 1;
	struct syslet_ring r;
	struct cmsghdr *cm;
	struct ucred uc;
	long ret = 12345;
	int sv[2], on = 1;

	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
	CHECK(setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) == 0);
	fd = sv[0];
	setup(&r, 8);
	syslet_atom(&a, SYS_write, SYSLET_ASYNC, &ret, NULL,
		    A(fd), A(p), A(one), NULL);
	submit(&r, &a);
	CHECK(reap_bounded(&r, 10) == &a);
	CHECK_EQ(ret, 1);
	CHECK_EQ(recvmsg(sv[1], &mh, MSG_DONTWAIT), 1);
	cm = CMSG_FIRSTHDR(&mh);
	CHECK(cm && cm->cmsg_level == SOL_SOCKET &&
	      cm->cmsg_type == SCM_CREDENTIALS);
	memcpy(&uc, CMSG_DATA(cm), sizeof(uc));
	fprintf(stderr, "SCM_CREDENTIALS: pid %d uid %d gid %d; the process: pid %d uid %d gid %d\n",
		uc.pid, uc.uid, uc.gid, getpid(), getuid(), getgid());
	CHECK_EQ(uc.pid, getpid());
	CHECK_EQ(uc.uid, getuid());
	CHECK_EQ(uc.gid, getgid());
	return 0;
}

/* --- per-thread credentials --------------------------------------------- */

#define ROOT_FILE	"/tmp/iso-root-only"

static struct syslet_ring thr_ring;

static void *thread_creds_fn(void *arg)
{
	static struct syslet_uatom a;
	static char path[] = ROOT_FILE;
	unsigned long dirfd = AT_FDCWD, p = (unsigned long)path;
	unsigned long flags = O_RDONLY;
	long ret = 12345;

	/* The raw system call: this thread's credentials only. */
	CHECK(syscall(SYS_setresuid, 65534, 65534, 65534) == 0);
	CHECK(open(ROOT_FILE, O_RDONLY) == -1 && errno == EACCES);
	syslet_atom(&a, SYS_openat, SYSLET_ASYNC, &ret, NULL,
		    A(dirfd), A(p), A(flags), NULL);
	submit(&thr_ring, &a);
	CHECK(reap_bounded(&thr_ring, 10) == &a);
	if (ret != -EACCES)
		FAIL("the async openat of a thread with uid 65534 returned %ld, expected -EACCES",
		     ret);
	return NULL;
}

static void thread_creds_child(void)
{
	static struct syslet_uatom a;
	pthread_t th;
	int fd;

	fd = open(ROOT_FILE, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0);
	CHECK(fchown(fd, 0, 0) == 0 && fchmod(fd, 0600) == 0);
	close(fd);
	/* Registered by the root thread, which also runs a chain first. */
	setup(&thr_ring, 8);
	syslet_atom(&a, SYSLET_NR_NOP, SYSLET_ASYNC, NULL, NULL, NULL);
	submit(&thr_ring, &a);
	CHECK(reap_bounded(&thr_ring, 10) == &a);
	CHECK(pthread_create(&th, NULL, thread_creds_fn, NULL) == 0);
	CHECK(pthread_join(th, NULL) == 0);
	CHECK_EQ(getuid(), 0);
}

/* A chain runs with the credentials of the thread that submitted it. */
static int t_thread_creds(void)
{
	in_child(thread_creds_child, 20, "thread-creds child");
	unlink(ROOT_FILE);
	return 0;
}

/*
 * --- one worker, chains of two identities back to back --------------------
 *
 * A worker keeps a chain's credentials for the next chain while they are
 * the same; one of another thread must still run with its own.
 */
static struct syslet_ring sw_ring;
static unsigned long sw_efd;

struct sw_chain {
	struct syslet_uatom a[2];
	unsigned long pbuf, len, dirfd, path, flags;
	uint64_t buf;
	long rret, ret;
};

/*
 * Submit openat(ROOT_FILE) asynchronously, after a read of sw_efd that
 * holds the one worker if @hold.
 */
static void sw_submit(struct sw_chain *c, bool hold)
{
	static char path[] = ROOT_FILE;

	c->pbuf = (unsigned long)&c->buf;
	c->len = sizeof(c->buf);
	c->dirfd = AT_FDCWD;
	c->path = (unsigned long)path;
	c->flags = O_RDONLY;
	c->rret = 12345;
	c->ret = 12345;
	syslet_atom(&c->a[0], SYS_read, SYSLET_ASYNC, &c->rret, &c->a[1],
		    A(sw_efd), A(c->pbuf), A(c->len), NULL);
	syslet_atom(&c->a[1], SYS_openat, hold ? 0 : SYSLET_ASYNC, &c->ret,
		    NULL, A(c->dirfd), A(c->path), A(c->flags), NULL);
	submit(&sw_ring, hold ? &c->a[0] : &c->a[1]);
}

static struct sw_chain sw_nobody, sw_root;
static int sw_submitted[2], sw_leave[2];

/*
 * Submits nobody's chain, then stays until told to leave: a chain whose
 * submitting thread exits is cancelled (submitter-exit).
 */
static void *sw_thread_fn(void *arg)
{
	char c;

	/* The raw system call: this thread's credentials only. */
	CHECK(syscall(SYS_setresuid, 65534, 65534, 65534) == 0);
	sw_submit(&sw_nobody, arg != NULL);
	CHECK(write(sw_submitted[1], "s", 1) == 1);
	CHECK(read(sw_leave[0], &c, 1) == 1);
	return NULL;
}

static void cred_switch_child(void)
{
	static struct syslet_uatom nop;
	uint64_t one = 1;
	pthread_t th;
	int k, fd;

	fd = open(ROOT_FILE, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0);
	CHECK(fchown(fd, 0, 0) == 0 && fchmod(fd, 0600) == 0);
	close(fd);
	sw_efd = eventfd(0, EFD_CLOEXEC);
	CHECK((long)sw_efd >= 0);
	/* One worker, made by this (root) thread. */
	CHECK(syslet_setup(&sw_ring, 8, 1) == 0);
	syslet_atom(&nop, SYSLET_NR_NOP, SYSLET_ASYNC, NULL, NULL, NULL);
	submit(&sw_ring, &nop);
	CHECK(reap_bounded(&sw_ring, 10) == &nop);
	CHECK(pipe(sw_submitted) == 0 && pipe(sw_leave) == 0);
	for (k = 0; k < 2; k++) {
		char c;

		/* k = 0: nobody's chain holds the worker; 1: root's does. */
		if (k)
			sw_submit(&sw_root, true);
		CHECK(pthread_create(&th, NULL, sw_thread_fn,
				     k ? NULL : &k) == 0);
		CHECK(read(sw_submitted[0], &c, 1) == 1);
		if (!k)
			sw_submit(&sw_root, false);
		CHECK(write(sw_efd, &one, sizeof(one)) == sizeof(one));
		CHECK(reap_bounded(&sw_ring, 10));
		CHECK(reap_bounded(&sw_ring, 10));
		CHECK(write(sw_leave[1], "l", 1) == 1);
		CHECK(pthread_join(th, NULL) == 0);
		if (sw_nobody.ret != -EACCES)
			FAIL("case %d: uid 65534's openat returned %ld, expected -EACCES",
			     k, sw_nobody.ret);
		if (sw_root.ret < 0)
			FAIL("case %d: root's openat returned %ld, expected an fd",
			     k, sw_root.ret);
		close(sw_root.ret);
		CHECK_EQ(k ? sw_root.rret : sw_nobody.rret, 8);
	}
}

/*
 * Chains of two threads with different credentials, run back to back by
 * the context's one worker, each with its own, in both orders.
 */
static int t_cred_switch(void)
{
	in_child(cred_switch_child, 20, "cred-switch child");
	unlink(ROOT_FILE);
	return 0;
}

#define ID_DIR	"/tmp/iso-ident"

/* Submit openat(AT_FDCWD, @path, @flags, 0666) async and reap it. */
static long ident_openat(struct syslet_ring *r, const char *path,
			 unsigned long flags)
{
	static struct syslet_uatom a;
	unsigned long dirfd = AT_FDCWD, p = (unsigned long)path, mode = 0666;
	long ret = 12345;

	syslet_atom(&a, SYS_openat, SYSLET_ASYNC, &ret, NULL,
		    A(dirfd), A(p), A(flags), A(mode), NULL);
	submit(r, &a);
	CHECK(reap_bounded(r, 10) == &a);
	return ret;
}

/*
 * Submit chain @k of @hold: a read of @efd that blocks in its worker, so
 * that the identity it was submitted with stays in use (and is the one
 * the next chain is compared with).
 */
static void ident_hold(struct syslet_ring *r, struct syslet_uatom *hold,
		       int k, unsigned long *efd, uint64_t *buf)
{
	unsigned long p = (unsigned long)&buf[k], n = sizeof(buf[k]);

	syslet_atom(&hold[k], SYS_read, SYSLET_ASYNC, NULL, NULL,
		    efd, A(p), A(n), NULL);
	submit(r, &hold[k]);
}

static void ident_child(void)
{
	static struct syslet_uatom hold[3];
	static uint64_t buf[3];
	struct syslet_ring r;
	unsigned long efd = eventfd(0, EFD_SEMAPHORE);
	uint64_t three = 3;
	struct stat st;
	long fd;
	int k;

	CHECK((long)efd >= 0);
	setup(&r, 16);
	CHECK(chdir(ID_DIR "/a") == 0);
	umask(022);
	ident_hold(&r, hold, 0, &efd, buf);
	fd = ident_openat(&r, "f", O_RDONLY);
	CHECK(fd >= 0 && fstat(fd, &st) == 0);
	CHECK_EQ(st.st_size, 1);
	close(fd);

	/* A new working directory, while chains with the old one run. */
	CHECK(chdir(ID_DIR "/b") == 0);
	fd = ident_openat(&r, "f", O_RDONLY);
	CHECK(fd >= 0 && fstat(fd, &st) == 0);
	if (st.st_size != 2)
		FAIL("openat after chdir opened the old directory's file (size %lld)",
		     (long long)st.st_size);
	close(fd);

	/* A new umask. */
	ident_hold(&r, hold, 1, &efd, buf);
	umask(077);
	fd = ident_openat(&r, "new", O_WRONLY | O_CREAT | O_EXCL);
	CHECK(fd >= 0 && fstat(fd, &st) == 0);
	if ((st.st_mode & 0777) != 0600)
		FAIL("openat after umask(077) made mode %o", st.st_mode & 0777);
	close(fd);

	/* New credentials, of this thread only (the raw call). */
	ident_hold(&r, hold, 2, &efd, buf);
	CHECK(syscall(SYS_setresuid, 65534, 65534, 65534) == 0);
	fd = ident_openat(&r, ID_DIR "/root-only", O_RDONLY);
	if (fd != -EACCES)
		FAIL("openat after setresuid(65534) returned %ld, expected -EACCES",
		     fd);

	/* The held chains end (or were interrupted by the uid change). */
	CHECK(write(efd, &three, sizeof(three)) == sizeof(three));
	for (k = 0; k < 3; k++)
		CHECK(reap_bounded(&r, 10));
}

/*
 * A chain runs with its submitter's identity as it is when the chain is
 * submitted: chains share one identity while it stays the same, and a
 * new working directory, umask or credentials make a new one, even while
 * chains with the old one are still running.
 */
static void ident_clean(void)
{
	static const char *const files[] = {
		ID_DIR "/a/f", ID_DIR "/b/f", ID_DIR "/b/new",
		ID_DIR "/root-only",
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(files); i++)
		unlink(files[i]);
	rmdir(ID_DIR "/a");
	rmdir(ID_DIR "/b");
	rmdir(ID_DIR);
}

static int t_ident_refresh(void)
{
	int fd;

	ident_clean();
	CHECK(mkdir(ID_DIR, 0755) == 0);
	CHECK(mkdir(ID_DIR "/a", 0755) == 0 && mkdir(ID_DIR "/b", 0777) == 0);
	fd = open(ID_DIR "/a/f", O_WRONLY | O_CREAT, 0644);
	CHECK(fd >= 0 && write(fd, "1", 1) == 1);
	close(fd);
	fd = open(ID_DIR "/b/f", O_WRONLY | O_CREAT, 0644);
	CHECK(fd >= 0 && write(fd, "22", 2) == 2);
	close(fd);
	fd = open(ID_DIR "/root-only", O_WRONLY | O_CREAT, 0600);
	CHECK(fd >= 0);
	close(fd);
	in_child(ident_child, 30, "ident-refresh child");
	ident_clean();
	return 0;
}

#define SUID_FILE	"/tmp/iso-suid"

static void suid_child(void)
{
	static struct syslet_uatom a;
	static char z = 'z';
	struct syslet_ring r;
	unsigned long fd, p = (unsigned long)&z, one = 1, zero = 0;
	long ret = 12345;

	become(65534, 65534, 0, NULL);
	fd = open(SUID_FILE, O_WRONLY);
	CHECK((long)fd >= 0);
	setup(&r, 8);
	syslet_atom(&a, SYS_pwrite64, SYSLET_ASYNC, &ret, NULL,
		    A(fd), A(p), A(one), A(zero), NULL);
	submit(&r, &a);
	CHECK(reap_bounded(&r, 10) == &a);
	CHECK_EQ(ret, 1);
}

/* An async write by a user without CAP_FSETID clears the setuid bit. */
static int t_suid_clear(void)
{
	struct stat st;
	int fd;

	fd = open(SUID_FILE, O_RDWR | O_CREAT | O_TRUNC, 0755);
	CHECK(fd >= 0);
	CHECK(write(fd, "#!/bin/sh\n", 10) == 10);
	CHECK(fchown(fd, 65534, 65534) == 0);
	CHECK(fchmod(fd, 04755) == 0);
	close(fd);
	CHECK(stat(SUID_FILE, &st) == 0 && (st.st_mode & S_ISUID));
	in_child(suid_child, 15, "suid-clear child");
	CHECK(stat(SUID_FILE, &st) == 0);
	fprintf(stderr, "mode after the write: %04o\n", st.st_mode & 07777);
	if (st.st_mode & S_ISUID)
		FAIL("the setuid bit survived a write by uid 65534");
	unlink(SUID_FILE);
	return 0;
}

/* --- unkillable --------------------------------------------------------- */

/*
 * The second thread of kill-close-dup2: once the main thread is parked in
 * vfork(), it submits [close(N)] (N is /dev/null then), waits for the
 * close to be under way, points N at the device with dup2() and closes
 * the device's own fd, so that N is the last one.
 */
struct dup2_args {
	struct syslet_ring *r;
	struct shared *sh;
	unsigned long n;
	int ready;
};

static void *dup2_thread(void *arg)
{
	static struct syslet_uatom a;
	struct dup2_args *d = arg;
	double end = syslet_now() + 5;

	while (!__atomic_load_n(&d->sh->pid, __ATOMIC_RELAXED)) {
		if (syslet_now() > end)
			FAIL("the vfork child did not start");
		syslet_sleep_ms(5);
	}
	syslet_sleep_ms(100);		/* the parent is in vfork() now */
	syslet_atom(&a, SYS_close, SYSLET_ASYNC, NULL, NULL, A(d->n), NULL);
	submit(d->r, &a);
	syslet_sleep_ms(300);
	CHECK(dup2(d->r->fd, d->n) == (int)d->n);
	CHECK(close(d->r->fd) == 0);
	CHECK(write(d->ready, "r", 1) == 1);
	return NULL;
}

/* Park in vfork(): the child records its pid and waits forever. */
static __attribute__((noinline)) void park_in_vfork(struct shared *sh)
{
	if (vfork() == 0) {
		sh->pid = getpid();
		for (;;)
			pause();
	}
}

/*
 * A chain closes fd N while the thread that registered is parked in
 * vfork(); meanwhile another thread makes N the last fd of the device
 * (dup2, close).  Closing the device's last fd drains the chains; if the
 * close ran in the registering thread (the first model handed close to
 * it through task_work) it would wait for the chain that waits for it:
 * unkillable.  SIGKILL must reap the process within 5 s.
 */
static int t_kill_close_dup2(void)
{
	struct shared *sh;
	int ready[2], st;
	pid_t pid;

	sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(sh != MAP_FAILED);
	CHECK(pipe(ready) == 0);
	pid = fork();
	CHECK(pid >= 0);
	if (!pid) {
		static struct syslet_ring r;
		static struct dup2_args d;
		pthread_t th;
		long n;

		setup(&r, 8);
		n = open("/dev/null", O_RDWR);
		CHECK(n >= 0);
		d = (struct dup2_args){ &r, sh, n, ready[1] };
		CHECK(pthread_create(&th, NULL, dup2_thread, &d) == 0);
		park_in_vfork(sh);
		exit(3);
	}
	track(pid);
	wait_ready(ready, pid, 10);
	track(sh->pid);
	syslet_sleep_ms(500);
	CHECK(kill(pid, SIGKILL) == 0);
	CHECK(kill(sh->pid, SIGKILL) == 0);
	st = reap_within(pid, 5);
	if (st == -1)
		FAIL("the process was not reaped within 5 s of SIGKILL");
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	if (reap_within(sh->pid, 5) == -1)
		FAIL("the vfork child (pid %d) was not reaped", sh->pid);
	return 0;
}

/* --- the workers are threads of the process ------------------------------ */

/*
 * The process's only ordinary thread leaves with an exit of its own
 * (SYS_exit, as pthread_exit() of the last thread does), not exit_group():
 * its idle worker, which holds the file table, must not keep the process
 * alive.  The process is reaped within 5 s.
 */
static int t_exit_last_thread(void)
{
	pid_t pid;
	int st;

	pid = fork();
	CHECK(pid >= 0);
	if (!pid) {
		static struct syslet_ring r;

		setup(&r, 8);
		syscall(SYS_exit, 0);
		_exit(3);
	}
	track(pid);
	st = reap_within(pid, 5);
	if (st == -1)
		FAIL("a process whose last ordinary thread left was not reaped within 5 s");
	return 0;
}

/*
 * A blocked chain's worker is a thread of this process named
 * syslet_worker, with the process's own (counted) file table.
 */
/* A syslet_worker thread of this process: its tid (waits up to 1 s). */
static int worker_tid(void)
{
	char path[300], comm[64];
	struct dirent *e;
	int tid = 0, w = 0;
	double end = syslet_now() + 1;
	DIR *d;

	for (;;) {
		d = opendir("/proc/self/task");
		CHECK(d);
		while ((e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "/proc/self/task/%s/comm",
				 e->d_name);
			if (!read_str(path, comm, sizeof(comm)) &&
			    !strcmp(comm, "syslet_worker"))
				tid = atoi(e->d_name);
		}
		closedir(d);
		if (tid)
			return tid;
		if (syslet_now() > end) {
			syslet_worker_ticks(&w);
			FAIL("no syslet_worker thread in /proc/self/task after 1 s (%d threads here; %d syslet_worker processes elsewhere)",
			     count_threads(getpid(), NULL), w);
		}
		syslet_sleep_ms(10);
	}
}

static int t_worker_threads(void)
{
	static struct syslet_uatom a;
	static char buf[4];
	struct syslet_ring r;
	unsigned long rfd, p = (unsigned long)buf, one = 1;
	char path[300], link[128];
	long ret = 12345;
	int pfd[2], tid;
	ssize_t n;

	CHECK(pipe(pfd) == 0);
	rfd = pfd[0];
	setup(&r, 8);
	syslet_atom(&a, SYS_read, SYSLET_ASYNC, &ret, NULL,
		    A(rfd), A(p), A(one), NULL);
	submit(&r, &a);
	tid = worker_tid();
	snprintf(path, sizeof(path), "/proc/self/task/%d/fd/%d", tid, r.fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		FAIL("readlink %s: %s", path, strerror(errno));
	link[n] = 0;
	if (strcmp(link, "/dev/syslet"))
		FAIL("%s -> %s, expected /dev/syslet", path, link);
	CHECK(write(pfd[1], "x", 1) == 1);
	CHECK(reap_bounded(&r, 10) == &a);
	CHECK_EQ(ret, 1);
	return 0;
}

/*
 * The scheduling policy of the worker a registration creates, as a clone
 * of the registering thread with nice 7 and @policy: @want, nice 7.
 */
static void check_worker_policy(int policy, int want)
{
	struct sched_param sp = { 0 };
	struct syslet_ring r;
	int tid, got;

	CHECK(setpriority(PRIO_PROCESS, 0, 7) == 0);
	CHECK(sched_setscheduler(0, policy, &sp) == 0);
	setup(&r, 8);
	tid = worker_tid();
	got = sched_getscheduler(tid);
	if (got != want)
		FAIL("worker %d has policy %d, expected %d", tid, got, want);
	errno = 0;
	got = getpriority(PRIO_PROCESS, tid);
	CHECK(errno == 0);
	CHECK_EQ(got, 7);
	syslet_teardown(&r);
}

static void policy_batch_child(void)
{
	check_worker_policy(SCHED_OTHER, SCHED_BATCH);
}

static void policy_idle_child(void)
{
	check_worker_policy(SCHED_IDLE, SCHED_IDLE);
}

static void policy_other_child(void)
{
	check_worker_policy(SCHED_OTHER, SCHED_OTHER);
}

/*
 * Workers of an ordinary thread are SCHED_BATCH, at its nice value, so
 * that waking one does not preempt the submitter (syslet.worker_batch);
 * other policies are kept, and worker_batch=0 keeps SCHED_OTHER.
 */
static int t_worker_sched(void)
{
	in_child(policy_batch_child, 10, "SCHED_OTHER submitter");
	in_child(policy_idle_child, 10, "SCHED_IDLE submitter");
	param_set("worker_batch", "0");
	in_child(policy_other_child, 10, "SCHED_OTHER submitter, worker_batch=0");
	params_restore();
	return 0;
}

/* --- no global pool ------------------------------------------------------ */

#define NCTX	5
#define NPER	64

/*
 * One user with 5 contexts of 64 chains blocked in reads does not keep
 * another user's chain from running.
 */
static int t_user_starvation(void)
{
	int pfd[2], ready[2];
	double t;
	pid_t a_pid, b_pid;

	CHECK(pipe(pfd) == 0);
	CHECK(pipe(ready) == 0);
	a_pid = fork();
	CHECK(a_pid >= 0);
	if (!a_pid) {
		static struct syslet_uatom a[NCTX][NPER];
		static struct syslet_ring r[NCTX];
		static char buf[4];
		unsigned long rfd = pfd[0], p = (unsigned long)buf, one = 1;
		int i, k;

		become(1000, 1000, 0, NULL);
		for (i = 0; i < NCTX; i++) {
			setup(&r[i], 2 * NPER);
			for (k = 0; k < NPER; k++) {
				syslet_atom(&a[i][k], SYS_read, SYSLET_ASYNC,
					    NULL, NULL, A(rfd), A(p), A(one),
					    NULL);
				submit(&r[i], &a[i][k]);
			}
		}
		park_ready(ready);
	}
	track(a_pid);
	wait_ready(ready, a_pid, 20);
	syslet_sleep_ms(1000);
	b_pid = fork();
	CHECK(b_pid >= 0);
	if (!b_pid) {
		static struct syslet_uatom a;
		struct syslet_ring r;
		struct syslet_uatom *done = NULL;
		long ret = 12345;
		double t0;

		become(1001, 1001, 0, NULL);
		setup(&r, 8);
		syslet_atom(&a, SYSLET_NR_NOP, SYSLET_ASYNC, &ret, NULL, NULL);
		t0 = syslet_now();
		submit(&r, &a);
		while (!(done = syslet_reap(&r)) && syslet_now() < t0 + 1)
			syslet_sleep_ms(1);
		if (!done)
			FAIL("uid 1001's NOP chain did not complete within 1 s while uid 1000 has %d chains blocked",
			     NCTX * NPER);
		CHECK(done == &a);
		CHECK_EQ(ret, 0);
		fprintf(stderr, "uid 1001's chain completed in %.3f s\n",
			syslet_now() - t0);
		exit(0);
	}
	track(b_pid);
	child_ok(b_pid, 10, "the uid 1001 process");
	CHECK(kill(a_pid, SIGKILL) == 0);
	t = syslet_now();
	if (reap_within(a_pid, 10) == -1)
		FAIL("the uid 1000 process was not reaped within 10 s of SIGKILL");
	fprintf(stderr, "uid 1000's process reaped %.3f s after SIGKILL\n",
		syslet_now() - t);
	return 0;
}

/* max_workers_per_user bounds a user's workers; no chain is lost. */
static int t_user_limit(void)
{
	static int pfd[8][2];
	int ready[2], n, w;
	pid_t pid;

	param_set("max_workers_per_user", "4");
	blocked_reads_pipes(pfd);
	CHECK(pipe(ready) == 0);
	pid = fork();
	CHECK(pid >= 0);
	if (!pid) {
		become(1000, 1000, 0, NULL);
		blocked_reads_child(pfd, ready);
	}
	track(pid);
	wait_ready(ready, pid, 10);
	syslet_sleep_ms(500);
	n = count_threads(pid, &w);
	fprintf(stderr, "uid 1000's process: %d threads, %d syslet_worker\n",
		n, w);
	if (w > 4)
		FAIL("%d syslet_worker threads > max_workers_per_user 4", w);
	if (w < 1)
		FAIL("no syslet_worker thread in the process");
	blocked_reads_release(pfd);
	child_ok(pid, 20, "user-limit child");
	params_restore();
	return 0;
}

/* --- access -------------------------------------------------------------- */

static void check_open(const char *dev, int err)
{
	int fd = open(dev, O_RDWR);

	if (err) {
		if (fd >= 0)
			FAIL("open %s as uid %d succeeded, expected %s",
			     dev, getuid(), strerror(err));
		if (errno != err)
			FAIL("open %s as uid %d: %s, expected %s", dev,
			     getuid(), strerror(errno), strerror(err));
	} else {
		if (fd < 0)
			FAIL("open %s as uid %d: %s", dev, getuid(),
			     strerror(errno));
		close(fd);
	}
}

/* disabled=2: nobody opens the devices, not even root. */
static int t_access_disabled(void)
{
	param_set("disabled", "2");
	check_open("/dev/syslet", EPERM);
	check_open("/dev/upcall", EPERM);
	param_set("disabled", "0");
	check_open("/dev/syslet", 0);
	check_open("/dev/upcall", 0);
	params_restore();
	return 0;
}

static void outsider_child(void)
{
	become(65534, 65534, 0, NULL);
	check_open("/dev/syslet", EPERM);
	check_open("/dev/upcall", EPERM);
}

static void member_child(void)
{
	gid_t g = 4242;

	become(65534, 65534, 1, &g);
	check_open("/dev/syslet", 0);
	check_open("/dev/upcall", 0);
}

/* disabled=1: members of the group and CAP_SYS_ADMIN only. */
static int t_access_group(void)
{
	param_set("disabled", "1");
	param_set("group", "4242");
	in_child(outsider_child, 10, "uid 65534 without group 4242");
	in_child(member_child, 10, "uid 65534 in group 4242");
	check_open("/dev/syslet", 0);
	check_open("/dev/upcall", 0);
	params_restore();
	return 0;
}

static const struct test tests[] = {
	{ "seccomp-register", t_seccomp_register },
	{ "seccomp-exec", t_seccomp_exec },
	{ "seccomp-running", t_seccomp_running },
	{ "seccomp-allowed", t_seccomp_allowed },
	{ "seccomp-sync-tsync", t_seccomp_sync_tsync },
	{ "submitter-exit", t_submitter_exit },
	{ "owner-not-thread", t_owner_not_thread },
	{ "cgroup-cpu", t_cgroup_cpu },
	{ "cgroup-memory", t_cgroup_memory },
	{ "cgroup-pids", t_cgroup_pids },
	{ "kill-clone-files", t_kill_clone_files },
	{ "tty-sigttin", t_tty_sigttin },
	{ "uts-hostname", t_uts_hostname },
	{ "scm-credentials", t_scm_credentials },
	{ "thread-creds", t_thread_creds },
	{ "cred-switch", t_cred_switch },
	{ "ident-refresh", t_ident_refresh },
	{ "suid-clear", t_suid_clear },
	{ "kill-close-dup2", t_kill_close_dup2 },
	{ "exit-last-thread", t_exit_last_thread },
	{ "worker-threads", t_worker_threads },
	{ "worker-sched", t_worker_sched },
	{ "user-starvation", t_user_starvation },
	{ "user-limit", t_user_limit },
	{ "access-disabled", t_access_disabled },
	{ "access-group", t_access_group },
};

/*
 * Before the test: undo its changes at exit, and reap what outlives its
 * parent (clone/vfork children).
 */
static void runner_setup(void)
{
	main_pid = getpid();
	atexit(cleanup);
	CHECK(prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
}

TEST_MAIN(tests, runner_setup)
