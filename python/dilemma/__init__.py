"""dilemma from Python: scenarios, one run, experiments and their CSV files.

A thin layer over the shared library libdilemma (api/dilemma.h) through
ctypes, so it needs nothing beyond the Python standard library; pandas is
used only when installed and asked for.

    import dilemma
    sc = dilemma.Scenario.load("scenarios/quickstart.yaml", {"runs": 5})
    r = sc.solve(point=0, run=0, method="ilp")        # a dict, names as in runs.csv
    exp = sc.run("out/quick", threads=2, force=True)  # runs.csv, summary.csv
    rows = exp.runs()                                  # a list of dicts

The library is found through $DILEMMA_LIBRARY, then next to a source-tree
build (.libs/libdilemma.so two folders up), then the system's search path.
docs/python.md describes everything here.
"""

import csv
import ctypes
import ctypes.util
import json
import os

__all__ = [
    "DilemmaError", "InputError", "InfeasibleError", "Scenario", "Instance", "Experiment",
    "read_csv", "read_runs", "read_summary", "read_timing", "upgrade_rows", "to_pandas", "library_version",
    "SCHEMA",
]

# The version of the experiment files this package reads natively
# (docs/experiments.md); files of schemas 1 and 2 are read in this one.
SCHEMA = 3

OK, ERUNTIME, EINPUT, EINFEASIBLE = 0, 1, 2, 3
RUN_RESUME, RUN_FORCE = 1, 2


