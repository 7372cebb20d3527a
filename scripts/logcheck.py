#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Fail on kernel reports in a console log or dmesg.

Reports: BUG: (so BUG: KASAN too), WARNING:, Oops, lockdep and RCU
splats, KASAN/UBSAN, kmemleak (leaks, misuse warnings, kmemleak turning
itself off), hung tasks, panics.  A test that provokes a warning on purpose
first logs "expect WARNING: <text>"; a WARNING whose message (printed just
before it) contains an announced text is excused, once per announcement.

Usage: logcheck.py LOG [LABEL]   exit 0 if clean, 1 if not.
"""
import re
import sys

REPORT = re.compile(
    r'BUG:|WARNING:|Oops|general protection fault|Kernel panic'
    r'|possible (recursive|circular) locking|inconsistent lock state'
    r'|suspicious RCU usage|KASAN:|UBSAN:|unreferenced object'
    # kmemleak: its own console line for leaks, its misuse warnings, and
    # turning itself off (the rest of the run would be unchecked).
    r'|new suspected memory leak|kmemleak: .*unknown object'
    r'|memory leak detector disabled|Kmemleak disabled'
    r'|blocked for more than|INFO: lockdep|lockdep_assert'
    r'|list_(add|del) corruption')
EXPECT = re.compile(r'expect WARNING: (.+?)\s*$')


def main():
    path = sys.argv[1]
    label = sys.argv[2] if len(sys.argv) > 2 else path
    try:
        with open(path, errors='replace') as f:
            lines = [l.rstrip('\n') for l in f]
    except OSError as e:
        print(f'{label}: no kernel log to check: {e}')
        return 1
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
    for b in bad[:20]:
        print(f'{label}: kernel report: {b}')
    if excused:
        print(f'{label}: {excused} announced warning(s) from misuse tests')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
