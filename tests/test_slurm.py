"""The workflow on a real single-node Slurm, through snakemake's Slurm executor plugin.

The fixture installs Debian's Slurm when it is missing (tests/slurm/install_slurm.sh),
starts a private munged + slurmctld + slurmd under a temporary folder
(tests/slurm/start_slurm.sh) and stops exactly those daemons at the end
(tests/slurm/stop_slurm.sh). It needs root and apt; where they are missing the tests are
skipped with the reason, except under CI=true, where they fail instead.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
HELPERS = ROOT / "tests" / "slurm"
PROFILE = ROOT / "profiles" / "slurm"
INTEGRATION_CONFIG = ROOT / ".tests" / "integration" / "config.yaml"
DAEMONS = ["munged", "slurmctld", "slurmd"]
CLIENTS = ["sbatch", "squeue", "scontrol", "scancel", "sinfo", "srun"]

# Flags for this test cluster only, not for real clusters: it has no slurmdbd, so job
# states come from squeue (slurm.conf keeps finished jobs there for 10 min), and short
# jobs are polled from 1 s on instead of the plugin's default 40 s.
TEST_CLUSTER_FLAGS = [
    "--slurm-status-command",
    "squeue",
    "--slurm-init-seconds-before-status-checks",
    "1",
]
# The text experiment's figure: its chain passes every stage the cluster profile treats
# differently (GPU embedding, grouped reduce + Lasso fits, grouped GPU training, grouped
# analysis + figure) in about a third of the full integration run's time; the full run
# is measured for the README, and tests/test_workflow.py runs it locally.
LLM_FIGURE = "results/figures/llm_embeddings.png"
# Hard limits (SIGKILL to the whole process group: a stuck run ignores SIGTERM).
INTEGRATION_LIMIT_S = 300
FAILING_LIMIT_S = 120


def skip_or_fail(reason: str) -> None:
    """Skip outside CI; under CI=true a Slurm test that cannot run is a failure."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but the Slurm test cannot run: {reason}")
    pytest.skip(reason)


