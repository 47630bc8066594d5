"""A newcomer's first run: a command on a new PREFECT_HOME, on a machine whose cores are busy, starts its
temporary Prefect API (which first migrates Prefect's own database) and finishes the campaign.

Prefect gives that server 20 s; migrating an empty database alone took 8-17 s on two idle cores here, and
over 40 s with the cores busy, so every first run failed. The command passes the project's own limit
(CAMPAIGNS_PREFECT_STARTUP_TIMEOUT_SECONDS) on to Prefect."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from tasks.reference.provinces import parse_provinces
from tasks.settings import get_settings
from tasks.storage import db
from tasks.storage.engine import build_engine
from tasks.synthetic.seed import seed_database

pytestmark = pytest.mark.slow
# The command and a spinning process share one core, so the command gets half of it while the suite's other
# workers keep theirs (before: six spinners on both cores, which starved the whole suite as much as the command).
BUSY = 1


def _on_one_core() -> None:
    """Run the child on the machine's last core (its own children inherit it)."""
    os.sched_setaffinity(0, {max(os.sched_getaffinity(0))})


def _fresh_environment(tmp_path: Path) -> dict[str, str]:
    """The environment of a coordinator's first day: no Prefect server, a Prefect home never used."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home-never-used")
    return env


def test_first_run_on_a_busy_machine_with_a_new_prefect_home_finishes(tmp_path):
    settings = get_settings()
    engine = build_engine(settings)
    db.upgrade(engine)
    seed_database(engine, 300, parse_provinces("52"), output_dir=settings.output_dir)
    command = [str(Path(sys.executable).parent / "campaigns"), "run", "screening", "--provinces", "52",
               "--as-of", "2023-06-30", "--mode", "close_out", "--dry-run"]
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"], preexec_fn=_on_one_core)
            for _ in range(BUSY)]
    try:
        done = subprocess.run(command, env=_fresh_environment(tmp_path), capture_output=True, text=True,
                              timeout=900, preexec_fn=_on_one_core)
    finally:
        for process in busy:
            process.kill()
    assert "Timed out while attempting to connect to ephemeral Prefect API server" not in done.stderr
    assert done.returncode == 0, done.stderr[-4000:]
    assert "首次运行" in done.stderr  # the wait is announced, not silent
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert "total" in summary["leads"] and "new_candidates" in summary


def test_the_commands_pass_the_startup_limit_on_to_prefect(tmp_path, monkeypatch):
    """What the slow test relies on, quickly: the limit reaches Prefect's own setting in the command's
    process, unless Prefect's variable is set (then whoever set it decides)."""
    probe = ("from deployments.cli import app; import sys; sys.argv = ['campaigns', 'settings']\n"
             "try: app()\nexcept SystemExit: pass\n"
             "from prefect.settings import PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS as limit\n"
             "print('limit', limit.value())")
    env = _fresh_environment(tmp_path) | {"CAMPAIGNS_PREFECT_STARTUP_TIMEOUT_SECONDS": "123"}
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "limit 123"
    env["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] = "77"
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "limit 77"


def test_worker_processes_use_the_commands_temporary_server(tmp_path, engine):
    """A campaign fanned out over worker processes, run by a command with no Prefect server set, starts one
    temporary server, and none is left when it ends: the workers talk to the command's (each used to start
    its own, seconds of a busy machine each). The workers are the command's own, forked before its flow
    (tasks.partitions.warm), not spawned to import everything again, and what they found is stored."""
    import psutil

    seed_database(engine, 400, parse_provinces("52,53"), output_dir=get_settings().output_dir)
    env = _fresh_environment(tmp_path) | {"CAMPAIGNS_PARTITION_HOUSEHOLDS": "150", "CAMPAIGNS_WORKERS": "2"}
    command = [str(Path(sys.executable).parent / "campaigns"), "run", "screening", "--provinces", "52,53",
               "--as-of", "2023-06-30", "--mode", "close_out"]
    out_file, err_file = tmp_path / "stdout", tmp_path / "stderr"  # files: a full pipe would stop the command
    with out_file.open("w") as out, err_file.open("w") as err:
        process = psutil.Popen(command, env=env, stdout=out, stderr=err)
        own = " ".join(process.cmdline())
    servers, forked, spawned = set(), set(), set()
    while process.poll() is None:
        for child in process.children(recursive=True):
            try:
                line = " ".join(child.cmdline())
            except psutil.Error:  # ended between the listing and the reading
                continue
            if "uvicorn" in line:  # a server's own forked helpers share its port
                servers.add((child.pid, line.split("--port ")[1].split()[0]))
            elif "spawn_main" in line:
                spawned.add(child.pid)
            elif line == own:
                forked.add(child.pid)
    assert process.wait() == 0, err_file.read_text()[-4000:]
    assert len(forked) >= 2, f"no workers forked by the command: {err_file.read_text()[-3000:]}"
    assert not spawned, f"{len(spawned)} worker processes spawned beside the {len(forked)} forked by the command"
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(DISTINCT province_code) FROM screening_findings")).scalar() == 2
    ports = {port for _, port in servers}
    assert len(ports) == 1, f"{len(ports)} Prefect servers for one command, on ports {sorted(ports)}"
    assert not any(psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
                   for pid, _ in servers), "a temporary server outlived its command"
    assert json.loads(out_file.read_text().strip().splitlines()[-1])["leads"]["total"] >= 0


def test_a_server_set_in_a_prefect_profile_is_used_not_a_temporary_one(tmp_path):
    """`prefect config set PREFECT_API_URL=…` writes the active profile, not the environment: the command
    must find it there and start no server of its own (its flows would be invisible in that server's UI)."""
    probe = ("import os\nfrom deployments.temporary_api import TEMPORARY_API\nTEMPORARY_API.start()\n"
             "print('started', TEMPORARY_API.started, os.environ.get('PREFECT_API_URL'))\n"
             "from prefect.settings import PREFECT_API_URL\nprint('api', PREFECT_API_URL.value())")
    profiles = tmp_path / "profiles.toml"
    profiles.write_text('active = "office"\n[profiles.office]\nPREFECT_API_URL = "http://10.1.2.3:4200/api"\n')
    env = _fresh_environment(tmp_path) | {"PREFECT_PROFILES_PATH": str(profiles)}
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == ["started False None", "api http://10.1.2.3:4200/api"]
    profiles.write_text('active = "office"\n[profiles.office]\n')
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    started, api = out.stdout.splitlines()
    assert started.startswith("started True http://127.0.0.1:") and api == "api " + started.split()[-1]


def test_the_temporary_server_runs_without_the_services_nobody_uses(tmp_path):
    """A server living for one command keeps no automations and no event feed for a UI it does not serve:
    started without them (0.6 s of its start and work on every event), unless the environment asks for one."""
    # Its environment as the server has it: read once it has replaced the command's (the fork's copy).
    probe = ("import time\nfrom pathlib import Path\nfrom deployments.temporary_api import TEMPORARY_API\n"
             "TEMPORARY_API.start()\nenv = {}\n"
             "for _ in range(200):\n"
             "    env = dict(v.split('=', 1) for v in Path(f'/proc/{TEMPORARY_API._process.pid}/environ')"
             ".read_text().split(chr(0)) if '=' in v)\n"
             "    if 'PREFECT__SERVER_EPHEMERAL' in env: break\n"
             "    time.sleep(0.05)\n"
             "TEMPORARY_API.stop()\n"
             "print(env.get('PREFECT__SERVER_EPHEMERAL'), env.get('PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED'), "
             "env.get('PREFECT_SERVER_SERVICES_EVENT_PERSISTER_ENABLED'))")
    env = _fresh_environment(tmp_path)
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["1", "false", "false"]
    env["PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED"] = "true"
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["1", "true", "false"]


def test_workers_that_cannot_be_forked_leave_the_run_to_start_its_own(tmp_path):
    """Forking the workers early saves seconds, never a run: a worker failing its preparation leaves no pool
    waiting (the run's pool spawns its own), and the command goes on."""
    probe = ("from tasks.partitions import warm\n"
             "def fine(): pass\n"
             "def failing(): raise RuntimeError('no GX here')\n"
             "print(warm.start(2, failing), warm._waiting)\n")
    out = subprocess.run([sys.executable, "-c", probe], env=_fresh_environment(tmp_path), capture_output=True,
                         text=True, check=True)
    assert out.stdout.split() == ["False", "None"]
    assert "worker processes could not be forked; the run starts its own" in out.stderr
    probe = probe.replace("print(warm.start(2, failing), warm._waiting)",
                          "print(warm.start(2, fine), warm.take(2, fine) is not None)")
    out = subprocess.run([sys.executable, "-c", probe], env=_fresh_environment(tmp_path), capture_output=True,
                         text=True, check=True)
    assert out.stdout.split() == ["True", "True"]
