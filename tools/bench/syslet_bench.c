// SPDX-License-Identifier: GPL-2.0
/*
 * syslet_bench: syslet against plain system calls and io_uring, side by
 * side in one boot.  Prints lines for scripts/bench.sh:
 *
 *   syslet_bench: RESULT <bench> <case> <mechanism> <median> <p99> <unit>
 *
 * S1  N cached 4 KiB preads (N = 1, 8, 64, 512): N pread() calls, one
 *     syslet chain of N atoms (synchronous path), io_uring with N SQEs
 *     and io_uring_submit_and_wait().  ns per read.  Data verified.
 * S2  the same, forced asynchronous: SYSLET_ASYNC on the first atom vs
 *     IOSQE_ASYNC on every SQE.  ns per read.  The chain's reads run one
 *     after the other, io_uring's side by side; so also N one-atom
 *     chains ("syslet_chains") and N linked SQEs ("io_uring_linked").
 * S3  null operations: a chain of N SYSLET_NR_NOP atoms vs N
 *     IORING_OP_NOP.  ns per op.
 * S4  completions through the ring with 64 asynchronous chains (one nop
 *     atom each) in flight vs 64 IOSQE_ASYNC nops in flight.  ops/s.
 * S5  TCP echo over loopback, 16 connections each doing round trips of
 *     64 bytes, driven by one client process: the server as one looping
 *     syslet chain per connection (tools/lib/syslet_echo.h) vs an epoll
 *     loop vs io_uring recv/send.  Round trips/s; the three servers take
 *     turns in each repetition.
 *
 * The mechanisms of a figure take turns, one repetition each (A B A B
 * ...), so that a slow phase of the host hits all of them.  Every
 * repetition runs between two marker instructions that an
 * instruction-counting qemu plugin (tools/bench/icount.c) recognises;
 * with SYSLET_BENCH_ICOUNT=1 each repetition also prints
 *
 *   syslet_bench: IMARK <bench> <case> <mechanism> <operations>
 *
 * after its closing marker, which names the plugin's count of the
 * section, in order.
 *
 * Usage: syslet_bench FILE REPS  (FILE: on a file system with
 * FMODE_NOWAIT, e.g. ext4, at least 2 MiB; REPS repetitions per figure).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "../lib/syslet.h"
#include "../lib/syslet_echo.h"

#define BS		4096
#define MAXN		512
#define A(x)		((unsigned long *)&(x))

static struct syslet_ring sring;
static struct io_uring uring;
static int fd;
static char *bufs;			/* MAXN * BS */
static unsigned long offs[MAXN], pbuf[MAXN], ufd, bs = BS;
static struct syslet_uatom atoms[MAXN];
static long rets[MAXN];
static unsigned int reps;
static uint64_t *samples;
static unsigned int nsamples;
/* Per mechanism, while the mechanisms take turns. */
static uint64_t *msamples[5];

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * SYSLET_BENCH_TAG=A1 names the syslet rows "syslet@A1": an A/B run
 * (scripts/bench.sh --ab REV) reports two builds of the module in turns
 * in the same boot, A the other one, B this one.
 */
static void report(const char *bench, const char *cas, const char *mech,
		   const char *unit)
{
	const char *tag = getenv("SYSLET_BENCH_TAG");
	char name[64];

	if (tag && !strncmp(mech, "syslet", 6)) {
		snprintf(name, sizeof(name), "%s@%s", mech, tag);
		mech = name;
	}
	qsort(samples, nsamples, sizeof(*samples), cmp);
	printf("syslet_bench: RESULT %s %s %s %llu %llu %s\n", bench, cas, mech,
	       (unsigned long long)samples[nsamples / 2],
	       (unsigned long long)samples[nsamples * 99 / 100], unit);
	fflush(stdout);
	nsamples = 0;
}

