// SPDX-License-Identifier: GPL-2.0
/*
 * upcall selftests, run in the test VM.
 *   upcall_test --list     names, one a line
 *   upcall_test NAME       run one; exit 0 = pass, else fail
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../lib/syslet.h"
#include "../lib/upcall.h"
#include "syslet_workers.h"
#include "check.h"
#include "runner.h"

#define CHECK_ERR(expr, err) do {					\
	errno = 0;							\
	CHECK_EQ((expr), -1);						\
	CHECK_EQ(errno, (err));						\
} while (0)

static pid_t gettid_(void)
{
	return syscall(SYS_gettid);
}

/* What the C functions saw. */
static volatile int calls[64];
static volatile pid_t call_tid[64];
static volatile int order[64], norder;
static volatile int crit_seen;

static void cfunc(void *data)
{
	long i = (long)data;

	calls[i]++;
	call_tid[i] = gettid_();
	order[norder++] = (int)i;
	crit_seen = upc_self->crit_count;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Wait (bounded) until *p == v. */
static int wait_for(volatile int *p, int v)
{
	int i;

	for (i = 0; i < 5000 && *p != v; i++)
		sleep_ms(1);
	return *p == v;
}

static struct upcall mainupc;

/* No struct upcall, on a stack or not, can cross a page boundary. */
_Static_assert(sizeof(struct upcall) == 16 && _Alignof(struct upcall) == 16,
	       "struct upcall is 16-byte aligned");

static int reg(struct upcall *u, long i)
{
	int id = upc_register(u, upc_context, cfunc, (void *)i);

	CHECK(id > 0);
	return id;
}

static int raw_register(struct upcall *u, void *ctx, void *fn)
{
	struct upc_register_args a = {
		.upc = (uintptr_t)u, .ctxfunc = (uintptr_t)ctx,
		.func = (uintptr_t)fn, .data = 0,
	};

	return ioctl(upc_dev(), UPC_IOC_REGISTER, &a);
}

static int test_register_errors(void)
{
	char *page = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct upcall *u;
	int id, status;
	pid_t pid;

	CHECK(page != MAP_FAILED);
	/* No handler for UPC_SIGNAL yet: an upcall would kill us. */
	mainupc.magic = UPCALL_MAGIC;
	CHECK_ERR(raw_register(&mainupc, upc_context, cfunc), EINVAL);
	id = reg(&mainupc, 1);			/* installs it */

	u = (struct upcall *)page;
	u->magic = 0x1234;
	CHECK_ERR(raw_register(u, upc_context, cfunc), EINVAL);
	CHECK_ERR(raw_register(NULL, upc_context, cfunc), EINVAL);
	CHECK_ERR(raw_register((void *)(page + 2), upc_context, cfunc), EINVAL);
	/* Across a page end. */
	u = (struct upcall *)(page + 4096 - 8);
	u->magic = UPCALL_MAGIC;
	CHECK_ERR(raw_register(u, upc_context, cfunc), EINVAL);
	CHECK_ERR(raw_register(&mainupc, NULL, cfunc), EINVAL);
	CHECK_ERR(raw_register(&mainupc, upc_context, NULL), EINVAL);
	/* Its 12 bytes just before a page end are fine (in a child). */
	pid = fork();
	CHECK(pid >= 0);
	if (!pid) {
		u = (struct upcall *)(page + 4096 - 12);
		u->magic = UPCALL_MAGIC;
		_exit(raw_register(u, upc_context, cfunc) > 0 ? 0 : 1);
	}
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(munmap(page, 4096) == 0);
	CHECK_ERR(raw_register((void *)page, upc_context, cfunc), EFAULT);
	/* A kernel address. */
	CHECK_ERR(raw_register((void *)0xffff888000000000UL, upc_context,
			       cfunc), EFAULT);

	CHECK_ERR(upc_control(UPC_CONTROL_DISPATCH, id + 100, (void *)1),
		  ENOENT);
	CHECK_ERR(upc_control(UPC_CONTROL_POLL, id + 100, NULL), ENOENT);
	CHECK_ERR(upc_control(UPC_CONTROL_POLLANDCLEAR, id + 100, NULL),
		  ENOENT);
	CHECK_ERR(upc_control(UPC_CONTROL_DELETE, id + 100, NULL), ENOENT);
	CHECK_ERR(upc_control(UPC_CONTROL_DISPATCH, id, (void *)0), EINVAL);
	CHECK_ERR(upc_control(UPC_CONTROL_DISPATCH, id, (void *)-5L), EINVAL);
	CHECK_ERR(upc_control(99, id, NULL), EINVAL);
	CHECK_ERR(upc_control(UPC_CONTROL_NEXT, id, NULL), EINVAL);
	CHECK_ERR(ioctl(upc_dev(), UPC_IOC_CONTROL, (void *)8), EFAULT);
	CHECK_ERR(ioctl(upc_dev(), _IO(UPC_IOC_MAGIC, 0x30)), ENOTTY);
	CHECK_EQ(calls[1], 0);
	return 0;
}

static int test_self_dispatch(void)
{
	int id = reg(&mainupc, 3);

	CHECK_EQ(upc_control(UPC_CONTROL_DISPATCH, id, (void *)1), 0);
	/* Delivered on the way back from the call, to this thread. */
	CHECK_EQ(calls[3], 1);
	CHECK_EQ(call_tid[3], gettid_());
	CHECK_EQ(crit_seen, UPC_CRITADD);	/* inside the upcall */
	CHECK_EQ(mainupc.crit_count, 0);	/* and out again */
	CHECK_EQ(mainupc.pending, 0);
	CHECK_EQ(upc_control(UPC_CONTROL_POLL, id, NULL), 0);
	return 0;
}

static int limit_ids[UPCALL_MAXCOUNT];
static struct upcall limit_upc;

static void *limit_thread(void *arg)
{
	int i;

	(void)arg;
	for (i = UPCALL_MAXCOUNT / 2; i < UPCALL_MAXCOUNT; i++)
		limit_ids[i] = reg(&limit_upc, 5);
	/* The space is the address space's: full for this thread too. */
	CHECK_ERR(upc_register(&limit_upc, upc_context, cfunc, NULL), EFBIG);
	return NULL;
}

static int test_limit(void)
{
	pthread_t t;
	int i, id;

	for (i = 0; i < UPCALL_MAXCOUNT / 2; i++)
		limit_ids[i] = reg(&mainupc, 4);
	CHECK(pthread_create(&t, NULL, limit_thread, NULL) == 0);
	CHECK(pthread_join(t, NULL) == 0);
	/* That thread has exited: its registrations went with it. */
	id = reg(&mainupc, 4);
	for (i = 0; i < UPCALL_MAXCOUNT / 2 - 1; i++)
		reg(&mainupc, 4);
	CHECK_ERR(upc_register(&mainupc, upc_context, cfunc, NULL), EFBIG);
	for (i = 0; i < UPCALL_MAXCOUNT; i++)
		CHECK(limit_ids[i] > 0 && limit_ids[i] != id);
	/* Deleting one makes room for one. */
	CHECK_EQ(upc_control(UPC_CONTROL_DELETE, id, NULL), 0);
	CHECK(reg(&mainupc, 4) > 0);
	CHECK_ERR(upc_register(&mainupc, upc_context, cfunc, NULL), EFBIG);
	return 0;
}

/* A second thread that registers and then waits in pause(). */
struct target {
	pthread_t t;
	struct upcall upc;
	long slot;
	int id;
	pid_t tid;
	volatile int ready, crit, stop, left_crit;
};

static void *target_main(void *arg)
{
	struct target *tg = arg;

	tg->id = reg(&tg->upc, tg->slot);
	tg->tid = gettid_();
	if (tg->crit)
		crit_enter();
	tg->ready = 1;
	while (!tg->stop) {
		if (tg->crit == 1) {
			/* Busy in user space, inside the section. */
			continue;
		}
		if (tg->crit == 2) {
			crit_exit();
			tg->crit = 0;
			tg->left_crit = 1;
			continue;
		}
		pause();
	}
	return NULL;
}

static void target_start(struct target *tg, long slot, int crit)
{
	memset(tg, 0, sizeof(*tg));
	tg->slot = slot;
	tg->crit = crit;
	CHECK(pthread_create(&tg->t, NULL, target_main, tg) == 0);
	CHECK(wait_for(&tg->ready, 1));
}

static void target_stop(struct target *tg)
{
	int i;

	tg->stop = 1;
	/* SIGURG ends pause(); again, in case it came just before it. */
	for (i = 0; i < 2000; i++) {
		pthread_kill(tg->t, SIGURG);
		if (pthread_tryjoin_np(tg->t, NULL) == 0)
			return;
		sleep_ms(5);
	}
	CHECK(!"the target thread did not stop");
}

static void on_sigurg(int sig)
{
	(void)sig;
}

static int test_cross_thread(void)
{
	struct target tg;
	int i;

	signal(SIGURG, on_sigurg);
	reg(&mainupc, 9);
	target_start(&tg, 6, 0);
	for (i = 1; i <= 3; i++) {
		CHECK_EQ(upc_control(UPC_CONTROL_DISPATCH, tg.id, (void *)1),
			 0);
		/* Runs in the target, which was asleep in pause(). */
		CHECK(wait_for(&calls[6], i));
	}
	CHECK_EQ(call_tid[6], tg.tid);
	CHECK_EQ(calls[9], 0);
	CHECK_EQ(tg.upc.crit_count, 0);
	CHECK_EQ(tg.upc.pending, 0);
	target_stop(&tg);
	return 0;
}

static int test_critical_section(void)
{
	struct target tg;
	int id;

	/* This thread: deferred at once, delivered once at crit_exit(). */
	id = reg(&mainupc, 10);
	crit_enter();
	CHECK_EQ(upc_control(UPC_CONTROL_DISPATCH, id, (void *)1), 0);
	CHECK_EQ(upc_control(UPC_CONTROL_DISPATCH, id, (void *)1), 0);
	CHECK_EQ(calls[10], 0);
	CHECK_EQ(mainupc.pending, 1);
	CHECK_EQ(upc_control(UPC_CONTROL_POLL, id, NULL), 1);
	crit_exit();
	CHECK_EQ(calls[10], 1);
	CHECK_EQ(mainupc.pending, 0);
	CHECK_EQ(mainupc.crit_count, 0);
	crit_enter();
	crit_exit();
	CHECK_EQ(calls[10], 1);

	/* Another thread, busy inside its section in user space. */
	signal(SIGURG, on_sigurg);
	target_start(&tg, 11, 1);
	CHECK_EQ(upc_control(UPC_CONTROL_DISPATCH, tg.id, (void *)1), 0);
	/* Its kernel entry (task_work) saw the section and set pending. */
	CHECK(wait_for(&tg.upc.pending, 1));
	sleep_ms(50);
	CHECK_EQ(calls[11], 0);
	CHECK_EQ(upc_control(UPC_CONTROL_POLL, tg.id, NULL), 1);
	tg.crit = 2;				/* crit_exit() */
	CHECK(wait_for(&tg.left_crit, 1));
	CHECK(wait_for(&calls[11], 1));
	CHECK_EQ(call_tid[11], tg.tid);
	sleep_ms(50);
	CHECK_EQ(calls[11], 1);
	CHECK_EQ(upc_control(UPC_CONTROL_POLL, tg.id, NULL), 0);
	target_stop(&tg);
	return 0;
}

static int test_priority(void)
{
	int lo = reg(&mainupc, 12), hi = reg(&mainupc, 13);

	crit_enter();
	/* Not above crit_count: pending.  Above it: delivered inside. */
	CHECK_EQ(upc_control(UPC_CONTROL_DISPATCH, lo, (void *)UPC_CRITADD), 0);
	CHECK_EQ(calls[12], 0);
	CHECK_EQ(mainupc.pending, UPC_CRITADD);
	mainupc.pending = 0;	/* as if collected: let the next one test */
	CHECK_EQ(upc_control(UPC_CONTROL_DISPATCH, hi,
			     (void *)(UPC_CRITADD + 1)), 0);
	CHECK_EQ(calls[13], 1);
	CHECK_EQ(crit_seen, 2 * UPC_CRITADD);
	CHECK_EQ(calls[12], 0);
	/* The low one waits for the end of the section. */
	mainupc.pending = 1;
	crit_exit();
	CHECK_EQ(calls[12], 1);
	CHECK_EQ(mainupc.crit_count, 0);
	CHECK_EQ(mainupc.pending, 0);
	return 0;
}

static int test_next(void)
{
	int a = reg(&mainupc, 20), b = reg(&mainupc, 21), c = reg(&mainupc, 22);

	crit_enter();
	CHECK_EQ(upc_control(UPC_CONTROL_DISPATCH, a, (void *)1), 0);
	CHECK_EQ(upc_control(UPC_CONTROL_DISPATCH, b, (void *)3), 0);
	CHECK_EQ(upc_control(UPC_CONTROL_DISPATCH, c, (void *)2), 0);
	CHECK_EQ(norder, 0);
	crit_exit();
	/* One signal; the context function took the rest with NEXT. */
	CHECK_EQ(norder, 3);
	CHECK_EQ(order[0], 21);
	CHECK_EQ(order[1], 22);
	CHECK_EQ(order[2], 20);
	CHECK_EQ(mainupc.crit_count, 0);
	CHECK_EQ(mainupc.pending, 0);
	/* Nothing left: NEXT says 0. */
	struct upc_frame f;

	CHECK_EQ(upc_control(UPC_CONTROL_NEXT, -1, &f), 0);
	CHECK_ERR(upc_control(UPC_CONTROL_NEXT, -1, (void *)8), EFAULT);
	return 0;
}

static int test_poll(void)
{
	struct target tg;
	int a = reg(&mainupc, 30), b = reg(&mainupc, 31);

	CHECK_EQ(upc_control(UPC_CONTROL_POLL, -1, (void *)1), 0);
	CHECK_EQ(upc_control(UPC_CONTROL_POLL, -1, NULL), a);
	crit_enter();
	CHECK_EQ(upc_control(UPC_CONTROL_DISPATCH, b, (void *)4), 0);
	CHECK_EQ(upc_control(UPC_CONTROL_POLL, a, NULL), 0);
	CHECK_EQ(upc_control(UPC_CONTROL_POLL, b, NULL), 1);
	CHECK_EQ(upc_control(UPC_CONTROL_POLL, -1, (void *)4), b);
	CHECK_EQ(upc_control(UPC_CONTROL_POLL, -1, (void *)5), 0);
	/* Another thread's pending upcall is not ours for -1. */
	signal(SIGURG, on_sigurg);
	target_start(&tg, 32, 1);
	CHECK_EQ(upc_control(UPC_CONTROL_DISPATCH, tg.id, (void *)9), 0);
	CHECK(wait_for(&tg.upc.pending, 9));
	CHECK_EQ(upc_control(UPC_CONTROL_POLL, -1, (void *)5), 0);
	CHECK_EQ(upc_control(UPC_CONTROL_POLL, tg.id, NULL), 1);
	/* POLLANDCLEAR: it is no longer delivered. */
	CHECK_EQ(upc_control(UPC_CONTROL_POLLANDCLEAR, -1, (void *)1), b);
	CHECK_EQ(upc_control(UPC_CONTROL_POLL, b, NULL), 0);
	CHECK_EQ(upc_control(UPC_CONTROL_POLLANDCLEAR, tg.id, NULL), 1);
	crit_exit();
	CHECK_EQ(calls[31], 0);
	CHECK_EQ(mainupc.pending, 0);
	tg.crit = 2;
	CHECK(wait_for(&tg.left_crit, 1));
	sleep_ms(50);
	CHECK_EQ(calls[32], 0);
	CHECK_EQ(tg.upc.pending, 0);
	target_stop(&tg);
	return 0;
}

static int test_delete(void)
{
	struct target tg;
	int a = reg(&mainupc, 40), b = reg(&mainupc, 41);

	signal(SIGURG, on_sigurg);
	target_start(&tg, 42, 0);
	/* -1: only this thread's. */
	CHECK_EQ(upc_control(UPC_CONTROL_DELETE, -1, NULL), 0);
	CHECK_ERR(upc_control(UPC_CONTROL_POLL, a, NULL), ENOENT);
	CHECK_ERR(upc_control(UPC_CONTROL_POLL, b, NULL), ENOENT);
	CHECK_EQ(upc_control(UPC_CONTROL_POLL, tg.id, NULL), 0);
	/* By identifier: anybody's. */
	CHECK_EQ(upc_control(UPC_CONTROL_DELETE, tg.id, NULL), 0);
	CHECK_ERR(upc_control(UPC_CONTROL_DISPATCH, tg.id, (void *)1), ENOENT);
	/* A pending upcall deleted before the section ends never runs. */
	a = reg(&mainupc, 43);
	crit_enter();
	CHECK_EQ(upc_control(UPC_CONTROL_DISPATCH, a, (void *)1), 0);
	CHECK_EQ(upc_control(UPC_CONTROL_DELETE, a, NULL), 0);
	crit_exit();
	CHECK_EQ(calls[43], 0);
	CHECK_EQ(mainupc.pending, 0);
	target_stop(&tg);
	CHECK_EQ(calls[42], 0);
	return 0;
}

static int test_thread_exit(void)
{
	struct target tg;
	int i, id;

	signal(SIGURG, on_sigurg);
	target_start(&tg, 50, 1);
	id = tg.id;
	CHECK_EQ(upc_control(UPC_CONTROL_DISPATCH, id, (void *)1), 0);
	CHECK(wait_for(&tg.upc.pending, 1));
	/* It exits inside its section, the upcall pending. */
	target_stop(&tg);
	CHECK_EQ(calls[50], 0);
	CHECK_ERR(upc_control(UPC_CONTROL_POLL, id, NULL), ENOENT);
	CHECK_ERR(upc_control(UPC_CONTROL_DISPATCH, id, (void *)1), ENOENT);
	/* Its slot is free again: the whole limit is ours. */
	for (i = 0; i < UPCALL_MAXCOUNT; i++)
		reg(&mainupc, 51);
	CHECK_ERR(upc_register(&mainupc, upc_context, cfunc, NULL), EFBIG);
	return 0;
}

static int test_fork(void)
{
	int id = reg(&mainupc, 55), fd = upc_dev(), status, cid;
	struct upc_control_args a = { .cmd = UPC_CONTROL_POLL, .upcid = id };
	pid_t pid;

	pid = fork();
	CHECK(pid >= 0);
	if (!pid) {
		/* The parent's space is not the child's. */
		errno = 0;
		if (ioctl(fd, UPC_IOC_CONTROL, &a) != -1 || errno != EPERM)
			_exit(1);
		/* Its own /dev/upcall: an empty space. */
		if (upc_control(UPC_CONTROL_POLL, id, NULL) != -1 ||
		    errno != ENOENT)
			_exit(2);
		cid = reg(&mainupc, 56);
		if (upc_control(UPC_CONTROL_DISPATCH, cid, (void *)1))
			_exit(5);
		_exit(calls[56] == 1 ? 0 : 6);
	}
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 0);
	/* The parent's is untouched. */
	CHECK_EQ(upc_control(UPC_CONTROL_POLL, id, NULL), 0);
	CHECK_EQ(upc_control(UPC_CONTROL_DISPATCH, id, (void *)1), 0);
	CHECK_EQ(calls[55], 1);
	return 0;
}