class DilemmaError(Exception):
    """A failure reported by libdilemma: `code` is the dilemma command's exit
    status for it (1 runtime, 2 input, 3 infeasible), `message` its text."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


class InputError(DilemmaError):
    """Bad input: a scenario, an override, an argument (exit status 2)."""


class InfeasibleError(DilemmaError):
    """No feasible placement anywhere in an experiment (exit status 3)."""


class _Error(ctypes.Structure):
    _fields_ = [("code", ctypes.c_int), ("message", ctypes.c_char * 8192)]


_API_VERSION = 1
_lib_handle = None


def _find_library():
    env = os.environ.get("DILEMMA_LIBRARY")
    if env:
        return env
    here = os.path.dirname(os.path.abspath(__file__))
    tree = os.path.join(here, "..", "..", ".libs", "libdilemma.so")
    if os.path.exists(tree):
        return tree
    found = ctypes.util.find_library("dilemma")
    if found:
        return found
    raise OSError("libdilemma not found: build dilemma (make) or install it (make install), "
                  "or set DILEMMA_LIBRARY to the path of libdilemma.so")


def _lib():
    global _lib_handle
    if _lib_handle is not None:
        return _lib_handle
    lib = ctypes.CDLL(_find_library())
    vp, sz, ull, i, u, cp = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_ulonglong, ctypes.c_int,
                             ctypes.c_uint, ctypes.c_char_p)
    err = ctypes.POINTER(_Error)
    out = ctypes.POINTER(vp)
    sets = ctypes.POINTER(cp)
    sig = {
        "dilemma_version": (cp, []),
        "dilemma_api_version": (i, []),
        "dilemma_free": (None, [vp]),
        "dilemma_scenario_load": (i, [out, cp, sets, sz, err]),
        "dilemma_scenario_load_string": (i, [out, cp, cp, sets, sz, err]),
        "dilemma_scenario_free": (None, [vp]),
        "dilemma_scenario_name": (cp, [vp]),
        "dilemma_scenario_points": (sz, [vp]),
        "dilemma_scenario_runs": (ctypes.c_longlong, [vp]),
        "dilemma_scenario_resolved": (i, [vp, out, err]),
        "dilemma_instance_alloc": (i, [out, vp, sz, ull, err]),
        "dilemma_instance_free": (None, [vp]),
        "dilemma_instance_layers": (sz, [vp]),
        "dilemma_instance_servers": (sz, [vp]),
        "dilemma_solve": (i, [vp, cp, out, err]),
        "dilemma_simulate": (i, [vp, cp, out, err]),
        "dilemma_experiment_run": (i, [vp, cp, i, ctypes.c_longlong, u, err]),
    }
    for name, (res, args) in sig.items():
        fn = getattr(lib, name)
        fn.restype = res
        fn.argtypes = args
    if lib.dilemma_api_version() != _API_VERSION:
        raise OSError("libdilemma has API version %d; this package speaks %d"
                      % (lib.dilemma_api_version(), _API_VERSION))
    _lib_handle = lib
    return lib


def library_version():
    """The version of the loaded libdilemma, e.g. '0.1.0'."""
    return _lib().dilemma_version().decode()


def _raise(code, err):
    msg = err.message.decode(errors="replace")
    cls = {EINPUT: InputError, EINFEASIBLE: InfeasibleError}.get(code, DilemmaError)
    raise cls(code, msg)


def _take_string(ptr):
    """Copies a char * the library returned and frees it."""
    try:
        return ctypes.string_at(ptr.value).decode()
    finally:
        _lib().dilemma_free(ptr)


def _yaml_value(v):
    """A Python value as YAML text for an override. JSON is YAML's flow
    style, so lists, dicts, numbers, strings and booleans carry over."""
    if isinstance(v, str):
        return v  # as typed on the command line: plain, so 1e6 stays a number
    return json.dumps(v)


def _sets(overrides):
    """{'a.b': v} or ['a.b=v'] -> a ctypes array of b'a.b=v' and its length."""
    if overrides is None:
        items = []
    elif isinstance(overrides, dict):
        items = ["%s=%s" % (k, _yaml_value(v)) for k, v in overrides.items()]
    else:
        items = list(overrides)
    arr = (ctypes.c_char_p * max(len(items), 1))(*[s.encode() for s in items])
    return arr, len(items)


class _Handle:
    """A library object freed once, by close(), a with block or the garbage
    collector; subclasses name the library's free function in _free."""

    _free = None
    _h = None

    def close(self):
        if self._h:
            getattr(_lib(), self._free)(self._h)
            self._h = None

    def __del__(self):
        try:
            self.close()
        except Exception:  # interpreter shutdown: the library may be gone
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Scenario(_Handle):
    """A validated scenario. Use Scenario.load (a YAML file) or
    Scenario.from_dict / from_string; `overrides` (a dict of dotted keys, or
    a list of 'key=value' strings) are applied as --set would."""

    _free = "dilemma_scenario_free"

    def __init__(self, handle):
        self._h = ctypes.c_void_p(handle)

    @classmethod
    def load(cls, path, overrides=None):
        h, e = ctypes.c_void_p(), _Error()
        arr, n = _sets(overrides)
        rc = _lib().dilemma_scenario_load(ctypes.byref(h), os.fspath(path).encode(), arr, n,
                                          ctypes.byref(e))
        if rc != OK:
            _raise(rc, e)
        return cls(h.value)

    @classmethod
    def from_string(cls, yaml, name="scenario", overrides=None):
        h, e = ctypes.c_void_p(), _Error()
        arr, n = _sets(overrides)
        rc = _lib().dilemma_scenario_load_string(ctypes.byref(h), yaml.encode(), name.encode(),
                                                 arr, n, ctypes.byref(e))
        if rc != OK:
            _raise(rc, e)
        return cls(h.value)

    @classmethod
    def from_dict(cls, d, name="scenario", overrides=None):
        """A scenario from a dict shaped like the YAML file (JSON is YAML)."""
        return cls.from_string(json.dumps(d), name, overrides)

    @property
    def name(self):
        return _lib().dilemma_scenario_name(self._h).decode()

    @property
    def points(self):
        """Sweep points (1 without a sweep)."""
        return _lib().dilemma_scenario_points(self._h)

    @property
    def runs(self):
        """Monte Carlo runs per sweep point."""
        return _lib().dilemma_scenario_runs(self._h)

    def resolved(self):
        """The scenario as YAML with every default written out."""
        p, e = ctypes.c_void_p(), _Error()
        rc = _lib().dilemma_scenario_resolved(self._h, ctypes.byref(p), ctypes.byref(e))
        if rc != OK:
            _raise(rc, e)
        return _take_string(p)

    def instance(self, point=0, run=0):
        """The instance of one run at one sweep point (an Instance)."""
        return Instance(self, point, run)

    def solve(self, point=0, run=0, method=None):
        """Solves one run; a dict named like runs.csv (see Instance.solve)."""
        with self.instance(point, run) as inst:
            return inst.solve(method)

    def simulate(self, point=0, run=0, method=None):
        """Solves one run and replays it in the simulator (Instance.simulate)."""
        with self.instance(point, run) as inst:
            return inst.simulate(method)

    def run(self, outdir=None, threads=1, runs=0, resume=False, force=False):
        """Runs the experiment into outdir (default: the scenario's output),
        like `dilemma run --no-plot`; returns an Experiment. Raises
        InputError for a directory holding runs without resume or force, and
        InfeasibleError (files written) when nothing in the sweep is
        feasible."""
        e = _Error()
        flags = (RUN_RESUME if resume else 0) | (RUN_FORCE if force else 0)
        rc = _lib().dilemma_experiment_run(self._h, os.fspath(outdir).encode() if outdir else None,
                                           threads, runs, flags, ctypes.byref(e))
        if rc != OK:
            _raise(rc, e)
        return Experiment(outdir if outdir else self._output())

    def _output(self):
        for line in self.resolved().splitlines():
            if line.startswith("output:"):
                return line.split(":", 1)[1].strip().strip("'\"")
        return os.path.join("results", self.name)


