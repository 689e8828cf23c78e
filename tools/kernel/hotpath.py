#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Compare the hot paths of functions in two builds of the same objects.

Usage: hotpath.py BASE_DIR PATCHED_DIR OUT_DIR OBJ:FUNC...

For each OBJ:FUNC (OBJ relative to both build directories), disassemble
FUNC and its FUNC.cold part with objdump -dr, and walk its control flow
from the entry: fall-through, and the targets of direct jumps and
conditional jumps.  A static branch (a jump label: a tracepoint, or
trace_*_enabled()) is listed in the object's __jump_table; where it is
of the "unlikely" kind (a tracepoint's), the walk only falls through it,
as the code runs while its key is off, whether the object holds a NOP
there (6.1) or a jump that objtool turns into one later (6.12, with
HAVE_JUMP_LABEL_HACK).  What the walk reaches is what runs with every
static key off, i.e. with tracing off.  Indirect jumps end a path (none
is expected in these functions; they are counted).

Prints, per function, the instructions, lock-prefixed instructions and
calls on that hot path in the base and the patched build, and fails
(exit 1) when, with the series:

 - the hot path calls a function that exists out of line only with the
   series (code the series added, or a helper it pushed out of line);
 - the hot path has more calls or more lock-prefixed instructions than
   the base's.

The compiler may inline a helper with the series that it called at the
base (or the other way round); a call to a function that is out of line
only at the base is therefore counted, in the base, as the calls and
lock-prefixed instructions on that function's own hot path, so that a
call inlined away is not taken for calls added.  Which functions are
called may change that way without the count changing; the differences
are listed.  The disassemblies, addresses stripped, go to
OUT_DIR/{base,patched}/FUNC.s and their diff to OUT_DIR/FUNC.diff.
"""

import collections
import os
import re
import subprocess
import sys

SYM_RE = re.compile(r'^([0-9a-f]+) <(.+)>:$')
SEC_RE = re.compile(r'^Disassembly of section (\S+):$')
INSN_RE = re.compile(r'^\s*([0-9a-f]+):\t(.*)$')
RELOC_RE = re.compile(r'^\s*([0-9a-f]+): (R_X86_64_\S+)\s+(\S+)$')
TARGET_RE = re.compile(r'^([0-9a-f]+) <')
SYMEXPR_RE = re.compile(r'^(.*?)([+-]0x[0-9a-f]+)?$')
PREFIXES = {'lock', 'rep', 'repz', 'repnz', 'repe', 'repne', 'notrack', 'bnd',
            'cs', 'ds', 'data16'}
ENDS = {'ret', 'retq', 'ud2', 'int3', 'hlt', 'iret', 'iretq', 'sysretq'}


class Insn:
    def __init__(self, sec, addr, text):
        self.sec = sec
        self.addr = addr
        self.text = text.strip()
        self.relocs = []
        words = self.text.split()
        self.lock = False
        while words and words[0] in PREFIXES:
            if words[0] == 'lock':
                self.lock = True
            words = words[1:]
        self.op = words[0] if words else ''
        self.args = ' '.join(words[1:])


def jump_label_sites(obj):
    """(section, address) of the "unlikely" static branches in obj: the
    code field of each 16-byte __jump_table entry whose key field has the
    branch bit clear."""
    out = subprocess.run(['objdump', '-r', '-j', '__jump_table', obj],
                         capture_output=True, text=True).stdout
    code = {}
    likely = set()
    for line in out.splitlines():
        w = line.split()
        if len(w) != 3 or not w[1].startswith('R_X86_64_'):
            continue
        try:
            off = int(w[0], 16)
        except ValueError:
            continue
        sym, addend = split_symexpr(w[2])
        if off % 16 == 0:
            code[off] = (sym, addend)
        elif off % 16 == 8 and addend & 1:
            likely.add(off - 8)
    return {v for k, v in code.items() if k not in likely}


def disassemble(obj):
    """Instructions per section (sorted by address), symbols and the
    static branch sites."""
    out = subprocess.run(['objdump', '-dr', '--no-show-raw-insn', obj],
                         check=True, capture_output=True, text=True).stdout
    sections = collections.defaultdict(list)
    symbols = {}
    sec = None
    last = None
    for line in out.splitlines():
        m = SEC_RE.match(line)
        if m:
            sec = m.group(1)
            last = None
            continue
        m = SYM_RE.match(line)
        if m:
            symbols[m.group(2)] = (sec, int(m.group(1), 16))
            continue
        m = RELOC_RE.match(line)
        if m and last is not None:
            last.relocs.append((m.group(2), m.group(3)))
            continue
        m = INSN_RE.match(line)
        if m and sec is not None:
            last = Insn(sec, int(m.group(1), 16), m.group(2))
            sections[sec].append(last)
    sites = set()
    for sym, addend in jump_label_sites(obj):
        if sym in symbols:
            sites.add((symbols[sym][0], symbols[sym][1] + addend))
        else:
            sites.add((sym, addend))
    symbols['.jump_label_sites'] = (None, sites)
    return sections, symbols


def func_range(sections, symbols, name):
    """(section, start, end) of a function, end = next symbol or end."""
    if name not in symbols:
        return None
    sec, start = symbols[name]
    starts = sorted(a for s, a in symbols.values() if s == sec and a > start)
    end = starts[0] if starts else (sections[sec][-1].addr + 1 if sections[sec] else start)
    return sec, start, end


def split_symexpr(expr):
    m = SYMEXPR_RE.match(expr)
    sym, off = m.group(1), m.group(2)
    return sym, int(off, 16) if off else 0


def branch_target(insn, symbols, ranges):
    """('local', sec, addr) for a jump inside the function, ('sym', name)
    for a jump or call elsewhere, ('indirect',) or None."""
    if insn.args.startswith('*'):
        return ('indirect',)
    for rtype, expr in insn.relocs:
        if rtype not in ('R_X86_64_PLT32', 'R_X86_64_PC32'):
            continue
        sym, off = split_symexpr(expr)
        if sym in symbols:
            sec, base = symbols[sym]
        elif sym.startswith('.'):
            sec, base = sym, 0
        else:
            return ('sym', sym)
        addr = base + off + 4
        for rsec, start, end in ranges:
            if rsec == sec and start <= addr < end:
                return ('local', sec, addr)
        return ('sym', sym)
    m = TARGET_RE.match(insn.args)
    if m:
        addr = int(m.group(1), 16)
        for rsec, start, end in ranges:
            if rsec == insn.sec and start <= addr < end:
                return ('local', insn.sec, addr)
        name = re.search(r'<([^>+]+)', insn.args)
        return ('sym', name.group(1) if name else insn.args)
    return None


def hot_path(sections, symbols, func):
    """Statistics of the code reached from func's entry."""
    ranges = [r for r in (func_range(sections, symbols, func),
                          func_range(sections, symbols, func + '.cold')) if r]
    if not ranges:
        return None
    index = {}
    for sec, start, end in ranges:
        for i, insn in enumerate(sections[sec]):
            if start <= insn.addr < end:
                index[(sec, insn.addr)] = i
    seen = set()
    todo = [(ranges[0][0], ranges[0][1])]
    stats = {'insns': 0, 'locks': 0, 'calls': collections.Counter(),
             'indirect_jumps': 0, 'all_insns': len(index)}
    sites = symbols['.jump_label_sites'][1]
    while todo:
        key = todo.pop()
        if key in seen or key not in index:
            continue
        seen.add(key)
        sec, _ = key
        insn = sections[sec][index[key]]
        stats['insns'] += 1
        if insn.lock:
            stats['locks'] += 1
        nxt = None
        i = index[key] + 1
        if i < len(sections[sec]):
            nxt = (sec, sections[sec][i].addr)
        op = insn.op
        if op in ENDS:
            continue
        if key in sites:
            # A static branch, off: falls through.
            if nxt:
                todo.append(nxt)
            continue
        if op.startswith('call'):
            t = branch_target(insn, symbols, ranges)
            if t and t[0] == 'sym' and t[1] == '__fentry__':
                # ftrace's entry hook: a NOP at run time unless traced.
                pass
            elif t and t[0] == 'sym':
                stats['calls'][t[1]] += 1
            elif t and t[0] == 'local':
                stats['calls'][func + '+local'] += 1
            else:
                stats['calls']['*indirect'] += 1
            if nxt:
                todo.append(nxt)
            continue
        if op.startswith('j'):
            t = branch_target(insn, symbols, ranges)
            if t and t[0] == 'local':
                todo.append((t[1], t[2]))
            elif t and t[0] == 'sym':
                # A tail call, or the return thunk.
                if not t[1].startswith('__x86_return_thunk'):
                    stats['calls'][t[1]] += 1
            elif t and t[0] == 'indirect':
                stats['indirect_jumps'] += 1
            if op != 'jmp' and nxt:
                todo.append(nxt)
            continue
        if nxt:
            todo.append(nxt)
    return stats


def listing(sections, symbols, func):
    """The function's code, addresses and offsets stripped, for diffs."""
    lines = []
    for name in (func, func + '.cold'):
        r = func_range(sections, symbols, name)
        if not r:
            continue
        sec, start, end = r
        lines.append('<%s>:' % name)
        for insn in sections[sec]:
            if start <= insn.addr < end:
                text = re.sub(r'\s+', ' ', insn.text)
                text = re.sub(r'^[0-9a-f]+ <([^>+]+)(\+0x[0-9a-f]+)?>', r'<\1+off>', text)
                text = re.sub(r' [0-9a-f]+ <([^>+]+)(\+0x[0-9a-f]+)?>', r' <\1+off>', text)
                for rtype, expr in insn.relocs:
                    text += ' ; %s %s' % (rtype, split_symexpr(expr)[0])
                lines.append(text)
    return lines


def expand(stats, sections, symbols, gone, depth=2):
    """Calls and locks of a hot path, with each call to a function in gone
    replaced by that function's own hot path (as the other build inlined
    it)."""
    calls = collections.Counter()
    locks = stats['locks']
    for target, n in stats['calls'].items():
        sub = hot_path(sections, symbols, target) if target in gone and depth else None
        if sub is None:
            calls[target] += n
            continue
        sub_calls, sub_locks = expand(sub, sections, symbols, gone, depth - 1)
        for t, m in sub_calls.items():
            calls[t] += m * n
        locks += sub_locks * n
    return calls, locks


def out_of_line(sections, symbols):
    return {name for name, (sec, _) in symbols.items()
            if sec and sec.startswith('.text') and not name.startswith('.')}


def main():
    if len(sys.argv) < 5:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    base_dir, patched_dir, out_dir = sys.argv[1:4]
    entries = sys.argv[4:]
    cache = {}
    failures = []
    fmt = '%-38s %11s %9s %9s %11s'
    print(fmt % ('function (hot path, tracing off)', 'insns b/p', 'lock b/p',
                 'calls b/p', 'all b/p'))
    for entry in entries:
        obj, func = entry.split(':', 1)
        res = {}
        for tag, d in (('base', base_dir), ('patched', patched_dir)):
            path = os.path.join(d, obj)
            if path not in cache:
                cache[path] = disassemble(path)
            sections, symbols = cache[path]
            res[tag] = hot_path(sections, symbols, func)
            os.makedirs(os.path.join(out_dir, tag), exist_ok=True)
            with open(os.path.join(out_dir, tag, func + '.s'), 'w') as f:
                f.write('\n'.join(listing(sections, symbols, func)) + '\n')
        subprocess.run('diff -u %s %s > %s' % (
            os.path.join(out_dir, 'base', func + '.s'),
            os.path.join(out_dir, 'patched', func + '.s'),
            os.path.join(out_dir, func + '.diff')), shell=True)
        b, p = res['base'], res['patched']
        bsec, bsym = cache[os.path.join(base_dir, obj)]
        psec, psym = cache[os.path.join(patched_dir, obj)]
        only_base = out_of_line(bsec, bsym) - out_of_line(psec, psym)
        only_patched = out_of_line(psec, psym) - out_of_line(bsec, bsym)
        if b is None or p is None:
            which = 'base' if b is None else 'patched'
            print('%-38s not out of line in the %s build: read its callers' % (func, which))
            if b is not None:
                failures.append('%s: inlined with the series, not at the base' % func)
            continue
        print(fmt % (func, '%d/%d' % (b['insns'], p['insns']),
                     '%d/%d' % (b['locks'], p['locks']),
                     '%d/%d' % (sum(b['calls'].values()), sum(p['calls'].values())),
                     '%d/%d' % (b['all_insns'], p['all_insns'])))
        bcalls, blocks = expand(b, bsec, bsym, only_base)
        pcalls, plocks = p['calls'], p['locks']
        if plocks > blocks:
            failures.append('%s: %d lock-prefixed instruction(s) on the hot path, base %d'
                            % (func, plocks, blocks))
        added = sorted(t for t in pcalls if t in only_patched)
        if added:
            failures.append('%s: calls code that is out of line only with the series: %s'
                            % (func, ', '.join(added)))
        if sum(pcalls.values()) > sum(bcalls.values()):
            failures.append('%s: %d call(s) on the hot path, base %d (inlining counted)'
                            % (func, sum(pcalls.values()), sum(bcalls.values())))
        new, gone = pcalls - bcalls, bcalls - pcalls
        if new or gone:
            print('  %s: calls now: %s; calls no more: %s' % (
                func, ', '.join('%s x%d' % kv for kv in sorted(new.items())) or '-',
                ', '.join('%s x%d' % kv for kv in sorted(gone.items())) or '-'))
        if p['indirect_jumps'] or b['indirect_jumps']:
            print('  %s: indirect jumps (not followed): base %d, patched %d'
                  % (func, b['indirect_jumps'], p['indirect_jumps']))
    for f in failures:
        print('hotpath: FAIL: ' + f)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
