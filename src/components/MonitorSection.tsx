import * as React from 'react';

import { FINAL_STATES, IJob } from '../api';
import {
  IDriftSummary,
  IMonitorAnalyzeParams,
  IMonitorHistory,
  MonitorClient
} from '../monitorApi';
import { hasResult, JobNotReady, RunPicker } from './JobOutcome';
import { DriftChart } from './DriftChart';
import { FeatureDistributions } from './DistributionChart';
import { ModelQuality } from './ModelQuality';
import { FormError, TextField } from './FormControls';

export type BaselineMode = 'data' | 'folder';

/** Where a baseline computed from data is saved (inside the server root). */
export function baselineFolder(name: string): string {
  const safe = name.trim().replace(/[^A-Za-z0-9._-]+/g, '-') || 'monitor';
  return `monitor/${safe}/baseline`;
}

/** The feature with the largest drift distance (the one worth looking at first). */
export function mostDrifted(result: IDriftSummary): string | undefined {
  const measured = result.drift.filter(d => d.distance !== null);
  measured.sort((a, b) => (b.distance as number) - (a.distance as number));
  return measured[0]?.feature;
}

/**
 * Violations and drift of a monitor-analyze job (or its progress / error); with a client, also
 * the baseline vs current distribution of each feature.
 */