/* ----------------------------------------------------------------------
 * syslet completions through an upcall.
 */
#define NCHAINS 200

static struct syslet_ring sring;
static volatile int reaped;
static unsigned char seen[NCHAINS];
static volatile int dup_or_bad;

static void on_completion(void *data)
{
	struct syslet_uatom *a;

	(void)data;
	while ((a = syslet_reap(&sring))) {
		long i = (long)a->private;

		if (i < 0 || i >= NCHAINS || seen[i])
			dup_or_bad = 1;
		else
			seen[i] = 1;
		reaped++;
	}
}

static int test_syslet(void)
{
	static struct syslet_uatom atoms[NCHAINS];
	static long rets[NCHAINS];
	struct syslet_upcall su;
	sigset_t block, old;
	int i, id, ret, fd;

	CHECK(syslet_setup(&sring, 256, -1UL) == 0);
	id = upc_register(&mainupc, upc_context, on_completion, NULL);
	CHECK(id > 0);
	su.upcid = id + 1;
	su.priority = 1;
	CHECK_ERR(ioctl(sring.fd, SYSLET_IOC_UPCALL, &su), ENOENT);
	su.upcid = id;
	su.priority = 0;
	CHECK_ERR(ioctl(sring.fd, SYSLET_IOC_UPCALL, &su), EINVAL);
	su.priority = 1;
	CHECK(ioctl(sring.fd, SYSLET_IOC_UPCALL, &su) == 0);

	/* The main loop sleeps; completions arrive as upcalls. */
	sigemptyset(&block);
	sigaddset(&block, UPC_SIGNAL);
	CHECK(sigprocmask(SIG_BLOCK, &block, &old) == 0);
	for (i = 0; i < NCHAINS; i++) {
		syslet_atom(&atoms[i], SYSLET_NR_NOP, SYSLET_ASYNC, &rets[i],
			    NULL, NULL);
		atoms[i].private = (void *)(long)i;
		rets[i] = -1;
		ret = syslet_exec(&sring, &atoms[i], NULL);
		CHECK_EQ(ret, 0);
	}
	alarm(20);
	while (reaped < NCHAINS)
		sigsuspend(&old);
	alarm(0);
	CHECK(sigprocmask(SIG_SETMASK, &old, NULL) == 0);
	CHECK_EQ(reaped, NCHAINS);
	CHECK_EQ(dup_or_bad, 0);
	for (i = 0; i < NCHAINS; i++) {
		CHECK_EQ(seen[i], 1);
		CHECK_EQ(rets[i], 0);
	}
	CHECK_EQ(mainupc.crit_count, 0);
	CHECK_EQ(mainupc.pending, 0);
	su.upcid = 0;				/* stop */
	CHECK(ioctl(sring.fd, SYSLET_IOC_UPCALL, &su) == 0);
	syslet_teardown(&sring);
	/* A context that is not registered. */
	fd = open("/dev/syslet", O_RDWR);
	CHECK(fd >= 0);
	su.upcid = id;
	CHECK_ERR(ioctl(fd, SYSLET_IOC_UPCALL, &su), EINVAL);
	close(fd);
	return 0;
}

