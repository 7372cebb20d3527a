// SPDX-License-Identifier: GPL-2.0
/*
 * syslet_copy: copy a file with one looping chain of three atoms,
 *
 *     again: n = read(in, buf, 4096)     STOP_ON_NON_POSITIVE
 *            write(out, buf, n)          STOP_ON_NEGATIVE
 *            umem_add(&blocks, 1)        next = again
 *
 * the 2007 "loop index" idea.  Runs it once sync-first (it stays in the
 * caller while nothing would block: page-cache reads on a filesystem
 * with FMODE_NOWAIT, such as ext4; on tmpfs, which lacks it in 6.12, it
 * goes to a worker at the first read, as io_uring would) and once with
 * SYSLET_ASYNC, reaping the final atom from the completion ring; verifies
 * both copies.
 *
 * Usage: syslet_copy SRC DST
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "../lib/syslet.h"

#define A(x) ((unsigned long *)&(x))

static int same(const char *a, const char *b)
{
	FILE *fa = fopen(a, "r"), *fb = fopen(b, "r");
	int ca, cb, ret = 0;

	if (!fa || !fb)
		return 0;
	do {
		ca = getc(fa);
		cb = getc(fb);
	} while (ca == cb && ca != EOF);
	ret = ca == cb;
	fclose(fa);
	fclose(fb);
	return ret;
}

static int copy(struct syslet_ring *r, const char *src, const char *dst,
		unsigned long flags)
{
	static char buf[4096];
	struct syslet_uatom a[3], *done = NULL;
	unsigned long in, out, pbuf = (unsigned long)buf, bs = sizeof(buf);
	unsigned long one = 1, pblocks;
	long n = 0, w = 0, blocks = 0;
	int ret;

	in = open(src, O_RDONLY);
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if ((long)in < 0 || (long)out < 0) {
		perror("open");
		return -1;
	}
	pblocks = (unsigned long)&blocks;
	syslet_atom(&a[0], SYS_read, flags | SYSLET_STOP_ON_NON_POSITIVE, &n,
		    &a[1], A(in), A(pbuf), A(bs), NULL);
	syslet_atom(&a[1], SYS_write, SYSLET_STOP_ON_NEGATIVE, &w, &a[2],
		    A(out), A(pbuf), A(n), NULL);
	syslet_atom(&a[2], SYSLET_NR_UMEM_ADD, 0, NULL, &a[0],
		    A(pblocks), A(one), NULL);

	ret = syslet_exec(r, a, &done);
	if (ret == 0) {
		printf("  chain went asynchronous; waiting for its completion\n");
		if (syslet_wait(r, 1) < 1)
			return -1;
		done = syslet_reap(r);
	}
	if (ret < 0) {
		fprintf(stderr, "exec: %s\n", strerror(-ret));
		return -1;
	}
	printf("  %s: %ld blocks, ended at atom %ld (%s) with %ld\n",
	       ret ? "synchronous" : "asynchronous", blocks,
	       (long)(done - a), done == &a[0] ? "read" : "write",
	       done == &a[0] ? n : w);
	close(in);
	close(out);
	return done == &a[0] && n == 0 && same(src, dst) ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct syslet_ring r;
	char dst2[4096];
	int ret;

	if (argc != 3) {
		fprintf(stderr, "usage: %s SRC DST\n", argv[0]);
		return 2;
	}
	ret = syslet_setup(&r, 64, -1UL);
	if (ret) {
		fprintf(stderr, "syslet_setup: %s\n", strerror(-ret));
		return 1;
	}
	printf("syslet_copy %s -> %s, one looping chain of 3 atoms\n",
	       argv[1], argv[2]);
	if (copy(&r, argv[1], argv[2], 0))
		return 1;
	snprintf(dst2, sizeof(dst2), "%s.async", argv[2]);
	if (copy(&r, argv[1], dst2, SYSLET_ASYNC))
		return 1;
	printf("  both copies verified identical to %s\n", argv[1]);
	syslet_teardown(&r);
	return 0;
}
