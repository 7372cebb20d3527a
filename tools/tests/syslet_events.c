// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/syslet in an event loop, and what one sees of it: poll and epoll
 * readiness, an eventfd signalled per completion, waiting with a timeout
 * and a signal mask, cancelling one chain, a chain's timeout
 * (SYSLET_NR_TIMEOUT), fdinfo of /dev/syslet and /dev/upcall, and the
 * tracepoints read back from tracefs.  Run as root in the test VM.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../lib/syslet.h"
#include "../lib/upcall.h"
#include "check.h"
#include "runner.h"
#include "syslet_workers.h"

#define A(x) ((unsigned long *)&(x))

static struct syslet_ring ring;

static void setup(unsigned long nr, unsigned long threads)
{
	int ret = syslet_setup(&ring, nr, threads);

	if (ret) {
		fprintf(stderr, "syslet_setup: %s\n", strerror(-ret));
		exit(1);
	}
}

static long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static long load(long *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

/* Wait up to 5 s for *@p to leave @from. */
static int wait_change(long *p, long from)
{
	int i;

	for (i = 0; i < 5000 && load(p) == from; i++)
		usleep(1000);
	return load(p) != from;
}

/* Submit an asynchronous nop whose result goes to *@ret. */
static void async_nop(struct syslet_uatom *a, long *ret)
{
	syslet_atom(a, SYSLET_NR_NOP, SYSLET_ASYNC, ret, NULL, NULL);
	CHECK_EQ(syslet_exec(&ring, a, NULL), 0);
}

static long wait_timeout(unsigned long min, long ns, const sigset_t *mask)
{
	struct syslet_wait w = {
		.min = min,
		.timeout_ns = ns,
		.sigmask = (unsigned long)mask,
		.sigsetsize = mask ? 8 : 0,
	};
	long ret = ioctl(ring.fd, SYSLET_IOC_WAIT_TIMEOUT, &w);

	return ret < 0 ? -errno : ret;
}

/* Readiness through poll(): none before, POLLIN with one, none after. */
static int t_poll(void)
{
	struct pollfd p;
	struct syslet_uatom a;
	long r = 99;

	setup(8, -1UL);
	p = (struct pollfd){ .fd = ring.fd, .events = POLLIN };
	CHECK_EQ(poll(&p, 1, 0), 0);
	async_nop(&a, &r);
	CHECK_EQ(poll(&p, 1, 5000), 1);
	CHECK(p.revents & POLLIN);
	CHECK_EQ(r, 0);
	CHECK(syslet_reap(&ring) == &a);
	CHECK_EQ(poll(&p, 1, 0), 0);
	syslet_teardown(&ring);
	return 0;
}

/* An epoll loop is woken by a completion (level-triggered). */
static int t_epoll(void)
{
	struct epoll_event ev = { .events = EPOLLIN }, out;
	struct syslet_uatom a[2];
	long r[2] = { 99, 99 };
	int ep;

	setup(8, -1UL);
	ep = epoll_create1(0);
	CHECK(ep >= 0);
	CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, ring.fd, &ev), 0);
	CHECK_EQ(epoll_wait(ep, &out, 1, 0), 0);
	async_nop(&a[0], &r[0]);
	CHECK_EQ(epoll_wait(ep, &out, 1, 5000), 1);
	CHECK(out.events & EPOLLIN);
	/* Still ready while the completion is in the ring. */
	CHECK_EQ(epoll_wait(ep, &out, 1, 0), 1);
	CHECK(syslet_reap(&ring) == &a[0]);
	CHECK_EQ(epoll_wait(ep, &out, 1, 0), 0);
	async_nop(&a[1], &r[1]);
	CHECK_EQ(epoll_wait(ep, &out, 1, 5000), 1);
	CHECK(syslet_reap(&ring) == &a[1]);
	close(ep);
	syslet_teardown(&ring);
	return 0;
}

/* poll() on an unregistered context: never ready, no error. */
static int t_poll_unregistered(void)
{
	struct pollfd p;
	int fd = open("/dev/syslet", O_RDWR);

	CHECK(fd >= 0);
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	CHECK_EQ(poll(&p, 1, 0), 0);
	close(fd);
	return 0;
}

