"""Two experiments that sweep different keys (fig3-delta sweeps
quantization.delta, fig5-d2d-speed links.omega_min) combine without renaming:
pandas.concat of their runs.csv has one column per name with one type, and
DataFrame.query works on the swept columns. Without pandas the same is
checked with the csv module: the union of the headers has no dotted name,
every column the two files share holds one kind of value (integers, reals or
text) in both, and filtering on a swept column selects exactly the rows of
the experiment that swept it (docs/experiments.md, schema 3)."""

import csv
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

SRC = os.environ.get("top_srcdir", os.path.join(os.path.dirname(__file__), "..", ".."))
CLI = os.environ.get("DILEMMA", "dilemma")
NAMES = ("fig3-delta", "fig5-d2d-speed")

INT = re.compile(r"^-?[0-9]+$")


def kind(text):
    """'int', 'real' or 'text' for a non-empty CSV field."""
    if INT.match(text):
        return "int"
    try:
        float(text)
        return "real"
    except ValueError:
        return "text"


def read(path):
    with open(path, newline="") as f:
        r = csv.reader(f)
        header = next(r)
        return header, list(r)


class ConcatTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp()
        cls.dirs = {}
        for n in NAMES:
            d = os.path.join(cls.tmp, n)
            subprocess.run([CLI, "run", os.path.join(SRC, "scenarios", n + ".yaml"), "--runs", "2",
                            "-o", d, "--no-plot", "-q", "-j", "2"], check=True)
            cls.dirs[n] = d
        cls.files = {n: read(os.path.join(d, "runs.csv")) for n, d in cls.dirs.items()}
        cls.sweep = {}
        for n, d in cls.dirs.items():
            with open(os.path.join(d, "metadata.json")) as f:
                cls.sweep[n] = [s["column"] for s in json.load(f)["sweep"]]

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def test_swept_columns_differ_and_have_no_dots(self):
        self.assertEqual(self.sweep["fig3-delta"], ["quantization_delta"])
        self.assertEqual(self.sweep["fig5-d2d-speed"], ["links_omega_min"])
        for n, (header, _) in self.files.items():
            self.assertEqual([h for h in header if "." in h], [], n)
            self.assertEqual(len(set(header)), len(header), n)
            for c in self.sweep[n]:
                self.assertIn(c, header, n)

    def test_shared_columns_keep_one_kind(self):
        kinds = {}
        for n, (header, rows) in self.files.items():
            for i, h in enumerate(header):
                seen = {kind(r[i]) for r in rows if r[i] != ""}
                self.assertLessEqual(len(seen), 1, "%s: column %s holds %s" % (n, h, seen))
                if seen:
                    kinds.setdefault(h, {})[n] = seen.pop()
        shared = {h: k for h, k in kinds.items() if len(k) == 2}
        self.assertIn("comm_s", shared)  # 0 in every fig3 row: still a real
        for h, k in shared.items():
            self.assertEqual(len(set(k.values())), 1, "column %s: %s" % (h, k))
        self.assertEqual(kinds["comm_s"]["fig3-delta"], "real")
        self.assertEqual(kinds["objective_s"]["fig5-d2d-speed"], "real")
        self.assertEqual(kinds["nodes"]["fig5-d2d-speed"], "int")

    def test_union_filters_by_swept_value(self):
        # The union of the two files, as pandas.concat builds it: a column
        # missing from one experiment is empty in its rows.
        union = []
        for n, (header, rows) in self.files.items():
            union += [dict(zip(header, r), _from=n) for r in rows]
        picked = [r for r in union if r.get("links_omega_min", "") != ""
                  and float(r["links_omega_min"]) >= 1e8]
        self.assertTrue(picked)
        self.assertEqual({r["experiment"] for r in picked}, {"fig5-d2d-speed"})
        self.assertEqual({r["_from"] for r in picked}, {"fig5-d2d-speed"})
        for r in union:
            self.assertEqual(r["experiment"], r["_from"])  # every row names its experiment

    def test_pandas_concat_and_query(self):
        try:
            import pandas
        except ImportError:
            self.skipTest("pandas is not installed (the csv-module tests above cover it)")
        frames = [pandas.read_csv(os.path.join(self.dirs[n], "runs.csv")) for n in NAMES]
        df = pandas.concat(frames, ignore_index=True)
        self.assertEqual(len(df), sum(len(f) for f in frames))
        self.assertEqual(len(df.columns), len(set(df.columns)))
        for c in ("objective_s", "comm_s", "quant_ratio_pct"):
            self.assertEqual(df[c].dtype.kind, "f", c)
        q = df.query("links_omega_min >= 1e8")
        self.assertEqual(set(q["experiment"]), {"fig5-d2d-speed"})
        self.assertEqual(len(q), int((frames[1]["links_omega_min"] >= 1e8).sum()))
        q = df.query("quantization_delta < 1e-3 and method == 'ilp'")
        self.assertEqual(set(q["experiment"]), {"fig3-delta"})


if __name__ == "__main__":
    unittest.main()
