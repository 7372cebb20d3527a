// SPDX-License-Identifier: GPL-2.0
/*
 * syslet_fuzz: seeded random chains against /dev/syslet, run in the test
 * VM.
 *
 *   syslet_fuzz SEED ITERATIONS
 *
 * Iteration i draws everything it builds from a generator seeded with
 * (SEED, i), so a seed reproduces the same chains; what timing decides
 * (the atom a signal hands a chain over at, the moment a runner is
 * killed) varies from run to run.
 *
 * An iteration opens one or two contexts with random rings (sizes, page
 * offsets, sometimes not zero-filled) and max_nr_threads, tries malformed
 * registrations, and submits up to ten random chains: random flags
 * (invalid bits included); supported, unknown and module operation
 * numbers; argument, result and next pointers that are valid, NULL,
 * unmapped, kernel addresses, misaligned or straddling the end of a
 * mapping; loops; atoms straddling a page end; fds from a small set the
 * fuzzer opened (a tmpfs file, pipes, a socket pair, /dev/null, a
 * directory), invalid ones and the contexts' own fds.  Between
 * submissions it reaps, waits, tampers with the ring (garbage written into
 * slots out of turn, slots emptied), unmaps or replaces the ring, unmaps
 * the atoms, unregisters, or forks a child that must get EPERM.  Then it
 * closes the contexts, timing the close, and checks that the kernel no
 * longer writes to the ring.
 *
 * Genuine calls: in half the contexts chains are submitted with
 * SYSLET_IOC_EXEC_CALL and served by server threads of the user library,
 * and atom numbers come from the whole system call number space; the
 * calls that would harm the fuzzer itself (its memory, its signals, its
 * children, its file table, its identity, the machine) are refused
 * (harmful(), which fuzz_call() applies in user space).  Some iterations
 * fork a confined child: it registers, starts servers, then puts itself
 * and them under a seccomp filter (TSYNC) that makes those same calls
 * fail with EPERM, and submits the iteration's chains with EXEC_CALL:
 * every system call atom, native op or not, must then be a genuine call
 * under the filter (a probe chain checks that getrandom, a native op the
 * filter also denies, gets EPERM synchronously and asynchronously), and
 * SYSLET_IOC_EXEC must be refused.
 *
 * The iterations run in runner processes, BATCH at a time, and some
 * runners are SIGKILLed at a random moment: they must die promptly.  The
 * result of every ioctl is checked against Documentation/syslet.rst.
 * Last, the parent runs a sanity chain and checks that no worker is left
 * running and no context left open.  Exit 0 if all of that holds.
 *
 * A runner keeps nothing a chain could break: fds 0-2 are /dev/null, any
 * fd may be closed by a chain (a context whose fd goes is noticed and
 * dropped), and failures are reported through shared memory.  Chains
 * read their atoms and argument values from read-only pages at a fixed
 * address and write only to the result, counter and buffer pages; argument
 * words that hold pointers alternate with -1, so a misaligned read of one
 * yields a kernel address, and results only feed integer arguments.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../lib/syslet.h"
#include "syslet_workers.h"

/* --- reporting ---------------------------------------------------------- */

enum {
	C_ITER, C_CHAINS, C_SYNC, C_ASYNC, C_EFAULT, C_EBUSY, C_ECANCELED,
	C_BADEXEC, C_REAPED, C_WAIT, C_WAITINTR, C_TAMPER, C_UNMAP, C_REPLACE,
	C_ATOMSGONE, C_UNREG, C_GONE, C_FORK, C_REGERR, C_CLOSED, C_RACE,
	C_RUNNERS, C_KILLED, C_GENUINE, C_REFUSED, C_CONFINED,
	C_CONFINED_KILLED, C_NR
};

/* Shared between the parent and its runners. */
struct shared {
	int failed;
	int victim;			/* the runner will be SIGKILLed */
	unsigned long iter;		/* the iteration a runner is in */
	unsigned long count[C_NR];
	double max_close;		/* slowest close of a context, s */
	unsigned long calls;		/* the confined child's calls made */
	unsigned long call_nr[8];	/* the last 8, by call_nr[calls % 8] */
	char msg[1024];
};

static struct shared *sh;
static bool in_runner;
static bool in_confined;	/* the confined child: exits through EXIT_MAGIC */

/* The only exit_group() the confined child's filter lets through. */
#define EXIT_MAGIC	0x5c3b7a00
static const char *seed_arg = "?";

static void __attribute__((noreturn, format(printf, 1, 2)))
fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (in_runner) {
		int n = snprintf(sh->msg, sizeof(sh->msg), "iteration %lu: ",
				 sh->iter);

		vsnprintf(sh->msg + n, sizeof(sh->msg) - n, fmt, ap);
		__atomic_store_n(&sh->failed, 1, __ATOMIC_SEQ_CST);
		if (in_confined)
			syscall(SYS_exit_group, EXIT_MAGIC + 1);
		_exit(1);
	}
	fprintf(stderr, "syslet_fuzz: FAILED (seed %s): ", seed_arg);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

#define CHECK(cond) do {						\
	if (!(cond))							\
		fail("%s:%d: check failed: %s (errno %d)",		\
		     __func__, __LINE__, #cond, errno);			\
} while (0)

#define CHECK_EQ(a, b) do {						\
	long _a = (long)(a), _b = (long)(b);				\
	if (_a != _b)							\
		fail("%s:%d: %s == %ld, expected %s == %ld",		\
		     __func__, __LINE__, #a, _a, #b, _b);		\
} while (0)

/* An ioctl that failed with one of the listed errnos. */
#define ERR_IN(ret, ...) ((ret) == -1 && errno_in(errno, __VA_ARGS__, 0))

static bool errno_in(int e, ...)
{
	va_list ap;
	int v;
	bool hit = false;

	va_start(ap, e);
	while ((v = va_arg(ap, int)))
		hit |= v == e;
	va_end(ap);
	return hit;
}

static void count(int c)
{
	__atomic_add_fetch(&sh->count[c], 1, __ATOMIC_RELAXED);
}

/* --- the generator ------------------------------------------------------ */

static uint64_t rng;

static uint64_t rnd64(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned long rnd(unsigned long n)
{
	return n ? rnd64() % n : 0;
}

static bool chance(unsigned int pct)
{
	return rnd(100) < pct;
}

#define PICK(arr) ((arr)[rnd(sizeof(arr) / sizeof((arr)[0]))])

/* --- the arena: fixed address, so that a seed rebuilds the same bytes --- */

#define PG	4096UL
#define ARENA	((char *)0x100000000000UL)

enum {
	PG_ATOMS = 0, NPG_ATOMS = 4,	/* atoms; read-only while chains run */
	PG_ATOMS_END = 4,		/* PROT_NONE */
	PG_PTRS = 5,			/* pointer argument words (and -1), RO */
	PG_INTS = 6,			/* integer argument words, RO */
	PG_DATA = 7, NPG_DATA = 2,	/* paths, timespecs, iovecs, RO */
	PG_DATA_END = 9,		/* PROT_NONE */
	PG_RES = 10,			/* ret_ptr targets, RW */
	PG_CNT = 11,			/* umem_add counters, RW */
	PG_CNT_END = 12,		/* PROT_NONE */
	PG_BUF = 13, NPG_BUF = 4,	/* read and write buffers, RW */
	PG_BUF_END = 17,		/* PROT_NONE */
	PG_EXEC = 18,			/* struct syslet_exec, RW */
	PG_EXEC_RO = 19,		/* struct syslet_exec, RO */
	PG_HOLE = 20,			/* never mapped */
	PG_END = 21,			/* end of what chains can reach */
	PG_RING = 24,			/* ring k: 3 pages at PG_RING + 4 * k */
	NPG = 32,
};

#define PAGE(n)		(ARENA + (n) * PG)
#define NATOMS		(NPG_ATOMS * PG / sizeof(struct syslet_uatom))
#define NWORDS		(PG / 8)

static struct syslet_uatom *const atoms = (void *)PAGE(PG_ATOMS);
static unsigned long *const ptrs = (void *)PAGE(PG_PTRS);
static unsigned long *const ints = (void *)PAGE(PG_INTS);
static long *const res = (void *)PAGE(PG_RES);
static long *const cnt = (void *)PAGE(PG_CNT);
static struct syslet_exec *const exs = (void *)PAGE(PG_EXEC);
static struct syslet_exec *const exs_ro = (void *)PAGE(PG_EXEC_RO);

/* Above every user range, with 4- or 5-level page tables. */
static const unsigned long kernel_addrs[] = {
	0xffff888000000000UL, 0xffffffff81000000UL, 0xfffffffffffff000UL,
	0x8000000000000000UL,
};

/* Unreadable user or kernel addresses. */
static unsigned long bad_addr(void)
{
	switch (rnd(5)) {
	case 0:
		return (unsigned long)PAGE(PG_HOLE) + rnd(PG) / 8 * 8;
	case 1:
		return 0x10000;
	case 2:		/* non-canonical with 4 levels, unmapped with 5 */
		return 0x0000800000000000UL;
	default:
		return PICK(kernel_addrs);
	}
}

static bool in_arena(unsigned long p)
{
	return p >= (unsigned long)ARENA && p < (unsigned long)PAGE(PG_END);
}

static void arena_prot(int first, int n, int prot)
{
	CHECK(mprotect(PAGE(first), n * PG, prot) == 0);
}

static void arena_map(void)
{
	char *p = mmap(ARENA, PG_END * PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
		       -1, 0);

	CHECK(p == ARENA);
	CHECK(munmap(PAGE(PG_HOLE), PG) == 0);
	arena_prot(PG_ATOMS_END, 1, PROT_NONE);
	arena_prot(PG_DATA_END, 1, PROT_NONE);
	arena_prot(PG_CNT_END, 1, PROT_NONE);
	arena_prot(PG_BUF_END, 1, PROT_NONE);
}

/* --- file descriptors ------------------------------------------------- */

/* The set chains use, rebuilt at these numbers for every iteration. */
enum {
	FD_FILE = 10, FD_FILE_RO, FD_APPEND, FD_PIPE_R, FD_PIPE_W, FD_DATA_R,
	FD_DATA_W, FD_FULL_R, FD_FULL_W, FD_NULL, FD_DIR, FD_OPATH, FD_SOCK0,
	FD_SOCK1, FD_LAST
};
#define DIR_PATH "/tmp/fuzz"

static void place(int fd, int target)
{
	CHECK(fd >= 0);
	if (fd != target) {
		CHECK(dup2(fd, target) == target);
		close(fd);
	}
}

static void nonblock(int fd, bool on)
{
	int fl = fcntl(fd, F_GETFL);

	CHECK(fl >= 0);
	CHECK(fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK) == 0);
}

