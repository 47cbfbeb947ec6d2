"""A real single-node Slurm on localhost, for the tests of the Slurm profile.

Debian's slurm-wlm 22.05 with munge, no accounting daemon, no cgroups, run as
root (see ../shared/reference/toolchain.md). The node declares more CPUs,
memory and GPUs than the machine has (``SlurmdParameters=config_overrides``),
so that a rule's GPU request (``--gpus 1`` with ``device: auto``) can be
scheduled; the GPU jobs then run on the CPU and say so in their logs. With
``gpus=0`` the node has no generic resources, as on a CPU partition.
"""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import time
from pathlib import Path

PACKAGES = ("slurm-wlm", "munge")
# Snakemake options for a cluster without slurmdbd: poll squeue, no account,
# first poll after 2 s.
NO_ACCOUNTING = (
    "--slurm-status-command",
    "squeue",
    "--slurm-no-account",
    "--slurm-init-seconds-before-status-checks",
    "2",
)
MUNGE_PID = Path("/run/munge/munged.pid")
# Job steps (srun inside a batch job) read the default path, not $SLURM_CONF.
CONF_DIR = Path("/etc/slurm")
MARK = "# written by tests/slurm_cluster.py (optical-clir); removed when the test ends"


class SlurmUnavailable(RuntimeError):
    """Slurm cannot be installed or started here (the reason is the message)."""


