import * as React from 'react';

import { FINAL_STATES, IJob } from '../api';
import {
  IDqHistory,
  IDqRunParams,
  IDqSummary,
  IDqdlValidation,
  IRuleTypes,
  QualityClient
} from '../qualityApi';
import { hasResult, JobNotReady, RunPicker } from './JobOutcome';
import { DqdlEditor } from './DqdlEditor';
import { FormError, TextField } from './FormControls';

export const STARTER_RULES = `Rules = [
    RowCount > 0
]`;

const MARK: Record<string, string> = {
  Passed: 'PASS',
  Failed: 'FAIL',
  Error: 'ERROR'
};

/** Per-rule outcomes of a finished dq-run job. */
export function QualityResults({ job }: { job: IJob }): JSX.Element {
  if (!hasResult(job)) {
    return <JobNotReady job={job} className="jp-mlkit-dq-pending" />;
  }
  const result = job.result as IDqSummary;
  const rowLevel = result.rules.some(r => r.failing_rows !== null);
  return (
    <div className="jp-mlkit-dq-result">
      <div className="jp-mlkit-dq-score">
        Score {result.score.toFixed(2)}: {result.passed} passed, {result.failed}{' '}
        failed, {result.errors} errors
      </div>
      <table className="jp-mlkit-table jp-mlkit-dq-results">
        <thead>
          <tr>
            <th className="jp-mlkit-dq-col-rule">rule</th>
            <th className="jp-mlkit-dq-col-outcome">outcome</th>
            {rowLevel && <th className="jp-mlkit-dq-col-rows">failing rows</th>}
          </tr>
        </thead>
        <tbody>
          {result.rules.map((r, i) => (
            <tr key={i} data-outcome={r.outcome}>
              <td>
                <code>{r.rule}</code>
                {r.message && (
                  <div className="jp-mlkit-dq-message">{r.message}</div>
                )}
              </td>
              <td className={`jp-mlkit-dq-outcome jp-mlkit-dq-${r.outcome}`}>
                {MARK[r.outcome] ?? r.outcome}
              </td>
              {rowLevel && <td>{r.failing_rows ?? ''}</td>}
            </tr>
          ))}
        </tbody>
      </table>
      {result.failing_rows_path && (
        <div className="jp-mlkit-dq-note">
          {result.failing_rows} failing rows saved to{' '}
          <code>{result.failing_rows_path}</code>
        </div>
      )}
      {result.failing_rows_preview &&
        result.failing_rows_preview.length > 0 && (
          <FailingRows rows={result.failing_rows_preview} />
        )}
    </div>
  );
}

const FAIL_COLUMN = 'DataQualityRulesFail';

