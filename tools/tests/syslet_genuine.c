// SPDX-License-Identifier: GPL-2.0
/*
 * syslet selftests of genuine calls, run in the test VM: atoms whose
 * system call has no native op are made as the genuine call, by the
 * submitter in the synchronous phase (SYSLET_IOC_EXEC_CALL) and by server
 * threads (SYSLET_IOC_SERVE) in the asynchronous one; SYSLET_IOC_PROBE.
 *   syslet_genuine --list     names, one a line
 *   syslet_genuine NAME       run one; exit 0 = pass, 77 = skip, else fail
 * Results are checked against the same call made directly.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../lib/syslet.h"
#include "check.h"
#include "runner.h"
#include "seccomp_deny.h"

#define A(x) ((unsigned long *)&(x))

static struct syslet_ring ring;
static struct syslet_servers servers;

static void setup(unsigned long nr)
{
	int ret = syslet_setup(&ring, nr, -1UL);

	if (ret) {
		fprintf(stderr, "syslet_setup: %s\n", strerror(-ret));
		exit(1);
	}
}

static void start_servers(int n)
{
	int ret = syslet_servers_start(&servers, &ring, n);

	if (ret) {
		fprintf(stderr, "syslet_servers_start: %s\n", strerror(-ret));
		exit(1);
	}
}

/* The tests need these calls to be genuine: skip if one is native. */
static int need_genuine(const unsigned long *nrs, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (syslet_native(&ring, nrs[i])) {
			fprintf(stderr, "system call %lu is native\n", nrs[i]);
			return SKIP;
		}
	}
	return 0;
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
	CHECK(!"no completion");
	return NULL;
}

/* Submit with genuine calls; the final atom, in the caller or reaped. */
static struct syslet_uatom *submit(struct syslet_uatom *a, int expect)
{
	struct syslet_uatom *done = NULL;
	int ret = syslet_submit(&ring, a, &done);

	CHECK_EQ(ret, expect);
	if (ret == 0)
		done = reap_wait();
	CHECK(syslet_reap(&ring) == NULL);
	return done;
}

/* --- the synchronous protocol ---------------------------------------- */

/*
 * EXEC_CALL gives the call back (atom, nr, args), takes the result
 * through RESUME, stores it through ret_ptr, follows next.
 */
static int t_sync_protocol(void)
{
	static const unsigned long nrs[] = { SYS_uname };
	struct syslet_uatom a[2];
	struct syslet_exec_call ec;
	struct utsname u;
	unsigned long up = (unsigned long)&u;
	long r0 = 111, r1 = 222;

	setup(8);
	if (need_genuine(nrs, 1))
		return SKIP;
	syslet_atom(&a[0], SYS_uname, 0, &r0, &a[1], A(up), NULL);
	syslet_atom(&a[1], SYSLET_NR_NOP, 0, &r1, NULL, NULL);
	memset(&ec, 0, sizeof(ec));
	ec.atom = (unsigned long)&a[0];
	CHECK_EQ(ioctl(ring.fd, SYSLET_IOC_EXEC_CALL, &ec),
		 SYSLET_EXEC_NEED_CALL);
	CHECK_EQ(ec.atom, (unsigned long)&a[0]);
	CHECK_EQ(ec.nr, SYS_uname);
	CHECK_EQ(ec.args[0], up);
	CHECK_EQ(ec.args[1], 0);
	CHECK_EQ(r0, 111);		/* not run, not stored */
	/* The kernel stores what the caller says the call returned. */
	ec.flags = SYSLET_EXEC_RESUME;
	ec.ret = 4321;
	CHECK_EQ(ioctl(ring.fd, SYSLET_IOC_EXEC_CALL, &ec), 1);
	CHECK_EQ(ec.done, (unsigned long)&a[1]);
	CHECK_EQ(r0, 4321);
	CHECK_EQ(r1, 0);
	/* Unknown flags. */
	ec.flags = 4;
	CHECK(ioctl(ring.fd, SYSLET_IOC_EXEC_CALL, &ec) == -1 &&
	      errno == EINVAL);
	/* Nothing is reserved across the call: the ring is all free. */
	CHECK(syslet_reap(&ring) == NULL);
	return 0;
}

/* The old EXEC: a non-native atom still completes with -ENOSYS. */
static int t_old_exec_enosys(void)
{
	static const unsigned long nrs[] = { SYS_uname };
	struct syslet_uatom a;
	struct syslet_uatom *done;
	struct utsname u;
	unsigned long up = (unsigned long)&u;
	long r = 1;

	setup(8);
	if (need_genuine(nrs, 1))
		return SKIP;
	syslet_atom(&a, SYS_uname, 0, &r, NULL, A(up), NULL);
	CHECK_EQ(syslet_exec(&ring, &a, &done), 1);
	CHECK_EQ(r, -ENOSYS);
	/* Asynchronous, even with servers: not submitted with EXEC_CALL. */
	start_servers(1);
	r = 1;
	a.flags = SYSLET_ASYNC;
	CHECK_EQ(syslet_exec(&ring, &a, &done), 0);
	CHECK(reap_wait() == &a);
	CHECK_EQ(r, -ENOSYS);
	syslet_servers_stop(&servers);
	return 0;
}

/* Module op numbers beyond the table are not system calls: -ENOSYS. */
static int t_module_range_enosys(void)
{
	struct syslet_uatom a;
	long r = 1;

	setup(8);
	syslet_atom(&a, SYSLET_NR_BASE + 1000, 0, &r, NULL, NULL);
	CHECK(submit(&a, 1) == &a);
	CHECK_EQ(r, -ENOSYS);
	return 0;
}

/* --- genuine calls, sync and async -------------------------------------- */

