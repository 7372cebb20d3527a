/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The op table test (syslet_ops): every native operation of syslet.ko
 * run as a direct system call, as a SYSLET_SYNC atom, as a plain atom
 * (the synchronous phase's nowait attempt, or a hand-over) and as a
 * SYSLET_ASYNC atom, in the same setup, which must give the same result
 * and the same side effects, in up to four cases: success, a denial, a
 * bad fd or path, and an argument pointer into unmapped memory.
 *
 * A family of operations adds its rows in a file of its own,
 * tools/tests/syslet_ops_*.c, with OP_ROWS(array); the runner
 * (syslet_ops.c) finds them in the "syslet_op_rows" section, and its
 * test "every-native-op-has-a-row" fails for a native op of the module's
 * table (syslet/opdef.c, read by scripts/coverage.py into
 * syslet_native_ops.h at build time) that has no row.
 */
#ifndef _SYSLET_OPS_H
#define _SYSLET_OPS_H

#include <stddef.h>

enum op_case {
	OPC_OK,		/* the call succeeds */
	OPC_DENY,	/* refused: uid 65534 (or only the real uid, see
			 * OPF_DENY_RUID), or an fd without the access needed */
	OPC_BADF,	/* a bad fd (EBADF) or a bad path (ENOENT) */
	OPC_EFAULT,	/* an argument pointer into unmapped memory */
	OPC_N
};

#define OPC_BIT(k)	(1u << (k))
#define OPC_ALL		(OPC_BIT(OPC_OK) | OPC_BIT(OPC_DENY) |		\
			 OPC_BIT(OPC_BADF) | OPC_BIT(OPC_EFAULT))

/* c->want for "any non-negative result" */
#define OP_WANT_OK	(-100000L)

#define OP_NPATH	4
#define OP_OUT		8192

/*
 * One run's setup and what it left, in memory shared with the children
 * that make the call (MAP_SHARED): arguments may point into it.
 */
struct op_ctx {
	enum op_case kase;
	char dir[128];			/* the row's scratch directory */
	unsigned long a[6];		/* the call's arguments */
	long want;			/* the direct call's result, or OP_WANT_OK */
	unsigned int flags;		/* OPF_* for this case */
	int fd, fd2;			/* opened by prep, or -1 */
	char path[OP_NPATH][256];	/* strings the arguments point to */
	char obs[256];			/* a path whose state is a side effect */
	unsigned char out[OP_OUT];	/* output buffer, compared ... */
	size_t outlen;			/* ... over this many bytes */
	unsigned char in[OP_OUT];	/* input data, iovecs, timespecs */
	void *bad;			/* an unmapped page */
	long ret;			/* the result, set by the child */
	long io[4];			/* ... and its I/O accounting (proc_io.h) */
	int status;			/* the child's failure, or 0 */
	char seen[4096];		/* side effects, as text */
};

/* In prep's c->flags: */
#define OPF_DENY_RUID	0x1	/* OPC_DENY drops the real ids only */
#define OPF_NO_OUT_CMP	0x2	/* out differs run to run (random) */

/**
 * struct op_row - one test row: an operation and how to exercise it
 * @name: unique test name
 * @nr: the x86-64 system call number (or SYSLET_NR_*)
 * @cases: OPC_BIT()s of the cases that apply
 * @prep: as root, in c->dir (empty, mode 0755): make the fixture for
 *	c->kase, set c->a, c->want and the rest; once per case, before the
 *	first of the four runs
 * @undo: as root, after each run: bring the fixture back (NULL: none)
 * @observe: as root, after each run: append side effects to c->seen
 *	(NULL: only the generic ones, c->fd's offset and c->obs's state)
 */
struct op_row {
	const char *name;
	long nr;
	unsigned int cases;
	void (*prep)(struct op_ctx *c);
	void (*undo)(struct op_ctx *c);
	void (*observe)(struct op_ctx *c);
};

struct op_rows {
	const struct op_row *rows;
	size_t n;
};

/* A row of system call @sys (SYS_@sys; scripts/coverage.py reads these). */
#define ROW(name_, sys, cases_, prep_, ...)				\
	{ .name = name_, .nr = SYS_##sys, .cases = cases_,		\
	  .prep = prep_, __VA_ARGS__ }

/* Registers an array of rows with the runner. */
#define OP_ROWS(arr)							\
	static const struct op_rows op_rows_##arr			\
	__attribute__((used, section("syslet_op_rows"), aligned(8))) =	\
	{ arr, sizeof(arr) / sizeof((arr)[0]) }

/* Helpers for prep functions (syslet_ops.c). */
const char *op_path(struct op_ctx *c, int i, const char *name);
void op_mkfile(struct op_ctx *c, const char *name, int mode,
	       const char *data);
void op_mkdir(struct op_ctx *c, const char *name, int mode);
int op_open(struct op_ctx *c, const char *name, int flags);
void op_seen(struct op_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define OP_BADFD	1000

#endif /* _SYSLET_OPS_H */
