#!/usr/bin/env python3
"""Per-request cost of each function from two callgrind_annotate outputs.

    profile_diff.py N1.txt N2.txt REQUESTS TOP [--by-function]

N1.txt and N2.txt are `callgrind_annotate [--inclusive=yes] --threshold=100` outputs of the same
server answering N1 and N2 requests; REQUESTS is N2 - N1. Prints the TOP functions by
(count in N2 - count in N1) / REQUESTS, i.e. what one more request costs in each function
(start-up and shutdown cancel out).

callgrind_annotate lists a function once per source file its (inlined) code comes from.
`--by-function` sums those parts: exact for self costs; for inclusive costs the sum can count
a callee twice (callgrind treats jumps between the parts as calls), so inclusive listings keep
the parts apart (`file.rs:function`).
"""

import re
import sys

LINE = re.compile(r"^\s*([\d,]+)\s+(?:\(\s*[\d.]+%\)\s+)?(\S.*)$")


def parse(path, by_function):
    total = None
    functions = {}
    in_functions = False
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if "PROGRAM TOTALS" in line:
                m = LINE.match(line)
                if m:
                    total = int(m.group(1).replace(",", ""))
                continue
            if "file:function" in line:
                in_functions = True
                continue
            if not in_functions:
                continue
            if line.startswith("-- ") or "annotated source" in line.lower():
                break
            if line.startswith("--"):
                continue
            m = LINE.match(line)
            if not m:
                continue
            name = shorten(m.group(2), by_function)
            functions[name] = functions.get(name, 0) + int(m.group(1).replace(",", ""))
    return total, functions


def shorten(name, by_function):
    """Drops the `[binary]` suffix and the source file's directories (or the whole file name
    with `by_function`)."""
    name = re.sub(r"\s+\[[^\]]*\]$", "", name)
    file, sep, function = name.partition(":")
    if not sep:
        return name
    if by_function:
        return function
    return f"{file.rsplit('/', 1)[-1]}:{function}"


def main():
    args = [a for a in sys.argv[1:] if a != "--by-function"]
    by_function = "--by-function" in sys.argv[1:]
    if len(args) != 4:
        sys.exit(__doc__)
    n1_path, n2_path, requests, top = args[0], args[1], int(args[2]), int(args[3])
    t1, f1 = parse(n1_path, by_function)
    t2, f2 = parse(n2_path, by_function)
    per_request_total = (t2 - t1) / requests if t1 is not None and t2 is not None else None
    rows = sorted(
        ((f2.get(k, 0) - f1.get(k, 0)) / requests, k) for k in set(f1) | set(f2)
    )
    rows.reverse()
    if per_request_total:
        print(f"{per_request_total:12,.0f}  100.0%  PER-REQUEST TOTAL")
    for cost, name in rows[:top]:
        share = f"{100 * cost / per_request_total:5.1f}%" if per_request_total else ""
        print(f"{cost:12,.0f}  {share:>6}  {name}")


if __name__ == "__main__":
    main()