/*
 * socket -> bind -> listen -> getsockname, each fd fed by ret_ptr; then
 * socket -> connect, and accept4: a real connection (AF_UNIX: the VM's
 * loopback interface is down), in the caller (@flags 0) or by servers
 * (SYSLET_ASYNC).
 */
static void sockets(unsigned long flags)
{
	static const unsigned long nrs[] = {
		SYS_socket, SYS_bind, SYS_listen, SYS_getsockname,
		SYS_connect, SYS_accept4,
	};
	struct syslet_uatom a[4], c[2], acc;
	struct sockaddr_un sun = { .sun_family = AF_UNIX }, got, direct;
	socklen_t len = sizeof(got), dlen = sizeof(direct);
	unsigned long af = AF_UNIX, type = SOCK_STREAM, zero = 0;
	unsigned long sp = (unsigned long)&sun, slen;
	unsigned long gp = (unsigned long)&got, lp = (unsigned long)&len;
	unsigned long backlog = 4, cloexec = SOCK_CLOEXEC;
	long fd = -1, rb = 1, rl = 1, rg = 1, cfd = -1, rc = 1, afd = -1;
	char buf[4] = { 0 };

	if (need_genuine(nrs, ARRAY_SIZE(nrs)))
		exit(SKIP);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "/tmp/genuine-%d",
		 (int)getpid());
	unlink(sun.sun_path);
	slen = offsetof(struct sockaddr_un, sun_path) + strlen(sun.sun_path) + 1;
	syslet_atom(&a[0], SYS_socket, flags | SYSLET_STOP_ON_NEGATIVE, &fd,
		    &a[1], A(af), A(type), A(zero), NULL);
	syslet_atom(&a[1], SYS_bind, SYSLET_STOP_ON_NONZERO, &rb, &a[2],
		    A(fd), A(sp), A(slen), NULL);
	syslet_atom(&a[2], SYS_listen, SYSLET_STOP_ON_NONZERO, &rl, &a[3],
		    A(fd), A(backlog), NULL);
	syslet_atom(&a[3], SYS_getsockname, 0, &rg, NULL, A(fd), A(gp),
		    A(lp), NULL);
	CHECK(submit(&a[0], flags ? 0 : 1) == &a[3]);
	CHECK(fd >= 0);
	CHECK_EQ(rb, 0);
	CHECK_EQ(rl, 0);
	CHECK_EQ(rg, 0);
	CHECK(getsockname(fd, (struct sockaddr *)&direct, &dlen) == 0);
	CHECK_EQ(len, dlen);
	CHECK_EQ(len, slen);
	CHECK(!memcmp(&got, &direct, len));
	CHECK(!strcmp(got.sun_path, sun.sun_path));

	syslet_atom(&c[0], SYS_socket, flags | SYSLET_STOP_ON_NEGATIVE, &cfd,
		    &c[1], A(af), A(type), A(zero), NULL);
	syslet_atom(&c[1], SYS_connect, 0, &rc, NULL, A(cfd), A(gp), A(slen),
		    NULL);
	CHECK(submit(&c[0], flags ? 0 : 1) == &c[1]);
	CHECK(cfd >= 0);
	CHECK_EQ(rc, 0);
	syslet_atom(&acc, SYS_accept4, flags, &afd, NULL, A(fd), A(zero),
		    A(zero), A(cloexec), NULL);
	CHECK(submit(&acc, flags ? 0 : 1) == &acc);
	CHECK(afd >= 0);
	CHECK(fcntl(afd, F_GETFD) == FD_CLOEXEC);
	/* The process's own fds: a real connection. */
	CHECK(write(cfd, "abc", 3) == 3);
	CHECK(read(afd, buf, 3) == 3);
	CHECK(!strcmp(buf, "abc"));
	close(fd);
	close(cfd);
	close(afd);
	unlink(sun.sun_path);
}

static int t_sync_sockets(void)
{
	setup(8);
	sockets(0);
	return 0;
}

static int t_async_sockets(void)
{
	setup(8);
	start_servers(2);
	sockets(SYSLET_ASYNC);
	syslet_servers_stop(&servers);
	return 0;
}

/*
 * uname, getpid, prctl: results equal to the direct calls.  (getrandom
 * is a native op: syslet_ops tests it.)
 */
static void misc_calls(unsigned long flags)
{
	static const unsigned long nrs[] = {
		SYS_uname, SYS_getpid, SYS_prctl,
	};
	struct syslet_uatom a[3];
	struct utsname u, direct;
	unsigned long up = (unsigned long)&u;
	unsigned long opt = PR_GET_DUMPABLE;
	long ru = 1, rp = 1, rpc = -100;

	if (need_genuine(nrs, ARRAY_SIZE(nrs)))
		exit(SKIP);
	memset(&u, 0, sizeof(u));
	syslet_atom(&a[0], SYS_uname, flags, &ru, &a[1], A(up), NULL);
	syslet_atom(&a[1], SYS_getpid, 0, &rp, &a[2], NULL);
	syslet_atom(&a[2], SYS_prctl, 0, &rpc, NULL, A(opt), NULL);
	CHECK(submit(&a[0], flags ? 0 : 1) == &a[2]);
	CHECK(uname(&direct) == 0);
	CHECK_EQ(ru, 0);
	CHECK(!memcmp(&u, &direct, sizeof(u)));
	CHECK_EQ(rp, getpid());
	CHECK_EQ(rpc, prctl(PR_GET_DUMPABLE));
}

static int t_sync_misc(void)
{
	setup(8);
	misc_calls(0);
	return 0;
}

