// SPDX-License-Identifier: GPL-2.0
/*
 * syslet socket operations (sendto, recvfrom, sendmsg, recvmsg), run in
 * the test VM:
 *   syslet_net --list     names, one a line
 *   syslet_net NAME       run one; exit 0 = pass, 77 = skip, else fail
 * Each operation runs three ways in the same setup: as the system call
 * made directly, as a synchronous atom (it must finish in the caller) and
 * as a SYSLET_ASYNC atom (in a worker); the results, the data and the
 * addresses returned must be the direct call's.  The setups: TCP and UDP
 * over loopback, AF_UNIX stream and datagram sockets (the AF_UNIX ones
 * alone on a kernel without TCP/IP).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "../lib/syslet.h"
#include "check.h"
#include "runner.h"
#include "syslet_workers.h"

#define A(x) ((unsigned long *)&(x))

static struct syslet_ring ring;

enum mode { DIRECT, SYNC, ASYNC, NMODES };
static const char *const mode_name[] = { "direct", "sync", "async" };

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
 * System call @nr with six arguments, made as @mode says: directly (the
 * result is -errno on failure, as an atom's), or as a one-atom chain that
 * must finish in the caller (SYNC) or runs in a worker (ASYNC).
 */
static long op(enum mode mode, long nr, unsigned long a0, unsigned long a1,
	       unsigned long a2, unsigned long a3, unsigned long a4,
	       unsigned long a5)
{
	static unsigned long args[6];
	struct syslet_uatom a, *done = NULL;
	long r = 0x5a5a, ret;

	if (mode == DIRECT) {
		ret = syscall(nr, a0, a1, a2, a3, a4, a5);
		return ret < 0 ? -errno : ret;
	}
	args[0] = a0, args[1] = a1, args[2] = a2;
	args[3] = a3, args[4] = a4, args[5] = a5;
	syslet_atom(&a, nr, mode == ASYNC ? SYSLET_ASYNC : 0, &r, NULL,
		    A(args[0]), A(args[1]), A(args[2]), A(args[3]),
		    A(args[4]), A(args[5]), NULL);
	ret = syslet_exec(&ring, &a, &done);
	if (mode == SYNC) {
		CHECK_EQ(ret, 1);
		CHECK(done == &a);
	} else {
		CHECK_EQ(ret, 0);
		CHECK(reap_wait() == &a);
	}
	CHECK(r != 0x5a5a);
	return r;
}

#define U(x) ((unsigned long)(x))

/*
 * Does the kernel have TCP/IP?  (Not every test kernel does: then the
 * AF_UNIX setups run alone.)
 */
static int have_inet(void)
{
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	if (s < 0) {
		CHECK_EQ(errno, EAFNOSUPPORT);
		return 0;
	}
	close(s);
	return 1;
}

static void setup(void)
{
	int ret;

	ret = syslet_setup(&ring, 16, -1UL);
	if (ret) {
		fprintf(stderr, "syslet_setup: %s\n", strerror(-ret));
		exit(1);
	}
}

/* --- the setups ------------------------------------------------------- */

enum kind { TCP, UDP, UNIX_STREAM, UNIX_DGRAM, NKINDS };
static const char *const kind_name[] = { "tcp", "udp", "unix-stream",
					 "unix-dgram" };

/*
 * A connected or addressed pair: data goes from @s to @r; @to (@tolen)
 * is the address to send to (datagram kinds), @from (@fromlen) @s's own
 * name, which a datagram receiver sees as the source.
 */
struct pair {
	int s, r;
	struct sockaddr_storage to, from;
	socklen_t tolen, fromlen;
	int dgram;
};

static int kind_ok(enum kind kind)
{
	return (kind != TCP && kind != UDP) || have_inet();
}

/* The datagram setup for the tests of one: UDP, or AF_UNIX without it. */
static enum kind dgram_kind(void)
{
	return have_inet() ? UDP : UNIX_DGRAM;
}

static void unix_path(struct sockaddr_un *sun, socklen_t *len,
		      const char *tag)
{
	static int seq;

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	snprintf(sun->sun_path, sizeof(sun->sun_path), "/tmp/sn-%06d-%s-%04d",
		 getpid() % 1000000, tag, seq++ % 10000);
	unlink(sun->sun_path);
	*len = offsetof(struct sockaddr_un, sun_path) + strlen(sun->sun_path) + 1;
}