/* Report mechanism @m's samples of msamples[]. */
static void report_mech(int m, const char *bench, const char *cas,
			const char *mech, const char *unit)
{
	memcpy(samples, msamples[m], reps * sizeof(*samples));
	nsamples = reps;
	report(bench, cas, mech, unit);
}

/*
 * The markers: instructions with no effect (nopl with a 32-bit
 * displacement) whose displacements tools/bench/icount.c looks for.
 * Between a begin and an end it counts the instructions all CPUs ran.
 */
static long csw_self, csw_thread;	/* at icount_begin() */

/* Voluntary context switches: the process's, and this thread's. */
static void csw(long *self, long *thread)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	*self = ru.ru_nvcsw;
	getrusage(RUSAGE_THREAD, &ru);
	*thread = ru.ru_nvcsw;
}

static inline void icount_mark_begin(void)
{
	__asm__ volatile("nopl 0x4d500001(%%rax)" ::: "memory");
}

static inline void icount_mark_end(void)
{
	__asm__ volatile("nopl 0x4d500002(%%rax)" ::: "memory");
}

static inline void icount_begin(void)
{
	csw(&csw_self, &csw_thread);
	icount_mark_begin();
}

/*
 * Name the section that the last end marker closed; icount_end() is the
 * end marker and this.  S5's client process makes its own markers, and
 * the server names the section once the client is done.
 */
static void icount_name(const char *bench, const char *cas, const char *mech,
			unsigned long ops)
{
	static int on = -1;

	if (on < 0)
		on = getenv("SYSLET_BENCH_ICOUNT") &&
		     !strcmp(getenv("SYSLET_BENCH_ICOUNT"), "1");
	if (on) {
		long self, thread;

		/*
		 * Sleeps per operation, of the submitting thread and of the
		 * others (syslet's workers, io_uring's io-wq threads).
		 */
		csw(&self, &thread);
		printf("syslet_bench: IMARK %s %s %s %lu\n", bench, cas, mech,
		       ops);
		printf("syslet_bench: SLEEPS %s %s %s %.3f %.3f\n", bench, cas,
		       mech, (double)(thread - csw_thread) / ops,
		       (double)(self - csw_self - thread + csw_thread) / ops);
		fflush(stdout);
	}
}

static void icount_end(const char *bench, const char *cas, const char *mech,
		       unsigned long ops)
{
	icount_mark_end();
	icount_name(bench, cas, mech, ops);
}

/* SYSLET_BENCH_ONLY=S2,S4 runs only those benchmarks. */
static bool want(const char *bench)
{
	const char *only = getenv("SYSLET_BENCH_ONLY");

	return !only || !*only || strstr(only, bench);
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static char pattern(size_t i)
{
	return (char)(i * 7 + 3);
}

static void verify(int n)
{
	int i;

	for (i = 0; i < n; i++) {
		size_t o = offs[i];
		char *b = bufs + (size_t)i * BS;

		if (b[0] != pattern(o) || b[BS - 1] != pattern(o + BS - 1)) {
			fprintf(stderr, "data mismatch in read %d\n", i);
			exit(1);
		}
	}
}

/* A chain of n atoms: pread64 (or nop), each with its own buffer. */
static void build_chain(int n, bool nop, unsigned long first_flags)
{
	int i;

	for (i = 0; i < n; i++) {
		if (nop)
			syslet_atom(&atoms[i], SYSLET_NR_NOP, 0, &rets[i],
				    i + 1 < n ? &atoms[i + 1] : NULL, NULL);
		else
			syslet_atom(&atoms[i], SYS_pread64, 0, &rets[i],
				    i + 1 < n ? &atoms[i + 1] : NULL,
				    A(ufd), A(pbuf[i]), A(bs), A(offs[i]), NULL);
	}
	atoms[0].flags |= first_flags;
}

/* Run the chain; returns 1 if it finished synchronously. */
static int run_chain(void)
{
	struct syslet_uatom *done = NULL;
	int ret = syslet_exec(&sring, atoms, &done);

	if (ret < 0) {
		fprintf(stderr, "exec: %s\n", strerror(-ret));
		exit(1);
	}
	if (ret == 0) {
		while (!syslet_reap(&sring))
			if (syslet_wait(&sring, 1) < 0)
				die("wait");
	}
	return ret;
}

static void uring_batch(int n, bool nop, unsigned int sqe_flags)
{
	struct io_uring_cqe *cqe;
	int i;

	for (i = 0; i < n; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&uring);

		if (!sqe) {
			io_uring_submit(&uring);
			sqe = io_uring_get_sqe(&uring);
		}
		if (nop)
			io_uring_prep_nop(sqe);
		else
			io_uring_prep_read(sqe, fd, bufs + (size_t)i * BS, BS,
					   offs[i]);
		sqe->flags |= sqe_flags;
		if (i == n - 1)		/* a link ends at its last request */
			sqe->flags &= ~IOSQE_IO_LINK;
	}
	if (io_uring_submit_and_wait(&uring, n) < 0)
		die("io_uring_submit_and_wait");
	for (i = 0; i < n; i++) {
		if (io_uring_wait_cqe(&uring, &cqe))
			die("io_uring_wait_cqe");
		if (cqe->res != (nop ? 0 : BS)) {
			fprintf(stderr, "io_uring res %d\n", cqe->res);
			exit(1);
		}
		io_uring_cqe_seen(&uring, cqe);
	}
}