static int t_async_misc(void)
{
	setup(8);
	start_servers(1);
	misc_calls(SYSLET_ASYNC);
	syslet_servers_stop(&servers);
	return 0;
}

/* The synchronous phase's calls are the caller's own: prctl(PR_SET_NAME). */
static int t_sync_is_caller(void)
{
	static const unsigned long nrs[] = { SYS_prctl };
	static const char name[] = "genuine-sync";
	struct syslet_uatom a;
	unsigned long opt = PR_SET_NAME, np = (unsigned long)name;
	char got[16] = { 0 };
	long r = 1;

	setup(8);
	if (need_genuine(nrs, 1))
		return SKIP;
	syslet_atom(&a, SYS_prctl, 0, &r, NULL, A(opt), A(np), NULL);
	CHECK(submit(&a, 1) == &a);
	CHECK_EQ(r, 0);
	CHECK(prctl(PR_GET_NAME, got) == 0);
	CHECK(!strcmp(got, name));
	return 0;
}

/*
 * Stop conditions on genuine results: prctl with an unknown option fails
 * (-EINVAL), STOP_ON_NEGATIVE ends the chain there; with
 * SKIP_TO_NEXT_ON_STOP it goes on at the next atom in memory.
 */
static void stops(unsigned long flags)
{
	static const unsigned long nrs[] = { SYS_prctl, SYS_uname };
	struct syslet_uatom a[3];
	struct utsname u;
	unsigned long bad = 0x7fffffff, up = (unsigned long)&u;
	long r0 = 1, r1 = 1, r2 = 1;

	if (need_genuine(nrs, ARRAY_SIZE(nrs)))
		exit(SKIP);
	syslet_atom(&a[0], SYS_prctl, flags | SYSLET_STOP_ON_NEGATIVE,
		    &r0, &a[1], A(bad), NULL);
	syslet_atom(&a[1], SYS_uname, 0, &r1, NULL, A(up), NULL);
	syslet_atom(&a[2], SYS_uname, 0, &r2, NULL, A(up), NULL);
	CHECK(submit(&a[0], flags ? 0 : 1) == &a[0]);
	CHECK_EQ(r0, -EINVAL);
	CHECK_EQ(r1, 1);		/* the chain stopped */
	CHECK_EQ(r2, 1);

	/* Skip to the next in memory: a[1] then ends the chain. */
	a[0].flags |= SYSLET_SKIP_TO_NEXT_ON_STOP;
	a[0].next = &a[2];
	r0 = 1;
	CHECK(submit(&a[0], flags ? 0 : 1) == &a[1]);
	CHECK_EQ(r0, -EINVAL);
	CHECK_EQ(r1, 0);
	CHECK_EQ(r2, 1);

	/* No stop: next is followed. */
	a[0].flags = flags | SYSLET_STOP_ON_NEGATIVE;
	bad = PR_GET_DUMPABLE;
	r1 = 1;
	CHECK(submit(&a[0], flags ? 0 : 1) == &a[2]);
	CHECK_EQ(r0, prctl(PR_GET_DUMPABLE));
	CHECK_EQ(r1, 1);
	CHECK_EQ(r2, 0);
}

static int t_sync_stop(void)
{
	setup(8);
	stops(0);
	return 0;
}

static int t_async_stop(void)
{
	setup(8);
	start_servers(1);
	stops(SYSLET_ASYNC);
	syslet_servers_stop(&servers);
	return 0;
}

/* A chain that goes async midway: a sync genuine call, then served ones. */
static int t_mixed(void)
{
	static const unsigned long nrs[] = { SYS_uname, SYS_getppid };
	struct syslet_uatom a[3];
	struct utsname u;
	unsigned long up = (unsigned long)&u;
	long r0 = 1, r1 = 1, r2 = 1;

	setup(8);
	if (need_genuine(nrs, ARRAY_SIZE(nrs)))
		return SKIP;
	start_servers(1);
	syslet_atom(&a[0], SYS_uname, 0, &r0, &a[1], A(up), NULL);
	syslet_atom(&a[1], SYS_getppid, SYSLET_ASYNC, &r1, &a[2], NULL);
	syslet_atom(&a[2], SYSLET_NR_NOP, 0, &r2, NULL, NULL);
	CHECK(submit(&a[0], 0) == &a[2]);
	CHECK_EQ(r0, 0);
	CHECK_EQ(r1, getppid());
	CHECK_EQ(r2, 0);
	syslet_servers_stop(&servers);
	return 0;
}

/* Many chains, many servers: every chain completes once, right. */
static int t_many(void)
{
	static const unsigned long nrs[] = { SYS_getppid, SYS_uname };
	enum { N = 64 };
	static struct syslet_uatom a[N][2];
	static long r[N][2];
	static struct utsname u[N];
	static unsigned long up[N];
	int seen[N] = { 0 };
	int i, got = 0;

	setup(N);
	if (need_genuine(nrs, ARRAY_SIZE(nrs)))
		return SKIP;
	start_servers(4);
	for (i = 0; i < N; i++) {
		up[i] = (unsigned long)&u[i];
		r[i][0] = r[i][1] = 1;
		syslet_atom(&a[i][0], SYS_getppid, SYSLET_ASYNC, &r[i][0],
			    &a[i][1], NULL);
		syslet_atom(&a[i][1], SYS_uname, 0, &r[i][1], NULL,
			    A(up[i]), NULL);
		CHECK_EQ(syslet_submit(&ring, &a[i][0], NULL), 0);
	}
	while (got < N) {
		struct syslet_uatom *d = syslet_reap(&ring);

		if (!d) {
			CHECK(syslet_wait(&ring, 1) >= 0);
			continue;
		}
		i = (d - &a[0][0]) / 2;
		CHECK(i >= 0 && i < N && d == &a[i][1]);
		CHECK(!seen[i]++);
		got++;
	}
	for (i = 0; i < N; i++) {
		CHECK_EQ(r[i][0], getppid());
		CHECK_EQ(r[i][1], 0);
		CHECK(!strcmp(u[i].sysname, "Linux"));
	}
	syslet_servers_stop(&servers);
	return 0;
}