static void make_pair(enum kind kind, struct pair *p)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int sv[2], l;

	memset(p, 0, sizeof(*p));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	switch (kind) {
	case TCP:
		l = socket(AF_INET, SOCK_STREAM, 0);
		CHECK(l >= 0);
		CHECK(bind(l, (void *)&sin, sizeof(sin)) == 0);
		CHECK(listen(l, 4) == 0);
		CHECK(getsockname(l, (void *)&sin, &len) == 0);
		p->s = socket(AF_INET, SOCK_STREAM, 0);
		CHECK(connect(p->s, (void *)&sin, sizeof(sin)) == 0);
		p->r = accept(l, NULL, NULL);
		CHECK(p->r >= 0);
		close(l);
		break;
	case UDP:
		p->dgram = 1;
		p->r = socket(AF_INET, SOCK_DGRAM, 0);
		p->s = socket(AF_INET, SOCK_DGRAM, 0);
		CHECK(bind(p->r, (void *)&sin, sizeof(sin)) == 0);
		CHECK(bind(p->s, (void *)&sin, sizeof(sin)) == 0);
		p->tolen = sizeof(p->to);
		CHECK(getsockname(p->r, (void *)&p->to, &p->tolen) == 0);
		break;
	case UNIX_STREAM:
		CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
		p->s = sv[0];
		p->r = sv[1];
		break;
	case UNIX_DGRAM: {
		struct sockaddr_un sun;

		p->dgram = 1;
		p->r = socket(AF_UNIX, SOCK_DGRAM, 0);
		p->s = socket(AF_UNIX, SOCK_DGRAM, 0);
		unix_path(&sun, &p->tolen, "r");
		CHECK(bind(p->r, (void *)&sun, p->tolen) == 0);
		memcpy(&p->to, &sun, sizeof(sun));
		unix_path(&sun, &len, "s");
		CHECK(bind(p->s, (void *)&sun, len) == 0);
		break;
	}
	default:
		CHECK(0);
	}
	CHECK(p->s >= 0 && p->r >= 0);
	p->fromlen = sizeof(p->from);
	CHECK(getsockname(p->s, (void *)&p->from, &p->fromlen) == 0);
}

static void close_pair(struct pair *p)
{
	struct sockaddr_un *sun = (struct sockaddr_un *)&p->to;

	if (sun->sun_family == AF_UNIX)
		unlink(sun->sun_path);
	sun = (struct sockaddr_un *)&p->from;
	if (sun->sun_family == AF_UNIX && sun->sun_path[0])
		unlink(sun->sun_path);
	close(p->s);
	close(p->r);
}

/*
 * Until @fd has data: loopback delivers in the sender's softirq, mostly
 * before send returns, but not always; a synchronous receive atom must
 * find its data there.
 */
static void wait_readable(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	CHECK_EQ(poll(&pfd, 1, 5000), 1);
}

/* What a receive returned, to compare across the modes. */
struct got {
	long sent, ret;
	char data[256];
	socklen_t addrlen;
	struct sockaddr_storage addr;
	int msg_flags;
	size_t controllen;
};

static void same(const struct got *g, const struct got *d, const char *what)
{
	if (g->sent != d->sent || g->ret != d->ret ||
	    g->addrlen != d->addrlen || g->msg_flags != d->msg_flags ||
	    g->controllen != d->controllen ||
	    memcmp(g->data, d->data, sizeof(g->data))) {
		fprintf(stderr, "%s: sent %ld ret %ld addrlen %u flags %#x ctl %zu; direct: sent %ld ret %ld addrlen %u flags %#x ctl %zu\n",
			what, g->sent, g->ret, g->addrlen, g->msg_flags,
			g->controllen, d->sent, d->ret, d->addrlen,
			d->msg_flags, d->controllen);
		exit(1);
	}
}

/* The source address returned: the sender's name, for datagrams. */
static void check_from(const struct pair *p, const struct got *g,
		       socklen_t room)
{
	socklen_t n = g->addrlen < room ? g->addrlen : room;

	if (!p->dgram)
		return;
	CHECK_EQ(g->addrlen, p->fromlen);
	CHECK(!memcmp(&g->addr, &p->from, n));
}

/* --- success ---------------------------------------------------------- */

/*
 * sendto then recvfrom, each as the system call, a synchronous atom and
 * an asynchronous one; the source address into a full-size buffer and
 * into one of 4 bytes (truncated: the length returned is the full one).
 */
static int t_sendto_recvfrom(void)
{
	struct got d[2], g;
	int kind, mode, small;

	setup();
	for (kind = 0; kind < NKINDS; kind++) {
		if (!kind_ok(kind))
			continue;
		for (small = 0; small < 2; small++) {
			for (mode = 0; mode < NMODES; mode++) {
				struct pair p;
				char msg[64], what[64];
				socklen_t room = small ? 4 : sizeof(g.addr);
				unsigned int i;
				int len;

				make_pair(kind, &p);
				len = snprintf(msg, sizeof(msg), "hello %s", kind_name[kind]);
				memset(&g, 0, sizeof(g));
				memset(&g.addr, 0xee, sizeof(g.addr));
				g.addrlen = room;
				g.sent = op(mode, SYS_sendto, p.s, U(msg), len,
					    0, p.dgram ? U(&p.to) : 0,
					    p.dgram ? p.tolen : 0);
				wait_readable(p.r);
				g.ret = op(mode, SYS_recvfrom, p.r, U(g.data),
					   sizeof(g.data), 0, U(&g.addr),
					   U(&g.addrlen));
				snprintf(what, sizeof(what), "%s %s room %u",
					 kind_name[kind], mode_name[mode], room);
				CHECK_EQ(g.sent, len);
				CHECK_EQ(g.ret, len);
				CHECK(!memcmp(g.data, msg, len));
				check_from(&p, &g, room);
				/* Nothing written past the address or the room. */
				for (i = g.addrlen < room ? g.addrlen : room;
				     i < sizeof(g.addr); i++)
					CHECK_EQ(((unsigned char *)&g.addr)[i], 0xee);
				g.addr = (struct sockaddr_storage){ 0 };
				if (mode == DIRECT)
					d[small] = g;
				same(&g, &d[small], what);
				close_pair(&p);
			}
		}
	}
	return 0;
}

