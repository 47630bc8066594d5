"""End-to-end look at the coordinators' path: start `campaigns serve` (a local Prefect server and every
deployment), open the Prefect UI in headless Chromium (Debian's `chromium`), save screenshots of the
deployments list and of the screening run form, then stop with Ctrl-C (SIGINT) and check both processes
ended. Not a pytest test (it needs Chromium); run it by hand:

    .venv/bin/python tests/e2e/ui_screenshots.py [--out deployments/screenshots] [--port 4321]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync",
                  "--virtual-time-budget=15000"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "deployments" / "screenshots")
    parser.add_argument("--port", type=int, default=4321)
    args = parser.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        sys.exit("chromium is not installed (apt-get install chromium)")
    work = Path(tempfile.mkdtemp(prefix="campaigns-ui-"))
    env = {**os.environ, "CAMPAIGNS_DATABASE_URL": f"sqlite:///{work / 'c.db'}",
           "CAMPAIGNS_OUTPUT_DIR": str(work / "out"), "PREFECT_HOME": str(work / "prefect")}
    log = (work / "serve.log").open("w")
    serve = subprocess.Popen([str(REPO / ".venv" / "bin" / "campaigns"), "serve", "--port", str(args.port)],
                             cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT)
    api = f"http://127.0.0.1:{args.port}/api"
    try:
        deadline = time.monotonic() + 180
        while "being served" not in (work / "serve.log").read_text() and time.monotonic() < deadline:
            if serve.poll() is not None:
                sys.exit(f"campaigns serve exited: {(work / 'serve.log').read_text()[-2000:]}")
            time.sleep(1)
        request = urllib.request.Request(f"{api}/deployments/filter", method="POST",
                                         data=json.dumps({"deployments": {"name": {"any_": ["screening"]}}}).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            screening = json.load(response)[0]["id"]
        args.out.mkdir(parents=True, exist_ok=True)
        pages = {"deployments.png": ("deployments", "1400,800"),
                 "screening-run-form.png": (f"deployments/deployment/{screening}/run", "1400,1800")}
        for name, (path, size) in pages.items():
            subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={work / 'chromium'}", f"--window-size={size}",
                            f"--screenshot={args.out / name}", f"http://127.0.0.1:{args.port}/{path}"],
                           check=True, capture_output=True, timeout=120)
            print(f"saved {args.out / name}")
    finally:
        serve.send_signal(signal.SIGINT)
        serve.wait(60)
    stray = subprocess.run(["pgrep", "-f", f"prefect server start --host 127.0.0.1 --port {args.port}"],
                           capture_output=True, text=True).stdout.split()
    print(f"serve exited with {serve.returncode}; server processes left: {len(stray)}")
    if stray:
        sys.exit("the Prefect server outlived Ctrl-C")


if __name__ == "__main__":
    main()