static const char *const s1_mechs[] = {
	"pread", "syslet", "io_uring", "syslet_chains", "io_uring_linked",
};

/*
 * S2's like-for-like pairs: one chain of n atoms runs them one after the
 * other in one worker, while io_uring's n IOSQE_ASYNC requests run side
 * by side in as many io-wq workers as it makes.  "syslet_chains" is n
 * one-atom chains (side by side too), "io_uring_linked" n requests
 * linked with IOSQE_IO_LINK (one after the other).
 */
static void syslet_chains(int n)
{
	struct syslet_uatom *c;
	int i, ret, done = 0;

	for (i = 0; i < n; i++) {
		atoms[i].next = NULL;
		while ((ret = syslet_exec(&sring, &atoms[i], NULL)) == -EBUSY) {
			/* The ring is full of completions: reap one. */
			while (!syslet_reap(&sring))
				if (syslet_wait(&sring, 1) < 0)
					die("wait");
			done++;
		}
		if (ret < 0) {
			fprintf(stderr, "exec: %s\n", strerror(-ret));
			exit(1);
		}
		done += ret;
	}
	while (done < n) {
		c = syslet_reap(&sring);
		if (c)
			done++;
		else if (syslet_wait(&sring, 1) < 0)
			die("wait");
	}
}

static void s1_s2(const char *bench, int n, bool async)
{
	int nmech = async ? 5 : 3;
	char cas[16];
	unsigned int r, i;
	int mech;

	snprintf(cas, sizeof(cas), "n=%d", n);
	for (r = 0; r < reps; r++) {
		for (mech = 0; mech < nmech; mech++) {
			uint64_t t0;
			int sync = -1;

			if (async && mech == 0)
				continue;	/* pread() has no async form */
			memset(bufs, 0, (size_t)n * BS);
			if (mech == 1 || mech == 3)
				build_chain(n, false, async ? SYSLET_ASYNC : 0);
			if (mech == 3)
				for (i = 1; i < (unsigned int)n; i++)
					atoms[i].flags |= SYSLET_ASYNC;
			icount_begin();
			t0 = now_ns();
			switch (mech) {
			case 0:
				for (i = 0; i < (unsigned int)n; i++)
					if (pread(fd, bufs + (size_t)i * BS, BS,
						  offs[i]) != BS)
						die("pread");
				break;
			case 1:
				sync = run_chain();
				break;
			case 2:
				uring_batch(n, false, async ? IOSQE_ASYNC : 0);
				break;
			case 3:
				syslet_chains(n);
				break;
			case 4:
				uring_batch(n, false, IOSQE_ASYNC | IOSQE_IO_LINK);
				break;
			}
			msamples[mech][r] = (now_ns() - t0) / n;
			icount_end(bench, cas, s1_mechs[mech], n);
			verify(n);
			if (mech == 1 || mech == 3) {
				for (i = 0; i < (unsigned int)n; i++)
					if (rets[i] != BS)
						die("syslet pread result");
				if (!async && !sync) {
					fprintf(stderr, "chain left the caller\n");
					exit(1);
				}
			}
		}
	}
	for (mech = async; mech < nmech; mech++)
		report_mech(mech, bench, cas, s1_mechs[mech], "ns/op");
}