/*
 * sendmsg then recvmsg: a two-part iovec each way, msg_name for the
 * datagram kinds; a receive into 30 bytes of a 100-byte message: a
 * datagram is cut (MSG_TRUNC in msg_flags, 30 returned; with the
 * MSG_TRUNC flag, its full length returned), a stream gives 30.
 */
static int t_sendmsg_recvmsg(void)
{
	struct got d[2], g;
	int kind, mode, trunc;

	setup();
	for (kind = 0; kind < NKINDS; kind++) {
		if (!kind_ok(kind))
			continue;
		/* MSG_TRUNC on a TCP receive discards: datagrams only. */
		for (trunc = 0; trunc < 1 + (kind == UDP || kind == UNIX_DGRAM);
		     trunc++) {
			for (mode = 0; mode < NMODES; mode++) {
				char out[100], what[64];
				struct iovec siov[2] = {
					{ out, 40 }, { out + 40, 60 },
				};
				struct iovec riov[2] = {
					{ g.data, 10 }, { g.data + 10, 20 },
				};
				struct msghdr sm = {
					.msg_iov = siov, .msg_iovlen = 2,
				}, rm = {
					.msg_iov = riov, .msg_iovlen = 2,
				};
				struct pair p;
				int i;

				make_pair(kind, &p);
				for (i = 0; i < 100; i++)
					out[i] = (char)(i * 7 + kind);
				if (p.dgram) {
					sm.msg_name = &p.to;
					sm.msg_namelen = p.tolen;
				}
				memset(&g, 0, sizeof(g));
				rm.msg_name = &g.addr;
				rm.msg_namelen = sizeof(g.addr);
				rm.msg_flags = 0x5a5a;	/* output only */
				g.sent = op(mode, SYS_sendmsg, p.s, U(&sm), 0, 0, 0, 0);
				wait_readable(p.r);
				g.ret = op(mode, SYS_recvmsg, p.r, U(&rm),
					   trunc ? MSG_TRUNC : 0, 0, 0, 0);
				g.addrlen = rm.msg_namelen;
				g.msg_flags = rm.msg_flags;
				g.controllen = rm.msg_controllen;
				snprintf(what, sizeof(what), "%s %s trunc %d",
					 kind_name[kind], mode_name[mode], trunc);
				CHECK_EQ(g.sent, 100);
				CHECK_EQ(g.ret, p.dgram && trunc ? 100 : 30);
				CHECK_EQ(!!(g.msg_flags & MSG_TRUNC), p.dgram);
				CHECK(!memcmp(g.data, out, 30));
				check_from(&p, &g, sizeof(g.addr));
				g.addr = (struct sockaddr_storage){ 0 };
				if (mode == DIRECT)
					d[trunc] = g;
				same(&g, &d[trunc], what);
				close_pair(&p);
			}
		}
	}
	return 0;
}

/*
 * Control messages: an fd passed with SCM_RIGHTS by a sendmsg atom and
 * received by a recvmsg atom (MSG_CMSG_CLOEXEC) is the same open file,
 * installed in the process's table; msg_controllen says how much was
 * written.
 */
static int t_scm_rights(void)
{
	int mode;

	setup();
	for (mode = 0; mode < NMODES; mode++) {
		union {
			char buf[CMSG_SPACE(sizeof(int))];
			struct cmsghdr align;
		} sc, rc;
		struct cmsghdr *cm;
		char c = 'x', rcv = 0;
		struct iovec siov = { &c, 1 }, riov = { &rcv, 1 };
		struct msghdr sm = {
			.msg_iov = &siov, .msg_iovlen = 1,
			.msg_control = sc.buf, .msg_controllen = sizeof(sc.buf),
		}, rm = {
			.msg_iov = &riov, .msg_iovlen = 1,
			.msg_control = rc.buf, .msg_controllen = sizeof(rc.buf),
		};
		struct stat st1, st2;
		struct pair p;
		int pfd[2], fd;

		CHECK(pipe(pfd) == 0);
		make_pair(UNIX_STREAM, &p);
		cm = CMSG_FIRSTHDR(&sm);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &pfd[0], sizeof(int));
		CHECK_EQ(op(mode, SYS_sendmsg, p.s, U(&sm), 0, 0, 0, 0), 1);
		close(pfd[0]);
		memset(rc.buf, 0, sizeof(rc.buf));
		CHECK_EQ(op(mode, SYS_recvmsg, p.r, U(&rm), MSG_CMSG_CLOEXEC,
			    0, 0, 0), 1);
		CHECK_EQ(rcv, 'x');
		CHECK_EQ(rm.msg_controllen, CMSG_SPACE(sizeof(int)));
		cm = CMSG_FIRSTHDR(&rm);
		CHECK(cm && cm->cmsg_type == SCM_RIGHTS);
		memcpy(&fd, CMSG_DATA(cm), sizeof(int));
		CHECK(fstat(fd, &st1) == 0 && fstat(pfd[1], &st2) == 0);
		CHECK(st1.st_ino == st2.st_ino);
		CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
		CHECK(write(pfd[1], "y", 1) == 1);
		CHECK(read(fd, &c, 1) == 1 && c == 'y');
		close(fd);
		close(pfd[1]);
		close_pair(&p);
	}
	return 0;
}

