// SPDX-License-Identifier: GPL-2.0
/*
 * The op table test's rows for the socket operations (syslet/net.c), on
 * an AF_UNIX datagram socket pair: c->fd is the end the call uses, c->fd2
 * the other.  A receive finds one datagram, "PING12", waiting (put back
 * after each run); what a send sent is read from c->fd2 as its side
 * effect.  OPC_DENY sends, as uid 65534, to a socket bound in the row's
 * directory "secret" (mode 0700): EACCES.  syslet_net.c tests the rest
 * (TCP, addresses, blocking, cancellation, control messages).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "check.h"
#include "syslet_ops.h"

#define UL(p)	((unsigned long)(p))
#define PING	"PING12"

/* Offsets in c->in: the data, an iovec, a msghdr, an address. */
#define IN_DATA	0
#define IN_IOV	256
#define IN_MSG	512
#define IN_ADDR	1024

static void pair(struct op_ctx *c)
{
	int sv[2];

	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
	c->fd = sv[0];
	c->fd2 = sv[1];
}

/* For OPC_DENY: c->fd unbound, a receiver bound in "secret"; its addr. */
static socklen_t deny_target(struct op_ctx *c)
{
	struct sockaddr_un *sun = (void *)(c->in + IN_ADDR);
	int rx;

	op_mkdir(c, "secret", 0700);
	c->fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	CHECK(c->fd >= 0);
	rx = socket(AF_UNIX, SOCK_DGRAM, 0);
	CHECK(rx >= 0);
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	CHECK(strlen(c->dir) + 10 <= sizeof(sun->sun_path));
	memcpy(sun->sun_path, c->dir, strlen(c->dir));
	memcpy(sun->sun_path + strlen(c->dir), "/secret/s", 10);
	CHECK(bind(rx, (void *)sun, sizeof(*sun)) == 0);
	c->fd2 = rx;
	return sizeof(*sun);
}

static unsigned long fd_arg(struct op_ctx *c)
{
	return c->kase == OPC_BADF ? OP_BADFD : (unsigned long)c->fd;
}

static void want(struct op_ctx *c, long ok)
{
	switch (c->kase) {
	case OPC_OK: c->want = ok; break;
	case OPC_DENY: c->want = -EACCES; break;
	case OPC_BADF: c->want = -EBADF; break;
	default: c->want = -EFAULT; break;
	}
}

/* Side effect of a send: what waits at c->fd2. */
static void observe_sent(struct op_ctx *c)
{
	char buf[64];
	ssize_t n = recv(c->fd2, buf, sizeof(buf) - 1, MSG_DONTWAIT);

	op_seen(c, "received %zd '%.*s'\n", n, n > 0 ? (int)n : 0,
		n > 0 ? buf : "");
}

/* Side effect of a receive: how many datagrams are left; put one back. */
static void observe_left(struct op_ctx *c)
{
	char buf[64];
	int n = 0;

	while (recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
		n++;
	op_seen(c, "left %d\n", n);
}

static void undo_recv(struct op_ctx *c)
{
	if (c->fd2 >= 0)
		CHECK(send(c->fd2, PING, 6, 0) == 6);
}

/* sendto(fd, "HELLO", 5, 0, addr, addrlen) */
static void prep_sendto(struct op_ctx *c)
{
	unsigned long alen = 0;

	if (c->kase == OPC_DENY)
		alen = deny_target(c);
	else
		pair(c);
	strcpy((char *)c->in + IN_DATA, "HELLO");
	c->a[0] = fd_arg(c);
	c->a[1] = c->kase == OPC_EFAULT ? UL(c->bad) : UL(c->in + IN_DATA);
	c->a[2] = 5;
	c->a[4] = alen ? UL(c->in + IN_ADDR) : 0;
	c->a[5] = alen;
	want(c, 5);
}

/* recvfrom(fd, out, 16, 0, NULL, NULL) with "PING12" waiting */
static void prep_recvfrom(struct op_ctx *c)
{
	pair(c);
	undo_recv(c);
	c->a[0] = fd_arg(c);
	c->a[1] = c->kase == OPC_EFAULT ? UL(c->bad) : UL(c->out);
	c->a[2] = 16;
	c->outlen = 16;
	want(c, 6);
}

/* A msghdr in c->in over one iovec of @len bytes at @base. */
static void msghdr(struct op_ctx *c, void *base, size_t len, socklen_t alen)
{
	struct iovec *iov = (void *)(c->in + IN_IOV);
	struct msghdr *m = (void *)(c->in + IN_MSG);

	iov->iov_base = c->kase == OPC_EFAULT ? c->bad : base;
	iov->iov_len = len;
	memset(m, 0, sizeof(*m));
	m->msg_iov = iov;
	m->msg_iovlen = 1;
	if (alen) {
		m->msg_name = c->in + IN_ADDR;
		m->msg_namelen = alen;
	}
	c->a[0] = fd_arg(c);
	c->a[1] = UL(m);
}

static void prep_sendmsg(struct op_ctx *c)
{
	socklen_t alen = 0;

	if (c->kase == OPC_DENY)
		alen = deny_target(c);
	else
		pair(c);
	strcpy((char *)c->in + IN_DATA, "HELLO");
	msghdr(c, c->in + IN_DATA, 5, alen);
	want(c, 5);
}

static void prep_recvmsg(struct op_ctx *c)
{
	pair(c);
	undo_recv(c);
	msghdr(c, c->out, 16, 0);
	c->outlen = 16;
	want(c, 6);
}

/* Receives have no denial here: nothing about an fd refuses them. */
#define NO_DENY		(OPC_ALL & ~OPC_BIT(OPC_DENY))

static const struct op_row net_rows[] = {
	ROW("sendto", sendto, OPC_ALL, prep_sendto, .observe = observe_sent),
	ROW("recvfrom", recvfrom, NO_DENY, prep_recvfrom,
	    .undo = undo_recv, .observe = observe_left),
	ROW("sendmsg", sendmsg, OPC_ALL, prep_sendmsg, .observe = observe_sent),
	ROW("recvmsg", recvmsg, NO_DENY, prep_recvmsg,
	    .undo = undo_recv, .observe = observe_left),
};

OP_ROWS(net_rows);
