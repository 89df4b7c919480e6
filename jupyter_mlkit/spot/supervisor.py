"""run_spot_job: run a training command as if on spot capacity, restarting it after interruptions.

The child gets ``MLKIT_CHECKPOINT_URI`` (where its Checkpointer saves and restores) and
``MLKIT_SPOT_CHANNEL`` (the JSON-lines file its Checkpointer reports to). Interruptions come from a
seeded :class:`InterruptionPlan` (simulated) or from the child itself exiting with
:data:`INTERRUPTED_EXIT_CODE` (a real SIGTERM or EC2 notice it received).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..proc import NICENESS_ENV, niced_command
from . import costs
from .channel import CHANNEL_ENV, ChannelReader
from .checkpointer import INTERRUPTED_EXIT_CODE
from .process import Attempt, build_command, validate
from .result import InterruptionRecord, SpotJobResult, Transitions
from .simulate import Interruption, InterruptionPlan
from .storage import WRITE_DELAY_ENV

Callback = Callable[[dict[str, Any]], None]
NO_RESUME = (
    "the training script never called Checkpointer.restore(): no resume possible, every restart "
    "begins from scratch"
)


def run_spot_job(
    command: list[str],
    *,
    checkpoint_uri: str,
    max_run_s: float,
    max_wait_s: float | None = None,
    notice_s: float = 120,
    interruptions: InterruptionPlan | int | None = None,
    fallback: str = "on-demand",
    max_interruptions: int | None = None,
    instance_type: str = "ml.g5.xlarge",
    nproc: int = 1,
    progress: Callback | None = None,
    on_event: Callback | None = None,
    env: dict[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    wait_time_scale: float = 1.0,
    startup_grace_s: float = 30.0,
    log_path: str | os.PathLike[str] | None = None,
    seed: int = 0,
    kill_save_delay_s: float = 0.0,
    kill_save_write_delay_s: float = 0.0,
    niceness: int | None = None,
) -> SpotJobResult:
    """Run ``command`` under a simulated spot lifecycle until it completes or a limit stops it.

    ``interruptions``: an :class:`InterruptionPlan`, or an int N for N random interruptions
    (mixed modes, seeded by ``seed``). Capacity waits are simulated: they count fully towards
    ``max_wait_s`` but the supervisor sleeps only ``wait_time_scale`` times as long.
    A "kill-save" SIGKILL lands ``kill_save_delay_s`` after the first file of a checkpoint write
    is durable; ``kill_save_write_delay_s`` > 0 slows that attempt's writes (a pause after each
    file) so the kill surely lands before the manifest, as on slow storage.
    ``progress`` gets a small dict (step, total_steps, fraction, attempt, interruptions, status,
    last metric) whenever the script reports; ``on_event`` gets every event (channel records,
    transitions, interruptions, fallbacks, warnings).
    ``niceness``: CPU priority of the training processes; None keeps this process's own. Each
    attempt runs in a new session, which under Linux sched_autogroup would otherwise start at
    full priority again (e.g. beside the Jupyter server when run as a job).
    """
    validate(max_run_s, max_wait_s, notice_s, fallback, nproc)
    argv = build_command(command, nproc)
    if niceness is None:
        niceness = _own_niceness()
    argv = niced_command(argv, niceness)
    if isinstance(interruptions, int):
        interruptions = InterruptionPlan.random(interruptions, seed=seed)
    plan = interruptions
    od_price, spot_price, known = costs.prices_for(instance_type)
    warns: list[str] = []
    if not known:
        warns.append(
            f"no price for {instance_type} in the shipped table: savings assume a "
            f"{costs.DEFAULT_SPOT_DISCOUNT:.0%} spot discount"
        )
    workdir = Path(tempfile.mkdtemp(prefix="mlkit-spot-"))
    channel_path = workdir / "channel.jsonl"
    log_file = Path(log_path) if log_path else workdir / "train.log"
    events_lock = threading.Lock()

    def emit(event: dict[str, Any]) -> None:
        if on_event is not None:
            with events_lock:
                on_event(event)

    trans = Transitions(emit)
    records_metrics: list[dict[str, Any]] = []
    restores: list[dict[str, Any]] = []
    inter: list[InterruptionRecord] = []
    state: dict[str, Any] = {"total_steps": None, "last_step": None, "attempt": None}
    run_total = {"spot": 0.0, "od": 0.0}
    waited = 0.0
    on_demand = False
    fell_back = False
    status, secondary, failure, exit_code = "InProgress", "Starting", None, None

    def report_progress(metric: dict[str, Any] | None = None) -> None:
        if progress is None:
            return
        total, step = state["total_steps"], state["last_step"]
        progress(
            {
                "step": step,
                "total_steps": total,
                "fraction": (step / total) if total and step is not None else None,
                "attempt": state["attempt"].number if state["attempt"] else 0,
                "interruptions": len(inter),
                "status": trans.current,
                "on_demand": on_demand,
                "metric": metric,
            }
        )

    def on_record(rec: dict[str, Any]) -> None:
        att: Attempt | None = state["attempt"]
        kind = rec.get("type")
        if att is None:
            return
        now = time.monotonic()
        with att.lock:
            step = rec.get("step")
            if isinstance(step, int):
                att.step = step
                state["last_step"] = step
            if kind == "ready":
                att.t_ready = att.durable_t = now
                att.durable_step = step
                if rec.get("total_steps"):
                    state["total_steps"] = rec["total_steps"]
            elif kind == "save_start":
                att.save_starts[step] = now
            elif kind == "save_file":
                if att.kill_on_save:
                    att.kill_on_save = False
                    att.killed_mid_save = True
                    # lands inside the write: the torn case
                    if kill_save_delay_s > 0:
                        threading.Timer(kill_save_delay_s, att.kill, (signal.SIGKILL,)).start()
                    else:
                        att.kill(signal.SIGKILL)
            elif kind == "save_done":
                att.durable_step = step
                att.durable_t = att.save_starts.get(step, now)
            elif kind == "exit":
                att.exited_interrupted = True  # torchrun turns the ranks' 75 into its own code
                if rec.get("saved"):
                    att.saved_on_notice = True
                    att.durable_step = step
            elif kind in ("restore", "skip", "discard_partial"):
                restores.append(rec)
            elif kind == "metric":
                records_metrics.append(rec)
        if kind == "ready":
            trans.go("Training", f"Training in progress (resumed at step {rec.get('step', 0)})")
        emit({**rec, "attempt": att.number})
        if kind in ("ready", "metric", "save_done", "finish"):
            report_progress(rec if kind == "metric" else None)

    reader = ChannelReader(str(channel_path), on_record).start()
    child_env = {
        **os.environ,
        **(env or {}),
        "MLKIT_CHECKPOINT_URI": str(checkpoint_uri),
        CHANNEL_ENV: str(channel_path),
        "MLKIT_SPOT_NOTICE_S": str(notice_s),
        "PYTHONUNBUFFERED": "1",
    }
    if niceness > 0:  # torchrun's ranks start sessions of their own: the Checkpointer applies it
        child_env[NICENESS_ENV] = str(niceness)
    trans.go("Starting", "Launching requested ML instances")
    attempt_no = 0
    no_resume_warned = False
    try:
        with open(log_file, "ab") as log:
            while True:
                attempt_no += 1
                item: Interruption | None = None
                if plan is not None and not on_demand:
                    item = plan.next()
                att = Attempt(attempt_no, state["last_step"])
                state["attempt"] = att
                child_env["MLKIT_SPOT_ATTEMPT"] = str(attempt_no)
                child_env["MLKIT_SPOT_CAPACITY"] = "on-demand" if on_demand else "spot"
                if item is not None and item.mode == "kill-save" and kill_save_write_delay_s > 0:
                    child_env[WRITE_DELAY_ENV] = str(kill_save_write_delay_s)
                else:
                    child_env.pop(WRITE_DELAY_ENV, None)
                    if env and WRITE_DELAY_ENV in env:
                        child_env[WRITE_DELAY_ENV] = env[WRITE_DELAY_ENV]
                trans.go("Downloading", f"Starting attempt {attempt_no}; restoring checkpoints")
                att.proc = subprocess.Popen(
                    argv,
                    env=child_env,
                    cwd=cwd,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
                fired = stopping = None
                stop_sent = False
                kill_at: float | None = None
                while att.proc.poll() is None:
                    now = time.monotonic()
                    elapsed = now - att.t_start
                    used = run_total["spot"] + run_total["od"] + elapsed
                    if item is not None and fired is None:
                        base = att.t_ready
                        if base is None and elapsed >= startup_grace_s:
                            base = att.t_start + startup_grace_s
                        if base is not None and now - base >= item.at_s:
                            fired = item.mode
                            if item.mode == "notice":
                                att.kill(signal.SIGTERM)
                                kill_at = now + notice_s
                            elif item.mode == "kill":
                                att.kill(signal.SIGKILL)
                            else:
                                with att.lock:
                                    att.kill_on_save = True
                    if stopping is None and used >= max_run_s:
                        stopping = "MaxRuntimeExceeded"
                    elif (
                        stopping is None
                        and not on_demand
                        and max_wait_s is not None
                        and waited + used >= max_wait_s
                    ):
                        stopping = "MaxWaitTimeExceeded"
                    if stopping and not stop_sent:
                        stop_sent = True
                        trans.go("Stopping", f"Stopping the job: {stopping}")
                        att.kill(signal.SIGTERM)  # as SageMaker does: SIGTERM, then the grace
                        kill_at = min(kill_at or float("inf"), now + notice_s)
                    if kill_at is not None and now >= kill_at:
                        att.kill(signal.SIGKILL)
                        kill_at = float("inf")
                    time.sleep(0.005)
                rc = att.proc.returncode
                exit_code = rc
                duration = time.monotonic() - att.t_start
                run_total["od" if on_demand else "spot"] += duration
                reader.drain()
                if att.t_ready is None and not no_resume_warned:
                    no_resume_warned = True
                    warns.append(NO_RESUME)
                    warnings.warn(NO_RESUME, stacklevel=2)
                    emit({"type": "warning", "message": NO_RESUME})
                if rc == 0:
                    trans.go("Uploading", "Uploading generated training model")
                    status, secondary = "Completed", "Completed"
                    trans.go("Completed", "Training job completed")
                    break
                if stopping:
                    status, secondary = "Stopped", stopping
                    trans.go(stopping, f"Job stopped: {stopping}")
                    break
                if fired is None and rc != INTERRUPTED_EXIT_CODE and not att.exited_interrupted:
                    status, secondary = "Failed", "Failed"
                    failure = f"training command exited with code {rc}: {_tail(log_file)}"
                    trans.go("Failed", failure[:200])
                    break
                # an interruption: simulated, or reported by the script itself
                with att.lock:
                    lost = 0.0
                    if not att.saved_on_notice and att.durable_t is not None:
                        lost = max(0.0, time.monotonic() - att.durable_t - 0.0)
                        lost = min(lost, duration)
                    wait = item.capacity_wait_s if (item and fired) else 0.0
                    rec = InterruptionRecord(
                        attempt=att.number,
                        mode=fired or "external",
                        time=time.time(),
                        step=att.step,
                        durable_step=att.durable_step,
                        lost_work_s=lost,
                        capacity_wait_s=wait,
                        saved_on_notice=att.saved_on_notice,
                    )
                inter.append(rec)
                trans.go("Interrupted", f"Spot interruption ({rec.mode}) at step {rec.step}")
                emit({"type": "interruption", **rec.to_dict()})
                if (
                    not on_demand
                    and max_interruptions is not None
                    and len(inter) >= max_interruptions
                ):
                    if fallback == "fail":
                        status, secondary = "Failed", "Failed"
                        failure = (
                            f"interrupted {len(inter)} times (max_interruptions="
                            f"{max_interruptions}) and fallback='fail'"
                        )
                        trans.go("Failed", failure)
                        break
                    on_demand = fell_back = True
                    emit({"type": "fallback", "reason": "max_interruptions"})
                    trans.go("Starting", "Falling back to on-demand capacity (max interruptions)")
                    continue
                if not on_demand and max_wait_s is not None:
                    spent = waited + run_total["spot"] + run_total["od"]
                    if spent + wait > max_wait_s:
                        if fallback == "fail":
                            status, secondary = "Stopped", "MaxWaitTimeExceeded"
                            trans.go("Stopping", "Spot capacity not back within max_wait")
                            trans.go("MaxWaitTimeExceeded", "Job stopped: MaxWaitTimeExceeded")
                            break
                        on_demand = fell_back = True
                        emit({"type": "fallback", "reason": "max_wait"})
                        trans.go(
                            "Starting", "Falling back to on-demand: spot wait exceeds max_wait"
                        )
                        continue
                trans.go(
                    "Starting",
                    f"Insufficient capacity error from EC2 while launching instances, retrying! "
                    f"(simulated wait {wait:.1f} s)",
                )
                if wait > 0:
                    time.sleep(wait * wait_time_scale)
                waited += wait
    finally:
        att = state["attempt"]
        if att is not None:
            att.kill(signal.SIGKILL)
        reader.stop()
        trans.close()
        channel_path.unlink(missing_ok=True)  # its records are in the result now
        if log_path:  # the temp folder held only the channel
            shutil.rmtree(workdir, ignore_errors=True)
    summary = costs.summarise(instance_type, run_total["spot"], run_total["od"])
    result = SpotJobResult(
        status=status,
        secondary_status=secondary,
        secondary_transitions=trans.items,
        interruptions=inter,
        training_s=summary.training_s,
        billable_s=summary.billable_s,
        savings_pct=summary.savings_pct,
        lost_work_s=sum(i.lost_work_s for i in inter),
        waited_s=waited,
        spot_s=run_total["spot"],
        on_demand_s=run_total["od"],
        cost_usd=summary.cost_usd,
        on_demand_cost_usd=summary.on_demand_cost_usd,
        attempts=attempt_no,
        final_step=state["last_step"],
        exit_code=exit_code,
        failure_reason=failure,
        fell_back_to_on_demand=fell_back,
        warnings=warns,
        restores=restores,
        metrics=records_metrics,
        log_path=str(log_file),
    )
    emit({"type": "result", **{k: v for k, v in result.to_dict().items() if k != "metrics"}})
    return result


def _own_niceness() -> int:
    try:
        return os.getpriority(os.PRIO_PROCESS, 0)
    except (AttributeError, OSError):  # not POSIX
        return 0


def _tail(path: Path, n: int = 1500) -> str:
    try:
        data = path.read_bytes()[-n:]
    except OSError:
        return ""
    return data.decode(errors="replace").strip()
