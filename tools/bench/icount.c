// SPDX-License-Identifier: GPL-2.0
/*
 * icount: a qemu TCG plugin that counts the guest instructions executed
 * between two marker instructions, for instructions per operation that do
 * not swing with the host's load as emulated time does.
 *
 * The markers are no-op instructions with a recognisable displacement,
 * executed by the benchmarks (msgport_bench.ko, syslet_bench):
 *
 *   nopl 0x4d500001(%rax)   begin: remember the count
 *   nopl 0x4d500002(%rax)   end: print "ICOUNT <k> <instructions>"
 *
 * where k numbers the ends from 0.  The count is of every instruction
 * every vCPU executed (kernel and user, the worker threads of the other
 * CPU included), added per translation block when the block starts.  Run
 * qemu with -accel tcg,thread=single so that the vCPUs do not race on the
 * counter.
 *
 * Built against the qemu-plugin.h of Debian's qemu source (scripts/deps.sh
 * unpacks it), loaded with
 *   -plugin build/icount.so,out=FILE
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qemu-plugin.h>

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

#define MARK_BEGIN	0x4d500001u
#define MARK_END	0x4d500002u

static uint64_t insns;		/* every vCPU's, added inline */
static uint64_t begun;
static unsigned long ends;
static FILE *out;

static void on_begin(unsigned int vcpu, void *udata)
{
	begun = insns;
}

static void on_end(unsigned int vcpu, void *udata)
{
	fprintf(out, "ICOUNT %lu %" PRIu64 "\n", ends++, insns - begun);
	fflush(out);
}

/* 0f 1f 80 <disp32>: nopl disp32(%rax), with or without a REX prefix. */
static uint32_t marker(struct qemu_plugin_insn *insn)
{
	const uint8_t *p = qemu_plugin_insn_data(insn);
	size_t n = qemu_plugin_insn_size(insn);
	uint32_t disp;

	if (n != 7 || p[0] != 0x0f || p[1] != 0x1f || p[2] != 0x80)
		return 0;
	memcpy(&disp, p + 3, sizeof(disp));
	return disp;
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t i, n = qemu_plugin_tb_n_insns(tb);

	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64,
						 &insns, n);
	for (i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		uint32_t m = marker(insn);

		if (m == MARK_BEGIN)
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_begin,
							       QEMU_PLUGIN_CB_NO_REGS,
							       NULL);
		else if (m == MARK_END)
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_end,
							       QEMU_PLUGIN_CB_NO_REGS,
							       NULL);
	}
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id,
					   const qemu_info_t *info,
					   int argc, char **argv)
{
	const char *path = NULL;
	int i;

	for (i = 0; i < argc; i++)
		if (!strncmp(argv[i], "out=", 4))
			path = argv[i] + 4;
	out = path ? fopen(path, "w") : stderr;
	if (!out)
		return -1;
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	return 0;
}