class Instance(_Handle):
    """One assembled run. Keeps its scenario alive; close() (or a with
    block) frees it."""

    _free = "dilemma_instance_free"

    def __init__(self, scenario, point, run):
        self._scenario = scenario  # the library's rule: the scenario outlives the instance
        h, e = ctypes.c_void_p(), _Error()
        rc = _lib().dilemma_instance_alloc(ctypes.byref(h), scenario._h, point, run, ctypes.byref(e))
        if rc != OK:
            _raise(rc, e)
        self._h = h
        self.point, self.run = point, run

    @property
    def layers(self):
        return _lib().dilemma_instance_layers(self._h)

    @property
    def servers(self):
        return _lib().dilemma_instance_servers(self._h)

    def _call(self, fn, method):
        p, e = ctypes.c_void_p(), _Error()
        rc = fn(self._h, method.encode() if method else None, ctypes.byref(p), ctypes.byref(e))
        if rc != OK:
            _raise(rc, e)
        return json.loads(_take_string(p))

    def solve(self, method=None):
        """Solves with `method` (None: the scenario's): a dict with point,
        run, method, model, status, objective_s, compute_s, comm_s,
        quant_ratio_pct, servers_used, lower_bound_s, gap_frac, nodes,
        solve_s and placement (a list of {layer, server, bits}), named as in
        runs.csv and timing.csv; None where a value does not exist."""
        return self._call(_lib().dilemma_solve, method)

    def simulate(self, method=None):
        """solve(), then the discrete-event replay: adds sim_s and
        sim_rel_error_frac (and the load columns when the scenario has load)."""
        return self._call(_lib().dilemma_simulate, method)


def _convert(text):
    """A CSV field as int, float, None (empty) or str."""
    if text == "":
        return None
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


# Schemas 1 and 2 -> 3: renamed metrics (None: moved to timing.csv), the
# same table as analysis/schema.c.
_RENAMES = {
    "quant_ratio": "quant_ratio_pct", "lower_bound": "lower_bound_s", "gap": "gap_frac",
    "sim_rel_error": "sim_rel_error_frac", "rho": "rho_frac", "load_mape": "load_mape_pct",
    "util_max": "util_max_frac", "util_mean": "util_mean_frac",
    "one_server_fits_share": "one_server_fits_frac", "solve_s": None, "replan_solve_s": None,
}
_STATS = ("_mean", "_sd", "_ci95", "_median", "_min", "_max")
# runs.csv metrics written as integers; every other metric is a real.
_COUNTS = {"servers_used", "one_server_fits", "nodes", "unstable", "unserved", "solves",
           "migrations", "layers_moved"}


def _new_name(old, summary):
    """The schema-3 name of an old metric column, None if dropped."""
    base, stat = old, ""
    if summary and not old.startswith("paired_ratio"):
        for s in _STATS:
            if old.endswith(s) and len(old) > len(s):
                base, stat = old[:-len(s)], s
                break
    if base in _RENAMES:
        return None if _RENAMES[base] is None else _RENAMES[base] + stat
    return old


def _directory_facts(directory):
    """(experiment, version, model) recorded in an experiment directory of
    an earlier schema: metadata.json (schema 2) and scenario.resolved.yaml."""
    experiment = version = model = None
    try:
        with open(os.path.join(directory, "metadata.json")) as f:
            meta = json.load(f)
        experiment, version = meta.get("experiment"), meta.get("dilemma_version")
    except (OSError, ValueError):
        pass
    try:
        with open(os.path.join(directory, "scenario.resolved.yaml")) as f:
            lines = f.read().splitlines()
        for i, line in enumerate(lines):
            if line.startswith("name:") and experiment is None:
                experiment = line.split(":", 1)[1].strip().strip("'\"")
            if line.startswith("model:") and i + 1 < len(lines):
                for sub in lines[i + 1:]:
                    if not sub.startswith(" "):
                        break
                    if sub.strip().startswith("name:"):
                        model = sub.split(":", 1)[1].strip().strip("'\"")
                        break
            if "written by dilemma " in line and version is None:
                version = line.split("written by dilemma ", 1)[1].split()[0]
    except OSError:
        pass
    return experiment, version, model