static void s3(int n)
{
	static const char *const mechs[] = { "syslet", "io_uring" };
	char cas[16];
	unsigned int r;
	int mech;

	snprintf(cas, sizeof(cas), "n=%d", n);
	for (r = 0; r < reps; r++) {
		for (mech = 0; mech < 2; mech++) {
			uint64_t t0;

			if (!mech)
				build_chain(n, true, 0);
			icount_begin();
			t0 = now_ns();
			if (!mech)
				run_chain();
			else
				uring_batch(n, true, 0);
			msamples[mech][r] = (now_ns() - t0) / n;
			icount_end("S3", cas, mechs[mech], n);
		}
	}
	for (mech = 0; mech < 2; mech++)
		report_mech(mech, "S3", cas, mechs[mech], "ns/op");
}

/* 64 in flight, TOTAL completions; returns ops/s. */
#define INFLIGHT	64
#define TOTAL		4096

static uint64_t s4_syslet(void)
{
	static struct syslet_uatom a[INFLIGHT];
	static long r[INFLIGHT];
	uint64_t t0 = now_ns();
	int i, done = 0, sent = 0;

	for (i = 0; i < INFLIGHT; i++) {
		syslet_atom(&a[i], SYSLET_NR_NOP, SYSLET_ASYNC, &r[i], NULL, NULL);
		if (syslet_exec(&sring, &a[i], NULL) != 0)
			die("exec");
		sent++;
	}
	while (done < TOTAL) {
		struct syslet_uatom *c = syslet_reap(&sring);

		if (!c) {
			if (syslet_wait(&sring, 1) < 0)
				die("wait");
			continue;
		}
		done++;
		if (sent < TOTAL) {
			if (syslet_exec(&sring, c, NULL) != 0)
				die("exec");
			sent++;
		}
	}
	return (uint64_t)TOTAL * 1000000000ull / (now_ns() - t0);
}

static uint64_t s4_uring(void)
{
	struct io_uring_cqe *cqe;
	uint64_t t0 = now_ns();
	int i, done = 0, sent = 0;

	for (i = 0; i < INFLIGHT; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&uring);

		io_uring_prep_nop(sqe);
		sqe->flags |= IOSQE_ASYNC;
		sent++;
	}
	io_uring_submit(&uring);
	while (done < TOTAL) {
		if (io_uring_wait_cqe(&uring, &cqe))
			die("io_uring_wait_cqe");
		io_uring_cqe_seen(&uring, cqe);
		done++;
		if (sent < TOTAL) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&uring);

			io_uring_prep_nop(sqe);
			sqe->flags |= IOSQE_ASYNC;
			io_uring_submit(&uring);
			sent++;
		}
	}
	return (uint64_t)TOTAL * 1000000000ull / (now_ns() - t0);
}

/* --- S5: echo over loopback -------------------------------------------- */

#define S5_CONNS	16	/* at most; SYSLET_BENCH_S5_CONNS=N: fewer */
#define S5_MSG		64

static int s5_conns = S5_CONNS;		/* connections of this run */

static unsigned int s5_trips = 300;	/* round trips per connection */