/* --- errors ------------------------------------------------------------ */

/* Run one call in every mode; the atoms must give the direct result. */
#define SAME(expect, nr, a0, a1, a2, a3, a4, a5) do {			\
	long _d = op(DIRECT, nr, U(a0), U(a1), U(a2), U(a3), U(a4), U(a5)); \
	CHECK_EQ(_d, expect);						\
	CHECK_EQ(op(SYNC, nr, U(a0), U(a1), U(a2), U(a3), U(a4), U(a5)), _d); \
	CHECK_EQ(op(ASYNC, nr, U(a0), U(a1), U(a2), U(a3), U(a4), U(a5)), _d); \
} while (0)

/* A closed fd gives EBADF, a pipe ENOTSOCK, for each operation. */
static int t_ebadf_enotsock(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	char buf[8] = "abc";
	struct iovec iov = { buf, 3 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	socklen_t al = sizeof(sin);
	int pfd[2], bad = 1000, i;

	setup();
	CHECK(pipe(pfd) == 0);
	for (i = 0; i < 2; i++) {
		int fd = i ? pfd[1] : bad;
		long e = i ? -ENOTSOCK : -EBADF;

		SAME(e, SYS_sendto, fd, buf, 3, 0, &sin, sizeof(sin));
		SAME(e, SYS_recvfrom, fd, buf, 3, 0, &sin, &al);
		SAME(e, SYS_sendmsg, fd, &m, 0, 0, 0, 0);
		SAME(e, SYS_recvmsg, fd, &m, 0, 0, 0, 0);
	}
	return 0;
}

/*
 * Bad pointers give EFAULT where the system call does, in its order: a
 * bad buffer before a bad fd (sendto/recvfrom), a bad msghdr, iovec or
 * control buffer, a bad address; a bad address length pointer after the
 * datagram was taken.
 */
static int t_efault(void)
{
	struct pair p;
	char buf[64];
	void *bad = (void *)8;
	struct iovec iov = { buf, sizeof(buf) }, biov = { bad, 10 };
	struct msghdr bm = { .msg_iov = &biov, .msg_iovlen = 1 }, bms;
	struct msghdr bc = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = bad, .msg_controllen = 32 };
	struct msghdr bn = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_name = bad, .msg_namelen = 16 };
	struct sockaddr_storage ss;
	socklen_t al;
	int mode;

	setup();
	make_pair(dgram_kind(), &p);
	/* Bad buffer and bad fd: the buffer is checked first. */
	SAME(-EFAULT, SYS_sendto, 1000, (void *)-4096L, 10, 0, 0, 0);
	SAME(-EFAULT, SYS_recvfrom, 1000, (void *)-4096L, 10, 0, 0, 0);
	SAME(-EFAULT, SYS_sendto, p.s, bad, 10, 0, &p.to, p.tolen);
	SAME(-EFAULT, SYS_sendto, p.s, buf, 10, 0, bad, p.tolen);
	SAME(-EFAULT, SYS_sendmsg, p.s, bad, 0, 0, 0, 0);
	bms = bm;
	bms.msg_name = &p.to;
	bms.msg_namelen = p.tolen;
	SAME(-EFAULT, SYS_sendmsg, p.s, &bms, 0, 0, 0, 0);
	SAME(-EFAULT, SYS_sendmsg, p.s, &bc, 0, 0, 0, 0);
	SAME(-EFAULT, SYS_sendmsg, p.s, &bn, 0, 0, 0, 0);
	SAME(-EFAULT, SYS_recvmsg, p.r, bad, 0, 0, 0, 0);
	/* A datagram is waiting: the bad iovec faults on the copy. */
	for (mode = 0; mode < NMODES; mode++) {
		CHECK_EQ(sendto(p.s, "0123456789", 10, 0, (void *)&p.to, p.tolen), 10);
		wait_readable(p.r);
		CHECK_EQ(op(mode, SYS_recvmsg, p.r, U(&bm), 0, 0, 0, 0), -EFAULT);
		/* Taken, then the length pointer faults. */
		CHECK_EQ(sendto(p.s, "0123456789", 10, 0, (void *)&p.to, p.tolen), 10);
		wait_readable(p.r);
		CHECK_EQ(op(mode, SYS_recvfrom, p.r, U(buf), sizeof(buf), 0,
			    U(&ss), U(bad)), -EFAULT);
		/* A negative length: EINVAL, after the datagram was taken. */
		CHECK_EQ(sendto(p.s, "0123456789", 10, 0, (void *)&p.to, p.tolen), 10);
		wait_readable(p.r);
		al = -1;
		CHECK_EQ(op(mode, SYS_recvfrom, p.r, U(buf), sizeof(buf), 0,
			    U(&ss), U(&al)), -EINVAL);
		CHECK_EQ(recv(p.r, buf, sizeof(buf), MSG_DONTWAIT), -1);
		CHECK_EQ(errno, EAGAIN);
	}
	close_pair(&p);
	return 0;
}