def ensure_slurm_installed() -> None:
    if all(shutil.which(command) for command in DAEMONS + CLIENTS):
        return
    if shutil.which("apt-get") is None:
        skip_or_fail("Slurm is not installed and apt-get is not available to install it")
    result = subprocess.run(
        ["bash", str(HELPERS / "install_slurm.sh")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode != 0 or not all(shutil.which(c) for c in DAEMONS + CLIENTS):
        skip_or_fail(f"installing Debian's Slurm failed:\n{result.stdout[-2000:]}{result.stderr}")


@dataclass
class Cluster:
    """A running private Slurm: the environment that reaches it, and its one node."""

    env: dict[str, str]
    node_cpus: int
    node_mem_mb: int

    def jobs(self) -> list[dict[str, str]]:
        """Every job the controller still knows (finished ones for 10 min), as fields."""
        out = self.command(["scontrol", "--oneliner", "show", "job"]).stdout
        return [
            dict(field.split("=", 1) for field in line.split() if "=" in field)
            for line in out.splitlines()
            if line.startswith("JobId=")
        ]

    def command(self, args: list[str]) -> subprocess.CompletedProcess:
        return subprocess.run(
            args, env=self.env, capture_output=True, text=True, timeout=30, check=True
        )


@pytest.fixture(scope="module")
def slurm(tmp_path_factory) -> Iterator[Cluster]:
    if sys.platform != "linux" or os.geteuid() != 0:
        skip_or_fail("starting slurmctld and slurmd needs root on Linux")
    ensure_slurm_installed()
    state = tmp_path_factory.mktemp("slurm")
    try:
        started = subprocess.run(
            ["bash", str(HELPERS / "start_slurm.sh"), str(state)],
            capture_output=True,
            text=True,
            timeout=90,
        )
        assert started.returncode == 0, f"Slurm did not start:\n{started.stdout}{started.stderr}"
        env = {
            **os.environ,
            "SLURM_CONF": str(state / "etc" / "slurm.conf"),
            "PATH": f"{state / 'bin'}:{os.environ['PATH']}",
        }
        cpus, mem_mb = subprocess.run(
            ["sinfo", "--noheader", "--format=%c %m"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        yield Cluster(env=env, node_cpus=int(cpus), node_mem_mb=int(mem_mb))
    finally:
        subprocess.run(["bash", str(HELPERS / "stop_slurm.sh"), str(state)], timeout=120)


def run_snakemake(
    args: list[str], cwd: Path, env: dict[str, str], limit_s: float
) -> tuple[int, str]:
    """Run snakemake in its own process group; kill the group when over the limit."""
    log_path = cwd / "snakemake-run.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "snakemake", *args],
            cwd=cwd,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            process.wait(timeout=limit_s)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            pytest.fail(
                f"snakemake did not finish within {limit_s} s; last output:\n"
                + log_path.read_text()[-4000:]
            )
    return process.returncode, log_path.read_text()


def profile_caps(profile: dict) -> dict[str, int]:
    """The profile's per-submission caps (`resources:` entries NAME=INT)."""
    return {name: int(value) for name, value in (e.split("=") for e in profile["resources"])}


def max_slurm_job_id(cluster: Cluster) -> int:
    return max((int(job["JobId"]) for job in cluster.jobs()), default=0)


@pytest.mark.workflow
def test_profile_matches_the_workflow(tmp_path):
    """The profile names only existing rules, and every submitted rule sizes itself
    (mem_mb, runtime): the profile sets no default-resources (see its header)."""
    dry = subprocess.run(
        [sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile")]
        + ["--directory", str(tmp_path), "--configfile", str(INTEGRATION_CONFIG)]
        + ["--workflow-profile", "none", "--cores", "1", "--dry-run"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert dry.returncode == 0, dry.stdout + dry.stderr
    jobs = re.findall(
        r"^(?:local)?rule (\w+):\n(?:    .*\n)*?    resources: (.*)$", dry.stdout, re.M
    )
    resources = {rule: line for rule, line in jobs if rule != "all"}
    assert resources, dry.stdout[-3000:]
    unsized = {
        r: line
        for r, line in resources.items()
        if not {"mem_mb", "runtime"} <= set(field.split("=")[0] for field in line.split(", "))
    }
    assert not unsized, f"rules without mem_mb or runtime: {unsized}"

    profile = yaml.safe_load((PROFILE / "config.yaml").read_text())
    named = set(profile["groups"]) | set(profile["set-resources"])
    assert named <= set(resources), f"profile names unknown rules: {named - set(resources)}"
    assert set(profile["groups"].values()) == set(profile["group-components"])


@pytest.mark.slurm
@pytest.mark.slow
@pytest.mark.workflow
def test_integration_config_runs_under_slurm(slurm, tmp_path):
    """The integration config's text chain, with the cluster profile, on Slurm."""
    if not INTEGRATION_CONFIG.exists():
        pytest.fail(f"missing {INTEGRATION_CONFIG}")
    profile = yaml.safe_load((PROFILE / "config.yaml").read_text())
    # The profile's per-submission caps, shrunk to fit this one small node (a group
    # asking for more CPUs than any node has would stay pending forever).
    caps = profile_caps(profile)
    caps["mem_mb"] = min(caps["mem_mb"], slurm.node_mem_mb)
    cores = min(profile["cores"], slurm.node_cpus)
    workflow = [
        LLM_FIGURE,  # before the options: --configfile takes several values
        "--snakefile",
        str(ROOT / "Snakefile"),
        "--directory",
        str(tmp_path),
        "--configfile",
        str(INTEGRATION_CONFIG),
    ]
    first_job_id = max_slurm_job_id(slurm) + 1

    code, log = run_snakemake(
        [
            *workflow,
            "--workflow-profile",
            str(PROFILE),
            *TEST_CLUSTER_FLAGS,
            "--cores",
            str(cores),
            "--resources",
            *(f"{name}={value}" for name, value in caps.items()),
        ],
        cwd=tmp_path,
        env=slurm.env,
        limit_s=INTEGRATION_LIMIT_S,
    )
    assert code == 0, f"snakemake under Slurm failed (exit {code}):\n{log[-6000:]}"

    # Every output the target needs is present and up to date: a local dry run in the
    # same folder has nothing left to do.
    dry = subprocess.run(
        [sys.executable, "-m", "snakemake", *workflow]
        + ["--workflow-profile", "none", "--cores", "1", "--dry-run"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "Nothing to be done" in dry.stdout + dry.stderr, dry.stdout[-3000:]
    assert (tmp_path / LLM_FIGURE).stat().st_size > 0

    # The jobs really went through Slurm, as the profile says: GPU rules asked Slurm for
    # a GPU, and groups bundled the small jobs into few submissions.
    run_jobs = [job for job in slurm.jobs() if int(job["JobId"]) >= first_job_id]
    assert all(job["JobState"] == "COMPLETED" for job in run_jobs), run_jobs
    gpu_comments = {job["Comment"] for job in run_jobs if "gpu:1" in job.get("TresPerJob", "")}
    assert any("embed" in c for c in gpu_comments), f"no GPU embed job: {gpu_comments}"
    assert any("train" in c for c in gpu_comments), f"no GPU train job: {gpu_comments}"
    assert_grouped(profile, log, n_submissions=len(run_jobs))


def assert_grouped(profile: dict, log: str, n_submissions: int) -> None:
    """At most one submission per ungrouped job, and per group one per
    `group-components` of its jobs (a bound that ignores how the jobs connect)."""
    finished = Counter(re.findall(r"Finished jobid: \d+ \(Rule: (\w+)\)", log))
    finished.pop("all", None)  # the target rule runs no code and is never submitted
    jobs_per_group, ungrouped = Counter(), 0
    for rule, count in finished.items():
        group = profile["groups"].get(rule)
        if group is None:
            ungrouped += count
        else:
            jobs_per_group[group] += count
    bound = ungrouped + sum(
        math.ceil(count / profile["group-components"][group])
        for group, count in jobs_per_group.items()
    )
    assert n_submissions <= bound, (n_submissions, bound, finished)
    assert n_submissions < sum(finished.values()), (n_submissions, finished)


@pytest.mark.slurm
@pytest.mark.slow
@pytest.mark.workflow
def test_failing_job_makes_snakemake_exit_nonzero(slurm, tmp_path):
    shutil.copy(HELPERS / "failing" / "Snakefile", tmp_path / "Snakefile")
    code, log = run_snakemake(
        [
            "--executor",
            "slurm",
            "--workflow-profile",
            "none",
            "--jobs",
            "2",
            "--keep-going",
            "--retries",
            "0",
            *TEST_CLUSTER_FLAGS,
        ],
        cwd=tmp_path,
        env=slurm.env,
        limit_s=FAILING_LIMIT_S,
    )
    assert code != 0, f"snakemake exited 0 although a job failed:\n{log[-4000:]}"
    assert "Error in rule fail" in log, log[-4000:]
    # The job itself ran on the cluster and failed (not a submission problem) ...
    assert (tmp_path / "logs" / "fail.log").read_text().strip() == "failing on purpose"
    assert not (tmp_path / "failed.txt").exists()
    # ... and the independent job still finished.
    assert (tmp_path / "succeeded.txt").read_text().strip() == "ok"