/* Close everything (timed: contexts left open drain here), reopen the set. */
static void reset_fds(void)
{
	static char data[8192];
	int p[2], i;
	double t;

	t = syslet_now();
	CHECK(syscall(SYS_close_range, 0, ~0U, 0) == 0);
	t = syslet_now() - t;
	if (t > sh->max_close)
		sh->max_close = t;
	CHECK(t < 10);
	for (i = 0; i < 3; i++)
		place(open("/dev/null", O_RDWR), i);
	unlink(DIR_PATH "/f2");
	unlink(DIR_PATH "/new");
	for (i = 0; i < (int)sizeof(data); i++)
		data[i] = (char)(i * 7 + 3);
	place(open(DIR_PATH "/f0", O_RDWR | O_CREAT | O_TRUNC, 0644), FD_FILE);
	CHECK(write(FD_FILE, data, sizeof(data)) == sizeof(data));
	place(open(DIR_PATH "/f0", O_RDONLY), FD_FILE_RO);
	place(open(DIR_PATH "/f1", O_RDWR | O_CREAT | O_TRUNC | O_APPEND, 0644),
	      FD_APPEND);
	/* Empty: reads block. */
	CHECK(pipe(p) == 0);
	place(p[0], FD_PIPE_R);
	place(p[1], FD_PIPE_W);
	/* Some data, the read end sometimes non-blocking. */
	CHECK(pipe(p) == 0);
	place(p[0], FD_DATA_R);
	place(p[1], FD_DATA_W);
	CHECK(write(FD_DATA_W, data, 100) == 100);
	nonblock(FD_DATA_R, chance(40));
	/* Full: writes block (or fail with EAGAIN when left non-blocking). */
	CHECK(pipe(p) == 0);
	place(p[0], FD_FULL_R);
	place(p[1], FD_FULL_W);
	nonblock(FD_FULL_W, true);
	while (write(FD_FULL_W, data, sizeof(data)) > 0)
		;
	nonblock(FD_FULL_W, chance(30));
	place(open("/dev/null", O_RDWR), FD_NULL);
	place(open(DIR_PATH, O_RDONLY | O_DIRECTORY), FD_DIR);
	place(open(DIR_PATH, O_PATH), FD_OPATH);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, p) == 0);
	place(p[0], FD_SOCK0);
	place(p[1], FD_SOCK1);
	if (chance(50))
		CHECK(write(FD_SOCK1, data, 10) == 10);
}

/* Give blocked chains something: bytes in the empty pipe, room in the full. */
static void unblock(void)
{
	static char buf[8192];

	if (write(FD_PIPE_W, buf, 64) < 0 || read(FD_FULL_R, buf, sizeof(buf)) < 0 ||
	    write(FD_SOCK1, buf, 16) < 0)
		errno = 0;	/* a chain may have closed or replaced them */
}

/* --- argument values ---------------------------------------------------- */

enum {
	T_FD, T_CNT, T_POS, T_WHENCE, T_IOVCNT, T_OFLAGS, T_MODE, T_INC,
	T_NINT,
	/* pointers */
	T_BUF = T_NINT, T_IOV, T_PATH, T_TS, T_REM, T_UPTR, T_END
};
#define IS_PTR(t)	((t) >= T_BUF)
#define NINTS_PER	(NWORDS / T_NINT)		/* words per type */
#define NPTRS_PER	(NWORDS / 2 / (T_END - T_NINT))	/* even words */

/* Offsets in the data pages. */
enum {
	D_PATHS = 0,		/* NUL-terminated paths */
	D_TS = 2048,		/* struct timespec[] */
	D_IOV = 2560,		/* iovec arrays of 4 */
	D_LONG = PG,		/* a page of 'a', no NUL */
};

static const char *const paths[] = {
	DIR_PATH "/f0", DIR_PATH "/f1", "f2", "new", "f0", DIR_PATH "/nodir/x",
	"", "/dev/null", "/dev/syslet", DIR_PATH, ".", "f0/x", "/nonexistent",
};
static unsigned long path_addr[sizeof(paths) / sizeof(paths[0])];

static const struct timespec tss[] = {
	{ 0, 0 }, { 0, 1000000 }, { 0, 20000000 }, { 100000, 0 },
	{ 0, 1000000000 }, { -1, 0 },
};

#define NIOV	8

static unsigned long buf_ptr(void)
{
	unsigned long b = (unsigned long)PAGE(PG_BUF);

	switch (rnd(10)) {
	case 0:		/* straddles the end of the buffers */
		return b + NPG_BUF * PG - 1 - rnd(200);
	case 1:		/* read-only */
		return (unsigned long)PAGE(PG_ATOMS) + rnd(PG);
	case 2:
		return (unsigned long)res + rnd(PG);
	case 3:
		return chance(50) ? 0 : bad_addr();
	default:
		return b + rnd(NPG_BUF * PG);
	}
}

static unsigned long len_val(void)
{
	static const unsigned long lens[] = {
		0, 1, 7, 100, 4096, 8192, 1UL << 30, -1UL, 1UL << 62,
	};

	return PICK(lens);
}

/* Fill the data pages: paths, timespecs, iovecs, and a page without NUL. */
static void build_data(void)
{
	char *d = PAGE(PG_DATA);
	struct iovec *iov = (void *)(d + D_IOV);
	size_t off = D_PATHS, i;

	memset(d, 0, NPG_DATA * PG);
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		strcpy(d + off, paths[i]);
		path_addr[i] = (unsigned long)(d + off);
		off += strlen(paths[i]) + 1;
	}
	memcpy(d + D_TS, tss, sizeof(tss));
	for (i = 0; i < NIOV * 4; i++) {
		iov[i].iov_base = (void *)buf_ptr();
		iov[i].iov_len = chance(70) ? rnd(5000) : len_val();
	}
	memset(d + D_LONG, 'a', PG);
}

static unsigned long int_val(int t, int nctx)
{
	static const unsigned long fds_bad[] = {
		0, 1, 2, -1UL, 4000, INT_MAX, 0x10000000aUL, (unsigned long)AT_FDCWD,
	};
	static const unsigned long pos[] = {
		0, 1, 100, 4096, 8191, (1UL << 20) - 1, 1UL << 20, 1UL << 40,
		-1UL, LLONG_MAX,
	};
	static const unsigned long oflags[] = {
		O_RDONLY, O_RDWR, O_WRONLY | O_CREAT | O_TRUNC, O_RDWR | O_CREAT,
		O_RDWR | O_CREAT | O_EXCL, O_DIRECTORY, O_PATH,
		O_RDONLY | O_NONBLOCK, O_TMPFILE | O_RDWR, O_RDWR | O_APPEND,
		-1UL,
	};
	static const unsigned long modes[] = { 0644, 0600, 0, 07777, -1UL };
	static const unsigned long incs[] = {
		0, 1, -1UL, 8, 4096, LONG_MAX, (unsigned long)LONG_MIN,
	};

	switch (t) {
	case T_FD:
		if (chance(75))
			return FD_FILE + rnd(FD_LAST - FD_FILE);
		if (chance(30))		/* a context's own fd */
			return 3 + rnd(nctx);
		return PICK(fds_bad);
	case T_CNT:
		return chance(60) ? rnd(9000) : len_val();
	case T_POS:
		return PICK(pos);
	case T_WHENCE:
		return chance(90) ? rnd(6) : -1UL;
	case T_IOVCNT:
		return chance(85) ? rnd(5) : PICK(((const unsigned long[]){ 1024, 1025, -1UL }));
	case T_OFLAGS:
		return chance(90) ? PICK(oflags) : rnd64();
	case T_MODE:
		return PICK(modes);
	case T_INC:
		return PICK(incs);
	}
	return rnd64();
}