/* ----------------------------------------------------------------------
 * Pinned structures: charged to RLIMIT_MEMLOCK, released with the record.
 */

static long page_kb(void)
{
	return sysconf(_SC_PAGESIZE) / 1024;
}

static int memlock_child(void)
{
	struct rlimit rl;
	long base;
	int id;

	CHECK(upc_dev() >= 0);		/* opened as root */
	base = vmlck_kb();
	CHECK(base >= 0);
	/* Room for what is locked now; one more page after raising it. */
	rl.rlim_cur = base * 1024;
	rl.rlim_max = (base + page_kb()) * 1024;
	CHECK(setrlimit(RLIMIT_MEMLOCK, &rl) == 0);
	/* Unprivileged: CAP_IPC_LOCK would bypass the limit. */
	CHECK(setgroups(0, NULL) == 0);
	CHECK(setresgid(65534, 65534, 65534) == 0);
	CHECK(setresuid(65534, 65534, 65534) == 0);

	CHECK_ERR(upc_register(&mainupc, upc_context, cfunc, (void *)60),
		  ENOMEM);
	CHECK_EQ(vmlck_kb(), base);
	rl.rlim_cur = rl.rlim_max;
	CHECK(setrlimit(RLIMIT_MEMLOCK, &rl) == 0);
	id = reg(&mainupc, 60);
	CHECK_EQ(vmlck_kb(), base + page_kb());
	/* Deleting the thread's last registration releases the page. */
	CHECK_EQ(upc_control(UPC_CONTROL_DELETE, id, NULL), 0);
	CHECK_EQ(vmlck_kb(), base);
	/* And so does deleting all of them with -1. */
	id = reg(&mainupc, 60);
	CHECK_EQ(vmlck_kb(), base + page_kb());
	CHECK_EQ(upc_control(UPC_CONTROL_DISPATCH, id, (void *)1), 0);
	CHECK_EQ(calls[60], 1);
	CHECK_EQ(upc_control(UPC_CONTROL_DELETE, -1, NULL), 0);
	CHECK_EQ(vmlck_kb(), base);
	return 0;
}

