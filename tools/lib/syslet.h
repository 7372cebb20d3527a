/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small user-space helpers for /dev/syslet (the role liburing plays for
 * io_uring): open and register, build atoms, submit, wait, reap; submit
 * with genuine calls, and the server threads that make them for the
 * asynchronous phase (link with -pthread).
 */
#ifndef _SYSLET_USER_H
#define _SYSLET_USER_H

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../../include/uapi/syslet.h"

struct syslet_ring {
	int fd;
	struct syslet_uatom **slots;
	unsigned long nr;
	unsigned long head;	/* next slot to reap */
};

/* Open /dev/syslet and register a ring of @nr slots; 0 or -errno. */
static inline int syslet_setup(struct syslet_ring *r, unsigned long nr,
			       unsigned long max_threads)
{
	struct async_head_user ahu;

	memset(r, 0, sizeof(*r));
	r->fd = open("/dev/syslet", O_RDWR | O_CLOEXEC);
	if (r->fd < 0)
		return -errno;
	r->slots = calloc(nr, sizeof(*r->slots));
	if (!r->slots) {
		close(r->fd);
		return -ENOMEM;
	}
	r->nr = nr;
	ahu.completion_ring = r->slots;
	ahu.ring_size_bytes = nr * sizeof(*r->slots);
	ahu.max_nr_threads = max_threads;
	if (ioctl(r->fd, SYSLET_IOC_REGISTER, &ahu)) {
		int err = -errno;

		close(r->fd);
		free(r->slots);
		return err;
	}
	return 0;
}

static inline void syslet_teardown(struct syslet_ring *r)
{
	close(r->fd);
	free(r->slots);
}

/*
 * Fill @a: system call @nr, @flags, result to @ret (may be NULL), then
 * @next, then up to six argument pointers, NULL-terminated.
 */
static inline void syslet_atom(struct syslet_uatom *a, unsigned long nr,
			       unsigned long flags, long *ret,
			       struct syslet_uatom *next, ...)
{
	va_list ap;
	int i;

	memset(a, 0, sizeof(*a));
	a->nr = nr;
	a->flags = flags;
	a->ret_ptr = ret;
	a->next = next;
	va_start(ap, next);
	for (i = 0; i < 6; i++) {
		a->arg_ptr[i] = va_arg(ap, unsigned long *);
		if (!a->arg_ptr[i])
			break;
	}
	va_end(ap);
}

/*
 * Run a chain: 1 if it finished synchronously (*done = its final atom),
 * 0 if it went asynchronous, -errno on error.
 */
static inline int syslet_exec(struct syslet_ring *r, struct syslet_uatom *a,
			      struct syslet_uatom **done)
{
	struct syslet_exec ex = { .atom = (unsigned long)a };
	int ret = ioctl(r->fd, SYSLET_IOC_EXEC, &ex);

	if (ret < 0)
		return -errno;
	if (ret == 1 && done)
		*done = (struct syslet_uatom *)(unsigned long)ex.done;
	return ret;
}

/* Block until @min completions wait in the ring; their number or -errno. */
static inline long syslet_wait(struct syslet_ring *r, unsigned long min)
{
	long ret = ioctl(r->fd, SYSLET_IOC_WAIT, min);

	return ret < 0 ? -errno : ret;
}

/*
 * Take the next completion, or NULL: acquire-load the slot (pairs with
 * the kernel's release store), then store NULL back when done with it.
 */
static inline struct syslet_uatom *syslet_reap(struct syslet_ring *r)
{
	struct syslet_uatom **slot = &r->slots[r->head % r->nr];
	struct syslet_uatom *a = __atomic_load_n(slot, __ATOMIC_ACQUIRE);

	if (!a)
		return NULL;
	__atomic_store_n(slot, NULL, __ATOMIC_RELEASE);
	r->head++;
	return a;
}

/* Make system call @nr(@args): its raw result (-errno on failure). */
static inline long syslet_raw_call(unsigned long nr, const __u64 *args)
{
	long ret = syscall(nr, args[0], args[1], args[2], args[3], args[4],
			   args[5]);

	/* syscall() turns a raw -4095..-1 into -1 and errno. */
	return ret == -1 ? -errno : ret;
}

/*
 * Makes a genuine call for syslet_submit_call() or a server: its result,
 * -errno on failure.  syslet_raw_call() makes it as it is; a program may
 * refuse some calls, log them, or change the signal mask around them.
 */
typedef long (*syslet_call_fn)(unsigned long nr, const __u64 *args);

/*
 * Run a chain whose atoms may be any system call, as syslet_exec() does
 * (1: finished, *done = final atom; 0: went asynchronous; -errno), making
 * the genuine calls of the synchronous phase in this thread.  The
 * asynchronous phase's are made by server threads (syslet_servers_start());
 * without any, they return -ENOSYS.  An error on a resume (-EBUSY: the
 * ring filled meanwhile) is returned with the call made and its result
 * lost.
 */