/* SYSLET_IOC_EVENTFD: one count per completion posted; -1 stops it. */
static int t_eventfd(void)
{
	struct syslet_uatom a[4];
	long r[4] = { 99, 99, 99, 99 };
	uint64_t v = 0;
	int efd, i, nfd;

	setup(8, -1UL);
	efd = eventfd(0, EFD_NONBLOCK);
	CHECK(efd >= 0);
	nfd = open("/dev/null", O_RDONLY);
	CHECK(nfd >= 0);
	CHECK_EQ(ioctl(ring.fd, SYSLET_IOC_EVENTFD, nfd), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(ioctl(ring.fd, SYSLET_IOC_EVENTFD, 1000), -1);
	CHECK_EQ(errno, EBADF);
	CHECK_EQ(ioctl(ring.fd, SYSLET_IOC_EVENTFD, efd), 0);
	for (i = 0; i < 3; i++)
		async_nop(&a[i], &r[i]);
	CHECK_EQ(syslet_wait(&ring, 3), 3);
	CHECK_EQ(read(efd, &v, sizeof(v)), sizeof(v));
	CHECK_EQ(v, 3);
	/* A synchronous chain posts nothing, so signals nothing. */
	syslet_atom(&a[3], SYSLET_NR_NOP, 0, &r[3], NULL, NULL);
	CHECK_EQ(syslet_exec(&ring, &a[3], NULL), 1);
	CHECK_EQ(read(efd, &v, sizeof(v)), -1);
	CHECK_EQ(errno, EAGAIN);
	for (i = 0; i < 3; i++)
		CHECK(syslet_reap(&ring));
	CHECK_EQ(ioctl(ring.fd, SYSLET_IOC_EVENTFD, -1), 0);
	async_nop(&a[0], &r[0]);
	CHECK_EQ(syslet_wait(&ring, 1), 1);
	CHECK_EQ(read(efd, &v, sizeof(v)), -1);
	CHECK_EQ(errno, EAGAIN);
	close(nfd);
	close(efd);
	syslet_teardown(&ring);
	return 0;
}

/* Nothing in flight: the wait ends with -ETIME after its timeout. */
static int t_wait_timeout(void)
{
	struct syslet_uatom a;
	long t0, r = 99;

	setup(8, -1UL);
	t0 = now_ms();
	CHECK_EQ(wait_timeout(1, 50000000, NULL), -ETIME);
	CHECK(now_ms() - t0 >= 50);
	CHECK(now_ms() - t0 < 5000);
	/* Ready at once when the completions are there. */
	async_nop(&a, &r);
	CHECK_EQ(wait_timeout(1, 5000000000L, NULL), 1);
	CHECK_EQ(wait_timeout(1, 0, NULL), 1);
	/* More than the ring holds, unknown flags. */
	CHECK_EQ(wait_timeout(9, 0, NULL), -EINVAL);
	{
		struct syslet_wait w = { .min = 1, .flags = 1 };

		CHECK_EQ(ioctl(ring.fd, SYSLET_IOC_WAIT_TIMEOUT, &w), -1);
		CHECK_EQ(errno, EINVAL);
	}
	syslet_teardown(&ring);
	return 0;
}

static volatile sig_atomic_t got_usr1;

static void on_usr1(int sig)
{
	got_usr1 = 1;
}

/* Send SIGUSR1 to this process after @ms, from a child. */
static pid_t signal_later(int ms)
{
	pid_t parent = getpid(), pid = fork();

	CHECK(pid >= 0);
	if (pid == 0) {
		usleep(ms * 1000);
		kill(parent, SIGUSR1);
		_exit(0);
	}
	return pid;
}

/*
 * A signal ends the wait with -EINTR; with a mask, the mask is in force
 * during the wait only: a signal it blocks does not interrupt, and one
 * it lets through is delivered, the thread's own mask restored after.
 */
static int t_wait_signal(void)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	sigset_t usr1, none, cur;
	pid_t pid;
	long t0;

	setup(8, -1UL);
	sigaction(SIGUSR1, &sa, NULL);
	sigemptyset(&none);
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);

	/* No mask, no timeout: -EINTR once the handler ran. */
	got_usr1 = 0;
	pid = signal_later(50);
	CHECK_EQ(wait_timeout(1, -1, NULL), -EINTR);
	CHECK(got_usr1);
	waitpid(pid, NULL, 0);

	/* A mask that blocks it: the wait times out, the signal waits. */
	got_usr1 = 0;
	pid = signal_later(20);
	t0 = now_ms();
	CHECK_EQ(wait_timeout(1, 300000000, &usr1), -ETIME);
	CHECK(now_ms() - t0 >= 300);
	waitpid(pid, NULL, 0);
	/* Delivered once the thread's own mask (empty) is back. */
	CHECK(got_usr1);

	/* Blocked in the thread, let through by the wait's mask. */
	CHECK_EQ(sigprocmask(SIG_BLOCK, &usr1, NULL), 0);
	got_usr1 = 0;
	pid = signal_later(50);
	CHECK_EQ(wait_timeout(1, -1, &none), -EINTR);
	CHECK(got_usr1);
	waitpid(pid, NULL, 0);
	CHECK_EQ(sigprocmask(SIG_BLOCK, NULL, &cur), 0);
	CHECK(sigismember(&cur, SIGUSR1));
	syslet_teardown(&ring);
	return 0;
}

static int cancel(unsigned long atom)
{
	struct syslet_cancel c = { .atom = atom };

	return ioctl(ring.fd, SYSLET_IOC_CANCEL, &c) ? -errno : 0;
}

/* Count the ring's slots holding @a, without reaping. */
static int in_ring(struct syslet_uatom *a)
{
	unsigned long i;
	int n = 0;

	for (i = 0; i < ring.nr; i++)
		n += __atomic_load_n(&ring.slots[i], __ATOMIC_ACQUIRE) == a;
	return n;
}

/*
 * One worker: a nanosleep of 10 s holds it, a second chain waits queued
 * behind.  Cancelling the queued one posts it at once with -ECANCELED,
 * unrun; cancelling the running sleep ends it within 100 ms, posted
 * exactly once with -ECANCELED.  (A read of an empty pipe would not hold
 * the worker: it parks, park-cancel.)
 */
static int t_cancel(void)
{
	struct syslet_uatom rd[2], q[2];
	long r0 = 99, rr = 99, q0 = 99, q1 = 99, counter = 0, one = 1;
	unsigned long cp = (unsigned long)&counter, rem = 0;
	struct timespec ten = { 10, 0 };
	unsigned long tp = (unsigned long)&ten, rp = (unsigned long)&rem;
	long t0;

	setup(8, 1);
	syslet_atom(&rd[0], SYSLET_NR_NOP, SYSLET_ASYNC, &r0, &rd[1], NULL);
	syslet_atom(&rd[1], SYS_nanosleep, 0, &rr, NULL, A(tp), A(rp), NULL);
	CHECK_EQ(syslet_exec(&ring, &rd[0], NULL), 0);
	CHECK(wait_change(&r0, 99));
	usleep(100000);		/* into the read */
	syslet_atom(&q[0], SYSLET_NR_UMEM_ADD, SYSLET_ASYNC, &q0, &q[1],
		    A(cp), A(one), NULL);
	syslet_atom(&q[1], SYSLET_NR_NOP, 0, &q1, NULL, NULL);
	CHECK_EQ(syslet_exec(&ring, &q[0], NULL), 0);

	CHECK_EQ(cancel((unsigned long)&q[0]), 0);
	CHECK_EQ(in_ring(&q[0]), 1);
	CHECK_EQ(q0, -ECANCELED);
	CHECK_EQ(q1, 99);
	CHECK_EQ(counter, 0);
	CHECK_EQ(cancel((unsigned long)&q[0]), -ENOENT);

	t0 = now_ms();
	CHECK_EQ(cancel((unsigned long)&rd[0]), 0);
	CHECK_EQ(syslet_wait(&ring, 2), 2);
	CHECK(now_ms() - t0 < 100);
	CHECK_EQ(rr, -ECANCELED);
	CHECK_EQ(in_ring(&rd[1]), 1);
	usleep(50000);
	CHECK_EQ(syslet_wait(&ring, 0), 2);
	CHECK_EQ(in_ring(&rd[1]), 1);
	CHECK_EQ(cancel((unsigned long)&rd[0]), -ENOENT);
	/* The worker is free again: the next chain runs. */
	async_nop(&q[1], &q1);
	CHECK_EQ(syslet_wait(&ring, 3), 3);
	CHECK_EQ(q1, 0);
	syslet_teardown(&ring);
	return 0;
}