static int test_memlock_charged(void)
{
	int status;
	pid_t pid;

	/* It changes user to drop CAP_IPC_LOCK: root only. */
	if (geteuid())
		return SKIP;
	pid = fork();
	CHECK(pid >= 0);
	if (!pid)
		_exit(memlock_child());
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 0);
	return 0;
}

/*
 * The pins are charged to the user as well as to the mm (io_uring's
 * model): a process that registers, hands its descriptor to another
 * process and exits leaves its page pinned, where its mm's charge limits
 * nothing any more.  Processes of one user in turn, each with an
 * RLIMIT_MEMLOCK of two pages, each registering one page and passing its
 * descriptor on: the third is refused; once the descriptors are closed,
 * another is let in.
 */
#define PU_UID 61000

static int pu_child(int sock)
{
	static struct upcall u;
	struct rlimit rl;
	char data[CMSG_SPACE(sizeof(int))] = { 0 }, c = 'f';
	struct iovec iov = { &c, 1 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = data, .msg_controllen = sizeof(data),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	int fd = upc_dev();		/* opened as root */

	if (fd < 0)
		return 12;
	rl.rlim_cur = rl.rlim_max = 2 * sysconf(_SC_PAGESIZE);
	if (setrlimit(RLIMIT_MEMLOCK, &rl) || setgroups(0, NULL) ||
	    setresgid(PU_UID, PU_UID, PU_UID) ||
	    setresuid(PU_UID, PU_UID, PU_UID))
		return 13;
	if (upc_register(&u, upc_context, cfunc, (void *)64) < 0)
		return errno == ENOMEM ? 10 : 11;
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &mh, 0) == 1 ? 0 : 14;
}

