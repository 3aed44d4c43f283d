#!/usr/bin/python3
"""ref_highs.py: solve an MPS file exported by `dilemma solve --write-mps`
with HiGHS as bundled in SciPy (scipy.optimize.milp), for the reference
columns of the solver benchmark (bench/bench_ref.sh). SciPy reads no MPS, so
this parses the free MPS our writer produces (N/L/G/E rows, MARKER
INTORG/INTEND, RHS, BOUNDS with BV/LO/UP), which is all it needs to read.

Usage: ref_highs.py FILE.mps TIME_LIMIT_S
Prints one line: status seconds objective bound (nan where absent)."""
import sys
import time

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_matrix


def read_mps(path):
    rows, rtype, cols, integ = {}, [], {}, []
    entries, obj, rhs, lo, up = [], {}, {}, {}, {}
    section, in_int, objname = None, False, None
    with open(path) as f:
        for line in f:
            t = line.split()
            if not t:
                continue
            if not line[0].isspace():
                section = t[0]
                continue
            if section == "ROWS":
                if t[0] == "N":
                    objname = t[1]
                else:
                    rows[t[1]] = len(rtype)
                    rtype.append(t[0])
            elif section == "COLUMNS":
                if len(t) >= 3 and t[1] == "'MARKER'":
                    in_int = t[2] == "'INTORG'"
                    continue
                c = cols.setdefault(t[0], len(cols))
                if c == len(integ):
                    integ.append(1 if in_int else 0)
                for k in range(1, len(t) - 1, 2):
                    r, v = t[k], float(t[k + 1])
                    if r == objname:
                        obj[c] = v
                    else:
                        entries.append((rows[r], c, v))
            elif section == "RHS":
                for k in range(1, len(t) - 1, 2):
                    rhs[rows[t[k]]] = float(t[k + 1])
            elif section == "BOUNDS":
                c = cols[t[2]]
                if t[0] == "BV":
                    lo[c], up[c], integ[c] = 0.0, 1.0, 1
                elif t[0] == "LO":
                    lo[c] = float(t[3])
                elif t[0] == "UP":
                    up[c] = float(t[3])
    n, m = len(cols), len(rtype)
    c = np.zeros(n)
    for k, v in obj.items():
        c[k] = v
    r, cc, v = zip(*entries)
    a = csr_matrix((v, (r, cc)), shape=(m, n))
    b = np.array([rhs.get(i, 0.0) for i in range(m)])
    lb = np.where([t == "L" for t in rtype], -np.inf, b)
    ub = np.where([t == "G" for t in rtype], np.inf, b)
    bl = np.array([lo.get(k, 0.0) for k in range(n)])
    bu = np.array([up.get(k, np.inf) for k in range(n)])
    return c, a, lb, ub, bl, bu, np.array(integ)


def main():
    path, limit = sys.argv[1], float(sys.argv[2])
    c, a, lb, ub, bl, bu, integ = read_mps(path)
    t0 = time.monotonic()
    res = milp(c, constraints=LinearConstraint(a, lb, ub), integrality=integ,
               bounds=Bounds(bl, bu), options={"time_limit": limit, "mip_rel_gap": 1e-9})
    secs = time.monotonic() - t0
    status = {0: "optimal", 1: "timeout", 2: "infeasible"}.get(res.status, "other")
    obj = res.fun if res.x is not None else float("nan")
    bound = getattr(res, "mip_dual_bound", None)
    print(status, "%.3f" % secs, "%.12g" % obj, "%.12g" % (bound if bound is not None else float("nan")))


if __name__ == "__main__":
    main()
