/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space side of upcalls (/dev/upcall): upc_register() and
 * upc_control() with upc_register(2)'s signatures, the default context
 * function, and crit_enter()/crit_exit().
 *
 * The kernel delivers an upcall as the signal UPC_SIGNAL.  The handler
 * installed here passes the siginfo's struct upc_frame to the
 * registration's context function, as DragonFly's kernel passes the C
 * function and data to it; the signal frame already holds the
 * interrupted context, so the context function is plain C.
 */
#ifndef _UPCALL_USER_H
#define _UPCALL_USER_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "../../include/uapi/upcall.h"

typedef void (*upcall_func_t)(void *);

static int upc_fd = -1;
static pid_t upc_fd_pid;
/* This thread's struct upcall (the latest it registered). */
static __thread struct upcall *upc_self;

/* The process's /dev/upcall fd, opened again in a forked child. */
static inline int upc_dev(void)
{
	if (upc_fd < 0 || upc_fd_pid != getpid()) {
		/* A forked child: the inherited fd is the parent's space. */
		if (upc_fd >= 0)
			close(upc_fd);
		upc_fd = open("/dev/upcall", O_RDWR | O_CLOEXEC);
		upc_fd_pid = getpid();
	}
	return upc_fd;
}

/* upc_control(2): the command's result, or -1 with errno set. */
static inline int upc_control(int cmd, int upcid, void *data)
{
	struct upc_control_args a = {
		.cmd = cmd,
		.upcid = upcid,
		.data = (uint64_t)(uintptr_t)data,
	};
	int fd = upc_dev();

	if (fd < 0)
		return -1;
	return ioctl(fd, UPC_IOC_CONTROL, &a);
}

/* UPC_SIGNAL: hand the frame to the context function. */
static void upc_sighandler(int sig, siginfo_t *si, void *uc)
{
	struct upc_siginfo *ui = (struct upc_siginfo *)si;
	struct upc_frame frame = ui->frame;
	int saved = errno;

	(void)sig;
	(void)uc;
	if (ui->si_code == UPC_SI_CODE)
		((upcall_func_t)(uintptr_t)frame.ctxfunc)(&frame);
	errno = saved;
}

/*
 * The default context function: run the C function, then the man page's
 * interlock: set pending (no upcall may come in now), leave the critical
 * section the kernel entered for us, and ask for the next pending upcall;
 * 0 means none, and pending has been cleared.
 */
static inline void upc_context(void *arg)
{
	struct upc_frame *f = arg;
	volatile struct upcall *upc = upc_self;

	do {
		((upcall_func_t)(uintptr_t)f->func)((void *)(uintptr_t)f->data);
		upc->pending = 1;
		upc->crit_count -= UPC_CRITADD;
	} while (upc_control(UPC_CONTROL_NEXT, -1, f) > 0);
}

/*
 * upc_register(2): a positive identifier, or -1 with errno set.  @upc is
 * this thread's structure (magic set by the caller or here when zero).
 */
static inline int upc_register(struct upcall *upc, upcall_func_t ctxfunc,
			       upcall_func_t cfunc, void *data)
{
	struct upc_register_args a = {
		.upc = (uint64_t)(uintptr_t)upc,
		.ctxfunc = (uint64_t)(uintptr_t)ctxfunc,
		.func = (uint64_t)(uintptr_t)cfunc,
		.data = (uint64_t)(uintptr_t)data,
	};
	struct sigaction sa;
	int fd = upc_dev();
	int id;

	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = upc_sighandler;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(UPC_SIGNAL, &sa, NULL))
		return -1;
	if (!upc->magic)
		upc->magic = UPCALL_MAGIC;
	id = ioctl(fd, UPC_IOC_REGISTER, &a);
	if (id > 0)
		upc_self = upc;
	return id;
}

/* Enter a critical section: no upcall is delivered until crit_exit(). */
static inline void crit_enter(void)
{
	volatile struct upcall *upc = upc_self;

	upc->crit_count += UPC_CRITADD;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
}

/* Leave it; at count 0, collect what was made pending meanwhile. */
static inline void crit_exit(void)
{
	volatile struct upcall *upc = upc_self;

	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	upc->crit_count -= UPC_CRITADD;
	if (upc->crit_count == 0 && upc->pending)
		upc_control(UPC_CONTROL_DISPATCH, -1, NULL);
}

#endif /* _UPCALL_USER_H */