/* Run pu_child(); its exit code; its descriptor in *@fd if it sent one. */
static int pu_run(int sv[2], int *fd)
{
	char data[CMSG_SPACE(sizeof(int))], c;
	struct iovec iov = { &c, 1 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = data, .msg_controllen = sizeof(data),
	};
	struct cmsghdr *cm;
	int st;
	pid_t pid = fork();

	CHECK(pid >= 0);
	if (!pid)
		_exit(pu_child(sv[1]));
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st));
	*fd = -1;
	if (WEXITSTATUS(st))
		return WEXITSTATUS(st);
	CHECK(recvmsg(sv[0], &mh, 0) == 1);
	cm = CMSG_FIRSTHDR(&mh);
	CHECK(cm && cm->cmsg_type == SCM_RIGHTS);
	memcpy(fd, CMSG_DATA(cm), sizeof(int));
	return 0;
}

static int test_memlock_per_user(void)
{
	int sv[2], fd[3], code;

	/* It changes user to drop CAP_IPC_LOCK: root only. */
	if (geteuid())
		return SKIP;
	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
	CHECK_EQ(pu_run(sv, &fd[0]), 0);
	CHECK_EQ(pu_run(sv, &fd[1]), 0);
	code = pu_run(sv, &fd[2]);
	if (code != 10) {
		fprintf(stderr, "a third page of one user beyond its RLIMIT_MEMLOCK of two: exit %d, expected ENOMEM (10)\n",
			code);
		return 1;
	}
	/* The descriptors hold the pins; closed, the user's charge goes. */
	close(fd[0]);
	close(fd[1]);
	CHECK_EQ(pu_run(sv, &fd[2]), 0);
	close(fd[2]);
	close(sv[0]);
	close(sv[1]);
	return 0;
}