static int s5_listen(struct sockaddr_in *sin)
{
	socklen_t len = sizeof(*sin);
	int lfd;

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (void *)sin, sizeof(*sin)) ||
	    listen(lfd, 128) || getsockname(lfd, (void *)sin, &len))
		die("S5 listen");
	return lfd;
}

static void s5_full(int fd, char *p, size_t len, bool rd)
{
	while (len) {
		ssize_t n = rd ? read(fd, p, len) : write(fd, p, len);

		if (n <= 0)
			die("S5 client io");
		p += n;
		len -= n;
	}
}

/*
 * SYSLET_BENCH_PIN=1 (scripts/vm.sh BENCH_PIN=1): the calling process on
 * @cpu only, for a profile per side (its threads and workers created
 * later inherit it).
 */
static void s5_pin(int cpu)
{
	const char *pin = getenv("SYSLET_BENCH_PIN");
	cpu_set_t set;

	if (!pin || strcmp(pin, "1"))
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity");
}

/*
 * The client, in a child process: S5_CONNS connections, each doing
 * s5_trips round trips of S5_MSG bytes (checked), all in flight at once,
 * driven by epoll.  Writes its round trips/s to @out.
 */
static void s5_client(const struct sockaddr_in *sin, int out)
{
	struct epoll_event ev, evs[S5_CONNS];
	unsigned int left[S5_CONNS], busy = s5_conns;
	char msg[S5_MSG], in[S5_MSG];
	int fds[S5_CONNS], ep, i, n;
	uint64_t t0, rate;

	s5_pin(0);
	ep = epoll_create1(0);
	for (i = 0; i < S5_MSG; i++)
		msg[i] = (char)(i * 5 + 1);
	for (i = 0; i < s5_conns; i++) {
		int one = 1;

		fds[i] = socket(AF_INET, SOCK_STREAM, 0);
		if (fds[i] < 0 || connect(fds[i], (const void *)sin, sizeof(*sin)))
			die("S5 connect");
		setsockopt(fds[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		ev.events = EPOLLIN;
		ev.data.u32 = i;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev))
			die("S5 epoll_ctl");
		left[i] = s5_trips;
	}
	/* The counted section: the round trips, not the set-up. */
	icount_mark_begin();
	t0 = now_ns();
	for (i = 0; i < s5_conns; i++)
		s5_full(fds[i], msg, S5_MSG, false);
	while (busy) {
		n = epoll_wait(ep, evs, s5_conns, 10000);
		if (n <= 0)
			die("S5 client: no echo for 10 s");
		while (n--) {
			int c = evs[n].data.u32;

			s5_full(fds[c], in, S5_MSG, true);
			if (memcmp(in, msg, S5_MSG)) {
				fprintf(stderr, "S5: echo differs\n");
				exit(1);
			}
			if (--left[c])
				s5_full(fds[c], msg, S5_MSG, false);
			else
				busy--;
		}
	}
	rate = (uint64_t)s5_conns * s5_trips * 1000000000ull / (now_ns() - t0);
	icount_mark_end();
	for (i = 0; i < s5_conns; i++)
		close(fds[i]);
	if (write(out, &rate, sizeof(rate)) != sizeof(rate))
		exit(1);
	exit(0);
}

/* Accept S5_CONNS connections, made non-blocking or not. */
static void s5_accept_all(int lfd, int *fds, int flags)
{
	struct pollfd pfd = { .fd = lfd, .events = POLLIN };
	int i = 0;

	while (i < s5_conns) {
		fds[i] = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | flags);
		if (fds[i] >= 0)
			i++;
		else if (errno == EAGAIN)
			poll(&pfd, 1, 1000);
		else
			die("S5 accept");
	}
}