/* A chain that is not there, or not asynchronous. */
static int t_cancel_enoent(void)
{
	struct syslet_cancel c = { .atom = 1, .flags = 1 };
	struct syslet_uatom a;
	long r = 99;
	int fd;

	setup(8, -1UL);
	CHECK_EQ(cancel(0x1000), -ENOENT);
	syslet_atom(&a, SYSLET_NR_NOP, 0, &r, NULL, NULL);
	CHECK_EQ(syslet_exec(&ring, &a, NULL), 1);
	CHECK_EQ(cancel((unsigned long)&a), -ENOENT);
	CHECK_EQ(ioctl(ring.fd, SYSLET_IOC_CANCEL, &c), -1);
	CHECK_EQ(errno, EINVAL);
	syslet_teardown(&ring);
	fd = open("/dev/syslet", O_RDWR);
	CHECK(fd >= 0);
	c.flags = 0;
	CHECK_EQ(ioctl(fd, SYSLET_IOC_CANCEL, &c), -1);
	CHECK_EQ(errno, EINVAL);
	close(fd);
	return 0;
}

/*
 * SYSLET_NR_TIMEOUT: an asynchronous read on an empty pipe under a 50 ms
 * bound ends with -ETIME; synchronously, a bound already passed ends the
 * chain at the next atom, unrun.
 */
static int t_chain_timeout(void)
{
	struct syslet_uatom a[3], *done = NULL;
	long r[3] = { 99, 99, 99 }, counter = 0, one = 1, neg = -1;
	unsigned long fd, p, n = 1, ns = 50000000, zero = 0;
	unsigned long cp = (unsigned long)&counter;
	char buf;
	int pfd[2];
	long t0;

	setup(8, -1UL);
	CHECK(pipe(pfd) == 0);
	fd = pfd[0];
	p = (unsigned long)&buf;
	syslet_atom(&a[0], SYSLET_NR_TIMEOUT, SYSLET_ASYNC, &r[0], &a[1],
		    A(ns), NULL);
	syslet_atom(&a[1], SYS_read, 0, &r[1], NULL, A(fd), A(p), A(n), NULL);
	t0 = now_ms();
	CHECK_EQ(syslet_exec(&ring, &a[0], NULL), 0);
	CHECK_EQ(syslet_wait(&ring, 1), 1);
	CHECK(now_ms() - t0 >= 50);
	CHECK(now_ms() - t0 < 5000);
	CHECK_EQ(r[0], 0);
	CHECK_EQ(r[1], -ETIME);
	CHECK(syslet_reap(&ring) == &a[1]);

	/* Bound set in the caller: it goes with the chain to its worker. */
	r[0] = r[1] = 99;
	syslet_atom(&a[0], SYSLET_NR_TIMEOUT, 0, &r[0], &a[1], A(ns), NULL);
	syslet_atom(&a[1], SYS_read, SYSLET_ASYNC, &r[1], NULL, A(fd), A(p),
		    A(n), NULL);
	t0 = now_ms();
	CHECK_EQ(syslet_exec(&ring, &a[0], NULL), 0);
	CHECK_EQ(syslet_wait(&ring, 1), 1);
	CHECK(now_ms() - t0 >= 40);
	CHECK(now_ms() - t0 < 5000);
	CHECK_EQ(r[0], 0);
	CHECK_EQ(r[1], -ETIME);
	CHECK(syslet_reap(&ring) == &a[1]);

	/* Synchronous, bound 0: ends at the umem_add, which never runs. */
	r[0] = r[1] = 99;
	syslet_atom(&a[0], SYSLET_NR_TIMEOUT, 0, &r[0], &a[1], A(zero), NULL);
	syslet_atom(&a[1], SYSLET_NR_UMEM_ADD, SYSLET_NO_COMPLETE, &r[1],
		    &a[2], A(cp), A(one), NULL);
	syslet_atom(&a[2], SYSLET_NR_NOP, 0, &r[2], NULL, NULL);
	CHECK_EQ(syslet_exec(&ring, &a[0], &done), 1);
	CHECK(done == &a[1]);
	CHECK_EQ(r[1], -ETIME);
	CHECK_EQ(counter, 0);
	CHECK_EQ(r[2], 99);

	/* A long bound changes nothing; a negative one is invalid. */
	ns = 10000000000UL;
	syslet_atom(&a[0], SYSLET_NR_TIMEOUT, 0, &r[0], &a[1], A(ns), NULL);
	syslet_atom(&a[1], SYSLET_NR_UMEM_ADD, 0, &r[1], NULL, A(cp), A(one),
		    NULL);
	CHECK_EQ(syslet_exec(&ring, &a[0], &done), 1);
	CHECK(done == &a[1]);
	CHECK_EQ(r[1], 1);
	syslet_atom(&a[0], SYSLET_NR_TIMEOUT, SYSLET_STOP_ON_NEGATIVE, &r[0],
		    NULL, A(neg), NULL);
	CHECK_EQ(syslet_exec(&ring, &a[0], &done), 1);
	CHECK_EQ(r[0], -EINVAL);
	close(pfd[0]);
	close(pfd[1]);
	syslet_teardown(&ring);
	return 0;
}

/* The value of @key in /proc/self/fdinfo/@fd, or -1. */
static long fdinfo(int fd, const char *key)
{
	char path[64], line[256];
	size_t len = strlen(key);
	long val = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	CHECK(f);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len) && line[len] == ':')
			val = strtol(line + len + 1, NULL, 10);
	fclose(f);
	return val;
}

/* Wait up to 2 s for fdinfo's "parked" to reach @n. */
static int wait_parked(long n)
{
	int i;

	for (i = 0; i < 2000 && fdinfo(ring.fd, "parked") != n; i++)
		usleep(1000);
	return fdinfo(ring.fd, "parked") == n;
}

/*
 * A chain's atoms are counted when its completion shows, though its
 * worker goes straight on with the next chain (and blocks there).
 */
static int t_fdinfo_at_end(void)
{
	struct syslet_uatom x, y[2];
	unsigned long efd[2], devnull, p, n = 8;
	long rx = 99, ry[2] = { 99, 99 };
	uint64_t one = 1, buf = 0;
	int i;

	setup(8, 1);
	for (i = 0; i < 2; i++) {
		efd[i] = eventfd(0, EFD_CLOEXEC);
		CHECK((long)efd[i] >= 0);
	}
	devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	CHECK((long)devnull >= 0);
	p = (unsigned long)&buf;
	/*
	 * X: a read of efd[0]; Y, queued behind it: a write (counted in
	 * another tally slot than a read), then a read of efd[1].
	 */
	syslet_atom(&x, SYS_read, SYSLET_ASYNC, &rx, NULL, A(efd[0]), A(p),
		    A(n), NULL);
	syslet_atom(&y[0], SYS_write, SYSLET_ASYNC, &ry[0], &y[1],
		    A(devnull), A(p), A(n), NULL);
	syslet_atom(&y[1], SYS_read, 0, &ry[1], NULL, A(efd[1]), A(p), A(n),
		    NULL);
	CHECK_EQ(syslet_exec(&ring, &x, NULL), 0);
	CHECK_EQ(syslet_exec(&ring, &y[0], NULL), 0);
	CHECK_EQ(write(efd[0], &one, sizeof(one)), sizeof(one));
	CHECK_EQ(syslet_wait(&ring, 1), 1);
	CHECK(syslet_reap(&ring) == &x);
	CHECK_EQ(rx, 8);
	CHECK(wait_change(&ry[0], 99));
	CHECK_EQ(fdinfo(ring.fd, "op read"), 1);
	CHECK_EQ(write(efd[1], &one, sizeof(one)), sizeof(one));
	CHECK_EQ(syslet_wait(&ring, 1), 1);
	CHECK(syslet_reap(&ring) == &y[1]);
	CHECK_EQ(ry[1], 8);
	CHECK_EQ(fdinfo(ring.fd, "op write"), 1);
	CHECK_EQ(fdinfo(ring.fd, "op read"), 2);
	for (i = 0; i < 2; i++)
		close(efd[i]);
	close(devnull);
	syslet_teardown(&ring);
	return 0;
}

