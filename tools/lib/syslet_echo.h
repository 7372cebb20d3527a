/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An echo server in which each connection is one looping syslet chain:
 *
 *     again: n = recvfrom(fd, buf, size, 0, NULL, NULL)  STOP_ON_NON_POSITIVE
 *            sendto(fd, buf, n, MSG_NOSIGNAL, NULL, 0)   STOP_ON_NON_POSITIVE,
 *                                                        next = again
 *
 * (recvfrom's ret_ptr is sendto's length argument).  The chain starts in
 * the caller, which echoes what has already arrived, and moves to a
 * worker at the first receive that would block; there it loops until the
 * peer closes (recvfrom returns 0) or an error, and its final atom is
 * posted to the ring, where the server finds the connection to close.
 * A connection waiting for data holds no worker: its receive parks on
 * the socket (Documentation/syslet.rst, "Parking"), and the worker that
 * the data wakes, or one already running, goes on with it.  Used by
 * tools/demo/echo_server.c and the S5 benchmark.
 */
#ifndef _SYSLET_ECHO_H
#define _SYSLET_ECHO_H

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "syslet.h"

#define ECHO_BUF	4096

struct echo_conn {
	struct syslet_uatom a[2];
	unsigned long fd, pbuf, size, zero, nosignal;
	long n, sent;
	char buf[ECHO_BUF];
};

/*
 * Start @c's chain on @fd: 0 if it went on in a worker, 1 if it already
 * ended in the caller, -errno if it could not be submitted.
 */
static inline int echo_conn_start(struct syslet_ring *r, struct echo_conn *c,
				  int fd)
{
	struct syslet_uatom *done;
	unsigned long *a0 = &c->fd, *a1 = &c->pbuf, *a3 = &c->zero;

	c->fd = fd;
	c->pbuf = (unsigned long)c->buf;
	c->size = sizeof(c->buf);
	c->zero = 0;
	c->nosignal = MSG_NOSIGNAL;
	syslet_atom(&c->a[0], SYS_recvfrom, SYSLET_STOP_ON_NON_POSITIVE, &c->n,
		    &c->a[1], a0, a1, &c->size, a3, NULL);
	syslet_atom(&c->a[1], SYS_sendto, SYSLET_STOP_ON_NON_POSITIVE,
		    &c->sent, &c->a[0], a0, a1, (unsigned long *)&c->n,
		    &c->nosignal, NULL);
	c->a[0].private = c;
	c->a[1].private = c;
	return syslet_exec(r, c->a, &done);
}

/* What echo_serve() saw. */
struct echo_stats {
	unsigned long conns;	/* connections accepted */
	unsigned long sync_ended;	/* chains that ended in the caller */
	unsigned long errors;	/* chains that ended on an error */
};

/*
 * Accept @nconns connections on @lfd (non-blocking), each served by its
 * own chain on @r (registered with room for them, and at least
 * @nconns workers), and return once all of them have ended: 0, or
 * -errno.  Sockets are closed as their chains end.
 */
static inline int echo_serve(struct syslet_ring *r, int lfd,
			     unsigned long nconns, struct echo_stats *st)
{
	unsigned long live = 0;
	int ret = 0;

	while (st->conns < nconns || live) {
		struct syslet_uatom *done;
		struct pollfd pfd = { .fd = lfd, .events = POLLIN };

		while ((done = syslet_reap(r))) {
			struct echo_conn *c = done->private;

			if (*done->ret_ptr < 0)
				st->errors++;
			close(c->fd);
			free(c);
			live--;
		}
		if (st->conns < nconns &&
		    poll(&pfd, 1, live ? 10 : 1000) > 0) {
			struct echo_conn *c = malloc(sizeof(*c));
			int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

			if (fd < 0 || !c) {
				free(c);
				if (fd >= 0)
					close(fd);
				if (errno == EAGAIN || errno == EINTR)
					continue;
				ret = -errno;
				break;
			}
			st->conns++;
			ret = echo_conn_start(r, c, fd);
			if (ret < 0) {
				close(fd);
				free(c);
				break;
			}
			if (ret == 1) {
				st->sync_ended++;
				close(fd);
				free(c);
			} else {
				live++;
			}
			ret = 0;
		} else if (st->conns >= nconns && live) {
			long w = syslet_wait(r, 1);

			if (w < 0 && w != -EINTR) {
				ret = w;
				break;
			}
		}
	}
	return ret;
}

#endif /* _SYSLET_ECHO_H */
