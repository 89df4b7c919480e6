import * as React from 'react';

import { IJob } from '../api';
import { ISpotEvent, ISpotResult, SpotClient, SpotMode } from '../spotApi';
import { SpotPlacement } from './SpotPlacement';
import { FormError, TextField } from './FormControls';

export const CURVE_WIDTH = 240;
export const CURVE_HEIGHT = 80;
const PAD = 4;

/** The (step, loss) points of the metric events, in step order (a repeated step: the last). */
export function lossPoints(events: ISpotEvent[]): [number, number][] {
  const byStep = new Map<number, number>();
  for (const e of events) {
    if (
      e.type === 'metric' &&
      typeof e.step === 'number' &&
      typeof e.loss === 'number' &&
      Number.isFinite(e.loss)
    ) {
      byStep.set(e.step, e.loss);
    }
  }
  return [...byStep.entries()].sort((a, b) => a[0] - b[0]);
}

/** A small inline-SVG loss curve, with the interruptions as vertical marks. */
export function LossCurve({
  events
}: {
  events: ISpotEvent[];
}): JSX.Element | null {
  const points = lossPoints(events);
  if (points.length === 0) {
    return null;
  }
  const steps = points.map(p => p[0]);
  const losses = points.map(p => p[1]);
  const [s0, s1] = [Math.min(...steps), Math.max(...steps)];
  const [l0, l1] = [Math.min(...losses), Math.max(...losses)];
  const w = CURVE_WIDTH - 2 * PAD;
  const h = CURVE_HEIGHT - 2 * PAD;
  const x = (s: number) => PAD + (s1 > s0 ? ((s - s0) / (s1 - s0)) * w : w / 2);
  const y = (l: number) =>
    PAD + (l1 > l0 ? (1 - (l - l0) / (l1 - l0)) * h : h / 2);
  const marks = events
    .filter(e => e.type === 'interruption' && typeof e.step === 'number')
    .map(e => e.step as number)
    .filter(s => s >= s0 && s <= s1);
  return (
    <svg
      className="jp-mlkit-spot-curve"
      width={CURVE_WIDTH}
      height={CURVE_HEIGHT}
      role="img"
      aria-label={`Loss from ${l1.toPrecision(3)} to ${losses[
        losses.length - 1
      ].toPrecision(3)} over steps ${s0}-${s1}`}
    >
      {marks.map((s, i) => (
        <line
          key={i}
          className="jp-mlkit-spot-mark"
          x1={x(s)}
          x2={x(s)}
          y1={PAD}
          y2={PAD + h}
        />
      ))}
      <polyline
        className="jp-mlkit-spot-loss"
        fill="none"
        points={points
          .map(([s, l]) => `${x(s).toFixed(1)},${y(l).toFixed(1)}`)
          .join(' ')}
      />
    </svg>
  );
}

function clock(epochSeconds: number | undefined): string {
  if (typeof epochSeconds !== 'number') {
    return '';
  }
  return new Date(epochSeconds * 1000).toISOString().slice(11, 19);
}

/** Transitions and interruptions, oldest first. */
export function SpotTimeline({
  events
}: {
  events: ISpotEvent[];
}): JSX.Element | null {
  const rows = events.filter(
    e => e.type === 'transition' || e.type === 'interruption'
  );
  if (rows.length === 0) {
    return null;
  }
  return (
    <ol className="jp-mlkit-spot-timeline" aria-label="Spot timeline">
      {rows.map((e, i) =>
        e.type === 'transition' ? (
          <li key={i} data-status={e.Status}>
            <span className="jp-mlkit-spot-time">{clock(e.StartTime)}</span>{' '}
            <b>{e.Status}</b> {e.StatusMessage}
          </li>
        ) : (
          <li key={i} className="jp-mlkit-spot-interruption">
            interruption ({e.mode}) at step {e.step ?? '?'}, resumed from{' '}
            {e.durable_step ?? 0}
            {e.saved_on_notice
              ? ', saved on notice'
              : `, ${(e.lost_work_s ?? 0).toFixed(1)} s of work lost`}
          </li>
        )
      )}
    </ol>
  );
}

/** Billable and training seconds, savings and cost of a finished run. */
export function SpotCosts({ result }: { result: ISpotResult }): JSX.Element {
  return (
    <div className="jp-mlkit-spot-costs">
      <div>
        <b>{result.status}</b> after {result.attempts} attempt(s),{' '}
        {result.interruptions.length} interruption(s)
      </div>
      <div>
        billable {result.billable_s.toFixed(1)} s of{' '}
        {result.training_s.toFixed(1)} s training: savings{' '}
        <b>{result.savings_pct.toFixed(1)}%</b>
      </div>
      <div>
        cost ${result.cost_usd.toFixed(4)} vs $
        {result.on_demand_cost_usd.toFixed(4)} on demand; work lost{' '}
        {result.lost_work_s.toFixed(1)} s
      </div>
    </div>
  );
}