/* fdinfo against a known state. */
static int t_fdinfo(void)
{
	struct syslet_uatom a[4], rd[2];
	long r[4], r0 = 99, rr = 99;
	unsigned long fd, p, n = 1;
	char buf;
	int pfd[2], i, efd;

	setup(16, 3);
	CHECK_EQ(fdinfo(ring.fd, "registered"), 1);
	CHECK_EQ(fdinfo(ring.fd, "ring_slots"), 16);
	CHECK_EQ(fdinfo(ring.fd, "max_workers"), 3);
	CHECK_EQ(fdinfo(ring.fd, "ring_ready"), 0);
	CHECK_EQ(fdinfo(ring.fd, "eventfd"), 0);
	for (i = 0; i < 3; i++)
		async_nop(&a[i], &r[i]);
	syslet_atom(&a[3], SYSLET_NR_NOP, 0, &r[3], NULL, NULL);
	CHECK_EQ(syslet_exec(&ring, &a[3], NULL), 1);
	CHECK_EQ(syslet_wait(&ring, 3), 3);
	CHECK_EQ(fdinfo(ring.fd, "ring_ready"), 3);
	CHECK_EQ(fdinfo(ring.fd, "op nop"), 4);
	CHECK_EQ(fdinfo(ring.fd, "chains"), 0);

	/* One chain blocked in a read: in flight, a busy worker. */
	CHECK(pipe(pfd) == 0);
	fd = pfd[0];
	p = (unsigned long)&buf;
	syslet_atom(&rd[0], SYSLET_NR_NOP, SYSLET_ASYNC, &r0, &rd[1], NULL);
	syslet_atom(&rd[1], SYS_read, 0, &rr, NULL, A(fd), A(p), A(n), NULL);
	CHECK_EQ(syslet_exec(&ring, &rd[0], NULL), 0);
	CHECK(wait_change(&r0, 99));
	CHECK(wait_parked(1));
	/*
	 * The nop it ran is counted once its worker is done with what it
	 * found to do, though the chain has not ended.
	 */
	for (i = 0; i < 2000 && fdinfo(ring.fd, "op nop") != 5; i++)
		usleep(1000);
	CHECK_EQ(fdinfo(ring.fd, "op nop"), 5);
	CHECK_EQ(fdinfo(ring.fd, "chains"), 1);
	CHECK_EQ(fdinfo(ring.fd, "ring_reserved"), 1);
	CHECK(fdinfo(ring.fd, "workers") >= 1);
	CHECK(fdinfo(ring.fd, "workers") <= 3);
	CHECK_EQ(write(pfd[1], "x", 1), 1);
	CHECK_EQ(syslet_wait(&ring, 4), 4);
	CHECK_EQ(fdinfo(ring.fd, "parked"), 0);
	CHECK_EQ(fdinfo(ring.fd, "chains"), 0);
	CHECK_EQ(fdinfo(ring.fd, "ring_ready"), 4);
	CHECK_EQ(fdinfo(ring.fd, "op read"), 1);
	CHECK_EQ(fdinfo(ring.fd, "op nop"), 5);
	for (i = 0; i < 4; i++)
		CHECK(syslet_reap(&ring));
	CHECK_EQ(fdinfo(ring.fd, "ring_ready"), 0);
	efd = eventfd(0, 0);
	CHECK_EQ(ioctl(ring.fd, SYSLET_IOC_EVENTFD, efd), 0);
	CHECK_EQ(fdinfo(ring.fd, "eventfd"), 1);
	CHECK_EQ(ioctl(ring.fd, SYSLET_IOC_UNREGISTER), 0);
	CHECK_EQ(fdinfo(ring.fd, "registered"), 0);
	CHECK_EQ(fdinfo(ring.fd, "ring_slots"), -1);
	close(efd);
	close(pfd[0]);
	close(pfd[1]);
	syslet_teardown(&ring);
	return 0;
}

static void upfunc(void *arg)
{
}

/* /dev/upcall's fdinfo: registrations, pending ones, threads. */
static int t_upcall_fdinfo(void)
{
	static struct upcall upc;
	int fd, id1, id2;

	id1 = upc_register(&upc, upc_context, upfunc, NULL);
	CHECK(id1 > 0);
	fd = upc_dev();
	CHECK_EQ(fdinfo(fd, "upcalls"), 1);
	CHECK_EQ(fdinfo(fd, "threads"), 1);
	CHECK_EQ(fdinfo(fd, "pending"), 0);
	id2 = upc_register(&upc, upc_context, upfunc, NULL);
	CHECK(id2 > id1);
	CHECK_EQ(fdinfo(fd, "upcalls"), 2);
	/* Dispatched inside a critical section: it stays pending. */
	crit_enter();
	CHECK_EQ(upc_control(UPC_CONTROL_DISPATCH, id2, (void *)1), 0);
	CHECK_EQ(fdinfo(fd, "pending"), 1);
	CHECK_EQ(upc_control(UPC_CONTROL_DELETE, id1, NULL), 0);
	CHECK_EQ(fdinfo(fd, "upcalls"), 1);
	return 0;
}

/* Read tracefs's trace into @buf; its length. */
static size_t read_trace(const char *dir, char *buf, size_t size)
{
	char path[128];
	size_t len = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/trace", dir);
	fd = open(path, O_RDONLY);
	CHECK(fd >= 0);
	while (len < size - 1 && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += n;
	close(fd);
	buf[len] = 0;
	return len;
}

static void write_file(const char *dir, const char *name, const char *val)
{
	char path[160];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_TRUNC);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, val, strlen(val)), (long)strlen(val));
	close(fd);
}