static unsigned long ptr_val(int t)
{
	char *d = PAGE(PG_DATA);

	switch (t) {
	case T_BUF:
		return buf_ptr();
	case T_IOV:
		switch (rnd(10)) {
		case 0:		/* the second iovec in the guard page */
			return (unsigned long)PAGE(PG_DATA_END) - 24;
		case 1:
			return chance(50) ? 0 : bad_addr();
		default:
			return (unsigned long)(d + D_IOV) + rnd(NIOV * 4) * 16;
		}
	case T_PATH:
		switch (rnd(12)) {
		case 0:		/* PATH_MAX bytes without a NUL */
			return (unsigned long)(d + D_LONG);
		case 1:		/* runs into the guard page */
			return (unsigned long)PAGE(PG_DATA_END) - 1 - rnd(8);
		case 2:
			return chance(50) ? 0 : bad_addr();
		default:
			return PICK(path_addr);
		}
	case T_TS:
		switch (rnd(10)) {
		case 0:
			return (unsigned long)PAGE(PG_DATA_END) - 8;
		case 1:
			return chance(50) ? 0 : bad_addr();
		default:
			return (unsigned long)(d + D_TS) +
			       rnd(sizeof(tss) / sizeof(tss[0])) * sizeof(tss[0]);
		}
	case T_REM:
		switch (rnd(6)) {
		case 0:
			return 0;
		case 1:
			return (unsigned long)ints;	/* read-only */
		case 2:
			return bad_addr();
		default:
			return (unsigned long)(res + rnd(NWORDS - 2));
		}
	case T_UPTR:
		switch (rnd(10)) {
		case 0:		/* straddles into the guard page */
			return (unsigned long)PAGE(PG_CNT_END) - 1 - rnd(7);
		case 1:
			return (unsigned long)(ints + rnd(NWORDS));	/* RO */
		case 2:
			return chance(50) ? 0 : bad_addr();
		case 3:		/* misaligned */
			return (unsigned long)(cnt + rnd(NWORDS - 1)) + 1 + rnd(7);
		default:
			return (unsigned long)(cnt + rnd(NWORDS));
		}
	}
	return 0;
}

/* Argument words: ints[] by type, ptrs[] by type in even words, -1 between. */
static void build_values(int nctx)
{
	unsigned long i;

	for (i = 0; i < NWORDS; i++) {
		ints[i] = i / NINTS_PER < T_NINT ? int_val(i / NINTS_PER, nctx) :
						   rnd64();
		if (i % 2)
			ptrs[i] = -1UL;
		else if ((i / 2) / NPTRS_PER < T_END - T_NINT)
			ptrs[i] = ptr_val(T_NINT + (i / 2) / NPTRS_PER);
		else
			ptrs[i] = ptr_val(T_NINT + rnd(T_END - T_NINT));
	}
	for (i = 0; i < NWORDS; i++) {
		res[i] = rnd(3) ? (long)rnd(100) : (long)int_val(T_FD, nctx);
		cnt[i] = (long)rnd(1000) - 500;
	}
}

static unsigned long *arg_ptr(int t)
{
	unsigned long r = rnd(100);

	if (IS_PTR(t)) {
		unsigned long k = (t - T_NINT) * NPTRS_PER + rnd(NPTRS_PER);

		if (r < 80)
			return &ptrs[2 * k];
		if (r < 85)		/* a pointer of another type */
			return &ptrs[2 * rnd(NWORDS / 2)];
		if (r < 90)		/* misaligned: reads a kernel address */
			return (unsigned long *)((char *)&ptrs[2 * rnd(NWORDS / 2)] +
						 1 + rnd(7));
		if (r < 96)
			return (unsigned long *)(chance(50) ? bad_addr() :
				(unsigned long)PAGE(PG_DATA_END) - 1 - rnd(7));
		return NULL;
	}
	if (r < 70)
		return &ints[t * NINTS_PER + rnd(NINTS_PER)];
	if (r < 77)
		return &ints[rnd(NWORDS)];
	if (r < 84)		/* an earlier atom's result */
		return (unsigned long *)&res[rnd(NWORDS)];
	if (r < 88)
		return (unsigned long *)((char *)&ints[rnd(NWORDS - 1)] + 1 + rnd(7));
	if (r < 90)
		return (unsigned long *)&cnt[rnd(NWORDS)];
	if (r < 96)
		return (unsigned long *)(chance(50) ? bad_addr() :
			(unsigned long)PAGE(PG_DATA_END) - 1 - rnd(7));
	return NULL;
}

/* --- genuine calls --------------------------------------------------------- */

/*
 * The system calls a chain may not make as genuine calls: they would
 * harm the fuzzer rather than test the module (its memory, its signal
 * handling, its children and threads, its file table and working
 * directory, its identity, waits no signal ends), or the machine the
 * tests run in as root (modules, mounts, clocks, the console, the
 * devices the other tests open).  The numbers are x86-64's.
 */
static const unsigned short harmful_nrs[] = {
	/* memory */
	9, 10, 11, 12, 25, 28, 30, 67, 216, 311, 323, 329, 440, 453, 462,
	/* signals, timers */
	13, 14, 15, 37, 38, 62, 129, 130, 131, 200, 222, 234, 297, 424,
	/* processes, threads, identity */
	56, 57, 58, 59, 60, 61, 101, 105, 106, 113, 114, 116, 117, 119, 122,
	123, 126, 135, 154, 157, 158, 218, 231, 247, 272, 308, 317, 322, 334,
	335, 435, 446, 460,
	/* file table, working directory */
	33, 72, 80, 81, 292, 436,
	/* waits with a signal mask of their own */
	270, 271, 281, 333, 441,
	/* files and attributes of the machine (/dev/null, /dev/syslet) */
	82, 84, 87, 90, 91, 92, 93, 94, 133, 188, 189, 190, 197, 198, 199,
	259, 260, 263, 264, 268, 316, 452, 463, 466,
	/* the machine */
	103, 141, 142, 144, 151, 153, 155, 159, 160, 161, 163, 164, 165, 166,
	167, 168, 169, 170, 171, 172, 173, 175, 176, 179, 203, 227, 246, 251,
	298, 300, 301, 302, 305, 313, 314, 320, 321, 428, 429, 430, 431, 432,
	442, 443, 467,
};

/*
 * Would the call harm the fuzzer?  The kernel takes the low 32 bits of
 * the number (x32's bit included: none of those), and a SYSLET_IOC_*
 * ioctl from a chain would hand over chains the fuzzer does not count.
 */
static bool harmful(unsigned long nr, const __u64 *args)
{
	unsigned int n = (unsigned int)nr;
	size_t i;

	if (n >= 0x40000000)
		return true;
	if (n == SYS_ioctl && ((args[1] >> 8) & 0xff) == SYSLET_IOC_MAGIC)
		return true;
	for (i = 0; i < sizeof(harmful_nrs) / sizeof(harmful_nrs[0]); i++)
		if (n == harmful_nrs[i])
			return true;
	return false;
}

/*
 * A genuine call, for a chain of a context with genuine calls: refused
 * with EPERM if harmful, else made with SIGALRM let through, so that the
 * interval timer (in the caller) or the joining runner (in a server
 * thread) ends a call that would wait for ever.
 */
static long fuzz_call(unsigned long nr, const __u64 *args)
{
	sigset_t alrm, old;
	long ret;

	if (harmful(nr, args)) {
		count(C_REFUSED);
		return -EPERM;
	}
	count(C_GENUINE);
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	pthread_sigmask(SIG_UNBLOCK, &alrm, &old);
	ret = syslet_raw_call(nr, args);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return ret;
}

/*
 * The confined child's filter: EPERM for the harmful calls and for
 * getrandom (a native op, the probe), nothing but x86-64 calls,
 * exit_group only with EXIT_MAGIC, and rt_sigreturn only from the
 * signal restorer (the return from the SIGALRM handler), not as a
 * chain's call.
 */
static void confine(void)
{
	enum { N = sizeof(harmful_nrs) / sizeof(harmful_nrs[0]), H = 16 };
	enum { ALLOW = H + N, EPERM_AT = H + N + 1 };
	struct sock_filter f[H + N + 2];
	struct sock_fprog prog = { 0, f };
	struct sigaction sa;
	unsigned long rst;
	int k = 0, i;

	CHECK(sigaction(SIGALRM, NULL, &sa) == 0);
	rst = (unsigned long)sa.sa_restorer;
	CHECK(rst);
#define LD(off)	(f[k] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, \
		 (off)), k++)
#define JMP(op, val, t, e) (f[k] = (struct sock_filter)BPF_JUMP(BPF_JMP | \
		 (op) | BPF_K, (val), (t) - k - 1, (e) - k - 1), k++)
#define RET(v)	(f[k] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, (v)), k++)
	LD(offsetof(struct seccomp_data, arch));			/* 0 */
	JMP(BPF_JEQ, AUDIT_ARCH_X86_64, 2, EPERM_AT);
	LD(offsetof(struct seccomp_data, nr));
	JMP(BPF_JGE, 0x40000000, EPERM_AT, 4);
	JMP(BPF_JEQ, SYS_exit_group, 5, 8);
	LD(offsetof(struct seccomp_data, args[0]));		/* 5 */
	f[k++] = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_AND | BPF_K, ~1U);
	JMP(BPF_JEQ, EXIT_MAGIC, ALLOW, EPERM_AT);
	JMP(BPF_JEQ, SYS_rt_sigreturn, 9, 15);			/* 8 */
	LD(offsetof(struct seccomp_data, instruction_pointer) + 4);
	JMP(BPF_JEQ, rst >> 32, 11, EPERM_AT);
	LD(offsetof(struct seccomp_data, instruction_pointer));
	JMP(BPF_JGE, (__u32)rst, 13, EPERM_AT);
	JMP(BPF_JGE, (__u32)rst + 16, EPERM_AT, ALLOW);
	RET(SECCOMP_RET_ERRNO | EPERM);				/* 14, unused */
	JMP(BPF_JEQ, SYS_getrandom, EPERM_AT, H);		/* 15 */
	CHECK(k == H);
	for (i = 0; i < N; i++)
		JMP(BPF_JEQ, harmful_nrs[i], EPERM_AT, k + 1);
	RET(SECCOMP_RET_ALLOW);
	RET(SECCOMP_RET_ERRNO | EPERM);