/** The first failing rows: their values and the rules each one failed. */
export function FailingRows({
  rows
}: {
  rows: Record<string, unknown>[];
}): JSX.Element {
  const columns = Object.keys(rows[0]).filter(c => c !== FAIL_COLUMN);
  const cell = (v: unknown) => (v === null || v === undefined ? '' : String(v));
  return (
    <details className="jp-mlkit-dq-failing">
      <summary>Failing rows (first {rows.length})</summary>
      <table className="jp-mlkit-table">
        <thead>
          <tr>
            {columns.map(c => (
              <th key={c}>{c}</th>
            ))}
            <th>failed rules</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => (
            <tr key={i}>
              {columns.map(c => (
                <td key={c}>{cell(row[c])}</td>
              ))}
              <td>
                {((row[FAIL_COLUMN] as string[] | undefined) ?? []).join('; ')}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}

/** The score of each past run of a dataset, as a small line chart. */
export function ScoreChart({ history }: { history: IDqHistory }): JSX.Element {
  const runs = history.runs.filter(r => r.score !== null);
  if (runs.length === 0) {
    return <p className="jp-mlkit-dq-note">No history yet.</p>;
  }
  const width = 240;
  const height = 60;
  const pad = 6;
  const x = (i: number) =>
    runs.length === 1
      ? width / 2
      : pad + (i * (width - 2 * pad)) / (runs.length - 1);
  const y = (score: number) => pad + (1 - score) * (height - 2 * pad);
  const points = runs.map((r, i) => `${x(i)},${y(r.score as number)}`);
  return (
    <figure className="jp-mlkit-dq-chart">
      <svg
        width={width}
        height={height}
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label={`Score over time: ${runs.length} runs`}
      >
        <line
          className="jp-mlkit-dq-axis"
          x1={pad}
          x2={width - pad}
          y1={y(1)}
          y2={y(1)}
        />
        <line
          className="jp-mlkit-dq-axis"
          x1={pad}
          x2={width - pad}
          y1={y(0)}
          y2={y(0)}
        />
        <polyline className="jp-mlkit-dq-line" points={points.join(' ')} />
        {runs.map((r, i) => (
          <circle
            key={r.run_id}
            className="jp-mlkit-dq-point"
            cx={x(i)}
            cy={y(r.score as number)}
            r={2.5}
          >
            <title>
              {r.recorded_at.slice(0, 19).replace('T', ' ')}: score{' '}
              {(r.score as number).toFixed(2)}
            </title>
          </circle>
        ))}
      </svg>
      <figcaption>
        Score over time ({runs.length} runs; latest{' '}
        {(runs[runs.length - 1].score as number).toFixed(2)})
      </figcaption>
    </figure>
  );
}

export interface IQualitySectionProps {
  client: QualityClient;
  /** The panel's jobs list (polled); dq-run jobs are picked from it. */
  jobs: IJob[];
  onRun: (params: IDqRunParams) => Promise<IJob>;
  /** Starts a dq-recommend job; its rules replace the editor's text when it completes. */
  onRecommend?: (data: string) => Promise<IJob>;
  validateDelay?: number;
}

/** The Data quality controls: a DQDL editor, a dataset path, Run, results and history. */
export function QualitySection(props: IQualitySectionProps): JSX.Element {
  const { client } = props;
  const [text, setText] = React.useState(STARTER_RULES);
  const [data, setData] = React.useState('');
  const [rowLevel, setRowLevel] = React.useState(false);
  const [validation, setValidation] = React.useState<IDqdlValidation | null>(
    null
  );
  const [ruleTypes, setRuleTypes] = React.useState<IRuleTypes | null>(null);
  const [busy, setBusy] = React.useState(false);
  const [runError, setRunError] = React.useState<string | null>(null);
  const [selectedId, setSelectedId] = React.useState<string | null>(null);
  const [history, setHistory] = React.useState<IDqHistory | null>(null);
  const [recommendId, setRecommendId] = React.useState<string | null>(null);

  React.useEffect(() => {
    client
      .ruleTypes()
      .then(setRuleTypes)
      .catch(() => setRuleTypes(null)); // the built-in names still highlight
  }, [client]);

  const validate = React.useCallback(
    (t: string) => client.validate(t),
    [client]
  );

  const dqJobs = props.jobs.filter(j => j.kind === 'dq-run');
  const selected = dqJobs.find(j => j.id === selectedId) ?? dqJobs[0];
  const dataset =
    selected && typeof selected.parameters['dataset_name'] === 'string'
      ? (selected.parameters['dataset_name'] as string)
      : null;
  const selectedState = selected?.state;

  React.useEffect(() => {
    if (!dataset || selectedState !== 'completed') {
      return;
    }
    let live = true;
    client
      .history(dataset)
      .then(h => live && setHistory(h))
      .catch(() => live && setHistory(null));
    return () => {
      live = false;
    };
  }, [client, dataset, selected?.id, selectedState]);

  const recommendJob = recommendId
    ? props.jobs.find(j => j.id === recommendId)
    : undefined;
  React.useEffect(() => {
    if (!recommendJob || !FINAL_STATES.includes(recommendJob.state)) {
      return;
    }
    setRecommendId(null);
    if (recommendJob.state === 'completed' && recommendJob.result?.rules) {
      setText(recommendJob.result.rules as string);
    } else {
      setRunError(
        recommendJob.error?.message ?? `recommendation ${recommendJob.state}`
      );
    }
  }, [recommendJob?.id, recommendJob?.state]);

  const suggest = async () => {
    if (!props.onRecommend) {
      return;
    }
    setRunError(null);
    try {
      const job = await props.onRecommend(data.trim());
      setRecommendId(job.id);
    } catch (err) {
      setRunError((err as Error).message);
    }
  };

  const invalid = validation !== null && !validation.ok;
  const run = async (event: React.FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setRunError(null);
    try {
      const job = await props.onRun({
        rules: text,
        data: data.trim(),
        row_level: rowLevel
      });
      setSelectedId(job.id);
    } catch (err) {
      setRunError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="jp-mlkit-dq">
      <form
        className="jp-mlkit-dq-form"
        onSubmit={run}
        aria-label="Data quality"
      >
        <DqdlEditor
          value={text}
          onChange={setText}
          validate={validate}
          onValidated={setValidation}
          ruleTypes={ruleTypes?.rule_types.map(t => t.name)}
          keywords={ruleTypes?.keywords}
          delay={props.validateDelay}
        />
        <TextField
          label="Dataset (CSV, Parquet, JSON lines; a file, folder or glob)"
          placeholder="data/orders.csv"
          value={data}
          onChange={setData}
        />
        <label className="jp-mlkit-check">
          <input
            type="checkbox"
            checked={rowLevel}
            onChange={e => setRowLevel(e.target.checked)}
          />
          Save failing rows
        </label>
        <div className="jp-mlkit-dq-actions">
          <button
            className="jp-mlkit-button jp-mod-accept"
            type="submit"
            disabled={busy || !data.trim() || !text.trim() || invalid}
          >
            Run rules
          </button>
          {props.onRecommend && (
            <button
              className="jp-mlkit-button"
              type="button"
              disabled={recommendId !== null || !data.trim()}
              onClick={() => void suggest()}
              title="Profile the dataset and replace the rules with a suggested ruleset"
            >
              {recommendId !== null ? 'Suggesting…' : 'Suggest rules'}
            </button>
          )}
        </div>
        <FormError message={runError} />
      </form>
      {selected && (
        <div className="jp-mlkit-dq-latest">
          <RunPicker
            jobs={dqJobs}
            selectedId={selected.id}
            onSelect={setSelectedId}
            label="Data quality run"
          />
          <QualityResults job={selected} />
          {history && history.dataset === dataset && (
            <ScoreChart history={history} />
          )}
        </div>
      )}
    </div>
  );
}
