"""``%mlkit_spot_train [options] train.py [args]``: a spot-run job with a live widget."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import time

from IPython.core.magic import Magics, line_magic, magics_class

from ..errors import MlkitError
from ._common import Parser as _Parser
from ._common import UsageError as _UsageError

USAGE = (
    "usage: %mlkit_spot_train [--checkpoint-uri URI] [--max-run S] [--max-wait S] [--notice S]\n"
    "           [--simulate-interruptions N] [--seed K] [--mode notice|kill|mixed] [--nproc N]\n"
    "           [--instance-type T] [--wait-scale F] [--wait] train.py [script args...]"
)


def _parser() -> _Parser:
    p = _Parser(prog="%mlkit_spot_train", add_help=False)
    p.add_argument("--checkpoint-uri", default=None)
    p.add_argument("--max-run", type=float, default=86400.0)
    p.add_argument("--max-wait", type=float, default=None)
    p.add_argument("--notice", type=float, default=120.0)
    p.add_argument("--simulate-interruptions", type=int, default=0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--mode", default="mixed")
    p.add_argument("--nproc", type=int, default=1)
    p.add_argument("--instance-type", default="ml.g5.xlarge")
    p.add_argument("--wait-scale", type=float, default=1.0)
    p.add_argument("--wait", action="store_true", help="block until the run ends")
    p.add_argument("script")
    p.add_argument("args", nargs=argparse.REMAINDER)
    return p


def parameters(line: str) -> tuple[dict, bool]:
    """The spot-run job's parameters from the magic's line, and whether to wait."""
    try:
        args = _parser().parse_args(shlex.split(line))
    except ValueError as exc:  # shlex: an unclosed quote
        raise _UsageError(str(exc)) from None
    uri = args.checkpoint_uri or f"checkpoints/spot-{time.strftime('%Y%m%d-%H%M%S')}"
    params = {
        # the kernel's own interpreter: the packages the notebook sees
        "command": [sys.executable, args.script, *args.args],
        "checkpoint_uri": uri,
        "max_run_s": args.max_run,
        "max_wait_s": args.max_wait,
        "notice_s": args.notice,
        "simulate_interruptions": args.simulate_interruptions,
        "seed": args.seed,
        "mode": args.mode,
        "instance_type": args.instance_type,
        "nproc": args.nproc,
        "wait_time_scale": args.wait_scale,
    }
    return params, args.wait


@magics_class
class SpotMagics(Magics):
    @line_magic
    def mlkit_spot_train(self, line: str):
        """Run a training script under the spot supervisor as a job, with a live widget."""
        from IPython.display import display

        from ..jobs import start_job
        from ..widgets.spot_view import SpotView

        try:
            params, wait = parameters(line)
            job = start_job("spot-run", params, root_dir=os.getcwd(), origin="notebook")
        except _UsageError as exc:
            print(f"mlkit_spot_train: {exc}\n{USAGE}", file=sys.stderr)
            return None
        except MlkitError as exc:
            print(f"mlkit_spot_train: {exc.message}", file=sys.stderr)
            return None
        view = SpotView(job)
        display(view)
        if wait:
            return view.follow()
        view.follow_in_background()
        return None
