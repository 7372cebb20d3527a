#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Fail on kernel reports in a console log or dmesg.

Reports: BUG: (so BUG: KASAN too), WARNING:, Oops, lockdep and RCU
splats, KASAN/UBSAN, kmemleak (leaks, misuse warnings, kmemleak turning
itself off), hung tasks, panics.  A test that provokes a warning on purpose
first logs "expect WARNING: <text>"; a WARNING whose message (printed just
before it) contains an announced text is excused, once per announcement.

Usage: logcheck.py LOG [LABEL]   exit 0 if clean, 1 if not.
       logcheck.py --emulator-fault LOG
                                 exit 0 if the log's first report is one
                                 that only the emulator makes (below), 1 if
                                 not.

The race: the kernel patches live code (a static key, a static call) by
writing an int3 over the instruction's first byte, then the rest, then
the new first byte, with every CPU serialised between the steps, and
its int3 handler covers a trap while the patch is in progress.  On real
CPUs no trap on that int3 can come after the last step; under qemu's
multi-threaded TCG one now and then does (a vCPU still runs a block it
translated while the int3 was there), and the kernel dies with "Oops:
int3".  It shows in the Oops's Code line: the byte before <RIP> is no
longer 0xcc, the int3 that trapped was already gone.  An int3 still in
place (a stray breakpoint, corrupt text) is a real failure.

The other: a report whose saved RFLAGS has a bit set that every x86-64
CPU keeps clear (3, 5, 15, 22 and up) or clears the one it keeps set
(1).  No kernel code can put such a value there; qemu's TCG once did,
in a double fault in the middle of the slab allocator's cmpxchg16b on a
vCPU coming online (EFLAGS 01a6c242).
"""
import re
import sys

REPORT = re.compile(
    # "Oops:" with its colon, and die()'s counter ("...: 0000 [#1]", also
    # 6.1's "invalid opcode" without the "Oops: "): a bare "Oops" turns
    # up in the base64 a bench boot prints now and then.
    r'BUG:|WARNING:|Oops:|: [0-9a-f]{4} \[#\d+\]'
    r'|general protection fault|Kernel panic'
    r'|possible (recursive|circular) locking|inconsistent lock state'
    r'|suspicious RCU usage|KASAN:|UBSAN:|unreferenced object'
    # kmemleak: its own console line for leaks, its misuse warnings, and
    # turning itself off (the rest of the run would be unchecked).
    r'|new suspected memory leak|kmemleak: .*unknown object'
    r'|memory leak detector disabled|Kmemleak disabled'
    r'|blocked for more than|INFO: lockdep|lockdep_assert'
    r'|list_(add|del) corruption')
EXPECT = re.compile(r'expect WARNING: (.+?)\s*$')


def patch_race(lines):
    """Is the first kernel report an int3 trap whose int3 is gone?"""
    for i, line in enumerate(lines):
        if not REPORT.search(line):
            continue
        if 'Oops: int3' not in line:
            return False
        for later in lines[i + 1:i + 16]:
            m = re.search(r'Code: (.*)$', later)
            if not m:
                continue
            code = m.group(1).split()
            at = next((k for k, b in enumerate(code) if b.startswith('<')),
                      None)
            return at is not None and at > 0 and code[at - 1] != 'cc'
        return False
    return False


# RFLAGS bits that every x86-64 CPU keeps clear, and the one it keeps set.
EFLAGS_ZERO = (1 << 3) | (1 << 5) | (1 << 15) | ~((1 << 22) - 1)
EFLAGS_ONE = 1 << 1


def impossible_eflags(lines):
    """Does the first kernel report show an RFLAGS no CPU can hold?"""
    for i, line in enumerate(lines):
        if not REPORT.search(line):
            continue
        for later in lines[i + 1:i + 16]:
            m = re.search(r'EFLAGS: ([0-9a-f]+)', later)
            if m:
                v = int(m.group(1), 16)
                return bool(v & EFLAGS_ZERO) or not v & EFLAGS_ONE
        return False
    return False


def emulator_fault(lines):
    """Is the first kernel report one that only the emulator makes?"""
    return patch_race(lines) or impossible_eflags(lines)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == '--emulator-fault':
        with open(sys.argv[2], errors='replace') as f:
            return 0 if emulator_fault([l.rstrip('\n') for l in f]) else 1
    path = sys.argv[1]
    label = sys.argv[2] if len(sys.argv) > 2 else path
    try:
        with open(path, errors='replace') as f:
            lines = [l.rstrip('\n') for l in f]
    except OSError as e:
        print(f'{label}: no kernel log to check: {e}')
        return 1
    bad, excused = reports(lines)
    for b in bad[:20]:
        print(f'{label}: kernel report: {b}')
    if excused:
        print(f'{label}: {excused} announced warning(s) from misuse tests')
    return 1 if bad else 0


def reports(lines):
    """The report lines of a log, and how many warnings were excused."""
    expected = []
    excused = 0
    bad = []
    for i, line in enumerate(lines):
        m = EXPECT.search(line)
        if m:
            expected.append(m.group(1))
            continue
        if not REPORT.search(line):
            continue
        if 'WARNING:' in line:
            context = ' '.join(lines[max(0, i - 3):i])
            hit = next((e for e in expected if e in context), None)
            if hit is not None:
                expected.remove(hit)
                excused += 1
                continue
        bad.append(line.strip())
    return bad, excused


if __name__ == '__main__':
    sys.exit(main())