/* --- servers --------------------------------------------------------- */

/* An asynchronous genuine atom with no server: -ENOSYS, as before. */
static int t_async_no_server(void)
{
	static const unsigned long nrs[] = { SYS_uname };
	struct syslet_uatom a;
	struct utsname u;
	unsigned long up = (unsigned long)&u;
	long r = 1;

	setup(8);
	if (need_genuine(nrs, 1))
		return SKIP;
	syslet_atom(&a, SYS_uname, SYSLET_ASYNC, &r, NULL, A(up), NULL);
	CHECK(submit(&a, 0) == &a);
	CHECK_EQ(r, -ENOSYS);
	/* Nor once the servers quit. */
	start_servers(2);
	syslet_servers_stop(&servers);
	r = 1;
	CHECK(submit(&a, 0) == &a);
	CHECK_EQ(r, -ENOSYS);
	return 0;
}

/* A server thread of its own: under a filter, serving until shut down. */
static void *filtered_server(void *arg)
{
	struct syslet_serve sv;
	struct utsname u;

	seccomp_deny(SYS_uname);
	CHECK(uname(&u) == -1 && errno == EPERM);
	memset(&sv, 0, sizeof(sv));
	sv.flags = SYSLET_SERVE_REGISTER;
	CHECK(ioctl(ring.fd, SYSLET_IOC_SERVE, &sv) == 0);
	__atomic_store_n((int *)arg, 1, __ATOMIC_RELEASE);
	sv.flags = 0;
	while (!ioctl(ring.fd, SYSLET_IOC_SERVE, &sv))
		sv.ret = syslet_raw_call(sv.nr, sv.args);
	CHECK_EQ(errno, ESHUTDOWN);
	return NULL;
}

/*
 * The served call is the genuine one: a seccomp filter on the server
 * thread denies it (EPERM) while the submitter, without the filter, can
 * make it; what the filter allows runs.
 */
static int t_async_seccomp(void)
{
	static const unsigned long nrs[] = { SYS_uname, SYS_getppid };
	struct syslet_uatom a[2];
	struct utsname u;
	unsigned long up = (unsigned long)&u;
	long r0 = 1, r1 = 1;
	pthread_t t;
	int ready = 0;

	setup(8);
	if (need_genuine(nrs, ARRAY_SIZE(nrs)))
		return SKIP;
	CHECK(pthread_create(&t, NULL, filtered_server, &ready) == 0);
	while (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE))
		usleep(1000);
	syslet_atom(&a[0], SYS_uname, SYSLET_ASYNC, &r0, &a[1], A(up), NULL);
	syslet_atom(&a[1], SYS_getppid, 0, &r1, NULL, NULL);
	CHECK(submit(&a[0], 0) == &a[1]);
	CHECK_EQ(r0, -EPERM);
	CHECK_EQ(r1, getppid());
	CHECK(uname(&u) == 0);		/* this thread has no filter */
	/* In the caller (no filter), the same chain's uname runs. */
	a[0].flags = 0;
	CHECK(submit(&a[0], 1) == &a[1]);
	CHECK_EQ(r0, 0);
	CHECK_EQ(ioctl(ring.fd, SYSLET_IOC_UNREGISTER), 0);
	CHECK(pthread_join(t, NULL) == 0);
	return 0;
}

/* The lowest free fd: what an openat would get. */
static int free_fd(void)
{
	int fd = dup(0);

	CHECK(fd >= 0);
	close(fd);
	return fd;
}

static void check_fd_free(int fd)
{
	CHECK(fcntl(fd, F_GETFD) == -1 && errno == EBADF);
}

/*
 * A chain of a submitter under a filter that denies openat (native),
 * getppid and uname (genuine): openat, getppid, uname, getrandom
 * (native, allowed), NOP.
 */
static const unsigned long confined_deny[] = {
	SYS_openat, SYS_getppid, SYS_uname
};
static char confined_path[] = "/dev/null";
static struct utsname confined_u;
static char confined_buf[8];
static long confined_r[5];

static void confined_chain(struct syslet_uatom *a, unsigned long flags0)
{
	static unsigned long dirfd = AT_FDCWD, flags = O_RDONLY,
		path = (unsigned long)confined_path,
		up = (unsigned long)&confined_u,
		bp = (unsigned long)confined_buf,
		len = sizeof(confined_buf), zero;
	int i;

	for (i = 0; i < 5; i++)
		confined_r[i] = 12345;
	syslet_atom(&a[0], SYS_openat, flags0, &confined_r[0], &a[1],
		    A(dirfd), A(path), A(flags), NULL);
	syslet_atom(&a[1], SYS_getppid, 0, &confined_r[1], &a[2], NULL);
	syslet_atom(&a[2], SYS_uname, 0, &confined_r[2], &a[3], A(up), NULL);
	syslet_atom(&a[3], SYS_getrandom, 0, &confined_r[3], &a[4],
		    A(bp), A(len), A(zero), NULL);
	syslet_atom(&a[4], SYSLET_NR_NOP, 0, &confined_r[4], NULL, NULL);
}

/* The filter decided each atom, native or not; the rest ran. */
static void confined_check(void)
{
	CHECK_EQ(confined_r[0], -EPERM);
	CHECK_EQ(confined_r[1], -EPERM);
	CHECK_EQ(confined_r[2], -EPERM);
	CHECK_EQ(confined_r[3], sizeof(confined_buf));
	CHECK_EQ(confined_r[4], 0);
}

