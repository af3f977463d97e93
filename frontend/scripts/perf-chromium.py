#!/usr/bin/env python3
"""Measure the DCL graph in Chromium: layout and first draw for the demo and synthetic graphs.

Builds the console into a scratch dir, serves it with `vite preview`, opens
`/?demo-state=...` in the Debian chromium (/usr/bin/chromium) through Python Playwright and
reads the `data-layout-ms` / `data-draw-ms` the graph writes after each layout. "cold" includes
starting the ELK web worker; "warm" re-lays the same graph after a resize (median of 5).

    /work/main/.venv/bin/python frontend/scripts/perf-chromium.py [--sizes 33,500,1000]
"""
from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FRONTEND = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="33,500,1000", help="node counts; 33 = the real demo state")
    ap.add_argument("--chromium", default=os.environ.get("CHROMIUM", "/usr/bin/chromium"))
    args = ap.parse_args()
    if not Path(args.chromium).exists():
        print(f"perf-chromium: {args.chromium} not found (apt-get install chromium)", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    out = tempfile.mkdtemp(prefix="console-build-")
    env = {**os.environ, "CONSOLE_OUT_DIR": out}
    vite = str(FRONTEND / "node_modules" / ".bin" / "vite")  # not npx: terminate() must reach vite itself
    subprocess.run([vite, "build", "--logLevel", "error"], cwd=FRONTEND, env=env, check=True)
    port = free_port()
    server = subprocess.Popen([vite, "preview", "--port", str(port), "--strictPort"], cwd=FRONTEND, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=args.chromium, args=["--no-sandbox"])
            for n in (int(x) for x in args.sizes.split(",")):
                page = browser.new_page(viewport={"width": 1440, "height": 900})
                page.goto(base + ("/?demo-state=1" if n == 33 else f"/?demo-state=synthetic:{n}"))
                graph = page.locator("[data-testid=dcl-graph]")
                page.wait_for_selector("[data-draw-ms]", timeout=30000)
                cold = int(graph.get_attribute("data-layout-ms")), int(graph.get_attribute("data-draw-ms"))
                warm = []
                for w in (900, 1440, 900, 1440, 900):
                    page.evaluate("document.querySelector('[data-testid=dcl-graph]').removeAttribute('data-draw-ms')")
                    page.set_viewport_size({"width": w, "height": 900})
                    page.wait_for_selector("[data-draw-ms]", timeout=30000)
                    warm.append((int(graph.get_attribute("data-layout-ms")), int(graph.get_attribute("data-draw-ms"))))
                warm.sort(key=lambda x: x[1])
                print(f"{n:>5} nodes: cold layout {cold[0]} ms, drawn {cold[1]} ms | "
                      f"warm median layout {warm[2][0]} ms, drawn {warm[2][1]} ms")
                page.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