#define NEXITERS 50

/* One page: a struct must not cross a page boundary. */
static struct upcall exiter_upc[NEXITERS] __attribute__((aligned(4096)));

struct exiter {
	int i, id, err;
	long vmlck;
};

static void *exiter_main(void *arg)
{
	struct exiter *x = arg;

	x->id = upc_register(&exiter_upc[x->i], upc_context, cfunc,
			     (void *)61);
	x->err = errno;
	x->vmlck = vmlck_kb();
	return NULL;
}

static int test_thread_exit_frees(void)
{
	struct exiter x;
	pthread_t t;
	long base;
	int i;

	CHECK(upc_dev() >= 0);
	base = vmlck_kb();
	CHECK(base >= 0);
	for (i = 0; i < NEXITERS; i++) {
		x.i = i;
		x.id = 0;
		CHECK(pthread_create(&t, NULL, exiter_main, &x) == 0);
		CHECK(pthread_join(t, NULL) == 0);
		if (x.id <= 0)
			fprintf(stderr, "thread %d: errno %d\n", i, x.err);
		CHECK(x.id > 0);
		/* Its own page only: its exited predecessors' went. */
		CHECK_EQ(x.vmlck, base + page_kb());
	}
	/* Any call into the space frees the last one's. */
	CHECK_EQ(upc_control(UPC_CONTROL_POLL, -1, NULL), 0);
	CHECK_EQ(vmlck_kb(), base);
	return 0;
}

