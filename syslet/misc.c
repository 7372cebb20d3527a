// SPDX-License-Identifier: GPL-2.0
/*
 * syslet: nop, umem_add and nanosleep.
 */
#include <linux/hrtimer.h>
#include <linux/sched.h>
#include <linux/time64.h>
#include <linux/uaccess.h>

#include "syslet.h"

/* SYSLET_NR_NOP: returns 0. */
long syslet_op_nop(const unsigned long *args, bool nowait)
{
	return 0;
}

/* SYSLET_NR_UMEM_ADD(long *ptr, long inc): *ptr += inc; returns *ptr. */
long syslet_op_umem_add(const unsigned long *args, bool nowait)
{
	long __user *ptr = (long __user *)args[0];
	long val;

	if (get_user(val, ptr))
		return -EFAULT;
	val += (long)args[1];
	if (put_user(val, ptr))
		return -EFAULT;
	return val;
}

/*
 * nanosleep(req, rem): interruptible; rem gets what is left on -EINTR.
 * Marked may_block in the op table: never called in the synchronous phase.
 */
long syslet_op_nanosleep(const unsigned long *args, bool nowait)
{
	struct __kernel_timespec __user *urem = (void __user *)args[1];
	struct timespec64 req, rem;
	ktime_t expires, left;
	int ret;

	if (get_timespec64(&req, (struct __kernel_timespec __user *)args[0]))
		return -EFAULT;
	if (!timespec64_valid(&req))
		return -EINVAL;

	expires = ktime_add_safe(ktime_get(), timespec64_to_ktime(req));
	set_current_state(TASK_INTERRUPTIBLE);
	ret = schedule_hrtimeout_range(&expires, current->timer_slack_ns,
				       HRTIMER_MODE_ABS);
	if (!ret)
		return 0;
	left = ktime_sub(expires, ktime_get());
	if (left < 0)
		left = 0;
	rem = ktime_to_timespec64(left);
	if (urem && put_timespec64(&rem, urem))
		return -EFAULT;
	return -EINTR;
}