def ensure_installed(timeout: int = 600) -> None:
    """Install slurm-wlm and munge with apt when they are missing.

    Raises
    ------
    SlurmUnavailable
        Not root, no apt-get, or the install failed.
    """
    if shutil.which("slurmctld") and shutil.which("munged"):
        return
    if os.geteuid() != 0:
        raise SlurmUnavailable("slurm-wlm is not installed and this user is not root")
    if not shutil.which("apt-get"):
        raise SlurmUnavailable("slurm-wlm is not installed and there is no apt-get")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}

    def apt(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["apt-get", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=timeout,
            check=False,
        )

    install = ("install", "-y", "--no-install-recommends", *PACKAGES)
    done = apt(*install)
    if done.returncode != 0:  # stale package lists: refresh them once
        update = apt("update")
        done = apt(*install)
        if update.returncode != 0 or done.returncode != 0:
            raise SlurmUnavailable(
                f"apt-get install {' '.join(PACKAGES)} failed: "
                f"{done.stderr.strip()[-300:]}"
            )


def _slurm_conf(root: Path, cpus: int, mem_mb: int, gpus: int, min_job_age: int) -> str:
    gres_types = "GresTypes=gpu\n" if gpus else ""
    node_gres = f"Gres=gpu:{gpus} " if gpus else ""
    return f"""\
{MARK}
ClusterName=opticaltest
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation={root}/state
SlurmdSpoolDir={root}/spool
SlurmctldPidFile={root}/slurmctld.pid
SlurmdPidFile={root}/slurmd.pid
SlurmctldLogFile={root}/slurmctld.log
SlurmdLogFile={root}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
MinJobAge={min_job_age}
SlurmdParameters=config_overrides
{gres_types}NodeName=localhost NodeAddr=127.0.0.1 CPUs={cpus} RealMemory={mem_mb} \\
  {node_gres}State=UNKNOWN
PartitionName=test Nodes=localhost Default=YES MaxTime=INFINITE State=UP
"""


class LocalSlurm:
    """Start slurmctld + slurmd (and munged if needed); stop all of them on exit.

    Parameters
    ----------
    root
        A scratch directory for slurm.conf, state, spool and the daemons' logs.
    cpus, mem_mb, gpus
        What the node declares (may exceed the machine: see the module docstring).
        ``gpus=0`` gives a CPU-only node, as on a CPU partition.
    min_job_age
        Seconds a finished job stays visible to ``squeue`` (at least 3x the
        plugin's init seconds, or it falls back to sacct).
    """

    def __init__(
        self,
        root: Path,
        cpus: int = 16,
        mem_mb: int = 128000,
        gpus: int = 4,
        min_job_age: int = 600,
    ) -> None:
        self.root = root
        self.conf = CONF_DIR / "slurm.conf"
        self.env = {**os.environ, "SLURM_CONF": str(self.conf)}
        self._spec = (cpus, mem_mb, gpus, min_job_age)
        self._daemons: list[subprocess.Popen] = []
        self._started_munge = False
        self._written: list[Path] = []

    def __enter__(self) -> LocalSlurm:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def run(self, *cmd: str, timeout: int = 30) -> subprocess.CompletedProcess:
        """Run a Slurm client command against this cluster."""
        return subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            env=self.env,
            timeout=timeout,
            check=False,
        )

    def start(self) -> None:
        if self.conf.exists() and MARK not in self.conf.read_text():
            raise SlurmUnavailable(
                f"{self.conf} exists: this machine has its own "
                "Slurm configuration, which the test does not touch"
            )
        for sub in ("state", "spool"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        CONF_DIR.mkdir(parents=True, exist_ok=True)
        self._written = [self.conf, CONF_DIR / "gres.conf"]
        self.conf.write_text(_slurm_conf(self.root, *self._spec))
        self._written[1].write_text(self._gres_conf())
        self._start_munge()
        self._daemons.append(
            subprocess.Popen(
                ["slurmctld", "-D", "-i", "-f", str(self.conf)],
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        self._daemons.append(
            subprocess.Popen(
                ["slurmd", "-D", "-N", "localhost", "-f", str(self.conf)],
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            state = self.run("sinfo", "-h", "-N", "-o", "%T").stdout.strip()
            if state in ("idle", "mixed", "allocated"):
                return
            for daemon in self._daemons:
                if daemon.poll() is not None:
                    logs = self.daemon_logs()
                    raise SlurmUnavailable(f"{daemon.args[0]} exited: {logs}")
            time.sleep(0.5)
        raise SlurmUnavailable(f"node not idle after 60 s: {self.daemon_logs()}")

    def _gres_conf(self) -> str:
        """GPUs as character devices with /dev/null's numbers (Slurm needs a File).

        Where mknod is not allowed, one GPU backed by /dev/null itself.
        """
        gpus = self._spec[2]
        if not gpus:
            return ""  # a CPU-only node: no generic resources at all
        try:
            for i in range(gpus):
                dev = self.root / f"gpu{i}"
                if not dev.exists():
                    os.mknod(dev, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        except OSError:
            self._spec = (*self._spec[:2], 1, self._spec[3])
            self.conf.write_text(_slurm_conf(self.root, *self._spec))
            return "NodeName=localhost Name=gpu File=/dev/null\n"
        return f"NodeName=localhost Name=gpu File={self.root}/gpu[0-{gpus - 1}]\n"

    def _start_munge(self) -> None:
        if self.run("munge", "-n").returncode == 0:
            return  # a munged is already serving this machine
        run_dir = MUNGE_PID.parent
        run_dir.mkdir(parents=True, exist_ok=True)
        shutil.chown(run_dir, "munge", "munge")
        done = subprocess.run(
            ["runuser", "-u", "munge", "--", "munged"],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise SlurmUnavailable(f"munged did not start: {done.stderr.strip()}")
        self._started_munge = True

    def jobs(self, fields: str = "%i|%T|%k") -> list[tuple[str, ...]]:
        """Every job Slurm still remembers, as ``squeue -o fields`` split on ``|``
        (by default: job id, state, comment; the comment names the rule)."""
        out = self.run("squeue", "-h", "-t", "all", "-o", fields).stdout
        return [tuple(line.split("|")) for line in out.splitlines() if line]

    def daemon_logs(self, lines: int = 20) -> str:
        """The last lines of the slurmctld and slurmd logs (for failure messages)."""
        out = []
        for name in ("slurmctld.log", "slurmd.log"):
            path = self.root / name
            if path.exists():
                tail = path.read_text(errors="replace").splitlines()[-lines:]
                out.append(f"--- {name}\n" + "\n".join(tail))
        return "\n".join(out)

    def stop(self) -> None:
        """Cancel every job, shut the daemons down, and stop munged if we started it."""
        if self._daemons:
            self.run("scancel", "--user", str(os.getuid()))
            self.run("scontrol", "shutdown")
        for daemon in self._daemons:
            try:
                daemon.wait(timeout=20)
            except subprocess.TimeoutExpired:
                daemon.kill()
                daemon.wait()
        self._daemons.clear()
        if self._started_munge and MUNGE_PID.exists():
            try:
                os.kill(int(MUNGE_PID.read_text().strip()), signal.SIGTERM)
            except (ProcessLookupError, ValueError):
                pass
            self._started_munge = False
        for path in self._written:
            path.unlink(missing_ok=True)
        self._written.clear()


def cluster_or_skip(root: Path, **spec):
    """A started :class:`LocalSlurm` for a pytest fixture (``yield from``), or a
    skip with the reason where Slurm cannot run here; stopped afterwards."""
    import pytest

    try:
        ensure_installed()
        cluster = LocalSlurm(root, **spec)
        cluster.start()
    except (SlurmUnavailable, OSError, subprocess.SubprocessError) as exc:
        pytest.skip(f"no local Slurm: {exc}")
    try:
        yield cluster
    finally:
        cluster.stop()