/*
 * A thread registers with its struct in memory that outlives it (as a
 * stack glibc caches and gives to the next thread does), then exits.
 * The memory is someone else's by then: the next call into the space,
 * which forgets the thread, must not write to it.
 */
static struct upcall gone_upc;

static void *gone_main(void *arg)
{
	*(int *)arg = upc_register(&gone_upc, upc_context, cfunc, (void *)62);
	return NULL;
}

static int test_exit_no_write(void)
{
	pthread_t t;
	int id = 0;

	CHECK(pthread_create(&t, NULL, gone_main, &id) == 0);
	CHECK(pthread_join(t, NULL) == 0);
	CHECK(id > 0);
	/* Its new owner's data, which happens to look like a struct. */
	gone_upc.magic = UPCALL_MAGIC;
	gone_upc.pending = 7;
	CHECK_EQ(upc_control(UPC_CONTROL_POLL, -1, NULL), 0);
	CHECK_ERR(upc_control(UPC_CONTROL_DISPATCH, id, (void *)1), ENOENT);
	if (gone_upc.pending != 7) {
		fprintf(stderr, "the memory of a thread that exited was written: pending %d, expected 7\n",
			gone_upc.pending);
		return 1;
	}
	return 0;
}

/*
 * A process made with clone(CLONE_VM) registers, then execs another
 * program: its registration is gone with the address space, and a
 * dispatch to it neither interrupts the new program nor succeeds.
 */
