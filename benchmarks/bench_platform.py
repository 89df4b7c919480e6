"""Platform benchmark: API latency under load, and import time.

Starts a real Jupyter server (subprocess, loopback, free port) with jupyter_mlkit, starts 4
CPU-heavy jobs, then runs 50 concurrent clients calling ``status`` and the jobs list, each one
request every 250 ms (4x the panel's fastest polling; 200 requests/s in all). Target:
p99 latency under 50 ms and no errors; ``import jupyter_mlkit`` under 0.3 s.

    python benchmarks/bench_platform.py [--requests-per-client 40]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "platform.json"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def import_time() -> float:
    best = float("inf")
    for _ in range(5):
        out = subprocess.run(
            [
                sys.executable,
                "-c",
                "import time; t=time.perf_counter(); "
                "import jupyter_mlkit; print(time.perf_counter()-t)",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        best = min(best, float(out.stdout))
    return best


OURS = ["mlkit/api/v1/status", "mlkit/api/v1/jobs?limit=50"]
# Jupyter Server's own status route under the same load: the floor our routes are compared with.
JUPYTER = ["api/status"]


async def load(
    base: str, token: str, clients: int, per_client: int, interval_s: float, routes: list[str]
) -> dict:
    from tornado.httpclient import AsyncHTTPClient, HTTPClientError

    AsyncHTTPClient.configure(None, max_clients=clients)
    http = AsyncHTTPClient()
    headers = {"Authorization": f"token {token}"}
    latencies: list[float] = []
    errors: list[str] = []

    async def client(i: int) -> None:
        # Each client paces itself like a panel polling (open loop): one request every
        # interval_s, starting at a random offset, so latency measures the server, not a queue
        # of back-to-back requests from the load generator.
        await asyncio.sleep(random.random() * interval_s)
        next_at = time.perf_counter()
        for k in range(per_client):
            next_at += interval_s
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
            path = routes[(i + k) % len(routes)]
            t = time.perf_counter()
            try:
                await http.fetch(
                    f"{base}/{path}",
                    headers=headers,
                    request_timeout=30,
                )
            except (HTTPClientError, OSError) as exc:
                errors.append(str(exc))
                continue
            latencies.append((time.perf_counter() - t) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    wall = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies) + len(errors),
        "errors": len(errors),
        "p50_ms": round(statistics.median(latencies), 2),
        "p99_ms": round(latencies[int(0.99 * (len(latencies) - 1))], 2),
        "max_ms": round(latencies[-1], 2),
        "throughput_rps": round(len(latencies) / wall, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests-per-client", type=int, default=40)
    parser.add_argument("--busy-jobs", type=int, default=4)
    parser.add_argument(
        "--interval-ms",
        type=float,
        default=250.0,
        help="each client's pause between requests (panels poll every 1000)",
    )
    parser.add_argument(
        "--server-log", default=None, help="write the server's debug log here (request times)"
    )
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="mlkit-bench-"))
    port, token = free_port(), secrets.token_hex(16)
    env = {**os.environ, "MLKIT_DB": str(tmp / "db.sqlite")}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter_server",
            "--no-browser",
            f"--port={port}",
            "--ip=127.0.0.1",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={tmp}",
            "--ServerApp.allow_root=True",
            f"--MlkitApp.max_concurrent_jobs={args.busy_jobs}",
            *(["--ServerApp.log_level=DEBUG"] if args.server_log else []),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(args.server_log, "w") if args.server_log else subprocess.DEVNULL,  # noqa: SIM115
    )
    base = f"http://127.0.0.1:{port}"
    try:
        import urllib.request

        deadline = time.monotonic() + 60
        while True:
            try:
                req = urllib.request.Request(
                    f"{base}/mlkit/api/v1/status", headers={"Authorization": f"token {token}"}
                )
                urllib.request.urlopen(req, timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        for _ in range(args.busy_jobs):
            body = json.dumps({"kind": "sleep", "parameters": {"seconds": 120, "busy": True}})
            req = urllib.request.Request(
                f"{base}/mlkit/api/v1/jobs",
                data=body.encode(),
                method="POST",
                headers={"Authorization": f"token {token}", "Content-Type": "application/json"},
            )
            urllib.request.urlopen(req, timeout=10).read()
        time.sleep(2)  # let the busy jobs start
        interval = args.interval_ms / 1000
        result = asyncio.run(
            load(base, token, args.clients, args.requests_per_client, interval, OURS)
        )
        reference = asyncio.run(
            load(base, token, args.clients, args.requests_per_client, interval, JUPYTER)
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    result.update(
        clients=args.clients,
        busy_jobs=args.busy_jobs,
        interval_ms=args.interval_ms,
        import_s=round(import_time(), 4),
        cores=os.cpu_count(),
        target={"p99_ms": 50, "import_s": 0.3},
        jupyter_api_status=reference,
    )
    result["meets_target"] = (
        result["p99_ms"] < 50 and result["errors"] == 0 and result["import_s"] < 0.3
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
