import * as React from 'react';

import { IJob } from '../api';
import {
  CompileClient,
  ICompileBenchResult,
  ICompileCandidate,
  ICompileZoo
} from '../compileApi';
import { hasResult, JobNotReady } from './JobOutcome';
import { FormError, SelectField, TextField } from './FormControls';

function num(v: number | null | undefined, digits: number): string {
  return v === null || v === undefined ? '-' : v.toFixed(digits);
}

/** Speed-up, memory and break-even steps of a completed compile-bench job, in words. */
export function compileSummary(r: ICompileBenchResult): string {
  const saving =
    r.memory_saving === null
      ? ''
      : ` (${num(r.memory_saving * 100, 0)}% saved)`;
  const memory =
    r.peak_mem_eager_mb === null
      ? 'peak memory not measured'
      : `peak memory ${num(r.peak_mem_eager_mb, 2)} → ` +
        `${num(r.peak_mem_mb, 2)} MiB${saving}`;
  return (
    `speed-up ${num(r.speedup, 2)}x (eager ${num(r.eager_step_ms, 3)} ms → ` +
    `${num(r.step_ms, 3)} ms per step); ${memory}; ` +
    `compile ${num(r.compile_s, 2)} s, break-even after ` +
    `${r.break_even_steps ?? '-'} steps; chose in ${num(r.choose_s, 1)} s`
  );
}

function CandidateRow({
  c,
  chosen
}: {
  c: ICompileCandidate;
  chosen: boolean;
}): JSX.Element {
  return (
    <tr
      data-status={c.status}
      className={chosen ? 'jp-mlkit-cmp-chosen' : undefined}
    >
      <td>
        <code>{c.name}</code>
      </td>
      <td>{c.status}</td>
      <td>{num(c.step_ms, 3)}</td>
      <td>{num(c.peak_mem_mb, 2)}</td>
      <td>{num(c.compile_s, 2)}</td>
      <td title={c.max_rel_loss_diff?.toExponential(2) ?? ''}>{c.numerics}</td>
      <td className="jp-mlkit-cmp-error">{c.error ?? ''}</td>
    </tr>
  );
}

/** One model's choice, summary and candidates table. */
function CompileReportView({ r }: { r: ICompileBenchResult }): JSX.Element {
  const what = r.script
    ? `${r.framework} ${r.model} in ${r.script}`
    : `${r.framework} ${r.model} (${r.size})`;
  return (
    <div className="jp-mlkit-cmp-model">
      <div className="jp-mlkit-cmp-choice">
        <b>{r.strategy}</b>: {r.reason}
      </div>
      <div className="jp-mlkit-cmp-summary">{compileSummary(r)}</div>
      <table
        className="jp-mlkit-table jp-mlkit-cmp-candidates"
        aria-label={`Candidates for ${r.framework} ${r.model}`}
      >
        <caption>
          {what}, objective {r.objective}
        </caption>
        <thead>
          <tr>
            <th>candidate</th>
            <th>status</th>
            <th>step ms</th>
            <th>peak MiB</th>
            <th>compile s</th>
            <th>numerics</th>
            <th>error</th>
          </tr>
        </thead>
        <tbody>
          {r.candidates.map(c => (
            <CandidateRow key={c.name} c={c} chosen={c.name === r.strategy} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The candidates table and the choice of a compile-bench job (or its progress / error);
 * for a script, one table per model it trained. */
export function CompileResults({ job }: { job: IJob }): JSX.Element {
  if (!hasResult(job)) {
    return <JobNotReady job={job} className="jp-mlkit-cmp-pending" />;
  }
  const r = job.result as ICompileBenchResult;
  const rows = r.models && r.models.length > 0 ? r.models : [r];
  return (
    <div className="jp-mlkit-cmp-result">
      {rows.map(row => (
        <CompileReportView key={row.model} r={row} />
      ))}
    </div>
  );
}

export interface ICompileSectionProps {
  client: CompileClient;
  /** The panel's jobs list (polled); compile jobs are followed through it. */
  jobs: IJob[];
  /** Create a job (the panel's model adds it to the Jobs list at once). */
  onStart: (kind: string, params: Record<string, unknown>) => Promise<IJob>;
}

/** The Compile controls: zoo model (or a script path), framework, objective, budget, Run,
 * the newest result. */
export function CompileSection(props: ICompileSectionProps): JSX.Element {
  const { client, jobs, onStart } = props;
  const [zoo, setZoo] = React.useState<ICompileZoo | null>(null);
  const [framework, setFramework] = React.useState('torch');
  const [model, setModel] = React.useState('mlp');
  const [script, setScript] = React.useState('');
  const [size, setSize] = React.useState('small');
  const [objective, setObjective] = React.useState('speed');
  const [budget, setBudget] = React.useState('120');
  const [busy, setBusy] = React.useState(false);
  const [error, setError] = React.useState<string | null>(null);

  React.useEffect(() => {
    let live = true;
    client
      .zoo()
      .then(z => live && setZoo(z))
      .catch(err => live && setError(`zoo: ${(err as Error).message}`));
    return () => {
      live = false;
    };
  }, [client]);

  const models = zoo?.models[framework] ?? [];
  React.useEffect(() => {
    if (models.length > 0 && !models.includes(model)) {
      setModel(models[0]);
    }
  }, [framework, zoo]);

  const run = async (event: React.FormEvent) => {
    event.preventDefault();
    const budgetS = Number(budget);
    if (!(budgetS > 0)) {
      setError('Budget must be a positive number of seconds.');
      return;
    }
    setBusy(true);
    setError(null);
    const what = script.trim()
      ? { script: script.trim() }
      : { model, framework, size };
    try {
      await onStart('compile-bench', {
        ...what,
        objective,
        budget_s: budgetS
      });
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const newest = jobs.find(j => j.kind === 'compile-bench');
  return (
    <div className="jp-mlkit-cmp">
      <form
        className="jp-mlkit-cmp-form"
        onSubmit={run}
        aria-label="Training compiler"
      >
        <SelectField
          label="Framework"
          value={framework}
          options={zoo?.frameworks ?? ['torch', 'keras']}
          disabled={script.trim() !== ''}
          onChange={setFramework}
        />
        <SelectField
          label="Model"
          value={model}
          options={models}
          disabled={script.trim() !== ''}
          onChange={setModel}
        />
        <TextField
          label="or script"
          title="A training script inside the server root, run unchanged with its models optimized on their first training step (instead of a zoo model)"
          placeholder="train.py"
          value={script}
          onChange={setScript}
        />
        <SelectField
          label="Size"
          value={size}
          options={zoo?.sizes ?? ['tiny', 'small', 'default']}
          disabled={script.trim() !== ''}
          onChange={setSize}
        />
        <SelectField
          label="Objective"
          value={objective}
          options={zoo?.objectives ?? ['speed', 'memory', 'balanced']}
          onChange={setObjective}
        />
        <label className="jp-mlkit-label">
          Budget (s)
          <input
            className="jp-mlkit-input"
            type="number"
            value={budget}
            onChange={e => setBudget(e.target.value)}
          />
        </label>
        <button
          className="jp-mlkit-button jp-mod-accept"
          type="submit"
          disabled={
            busy ||
            (script.trim() === '' && (zoo === null || !models.includes(model)))
          }
        >
          Run benchmark
        </button>
        <FormError message={error} />
      </form>
      {newest && <CompileResults job={newest} />}
    </div>
  );
}
