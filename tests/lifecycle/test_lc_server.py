"""With a real (in-process) Jupyter server: idle monitoring of real kernels, and start-up
scripts running in the background while the server keeps serving."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

from jupyter_mlkit.lifecycle import IdlePolicy
from jupyter_mlkit.lifecycle.idle import IdleMonitor


async def test_idle_monitor_with_real_kernels(jp_fetch, jp_serverapp, tmp_path):
    km = jp_serverapp.kernel_manager
    stopped, shut = [], []

    async def kernels_api():
        return json.loads((await jp_fetch("api", "kernels")).body)

    kid = json.loads((await jp_fetch("api", "kernels", method="POST", body="{}")).body)["id"]
    try:
        # A kernel nobody talks to stays "starting" in jupyter_server; a client's kernel_info
        # request makes it publish busy/idle, as opening a notebook does. The server only hears
        # that once its own IOPub watcher is connected, which can be after our first request:
        # ask again every 2 s until the server has seen it.
        kc = km.get_kernel(kid).client()
        kc.start_channels()
        await kc.wait_for_ready(timeout=60)
        for i in range(600):  # a loaded CI machine can take many seconds
            if (await kernels_api())[0]["execution_state"] == "idle":
                break
            if i % 20 == 19:
                kc.kernel_info()
            await asyncio.sleep(0.1)
        kc.stop_channels()
        assert (await kernels_api())[0]["execution_state"] == "idle", "kernel never became idle"
        from jupyter_mlkit.lifecycle import KernelSnapshot

        last = KernelSnapshot.from_api(km.list_kernels()[0]).last_activity
        monitor = IdleMonitor(
            IdlePolicy(idle_seconds=600, action="stop-server"),
            list_kernels=km.list_kernels,
            actions={
                "stop-server": lambda: stopped.append(True),
                "shutdown-kernels": lambda: shut.append(True),
            },
            metadata_path=tmp_path / "absent.json",
            started_at=last,  # the server started before the kernel's last activity
        )
        st = monitor.poll(now=last + timedelta(seconds=60))
        assert st.idle and st.seconds_left == 540 and not stopped
        # The REST models parse to the same snapshot as the kernel manager's.
        assert [m["id"] for m in await kernels_api()] == [kid]

        # A busy kernel (executing a sleep) keeps the server up however late it is.
        km.get_kernel(kid).execution_state = "busy"
        st = monitor.poll(now=last + timedelta(days=1))
        assert not st.idle and st.busy == [kid] and not stopped
        km.get_kernel(kid).execution_state = "idle"

        st = monitor.poll(now=last + timedelta(seconds=601))
        assert st.due and stopped == [True]
        assert monitor.last_action.startswith("stop-server") and monitor.last_error is None
        # Acting restarts the count: no second stop on the next poll.
        assert not monitor.poll(now=last + timedelta(seconds=602)).due and stopped == [True]
    finally:
        await jp_fetch("api", "kernels", kid, method="DELETE")


async def test_timed_out_start_script_is_killed_while_the_server_serves(
    jp_fetch, jp_serverapp, tmp_path
):
    import psutil

    from jupyter_mlkit.lifecycle import (
        EnvInfo,
        LifecycleConfig,
        LifecycleStore,
        startup_in_background,
    )

    store = LifecycleStore(tmp_path / "lc.sqlite")
    pid_file = tmp_path / "child.pid"
    store.create(
        LifecycleConfig(
            "hangs", on_start=f"echo begin\nsleep 300 &\necho $! > {pid_file}\nsleep 300\n"
        )
    )
    store.attach("hangs", "test-server")
    env = EnvInfo(
        "test-server", jp_serverapp.root_dir, str(tmp_path / "data"), port=jp_serverapp.port
    )
    future = startup_in_background(
        store, env, log_dir=tmp_path / "logs", timeout_s=4, kill_grace_s=1
    )
    # The server answers while the script runs (start-up did not block it).
    assert (await jp_fetch("api", "status")).code == 200
    assert not future.done()
    result = await asyncio.wrap_future(future)
    (run,) = result.runs
    assert run.status == "timed_out" and run.log_stream == "test-server/LifecycleConfigOnStart"
    child = int(pid_file.read_text())
    try:
        assert psutil.Process(child).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        pass  # killed and reaped: what we want
    assert (await jp_fetch("api", "status")).code == 200
    chunk = store.read_log(run.id)
    assert chunk["text"].startswith("begin\n") and chunk["eof"]
    assert "killed after the 4 s time limit" in chunk["text"]
