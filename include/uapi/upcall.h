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

/**
 * struct upcall - per-thread user structure, shared with the kernel
 * @magic: UPCALL_MAGIC (offset 0).  Checked at registration (EINVAL) and
 *	at each delivery: an upcall that finds another value is dropped.
 * @crit_count: the critical section count (offset 4).  An upcall of
 *	priority p is delivered only while @crit_count < p.  The kernel adds
 *	UPC_CRITADD when it delivers one; the context function subtracts it.
 * @pending: non-zero: upcalls are pending, and the thread is to collect
 *	them itself (offset 8).  While it is non-zero a dispatch delivers
 *	nothing.  The kernel raises it to the upcall's priority when it
 *	cannot deliver, and sets it at a delivery (to 1 if more upcalls of
 *	the thread are pending, else 0); the context function sets it to 1
 *	before it leaves; UPC_CONTROL_NEXT, and UPC_CONTROL_DISPATCH with -1
 *	and priority 0, clear it when nothing is pending.
 *
 * 12 bytes, in the thread's memory; the kernel pins its page while the
 * thread has registrations.  It must not cross a page boundary: the type
 * is 16-byte aligned (and so 16 bytes long) so that no variable of it,
 * static or on a stack, ever does.
 */
struct upcall {
	int magic;
	int crit_count;
	int pending;
} __attribute__((aligned(16)));

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

/**
 * struct upc_register_args - UPC_IOC_REGISTER argument: upc_register()'s
 * @upc: the calling thread's struct upcall
 * @ctxfunc: the context function, called by the signal handler
 * @func: the C function the context function calls
 * @data: its argument
 *
 * 32 bytes: upc_register()'s four arguments, as user addresses.  Read once.
 */
struct upc_register_args {
	__u64 upc;
	__u64 ctxfunc;
	__u64 func;
	__u64 data;
};

/**
 * struct upc_control_args - UPC_IOC_CONTROL argument: upc_control()'s
 * @cmd: UPC_CONTROL_*
 * @upcid: an identifier, or -1
 * @data: a priority, 0 to INT_MAX, for every command except
 *	UPC_CONTROL_NEXT, for which it is the address of a struct upc_frame
 *
 * 16 bytes; the kernel does not write to this structure.
 */
struct upc_control_args {
	__s32 cmd;
	__s32 upcid;
	__u64 data;
};

/**
 * struct upc_frame - what an upcall hands its context function
 * @ctxfunc: the registration's context function
 * @func: its C function
 * @data: its argument
 * @upcid: the identifier
 * @__pad: zero
 *
 * 32 bytes: the values given to UPC_IOC_REGISTER and the identifier.  It
 * is in the siginfo of a delivery, and UPC_CONTROL_NEXT fills one in with
 * the next pending upcall.
 */
struct upc_frame {
	__u64 ctxfunc;
	__u64 func;
	__u64 data;
	__s32 upcid;
	__s32 __pad;
};

/**
 * struct upc_siginfo - the siginfo of UPC_SIGNAL, laid over siginfo_t
 * @si_signo: UPC_SIGNAL
 * @si_errno: 0
 * @si_code: UPC_SI_CODE
 * @__pad: padding
 * @frame: the upcall, at offset 16, where the union of siginfo_t starts
 *
 * A handler installed with SA_SIGINFO casts its siginfo_t pointer.
 * si_code UPC_SI_CODE tells a delivery from a UPC_SIGNAL sent by kill()
 * or sigqueue(), whose codes are SI_USER or negative.
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