static int confined_setup(void)
{
	static const unsigned long nrs[] = { SYS_getppid, SYS_uname };

	setup(8);
	if (need_genuine(nrs, ARRAY_SIZE(nrs)))
		return SKIP;
	if (syslet_native(&ring, SYS_openat) != 1 ||
	    syslet_native(&ring, SYS_getrandom) != 1) {
		fprintf(stderr, "openat or getrandom is not native\n");
		return SKIP;
	}
	return 0;
}

/*
 * A submitter under seccomp: each system call atom is made as the
 * genuine call, by the submitter itself in the synchronous phase, so
 * that the filter decides a native op (openat) as it does a genuine
 * one.  SYSLET_IOC_EXEC, which makes no genuine calls, is refused.
 */
static int t_confined_sync(void)
{
	struct syslet_uatom a[5], *done;
	int probe;

	if (confined_setup())
		return SKIP;
	seccomp_deny_set(confined_deny, ARRAY_SIZE(confined_deny), false);
	probe = free_fd();
	confined_chain(a, 0);
	CHECK(submit(&a[0], 1) == &a[4]);
	confined_check();
	check_fd_free(probe);
	confined_chain(a, 0);
	CHECK_EQ(syslet_exec(&ring, &a[0], &done), -EPERM);
	CHECK_EQ(confined_r[0], 12345);
	return 0;
}

/*
 * The same in the asynchronous phase: the servers run under the
 * submitter's filter (SECCOMP_FILTER_FLAG_TSYNC), and make every system
 * call atom, native op or not.
 */
static int t_confined_async(void)
{
	struct syslet_uatom a[5];
	int probe;

	if (confined_setup())
		return SKIP;
	start_servers(2);
	seccomp_deny_set(confined_deny, ARRAY_SIZE(confined_deny), true);
	probe = free_fd();
	confined_chain(a, SYSLET_ASYNC);
	CHECK(submit(&a[0], 0) == &a[4]);
	confined_check();
	check_fd_free(probe);
	/* A chain that goes async at its second atom. */
	confined_chain(a, 0);
	a[1].flags = SYSLET_ASYNC;
	CHECK(submit(&a[0], 0) == &a[4]);
	confined_check();
	check_fd_free(probe);
	return 0;
}

/*
 * Filters are per thread: a submitter whose filter its servers do not
 * run under (it installed its own after they started) gets -ENOSYS for
 * its asynchronous calls, which no server may make for it; nothing runs
 * past its filter.  Its synchronous calls meet its filter.
 */
static int t_confined_other_filter(void)
{
	static const unsigned long deny[] = { SYS_openat };
	struct syslet_uatom a[5];
	int probe;

	if (confined_setup())
		return SKIP;
	start_servers(2);
	seccomp_deny_set(deny, ARRAY_SIZE(deny), false);
	probe = free_fd();
	confined_chain(a, SYSLET_ASYNC);
	CHECK(submit(&a[0], 0) == &a[4]);
	CHECK_EQ(confined_r[0], -ENOSYS);
	CHECK_EQ(confined_r[1], -ENOSYS);
	CHECK_EQ(confined_r[2], -ENOSYS);
	CHECK_EQ(confined_r[3], -ENOSYS);
	CHECK_EQ(confined_r[4], 0);
	check_fd_free(probe);
	confined_chain(a, 0);
	CHECK(submit(&a[0], 1) == &a[4]);
	CHECK_EQ(confined_r[0], -EPERM);
	CHECK_EQ(confined_r[1], getppid());
	CHECK_EQ(confined_r[2], 0);
	CHECK_EQ(confined_r[3], sizeof(confined_buf));
	check_fd_free(probe);
	return 0;
}

/*
 * mknod makes fifos, sockets and devices natively, and a regular file as
 * the genuine call (do_mknodat()'s post-mknod hook is not exported): the
 * caller gets the call back, a server makes it asynchronously.
 */
static int t_mknod_regular(void)
{
	static char fifo[] = "/tmp/genuine-mknod-fifo";
	static char reg[] = "/tmp/genuine-mknod-reg";
	unsigned long fp = (unsigned long)fifo, rp = (unsigned long)reg;
	unsigned long fmode = S_IFIFO | 0600, rmode = S_IFREG | 0600, dev = 0;
	struct syslet_exec_call ec;
	struct syslet_uatom a;
	struct stat st;
	long r = 1;

	setup(8);
	if (syslet_native(&ring, SYS_mknod) != 1)
		return SKIP;
	unlink(fifo);
	unlink(reg);
	/* SYSLET_SYNC: mknod may block, and would go async at once. */
	syslet_atom(&a, SYS_mknod, SYSLET_SYNC, &r, NULL, A(fp), A(fmode),
		    A(dev), NULL);
	memset(&ec, 0, sizeof(ec));
	ec.atom = (unsigned long)&a;
	CHECK_EQ(ioctl(ring.fd, SYSLET_IOC_EXEC_CALL, &ec), 1);
	CHECK_EQ(r, 0);
	CHECK(lstat(fifo, &st) == 0 && S_ISFIFO(st.st_mode));
	syslet_atom(&a, SYS_mknod, SYSLET_SYNC, &r, NULL, A(rp), A(rmode),
		    A(dev), NULL);
	memset(&ec, 0, sizeof(ec));
	ec.atom = (unsigned long)&a;
	CHECK_EQ(ioctl(ring.fd, SYSLET_IOC_EXEC_CALL, &ec),
		 SYSLET_EXEC_NEED_CALL);
	CHECK_EQ(ec.nr, SYS_mknod);
	CHECK(lstat(reg, &st) == -1 && errno == ENOENT);
	r = 1;
	CHECK(submit(&a, 1) == &a);
	CHECK_EQ(r, 0);
	CHECK(lstat(reg, &st) == 0 && S_ISREG(st.st_mode));
	CHECK(unlink(reg) == 0);
	/* Asynchronously, by a server. */
	start_servers(1);
	a.flags = SYSLET_ASYNC;
	r = 1;
	CHECK(submit(&a, 0) == &a);
	CHECK_EQ(r, 0);
	CHECK(lstat(reg, &st) == 0 && S_ISREG(st.st_mode));
	/* Plain EXEC makes no genuine calls. */
	CHECK(unlink(reg) == 0);
	a.flags = SYSLET_SYNC;
	r = 1;
	CHECK_EQ(syslet_exec(&ring, &a, NULL), 1);
	CHECK_EQ(r, -ENOSYS);
	CHECK(lstat(reg, &st) == -1 && errno == ENOENT);
	unlink(fifo);
	return 0;
}

