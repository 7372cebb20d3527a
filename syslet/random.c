// SPDX-License-Identifier: GPL-2.0
/*
 * syslet: getrandom, as drivers/char/random.c's system call: the same
 * flag checks, the same wait for the CRNG (or -EAGAIN with
 * GRND_NONBLOCK), bytes from the same CRNG (get_random_bytes()) copied
 * out a ChaCha block at a time, a partial count on a fault after the
 * first byte, and a stop at a page boundary on a signal.  No LSM hook or
 * permission check applies to it.
 *
 * In the synchronous phase, a call that would wait for the CRNG hands
 * the chain over.
 */
#include <linux/fs.h>
#include <linux/minmax.h>
#include <linux/random.h>
#include <linux/sched/signal.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "syslet.h"

#define SYSLET_RANDOM_BLOCK	64	/* CHACHA_BLOCK_SIZE */

/* getrandom(buf, len, flags) */
long syslet_op_getrandom(const unsigned long *args, bool nowait)
{
	char __user *ubuf = (char __user *)args[0];
	unsigned int flags = args[2];
	u8 block[SYSLET_RANDOM_BLOCK];
	size_t len = args[1], ret = 0, n, left;
	int err;

	if (flags & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE))
		return -EINVAL;
	if ((flags & (GRND_INSECURE | GRND_RANDOM)) ==
	    (GRND_INSECURE | GRND_RANDOM))
		return -EINVAL;
	if (!rng_is_initialized() && !(flags & GRND_INSECURE)) {
		if (flags & GRND_NONBLOCK)
			return -EAGAIN;
		if (nowait)
			return SYSLET_EWOULDBLOCK;
		err = wait_for_random_bytes();
		if (unlikely(err))
			return err;
	}

	/* import_ubuf() */
	len = min_t(size_t, len, MAX_RW_COUNT);
	if (!access_ok(ubuf, len))
		return -EFAULT;
	if (!len)
		return 0;
	for (;;) {
		n = min_t(size_t, len - ret, sizeof(block));
		get_random_bytes(block, n);
		left = copy_to_user(ubuf + ret, block, n);
		ret += n - left;
		if (ret == len || left)
			break;
		if (ret % PAGE_SIZE == 0) {
			if (signal_pending(current))
				break;
			cond_resched();
		}
	}
	memzero_explicit(block, sizeof(block));
	return ret ? ret : -EFAULT;
}