#undef LD
#undef JMP
#undef RET
	CHECK(k == H + N + 2 && N + 2 < 256);
	prog.len = k;
	CHECK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0);
	CHECK(syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
		      SECCOMP_FILTER_FLAG_TSYNC, &prog) == 0);
}

/* --- chains --------------------------------------------------------------- */

static const unsigned long ops[] = {
	SYS_read, SYS_write, SYS_pread64, SYS_pwrite64, SYS_readv, SYS_writev,
	SYS_preadv, SYS_pwritev, SYS_lseek, SYS_openat, SYS_close, SYS_fsync,
	SYS_fdatasync, SYS_nanosleep,
};

/* Chains for contexts with genuine calls: numbers from the whole space. */
static bool genuine_chains;

static unsigned long gen_nr(void)
{
	static const unsigned long odd[] = {
		-1UL, 0x7fffffff, SYSLET_NR_BASE - 1, 1UL << 63,
	};
	unsigned long r = rnd(100);

	if (genuine_chains && r < 25)
		return rnd(512);
	if (r < 60)
		return PICK(ops);
	if (r < 70)
		return SYSLET_NR_NOP;
	if (r < 78)
		return SYSLET_NR_UMEM_ADD;
	if (r < 85)
		return rnd(512);
	if (r < 90)
		return rnd64();
	if (r < 95)
		return SYSLET_NR_BASE + 2 + rnd(64);
	return PICK(odd);
}

/* The argument types of operation @nr; its arity. */
static int op_args(unsigned long nr, int *t)
{
	int n = 0, i;

	switch (nr) {
	case SYS_read: case SYS_write:
		t[n++] = T_FD; t[n++] = T_BUF; t[n++] = T_CNT;
		break;
	case SYS_pread64: case SYS_pwrite64:
		t[n++] = T_FD; t[n++] = T_BUF; t[n++] = T_CNT; t[n++] = T_POS;
		break;
	case SYS_readv: case SYS_writev:
		t[n++] = T_FD; t[n++] = T_IOV; t[n++] = T_IOVCNT;
		break;
	case SYS_preadv: case SYS_pwritev:
		t[n++] = T_FD; t[n++] = T_IOV; t[n++] = T_IOVCNT;
		t[n++] = T_POS; t[n++] = T_POS;
		break;
	case SYS_lseek:
		t[n++] = T_FD; t[n++] = T_POS; t[n++] = T_WHENCE;
		break;
	case SYS_openat:
		t[n++] = T_FD; t[n++] = T_PATH; t[n++] = T_OFLAGS; t[n++] = T_MODE;
		break;
	case SYS_close: case SYS_fsync: case SYS_fdatasync:
		t[n++] = T_FD;
		break;
	case SYS_nanosleep:
		t[n++] = T_TS; t[n++] = T_REM;
		break;
	case SYSLET_NR_NOP:
		break;
	case SYSLET_NR_UMEM_ADD:
		t[n++] = T_UPTR; t[n++] = T_INC;
		break;
	default:
		n = rnd(7);
		for (i = 0; i < n; i++)
			t[i] = rnd(T_END);
	}
	return n;
}

enum { K_MIXED, K_ASYNC, K_SYNC, K_EVIL, K_NR };

static unsigned long gen_flags(int kind, int j)
{
	unsigned long f = rnd64() & SYSLET_FLAGS_ALL;
	unsigned long opt = f & (SYSLET_NO_COMPLETE | SYSLET_STOP_MASK |
				 SYSLET_SKIP_TO_NEXT_ON_STOP);

	switch (kind) {
	case K_MIXED:
		if (chance(40))
			f = 0;
		else if ((f & SYSLET_ASYNC) && (f & SYSLET_SYNC))
			f &= ~(chance(50) ? SYSLET_ASYNC : SYSLET_SYNC);
		break;
	case K_ASYNC:
		f = (j ? 0 : SYSLET_ASYNC) | (chance(50) ? opt : 0);
		break;
	case K_SYNC:
		f = SYSLET_SYNC | (chance(50) ? opt : 0);
		break;
	case K_EVIL:
		if (chance(30))
			f |= 1UL << (8 + rnd(56));
		if (chance(10))
			f |= SYSLET_ASYNC | SYSLET_SYNC;
		break;
	}
	if (chance(3))
		f |= 1UL << (8 + rnd(56));
	return f;
}

static unsigned long next_val(int cursor)
{
	unsigned long r = rnd(100);

	if (r < 30)
		return 0;
	if (r < 50)		/* any atom built so far: loops across chains */
		return (unsigned long)&atoms[1 + rnd(cursor)];
	if (r < 60)		/* misaligned: a shifted view of the atoms */
		return (unsigned long)&atoms[1 + rnd(cursor)] + 1 + rnd(87);
	if (r < 75)		/* straddles the end of the atom pages */
		return (unsigned long)PAGE(PG_ATOMS_END) - 1 - rnd(87);
	return bad_addr();
}

#define MAX_CHAINS	10

struct chain {
	unsigned long head;	/* first atom, or a bad address */
	bool bad_head;
};

static struct chain chains[MAX_CHAINS];
static int nchains;

/* Atom 0: a plain NOP, for the fork checks. */
static void build_chains(void)
{
	int cursor = 1, c, j, len, kind, t[6], n, i, arity;
	struct syslet_uatom *a;

	memset(atoms, 0, NATOMS * sizeof(*atoms));
	atoms[0].nr = SYSLET_NR_NOP;
	nchains = 1 + rnd(MAX_CHAINS);
	for (c = 0; c < nchains; c++) {
		len = 1 + rnd(6);
		kind = rnd(K_NR);
		for (j = 0; j < len; j++) {
			a = &atoms[cursor + j];
			a->flags = gen_flags(kind, j);
			a->nr = gen_nr();
			switch (rnd(12)) {
			case 0:
				a->ret_ptr = NULL;
				break;
			case 1:		/* misaligned */
				a->ret_ptr = (long *)((char *)&res[rnd(NWORDS - 1)] + 1 + rnd(7));
				break;
			case 2:		/* straddles into the guard page */
				a->ret_ptr = (long *)(PAGE(PG_CNT_END) - 1 - rnd(7));
				break;
			case 3:		/* read-only, or not mapped */
				a->ret_ptr = (long *)(chance(50) ?
					(unsigned long)&ints[rnd(NWORDS)] : bad_addr());
				break;
			default:
				a->ret_ptr = &res[rnd(NWORDS)];
			}
			arity = op_args(a->nr, t);
			n = arity;
			if (chance(10))		/* too few, or too many */
				n = chance(50) ? rnd(n + 1) : n + rnd(7 - n);
			for (i = 0; i < n && i < 6; i++) {
				a->arg_ptr[i] = arg_ptr(i < arity ? t[i] :
							(int)rnd(T_END));
				if (!a->arg_ptr[i])
					break;
			}
			/* Pointers after the first NULL must not be read. */
			for (i++; i < 6; i++)
				if (chance(10))
					a->arg_ptr[i] = (unsigned long *)bad_addr();
			a->next = j + 1 < len ? &atoms[cursor + j + 1] : NULL;
			if (chance(8))
				a->next = (void *)next_val(cursor + len - 1);
			a->private = (void *)(long)c;
		}
		if (chance(12))		/* a loop */
			atoms[cursor + len - 1].next = &atoms[cursor + rnd(len)];
		chains[c].head = (unsigned long)&atoms[cursor];
		chains[c].bad_head = false;
		if (chance(4)) {
			chains[c].bad_head = true;
			chains[c].head = chance(50) ? bad_addr() :
				(unsigned long)PAGE(PG_ATOMS_END) - 1 - rnd(87);
		}
		exs_ro[c].atom = chains[c].head;
		cursor += len + rnd(2);	/* a zeroed atom between, sometimes */
		if (cursor + 8 >= (int)NATOMS)
			break;
	}
	if (c < nchains)
		nchains = c + 1;
}

/* --- contexts ------------------------------------------------------------- */

#define MAX_SLOTS	1024

struct fctx {
	int fd;
	bool alive;		/* fd still ours (a chain may close it) */
	bool racy;		/* another thread may close or unregister it */
	bool ring_ok;		/* ring mapped and ours to read */
	bool replaced;		/* ring pages replaced by fresh ones */
	char *map;		/* 3 pages at PAGE(PG_RING + 4 * k) */
	uint64_t *ring;
	unsigned long nr;
	uint64_t head;
	uint64_t tamper[MAX_SLOTS];	/* garbage we wrote into a slot */
	/*
	 * The slot was not NULL when we wrote it: the kernel cannot be
	 * posting there.  Garbage written into a NULL slot may meet a post
	 * the kernel had already decided (it checks, then stores).
	 */
	bool strict[MAX_SLOTS];
	unsigned long handed;	/* EXECs that returned 0, this registration */
	unsigned long posted;	/* final atoms reaped, this registration */
	bool genuine;		/* submitted with EXEC_CALL, served */
	struct syslet_servers srv[4];	/* one group per registration */
	int nsrv;
};

static struct fctx ctxs[2];
static int nctx;
static bool atoms_gone;