/* Only threads of the owning process serve: a forked child gets EPERM. */
static int t_serve_other_process(void)
{
	struct syslet_serve sv;
	int status;
	pid_t pid;

	setup(8);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		memset(&sv, 0, sizeof(sv));
		if (ioctl(ring.fd, SYSLET_IOC_SERVE, &sv) != -1 ||
		    errno != EPERM)
			_exit(1);
		sv.flags = SYSLET_SERVE_REGISTER;
		if (ioctl(ring.fd, SYSLET_IOC_SERVE, &sv) != -1 ||
		    errno != EPERM)
			_exit(2);
		sv.flags = SYSLET_SERVE_QUIT;
		if (ioctl(ring.fd, SYSLET_IOC_SERVE, &sv) != -1 ||
		    errno != EPERM)
			_exit(3);
		_exit(0);
	}
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 0);
	/* Bad flags; unregistered. */
	memset(&sv, 0, sizeof(sv));
	sv.flags = 8;
	CHECK(ioctl(ring.fd, SYSLET_IOC_SERVE, &sv) == -1 && errno == EINVAL);
	CHECK_EQ(ioctl(ring.fd, SYSLET_IOC_UNREGISTER), 0);
	sv.flags = 0;
	CHECK(ioctl(ring.fd, SYSLET_IOC_SERVE, &sv) == -1 && errno == EINVAL);
	return 0;
}

static void on_usr1(int sig)
{
}

struct once {
	pid_t tid;		/* set when it starts */
	int err;		/* SERVE's errno, 0 if it returned a request */
};

static void *serve_once(void *arg)
{
	struct once *o = arg;
	struct syslet_serve sv;
	long ret;

	__atomic_store_n(&o->tid, gettid(), __ATOMIC_RELEASE);
	memset(&sv, 0, sizeof(sv));
	ret = ioctl(ring.fd, SYSLET_IOC_SERVE, &sv);
	o->err = ret == -1 ? errno : 0;
	return NULL;
}

/* Until thread @o sleeps in a system call, ioctl (16): in SERVE. */
static void wait_in_ioctl(struct once *o)
{
	char path[64], buf[64];
	int i, fd;
	ssize_t n;

	while (!__atomic_load_n(&o->tid, __ATOMIC_ACQUIRE))
		usleep(1000);
	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", o->tid);
	for (i = 0; i < 5000; i++) {
		fd = open(path, O_RDONLY);
		CHECK(fd >= 0);
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n > 3 && !strncmp(buf, "16 ", 3))
			return;
		usleep(1000);
	}
	CHECK(!"the thread never blocked in SERVE");
}

/* A thread that registers as a server and says so. */
static void serve_register(int *ready)
{
	struct syslet_serve sv;

	memset(&sv, 0, sizeof(sv));
	sv.flags = SYSLET_SERVE_REGISTER;
	CHECK(ioctl(ring.fd, SYSLET_IOC_SERVE, &sv) == 0);
	__atomic_store_n(ready, 1, __ATOMIC_RELEASE);
}

static void wait_ready(int *ready)
{
	while (!__atomic_load_n(ready, __ATOMIC_ACQUIRE))
		usleep(1000);
}

/* A signal ends a waiting SERVE with EINTR. */
static int t_serve_eintr(void)
{
	struct sigaction sa;
	struct once o = { 0, -1 };
	pthread_t t;

	setup(8);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
	CHECK(pthread_create(&t, NULL, serve_once, &o) == 0);
	wait_in_ioctl(&o);
	CHECK(pthread_kill(t, SIGUSR1) == 0);
	CHECK(pthread_join(t, NULL) == 0);
	CHECK_EQ(o.err, EINTR);
	return 0;
}

/* UNREGISTER (@close: the last close) releases servers blocked in SERVE. */
static void servers_released(bool by_close)
{
	enum { N = 3 };
	struct once o[N];
	pthread_t t[N];
	int i;

	setup(8);
	for (i = 0; i < N; i++) {
		o[i].tid = 0;
		o[i].err = -1;
		CHECK(pthread_create(&t[i], NULL, serve_once, &o[i]) == 0);
	}
	for (i = 0; i < N; i++)
		wait_in_ioctl(&o[i]);
	if (by_close)
		close(ring.fd);
	else
		CHECK_EQ(ioctl(ring.fd, SYSLET_IOC_UNREGISTER), 0);
	for (i = 0; i < N; i++) {
		CHECK(pthread_join(t[i], NULL) == 0);
		CHECK_EQ(o[i].err, ESHUTDOWN);
	}
}

static int t_unregister_servers(void)
{
	servers_released(false);
	return 0;
}