static struct upcall exec_upc;
static volatile int exec_id;

/*
 * The child shares this thread's memory and TLS: it registers with the
 * raw ioctl, on its copy of the fd, leaving the library's state alone.
 */
static int exec_child(void *arg)
{
	struct upc_register_args a = {
		.upc = (uintptr_t)&exec_upc,
		.ctxfunc = (uintptr_t)upc_context,
		.func = (uintptr_t)cfunc,
		.data = 63,
	};
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = upc_sighandler;
	sa.sa_flags = SA_SIGINFO;
	if (sigaction(UPC_SIGNAL, &sa, NULL))
		_exit(1);
	exec_upc.magic = UPCALL_MAGIC;
	exec_id = ioctl(*(int *)arg, UPC_IOC_REGISTER, &a);
	if (exec_id <= 0)
		_exit(2);
	execl("/bin/sleep", "sleep", "3", (char *)NULL);
	_exit(3);
}

static int test_exec_gone(void)
{
	char *stack = mmap(NULL, 65536, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char path[64], buf[256];
	static int dev;		/* the child reads it: not reused below */
	pid_t pid;
	int st, i, fd, n, err;

	CHECK(stack != MAP_FAILED);
	dev = upc_dev();
	CHECK(dev >= 0);
	exec_id = 0;
	pid = clone(exec_child, stack + 65536, CLONE_VM | SIGCHLD, &dev);
	CHECK(pid > 0);
	/* Wait for the exec: its comm becomes "sleep". */
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	for (i = 0; i < 500; i++) {
		fd = open(path, O_RDONLY);
		n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
		if (fd >= 0)
			close(fd);
		if (n > 0 && !strncmp(buf, "sleep", 5))
			break;
		sleep_ms(10);
	}
	if (i == 500) {
		fprintf(stderr, "the child did not exec within 5 s (its registration: %d)\n",
			exec_id);
		return 1;
	}
	CHECK(exec_id > 0);
	n = upc_control(UPC_CONTROL_DISPATCH, exec_id, (void *)1);
	err = errno;
	CHECK(kill(pid, SIGKILL) == 0);
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFSIGNALED(st));
	if (n != -1 || err != ENOENT) {
		fprintf(stderr, "a dispatch to a process that exec'd gave %d (errno %d), expected ENOENT\n",
			n, err);
		return 1;
	}
	return 0;
}

static const struct test tests[] = {
	{ "register-errors", test_register_errors },
	{ "self-dispatch", test_self_dispatch },
	{ "limit", test_limit },
	{ "cross-thread", test_cross_thread },
	{ "critical-section", test_critical_section },
	{ "priority", test_priority },
	{ "next", test_next },
	{ "poll", test_poll },
	{ "delete", test_delete },
	{ "thread-exit", test_thread_exit },
	{ "fork", test_fork },
	{ "syslet", test_syslet },
	{ "memlock-charged", test_memlock_charged },
	{ "memlock-per-user", test_memlock_per_user },
	{ "thread-exit-frees", test_thread_exit_frees },
	{ "exit-no-write", test_exit_no_write },
	{ "exec-gone", test_exec_gone },
};

TEST_MAIN(tests, NULL)