/** Follows one job's events: polls from the last offset until the job is done. */
export function useSpotEvents(
  client: SpotClient,
  jobId: string | undefined,
  pollMs: number
): { events: ISpotEvent[]; error: string | null } {
  const [events, setEvents] = React.useState<ISpotEvent[]>([]);
  const [error, setError] = React.useState<string | null>(null);
  React.useEffect(() => {
    setEvents([]);
    setError(null);
    if (!jobId) {
      return;
    }
    let live = true;
    let offset = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      try {
        const page = await client.events(jobId, offset);
        if (!live) {
          return;
        }
        offset = page.next_offset;
        if (page.events.length > 0) {
          setEvents(prev => [...prev, ...page.events]);
        }
        if (page.done) {
          return;
        }
      } catch (err) {
        if (!live) {
          return;
        }
        setError((err as Error).message);
      }
      timer = setTimeout(tick, pollMs);
    };
    void tick();
    return () => {
      live = false;
      if (timer !== undefined) {
        clearTimeout(timer);
      }
    };
  }, [client, jobId, pollMs]);
  return { events, error };
}

export interface ISpotSectionProps {
  client: SpotClient;
  /** The panel's jobs list (polled, newest first). */
  jobs: IJob[];
  /** Create a job (the panel's model adds it to the Jobs list at once). */
  onStart: (kind: string, params: Record<string, unknown>) => Promise<IJob>;
  /** How often a running job's events are read. */
  pollMs?: number;
}

/** The Spot training controls: form, Run, and the newest run's timeline, loss and costs. */
export function SpotSection(props: ISpotSectionProps): JSX.Element {
  const { client, jobs, onStart, pollMs = 1000 } = props;
  const [script, setScript] = React.useState('');
  const [args, setArgs] = React.useState('');
  const [uri, setUri] = React.useState('');
  const [count, setCount] = React.useState('2');
  const [seed, setSeed] = React.useState('0');
  const [mode, setMode] = React.useState<SpotMode>('mixed');
  const [busy, setBusy] = React.useState(false);
  const [runError, setRunError] = React.useState<string | null>(null);

  const newest = jobs.find(j => j.kind === 'spot-run');
  const { events, error } = useSpotEvents(client, newest?.id, pollMs);

  const run = async (event: React.FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setRunError(null);
    try {
      const name = script.trim().split('/').pop()?.replace(/\.py$/, '');
      await onStart('spot-run', {
        command: [
          'python',
          script.trim(),
          ...args.split(/\s+/).filter(Boolean)
        ],
        checkpoint_uri:
          uri.trim() || `checkpoints/${name || 'spot'}-${Date.now()}`,
        simulate_interruptions: Number(count),
        seed: Number(seed),
        mode
      });
    } catch (err) {
      setRunError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const interruptions = events.filter(e => e.type === 'interruption').length;
  const result =
    newest?.state === 'completed' && newest.result
      ? (newest.result as unknown as ISpotResult)
      : undefined;

  return (
    <div className="jp-mlkit-spot">
      <form
        className="jp-mlkit-spot-form"
        onSubmit={run}
        aria-label="Spot training"
      >
        <TextField
          label="Training script"
          placeholder="train.py"
          value={script}
          onChange={setScript}
        />
        <TextField
          label="Script arguments"
          placeholder="--steps 400"
          value={args}
          onChange={setArgs}
        />
        <TextField
          label="Checkpoint URI"
          placeholder="checkpoints/run-1 or s3://bucket/prefix"
          value={uri}
          onChange={setUri}
        />
        <label className="jp-mlkit-label">
          Simulated interruptions
          <input
            className="jp-mlkit-input"
            type="number"
            min={0}
            value={count}
            onChange={e => setCount(e.target.value)}
          />
        </label>
        <label className="jp-mlkit-label">
          Seed
          <input
            className="jp-mlkit-input"
            type="number"
            min={0}
            value={seed}
            onChange={e => setSeed(e.target.value)}
          />
        </label>
        <label className="jp-mlkit-label">
          Mode
          <select
            className="jp-mlkit-input"
            value={mode}
            onChange={e => setMode(e.target.value as SpotMode)}
          >
            <option value="mixed">mixed</option>
            <option value="notice">notice (SIGTERM, 2 min)</option>
            <option value="kill">kill (no notice)</option>
          </select>
        </label>
        <button
          className="jp-mlkit-button jp-mod-accept"
          type="submit"
          disabled={busy || !script.trim()}
        >
          Run
        </button>
        <FormError message={runError} />
      </form>
      {newest && (
        <div className="jp-mlkit-spot-latest" data-job={newest.id}>
          <div className="jp-mlkit-spot-status">
            {newest.state}: {newest.message} ({interruptions} interruption
            {interruptions === 1 ? '' : 's'})
          </div>
          <LossCurve events={events} />
          <SpotTimeline events={events} />
          {result && <SpotCosts result={result} />}
          {!result && newest.error && (
            <div className="jp-mlkit-job-error">{newest.error.message}</div>
          )}
          <FormError message={error} />
        </div>
      )}
      <SpotPlacement client={client} />
    </div>
  );
}