static int t_close_servers(void)
{
	servers_released(true);
	return 0;
}

/*
 * A server that takes a request and makes it slowly (or never): the
 * waiting workers' chains are cancelled by UNREGISTER (or the last
 * close) without waiting for it: each atom gets -EINTR, each chain is
 * posted once, and the late result is discarded.
 */
struct slow {
	int ready;
	int taken;
	int done;
	long late;
};

static void *slow_server(void *arg)
{
	struct slow *s = arg;
	struct syslet_serve sv;

	serve_register(&s->ready);
	memset(&sv, 0, sizeof(sv));
	CHECK(ioctl(ring.fd, SYSLET_IOC_SERVE, &sv) == 0);
	__atomic_store_n(&s->taken, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&s->done, __ATOMIC_ACQUIRE))
		usleep(10000);
	sv.ret = 777;
	s->late = ioctl(ring.fd, SYSLET_IOC_SERVE, &sv) == -1 ? errno : 0;
	return NULL;
}

static void cancel_waiting(bool by_close)
{
	static const unsigned long nrs[] = { SYS_getppid };
	enum { N = 3 };
	struct syslet_uatom a[N];
	struct syslet_uatom **slots;
	struct slow s = { 0 };
	long r[N];
	pthread_t t;
	int i, posted = 0;

	setup(8);
	if (need_genuine(nrs, 1))
		exit(SKIP);
	slots = ring.slots;
	CHECK(pthread_create(&t, NULL, slow_server, &s) == 0);
	wait_ready(&s.ready);
	for (i = 0; i < N; i++) {
		r[i] = 1;
		syslet_atom(&a[i], SYS_getppid, SYSLET_ASYNC, &r[i], NULL,
			    NULL);
		CHECK_EQ(syslet_submit(&ring, &a[i], NULL), 0);
		/* The first is the one the server takes. */
		if (i == 0)
			while (!__atomic_load_n(&s.taken, __ATOMIC_ACQUIRE))
				usleep(1000);
	}
	/* Let the other two be queued in their workers. */
	usleep(300000);
	if (by_close) {
		close(ring.fd);		/* the ring's memory stays ours */
	} else {
		CHECK_EQ(ioctl(ring.fd, SYSLET_IOC_UNREGISTER), 0);
	}
	for (i = 0; i < N; i++)
		CHECK_EQ(r[i], -EINTR);
	for (i = 0; i < 8; i++) {
		if (slots[i]) {
			CHECK(slots[i] >= &a[0] && slots[i] < &a[N]);
			posted++;
		}
	}
	CHECK_EQ(posted, N);
	__atomic_store_n(&s.done, 1, __ATOMIC_RELEASE);
	CHECK(pthread_join(t, NULL) == 0);
	/* The late result went nowhere: the context is gone. */
	CHECK(s.late == EINVAL || s.late == EBADF);
	for (i = 0; i < N; i++)
		CHECK_EQ(r[i], -EINTR);
}

static int t_unregister_waiting(void)
{
	cancel_waiting(false);
	return 0;
}

static int t_close_waiting(void)
{
	cancel_waiting(true);
	return 0;
}

/*
 * A server that makes its call and then leaves (SYS_exit of the thread):
 * the worker sees it gone and its atom gets -EINTR; the chain goes on.
 */
static void *exiting_server(void *arg)
{
	struct syslet_serve sv;

	serve_register(arg);
	memset(&sv, 0, sizeof(sv));
	CHECK(ioctl(ring.fd, SYSLET_IOC_SERVE, &sv) == 0);
	syscall(SYS_exit, 0);
	return NULL;
}

