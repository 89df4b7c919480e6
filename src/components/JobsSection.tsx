import * as React from 'react';

import { FINAL_STATES, IJob } from '../api';

/** A compact result view: profile results as a table, anything else as JSON. */
export function JobResult({ job }: { job: IJob }): JSX.Element | null {
  if (job.state === 'failed' || job.state === 'interrupted') {
    return (
      <div className="jp-mlkit-job-error" role="alert">
        {job.error?.message ?? job.message}
      </div>
    );
  }
  if (job.state !== 'completed' || job.result === null) {
    return null;
  }
  if (job.kind === 'profile' && Array.isArray(job.result.columns)) {
    return (
      <div className="jp-mlkit-job-result">
        <div className="jp-mlkit-result-summary">
          {job.result.rows} rows, {job.result.columns.length} columns
        </div>
        <table className="jp-mlkit-table">
          <thead>
            <tr>
              <th>column</th>
              <th>type</th>
              <th>nulls</th>
              <th>min</th>
              <th>max</th>
            </tr>
          </thead>
          <tbody>
            {job.result.columns.map((col: any) => (
              <tr key={col.name}>
                <td>{col.name}</td>
                <td>{col.type}</td>
                <td>{col.null_count}</td>
                <td>{String(col.min ?? '')}</td>
                <td>{String(col.max ?? '')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    );
  }
  return (
    <pre className="jp-mlkit-job-result">
      {JSON.stringify(job.result, null, 2).slice(0, 4000)}
    </pre>
  );
}

function describe(job: IJob): string {
  // profile jobs name a `path`, data-quality and monitor jobs their `data`, compile jobs a model.
  const path =
    job.parameters['path'] ?? job.parameters['data'] ?? job.parameters['model'];
  if (typeof path === 'string') {
    const parts = path.split('/');
    return `${job.kind} ${parts[parts.length - 1]}`;
  }
  return job.kind;
}

/** The tail of a job's log, fetched when asked for (and again on Refresh). */
export function JobLog({
  jobId,
  load
}: {
  jobId: string;
  load: (id: string) => Promise<string>;
}): JSX.Element {
  const [text, setText] = React.useState<string | null>(null);
  const [error, setError] = React.useState<string | null>(null);
  const refresh = React.useCallback(() => {
    setError(null);
    load(jobId)
      .then(setText)
      .catch(err => setError((err as Error).message));
  }, [jobId, load]);
  React.useEffect(refresh, [refresh]);
  return (
    <div className="jp-mlkit-job-log">
      <button className="jp-mlkit-link" onClick={refresh}>
        Refresh log
      </button>
      {error ? (
        <div className="jp-mlkit-job-error">{error}</div>
      ) : (
        <pre aria-label="Job log">
          {text === null ? 'loading…' : text || '(the log is empty)'}
        </pre>
      )}
    </div>
  );
}

export interface IJobRowProps {
  job: IJob;
  onCancel: (id: string) => void;
  onDelete: (id: string) => void;
  /** Run a finished job again with the same parameters. */
  onRerun?: (id: string) => void;
  /** The tail of a job's log. */
  loadLog?: (id: string) => Promise<string>;
}

export function JobRow({
  job,
  onCancel,
  onDelete,
  onRerun,
  loadLog
}: IJobRowProps): JSX.Element {
  const [open, setOpen] = React.useState(false);
  const [showLog, setShowLog] = React.useState(false);
  const active = !FINAL_STATES.includes(job.state);
  const percent = Math.round(job.progress * 100);
  return (
    <li
      className={`jp-mlkit-job jp-mlkit-job-${job.state}`}
      data-job-id={job.id}
    >
      <div className="jp-mlkit-job-head">
        <button
          className="jp-mlkit-link"
          onClick={() => setOpen(!open)}
          aria-expanded={open}
          title={`${job.kind} job ${job.id} (from ${job.origin})`}
        >
          {describe(job)}
        </button>
        <span className="jp-mlkit-job-origin">{job.origin}</span>
        <span className="jp-mlkit-job-state" data-state={job.state}>
          {job.state}
        </span>
      </div>
      <div
        className="jp-mlkit-progress"
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        aria-label={`${job.kind} progress`}
      >
        <div
          className="jp-mlkit-progress-fill"
          style={{ width: `${percent}%` }}
        />
      </div>
      <div className="jp-mlkit-job-message">{job.message}</div>
      <div className="jp-mlkit-job-actions">
        {active ? (
          <button className="jp-mlkit-button" onClick={() => onCancel(job.id)}>
            Cancel
          </button>
        ) : (
          <>
            {onRerun && (
              <button
                className="jp-mlkit-button"
                onClick={() => onRerun(job.id)}
              >
                Rerun
              </button>
            )}
            <button
              className="jp-mlkit-button"
              onClick={() => onDelete(job.id)}
            >
              Delete
            </button>
          </>
        )}
        {loadLog && (
          <button
            className="jp-mlkit-button"
            aria-expanded={showLog}
            onClick={() => setShowLog(!showLog)}
          >
            Log
          </button>
        )}
      </div>
      {(open || job.state === 'failed') && <JobResult job={job} />}
      {showLog && loadLog && <JobLog jobId={job.id} load={loadLog} />}
    </li>
  );
}

export interface IJobsSectionProps {
  jobs: IJob[];
  total: number;
  onCancel: (id: string) => void;
  onDelete: (id: string) => void;
  onRerun?: (id: string) => void;
  loadLog?: (id: string) => Promise<string>;
  /** Fetch more of the older jobs. */
  onShowMore?: () => void;
}

export function JobsSection(props: IJobsSectionProps): JSX.Element {
  if (props.jobs.length === 0) {
    return <p className="jp-mlkit-empty">No jobs yet.</p>;
  }
  return (
    <ul className="jp-mlkit-jobs" aria-label="Jobs">
      {props.jobs.map(job => (
        <JobRow
          key={job.id}
          job={job}
          onCancel={props.onCancel}
          onDelete={props.onDelete}
          onRerun={props.onRerun}
          loadLog={props.loadLog}
        />
      ))}
      {props.total > props.jobs.length && (
        <li className="jp-mlkit-more">
          {props.total - props.jobs.length} older jobs not shown
          {props.onShowMore && (
            <>
              {' '}
              <button className="jp-mlkit-link" onClick={props.onShowMore}>
                Show older
              </button>
            </>
          )}
        </li>
      )}
    </ul>
  );
}