static void ring_map(struct fctx *x)
{
	static const unsigned long sizes[] = { 1, 2, 3, 4, 8, 16, 64, 511, 512, 700 };
	unsigned long off;

	x->map = mmap(x->map, 3 * PG, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	CHECK(x->map != MAP_FAILED);
	x->nr = PICK(sizes);
	off = chance(50) ? 0 : rnd((2 * PG - x->nr * 8) / 8) * 8;
	x->ring = (uint64_t *)(x->map + off);
	x->head = 0;
	x->ring_ok = true;
	x->replaced = false;
	x->handed = 0;
	x->posted = 0;
	memset(x->tamper, 0, sizeof(x->tamper));
	/* A ring that is not zero-filled: those completions wait. */
	if (chance(5)) {
		unsigned long s = rnd(x->nr);

		x->ring[s] = x->tamper[s] = 0xdead000000000000UL | rnd64() >> 16;
		x->strict[s] = true;
	}
}

static void ring_unmap(struct fctx *x)
{
	CHECK(munmap(x->map, 3 * PG) == 0);
	x->ring_ok = false;
}

/*
 * What REGISTER must answer for @a, checked in the documented order: the
 * argument, sizes and alignment, the ring's address range, then whether
 * the context is registered, then the pages (@pages_ok).
 */
static int reg_expect(const struct async_head_user *a, bool registered,
		      bool pages_ok)
{
	unsigned long ring = (unsigned long)a->completion_ring;
	unsigned long size = a->ring_size_bytes, max = a->max_nr_threads;

	if (!size || size % 8 || ring % 8 || size > (1UL << 20))
		return EINVAL;
	if (!max || (max != -1UL && max > INT_MAX))
		return EINVAL;
	/* Our bad rings are NULL or kernel addresses (access_ok() fails). */
	if (!ring || ring >= 1UL << 63 || ring + size < ring)
		return EFAULT;
	if (registered)
		return EBUSY;
	return pages_ok ? 0 : EFAULT;
}

static void bad_register(struct fctx *x, bool registered)
{
	struct async_head_user a = {
		.completion_ring = (void *)x->ring,
		.ring_size_bytes = 64,
		.max_nr_threads = -1UL,
	};
	bool pages_ok = true;
	int e;

	if (chance(10)) {	/* the argument itself unreadable */
		CHECK(ERR_IN(ioctl(x->fd, SYSLET_IOC_REGISTER, (void *)bad_addr()),
			     EFAULT));
		count(C_REGERR);
		return;
	}
	switch (rnd(9)) {
	case 0:
		a.ring_size_bytes = PICK(((const unsigned long[]){ 0, 12, (1UL << 20) + 8, -8UL }));
		break;
	case 1:
		a.completion_ring = (void *)((char *)x->ring + 4);
		break;
	case 2:
		a.max_nr_threads = PICK(((const unsigned long[]){ 0, (unsigned long)INT_MAX + 1, -2UL }));
		break;
	case 3:
		a.completion_ring = NULL;
		break;
	case 4:
		a.completion_ring = (void *)PICK(kernel_addrs);
		break;
	case 5:		/* not mapped */
		a.completion_ring = (void *)PAGE(PG_HOLE);
		pages_ok = false;
		break;
	case 6:		/* read-only */
		a.completion_ring = (void *)ptrs;
		pages_ok = false;
		break;
	case 7:		/* runs into the guard page */
		a.completion_ring = (void *)(PAGE(PG_CNT_END) - 64);
		a.ring_size_bytes = 128;
		pages_ok = false;
		break;
	default:	/* PROT_NONE */
		a.completion_ring = (void *)PAGE(PG_ATOMS_END);
		pages_ok = false;
		break;
	}
	e = reg_expect(&a, registered, pages_ok);
	CHECK(e);	/* only malformed ones here */
	CHECK(ERR_IN(ioctl(x->fd, SYSLET_IOC_REGISTER, &a), e));
	count(C_REGERR);
}

/* Server threads for a context with genuine calls, just registered. */
static void servers_start(struct fctx *x)
{
	struct syslet_ring r = { .fd = x->fd };

	if (!x->genuine || in_confined || x->nsrv == 4)
		return;
	CHECK_EQ(syslet_servers_start_call(&x->srv[x->nsrv], &r, 1 + rnd(2),
					   fuzz_call), 0);
	x->nsrv++;
}

/*
 * Join the servers once their context is closed (they leave with
 * ESHUTDOWN); one still in a call is interrupted by SIGALRM, which
 * fuzz_call() lets through.
 */
static void servers_join(struct fctx *x)
{
	struct syslet_servers *g;
	double t0 = syslet_now();
	int i, j, err;

	for (i = 0; i < x->nsrv; i++) {
		g = &x->srv[i];
		for (j = 0; j < g->n; j++) {
			while ((err = pthread_tryjoin_np(g->threads[j], NULL))) {
				CHECK_EQ(err, EBUSY);
				if (syslet_now() - t0 > 30)
					fail("a server thread did not end in 30 s");
				pthread_kill(g->threads[j], SIGALRM);
				syslet_sleep_ms(1);
			}
		}
		free(g->threads);
	}
	x->nsrv = 0;
}

static void do_register(struct fctx *x)
{
	static const unsigned long maxes[] = { 1, 2, 3, 8, 64, -1UL };
	struct async_head_user a;

	ring_map(x);
	a.completion_ring = (void *)x->ring;
	a.ring_size_bytes = x->nr * 8;
	a.max_nr_threads = PICK(maxes);
	while (chance(30))
		bad_register(x, false);
	CHECK(ioctl(x->fd, SYSLET_IOC_REGISTER, &a) == 0);
	CHECK(ERR_IN(ioctl(x->fd, SYSLET_IOC_REGISTER, &a), EBUSY));
	while (chance(20))
		bad_register(x, true);
	servers_start(x);
}

static void ctx_open(struct fctx *x, int k)
{
	x->map = PAGE(PG_RING + 4 * k);
	x->fd = open("/dev/syslet", O_RDWR | (chance(50) ? O_CLOEXEC : 0));
	CHECK_EQ(x->fd, 3 + k);
	x->alive = true;
	CHECK(ERR_IN(ioctl(x->fd, SYSLET_IOC_WAIT, 0), EINVAL));
	do_register(x);
	if (chance(5))
		CHECK(ERR_IN(ioctl(x->fd, _IO(SYSLET_IOC_MAGIC, 5 + rnd(200))), ENOTTY));
}

/*
 * Is the context still ours?  A chain may have closed its fd (in the
 * caller's context, which unregisters it) and the number may now be
 * another file, or a fresh /dev/syslet a chain opened.
 */
static bool alive(struct fctx *x)
{
	long r;

	if (!x->alive)
		return false;
	r = ioctl(x->fd, SYSLET_IOC_WAIT, 0);
	if (r >= 0) {
		CHECK((unsigned long)r <= x->nr);
		return true;
	}
	if (x->racy)	/* the other thread's close or UNREGISTER under way */
		CHECK(ERR_IN(r, EBADF, ENOTTY, EINVAL, ECANCELED));
	else
		CHECK(ERR_IN(r, EBADF, ENOTTY, EINVAL));
	x->alive = false;
	count(C_GONE);
	return false;
}

/* The kernel never overwrites a slot user space left non-NULL. */
static void check_tamper(struct fctx *x)
{
	unsigned long s;

	for (s = 0; x->ring_ok && s < x->nr; s++)
		if (x->tamper[s] && x->ring[s] != x->tamper[s] &&
		    (x->strict[s] || !in_arena(x->ring[s])))
			fail("ring slot %lu: %#lx overwritten with %#lx", s,
			     (unsigned long)x->tamper[s], (unsigned long)x->ring[s]);
}

static void reap(struct fctx *x)
{
	unsigned long n, s;

	if (!x->ring_ok)
		return;
	check_tamper(x);
	for (n = 0; n < x->nr; n++) {
		uint64_t v;

		s = x->head % x->nr;
		v = __atomic_load_n(&x->ring[s], __ATOMIC_ACQUIRE);
		if (!v)
			break;
		if (x->tamper[s] && v == x->tamper[s]) {
			x->tamper[s] = 0;	/* ours */
		} else {
			if (x->tamper[s] && x->strict[s])
				fail("ring slot %lu: %#lx overwritten with %#lx",
				     s, (unsigned long)x->tamper[s],
				     (unsigned long)v);
			x->tamper[s] = 0;	/* none, or a post met ours */
			/* A final atom: somewhere a chain could reach. */
			if (!in_arena(v))
				fail("ring slot %lu holds %#lx, not an atom", s,
				     (unsigned long)v);
			/* At most one completion per chain handed over. */
			if (++x->posted > x->handed)
				fail("%lu completions for %lu chains handed over",
				     x->posted, x->handed);
		}
		__atomic_store_n(&x->ring[s], 0, __ATOMIC_RELEASE);
		x->head++;
		count(C_REAPED);
	}
}

static void do_wait(struct fctx *x)
{
	unsigned long min;
	long r;

	switch (rnd(5)) {
	case 0:
		min = 0;
		break;
	case 1:
		min = x->nr + 1 + rnd(3);
		break;
	case 2:
		min = chance(50) ? -1UL : 1UL << 40;
		break;
	default:
		min = 1 + rnd(x->nr);
	}
	count(C_WAIT);
	r = ioctl(x->fd, SYSLET_IOC_WAIT, min);
	if (min > x->nr) {
		CHECK(ERR_IN(r, EINVAL));
		return;
	}
	/* At least min, at most the ring; or the interval timer's EINTR. */
	if (r < 0) {
		CHECK(ERR_IN(r, EINTR));
		count(C_WAITINTR);
	} else {
		CHECK(r >= (long)min && (unsigned long)r <= x->nr);
	}
}

static void tamper(struct fctx *x)
{
	unsigned long s = rnd(x->nr);

	if (!x->ring_ok)
		return;
	if (chance(30))
		s = x->head % x->nr;
	if (chance(30)) {		/* empty a slot out of turn */
		__atomic_store_n(&x->ring[s], 0, __ATOMIC_RELEASE);
		x->tamper[s] = 0;
	} else {
		x->strict[s] = __atomic_load_n(&x->ring[s], __ATOMIC_ACQUIRE);
		x->tamper[s] = 0xdead000000000000UL | rnd64() >> 16;
		__atomic_store_n(&x->ring[s], x->tamper[s], __ATOMIC_RELEASE);
	}
	count(C_TAMPER);
}

/*
 * The kernel must not write to the ring once UNREGISTER or the close has
 * returned: a copy of it stays equal; replaced pages stay zero.
 */
static void check_frozen(struct fctx *x)
{
	static uint64_t copy[3 * PG / 8];
	unsigned long i;

	if (x->replaced) {
		for (i = 0; i < 3 * PG / 8; i++)
			CHECK(((uint64_t *)x->map)[i] == 0);
		return;
	}
	if (!x->ring_ok)
		return;
	check_tamper(x);
	memcpy(copy, x->map, 3 * PG);
	syslet_sleep_ms(2);
	CHECK(!memcmp(copy, x->map, 3 * PG));
}

/* The ring unmapped (pinned: the kernel keeps writing to the old pages). */
static void unmap_ring(struct fctx *x)
{
	if (!x->ring_ok && !x->replaced)
		return;
	ring_unmap(x);
	x->replaced = false;
	count(C_UNMAP);
	if (chance(50)) {
		CHECK(mmap(x->map, 3 * PG, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == x->map);
		x->replaced = true;
		count(C_REPLACE);
	}
}

static void unregister(struct fctx *x)
{
	CHECK(ioctl(x->fd, SYSLET_IOC_UNREGISTER) == 0);
	CHECK(ERR_IN(ioctl(x->fd, SYSLET_IOC_UNREGISTER), EINVAL));
	check_frozen(x);
	count(C_UNREG);
}

/* A forked child shares the context through the fd, and may not use it. */
static void fork_check(struct fctx *x)
{
	struct async_head_user a = { (void *)x->ring, 64, -1UL };
	pid_t pid;
	int st;

	count(C_FORK);
	pid = fork();
	CHECK(pid >= 0);
	if (!pid) {
		exs[MAX_CHAINS].atom = (unsigned long)&atoms[0];
		CHECK(ERR_IN(ioctl(x->fd, SYSLET_IOC_EXEC, &exs[MAX_CHAINS]), EPERM));
		CHECK(ERR_IN(ioctl(x->fd, SYSLET_IOC_WAIT, 0), EPERM));
		CHECK(ERR_IN(ioctl(x->fd, SYSLET_IOC_UNREGISTER), EPERM));
		CHECK(ERR_IN(ioctl(x->fd, SYSLET_IOC_REGISTER, &a), EBUSY));
		_exit(0);	/* closing its copies cancels nothing */
	}
	while (waitpid(pid, &st, 0) != pid)
		CHECK(errno == EINTR);
	if (sh->failed)
		_exit(1);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(alive(x));
}

/* The errors of an EXEC or EXEC_CALL that ran nothing wrong. */
static void check_exec_err(struct fctx *x, int c, int ret, int e)
{
	errno = e;
	if (x->racy)	/* unregistered, closed or cancelled by the other thread */
		CHECK(ERR_IN(ret, EFAULT, EBUSY, ECANCELED, EINVAL, EBADF, ENOTTY));
	else if (chains[c].bad_head)
		CHECK(ERR_IN(ret, EFAULT, EBUSY));
	else
		CHECK(ERR_IN(ret, EFAULT, EBUSY, ECANCELED));
	count(e == EFAULT ? C_EFAULT : e == EBUSY ? C_EBUSY :
	      e == ECANCELED ? C_ECANCELED : C_GONE);
}

/*
 * EXEC_CALL, making the genuine calls of the synchronous phase with
 * @call; at most 200 (a loop of genuine atoms never leaves the caller).
 * Returns the last ioctl's result, errno in *@e; -2 if abandoned.
 */
static int exec_call(int fd, unsigned long head, syslet_call_fn call,
		     unsigned long *done, int *e)
{
	struct syslet_exec_call ec;
	int ret, calls = 0;

	memset(&ec, 0, sizeof(ec));
	ec.atom = head;
	for (;;) {
		ret = ioctl(fd, SYSLET_IOC_EXEC_CALL, &ec);
		*e = errno;
		if (ret != SYSLET_EXEC_NEED_CALL)
			break;
		if (in_arena(head))
			CHECK(in_arena(ec.atom));
		if (++calls > 200)
			return -2;
		ec.ret = call(ec.nr, ec.args);
		ec.flags = SYSLET_EXEC_RESUME;
	}
	*done = ec.done;
	return ret;
}

/* A chain of a context with genuine calls. */
static void submit_call(struct fctx *x, int c)
{
	unsigned long done;
	int ret, e;

	if (chance(4)) {	/* the argument unreadable: nothing runs */
		ret = ioctl(x->fd, SYSLET_IOC_EXEC_CALL, (void *)bad_addr());
		if (x->racy)
			CHECK(ERR_IN(ret, EFAULT, EINVAL, EBADF, ENOTTY));
		else
			CHECK(ERR_IN(ret, EFAULT));
		count(C_BADEXEC);
		return;
	}
	ret = exec_call(x->fd, chains[c].head, fuzz_call, &done, &e);
	if (ret == 1) {
		CHECK(!chains[c].bad_head);
		CHECK(in_arena(done));
		count(C_SYNC);
	} else if (ret == 0) {
		CHECK(!chains[c].bad_head);
		x->handed++;
		count(C_ASYNC);
	} else if (ret == -1) {
		check_exec_err(x, c, ret, e);
	}
	if (!alive(x) || x->racy)
		return;
	CHECK(!(ret == -1 && e == ECANCELED));
}

static void submit(struct fctx *x, int c)
{
	struct syslet_exec *ex = &exs[c];
	unsigned long r = rnd(100);
	bool ro = false;
	int ret, e;

	count(C_CHAINS);
	if (x->genuine) {
		submit_call(x, c);
		return;
	}
	ex->atom = chains[c].head;
	ex->done = 0;
	if (r < 4) {		/* the argument unreadable: nothing runs */
		ret = ioctl(x->fd, SYSLET_IOC_EXEC, (void *)bad_addr());
		if (x->racy)	/* the other thread's close or UNREGISTER */
			CHECK(ERR_IN(ret, EFAULT, EINVAL, EBADF, ENOTTY));
		else
			CHECK(ERR_IN(ret, EFAULT));
		count(C_BADEXEC);
		return;
	}
	if (r < 9) {		/* readable, not writable: done cannot be stored */
		ex = &exs_ro[c];
		ro = true;
		count(C_BADEXEC);
	}
	ret = ioctl(x->fd, SYSLET_IOC_EXEC, ex);
	e = errno;
	if (ret == 1) {
		CHECK(!ro && !chains[c].bad_head);
		CHECK(in_arena(ex->done));
		count(C_SYNC);
	} else if (ret == 0) {
		CHECK(!chains[c].bad_head);
		x->handed++;
		count(C_ASYNC);
	} else if (x->racy) {
		/* Unregistered, closed or being cancelled by the other thread. */
		CHECK(ERR_IN(ret, EFAULT, EBUSY, ECANCELED, EINVAL, EBADF, ENOTTY));
	} else if (chains[c].bad_head) {
		CHECK(ERR_IN(ret, EFAULT, EBUSY));
	} else {
		CHECK(ERR_IN(ret, EFAULT, EBUSY, ECANCELED));
	}
	if (ret < 0)
		count(e == EFAULT ? C_EFAULT : e == EBUSY ? C_EBUSY :
		      e == ECANCELED ? C_ECANCELED : C_GONE);
	/* A chain that closed its context's fd in the caller: ECANCELED. */
	if (!alive(x) || x->racy)
		return;
	CHECK(!(ret == -1 && e == ECANCELED));
}

/* --- the confined child ------------------------------------------------ */

static pid_t wait_for(pid_t pid, int *st, double secs, double *took);

/* The confined child's genuine calls: made as they are, remembered. */
static long confined_call(unsigned long nr, const __u64 *args)
{
	unsigned long i = __atomic_fetch_add(&sh->calls, 1, __ATOMIC_RELAXED);

	sh->call_nr[i % 8] = nr;
	return syslet_raw_call(nr, args);
}

/* Empty the ring: chains' own SYSLET_IOC_* calls may post there too. */
static void confined_drain(struct fctx *x)
{
	unsigned long n;
	uint64_t *slot;

	for (n = 0; x->ring_ok && n < x->nr; n++) {
		slot = &x->ring[x->head % x->nr];
		if (!__atomic_load_n(slot, __ATOMIC_ACQUIRE))
			break;
		__atomic_store_n(slot, 0, __ATOMIC_RELEASE);
		x->head++;
		count(C_REAPED);
	}
}

/*
 * getrandom, a native op the filter denies: EPERM in the caller and in
 * a worker (whose server makes it), where a native run would give 8.
 */
static void confined_probe(struct fctx *x)
{
	static char buf[8];
	static long ret;
	static unsigned long bp = (unsigned long)buf, len = sizeof(buf), zero;
	static struct syslet_uatom a;
	unsigned long done;
	int i, e;

	CHECK(syscall(SYS_getrandom, buf, len, 0) == -1 && errno == EPERM);
	syslet_atom(&a, SYS_getrandom, 0, &ret, NULL, &bp, &len, &zero, NULL);
	ret = 12345;
	CHECK_EQ(exec_call(x->fd, (unsigned long)&a, syslet_raw_call, &done,
			   &e), 1);
	CHECK_EQ(ret, -EPERM);
	a.flags = SYSLET_ASYNC;
	ret = 12345;
	CHECK_EQ(exec_call(x->fd, (unsigned long)&a, syslet_raw_call, &done,
			   &e), 0);
	for (i = 0; i < 10000 && __atomic_load_n(&ret, __ATOMIC_ACQUIRE) ==
	     12345; i++)
		syslet_sleep_ms(1);
	CHECK_EQ(ret, -EPERM);
	exs[0].atom = (unsigned long)&a;
	CHECK(ERR_IN(ioctl(x->fd, SYSLET_IOC_EXEC, &exs[0]), EPERM));
	confined_drain(x);
}

static void confined_submit(struct fctx *x, int c)
{
	unsigned long done;
	int ret, e;

	count(C_CHAINS);
	if (chance(10)) {	/* never runs a confined caller's chain */
		exs[c].atom = chains[c].head;
		CHECK(ERR_IN(ioctl(x->fd, SYSLET_IOC_EXEC, &exs[c]),
			     EPERM, EBADF, ENOTTY));
		return;
	}
	/* Each genuine call made as it is: the filter decides. */
	ret = exec_call(x->fd, chains[c].head, confined_call, &done, &e);
	errno = e;
	if (ret == 1) {
		CHECK(in_arena(done));
		count(C_SYNC);
	} else if (ret == 0) {
		count(C_ASYNC);
	} else if (ret == -1) {
		/* A chain may close, replace or unregister the context. */
		CHECK(ERR_IN(ret, EFAULT, EBUSY, ECANCELED, EINVAL, EBADF,
			     ENOTTY));
	}
	confined_drain(x);
}

/*
 * The child: a context and two servers, then the filter on all of them
 * (TSYNC), the probe and the iteration's chains.  It ends with
 * exit_group(EXIT_MAGIC), the only exit the filter allows.
 */
static void __attribute__((noreturn)) confined_child(void)
{
	struct itimerval it = { { 0, 20000 }, { 0, 20000 } };
	struct syslet_servers srv;
	struct syslet_ring r;
	int c;

	in_confined = true;
	CHECK(prctl(PR_SET_PDEATHSIG, SIGKILL) == 0);
	CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0);
	ctx_open(&ctxs[0], 0);
	r.fd = ctxs[0].fd;
	CHECK_EQ(syslet_servers_start_call(&srv, &r, 2, confined_call), 0);
	sh->calls = 0;
	confine();
	confined_probe(&ctxs[0]);
	for (c = 0; c < nchains; c++)
		confined_submit(&ctxs[0], c);
	syslet_sleep_ms(rnd(20));
	syscall(SYS_exit_group, EXIT_MAGIC);
	fail("exit_group(EXIT_MAGIC) returned");
}

/*
 * Run the confined child: it exits with EXIT_MAGIC, or, if a chain left
 * it blocked (in a server, no signal ends a wait), is killed after 20 s
 * and must die promptly.
 */
static void confined_run(void)
{
	double took;
	pid_t pid;
	int st;

	count(C_CONFINED);
	pid = fork();
	CHECK(pid >= 0);
	if (!pid)
		confined_child();
	if (!wait_for(pid, &st, 20, &took)) {
		CHECK(kill(pid, SIGKILL) == 0);
		if (!wait_for(pid, &st, 30, &took))
			fail("confined child %d not dead %.0f s after SIGKILL",
			     pid, took);
		count(C_CONFINED_KILLED);
	}
	if (sh->failed)
		_exit(1);
	if (WIFSIGNALED(st) && WTERMSIG(st) != SIGKILL)
		fail("confined child died of signal %d; its last calls: %lu %lu %lu %lu %lu %lu %lu %lu (%lu made)",
		     WTERMSIG(st), sh->call_nr[(sh->calls + 0) % 8],
		     sh->call_nr[(sh->calls + 1) % 8],
		     sh->call_nr[(sh->calls + 2) % 8],
		     sh->call_nr[(sh->calls + 3) % 8],
		     sh->call_nr[(sh->calls + 4) % 8],
		     sh->call_nr[(sh->calls + 5) % 8],
		     sh->call_nr[(sh->calls + 6) % 8],
		     sh->call_nr[(sh->calls + 7) % 8], sh->calls);
	if (WIFEXITED(st) && WEXITSTATUS(st) != (EXIT_MAGIC & 0xff))
		fail("confined child exited with %d", WEXITSTATUS(st));
}

/* Something between two submissions. */
static void meddle(void)
{
	struct fctx *x = &ctxs[rnd(nctx)];
	unsigned long r = rnd(100);

	if (!alive(x))
		return;
	if (x->racy && ((r >= 30 && r < 40) || (r >= 54 && r < 61)))
		return;		/* their results depend on the other thread */
	if (r < 30) {
		reap(x);
	} else if (r < 40) {
		do_wait(x);
	} else if (r < 50) {
		tamper(x);
	} else if (r < 54) {
		unmap_ring(x);
	} else if (r < 57) {
		if (x->racy)
			return;
		unregister(x);
		if (x->ring_ok || x->replaced)
			ring_unmap(x);
		do_register(x);
	} else if (r < 59) {
		/*
		 * Not in a runner about to be killed: its death would
		 * unregister the context under the child (EINVAL).
		 */
		if (!sh->victim)
			fork_check(x);
	} else if (r < 61) {
		/* The atoms go while chains run: workers must fault, not crash. */
		CHECK(munmap(atoms, NPG_ATOMS * PG) == 0);
		atoms_gone = true;
		count(C_ATOMSGONE);
	} else if (r < 66) {
		syslet_sleep_ms(1 + rnd(30));
	} else if (r < 70) {
		unblock();
	}
}

/*
 * A second thread that, while the first submits, unregisters the context,
 * closes its fd, or sleeps in WAIT until the first closes it.
 */
enum { R_UNREG, R_CLOSE, R_WAIT, R_NR };

static struct racer {
	pthread_t th;
	struct fctx *x;
	int fd, action;
	long delay_ms;
	long ret;
	int err;
} racer;

static void *racer_fn(void *arg)
{
	struct racer *r = arg;

	syslet_sleep_ms(r->delay_ms);
	if (r->action == R_UNREG)
		r->ret = ioctl(r->fd, SYSLET_IOC_UNREGISTER);
	else if (r->action == R_CLOSE)
		r->ret = close(r->fd);
	else
		r->ret = ioctl(r->fd, SYSLET_IOC_WAIT, 1);
	r->err = errno;
	return NULL;
}

static void race_start(struct fctx *x)
{
	racer.x = x;
	racer.fd = x->fd;
	racer.action = rnd(R_NR);
	racer.delay_ms = rnd(40);
	x->racy = true;
	count(C_RACE);
	CHECK(pthread_create(&racer.th, NULL, racer_fn, &racer) == 0);
}

static void race_end(struct fctx *x)
{
	long ret;

	if (racer.action == R_WAIT) {
		/* Our close wakes it: ECANCELED (or completions, or EINTR). */
		CHECK(close(x->fd) == 0 || errno == EBADF);
		x->alive = false;
	}
	CHECK(pthread_join(racer.th, NULL) == 0);
	ret = racer.ret;
	errno = racer.err;
	switch (racer.action) {
	case R_UNREG:
		CHECK(ret == 0 || ERR_IN(ret, EINVAL, EBADF, ENOTTY));
		break;
	case R_CLOSE:
		CHECK(ret == 0 || ERR_IN(ret, EBADF));
		x->alive = false;
		break;
	default:
		CHECK((ret >= 1 && (unsigned long)ret <= x->nr) ||
		      ERR_IN(ret, ECANCELED, EINVAL, EINTR, EBADF, ENOTTY));
	}
	racer.x = NULL;
	x->racy = false;
}

/* Close the context (or drain, or unregister first, or leave it open). */
static void finish(struct fctx *x)
{
	unsigned long r = rnd(100);
	double t;
	int i;

	if (racer.x == x) {
		race_end(x);
		if (racer.action == R_WAIT)
			goto closed;
	}
	if (!alive(x))
		goto out;
	if (r < 25) {
		unblock();
		for (i = 0; i < 4; i++) {
			reap(x);
			do_wait(x);
		}
		reap(x);
	} else if (r < 40) {
		unregister(x);
	} else if (r >= 90) {
		return;		/* closed by the next reset_fds() or the exit */
	}
	t = syslet_now();
	CHECK(close(x->fd) == 0);
	t = syslet_now() - t;
	if (t > sh->max_close)
		sh->max_close = t;
	CHECK(t < 10);		/* the close cancels; nothing may hold it */
	count(C_CLOSED);
	x->alive = false;
closed:
	check_frozen(x);
out:
	if (x->ring_ok || x->replaced)
		ring_unmap(x);
	x->replaced = false;
}

static void iteration(uint64_t seed, unsigned long i)
{
	int c, k;

	rng = seed ^ (i * 0xd1b54a32d192ed03ULL);
	rnd64();
	sh->iter = i;
	count(C_ITER);
	/*
	 * Contexts left open by the last iteration drain here, and their
	 * servers leave; then nothing is left to open an fd.
	 */
	CHECK(syscall(SYS_close_range, 0, ~0U, 0) == 0);
	for (k = 0; k < 2; k++)
		servers_join(&ctxs[k]);
	reset_fds();
	for (k = 0; k < 2; k++)
		if (ctxs[k].map && (ctxs[k].ring_ok || ctxs[k].replaced))
			ring_unmap(&ctxs[k]);
	if (atoms_gone) {
		CHECK(mmap(atoms, NPG_ATOMS * PG, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) ==
		      (void *)atoms);
		atoms_gone = false;
	}
	nctx = chance(20) ? 2 : 1;
	genuine_chains = chance(50);
	arena_prot(PG_ATOMS, NPG_ATOMS, PROT_READ | PROT_WRITE);
	arena_prot(PG_PTRS, 2 + NPG_DATA, PROT_READ | PROT_WRITE);
	arena_prot(PG_EXEC_RO, 1, PROT_READ | PROT_WRITE);
	build_data();
	build_values(nctx);
	build_chains();
	memset(PAGE(PG_BUF), 0x5a, NPG_BUF * PG);
	arena_prot(PG_ATOMS, NPG_ATOMS, PROT_READ);
	arena_prot(PG_PTRS, 2 + NPG_DATA, PROT_READ);
	arena_prot(PG_EXEC_RO, 1, PROT_READ);

	if (genuine_chains && chance(15))
		confined_run();
	for (k = 0; k < nctx; k++) {
		ctxs[k].genuine = genuine_chains && chance(80);
		ctx_open(&ctxs[k], k);
	}
	if (chance(20))
		race_start(&ctxs[rnd(nctx)]);
	for (c = 0; c < nchains; c++) {
		while (chance(40))
			meddle();
		k = rnd(nctx);
		if (alive(&ctxs[k]))
			submit(&ctxs[k], c);
	}
	for (k = 0; k < nctx; k++)
		finish(&ctxs[k]);
}

static void on_alarm(int sig)
{
}

static void runner(uint64_t seed, unsigned long from, unsigned long to)
{
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */
	struct itimerval it = { { 0, 20000 }, { 0, 20000 } };
	struct rlimit fsize = { 1 << 20, 1 << 20 };
	unsigned long i;

	in_runner = true;
	/* Writes to a pipe a chain emptied of readers, past RLIMIT_FSIZE. */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);
	CHECK(setrlimit(RLIMIT_FSIZE, &fsize) == 0);
	CHECK(chdir(DIR_PATH) == 0);
	arena_map();
	/* Ends sync-phase loops and sleeps, and WAITs that would not end. */
	CHECK(sigaction(SIGALRM, &sa, NULL) == 0);
	CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0);
	for (i = from; i < to; i++)
		iteration(seed, i);
}

