import * as React from 'react';

import { FINAL_STATES, IJob } from '../api';

/** A run's name in a picker: what it ran on, when it started, and its state. */
export function jobLabel(job: IJob): string {
  const p = job.parameters;
  const what = String(p['name'] ?? p['dataset_name'] ?? p['data']);
  return `${what.split('/').pop()} ${job.created_at.slice(11, 19)} ${job.state}`;
}

/** Whether a job finished with a result a capability section can show. */
export function hasResult(job: IJob): boolean {
  return job.state === 'completed' && !!job.result;
}

/** A job without a result yet: its progress while it runs, or why it did not complete. */
export function JobNotReady({
  job,
  className
}: {
  job: IJob;
  className: string;
}): JSX.Element {
  if (!FINAL_STATES.includes(job.state)) {
    return (
      <p className={className}>
        {job.state}: {job.message}
      </p>
    );
  }
  return (
    <div className="jp-mlkit-job-error">
      {job.error?.message ?? `${job.state}: ${job.message}`}
    </div>
  );
}

/** Picks one of a capability's runs; shown only when there is more than one. */
export function RunPicker(props: {
  jobs: IJob[];
  selectedId: string;
  onSelect: (id: string) => void;
  label: string;
}): JSX.Element | null {
  if (props.jobs.length < 2) {
    return null;
  }
  return (
    <select
      className="jp-mlkit-input"
      aria-label={props.label}
      value={props.selectedId}
      onChange={e => props.onSelect(e.target.value)}
    >
      {props.jobs.map(j => (
        <option key={j.id} value={j.id}>
          {jobLabel(j)}
        </option>
      ))}
    </select>
  );
}
