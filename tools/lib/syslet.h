/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small user-space helpers for /dev/syslet (the role liburing plays for
 * io_uring): open and register, build atoms, submit, wait, reap.
 */
#ifndef _SYSLET_USER_H
#define _SYSLET_USER_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
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

#endif /* _SYSLET_USER_H */