/* --- the parent --------------------------------------------------------- */

#define BATCH		10
#define BATCH_TIMEOUT	300	/* s */

/* waitpid() with a deadline: the pid, or 0 if it did not end in time. */
static pid_t wait_for(pid_t pid, int *st, double secs, double *took)
{
	double t0 = syslet_now();
	pid_t r;

	for (;;) {
		r = waitpid(pid, st, WNOHANG);
		CHECK(r >= 0);
		*took = syslet_now() - t0;
		if (r == pid || *took > secs)
			return r;
		syslet_sleep_ms(5);
	}
}

static void report_runner(pid_t pid, int st, bool killed)
{
	if (sh->failed)
		fail("runner %d: %s", pid, sh->msg);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return;
	if (killed && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
		return;
	if (WIFSIGNALED(st))
		fail("runner %d died of signal %d in iteration %lu", pid,
		     WTERMSIG(st), sh->iter);
	fail("runner %d exited with %d in iteration %lu", pid,
	     WEXITSTATUS(st), sh->iter);
}

/* After everything: a context still works, synchronously and in a worker. */
static void sanity(void)
{
	struct syslet_uatom a[2], *done = NULL;
	struct syslet_ring r;
	int pfd[2], i;
	char in[4] = { 0 };
	unsigned long wfd, rfd, pout = (unsigned long)"abc", pin = (unsigned long)in;
	unsigned long three = 3;
	long ret[2] = { 0, 0 };

	CHECK(syslet_setup(&r, 8, -1UL) == 0);
	CHECK(pipe(pfd) == 0);
	wfd = pfd[1];
	rfd = pfd[0];
	syslet_atom(&a[0], SYS_write, 0, &ret[0], &a[1], &wfd, &pout, &three, NULL);
	syslet_atom(&a[1], SYS_read, 0, &ret[1], NULL, &rfd, &pin, &three, NULL);
	CHECK_EQ(syslet_exec(&r, a, &done), 1);
	CHECK(done == &a[1]);
	CHECK_EQ(ret[0], 3);
	CHECK_EQ(ret[1], 3);
	CHECK(!memcmp(in, "abc", 3));
	/* Blocked in a worker until the write. */
	ret[1] = 99;
	CHECK_EQ(syslet_exec(&r, &a[1], NULL), 0);
	CHECK(write(pfd[1], "xyz", 3) == 3);
	for (i = 0; i < 1000 && !(done = syslet_reap(&r)); i++)
		CHECK(syslet_wait(&r, 1) >= 0);
	CHECK(done == &a[1]);
	CHECK_EQ(ret[1], 3);
	CHECK(!memcmp(in, "xyz", 3));
	syslet_teardown(&r);
	close(pfd[0]);
	close(pfd[1]);
}

int main(int argc, char **argv)
{
	uint64_t seed, prng;
	unsigned long iters, from, to;
	double t0, took, max_kill = 0;
	long ref0, busy;
	pid_t pid;
	int st;

	if (argc != 3) {
		fprintf(stderr, "usage: %s SEED ITERATIONS\n", argv[0]);
		return 2;
	}
	seed_arg = argv[1];
	seed = strtoull(argv[1], NULL, 0);
	iters = strtoul(argv[2], NULL, 0);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("syslet_fuzz: seed %llu, %lu iterations\n",
	       (unsigned long long)seed, iters);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(sh != MAP_FAILED);
	CHECK(mkdir(DIR_PATH, 0755) == 0 || errno == EEXIST);
	ref0 = syslet_module_refcnt();
	prng = seed * 0x9e3779b97f4a7c15ULL + 1;
	t0 = syslet_now();

	for (from = 0; from < iters; from = to) {
		bool victim;
		double when;

		to = from + BATCH < iters ? from + BATCH : iters;
		rng = prng++;
		victim = chance(25);
		when = rnd(400) / 1000.0;
		sh->iter = from;
		sh->victim = victim;
		count(C_RUNNERS);
		pid = fork();
		CHECK(pid >= 0);
		if (!pid) {
			runner(seed, from, to);
			_exit(0);
		}
		if (victim) {
			/* SIGKILL at a random moment: it must die promptly. */
			if (!wait_for(pid, &st, when, &took)) {
				CHECK(kill(pid, SIGKILL) == 0);
				if (!wait_for(pid, &st, 30, &took))
					fail("runner %d not dead %.0f s after SIGKILL (iteration %lu)",
					     pid, took, sh->iter);
				if (took > max_kill)
					max_kill = took;
				count(C_KILLED);
			}
		} else if (!wait_for(pid, &st, BATCH_TIMEOUT, &took)) {
			kill(pid, SIGKILL);
			fail("runner %d stuck for %d s in iteration %lu",
			     pid, BATCH_TIMEOUT, sh->iter);
		}
		report_runner(pid, st, victim);
	}

	sanity();
	busy = syslet_workers_idle(300, 10000);
	if (busy)
		fail("syslet workers still running: %ld ticks in 300 ms", busy);
	if (ref0 >= 0)
		CHECK_EQ(syslet_module_refcnt(), ref0);

	printf("syslet_fuzz: %lu iterations in %lu runners (%lu SIGKILLed, slowest death %.3f s), %.1f s\n",
	       sh->count[C_ITER], sh->count[C_RUNNERS], sh->count[C_KILLED],
	       max_kill, syslet_now() - t0);
	printf("syslet_fuzz: %lu chains: %lu ended in the caller, %lu handed over, EFAULT %lu, EBUSY %lu, ECANCELED %lu (%lu with a bad exec argument)\n",
	       sh->count[C_CHAINS], sh->count[C_SYNC], sh->count[C_ASYNC],
	       sh->count[C_EFAULT], sh->count[C_EBUSY], sh->count[C_ECANCELED],
	       sh->count[C_BADEXEC]);
	printf("syslet_fuzz: %lu completions reaped, %lu waits (%lu interrupted), %lu slots tampered with, %lu rings unmapped (%lu replaced), atoms unmapped %lu times\n",
	       sh->count[C_REAPED], sh->count[C_WAIT], sh->count[C_WAITINTR],
	       sh->count[C_TAMPER], sh->count[C_UNMAP], sh->count[C_REPLACE],
	       sh->count[C_ATOMSGONE]);
	printf("syslet_fuzz: %lu unregistered in flight, %lu closed (slowest %.3f s), %lu gone under the submitter, %lu raced by a second thread, %lu fork checks, %lu malformed registrations\n",
	       sh->count[C_UNREG], sh->count[C_CLOSED], sh->max_close,
	       sh->count[C_GONE], sh->count[C_RACE], sh->count[C_FORK],
	       sh->count[C_REGERR]);
	printf("syslet_fuzz: %lu genuine calls made, %lu refused as harmful; %lu confined children (%lu killed when stuck)\n",
	       sh->count[C_GENUINE], sh->count[C_REFUSED],
	       sh->count[C_CONFINED], sh->count[C_CONFINED_KILLED]);
	printf("syslet_fuzz: ok: sanity chain, workers idle, module references back to %ld\n",
	       ref0);
	return 0;
}
