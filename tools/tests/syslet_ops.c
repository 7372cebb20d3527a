// SPDX-License-Identifier: GPL-2.0
/*
 * The op table test's runner (see syslet_ops.h): one test per row, named
 * after it, plus "every-native-op-has-a-row".
 *
 * For each case of a row: prep (as root) in a fresh scratch directory,
 * then four runs, each in a child that opens and registers /dev/syslet
 * first (so that the fd numbers the call returns are the same), drops
 * its ids for OPC_DENY, sets umask 027 and makes the call: directly with
 * syscall(2), as a SYSLET_SYNC atom (which must complete in the caller),
 * as an atom without flags, and as a SYSLET_ASYNC atom (which must go to
 * a worker).  After each run the parent records the side effects (the
 * output buffer, c->fd's offset, c->obs's state, the row's own) and
 * undoes them.  The three atoms must give the direct call's result and
 * side effects, and the direct call must give c->want.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../lib/syslet.h"
#include "check.h"
#include "proc_io.h"
#include "runner.h"
#include "syslet_ops.h"
#include "syslet_native_ops.h"	/* generated: scripts/coverage.py --c-header */

extern const struct op_rows __start_syslet_op_rows[];
extern const struct op_rows __stop_syslet_op_rows[];

enum op_mode { OPM_DIRECT, OPM_SYNC, OPM_PLAIN, OPM_ASYNC, OPM_N };

static const char *const mode_names[OPM_N] = {
	"direct", "SYSLET_SYNC atom", "plain atom", "SYSLET_ASYNC atom"
};
static const char *const case_names[OPC_N] = {
	"success", "denied", "bad fd/path", "EFAULT"
};

const char *op_path(struct op_ctx *c, int i, const char *name)
{
	snprintf(c->path[i], sizeof(c->path[i]), "%s/%s", c->dir, name);
	return c->path[i];
}

void op_mkfile(struct op_ctx *c, const char *name, int mode, const char *data)
{
	char p[512];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", c->dir, name);
	fd = open(p, O_CREAT | O_WRONLY | O_TRUNC, mode);
	CHECK(fd >= 0);
	if (data)
		CHECK(write(fd, data, strlen(data)) == (ssize_t)strlen(data));
	CHECK(fchmod(fd, mode) == 0);
	close(fd);
}

void op_mkdir(struct op_ctx *c, const char *name, int mode)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", c->dir, name);
	CHECK(mkdir(p, mode) == 0);
	CHECK(chmod(p, mode) == 0);
}

int op_open(struct op_ctx *c, const char *name, int flags)
{
	char p[512];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", c->dir, name);
	fd = open(p, flags);
	CHECK(fd >= 0);
	return fd;
}

void op_seen(struct op_ctx *c, const char *fmt, ...)
{
	size_t len = strlen(c->seen);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->seen + len, sizeof(c->seen) - len, fmt, ap);
	va_end(ap);
}

static void rm_rf(const char *dir)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK(system(cmd) == 0);
}

/* The child: set up like every run, then the call in @mode. */
static void child(struct op_ctx *c, const struct op_row *row,
		  enum op_mode mode)
{
	static const unsigned long flags[OPM_N] = {
		[OPM_SYNC] = SYSLET_SYNC, [OPM_ASYNC] = SYSLET_ASYNC,
	};
	struct syslet_uatom atom, *done = NULL;
	struct syslet_ring r;
	long ret = 0, io0[IO_N];
	int i, n, iofd;
	ssize_t n0;