static void s5_epoll_server(int lfd)
{
	struct epoll_event ev, evs[S5_CONNS];
	int fds[S5_CONNS], ep = epoll_create1(0), live = s5_conns, i, n;
	char buf[ECHO_BUF];

	s5_accept_all(lfd, fds, SOCK_NONBLOCK);
	for (i = 0; i < s5_conns; i++) {
		ev.events = EPOLLIN;
		ev.data.u32 = i;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev))
			die("S5 epoll_ctl");
	}
	while (live) {
		n = epoll_wait(ep, evs, s5_conns, -1);
		if (n < 0)
			die("S5 epoll_wait");
		while (n--) {
			int fd = fds[evs[n].data.u32];
			ssize_t got = recv(fd, buf, sizeof(buf), 0), off = 0;

			if (got < 0 && errno == EAGAIN)
				continue;
			if (got <= 0) {
				close(fd);
				live--;
				continue;
			}
			while (off < got) {
				ssize_t w = send(fd, buf + off, got - off,
						 MSG_NOSIGNAL);

				if (w < 0 && errno == EAGAIN)
					continue;
				if (w < 0)
					die("S5 send");
				off += w;
			}
		}
	}
	close(ep);
}

static void s5_uring_server(int lfd)
{
	static char bufs[S5_CONNS][ECHO_BUF];
	int fds[S5_CONNS], live = s5_conns, i;
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;

	s5_accept_all(lfd, fds, 0);
	for (i = 0; i < s5_conns; i++) {
		sqe = io_uring_get_sqe(&uring);
		io_uring_prep_recv(sqe, fds[i], bufs[i], ECHO_BUF, 0);
		io_uring_sqe_set_data64(sqe, i);
	}
	while (live) {
		if (io_uring_submit_and_wait(&uring, 1) < 0)
			die("S5 io_uring_submit_and_wait");
		while (!io_uring_peek_cqe(&uring, &cqe)) {
			uint64_t d = io_uring_cqe_get_data64(cqe);
			int c = d & 0xffff, res = cqe->res;
			bool send = d >> 16;

			io_uring_cqe_seen(&uring, cqe);
			if (res <= 0 && !send) {
				close(fds[c]);
				live--;
				continue;
			}
			if (res < 0)
				die("S5 io_uring send");
			sqe = io_uring_get_sqe(&uring);
			if (send)
				io_uring_prep_recv(sqe, fds[c], bufs[c],
						   ECHO_BUF, 0);
			else
				io_uring_prep_send(sqe, fds[c], bufs[c], res,
						   MSG_NOSIGNAL | MSG_WAITALL);
			io_uring_sqe_set_data64(sqe, c | (uint64_t)!send << 16);
		}
	}
}

/*
 * One run of server @mech (0 syslet, 1 epoll, 2 io_uring): round trips/s.
 * The client's markers count its round trips (all CPUs); the server
 * names them, and its sleeps (the workers' too) per round trip.
 */
static uint64_t s5_run(int mech, const char *cas)
{
	static const char *const mechs[] = { "syslet", "epoll", "io_uring" };
	struct sockaddr_in sin;
	struct echo_stats st = { 0 };
	int lfd = s5_listen(&sin), pfd[2], status;
	uint64_t rate = 0;
	pid_t pid;

	if (pipe(pfd))
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid) {
		close(lfd);
		s5_client(&sin, pfd[1]);
	}
	close(pfd[1]);
	csw(&csw_self, &csw_thread);
	if (mech == 0) {
		int ret = echo_serve(&sring, lfd, s5_conns, &st);

		if (ret || st.errors) {
			fprintf(stderr, "S5 syslet server: %s, %lu errors\n",
				strerror(-ret), st.errors);
			exit(1);
		}
	} else if (mech == 1) {
		s5_epoll_server(lfd);
	} else {
		s5_uring_server(lfd);
	}
	if (read(pfd[0], &rate, sizeof(rate)) != sizeof(rate))
		die("S5 client result");
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		die("S5 client failed");
	icount_name("S5", cas, mechs[mech], (unsigned long)s5_conns * s5_trips);
	close(pfd[0]);
	close(lfd);
	return rate;
}

