// SPDX-License-Identifier: GPL-2.0
/*
 * preempt_hold: a module for the test VM only, loaded at boot and never
 * unloaded.  It holds the scheduler's preempt-notifier static key on.
 *
 * syslet takes that key while it is loaded (its workers hand their chains
 * on when they block), so every insmod and rmmod of syslet would patch the
 * jumps in __schedule(), which both vCPUs run all the time.  The kernel
 * patches live code through an int3, and qemu's multi-threaded TCG now and
 * then runs a stale translation of that int3 after the patch is done: the
 * guest dies with "Oops: int3" (scripts/logcheck.py).  With the key held
 * from boot, syslet's reference only moves the key's count, and the tests
 * load and unload it without patching the scheduler.
 *
 * key=ADDR (the address of preempt_notifier_key in /proc/kallsyms) lets a
 * test still see syslet take and drop its reference: the parameter count
 * reads the key's count then (-ENOENT without key=).
 */
#include <linux/module.h>
#include <linux/preempt.h>
#include <linux/jump_label.h>
#include <linux/uaccess.h>

static unsigned long key;
module_param(key, ulong, 0400);
MODULE_PARM_DESC(key, "address of preempt_notifier_key, for count");

static int preempt_hold_count_get(char *buf, const struct kernel_param *kp)
{
	struct static_key *k = (struct static_key *)key;
	int n;

	if (!key)
		return -ENOENT;
	/* A wrong address is the caller's mistake: a fault, not an oops. */
	if (copy_from_kernel_nofault(&n, &k->enabled, sizeof(n)))
		return -EFAULT;
	return sysfs_emit(buf, "%d\n", n);
}

static const struct kernel_param_ops preempt_hold_count_ops = {
	.get = preempt_hold_count_get,
};
module_param_cb(count, &preempt_hold_count_ops, NULL, 0444);
MODULE_PARM_DESC(count, "the preempt-notifier key's count (with key=)");

/* No module_exit(): the module cannot be unloaded, the key stays held. */
static int __init preempt_hold_init(void)
{
#ifdef CONFIG_PREEMPT_NOTIFIERS
	preempt_notifier_inc();
	return 0;
#else
	return -EOPNOTSUPP;
#endif
}
module_init(preempt_hold_init);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Test VM: holds the preempt-notifier static key on");
