#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Compare the hot paths of functions in two builds of the same objects.

Usage: hotpath.py BASE_DIR PATCHED_DIR OUT_DIR OBJ:FUNC...

For each OBJ:FUNC (OBJ relative to both build directories), disassemble
FUNC and its FUNC.cold part with objdump -dr, and walk its control flow
from the entry: fall-through, and the targets of direct jumps and
conditional jumps.  A static branch (a jump label: a tracepoint, or
trace_*_enabled()) is a NOP in the object file whose target is known only
to the __jump_table section, so the code it branches to is not reached by
this walk: what the walk reaches is what runs with every static key off,
i.e. with tracing off.  Indirect jumps end a path (none is expected in
these functions; they are counted).

Prints, per function, the instructions, lock-prefixed instructions and
calls on that hot path in the base and the patched build, and fails
(exit 1) when the patched hot path has more lock-prefixed instructions
or calls a function more often than the base's.  The disassemblies,
addresses stripped, go to OUT_DIR/{base,patched}/FUNC.s and their diff to
OUT_DIR/FUNC.diff.
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


def disassemble(obj):
    """Instructions per section (sorted by address) and symbols."""
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
        if op.startswith('call'):
            t = branch_target(insn, symbols, ranges)
            if t and t[0] == 'sym':
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
        if p['locks'] > b['locks']:
            failures.append('%s: %d lock-prefixed instruction(s) on the hot path, base %d'
                            % (func, p['locks'], b['locks']))
        new = p['calls'] - b['calls']
        if new:
            failures.append('%s: new call(s) on the hot path: %s' % (
                func, ', '.join('%s x%d' % kv for kv in sorted(new.items()))))
        if p['indirect_jumps'] or b['indirect_jumps']:
            print('  %s: indirect jumps (not followed): base %d, patched %d'
                  % (func, b['indirect_jumps'], p['indirect_jumps']))
    for f in failures:
        print('hotpath: FAIL: ' + f)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
