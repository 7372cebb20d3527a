// SPDX-License-Identifier: GPL-2.0
/*
 * syslet: the completion ring.
 *
 * The ring is an array of atom pointers in user memory, pinned and mapped
 * into the kernel.  The kernel stores a final atom's address into slot
 * tail % nr only while that slot is NULL; user space reads a non-NULL
 * slot, then stores NULL back.  Nothing is overwritten or dropped:
 *
 *  - admission: a chain that may go asynchronous reserves a slot before
 *    it starts (syslet_ring_reserve()); reservations plus posted-but-not-
 *    yet-emptied slots never exceed nr, so SYSLET_IOC_EXEC fails with
 *    -EBUSY instead of accepting work that could overrun the ring;
 *  - tampering: if user space left a slot non-NULL out of turn, the
 *    completion waits in a kernel backlog (at most nr entries, bounded by
 *    the reservations) and is posted once the slot is emptied.
 *
 * Ordering: the worker's stores to the atom's ret_ptr (through the user
 * mapping) precede the release store of the slot; user space must read
 * the slot with acquire semantics (or a read barrier) before reading the
 * results, and finish with them before storing NULL.  The kernel reads a
 * slot with READ_ONCE() to see it emptied.
 */
#include <linux/errno.h>
#include <linux/compiler.h>

#include "syslet.h"

/* Advance @reap over slots user space has emptied. */
static void syslet_ring_reap(struct syslet_ring *ring)
{
	while (ring->reap != ring->tail &&
	       !READ_ONCE(ring->slots[ring->reap % ring->nr]))
		ring->reap++;
}

/**
 * syslet_ring_reserve() - admit a chain that may post a completion
 * @ring: the ring
 *
 * Context: the ring lock held.
 * Return: 0, or -EBUSY if every slot is taken by reservations or
 * completions user space has not emptied.
 */
int syslet_ring_reserve(struct syslet_ring *ring)
{
	syslet_ring_flush(ring);
	if (ring->reserved + (ring->tail - ring->reap) >= ring->nr)
		return -EBUSY;
	ring->reserved++;
	return 0;
}

/**
 * syslet_ring_unreserve() - a reserved chain ends without posting
 * @ring: the ring
 *
 * Context: the ring lock held.
 */
void syslet_ring_unreserve(struct syslet_ring *ring)
{
	if (!WARN_ON_ONCE(ring->reserved <= ring->nbacklog))
		ring->reserved--;
}

/**
 * syslet_ring_flush() - post backlogged completions whose slot is free
 * @ring: the ring
 *
 * Context: the ring lock held.
 */
void syslet_ring_flush(struct syslet_ring *ring)
{
	u64 *slot;

	syslet_ring_reap(ring);
	while (ring->nbacklog) {
		slot = &ring->slots[ring->tail % ring->nr];
		if (READ_ONCE(*slot))
			break;
		/* Pairs with user space's acquire load of the slot. */
		smp_store_release(slot, ring->backlog[ring->bhead]);
		ring->bhead = (ring->bhead + 1) % ring->nr;
		ring->nbacklog--;
		ring->reserved--;
		ring->tail++;
	}
}

/**
 * syslet_ring_post() - post a reserved chain's final atom
 * @ring: the ring
 * @atom: the final atom's user address
 *
 * Posts into the next slot if user space has emptied it, else queues the
 * completion behind earlier ones in the backlog, in order.
 *
 * Context: the ring lock held.
 */
void syslet_ring_post(struct syslet_ring *ring, u64 atom)
{
	if (WARN_ON_ONCE(ring->nbacklog >= ring->reserved))
		return;
	ring->backlog[(ring->bhead + ring->nbacklog) % ring->nr] = atom;
	ring->nbacklog++;
	syslet_ring_flush(ring);
}

/**
 * syslet_ring_count() - completions waiting in the ring for user space
 * @ring: the ring
 *
 * Context: the ring lock held.
 * Return: slots posted and not yet emptied (in ring order).
 */
unsigned long syslet_ring_count(struct syslet_ring *ring)
{
	syslet_ring_flush(ring);
	return ring->tail - ring->reap;
}
