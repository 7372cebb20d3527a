// SPDX-License-Identifier: GPL-2.0
/*
 * echo_server: a TCP echo server over loopback in which each connection
 * is one looping syslet chain (recvfrom -> sendto, tools/lib/syslet_echo.h),
 * with a client of many connections that checks every echoed byte.
 *
 * The server (this process) accepts with accept4() and starts one chain
 * per connection; chains end when their client closes, and the server
 * closes the sockets of the final atoms it reaps from the ring.  The
 * client (a child process, plain blocking sockets) sends, on every
 * connection in turn, messages of 1 to SIZE bytes of a pattern that
 * depends on the connection and the message, reads each echo back in
 * full and compares it.
 *
 * Usage: echo_server [-c CONNS] [-m MSGS] [-s SIZE]
 *   CONNS connections (1 to 64, default 32), MSGS messages on each
 *   (default 100), SIZE the largest message (1 to 4096, default 1024).
 * Prints one summary line; exits 0 if every byte came back as sent.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>

#include "../lib/syslet_echo.h"

static unsigned long conns = 32, msgs = 100, maxsize = 1024;

static size_t msg_size(unsigned long c, unsigned long m)
{
	return 1 + (c * 7919 + m * 104729) % maxsize;
}

static char pattern(unsigned long c, unsigned long m, size_t k)
{
	return (char)(c * 31 + m * 17 + k * 7 + 1);
}

static int full(ssize_t (*io)(int, void *, size_t), int fd, char *p,
		size_t len)
{
	while (len) {
		ssize_t n = io(fd, p, len);

		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

static ssize_t wr(int fd, void *p, size_t len)
{
	return write(fd, p, len);
}

/* The client: returns the bytes echoed back exactly, or -1. */
static long client(const struct sockaddr_in *sin)
{
	char out[ECHO_BUF], in[ECHO_BUF];
	int *fds = calloc(conns, sizeof(*fds));
	unsigned long c, m;
	long bytes = 0;
	size_t k, len;

	if (!fds)
		return -1;
	for (c = 0; c < conns; c++) {
		int one = 1;

		fds[c] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fds[c] < 0 ||
		    connect(fds[c], (const void *)sin, sizeof(*sin))) {
			perror("client: connect");
			return -1;
		}
		setsockopt(fds[c], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	for (m = 0; m < msgs; m++) {
		for (c = 0; c < conns; c++) {
			len = msg_size(c, m);
			for (k = 0; k < len; k++)
				out[k] = pattern(c, m, k);
			if (full(wr, fds[c], out, len)) {
				perror("client: write");
				return -1;
			}
		}
		for (c = 0; c < conns; c++) {
			len = msg_size(c, m);
			if (full(read, fds[c], in, len)) {
				fprintf(stderr, "client: connection %lu, message %lu: short echo\n",
					c, m);
				return -1;
			}
			for (k = 0; k < len; k++) {
				if (in[k] != pattern(c, m, k)) {
					fprintf(stderr, "client: connection %lu, message %lu, byte %zu differs\n",
						c, m, k);
					return -1;
				}
			}
			bytes += len;
		}
	}
	for (c = 0; c < conns; c++)
		close(fds[c]);
	free(fds);
	return bytes;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t slen = sizeof(sin);
	struct echo_stats st = { 0 };
	struct syslet_ring ring;
	struct timespec t0, t1;
	int opt, lfd, pfd[2], status, ret;
	long bytes = -1;
	double secs;
	pid_t pid;

	while ((opt = getopt(argc, argv, "c:m:s:")) != -1) {
		switch (opt) {
		case 'c': conns = strtoul(optarg, NULL, 0); break;
		case 'm': msgs = strtoul(optarg, NULL, 0); break;
		case 's': maxsize = strtoul(optarg, NULL, 0); break;
		default: goto usage;
		}
	}
	if (optind != argc || !conns || conns > 64 || !maxsize ||
	    maxsize > ECHO_BUF)
		goto usage;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (void *)&sin, sizeof(sin)) ||
	    listen(lfd, 128) || getsockname(lfd, (void *)&sin, &slen) ||
	    pipe(pfd)) {
		perror("echo_server: listen");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (!pid) {
		close(lfd);
		bytes = client(&sin);
		if (write(pfd[1], &bytes, sizeof(bytes)) != sizeof(bytes))
			_exit(1);
		_exit(bytes < 0);
	}
	close(pfd[1]);
	ret = syslet_setup(&ring, 2 * conns + 16, conns);
	if (!ret) {
		ret = echo_serve(&ring, lfd, conns, &st);
		syslet_teardown(&ring);
	}
	if (ret) {
		fprintf(stderr, "echo_server: %s\n", strerror(-ret));
		kill(pid, SIGKILL);
	}
	if (read(pfd[0], &bytes, sizeof(bytes)) != sizeof(bytes))
		bytes = -1;
	waitpid(pid, &status, 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = t1.tv_sec - t0.tv_sec + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (ret || bytes < 0 || !WIFEXITED(status) || WEXITSTATUS(status) ||
	    st.conns != conns || st.errors) {
		printf("echo_server: FAILED (%lu connections served, %lu errors, client %s)\n",
		       st.conns, st.errors, bytes < 0 ? "failed" : "ok");
		return 1;
	}
	printf("echo_server: %lu connections x %lu messages (1-%lu bytes): %ld bytes echoed byte-exact in %.2f s (%.0f echoes/s); %lu chains, %lu ended in the caller\n",
	       conns, msgs, maxsize, bytes, secs, conns * msgs / secs,
	       st.conns, st.sync_ended);
	return 0;
usage:
	fprintf(stderr, "usage: echo_server [-c CONNS (1-64)] [-m MSGS] [-s SIZE (1-%d)]\n",
		ECHO_BUF);
	return 2;
}