def upgrade_rows(header, rows, directory=None):
    """Rows (lists of text) of a runs.csv or summary.csv of schema 1 or 2 in
    schema 3: (new header, rows as dicts of text). Swept keys lose their dots
    (links.omega_min -> links_omega_min), metrics get their unit suffix,
    experiment, version and model are filled in from the directory when it
    is given, and solve_s moves out (schema 3 keeps it in timing.csv)."""
    experiment, version, model = _directory_facts(directory) if directory else (None, None, None)
    summary = "run" not in header
    end = header.index("method") if summary else header.index("run")
    last_fixed = header.index("method") if summary else header.index("status")
    names = []
    for i, h in enumerate(header):
        if 0 < i < end:
            names.append(h.replace(".", "_"))
        elif i > last_fixed and h != "placement" and not h.startswith("n_"):
            names.append(_new_name(h, summary))
        else:
            names.append(h)
    new_header = ["experiment", "version"]
    for n in names:
        if n is not None:
            new_header.append(n)
        if n == "method":
            new_header.append("model")
    out = []
    for r in rows:
        d = {"experiment": experiment or "", "version": version or "unknown"}
        for n, old, v in zip(names, header, r):
            if n is None:
                continue
            if _is_real(n, summary) and v != "":
                try:
                    v = repr(float(v))
                except ValueError:
                    pass
            d[n] = v
        d["model"] = d.get("model_name") or model or ""
        out.append({k: d.get(k, "") for k in new_header})
    return new_header, out


def _is_real(name, summary):
    """1 if a schema-3 metric column holds reals (written with a point)."""
    if name.startswith("n_") or name in ("experiment", "version", "point", "run", "seed", "method",
                                         "model", "status", "placement"):
        return False
    if summary:
        return name.endswith(_STATS) or name.startswith("paired_ratio") or name.endswith("_frac")
    return name not in _COUNTS and name.endswith(("_s", "_pct", "_frac", "_tps", "_rps", "_w",
                                                  "_j_per_token", "_bytes", "mean_batch"))


def read_csv(path, types=True):
    """The rows of a CSV file as a list of dicts, with numbers converted
    (types=False keeps the text). A runs.csv or summary.csv of schema 1 or 2
    (its header starts with 'point') is read in schema 3 (upgrade_rows),
    with what its directory records."""
    with open(path, newline="") as f:
        table = list(csv.reader(f))
    if not table:
        return []
    header, body = table[0], table[1:]
    if header and header[0] == "point" and "method" in header:
        header, rows = upgrade_rows(header, body, os.path.dirname(os.path.abspath(path)))
    else:
        rows = [dict(zip(header, r)) for r in body]
    if types:
        rows = [{k: _convert(v) for k, v in r.items()} for r in rows]
    return rows


def read_runs(directory):
    """DIR/runs.csv as a list of dicts."""
    return read_csv(os.path.join(directory, "runs.csv"))


def read_summary(directory):
    """DIR/summary.csv as a list of dicts."""
    return read_csv(os.path.join(directory, "summary.csv"))


def read_timing(directory):
    """DIR/timing.csv (the wall-clock solve times) as a list of dicts."""
    return read_csv(os.path.join(directory, "timing.csv"))


def to_pandas(path_or_rows):
    """A pandas DataFrame of a CSV file or of rows from read_csv. Raises
    ImportError when pandas is not installed. A file of schema 1 or 2 is
    read in schema 3, as read_csv does."""
    import pandas  # optional: only this function needs it

    if isinstance(path_or_rows, (str, os.PathLike)):
        with open(path_or_rows) as f:
            first = f.readline()
        if first.startswith("point,"):
            return pandas.DataFrame(read_csv(path_or_rows))
        return pandas.read_csv(path_or_rows)
    return pandas.DataFrame(path_or_rows)


class Experiment:
    """An experiment directory written by `dilemma run` or Scenario.run."""

    def __init__(self, directory):
        self.directory = os.fspath(directory)

    def runs(self, pandas=False):
        """runs.csv: a list of dicts, or a DataFrame with pandas=True."""
        path = os.path.join(self.directory, "runs.csv")
        return to_pandas(path) if pandas else read_csv(path)

    def timing(self, pandas=False):
        """timing.csv: the wall-clock solve time of each row of runs.csv."""
        path = os.path.join(self.directory, "timing.csv")
        return to_pandas(path) if pandas else read_csv(path)

    def summary(self, pandas=False):
        """summary.csv: a list of dicts, or a DataFrame with pandas=True."""
        path = os.path.join(self.directory, "summary.csv")
        return to_pandas(path) if pandas else read_csv(path)

    def __repr__(self):
        return "Experiment(%r)" % self.directory
