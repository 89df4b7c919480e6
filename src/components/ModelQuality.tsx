import * as React from 'react';

import { IJob } from '../api';
import { IMonitorQualityParams, IViolation } from '../monitorApi';
import { hasResult, JobNotReady, RunPicker } from './JobOutcome';
import { FormError, SelectField, TextField } from './FormControls';

export type ProblemType = IMonitorQualityParams['problem_type'];

const PROBLEM_TYPES: ProblemType[] = [
  'BinaryClassification',
  'MulticlassClassification',
  'Regression'
];

/** What a monitor-quality job returns. */
export interface IModelQualitySummary {
  problem_type: ProblemType;
  rows: number;
  metrics: Record<string, number | null>;
  /** null when no constraints were given: constraints were suggested instead. */
  violations: IViolation[] | null;
  violation_count: number;
  out: string | null;
}

/** Metrics are shown with 4 significant digits; counts stay whole. */
export function formatMetric(value: number | null): string {
  if (value === null || value === undefined || Number.isNaN(value)) {
    return '–';
  }
  return Number.isInteger(value) ? String(value) : value.toPrecision(4);
}

/** The metrics and the verdict of one monitor-quality job (or its progress / error). */
export function ModelQualityResults({ job }: { job: IJob }): JSX.Element {
  if (!hasResult(job)) {
    return <JobNotReady job={job} className="jp-mlkit-mq-pending" />;
  }
  const result = job.result as IModelQualitySummary;
  const names = Object.keys(result.metrics).sort();
  return (
    <div className="jp-mlkit-mq-result">
      <div className="jp-mlkit-mq-summary">
        {result.problem_type}, {result.rows} rows:{' '}
        {result.violations === null
          ? 'constraints suggested (no constraints given)'
          : `${result.violation_count} violations`}
      </div>
      <table
        className="jp-mlkit-table jp-mlkit-mq-metrics"
        aria-label="Model quality metrics"
      >
        <tbody>
          {names.map(name => (
            <tr key={name}>
              <td>
                <code>{name}</code>
              </td>
              <td>{formatMetric(result.metrics[name])}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {result.violations !== null && result.violations.length > 0 && (
        <ul className="jp-mlkit-mq-violations">
          {result.violations.map((v, i) => (
            <li key={i} data-check={v.constraint_check_type}>
              <code>{v.metric_name}</code>: {v.description}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export interface IModelQualityProps {
  jobs: IJob[];
  onStart: (kind: string, params: Record<string, unknown>) => Promise<IJob>;
}

/** Model quality: predictions against labels, with or without constraints to check. */
export function ModelQuality({
  jobs,
  onStart
}: IModelQualityProps): JSX.Element {
  const [data, setData] = React.useState('');
  const [problem, setProblem] = React.useState<ProblemType>(
    'BinaryClassification'
  );
  const [prediction, setPrediction] = React.useState('prediction');
  const [label, setLabel] = React.useState('label');
  const [probability, setProbability] = React.useState('');
  const [constraints, setConstraints] = React.useState('');
  const [busy, setBusy] = React.useState(false);
  const [error, setError] = React.useState<string | null>(null);
  const [selectedId, setSelectedId] = React.useState<string | null>(null);

  const runs = jobs.filter(j => j.kind === 'monitor-quality');
  const selected = runs.find(j => j.id === selectedId) ?? runs[0];

  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const params: Record<string, unknown> = {
      data: data.trim(),
      problem_type: problem,
      inference_attribute: prediction.trim() || 'prediction',
      ground_truth_attribute: label.trim() || 'label'
    };
    if (probability.trim()) {
      params.probability_attribute = probability.trim();
    }
    if (constraints.trim()) {
      params.constraints = constraints.trim();
    }
    try {
      const job = await onStart('monitor-quality', params);
      setSelectedId(job.id);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="jp-mlkit-mq">
      <form
        className="jp-mlkit-mq-form"
        onSubmit={submit}
        aria-label="Model quality"
      >
        <TextField
          label="Predictions with labels"
          value={data}
          onChange={setData}
          placeholder="data/scored.csv"
        />
        <SelectField
          label="Problem type"
          value={problem}
          options={PROBLEM_TYPES}
          onChange={v => setProblem(v as ProblemType)}
        />
        <TextField
          label="Prediction column"
          value={prediction}
          onChange={setPrediction}
          placeholder="prediction"
        />
        <TextField
          label="Label column"
          value={label}
          onChange={setLabel}
          placeholder="label"
        />
        {problem === 'BinaryClassification' && (
          <TextField
            label="Probability column (optional)"
            value={probability}
            onChange={setProbability}
            placeholder="probability"
          />
        )}
        <TextField
          label="Constraints (optional)"
          value={constraints}
          onChange={setConstraints}
          placeholder="monitor/quality/constraints.json"
        />
        <button
          className="jp-mlkit-button jp-mod-accept"
          type="submit"
          disabled={busy || !data.trim()}
        >
          Check model quality
        </button>
        <FormError message={error} />
      </form>
      {selected && (
        <div className="jp-mlkit-mq-latest">
          <RunPicker
            jobs={runs}
            selectedId={selected.id}
            onSelect={setSelectedId}
            label="Model quality run"
          />
          <ModelQualityResults job={selected} />
        </div>
      )}
    </div>
  );
}
