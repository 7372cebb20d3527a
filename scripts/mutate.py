#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Mutation testing: do the tests notice a small bug in the code?

Each entry of scripts/mutations.txt replaces one exact piece of text of one
file by another (a semantic bug: a wake-up left out, a check inverted, a
wait skipped).  For each entry, one at a time:

  1. the tree is copied (rsync, without build/ and .git) into
     build/mutate/src, a scratch copy: the checkout is never modified;
  2. the original text must occur exactly once: it is replaced;
  3. the suites the entry names are run in the scratch copy, fastest
     first: "kunit" (scripts/kunit.sh um) and "vm:PREFIX..." (scripts/vm.sh
     with VM_ONLY set to the guest scripts' prefixes);
  4. the mutation is killed if a suite fails; the first failing test
     ("not ok - ..." in the VM, "[FAILED] ..." in KUnit), or what else
     failed (a kernel report, a timeout), is recorded.  A mutation that
     does not build is not killed: it tested nothing, its "to" text is
     stale; the table shows it as "no build" and the run fails.

The scratch copy's build/ is a symlink to build/mutate/build, which
persists: the UML kernel, the modules and the tools are rebuilt
incrementally (rsync --checksum rewrites, with a new mtime, only the files
that differ from the checkout, so make sees the mutated file and, for the
next entry, its restoration).

Before the first mutation the suites run once on the unmutated copy (the
baseline): a suite that fails without a mutation would "kill" every one.

Usage:
  scripts/mutate.sh                 every entry; table and score
  scripts/mutate.sh --only ID...    these entries
  scripts/mutate.sh --verify        only check that every entry applies
                                    exactly once to the current tree (fast;
                                    make check runs it)
  scripts/mutate.sh --list          the entries
  scripts/mutate.sh --table         the table of the results so far
  --no-baseline                     skip the baseline run
Results accumulate in build/mutate/results.json (the latest per entry; an
entry whose text changed since shows as not run); the table of every
entry is written to build/mutate/report.txt, the logs to build/mutate/logs/.

Catalogue format (scripts/mutations.txt): '#' comments between entries;
an entry is

  === ID
  file: msgport/msgport.c
  suites: kunit vm:10   (kunit: UML; kunit-smp: x86_64, -smp 2)
  breaks: one line on the behaviour the mutation breaks
  equivalent: (optional) why no test can tell; the entry still runs
  --- from
  <the exact original lines>
  --- to
  <their replacement (may be empty)>
  --- end

The lines between the markers are taken verbatim (tabs included); the
replacement must differ from the original.  A line "flaky: TEST NAME" at
the top level names a test known to fail now and then on a loaded
machine: a suite whose only failures are such tests is run again once.
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CATALOGUE = os.path.join(ROOT, 'scripts', 'mutations.txt')
WORK = os.path.join(ROOT, 'build', 'mutate')
SRC = os.path.join(WORK, 'src')
BUILD = os.path.join(WORK, 'build')
LOGS = os.path.join(WORK, 'logs')
REPORT = os.path.join(WORK, 'report.txt')

# Bounds per suite run (a clean run takes 5 to 30 s): a mutation may make a
# test hang, and waiting for kunit.py's or the guest's own timeouts (10
# and 15 minutes) would make a run last hours.  A run over its bound counts as a kill ("timeout": the
# suite cannot pass).  The baseline's first build takes longer.
KUNIT_TIMEOUT = 180
KUNIT_SMP_TIMEOUT = 900
VM_TIMEOUT = 300
# What failures() says when the mutated tree does not build.
BUILD_FAILED = 'build failed'
BASELINE_TIMEOUT = 2400

# Build artefacts: not copied, and not deleted from the scratch copy, so
# that the modules rebuild incrementally there.
ARTEFACTS = ['*.o', '*.ko', '*.mod', '*.mod.c', '.*.cmd', '*.order',
             '*.symvers', '*.a', '.*.d', '.tmp_*']


class Entry:
    def __init__(self, ident, line):
        self.id = ident
        self.line = line
        self.file = None
        self.suites = []
        self.breaks = ''
        self.equivalent = ''
        self.old = None
        self.new = None


def parse(path):
    entries, flaky, errors = [], [], []
    cur = None
    mode = None          # None, 'from', 'to'
    buf = []
    with open(path) as f:
        lines = f.read().split('\n')
    if lines and lines[-1] == '':
        lines.pop()
    for n, line in enumerate(lines, 1):
        if mode in ('from', 'to'):
            if line == '--- to' and mode == 'from':
                cur.old = '\n'.join(buf) + '\n'
                buf, mode = [], 'to'
            elif line == '--- end' and mode == 'to':
                cur.new = '\n'.join(buf) + '\n' if buf else ''
                buf, mode = [], None
                entries.append(cur)
                cur = None
            elif line.startswith('--- ') or line.startswith('=== '):
                errors.append(f'{path}:{n}: unexpected "{line}" in the text of {cur.id}')
                mode, cur = None, None
            else:
                buf.append(line)
            continue
        if line.startswith('=== '):
            if cur:
                errors.append(f'{path}:{cur.line}: entry {cur.id} has no "--- from"')
            cur = Entry(line[4:].strip(), n)
            continue
        if not line.strip() or line.startswith('#'):
            continue
        m = re.match(r'^(file|suites|breaks|equivalent|flaky):\s*(.*)$', line)
        if m and m.group(1) == 'flaky' and cur is None:
            flaky.append(m.group(2).strip())
        elif m and cur is not None and m.group(1) != 'flaky':
            key, val = m.group(1), m.group(2).strip()
            if key == 'suites':
                cur.suites = val.split()
            else:
                setattr(cur, key, val)
        elif line == '--- from' and cur is not None:
            buf, mode = [], 'from'
        else:
            errors.append(f'{path}:{n}: cannot parse "{line}"')
    if mode or cur:
        errors.append(f'{path}: the last entry is not closed by "--- end"')
    return entries, flaky, errors


def check_entry(e, root, seen):
    """Why @e cannot run on the tree at @root, or None."""
    if e.id in seen:
        return 'duplicate id'
    seen.add(e.id)
    if not re.match(r'^[a-z0-9][a-z0-9_-]*$', e.id):
        return 'bad id'
    if not e.file or not e.suites or not e.breaks:
        return 'needs file:, suites: and breaks:'
    for s in e.suites:
        if s not in ('kunit', 'kunit-smp') and not re.match(r'^vm:[0-9]+(,[0-9]+)*$', s):
            return f'unknown suite {s}'
    if e.old is None or e.new is None:
        return 'no text'
    if e.old == e.new:
        return 'the replacement is the original'
    path = os.path.join(root, e.file)
    if not os.path.isfile(path):
        return f'no file {e.file}'
    with open(path) as f:
        n = f.read().count(e.old)
    if n != 1:
        return f'the original text occurs {n} times in {e.file}'
    return None


def verify(entries, errors, quiet=False):
    seen, fail = set(), len(errors)
    for err in errors:
        print(f'not ok - mutate-catalogue: {err}')
    for e in entries:
        why = check_entry(e, ROOT, seen)
        if why:
            print(f'not ok - mutate-catalogue: {e.id}: {why}')
            fail += 1
        elif not quiet:
            print(f'ok - mutate-catalogue: {e.id}')
    print(f'mutate-catalogue: {len(entries) + len(errors) - fail} passed, {fail} failed')
    return fail == 0


def sync():
    """The scratch copy := the checkout (only differing files rewritten)."""
    os.makedirs(SRC, exist_ok=True)
    os.makedirs(BUILD, exist_ok=True)
    cmd = ['rsync', '-rlpD', '--checksum', '--delete',
           '--exclude=/build', '--exclude=/.git']
    cmd += [f'--exclude={a}' for a in ARTEFACTS]
    subprocess.run(cmd + [ROOT + '/', SRC + '/'], check=True)
    link = os.path.join(SRC, 'build')
    if not os.path.islink(link):
        if os.path.exists(link):
            shutil.rmtree(link)
        os.symlink('../build', link)


def apply(e):
    path = os.path.join(SRC, e.file)
    with open(path) as f:
        text = f.read()
    if text.count(e.old) != 1:
        raise SystemExit(f'mutate: {e.id} does not apply to the scratch copy')
    with open(path, 'w') as f:
        f.write(text.replace(e.old, e.new, 1))


def descendants(pid):
    """The processes started by @pid, transitively (UML and qemu start
    sessions of their own, so the process group is not enough)."""
    children = {}
    for d in os.listdir('/proc'):
        if not d.isdigit():
            continue
        try:
            with open(f'/proc/{d}/stat') as f:
                ppid = int(f.read().rsplit(')', 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(d))
    out, todo = [], [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def run_cmd(cmd, env, log, timeout):
    """Run @cmd in the scratch copy, niced; on timeout kill what it started."""
    start = time.time()
    with open(log, 'w') as out:
        p = subprocess.Popen(['nice', '-n', '10'] + cmd, cwd=SRC, env=env,
                             stdout=out, stderr=subprocess.STDOUT,
                             start_new_session=True)
        try:
            rc = p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            for pid in [p.pid] + descendants(p.pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            p.wait()
            rc = None
    return rc, time.time() - start


KUNIT_SUITES = ('msgport', 'syslet', 'upcall')


def kunit_failures(text):
    """Failed KUnit cases, as "case" or "case[param]": kunit.py prints a
    failed parameter as "[FAILED] param", then its case as
    "==== [FAILED] case ====", a failed plain case as "[FAILED] case"."""
    out, pending = [], []
    for line in text.split('\n'):
        m = re.search(r'\[(?:FAILED|CRASHED)\] (\S+)', line)
        if not m:
            continue
        name = m.group(1)
        if not re.search(r'=\s*\[(?:FAILED|CRASHED)\]', line):
            pending.append(name)
        elif name in KUNIT_SUITES:
            out += pending
            pending = []
        else:
            out += [f'{name}[{p}]' for p in pending] or [name]
            pending = []
    return out + pending


def timeout_where(suite):
    """A run killed at its bound: what failed or hung, from the partial
    console (VM) or kunit.py log."""
    if suite in ('kunit', 'kunit-smp'):
        path = os.path.join(BUILD, 'kunit-um.log' if suite == 'kunit'
                            else 'kunit-x86_64.log')
        pat = r'\[PASSED\] (\S+)'
    else:
        path = os.path.join(BUILD, 'vm', 'console-test.log')
        pat = r'^ok - (.*)$'
    try:
        with open(path, errors='replace') as f:
            text = f.read()
    except OSError:
        return 'timeout'
    bad = re.findall(r'^not ok - (.*)$', text, re.M)
    if bad:
        return f'{bad[0]} (then a timeout)'
    done = re.findall(pat, text, re.M)
    return f'timeout (hung after {done[-1]})' if done else 'timeout'


def failures(suite, log, rc):
    """The failing tests of a suite run, or what else failed."""
    with open(log, errors='replace') as f:
        text = f.read()
    if rc is None:
        return [timeout_where(suite)]
    if suite in ('kunit', 'kunit-smp'):
        names = kunit_failures(text)
        if names:
            return names
        if 'shows a report' in text:
            return ['kernel report']
        if 'did not complete' in text:
            return ['run did not complete (build failed?)']
        if re.search(r'error:|make\[\d+\]: \*\*\*', text):
            return [BUILD_FAILED]
    else:
        names = re.findall(r'^not ok - (.*)$', text, re.M)
        if names:
            return names
        if 'did not finish' in text:
            return ['VM did not finish']
        m = re.search(r'^vm: kernel report: (.*)$', text, re.M)
        if m:
            return ['kernel report: ' + m.group(1)[:60]]
        if rc and 'building modules' in text and 'booting' not in text:
            return [BUILD_FAILED]
    return [] if rc == 0 else [f'exit {rc}']


def run_suite(suite, tag, flaky):
    """Run one suite; returns (passed, killer, seconds)."""
    env = dict(os.environ)
    env.pop('VM_ONLY', None)
    if suite == 'kunit':
        cmd, tmo = ['bash', 'scripts/kunit.sh', 'um'], KUNIT_TIMEOUT
    elif suite == 'kunit-smp':
        cmd, tmo = ['bash', 'scripts/kunit.sh', 'x86_64'], KUNIT_SMP_TIMEOUT
    else:
        cmd, tmo = ['bash', 'scripts/vm.sh'], VM_TIMEOUT
        env['VM_ONLY'] = suite[3:].replace(',', ' ')
    if tag == 'baseline':
        tmo = BASELINE_TIMEOUT
    log = os.path.join(LOGS, f'{tag}.{suite.replace(":", "-").replace(",", "_")}.log')
    total = 0.0
    for attempt in (1, 2):
        rc, secs = run_cmd(cmd, env, log, tmo)
        total += secs
        bad = failures(suite, log, rc)
        if rc == 0 and not bad:
            return True, None, total
        if not bad:
            bad = [f'exit {rc}']
        if attempt == 1 and all(b in flaky for b in bad):
            print(f'  {suite}: only known-flaky failures ({bad[0]}): again',
                  flush=True)
            continue
        break
    return False, f'{suite}: {bad[0]}', total


def suites_in_order(suites):
    # KUnit first (seconds once built), then the VM runs.
    return sorted(suites, key=lambda s: (not s.startswith('kunit'), s))


def baseline(entries, flaky):
    suites = suites_in_order({s for e in entries for s in e.suites})
    sync()
    ok = True
    for s in suites:
        print(f'baseline: {s} ...', flush=True)
        passed, killer, secs = run_suite(s, 'baseline', flaky)
        print(f'baseline: {s} {"passed" if passed else "FAILED " + killer} ({secs:.0f} s)',
              flush=True)
        ok = ok and passed
    return ok


def main():
    ap = argparse.ArgumentParser(add_help=True)
    ap.add_argument('--verify', action='store_true')
    ap.add_argument('--list', action='store_true')
    ap.add_argument('--table', action='store_true',
                    help='print the table of the results so far, run nothing')
    ap.add_argument('--no-baseline', action='store_true')
    ap.add_argument('--only', nargs='+', metavar='ID')
    args = ap.parse_args()

    entries, flaky, errors = parse(CATALOGUE)
    if args.verify:
        sys.exit(0 if verify(entries, errors) else 1)
    if args.list:
        for e in entries:
            print(f'{e.id:32} {e.file:22} {" ".join(e.suites):14} {e.breaks}')
        return
    if args.table:
        try:
            with open(os.path.join(WORK, 'results.json')) as f:
                print(table(entries, json.load(f)), end='')
        except OSError:
            sys.exit('mutate: no results yet')
        return
    if errors or not verify(entries, errors, quiet=True):
        sys.exit('mutate: fix the catalogue first')
    all_entries = entries
    if args.only:
        unknown = set(args.only) - {e.id for e in entries}
        if unknown:
            sys.exit(f'mutate: no entry {" ".join(sorted(unknown))}')
        # In the order given: the most wanted first.
        byid = {e.id: e for e in entries}
        entries = [byid[i] for i in dict.fromkeys(args.only)]

    os.makedirs(LOGS, exist_ok=True)
    if not args.no_baseline and not baseline(entries, flaky):
        sys.exit('mutate: the unmutated tree fails a suite: fix that first')

    # Results accumulate across runs (--only reruns some): the table shows
    # the latest result of every entry of the catalogue.
    store = os.path.join(WORK, 'results.json')
    try:
        with open(store) as f:
            saved = json.load(f)
    except (OSError, ValueError):
        saved = {}
    start = time.time()
    for i, e in enumerate(entries, 1):
        sync()
        apply(e)
        print(f'[{i}/{len(entries)}] {e.id} ({e.file}): {e.breaks}', flush=True)
        killer, broken, secs = None, False, 0.0
        for s in suites_in_order(e.suites):
            passed, k, t = run_suite(s, e.id, flaky)
            secs += t
            print(f'  {s}: {"passed" if passed else "failed: " + k} ({t:.0f} s)',
                  flush=True)
            if not passed:
                killer = k
                # A mutation that does not compile tests nothing: its
                # "to" text is stale (the code around it changed), not
                # killed.  (run_suite() names the suite first.)
                broken = k == f'{s}: {BUILD_FAILED}'
                break
        if broken:
            killer = None
            print('  -> DOES NOT BUILD: fix its "to" text', flush=True)
        else:
            print(f'  -> {"killed by " + killer if killer else "SURVIVED"}',
                  flush=True)
        saved[e.id] = {'killer': killer, 'broken': broken,
                       'seconds': round(secs),
                       'old': e.old, 'new': e.new, 'when': time.strftime('%F %T')}
        with open(store, 'w') as f:
            json.dump(saved, f, indent=1)
    sync()      # leave the scratch copy unmutated
    print(f'this run: {len(entries)} mutations in {time.time() - start:.0f} s')

    report = table(all_entries, saved)
    with open(REPORT, 'w') as f:
        f.write(report)
    print(report, end='')
    bad = [e for e in all_entries if e.id not in saved or
           saved[e.id].get('broken') or
           (not saved[e.id]['killer'] and not e.equivalent)]
    sys.exit(1 if bad else 0)


def table(entries, saved):
    """The table of every entry's latest result (stale if the entry's text
    changed since it ran) and the score."""
    lines = [f'{"mutation":30} {"file":18} {"result":8} killing test (suite: test) / why it survived',
             '-' * 110]
    killed = survived = equiv = notrun = nobuild = 0
    for e in entries:
        r = saved.get(e.id)
        if r is None or r.get('old') != e.old or r.get('new') != e.new:
            notrun += 1
            lines.append(f'{e.id:30} {e.file:18} {"not run":8}')
            continue
        if r.get('broken'):
            nobuild += 1
            lines.append(f'{e.id:30} {e.file:18} {"no build":8} '
                         'the mutated code does not compile: fix its "to" text')
            continue
        if r['killer']:
            killed += 1
            lines.append(f'{e.id:30} {e.file:18} {"killed":8} {r["killer"]}')
        else:
            survived += 1
            equiv += bool(e.equivalent)
            why = ('equivalent: ' + e.equivalent) if e.equivalent else 'NO TEST NOTICES IT'
            lines.append(f'{e.id:30} {e.file:18} {"survived":8} {why}')
    run = killed + survived
    lines.append('-' * 110)
    lines.append(f'score: {killed}/{run} killed ({100.0 * killed / max(run, 1):.1f}%); '
                 f'{survived} survived ({equiv} argued equivalent); '
                 f'{notrun} of {len(entries)} not run'
                 + (f'; {nobuild} do not build' if nobuild else ''))
    return '\n'.join(lines) + '\n'


if __name__ == '__main__':
    main()