	c->status = 1;
	iofd = proc_io_open();
	CHECK(syslet_setup(&r, 4, -1UL) == 0);
	if (c->kase == OPC_DENY) {
		if (c->flags & OPF_DENY_RUID) {
			CHECK(setresgid(65534, 0, 0) == 0);
			CHECK(setresuid(65534, 0, 0) == 0);
		} else {
			CHECK(setgroups(0, NULL) == 0);
			CHECK(setresgid(65534, 65534, 65534) == 0);
			CHECK(setresuid(65534, 65534, 65534) == 0);
		}
	}
	umask(027);
	/* The call's I/O accounting (/proc/self/io) is a side effect. */
	n0 = proc_io_counts(iofd, io0);
	if (mode == OPM_DIRECT) {
		ret = syscall(row->nr, c->a[0], c->a[1], c->a[2], c->a[3],
			      c->a[4], c->a[5]);
		if (ret == -1)
			ret = -errno;
	} else {
		syslet_atom(&atom, row->nr, flags[mode], &ret, NULL,
			    &c->a[0], &c->a[1], &c->a[2], &c->a[3], &c->a[4],
			    &c->a[5], NULL);
		n = syslet_exec(&r, &atom, &done);
		if (mode == OPM_SYNC)
			CHECK(n == 1);
		if (mode == OPM_ASYNC)
			CHECK(n == 0);
		CHECK(n == 0 || n == 1);
		if (n == 0) {
			for (i = 0; !done && i < 1000; i++) {
				CHECK(syslet_wait(&r, 1) >= 0);
				done = syslet_reap(&r);
			}
		}
		CHECK(done == &atom);
	}
	proc_io_since(iofd, c->io, io0, n0);
	c->ret = ret;
	c->status = 0;
	exit(0);
}

static void observe(struct op_ctx *c, const struct op_row *row)
{
	struct stat st;
	size_t i;

	c->seen[0] = 0;
	op_seen(c, "io: rchar %ld wchar %ld syscr %ld syscw %ld\n",
		c->io[0], c->io[1], c->io[2], c->io[3]);
	if (!(c->flags & OPF_NO_OUT_CMP)) {
		op_seen(c, "out:");
		for (i = 0; i < c->outlen; i++)
			op_seen(c, "%02x", c->out[i]);
		op_seen(c, "\n");
	}
	if (c->fd >= 0)
		op_seen(c, "offset %ld\n", (long)lseek(c->fd, 0, SEEK_CUR));
	if (c->obs[0]) {
		if (lstat(c->obs, &st))
			op_seen(c, "%s: absent\n", c->obs);
		else
			op_seen(c, "%s: mode %o uid %d gid %d size %ld blocks %ld\n",
				c->obs, st.st_mode, st.st_uid, st.st_gid,
				(long)st.st_size, (long)st.st_blocks);
	}
	if (row->observe)
		row->observe(c);
}

/* One case: prep, four runs, compare. */
static void run_case(struct op_ctx *c, const struct op_row *row,
		     enum op_case k)
{
	long ret[OPM_N];
	static char seen[OPM_N][4096];
	int m, st;
	pid_t pid;

	rm_rf(c->dir);
	CHECK(mkdir(c->dir, 0755) == 0);
	CHECK(chmod(c->dir, 0755) == 0);
	memset(c->a, 0, sizeof(c->a));
	memset(c->path, 0, sizeof(c->path));
	c->kase = k;
	c->fd = c->fd2 = -1;
	c->obs[0] = 0;
	c->outlen = 0;
	c->flags = 0;
	c->want = OP_WANT_OK;
	row->prep(c);

	for (m = 0; m < OPM_N; m++) {
		memset(c->out, 0xa5, sizeof(c->out));
		c->ret = 0;
		c->status = 1;
		fflush(stdout);
		pid = fork();
		CHECK(pid >= 0);
		if (!pid)
			child(c, row, m);
		CHECK(waitpid(pid, &st, 0) == pid);
		if (!WIFEXITED(st) || WEXITSTATUS(st) || c->status) {
			fprintf(stderr, "%s, %s, %s: the child failed (status %#x)\n",
				row->name, case_names[k], mode_names[m], st);
			exit(1);
		}
		ret[m] = c->ret;
		observe(c, row);
		memcpy(seen[m], c->seen, sizeof(seen[m]));
		if (row->undo)
			row->undo(c);
		/* (O_PATH fds have no offset: EBADF) */
		if (c->fd >= 0)
			CHECK(lseek(c->fd, 0, SEEK_SET) == 0 || errno == ESPIPE ||
			      errno == EBADF);
	}
	if (c->fd >= 0)
		close(c->fd);
	if (c->fd2 >= 0)
		close(c->fd2);