static inline int syslet_submit_call(struct syslet_ring *r,
				     struct syslet_uatom *a,
				     struct syslet_uatom **done,
				     syslet_call_fn call)
{
	struct syslet_exec_call ec;
	int ret;

	memset(&ec, 0, sizeof(ec));
	ec.atom = (unsigned long)a;
	for (;;) {
		ret = ioctl(r->fd, SYSLET_IOC_EXEC_CALL, &ec);
		if (ret < 0)
			return -errno;
		if (ret != SYSLET_EXEC_NEED_CALL)
			break;
		ec.ret = call(ec.nr, ec.args);
		ec.flags = SYSLET_EXEC_RESUME;
	}
	if (ret == 1 && done)
		*done = (struct syslet_uatom *)(unsigned long)ec.done;
	return ret;
}

/* syslet_submit_call() with each call made as it is. */
static inline int syslet_submit(struct syslet_ring *r, struct syslet_uatom *a,
				struct syslet_uatom **done)
{
	return syslet_submit_call(r, a, done, syslet_raw_call);
}

/* Is system call @nr run natively (in the kernel)?  -errno on error. */
static inline int syslet_native(struct syslet_ring *r, unsigned long nr)
{
	struct syslet_probe p;

	if (ioctl(r->fd, SYSLET_IOC_PROBE, &p))
		return -errno;
	if (nr >= SYSLET_NR_BASE)
		return !!(p.module_ops & (1ULL << ((nr - SYSLET_NR_BASE) % 64)));
	return nr < SYSLET_PROBE_NR && (p.native[nr / 64] >> (nr % 64)) & 1;
}

/* Server threads of one ring: see syslet_servers_start(). */
struct syslet_servers {
	int fd;
	int n;
	int ready;		/* threads registered (or failed): atomic */
	int err;		/* the first registration error, -errno */
	pthread_t *threads;
	syslet_call_fn call;	/* makes each call */
};

/*
 * A server: register, then make the calls it is given until the context
 * says to stop (SYSLET_SERVE_QUIT, unregistration: ESHUTDOWN; or any
 * other error).  A signal (EINTR) just retries: the result already went.
 */
static inline void *syslet_server_main(void *arg)
{
	struct syslet_servers *s = arg;
	struct syslet_serve sv;

	memset(&sv, 0, sizeof(sv));
	sv.flags = SYSLET_SERVE_REGISTER;
	if (ioctl(s->fd, SYSLET_IOC_SERVE, &sv)) {
		int err = -errno;

		__atomic_compare_exchange_n(&s->err, &(int){ 0 }, err, 0,
					    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
		__atomic_add_fetch(&s->ready, 1, __ATOMIC_RELEASE);
		return NULL;
	}
	__atomic_add_fetch(&s->ready, 1, __ATOMIC_RELEASE);
	sv.flags = 0;
	for (;;) {
		if (ioctl(s->fd, SYSLET_IOC_SERVE, &sv)) {
			if (errno == EINTR)
				continue;
			break;
		}
		sv.ret = s->call(sv.nr, sv.args);
	}
	return NULL;
}

/*
 * Stop the servers: SYSLET_SERVE_QUIT (every server of the context: one
 * group per ring), then join them.  A server making a call ends after
 * it.  Calls still queued, and later ones, return -ENOSYS.
 */
static inline void syslet_servers_stop(struct syslet_servers *s)
{
	struct syslet_serve sv;
	int i;

	memset(&sv, 0, sizeof(sv));
	sv.flags = SYSLET_SERVE_QUIT;
	ioctl(s->fd, SYSLET_IOC_SERVE, &sv);	/* fails once unregistered */
	for (i = 0; i < s->n; i++)
		pthread_join(s->threads[i], NULL);
	free(s->threads);
	s->threads = NULL;
	s->n = 0;
}

/*
 * Start @n server threads for @r's asynchronous genuine calls, made by
 * @call; returns once each is registered.  They run with every signal
 * blocked (the process's other threads take its signals), as the calls
 * they make do unless @call unblocks some.  0 or -errno (then none is
 * left running).
 */
static inline int syslet_servers_start_call(struct syslet_servers *s,
					    struct syslet_ring *r, int n,
					    syslet_call_fn call)
{
	sigset_t all, old;
	int i, err = 0;

	memset(s, 0, sizeof(*s));
	s->fd = r->fd;
	s->call = call;
	s->threads = calloc(n, sizeof(*s->threads));
	if (!s->threads)
		return -ENOMEM;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (i = 0; i < n; i++) {
		err = -pthread_create(&s->threads[i], NULL,
				      syslet_server_main, s);
		if (err)
			break;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	s->n = i;
	while (__atomic_load_n(&s->ready, __ATOMIC_ACQUIRE) < s->n)
		sched_yield();
	if (!err)
		err = s->err;
	if (err)
		syslet_servers_stop(s);
	return err;
}

/* syslet_servers_start_call() with each call made as it is. */
static inline int syslet_servers_start(struct syslet_servers *s,
				       struct syslet_ring *r, int n)
{
	return syslet_servers_start_call(s, r, n, syslet_raw_call);
}

#endif /* _SYSLET_USER_H */