static void s5(void)
{
	static const char *const mechs[] = { "syslet", "epoll", "io_uring" };
	uint64_t *rates[3];
	unsigned int r;
	int m;

	const char *conns = getenv("SYSLET_BENCH_S5_CONNS");
	char cas[16];

	if (conns && atoi(conns) >= 1 && atoi(conns) < S5_CONNS)
		s5_conns = atoi(conns);
	snprintf(cas, sizeof(cas), "%dconns", s5_conns);
	if (reps == 1)
		s5_trips = 20;		/* the smoke run */
	for (m = 0; m < 3; m++)
		rates[m] = calloc(reps, sizeof(uint64_t));
	for (r = 0; r < reps; r++)
		for (m = 0; m < 3; m++)
			rates[m][r] = s5_run(m, cas);
	for (m = 0; m < 3; m++) {
		/* Every round, for the spread (not parsed by bench.sh). */
		printf("syslet_bench: S5 rounds %s:", mechs[m]);
		for (r = 0; r < reps; r++)
			printf(" %llu", (unsigned long long)rates[m][r]);
		printf("\n");
		memcpy(samples, rates[m], reps * sizeof(uint64_t));
		nsamples = reps;
		report("S5", cas, mechs[m], "trips/s");
		free(rates[m]);
	}
}

int main(int argc, char **argv)
{
	static const int ns[] = { 1, 8, 64, 512 };
	unsigned int i, r;
	int ret;

	if (argc != 3) {
		fprintf(stderr, "usage: %s FILE REPS\n", argv[0]);
		return 2;
	}
	reps = atoi(argv[2]);
	samples = calloc(reps + 1, sizeof(*samples));
	for (i = 0; i < 5; i++) {
		msamples[i] = calloc(reps, sizeof(*samples));
		if (!msamples[i])
			return 2;
	}
	bufs = aligned_alloc(BS, (size_t)MAXN * BS);
	if (!reps || !samples || !bufs)
		return 2;
	/* The file: MAXN blocks of the pattern, then cached by a read. */
	fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die("open");
	for (i = 0; i < (size_t)MAXN * BS; i++)
		bufs[i] = pattern(i);
	if (pwrite(fd, bufs, (size_t)MAXN * BS, 0) != MAXN * BS)
		die("pwrite");
	fsync(fd);
	if (pread(fd, bufs, (size_t)MAXN * BS, 0) != MAXN * BS)
		die("pread");
	ufd = fd;
	for (i = 0; i < MAXN; i++) {
		offs[i] = (size_t)((i * 37) % MAXN) * BS;
		pbuf[i] = (unsigned long)(bufs + (size_t)i * BS);
	}
	s5_pin(1);
	/* -1: up to 64 workers; S5's echo server needs one per connection. */
	ret = syslet_setup(&sring, 256, -1UL);
	if (ret) {
		fprintf(stderr, "syslet_setup: %s\n", strerror(-ret));
		return 1;
	}
	if (io_uring_queue_init(MAXN, &uring, 0))
		die("io_uring_queue_init");

	for (i = 0; i < 4 && want("S1"); i++)
		s1_s2("S1", ns[i], false);
	for (i = 0; i < 4 && want("S2"); i++)
		s1_s2("S2", ns[i], true);
	for (i = 0; i < 4 && want("S3"); i++)
		s3(ns[i]);
	if (want("S4")) {
		for (r = 0; r < reps; r++) {
			icount_begin();
			msamples[0][r] = s4_syslet();
			icount_end("S4", "64inflight", "syslet", TOTAL);
			icount_begin();
			msamples[1][r] = s4_uring();
			icount_end("S4", "64inflight", "io_uring", TOTAL);
		}
		report_mech(0, "S4", "64inflight", "syslet", "ops/s");
		report_mech(1, "S4", "64inflight", "io_uring", "ops/s");
	}
	if (want("S5"))
		s5();
	printf("syslet_bench: DONE 0\n");
	return 0;
}