	if (c->want == OP_WANT_OK ? ret[OPM_DIRECT] < 0 :
				    ret[OPM_DIRECT] != c->want) {
		fprintf(stderr, "%s, %s: the direct call gave %ld, the case wants %ld\n",
			row->name, case_names[k], ret[OPM_DIRECT], c->want);
		exit(1);
	}
	for (m = OPM_SYNC; m < OPM_N; m++) {
		if (ret[m] != ret[OPM_DIRECT] || strcmp(seen[m], seen[0])) {
			fprintf(stderr, "%s, %s: %s gave %ld, the direct call %ld\n",
				row->name, case_names[k], mode_names[m],
				ret[m], ret[OPM_DIRECT]);
			fprintf(stderr, "side effects of the direct call:\n%s",
				seen[0]);
			fprintf(stderr, "side effects of the %s:\n%s",
				mode_names[m], seen[m]);
			exit(1);
		}
	}
	printf("%s, %s: %ld, the same from the atoms\n", row->name,
	       case_names[k], ret[OPM_DIRECT]);
}

static struct op_ctx *ctx_new(const char *name)
{
	struct op_ctx *c;

	c = mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(c != MAP_FAILED);
	snprintf(c->dir, sizeof(c->dir), "/tmp/syslet-ops.%d", (int)getpid());
	c->bad = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		      -1, 0);
	CHECK(c->bad != MAP_FAILED);
	CHECK(munmap(c->bad, 4096) == 0);
	(void)name;
	return c;
}

static int run_row(const struct op_row *row)
{
	struct op_ctx *c = ctx_new(row->name);
	int k;

	if (access("/dev/syslet", F_OK))
		return SKIP;
	for (k = 0; k < OPC_N; k++)
		if (row->cases & OPC_BIT(k))
			run_case(c, row, k);
	rm_rf(c->dir);
	return 0;
}

static const struct op_row *find_nr(long nr)
{
	const struct op_rows *rs;
	size_t i;

	for (rs = __start_syslet_op_rows; rs < __stop_syslet_op_rows; rs++)
		for (i = 0; i < rs->n; i++)
			if (rs->rows[i].nr == nr)
				return &rs->rows[i];
	return NULL;
}

/* Every op of the module's table has a row, with its success case. */
static int every_native_op_has_a_row(void)
{
	static const struct { long nr; const char *name; } ops[] = {
		SYSLET_NATIVE_OPS
	};
	const struct op_row *row;
	size_t i;
	int missing = 0;

	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		row = find_nr(ops[i].nr);
		if (!row || !(row->cases & OPC_BIT(OPC_OK))) {
			fprintf(stderr, "native op %s (%ld) has no test row\n",
				ops[i].name, ops[i].nr);
			missing++;
		}
	}
	printf("%zu native ops, %d without a row\n", ARRAY_SIZE(ops), missing);
	return missing ? 1 : 0;
}

int main(int argc, char **argv)
{
	const struct op_rows *rs;
	size_t i;

	if (argc == 2 && !strcmp(argv[1], "--list")) {
		printf("every-native-op-has-a-row\n");
		for (rs = __start_syslet_op_rows; rs < __stop_syslet_op_rows; rs++)
			for (i = 0; i < rs->n; i++)
				printf("%s\n", rs->rows[i].name);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "every-native-op-has-a-row"))
		return every_native_op_has_a_row();
	for (rs = __start_syslet_op_rows; argc == 2 && rs < __stop_syslet_op_rows; rs++)
		for (i = 0; i < rs->n; i++)
			if (!strcmp(argv[1], rs->rows[i].name))
				return run_row(&rs->rows[i]);
	fprintf(stderr, "usage: %s --list | NAME\n", argv[0]);
	return 2;
}