static int has(const char *buf, const char *fmt, ...)
{
	char want[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(want, sizeof(want), fmt, ap);
	va_end(ap);
	if (strstr(buf, want))
		return 1;
	fprintf(stderr, "not in the trace: %s\n", want);
	return 0;
}

/* Every syslet tracepoint fires, with the fields of what ran. */
static int t_tracepoints(void)
{
	const char *dir = "/sys/kernel/tracing";
	struct syslet_uatom s, a[2], rd[2], pk;
	long r = 99, ra[2] = { 99, 99 }, r0 = 99, rr = 99, rk = 99;
	unsigned long fd, p, n = 1, rp = (unsigned long)&r;
	struct timespec ten = { 10, 0 }, rem;
	unsigned long tp = (unsigned long)&ten, remp = (unsigned long)&rem;
	static char buf[1 << 20];
	char b;
	int pfd[2];

	if (access("/sys/kernel/tracing/trace", F_OK)) {
		mkdir(dir, 0755);
		if (mount("tracefs", dir, "tracefs", 0, NULL) &&
		    errno != EBUSY)
			return SKIP;	/* no tracefs in this kernel */
	}
	write_file(dir, "events/syslet/enable", "1");
	write_file(dir, "trace", "");
	setup(8, -1UL);
	syslet_atom(&s, SYSLET_NR_NOP, 0, &r, NULL, NULL);
	CHECK_EQ(syslet_exec(&ring, &s, NULL), 1);
	syslet_atom(&a[0], SYSLET_NR_NOP, SYSLET_ASYNC, &ra[0], &a[1], NULL);
	syslet_atom(&a[1], SYSLET_NR_UMEM_ADD, 0, &ra[1], NULL, A(rp),
		    A(n), NULL);
	CHECK_EQ(syslet_exec(&ring, &a[0], NULL), 0);
	CHECK_EQ(syslet_wait(&ring, 1), 1);
	syslet_atom(&rd[0], SYSLET_NR_NOP, SYSLET_ASYNC, &r0, &rd[1], NULL);
	syslet_atom(&rd[1], SYS_nanosleep, 0, &rr, NULL, A(tp), A(remp),
		    NULL);
	CHECK_EQ(syslet_exec(&ring, &rd[0], NULL), 0);
	CHECK(wait_change(&r0, 99));
	usleep(50000);		/* into the sleep */
	CHECK_EQ(cancel((unsigned long)&rd[0]), 0);
	CHECK_EQ(syslet_wait(&ring, 2), 2);
	/* A read of an empty pipe parks; cancelled there. */
	CHECK(pipe(pfd) == 0);
	fd = pfd[0];
	p = (unsigned long)&b;
	syslet_atom(&pk, SYS_read, SYSLET_ASYNC, &rk, NULL, A(fd), A(p), A(n),
		    NULL);
	CHECK_EQ(syslet_exec(&ring, &pk, NULL), 0);
	CHECK(wait_parked(1));
	CHECK_EQ(cancel((unsigned long)&pk), 0);
	CHECK_EQ(syslet_wait(&ring, 3), 3);
	write_file(dir, "events/syslet/enable", "0");
	read_trace(dir, buf, sizeof(buf));

	CHECK(has(buf, "syslet_exec: atom=%#lx", (unsigned long)&s));
	CHECK(has(buf, "syslet_atom_start: atom=%#lx nr=%lu sync=1",
		  (unsigned long)&s, (unsigned long)SYSLET_NR_NOP));
	CHECK(has(buf, "syslet_atom_end: atom=%#lx nr=%lu ret=0",
		  (unsigned long)&s, (unsigned long)SYSLET_NR_NOP));
	CHECK(has(buf, "syslet_async: first=%#lx start=%#lx inflight=1",
		  (unsigned long)&a[0], (unsigned long)&a[0]));
	CHECK(has(buf, "syslet_atom_start: atom=%#lx nr=%lu sync=0",
		  (unsigned long)&a[1], (unsigned long)SYSLET_NR_UMEM_ADD));
	CHECK(has(buf, "syslet_atom_end: atom=%#lx nr=%lu ret=1",
		  (unsigned long)&a[1], (unsigned long)SYSLET_NR_UMEM_ADD));
	CHECK(has(buf, "syslet_post: atom=%#lx tail=1", (unsigned long)&a[1]));
	CHECK(has(buf, "syslet_cancel: first=%#lx running",
		  (unsigned long)&rd[0]));
	CHECK(has(buf, "syslet_park: first=%#lx atom=%#lx",
		  (unsigned long)&pk, (unsigned long)&pk));
	CHECK(has(buf, "syslet_cancel: first=%#lx parked",
		  (unsigned long)&pk));
	CHECK(has(buf, "syslet_atom_end: atom=%#lx nr=%lu ret=%d",
		  (unsigned long)&rd[1], (unsigned long)SYS_nanosleep,
		  -ECANCELED));
	CHECK(has(buf, "syslet_post: atom=%#lx tail=2", (unsigned long)&rd[1]));
	CHECK(has(buf, "syslet_post: atom=%#lx tail=3", (unsigned long)&pk));
	CHECK_EQ(rk, -ECANCELED);
	close(pfd[0]);
	close(pfd[1]);
	syslet_teardown(&ring);
	return 0;
}

/*
 * A read that blocks in its worker (a FIFO open for reading and writing
 * does not park: two wait queues), cancelled: pipe_read()'s -ERESTARTSYS
 * is the -EINTR of a cut-short wait, and the chain ends with -ECANCELED,
 * never with a restart code.
 */
static int t_cancel_blocked(void)
{
	const char *path = "/tmp/cancel-fifo";
	struct syslet_uatom rd[2];
	long r0 = 99, rr = 99, t0;
	unsigned long fd, p, n = 1;
	char c;
	int ffd;

	unlink(path);
	CHECK(mkfifo(path, 0600) == 0);
	ffd = open(path, O_RDWR);
	CHECK(ffd >= 0);
	fd = ffd;
	p = (unsigned long)&c;
	setup(8, 1);
	syslet_atom(&rd[0], SYSLET_NR_NOP, SYSLET_ASYNC, &r0, &rd[1], NULL);
	syslet_atom(&rd[1], SYS_read, 0, &rr, NULL, A(fd), A(p), A(n), NULL);
	CHECK_EQ(syslet_exec(&ring, &rd[0], NULL), 0);
	CHECK(wait_change(&r0, 99));
	usleep(100000);		/* into the read */
	CHECK_EQ(rr, 99);
	/* Blocked in its worker, not parked: else no restart code. */
	CHECK_EQ(fdinfo(ring.fd, "parked"), 0);
	t0 = now_ms();
	CHECK_EQ(cancel((unsigned long)&rd[0]), 0);
	CHECK_EQ(syslet_wait(&ring, 1), 1);
	CHECK(now_ms() - t0 < 1000);
	CHECK_EQ(rr, -ECANCELED);
	CHECK_EQ(in_ring(&rd[1]), 1);
	close(ffd);
	unlink(path);
	syslet_teardown(&ring);
	return 0;
}

/* --- parking ------------------------------------------------------------ */

#define PARAMS "/sys/module/syslet/parameters"

#define NPARK 8

/*
 * @n reads of empty pipes, one chain each, with a single worker; then
 * writes to the pipes in reverse order.  Returns how many chains ended
 * within 300 ms of their pipe's write.
 */
static int park_reads(int n, int pfd[][2], struct syslet_uatom *a,
		      long *r, char *buf)
{
	unsigned long fd[NPARK], p[NPARK], one = 1;
	int i, ended = 0, k;

	for (i = 0; i < n; i++) {
		CHECK(pipe(pfd[i]) == 0);
		fd[i] = pfd[i][0];
		p[i] = (unsigned long)&buf[i];
		r[i] = 99;
		syslet_atom(&a[i], SYS_read, SYSLET_ASYNC, &r[i], NULL,
			    A(fd[i]), A(p[i]), A(one), NULL);
		CHECK_EQ(syslet_exec(&ring, &a[i], NULL), 0);
	}
	usleep(100000);
	for (i = n - 1; i >= 0; i--) {
		CHECK_EQ(write(pfd[i][1], "abcdefgh" + i, 1), 1);
		for (k = 0; k < 300 && load(&r[i]) == 99; k++)
			usleep(1000);
		if (load(&r[i]) == 1 && buf[i] == "abcdefgh"[i])
			ended++;
	}
	return ended;
}

/*
 * One worker, eight chains each reading an empty pipe: the reads park,
 * so each chain ends as soon as its pipe has data, in any order.  With
 * syslet.park=0 the first read holds the worker and the last pipe's
 * write ends nothing: the test would see it.
 */
static int t_park_one_worker(void)
{
	struct syslet_uatom a[NPARK];
	int pfd[NPARK][2], i;
	char buf[NPARK];
	long r[NPARK];

	write_file(PARAMS, "park", "0");
	setup(16, 1);
	CHECK(park_reads(2, pfd, a, r, buf) < 2);	/* blocked: not both */
	syslet_teardown(&ring);
	for (i = 0; i < 2; i++) {
		close(pfd[i][0]);
		close(pfd[i][1]);
	}

	write_file(PARAMS, "park", "1");
	setup(16, 1);
	CHECK_EQ(park_reads(NPARK, pfd, a, r, buf), NPARK);
	CHECK_EQ(syslet_wait(&ring, NPARK), NPARK);
	CHECK_EQ(fdinfo(ring.fd, "parked"), 0);
	CHECK_EQ(fdinfo(ring.fd, "workers"), 1);
	for (i = 0; i < NPARK; i++) {
		CHECK_EQ(r[i], 1);
		close(pfd[i][0]);
		close(pfd[i][1]);
	}
	syslet_teardown(&ring);
	return 0;
}

/*
 * A parked read is cancelled at once: posted exactly once, -ECANCELED
 * in its result; the worker was never held, the next chain runs.
 */
static int t_park_cancel(void)
{
	struct syslet_uatom rd[2], q;
	long r0 = 99, rr = 99, q0 = 99, t0;
	unsigned long fd, p, n = 1;
	char buf;
	int pfd[2];

	setup(8, 1);
	CHECK(pipe(pfd) == 0);
	fd = pfd[0];
	p = (unsigned long)&buf;
	syslet_atom(&rd[0], SYSLET_NR_NOP, SYSLET_ASYNC, &r0, &rd[1], NULL);
	syslet_atom(&rd[1], SYS_read, 0, &rr, NULL, A(fd), A(p), A(n), NULL);
	CHECK_EQ(syslet_exec(&ring, &rd[0], NULL), 0);
	CHECK(wait_parked(1));
	async_nop(&q, &q0);		/* the one worker is free */
	CHECK_EQ(syslet_wait(&ring, 1), 1);
	CHECK_EQ(q0, 0);
	t0 = now_ms();
	CHECK_EQ(cancel((unsigned long)&rd[0]), 0);
	CHECK_EQ(syslet_wait(&ring, 2), 2);
	CHECK(now_ms() - t0 < 100);
	CHECK_EQ(rr, -ECANCELED);
	CHECK_EQ(in_ring(&rd[1]), 1);
	CHECK_EQ(fdinfo(ring.fd, "parked"), 0);
	CHECK_EQ(cancel((unsigned long)&rd[0]), -ENOENT);
	/* Data after the cancel is not read: the chain is gone. */
	CHECK_EQ(write(pfd[1], "x", 1), 1);
	usleep(50000);
	CHECK_EQ(syslet_wait(&ring, 0), 2);
	CHECK_EQ(read(pfd[0], &buf, 1), 1);
	close(pfd[0]);
	close(pfd[1]);
	syslet_teardown(&ring);
	return 0;
}

/*
 * Submit a chain of one read of a new empty pipe (@pfd) into *@r, and
 * wait until it is parked there.  One at a time: the atom points to
 * this function's statics.
 */
static void submit_parked_read(struct syslet_uatom *a, long *r, int pfd[2])
{
	static unsigned long fd, p, n = 1;
	static char buf;

	CHECK(pipe(pfd) == 0);
	fd = pfd[0];
	p = (unsigned long)&buf;
	syslet_atom(a, SYS_read, SYSLET_ASYNC, r, NULL, A(fd), A(p), A(n),
		    NULL);
	CHECK_EQ(syslet_exec(&ring, a, NULL), 0);
	CHECK(wait_parked(1));
}

/* The writer goes: the parked read wakes and returns 0 (end of file). */
static int t_park_hangup(void)
{
	struct syslet_uatom a;
	long r = 99;
	int pfd[2];

	setup(8, 1);
	submit_parked_read(&a, &r, pfd);
	close(pfd[1]);
	CHECK_EQ(syslet_wait(&ring, 1), 1);
	CHECK_EQ(r, 0);
	close(pfd[0]);
	syslet_teardown(&ring);
	return 0;
}

/*
 * Unregistering ends a parked chain in its wait (-EINTR, posted) and
 * lets go of its file: once the process closes its read end, the pipe
 * has no reader (EPIPE).
 */
static int t_park_unregister(void)
{
	struct syslet_uatom a;
	long r = 99;
	int pfd[2];

	signal(SIGPIPE, SIG_IGN);
	setup(8, 2);
	submit_parked_read(&a, &r, pfd);
	CHECK_EQ(ioctl(ring.fd, SYSLET_IOC_UNREGISTER), 0);
	/* Ended in its wait, as a blocked read is: -EINTR, posted once. */
	CHECK_EQ(r, -EINTR);
	CHECK_EQ(in_ring(&a), 1);
	close(pfd[0]);
	errno = 0;
	CHECK_EQ(write(pfd[1], "x", 1), -1);
	CHECK_EQ(errno, EPIPE);
	close(pfd[1]);
	syslet_teardown(&ring);
	return 0;
}

static void workers_asleep_of(const char *stat, void *arg)
{
	*(int *)arg += stat[0] == 'S';
}

/*
 * Wait until this process's @n syslet_worker threads are all asleep
 * ('S' in /proc, twice 5 ms apart): none is still starting or spinning
 * for the next chain.  At most 2 s.
 */
static int workers_asleep(int n)
{
	int i, tries;

	for (tries = 0; tries < 400; tries++) {
		int seen = 0;

		for (i = 0; i < 2; i++) {
			int asleep = 0;

			syslet_workers_each("self", workers_asleep_of, &asleep);
			seen += asleep == n;
			usleep(5000);
		}
		if (seen == 2)
			return 1;
	}
	return 0;
}

/*
 * A worker that blocks in an atom hands the chains that wait for a worker
 * to another.  Chain B reads pipe 2 (parks).  Chain A reads pipe 1
 * (parks), writes a byte to pipe 2, then reads an eventfd (it blocks:
 * not a socket or pipe).  Two workers.  The test writes pipe 1: the
 * worker running A wakes B itself, while it is active, so no worker is
 * woken for B; then it blocks in A.  B must still end while A blocks,
 * at once: an idle worker's own check, once a second, would take it
 * later.  With syslet.handoff=0 too (a kernel without preemption
 * notifiers), where B's wake-up wakes an idle worker.
 */
static int park_handoff(void)
{
	unsigned long f1, w2, f2, fe, p1, p2, pe, one = 1, eight = 8;
	long ra = 99, rw = 99, re = 99, rb = 99, t0;
	struct syslet_uatom a[3], b;
	int pa[2], pb[2], efd;
	uint64_t ev, add = 1;
	char c1 = 0, c2 = 0;

	setup(16, 2);
	CHECK(pipe(pa) == 0 && pipe(pb) == 0);
	efd = eventfd(0, 0);
	CHECK(efd >= 0);
	f1 = pa[0];
	w2 = pb[1];
	f2 = pb[0];
	fe = efd;
	p1 = (unsigned long)&c1;
	p2 = (unsigned long)&c2;
	pe = (unsigned long)&ev;
	syslet_atom(&b, SYS_read, SYSLET_ASYNC, &rb, NULL, A(f2), A(p2),
		    A(one), NULL);
	CHECK_EQ(syslet_exec(&ring, &b, NULL), 0);
	CHECK(wait_parked(1));
	syslet_atom(&a[0], SYS_read, SYSLET_ASYNC, &ra, &a[1], A(f1), A(p1),
		    A(one), NULL);
	syslet_atom(&a[1], SYS_write, 0, &rw, &a[2], A(w2), A(p1), A(one),
		    NULL);
	syslet_atom(&a[2], SYS_read, 0, &re, NULL, A(fe), A(pe), A(eight),
		    NULL);
	CHECK_EQ(syslet_exec(&ring, &a[0], NULL), 0);
	CHECK(wait_parked(2));
	CHECK_EQ(fdinfo(ring.fd, "workers"), 2);
	/*
	 * Both asleep, their next idle check a second away: a worker still
	 * starting or spinning would take A or B itself, and the hand-off
	 * would not be needed.
	 */
	CHECK(workers_asleep(2));

	t0 = now_ms();
	CHECK_EQ(write(pa[1], "a", 1), 1);
	CHECK(wait_change(&rb, 99));
	/* Not by the other worker's idle check, once a second. */
	CHECK(now_ms() - t0 < 500);
	CHECK_EQ(rb, 1);
	CHECK_EQ(c2, 'a');
	CHECK_EQ(load(&ra), 1);
	CHECK_EQ(load(&rw), 1);
	CHECK_EQ(load(&re), 99);		/* A still blocks */
	CHECK_EQ(write(efd, &add, 8), 8);
	CHECK_EQ(syslet_wait(&ring, 2), 2);
	CHECK_EQ(re, 8);
	close(pa[0]);
	close(pa[1]);
	close(pb[0]);
	close(pb[1]);
	close(efd);
	syslet_teardown(&ring);
	return 0;
}

static int t_park_handoff(void)
{
	write_file(PARAMS, "handoff", "0");
	park_handoff();
	write_file(PARAMS, "handoff", "1");
	return park_handoff();
}

/*
 * Wake-ups that come while a chain parks are not lost.  Each of NPONG
 * chains loops reading a byte from its pipe and writing it back on
 * another; a thread per chain writes a byte and waits for it to come
 * back, PONG_TRIPS times.  The thread's next byte comes just as the
 * chain's worker, done writing, parks the chain on its empty pipe again:
 * a wake-up lost there leaves the thread waiting, seen within 2 s.
 */
#define NPONG		4
#define PONG_TRIPS	5000

struct pong {
	int in[2], out[2];
	unsigned long rfd, wfd, p, one;
	long rr, rw;
	char b;
	struct syslet_uatom a[2];
	int trips;
};

static void *pong_thread(void *arg)
{
	struct pong *g = arg;
	struct pollfd pfd = { .fd = g->out[0], .events = POLLIN };
	char c = 'x';

	for (g->trips = 0; g->trips < PONG_TRIPS; g->trips++) {
		if (write(g->in[1], &c, 1) != 1 || poll(&pfd, 1, 2000) != 1 ||
		    read(g->out[0], &c, 1) != 1)
			break;
	}
	return NULL;
}

static int t_park_pingpong(void)
{
	static struct pong g[NPONG];
	pthread_t th[NPONG];
	int i;

	setup(16, NPONG);
	for (i = 0; i < NPONG; i++) {
		CHECK(pipe(g[i].in) == 0 && pipe(g[i].out) == 0);
		g[i].rfd = g[i].in[0];
		g[i].wfd = g[i].out[1];
		g[i].p = (unsigned long)&g[i].b;
		g[i].one = 1;
		syslet_atom(&g[i].a[0], SYS_read,
			    SYSLET_ASYNC | SYSLET_STOP_ON_NON_POSITIVE,
			    &g[i].rr, &g[i].a[1], A(g[i].rfd), A(g[i].p),
			    A(g[i].one), NULL);
		syslet_atom(&g[i].a[1], SYS_write, SYSLET_STOP_ON_NON_POSITIVE,
			    &g[i].rw, &g[i].a[0], A(g[i].wfd), A(g[i].p),
			    A(g[i].one), NULL);
		CHECK_EQ(syslet_exec(&ring, &g[i].a[0], NULL), 0);
	}
	for (i = 0; i < NPONG; i++)
		CHECK(pthread_create(&th[i], NULL, pong_thread, &g[i]) == 0);
	for (i = 0; i < NPONG; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < NPONG; i++)
		CHECK_EQ(g[i].trips, PONG_TRIPS);
	/* The writers go: each chain reads 0 and ends. */
	for (i = 0; i < NPONG; i++)
		close(g[i].in[1]);
	CHECK_EQ(syslet_wait(&ring, NPONG), NPONG);
	for (i = 0; i < NPONG; i++) {
		CHECK_EQ(g[i].rr, 0);
		close(g[i].in[0]);
		close(g[i].out[0]);
		close(g[i].out[1]);
	}
	syslet_teardown(&ring);
	return 0;
}

/*
 * A read that parked, come round again in a loop, is parked before it is
 * tried: data already there must be seen then.  The chain loops reading a
 * byte of a pipe and counting it (SYSLET_NR_UMEM_ADD).  After its first
 * byte it is parked; then three bytes come at once: one wake-up, and the
 * chain must read all three without another.
 */
static int t_park_poll_first(void)
{
	unsigned long fd, p, one = 1, pcount;
	long count = 0, rr = 99, ra = 99;
	struct syslet_uatom a[2];
	int pfd[2], k;
	char b;

	setup(8, 1);
	CHECK(pipe(pfd) == 0);
	fd = pfd[0];
	p = (unsigned long)&b;
	pcount = (unsigned long)&count;
	syslet_atom(&a[0], SYS_read, SYSLET_ASYNC | SYSLET_STOP_ON_NON_POSITIVE,
		    &rr, &a[1], A(fd), A(p), A(one), NULL);
	syslet_atom(&a[1], SYSLET_NR_UMEM_ADD, 0, &ra, &a[0], A(pcount),
		    A(one), NULL);
	CHECK_EQ(syslet_exec(&ring, &a[0], NULL), 0);
	CHECK(wait_parked(1));
	CHECK_EQ(write(pfd[1], "a", 1), 1);
	CHECK(wait_change(&count, 0));
	CHECK(wait_parked(1));
	CHECK_EQ(load(&count), 1);
	CHECK_EQ(write(pfd[1], "bcd", 3), 3);
	for (k = 0; k < 2000 && load(&count) < 4; k++)
		usleep(1000);
	CHECK_EQ(load(&count), 4);
	CHECK(wait_parked(1));
	close(pfd[1]);			/* read 0: the chain ends */
	CHECK_EQ(syslet_wait(&ring, 1), 1);
	CHECK_EQ(rr, 0);
	close(pfd[0]);
	syslet_teardown(&ring);
	return 0;
}

/*
 * A parked atom goes on with the atom and arguments it began with, as a
 * blocking read goes on with those it was called with: changing them
 * while it waits changes nothing.  The read of an empty pipe parks with
 * count 4 into buf, result into r; then the count, the buffer and the
 * ret_ptr are changed in memory, and six bytes come: it reads 4 into buf
 * and stores 4 in r.  Cancelled while parked, the -ECANCELED goes to the
 * ret_ptr it began with, too.
 */
static int t_park_keeps_atom(void)
{
	static unsigned long fd, p, n;
	char buf[8] = "", other[8] = "";
	long r = 99, r2 = 99;
	struct syslet_uatom a;
	int pfd[2];

	setup(8, 1);
	CHECK(pipe(pfd) == 0);
	fd = pfd[0];
	p = (unsigned long)buf;
	n = 4;
	syslet_atom(&a, SYS_read, SYSLET_ASYNC, &r, NULL, A(fd), A(p), A(n),
		    NULL);
	CHECK_EQ(syslet_exec(&ring, &a, NULL), 0);
	CHECK(wait_parked(1));
	n = 1;
	p = (unsigned long)other;
	a.ret_ptr = &r2;
	CHECK_EQ(write(pfd[1], "abcdef", 6), 6);
	CHECK_EQ(syslet_wait(&ring, 1), 1);
	CHECK_EQ(r, 4);
	CHECK_EQ(r2, 99);
	CHECK(!memcmp(buf, "abcd", 4));
	CHECK_EQ(other[0], 0);

	/* Cancelled in its wait: the result goes where it began with. */
	r = 99;
	n = 4;
	p = (unsigned long)buf;
	CHECK_EQ(read(pfd[0], buf, sizeof(buf)), 2);
	a.ret_ptr = &r;
	CHECK_EQ(syslet_exec(&ring, &a, NULL), 0);
	CHECK(wait_parked(1));
	a.ret_ptr = &r2;
	CHECK_EQ(cancel((unsigned long)&a), 0);
	CHECK_EQ(syslet_wait(&ring, 2), 2);
	CHECK_EQ(r, -ECANCELED);
	CHECK_EQ(r2, 99);
	close(pfd[0]);
	close(pfd[1]);
	syslet_teardown(&ring);
	return 0;
}

static const struct test tests[] = {
	{ "poll", t_poll },
	{ "epoll", t_epoll },
	{ "poll-unregistered", t_poll_unregistered },
	{ "eventfd", t_eventfd },
	{ "wait-timeout", t_wait_timeout },
	{ "wait-signal", t_wait_signal },
	{ "cancel", t_cancel },
	{ "cancel-blocked", t_cancel_blocked },
	{ "cancel-enoent", t_cancel_enoent },
	{ "chain-timeout", t_chain_timeout },
	{ "fdinfo", t_fdinfo },
	{ "fdinfo-at-end", t_fdinfo_at_end },
	{ "upcall-fdinfo", t_upcall_fdinfo },
	{ "tracepoints", t_tracepoints },
	{ "park-one-worker", t_park_one_worker },
	{ "park-cancel", t_park_cancel },
	{ "park-hangup", t_park_hangup },
	{ "park-unregister", t_park_unregister },
	{ "park-handoff", t_park_handoff },
	{ "park-pingpong", t_park_pingpong },
	{ "park-poll-first", t_park_poll_first },
	{ "park-keeps-atom", t_park_keeps_atom },
};

TEST_MAIN(tests, NULL)