export function MonitorResults({
  job,
  client
}: {
  job: IJob;
  client?: MonitorClient;
}): JSX.Element {
  if (!hasResult(job)) {
    return <JobNotReady job={job} className="jp-mlkit-mon-pending" />;
  }
  const result = job.result as IDriftSummary;
  return (
    <div className="jp-mlkit-mon-result">
      <div className="jp-mlkit-mon-summary">
        {result.drifted.length} of {result.drift.length} features drifted,{' '}
        {result.violation_count} violations ({result.rows} rows)
      </div>
      <DriftChart drift={result.drift} />
      {client && (
        <FeatureDistributions
          client={client}
          jobId={job.id}
          initial={mostDrifted(result)}
        />
      )}
      {result.violations.length > 0 ? (
        <table className="jp-mlkit-table jp-mlkit-mon-violations">
          <thead>
            <tr>
              <th>feature</th>
              <th>check</th>
              <th>description</th>
            </tr>
          </thead>
          <tbody>
            {result.violations.map((v, i) => (
              <tr key={i} data-check={v.constraint_check_type}>
                <td>
                  <code>{v.feature_name ?? v.metric_name}</code>
                </td>
                <td>{v.constraint_check_type}</td>
                <td>{v.description}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="jp-mlkit-mon-note">No violations.</p>
      )}
    </div>
  );
}

/** Past runs recorded under one name, newest first. */
export function MonitorHistory({
  history
}: {
  history: IMonitorHistory;
}): JSX.Element {
  if (history.runs.length === 0) {
    return <p className="jp-mlkit-mon-note">No history yet.</p>;
  }
  const runs = [...history.runs].reverse();
  return (
    <table
      className="jp-mlkit-table jp-mlkit-mon-history"
      aria-label={`History of ${history.name}`}
    >
      <caption>
        History of <code>{history.name}</code> ({history.runs.length} runs)
      </caption>
      <thead>
        <tr>
          <th>when (UTC)</th>
          <th>drifted</th>
          <th>violations</th>
          <th>rows</th>
        </tr>
      </thead>
      <tbody>
        {runs.map(r => (
          <tr key={r.id} data-status={r.status}>
            <td>{r.created.slice(0, 19).replace('T', ' ')}</td>
            <td>{r.drifted}</td>
            <td>{r.violations}</td>
            <td>{r.rows}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export interface IMonitorSectionProps {
  client: MonitorClient;
  /** The panel's jobs list (polled); monitor jobs are followed through it. */
  jobs: IJob[];
  /** Create a job (the panel's model adds it to the Jobs list at once). */
  onStart: (kind: string, params: Record<string, unknown>) => Promise<IJob>;
}

interface IPending {
  baselineJobId: string;
  analyze: IMonitorAnalyzeParams;
}

/**
 * The Monitor controls: baseline and current data, Run, violations, drift chart, history;
 * then model quality (predictions against labels).
 */
export function MonitorSection(props: IMonitorSectionProps): JSX.Element {
  const { client, jobs, onStart } = props;
  const [mode, setMode] = React.useState<BaselineMode>('data');
  const [baseline, setBaseline] = React.useState('');
  const [current, setCurrent] = React.useState('');
  const [name, setName] = React.useState('');
  const [busy, setBusy] = React.useState(false);
  const [runError, setRunError] = React.useState<string | null>(null);
  const [pending, setPending] = React.useState<IPending | null>(null);
  const [selectedId, setSelectedId] = React.useState<string | null>(null);
  const [history, setHistory] = React.useState<IMonitorHistory | null>(null);

  const startAnalysis = React.useCallback(
    async (params: IMonitorAnalyzeParams) => {
      const job = await onStart('monitor-analyze', { ...params });
      setSelectedId(job.id);
    },
    [onStart]
  );

  // A baseline computed from data: start the analysis once its job has completed.
  const baselineJob = pending
    ? jobs.find(j => j.id === pending.baselineJobId)
    : undefined;
  React.useEffect(() => {
    if (!pending || !baselineJob || !FINAL_STATES.includes(baselineJob.state)) {
      return;
    }
    setPending(null);
    if (baselineJob.state !== 'completed') {
      setRunError(
        `baseline: ${baselineJob.error?.message ?? baselineJob.state}`
      );
      return;
    }
    startAnalysis(pending.analyze).catch(err =>
      setRunError((err as Error).message)
    );
  }, [pending, baselineJob?.state]);

  const analyses = jobs.filter(j => j.kind === 'monitor-analyze');
  const selected = analyses.find(j => j.id === selectedId) ?? analyses[0];
  const runName =
    selected?.state === 'completed'
      ? (selected.result as IDriftSummary | null)?.name
      : undefined;

  React.useEffect(() => {
    if (!runName) {
      return;
    }
    let live = true;
    client
      .history(runName)
      .then(h => live && setHistory(h))
      .catch(() => live && setHistory(null));
    return () => {
      live = false;
    };
  }, [client, runName, selected?.id]);

  const run = async (event: React.FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setRunError(null);
    const key = name.trim() || 'monitor';
    try {
      if (mode === 'folder') {
        await startAnalysis({
          data: current.trim(),
          baseline: baseline.trim(),
          name: key
        });
      } else {
        const out = baselineFolder(key);
        const job = await onStart('monitor-baseline', {
          data: baseline.trim(),
          out
        });
        setPending({
          baselineJobId: job.id,
          analyze: { data: current.trim(), baseline: out, name: key }
        });
      }
    } catch (err) {
      setRunError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="jp-mlkit-mon">
      <form
        className="jp-mlkit-mon-form"
        onSubmit={run}
        aria-label="Model monitor"
      >
        <label className="jp-mlkit-label">
          Baseline
          <select
            className="jp-mlkit-input"
            value={mode}
            onChange={e => setMode(e.target.value as BaselineMode)}
          >
            <option value="data">from data (compute a baseline)</option>
            <option value="folder">existing baseline folder</option>
          </select>
        </label>
        <label className="jp-mlkit-label">
          {mode === 'data' ? 'Baseline data' : 'Baseline folder'}
          <input
            className="jp-mlkit-input"
            type="text"
            placeholder={
              mode === 'data' ? 'data/train.csv' : 'monitor/baseline'
            }
            value={baseline}
            onChange={e => setBaseline(e.target.value)}
          />
        </label>
        <TextField
          label="Current data"
          placeholder="data/today.csv"
          value={current}
          onChange={setCurrent}
        />
        <TextField
          label="Name (history)"
          placeholder="monitor"
          value={name}
          onChange={setName}
        />
        <button
          className="jp-mlkit-button jp-mod-accept"
          type="submit"
          disabled={
            busy || pending !== null || !baseline.trim() || !current.trim()
          }
        >
          Run monitor
        </button>
        {pending && (
          <p className="jp-mlkit-mon-pending">
            Computing the baseline ({baselineJob?.state ?? 'queued'})…
          </p>
        )}
        <FormError message={runError} />
      </form>
      {selected && (
        <div className="jp-mlkit-mon-latest">
          <RunPicker
            jobs={analyses}
            selectedId={selected.id}
            onSelect={setSelectedId}
            label="Monitor run"
          />
          <MonitorResults job={selected} client={client} />
          {history && history.name === runName && (
            <MonitorHistory history={history} />
          )}
        </div>
      )}
      <h4>Model quality</h4>
      <ModelQuality jobs={jobs} onStart={onStart} />
    </div>
  );
}