static int t_server_exits(void)
{
	static const unsigned long nrs[] = { SYS_getppid };
	struct syslet_uatom a[2];
	pthread_t t;
	long r0 = 1, r1 = 1;
	struct timespec t0, t1;
	int ready = 0;

	setup(8);
	if (need_genuine(nrs, 1))
		return SKIP;
	CHECK(pthread_create(&t, NULL, exiting_server, &ready) == 0);
	wait_ready(&ready);
	syslet_atom(&a[0], SYS_getppid, SYSLET_ASYNC, &r0, &a[1], NULL);
	syslet_atom(&a[1], SYSLET_NR_NOP, 0, &r1, NULL, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK(submit(&a[0], 0) == &a[1]);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CHECK_EQ(r0, -EINTR);
	CHECK_EQ(r1, 0);
	CHECK(t1.tv_sec - t0.tv_sec < 10);
	/* The next genuine atom finds no server. */
	r0 = 1;
	CHECK(submit(&a[0], 0) == &a[1]);
	CHECK_EQ(r0, -ENOSYS);
	return 0;
}

/*
 * SYSLET_SERVE_QUIT: servers waiting return ESHUTDOWN at once; a request
 * queued with no server left gets -ENOSYS.
 */
static int t_quit(void)
{
	static const unsigned long nrs[] = { SYS_getppid };
	enum { N = 2 };
	struct syslet_uatom a;
	struct once o[N];
	struct syslet_serve sv;
	pthread_t t[N];
	long r = 1;
	int i;

	setup(8);
	if (need_genuine(nrs, 1))
		return SKIP;
	for (i = 0; i < N; i++) {
		o[i].tid = 0;
		o[i].err = -1;
		CHECK(pthread_create(&t[i], NULL, serve_once, &o[i]) == 0);
	}
	for (i = 0; i < N; i++)
		wait_in_ioctl(&o[i]);
	memset(&sv, 0, sizeof(sv));
	sv.flags = SYSLET_SERVE_QUIT;
	CHECK_EQ(ioctl(ring.fd, SYSLET_IOC_SERVE, &sv), 0);
	for (i = 0; i < N; i++) {
		CHECK(pthread_join(t[i], NULL) == 0);
		CHECK_EQ(o[i].err, ESHUTDOWN);
	}
	/* They are gone: a genuine atom finds no server. */
	syslet_atom(&a, SYS_getppid, SYSLET_ASYNC, &r, NULL, NULL);
	CHECK(submit(&a, 0) == &a);
	CHECK_EQ(r, -ENOSYS);
	return 0;
}

/*
 * A request queued while the only server is making a call: QUIT fails
 * it with -ENOSYS at once; the server's own call completes.
 */
static int t_quit_queued(void)
{
	static const unsigned long nrs[] = { SYS_getppid };
	struct syslet_uatom a[2];
	struct syslet_serve sv;
	struct slow s = { 0 };
	long r[2] = { 1, 1 };
	pthread_t t;

	setup(8);
	if (need_genuine(nrs, 1))
		return SKIP;
	CHECK(pthread_create(&t, NULL, slow_server, &s) == 0);
	wait_ready(&s.ready);
	syslet_atom(&a[0], SYS_getppid, SYSLET_ASYNC, &r[0], NULL, NULL);
	syslet_atom(&a[1], SYS_getppid, SYSLET_ASYNC, &r[1], NULL, NULL);
	CHECK_EQ(syslet_submit(&ring, &a[0], NULL), 0);
	wait_ready(&s.taken);
	CHECK_EQ(syslet_submit(&ring, &a[1], NULL), 0);
	usleep(200000);		/* queued in its worker */
	memset(&sv, 0, sizeof(sv));
	sv.flags = SYSLET_SERVE_QUIT;
	CHECK_EQ(ioctl(ring.fd, SYSLET_IOC_SERVE, &sv), 0);
	CHECK(reap_wait() == &a[1]);
	CHECK_EQ(r[1], -ENOSYS);
	CHECK_EQ(r[0], 1);		/* still being made */
	__atomic_store_n(&s.done, 1, __ATOMIC_RELEASE);
	CHECK(reap_wait() == &a[0]);
	CHECK_EQ(r[0], 777);		/* the server's answer */
	CHECK(pthread_join(t, NULL) == 0);
	CHECK_EQ(s.late, ESHUTDOWN);	/* answered, then told to quit */
	return 0;
}

/* --- PROBE ------------------------------------------------------------ */

/*
 * PROBE names the ops the module has, and every number it does not name
 * is not run in the kernel: the old EXEC gives -ENOSYS for it.
 */
static int t_probe(void)
{
	static const unsigned long base[] = {
		SYS_read, SYS_write, SYS_close, SYS_lseek, SYS_pread64,
		SYS_pwrite64, SYS_readv, SYS_writev, SYS_nanosleep,
		SYS_fsync, SYS_fdatasync, SYS_openat, SYS_preadv,
		SYS_pwritev,
	};
	struct syslet_probe p;
	struct syslet_uatom a, *done;
	unsigned long nr, i;
	long r;

	setup(8);
	memset(&p, 0xff, sizeof(p));
	CHECK_EQ(ioctl(ring.fd, SYSLET_IOC_PROBE, &p), 0);
	for (i = 0; i < ARRAY_SIZE(base); i++)
		CHECK((p.native[base[i] / 64] >> (base[i] % 64)) & 1);
	CHECK_EQ(p.module_ops, 7);	/* NOP, UMEM_ADD, TIMEOUT */
	CHECK_EQ(p.flags, 0);
	for (nr = 0; nr < SYSLET_PROBE_NR; nr++) {
		if ((p.native[nr / 64] >> (nr % 64)) & 1)
			continue;
		r = 1;
		syslet_atom(&a, nr, 0, &r, NULL, NULL);
		CHECK_EQ(syslet_exec(&ring, &a, &done), 1);
		CHECK_EQ(r, -ENOSYS);
	}
	/* No registration needed. */
	i = open("/dev/syslet", O_RDWR);
	CHECK((int)i >= 0);
	CHECK_EQ(ioctl(i, SYSLET_IOC_PROBE, &p), 0);
	CHECK(ioctl(i, SYSLET_IOC_PROBE, (void *)8) == -1 && errno == EFAULT);
	close(i);
	return 0;
}

static const struct test tests[] = {
	{ "sync-protocol", t_sync_protocol },
	{ "old-exec-enosys", t_old_exec_enosys },
	{ "module-range-enosys", t_module_range_enosys },
	{ "sync-sockets", t_sync_sockets },
	{ "async-sockets", t_async_sockets },
	{ "sync-misc", t_sync_misc },
	{ "async-misc", t_async_misc },
	{ "sync-is-caller", t_sync_is_caller },
	{ "sync-stop", t_sync_stop },
	{ "async-stop", t_async_stop },
	{ "mixed", t_mixed },
	{ "many", t_many },
	{ "async-no-server", t_async_no_server },
	{ "async-seccomp", t_async_seccomp },
	{ "confined-sync", t_confined_sync },
	{ "confined-async", t_confined_async },
	{ "confined-other-filter", t_confined_other_filter },
	{ "mknod-regular", t_mknod_regular },
	{ "serve-other-process", t_serve_other_process },
	{ "serve-eintr", t_serve_eintr },
	{ "unregister-servers", t_unregister_servers },
	{ "close-servers", t_close_servers },
	{ "unregister-waiting", t_unregister_waiting },
	{ "close-waiting", t_close_waiting },
	{ "server-exits", t_server_exits },
	{ "quit", t_quit },
	{ "quit-queued", t_quit_queued },
	{ "probe", t_probe },
};

TEST_MAIN(tests, NULL)
