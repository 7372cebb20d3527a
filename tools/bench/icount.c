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
 * With profile=FILE it also counts the instructions of each translation
 * block between the markers and, at every end marker, writes
 *
 *   PROFILE <k>
 *   <block address> <instructions>...
 *
 * for the blocks that ran in that section: where the instructions of an
 * operation go (scripts/bench-profile.py names the functions).
 *
 * Built against the qemu-plugin.h of Debian's qemu source (scripts/deps.sh
 * unpacks it), loaded with
 *   -plugin build/icount.so,out=FILE[,profile=FILE]
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

/* profile=: instructions per block address, open addressing. */
#define PROF_SIZE	(1u << 20)
struct block {
	uint64_t vaddr;
	uint64_t insns;
};
static struct block *prof;
static unsigned int nprof;
static FILE *prof_out;

static struct block *prof_block(uint64_t vaddr)
{
	unsigned int i = (unsigned int)((vaddr * 0x9e3779b97f4a7c15ull) >> 44);

	for (;; i = (i + 1) & (PROF_SIZE - 1)) {
		if (prof[i].vaddr == vaddr)
			return &prof[i];
		if (!prof[i].vaddr)
			break;
	}
	if (nprof >= PROF_SIZE / 2)
		return NULL;	/* full enough: the rest goes uncounted */
	nprof++;
	prof[i].vaddr = vaddr;
	return &prof[i];
}

static void prof_reset(void)
{
	unsigned int i;

	for (i = 0; i < PROF_SIZE; i++)
		prof[i].insns = 0;
}

static void on_begin(unsigned int vcpu, void *udata)
{
	begun = insns;
	if (prof)
		prof_reset();
}

static void on_end(unsigned int vcpu, void *udata)
{
	unsigned int i;

	if (prof) {
		fprintf(prof_out, "PROFILE %lu\n", ends);
		for (i = 0; i < PROF_SIZE; i++)
			if (prof[i].insns)
				fprintf(prof_out, "%" PRIx64 " %" PRIu64 "\n",
					prof[i].vaddr, prof[i].insns);
		fflush(prof_out);
	}
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
	if (prof) {
		struct block *b = prof_block(qemu_plugin_tb_vaddr(tb));

		if (b)
			qemu_plugin_register_vcpu_tb_exec_inline(tb,
					QEMU_PLUGIN_INLINE_ADD_U64, &b->insns, n);
	}
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
	const char *path = NULL, *ppath = NULL;
	int i;

	for (i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "out=", 4))
			path = argv[i] + 4;
		else if (!strncmp(argv[i], "profile=", 8))
			ppath = argv[i] + 8;
	}
	out = path ? fopen(path, "w") : stderr;
	if (!out)
		return -1;
	if (ppath) {
		prof = calloc(PROF_SIZE, sizeof(*prof));
		prof_out = fopen(ppath, "w");
		if (!prof || !prof_out)
			return -1;
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	return 0;
}
