/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * upcall: DragonFly BSD's upc_register(2)/upc_control(2) on a misc device,
 * /dev/upcall (part of syslet.ko).
 *
 *   DragonFly system call          here
 *   upc_register(upc, ctx, f, d)   ioctl(fd, UPC_IOC_REGISTER, &reg)
 *   upc_control(cmd, id, data)     ioctl(fd, UPC_IOC_CONTROL, &ctl)
 *
 * The identifier space is that of the address space (every thread and
 * process sharing one mm); a registration belongs to the thread that made
 * it, and each thread has one struct upcall, pinned by the kernel.  An
 * upcall is delivered to its thread as the signal UPC_SIGNAL, whose
 * siginfo is a struct upc_siginfo; the handler (tools/lib/upcall.h) calls
 * the context function with a struct upc_frame.
 *
 * 64-bit tasks only.  See Documentation/upcall.rst.
 */
#ifndef _UAPI_UPCALL_H
#define _UAPI_UPCALL_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* Per-thread user structure, shared with the kernel. */
struct upcall {
	int magic;		/* must be UPCALL_MAGIC */
	int crit_count;		/* critical section count */
	int pending;		/* additional upcalls are pending */
};

#define UPCALL_MAGIC		0x55504331	/* 'UPC1' */
#define UPC_CRITADD		32	/* added to crit_count per section */
#define UPCALL_MAXCOUNT		32	/* registrations per address space */
#define UPC_RESERVED		32	/* identifiers below this are not used */

/* upc_control() commands, DragonFly's values. */
#define UPC_CONTROL_DISPATCH		1
#define UPC_CONTROL_NEXT		2
#define UPC_CONTROL_DELETE		3
#define UPC_CONTROL_POLL		4
#define UPC_CONTROL_POLLANDCLEAR	5

/* The real-time signal reserved for upcalls (SIGRTMAX - 1). */
#define UPC_SIGNAL		63
/* Its si_code: an upcall from this module (not a user-sent signal). */
#define UPC_SI_CODE		0x5550

/* UPC_IOC_REGISTER argument: upc_register()'s. */
struct upc_register_args {
	__u64 upc;		/* struct upcall *: this thread's */
	__u64 ctxfunc;		/* context function */
	__u64 func;		/* C function */
	__u64 data;		/* its argument */
};

/* UPC_IOC_CONTROL argument: upc_control()'s. */
struct upc_control_args {
	__s32 cmd;		/* UPC_CONTROL_* */
	__s32 upcid;		/* identifier, or -1 */
	__u64 data;		/* priority, or struct upc_frame * for NEXT */
};

/*
 * What an upcall hands its context function: the registration's functions
 * and data.  UPC_CONTROL_NEXT fills one in with the next pending upcall.
 */
struct upc_frame {
	__u64 ctxfunc;
	__u64 func;
	__u64 data;
	__s32 upcid;
	__s32 __pad;
};

/*
 * The siginfo of UPC_SIGNAL (si_code UPC_SI_CODE), laid over siginfo_t:
 * the same struct upc_frame after si_signo, si_errno and si_code.
 */
struct upc_siginfo {
	__s32 si_signo;
	__s32 si_errno;
	__s32 si_code;
	__s32 __pad;
	struct upc_frame frame;
};

#define UPC_IOC_MAGIC		0xb9	/* shared with syslet, nr 0x10 up */
#define UPC_IOC_REGISTER	_IOW(UPC_IOC_MAGIC, 0x10, struct upc_register_args)
#define UPC_IOC_CONTROL		_IOWR(UPC_IOC_MAGIC, 0x11, struct upc_control_args)

#endif /* _UAPI_UPCALL_H */