/*
 * The system calls' argument checks: MSG_CMSG_COMPAT refused, address
 * lengths, the iovec count, control lengths.
 */
static int t_einval(void)
{
	struct pair p;
	char buf[16] = "abc";
	struct iovec iov = { buf, 3 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct msghdr neg, many, bigctl;

	setup();
	make_pair(dgram_kind(), &p);
	/*
	 * MSG_CMSG_COMPAT, where the kernel has 32-bit compat
	 * (CONFIG_COMPAT; elsewhere the bit means nothing).
	 */
	if (!access("/proc/sys/abi/vsyscall32", F_OK)) {
		SAME(-EINVAL, SYS_sendmsg, p.s, &m, 0x80000000U, 0, 0, 0);
		SAME(-EINVAL, SYS_recvmsg, p.r, &m, 0x80000000U, 0, 0, 0);
	}
	SAME(-EINVAL, SYS_sendto, p.s, buf, 3, 0, &p.to, -1);
	SAME(-EINVAL, SYS_sendto, p.s, buf, 3, 0, &p.to,
	     sizeof(struct sockaddr_storage) + 1);
	neg = m;
	neg.msg_name = &p.to;
	neg.msg_namelen = -1;
	SAME(-EINVAL, SYS_sendmsg, p.s, &neg, 0, 0, 0, 0);
	SAME(-EINVAL, SYS_recvmsg, p.r, &neg, 0, 0, 0, 0);
	many = m;
	many.msg_iovlen = 1025;
	SAME(-EMSGSIZE, SYS_sendmsg, p.s, &many, 0, 0, 0, 0);
	SAME(-EMSGSIZE, SYS_recvmsg, p.r, &many, 0, 0, 0, 0);
	bigctl = m;
	bigctl.msg_control = buf;
	bigctl.msg_controllen = 0x80000000UL;
	SAME(-ENOBUFS, SYS_sendmsg, p.s, &bigctl, 0, 0, 0, 0);
	/* A too short address: the protocol's EINVAL. */
	SAME(-EINVAL, SYS_sendto, p.s, buf, 3, 0, &p.to,
	     dgram_kind() == UDP ? 4 : 1);
	close_pair(&p);
	return 0;
}

/*
 * A datagram to an AF_UNIX path the sender may not write is refused with
 * EACCES, for an atom as for the system call (the submitter's
 * credentials, in a worker too).
 */
static int t_eacces(void)
{
	struct sockaddr_un sun;
	socklen_t len;
	struct msghdr m;
	struct iovec iov = { "x", 1 };
	int r, s;

	if (getuid() != 0)
		return SKIP;
	r = socket(AF_UNIX, SOCK_DGRAM, 0);
	CHECK(r >= 0);
	unix_path(&sun, &len, "priv");
	CHECK(bind(r, (void *)&sun, len) == 0);
	CHECK(chmod(sun.sun_path, 0700) == 0);
	CHECK(setgid(65534) == 0);
	CHECK(setuid(65534) == 0);
	setup();
	s = socket(AF_UNIX, SOCK_DGRAM, 0);
	CHECK(s >= 0);
	SAME(-EACCES, SYS_sendto, s, "x", 1, 0, &sun, len);
	memset(&m, 0, sizeof(m));
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_name = &sun;
	m.msg_namelen = len;
	SAME(-EACCES, SYS_sendmsg, s, &m, 0, 0, 0, 0);
	/* Nothing arrived. */
	CHECK(recv(r, &m, 1, MSG_DONTWAIT) == -1 && errno == EAGAIN);
	return 0;
}

/* --- blocking ---------------------------------------------------------- */

/*
 * A receive with nothing to read, in the synchronous phase: the chain
 * goes to a worker without taking anything, blocks there, and completes
 * when data arrives.  recvfrom, recvmsg, and MSG_WAITALL (which must not
 * stop at the first part).  Non-blocking receives (O_NONBLOCK, or
 * MSG_DONTWAIT) give EAGAIN in the caller instead.
 */
static int t_recv_blocks(void)
{
	struct syslet_uatom a[2];
	char buf[32];
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	unsigned long fd, pbuf = U(buf), pm = U(&m), n = sizeof(buf), n10 = 10;
	unsigned long zero = 0, waitall = MSG_WAITALL, dontwait = MSG_DONTWAIT;
	long r[2];
	int kind, which;

	setup();
	for (kind = 0; kind < NKINDS; kind++) {
		if (!kind_ok(kind))
			continue;
		for (which = 0; which < 3; which++) {
			struct pair p;

			make_pair(kind, &p);
			fd = p.r;
			memset(buf, 0, sizeof(buf));
			r[0] = r[1] = 99;
			syslet_atom(&a[0], SYSLET_NR_NOP, 0, &r[0], &a[1], NULL);
			if (which == 0)
				syslet_atom(&a[1], SYS_recvfrom, 0, &r[1], NULL,
					    A(fd), A(pbuf), A(n), A(zero), NULL);
			else if (which == 1)
				syslet_atom(&a[1], SYS_recvmsg, 0, &r[1], NULL,
					    A(fd), A(pm), A(zero), NULL);
			else if (!p.dgram)
				syslet_atom(&a[1], SYS_recvfrom, 0, &r[1], NULL,
					    A(fd), A(pbuf), A(n10), A(waitall), NULL);
			else {
				close_pair(&p);
				continue;
			}
			CHECK_EQ(syslet_exec(&ring, a, NULL), 0);
			CHECK_EQ(r[0], 0);	/* ran here, then left */
			usleep(50000);
			CHECK(!syslet_reap(&ring));
			CHECK_EQ(r[1], 99);
			CHECK_EQ(sendto(p.s, "hello", 5, 0,
					p.dgram ? (void *)&p.to : NULL,
					p.dgram ? p.tolen : 0), 5);
			if (which == 2) {
				/* Half of MSG_WAITALL's 10: still waiting. */
				usleep(50000);
				CHECK(!syslet_reap(&ring));
				CHECK_EQ(send(p.s, "world", 5, 0), 5);
			}
			CHECK(reap_wait() == &a[1]);
			CHECK_EQ(r[1], which == 2 ? 10 : 5);
			CHECK(!memcmp(buf, which == 2 ? "helloworld" : "hello",
				      r[1]));
			/* Non-blocking: EAGAIN, in the caller. */
			CHECK(fcntl(p.r, F_SETFL, O_NONBLOCK) == 0);
			r[1] = 99;
			CHECK_EQ(syslet_exec(&ring, &a[1], NULL), 1);
			CHECK_EQ(r[1], -EAGAIN);
			CHECK(fcntl(p.r, F_SETFL, 0) == 0);
			if (which == 0) {
				syslet_atom(&a[1], SYS_recvfrom, 0, &r[1], NULL,
					    A(fd), A(pbuf), A(n), A(dontwait), NULL);
				r[1] = 99;
				CHECK_EQ(syslet_exec(&ring, &a[1], NULL), 1);
				CHECK_EQ(r[1], -EAGAIN);
			}
			close_pair(&p);
		}
	}
	return 0;
}

/*
 * A stream receive that waits for more than has arrived (MSG_WAITALL, or
 * SO_RCVLOWAT above 1), in the synchronous phase: with part of the data
 * there, it must not return that part in the caller: it goes to a
 * worker and completes with all of it.
 */
static int t_recv_waitall(void)
{
	struct syslet_uatom a;
	char buf[16];
	unsigned long fd, pbuf = U(buf), n10 = 10, flags;
	int kind, lowat, ten = 10;
	long r;

	setup();
	for (kind = 0; kind < NKINDS; kind++) {
		if (!kind_ok(kind))
			continue;
		if (kind == UDP || kind == UNIX_DGRAM)
			continue;
		/*
		 * Not SO_RCVLOWAT on TCP: once the reader has copied a part,
		 * tcp_data_ready() wakes it only when rcvlowat bytes more
		 * arrive, so the system call itself would wait here.
		 */
		for (lowat = 0; lowat < 1 + (kind == UNIX_STREAM); lowat++) {
			struct pair p;

			make_pair(kind, &p);
			fd = p.r;
			flags = lowat ? 0 : MSG_WAITALL;
			memset(buf, 0, sizeof(buf));
			CHECK_EQ(send(p.s, "hello", 5, 0), 5);
			wait_readable(p.r);
			if (lowat)
				CHECK(setsockopt(p.r, SOL_SOCKET, SO_RCVLOWAT,
						 &ten, sizeof(ten)) == 0);
			syslet_atom(&a, SYS_recvfrom, 0, &r, NULL, A(fd),
				    A(pbuf), A(n10), A(flags), NULL);
			r = 99;
			CHECK_EQ(syslet_exec(&ring, &a, NULL), 0);
			usleep(50000);
			CHECK(!syslet_reap(&ring));
			CHECK_EQ(r, 99);
			CHECK_EQ(send(p.s, "world", 5, 0), 5);
			CHECK(reap_wait() == &a);
			CHECK_EQ(r, 10);
			CHECK(!memcmp(buf, "helloworld", 10));
			close_pair(&p);
		}
	}
	return 0;
}

/*
 * A send with no room, in the synchronous phase: a datagram to an
 * AF_UNIX receiver whose queue is full goes to a worker, which sends it
 * once the receiver has read.  sendto and sendmsg.
 */
static int t_send_blocks(void)
{
	struct syslet_uatom a;
	char msg[8] = "payload", buf[16];
	struct iovec iov = { msg, 7 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	unsigned long fd, pmsg = U(msg), pm = U(&m), n = 7, zero = 0, pto, tolen;
	long r;
	int which, queued, i;

	setup();
	for (which = 0; which < 2; which++) {
		struct pair p;

		make_pair(UNIX_DGRAM, &p);
		fd = p.s;
		pto = U(&p.to);
		tolen = p.tolen;
		m.msg_name = &p.to;
		m.msg_namelen = p.tolen;
		for (queued = 0; queued < 100000; queued++)
			if (sendto(p.s, "f", 1, MSG_DONTWAIT, (void *)&p.to,
				   p.tolen) != 1)
				break;
		CHECK_EQ(errno, EAGAIN);
		if (which == 0)
			syslet_atom(&a, SYS_sendto, 0, &r, NULL, A(fd), A(pmsg),
				    A(n), A(zero), A(pto), A(tolen), NULL);
		else
			syslet_atom(&a, SYS_sendmsg, 0, &r, NULL, A(fd), A(pm),
				    A(zero), NULL);
		r = 99;
		CHECK_EQ(syslet_exec(&ring, &a, NULL), 0);
		usleep(50000);
		CHECK(!syslet_reap(&ring));
		CHECK_EQ(r, 99);
		for (i = 0; i < queued; i++)
			CHECK_EQ(recv(p.r, buf, sizeof(buf), 0), 1);
		CHECK(reap_wait() == &a);
		CHECK_EQ(r, 7);
		CHECK_EQ(recv(p.r, buf, sizeof(buf), 0), 7);
		CHECK(!memcmp(buf, "payload", 7));
		close_pair(&p);
	}
	return 0;
}

static void worker_state_of(const char *stat, void *arg)
{
	*(char *)arg = stat[0];
}

/* The state letter of this process's syslet_worker thread, or 0. */
static char worker_state(void)
{
	char state = 0;

	syslet_workers_each("self", worker_state_of, &state);
	return state;
}

/*
 * A receive blocked in a worker, cancelled by closing the context (@how
 * 0) or by SYSLET_IOC_UNREGISTER (1): the call returns promptly, the
 * receive ends with -EINTR and its atom is posted once; data sent
 * afterwards is still in the socket.
 */
static int cancel_blocked(int how)
{
	struct syslet_uatom a[2];
	struct timespec t0, t1;
	char buf[8];
	unsigned long fd, pbuf = U(buf), n = sizeof(buf), zero = 0;
	long r[2];
	int kind, i, k, posted;

	for (kind = 0; kind < NKINDS; kind++) {
		if (!kind_ok(kind))
			continue;
		struct pair p;

		setup();
		make_pair(kind, &p);
		fd = p.r;
		r[0] = r[1] = 99;
		syslet_atom(&a[0], SYSLET_NR_NOP, SYSLET_ASYNC, &r[0], &a[1], NULL);
		syslet_atom(&a[1], SYS_recvfrom, 0, &r[1], NULL, A(fd),
			    A(pbuf), A(n), A(zero), NULL);
		CHECK_EQ(syslet_exec(&ring, a, NULL), 0);
		/* Until the worker has taken it and sleeps in the receive. */
		for (k = 0; k < 5000; k++) {
			if (__atomic_load_n(&r[0], __ATOMIC_ACQUIRE) == 0 &&
			    worker_state() == 'S')
				break;
			usleep(1000);
		}
		CHECK(k < 5000);
		usleep(50000);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (how == 0)
			CHECK(close(ring.fd) == 0);
		else
			CHECK(ioctl(ring.fd, SYSLET_IOC_UNREGISTER) == 0);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		CHECK(t1.tv_sec - t0.tv_sec < 5);
		CHECK_EQ(r[1], -EINTR);
		for (i = 0, posted = 0; i < 16; i++)
			if (ring.slots[i] == &a[1])
				posted++;
			else
				CHECK(!ring.slots[i]);
		CHECK_EQ(posted, 1);
		/* Not taken by the cancelled receive. */
		CHECK_EQ(sendto(p.s, "late", 4, 0, p.dgram ? (void *)&p.to : NULL,
				p.dgram ? p.tolen : 0), 4);
		CHECK_EQ(recv(p.r, buf, sizeof(buf), 0), 4);
		usleep(20000);
		for (i = 0, posted = 0; i < 16; i++)
			posted += ring.slots[i] == &a[1];
		CHECK_EQ(posted, 1);
		if (how)
			close(ring.fd);
		free(ring.slots);
		close_pair(&p);
	}
	return 0;
}

static int t_cancel_close(void)
{
	return cancel_blocked(0);
}

static int t_cancel_unregister(void)
{
	return cancel_blocked(1);
}

/*
 * In a worker, an AF_UNIX path is resolved in the submitting thread's
 * working directory as it was at the hand-over: a chain waits in a
 * worker (a read of a pipe) while the process changes directory, then
 * sends to a relative path, which must still name the socket.
 */
static int t_async_cwd(void)
{
	struct syslet_uatom a[2];
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char dir[64], c, buf[8];
	unsigned long pfd0, pc = U(&c), one = 1, s, pmsg = U("cwd"), three = 3;
	unsigned long zero = 0, paddr = U(&sun), alen;
	long r[2];
	int pfd[2], rs;

	setup();
	snprintf(dir, sizeof(dir), "/tmp/sn-cwd-%d", getpid());
	CHECK(mkdir(dir, 0755) == 0);
	CHECK(chdir(dir) == 0);
	strcpy(sun.sun_path, "sock");
	alen = offsetof(struct sockaddr_un, sun_path) + 5;
	rs = socket(AF_UNIX, SOCK_DGRAM, 0);
	CHECK(rs >= 0 && bind(rs, (void *)&sun, alen) == 0);
	s = socket(AF_UNIX, SOCK_DGRAM, 0);
	CHECK(pipe(pfd) == 0);
	pfd0 = pfd[0];
	r[0] = r[1] = 99;
	syslet_atom(&a[0], SYS_read, 0, &r[0], &a[1], A(pfd0), A(pc), A(one), NULL);
	syslet_atom(&a[1], SYS_sendto, 0, &r[1], NULL, A(s), A(pmsg), A(three),
		    A(zero), A(paddr), A(alen), NULL);
	CHECK_EQ(syslet_exec(&ring, a, NULL), 0);
	CHECK(chdir("/") == 0);
	/* Here, "sock" is no socket. */
	CHECK(sendto(s, "x", 1, 0, (void *)&sun, alen) == -1 && errno == ENOENT);
	CHECK(write(pfd[1], "g", 1) == 1);
	CHECK(reap_wait() == &a[1]);
	CHECK_EQ(r[0], 1);
	CHECK_EQ(r[1], 3);
	CHECK_EQ(recv(rs, buf, sizeof(buf), MSG_DONTWAIT), 3);
	CHECK(!memcmp(buf, "cwd", 3));
	CHECK(chdir(dir) == 0 && unlink("sock") == 0);
	CHECK(chdir("/") == 0 && rmdir(dir) == 0);
	return 0;
}

static volatile int sigpipes;

static void on_sigpipe(int sig)
{
	sigpipes++;
}

/*
 * A send on a stream whose peer is gone: -EPIPE, and SIGPIPE to the
 * thread that makes the call, as Documentation/syslet.rst says: the
 * submitter in the caller (its handler runs), the worker, which ignores
 * it, in a worker.  MSG_NOSIGNAL: no signal.
 */
static int t_sigpipe(void)
{
	struct sigaction sa = { .sa_handler = on_sigpipe };
	int kind, mode;

	CHECK(sigaction(SIGPIPE, &sa, NULL) == 0);
	setup();
	for (kind = 0; kind < NKINDS; kind++) {
		if (!kind_ok(kind))
			continue;
		if (kind == UDP || kind == UNIX_DGRAM)
			continue;
		for (mode = 0; mode < NMODES; mode++) {
			struct pair p;

			make_pair(kind, &p);
			CHECK(shutdown(p.s, SHUT_WR) == 0);
			sigpipes = 0;
			CHECK_EQ(op(mode, SYS_sendto, p.s, U("x"), 1, 0, 0, 0),
				 -EPIPE);
			CHECK_EQ(sigpipes, mode == ASYNC ? 0 : 1);
			CHECK_EQ(op(mode, SYS_sendto, p.s, U("x"), 1,
				    MSG_NOSIGNAL, 0, 0), -EPIPE);
			CHECK_EQ(sigpipes, mode == ASYNC ? 0 : 1);
			close_pair(&p);
		}
	}
	return 0;
}

static const struct test tests[] = {
	{ "sendto-recvfrom", t_sendto_recvfrom },
	{ "sendmsg-recvmsg", t_sendmsg_recvmsg },
	{ "scm-rights", t_scm_rights },
	{ "ebadf-enotsock", t_ebadf_enotsock },
	{ "efault", t_efault },
	{ "einval", t_einval },
	{ "eacces", t_eacces },
	{ "recv-blocks", t_recv_blocks },
	{ "recv-waitall", t_recv_waitall },
	{ "send-blocks", t_send_blocks },
	{ "cancel-close", t_cancel_close },
	{ "cancel-unregister", t_cancel_unregister },
	{ "sigpipe", t_sigpipe },
	{ "async-cwd", t_async_cwd },
};

TEST_MAIN(tests, NULL)
