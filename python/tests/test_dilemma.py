"""Tests of the dilemma Python package against the built libdilemma and the
dilemma command (tests/python.sh sets DILEMMA_LIBRARY, DILEMMA and
top_srcdir). Results are compared with the command's, an independent path
through the same library's stages, not with numbers copied from a run."""

import json
import os
import shutil
import subprocess
import tempfile
import unittest

import dilemma

SRC = os.environ.get("top_srcdir", os.path.join(os.path.dirname(__file__), "..", ".."))
QUICK = os.path.join(SRC, "scenarios", "quickstart.yaml")
CLI = os.environ.get("DILEMMA", "dilemma")


def cli(*args):
    return subprocess.run([CLI, *args], check=True, capture_output=True, text=True).stdout


class ScenarioTest(unittest.TestCase):
    def test_load_with_overrides(self):
        sc = dilemma.Scenario.load(QUICK, {"runs": 3, "servers.count": 4})
        self.assertEqual(sc.name, "quickstart")
        self.assertEqual(sc.runs, 3)
        self.assertEqual(sc.points, 4)  # the four omega_min values of the file
        self.assertIn("count: 4", sc.resolved())

    def test_overrides_as_strings(self):
        sc = dilemma.Scenario.load(QUICK, ["runs=2", "links.omega_min=2e8"])
        self.assertEqual(sc.runs, 2)

    def test_from_dict_equals_file(self):
        # The dict form of a small scenario resolves to the same YAML as the
        # same scenario written as a file.
        d = {"runs": 2, "seed": 7, "model": {"name": "opt-125m"},
             "servers": {"count": 3, "ccs": {"min": 1e9, "max": 2e9}}}
        with tempfile.TemporaryDirectory() as t:
            path = os.path.join(t, "small.yaml")
            with open(path, "w") as f:
                f.write("runs: 2\nseed: 7\nmodel:\n  name: opt-125m\nservers:\n  count: 3\n"
                        "  ccs: {min: 1e9, max: 2e9}\n")
            a = dilemma.Scenario.load(path).resolved()
        b = dilemma.Scenario.from_dict(d, name="small").resolved()
        self.assertEqual(a, b)

    def test_bad_override_names_key(self):
        with self.assertRaises(dilemma.InputError) as cm:
            dilemma.Scenario.load(QUICK, {"runs": "abc"})
        self.assertEqual(cm.exception.code, 2)
        self.assertIn("--set runs=abc: error: runs: expected a number", cm.exception.message)
        with self.assertRaises(dilemma.InputError) as cm:
            dilemma.Scenario.load(QUICK, {"links.omgea_min": 5})
        self.assertIn("did you mean 'omega_min'", cm.exception.message)

    def test_bad_file(self):
        with self.assertRaises(dilemma.InputError) as cm:
            dilemma.Scenario.from_string("runs: -1\n", name="bad.yaml")
        self.assertIn("bad.yaml:1:7: error: runs:", cm.exception.message)
        with self.assertRaises(dilemma.DilemmaError):
            dilemma.Scenario.load(os.path.join(SRC, "no-such-file.yaml"))


class RunOneTest(unittest.TestCase):
    def test_solve_matches_cli(self):
        sc = dilemma.Scenario.load(QUICK, {"runs": 4})
        r = sc.solve(point=2, run=3, method="ilp")
        c = json.loads(cli("solve", QUICK, "--set", "runs=4", "--point", "2", "--run", "3",
                           "--method", "ilp", "--json"))
        self.assertEqual(r["status"], c["status"])
        self.assertEqual(r["objective_s"], c["objective_s"])  # the same double, exactly
        self.assertEqual([(p["layer"], p["server"], p["bits"]) for p in r["placement"]],
                         [(p["layer"], p["server"], p["bits"]) for p in c["placement"]])
        # compute + communication = objective, to rounding of two additions
        self.assertAlmostEqual(r["compute_s"] + r["comm_s"], r["objective_s"],
                               delta=1e-12 * r["objective_s"])

    def test_instance_and_simulate(self):
        sc = dilemma.Scenario.load(QUICK, {"runs": 2})
        with sc.instance(0, 1) as inst:
            self.assertEqual((inst.layers, inst.servers), (26, 6))
            r = inst.simulate("greedy")
        self.assertEqual(r["method"], "greedy")
        # The replay of one request reproduces the analytic time (docs/simulation.md:
        # the same cost functions; only floating-point summation order differs).
        self.assertLess(r["sim_rel_error_frac"], 1e-9)
        self.assertEqual(len(r["placement"]), 26)

    def test_infeasible_is_a_status(self):
        sc = dilemma.Scenario.load(QUICK, {
            "runs": 1, "servers.storage": {"min": 0.01, "max": 0.02, "unit": "model_fp32_share"}})
        r = sc.solve(method="ilp")
        self.assertEqual(r["status"], "infeasible")
        self.assertIsNone(r["objective_s"])
        self.assertEqual(r["placement"], [])

    def test_bad_arguments(self):
        sc = dilemma.Scenario.load(QUICK, {"runs": 2})
        with self.assertRaises(dilemma.InputError):
            sc.instance(point=99)
        with self.assertRaises(dilemma.InputError):
            sc.instance(run=2)
        with self.assertRaises(dilemma.InputError):
            sc.solve(method="simplex")


class ExperimentTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def test_run_matches_cli_and_reads_back(self):
        out = os.path.join(self.tmp, "py")
        exp = dilemma.Scenario.load(QUICK, {"runs": 2}).run(out, threads=2)
        ref = os.path.join(self.tmp, "cli")
        cli("run", QUICK, "--set", "runs=2", "-o", ref, "--no-plot", "-q")
        with open(os.path.join(out, "runs.csv"), "rb") as a, \
                open(os.path.join(ref, "runs.csv"), "rb") as b:
            self.assertEqual(a.read(), b.read())
        rows = exp.runs()
        self.assertEqual(len(rows), 4 * 2 * 3)  # points x runs x methods
        self.assertIsInstance(rows[0]["point"], int)
        self.assertIsInstance(rows[0]["objective_s"], float)
        summary = exp.summary()
        self.assertEqual(len(summary), 4 * 3)
        self.assertEqual({s["method"] for s in summary}, {"ilp", "single", "greedy"})

    def test_refuses_then_resumes(self):
        out = os.path.join(self.tmp, "d")
        sc = dilemma.Scenario.load(QUICK, {"runs": 1})
        sc.run(out)
        with self.assertRaises(dilemma.InputError) as cm:
            sc.run(out)
        self.assertIn("already holds", cm.exception.message)
        sc.run(out, runs=2, resume=True)
        self.assertEqual(len(dilemma.read_runs(out)), 4 * 2 * 3)

    def test_nothing_feasible(self):
        sc = dilemma.Scenario.load(QUICK, {
            "runs": 1, "servers.storage": {"min": 0.01, "max": 0.02, "unit": "model_fp32_share"}})
        with self.assertRaises(dilemma.InfeasibleError):
            sc.run(os.path.join(self.tmp, "nf"))
        self.assertTrue(os.path.exists(os.path.join(self.tmp, "nf", "summary.csv")))

    def test_pandas_when_installed(self):
        out = os.path.join(self.tmp, "p")
        exp = dilemma.Scenario.load(QUICK, {"runs": 1}).run(out)
        try:
            import pandas  # noqa: F401
        except ImportError:
            with self.assertRaises(ImportError):
                exp.runs(pandas=True)
            self.skipTest("pandas is not installed")
        df = exp.runs(pandas=True)
        self.assertEqual(len(df), len(exp.runs()))


class SchemaTest(unittest.TestCase):
    """Files of schema 2 (tests/data/schema2, written by dilemma 0.1.0) read
    in schema 3, value for value."""

    OLD = os.path.join(SRC, "tests", "data", "schema2")

    def test_old_runs_read_with_new_names(self):
        import csv
        with open(os.path.join(self.OLD, "runs.csv"), newline="") as f:
            raw = list(csv.DictReader(f))
        rows = dilemma.read_runs(self.OLD)
        self.assertEqual(len(rows), len(raw))
        self.assertEqual(list(rows[0])[:9], ["experiment", "version", "point", "links_omega_min", "run",
                                            "seed", "method", "model", "status"])
        self.assertNotIn("solve_s", rows[0])
        for new, old in zip(rows, raw):
            self.assertEqual((new["experiment"], new["version"], new["model"]),
                             ("quickstart", "0.1.0", "opt-350m"))
            self.assertEqual(new["links_omega_min"], float(old["links.omega_min"]))
            for n, o in (("objective_s", "objective_s"), ("quant_ratio_pct", "quant_ratio"),
                         ("lower_bound_s", "lower_bound"), ("gap_frac", "gap"),
                         ("sim_rel_error_frac", "sim_rel_error"), ("comm_s", "comm_s")):
                self.assertEqual(new[n], float(old[o]) if old[o] else None, n)
                if old[o]:
                    self.assertIsInstance(new[n], float, n)  # 0 reads as 0.0: a real column

    def test_old_summary_read_with_new_names(self):
        rows = dilemma.read_summary(self.OLD)
        self.assertIn("quant_ratio_pct_mean", rows[0])
        self.assertIn("one_server_fits_frac", rows[0])
        self.assertNotIn("solve_s_mean", rows[0])
        self.assertEqual(rows[0]["model"], "opt-350m")


if __name__ == "__main__":
    unittest.main()
