#!/usr/bin/env python3
"""Fails when a folder includes a folder its row in ARCHITECTURE.md does not allow.

Usage: check_layering.py ROOT         check the tree at ROOT
       check_layering.py --self-test  show that a planted bad include is caught
A folder is the first two parts of a path (services/store for services/store/redis/x.h).
"""
import fnmatch
import os
import re
import shutil
import subprocess
import sys
import tempfile

INCLUDE = re.compile(r'^\s*#\s*include\s+"((?:services|adapters|tests)/[^"]+)"')
SOURCES = ('.h', '.hh', '.hpp', '.cc', '.cpp', '.inc')
TOP = ('services', 'adapters', 'tests')


def read_table(root):
    """{folder pattern: [allowed folder patterns]} from the marked table in ARCHITECTURE.md."""
    path = os.path.join(root, 'ARCHITECTURE.md')
    text = open(path, encoding='utf-8').read()
    m = re.search(r'<!-- layers:begin -->(.*?)<!-- layers:end -->', text, re.S)
    if not m:
        sys.exit(f'{path}: no table between <!-- layers:begin --> and <!-- layers:end -->')
    table = {}
    for line in m.group(1).splitlines():
        cells = [c.strip() for c in line.strip().strip('|').split('|')]
        if len(cells) != 2 or not cells[0].startswith('`'):
            continue
        folder = cells[0].strip('`')
        table[folder] = re.findall(r'`([^`]+)`', cells[1])
    if not table:
        sys.exit(f'{path}: the layers table has no rows')
    return table


def folder_of(path):
    return '/'.join(path.split('/')[:2])


def row_for(table, folder):
    """The row of `folder`: its own, else the first wildcard row that matches it."""
    if folder in table:
        return table[folder]
    for pattern, allowed in table.items():
        if fnmatch.fnmatchcase(folder, pattern):
            return allowed
    return None


def check(root):
    table = read_table(root)
    problems = []
    for top in TOP:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames[:] = sorted(d for d in dirnames if d not in ('node_modules',))
            for name in sorted(filenames):
                if not name.endswith(SOURCES):
                    continue
                full = os.path.join(dirpath, name)
                rel = os.path.relpath(full, root).replace(os.sep, '/')
                folder = folder_of(rel)
                allowed = row_for(table, folder)
                with open(full, encoding='utf-8', errors='replace') as f:
                    for number, line in enumerate(f, 1):
                        m = INCLUDE.match(line)
                        if not m:
                            continue
                        target = folder_of(m.group(1))
                        if target == folder:
                            continue
                        if allowed is None:
                            problems.append(f'{rel}:{number}: folder {folder} has no row in '
                                            'ARCHITECTURE.md\'s layers table; add one')
                            break
                        if not any(fnmatch.fnmatchcase(target, a) for a in allowed):
                            problems.append(f'{rel}:{number}: {folder} may not include '
                                            f'{m.group(1)} ({target} is not in its row: '
                                            f'{" ".join(allowed) or "nothing"})')
    for p in problems:
        print(p)
    print(f'layering: {len(problems)} problem(s)')
    return 1 if problems else 0


def self_test():
    """Runs the checker on a small tree: a clean one passes, each planted fault fails."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    cases = [
        ('services/core/a.h', '#include "services/common/log.h"\n', 0),
        ('services/core/a.h', '#include "services/server/server.h"\n', 1),
        ('services/directory/a.cc', '  #  include "services/server/metrics.h"\n', 1),
        ('adapters/csta/a.cc', '#include "adapters/xsp/xml/xsi_xml.h"\n', 1),
        ('services/newfolder/a.cc', '#include "services/common/log.h"\n', 1),
        ('tests/core/a_test.cc', '#include "services/server/server.h"\n', 0),
    ]
    failures = 0
    for path, text, want in cases:
        with tempfile.TemporaryDirectory() as tmp:
            shutil.copy(os.path.join(root, 'ARCHITECTURE.md'), tmp)
            os.makedirs(os.path.join(tmp, os.path.dirname(path)))
            with open(os.path.join(tmp, path), 'w') as f:
                f.write(text)
            got = subprocess.run([sys.executable, os.path.abspath(__file__), tmp],
                                 capture_output=True, text=True)
            ok = (got.returncode != 0) == bool(want)
            print(f'{"ok  " if ok else "FAIL"} {path}: {text.strip()} -> exit {got.returncode}'
                  f' (want {"failure" if want else "success"})')
            failures += not ok
    return 1 if failures else 0


if __name__ == '__main__':
    if sys.argv[1:] == ['--self-test']:
        sys.exit(self_test())
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(check(sys.argv[1]))
