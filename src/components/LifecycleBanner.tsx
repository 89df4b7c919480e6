import * as React from 'react';

import { ILifecycleStatus, IRun, LifecycleClient } from '../lifecycleApi';

/** How often the panel checks for a failed start-up script (cheap: one SQLite read). */
export const LIFECYCLE_BANNER_REFRESH_MS = 15000;

export interface IStartupFailure {
  text: string;
  /** The failed run, whose log the banner's button opens; null when no run was recorded. */
  run: IRun | null;
}

/** Where the id of the last dismissed failed run is kept, so a reload does not bring it back. */
export const DISMISSED_KEY = 'jupyter-mlkit:lifecycle-banner-dismissed';

function readDismissed(): number | null {
  try {
    const value = Number(window.localStorage.getItem(DISMISSED_KEY));
    return Number.isInteger(value) && value > 0 ? value : null;
  } catch {
    return null; // storage disabled: dismissal lasts until the page is reloaded
  }
}

function writeDismissed(id: number): void {
  try {
    window.localStorage.setItem(DISMISSED_KEY, String(id));
  } catch {
    // storage disabled: nothing to keep
  }
}

/** The top-banner line for a failed or timed-out on-create / on-start script, if any. */
export function startupFailure(
  status: ILifecycleStatus | null | undefined
): IStartupFailure | null {
  if (!status) {
    return null;
  }
  for (const hook of status.failed_hooks ?? []) {
    const run = status.last_runs?.[hook as 'on_create' | 'on_start'];
    if (!run) {
      continue;
    }
    const what = `Lifecycle ${hook.replace('_', '-')} script '${run.config_name}'`;
    const why =
      run.status === 'timed_out'
        ? 'timed out and was stopped'
        : run.exit_code !== null
          ? `failed (exit ${run.exit_code})`
          : 'failed';
    return { text: `${what} ${why} – see logs`, run };
  }
  const startup = status.startup;
  if (startup?.state === 'done' && startup.error) {
    return { text: `Lifecycle start-up failed: ${startup.error}`, run: null };
  }
  return null;
}

/**
 * A banner at the top of the panel when this server's lifecycle script failed, with a button
 * that opens the run's log in the Lifecycle section. Errors reaching the server are left to the
 * Lifecycle section to report.
 */
export function LifecycleBanner(props: {
  client: LifecycleClient;
  onShowLog: (run: IRun) => void;
}): JSX.Element | null {
  const { client } = props;
  const [status, setStatus] = React.useState<ILifecycleStatus | null>(null);
  const [dismissed, setDismissed] = React.useState<number | null>(
    readDismissed
  );

  React.useEffect(() => {
    let alive = true;
    const load = () => {
      if (typeof document !== 'undefined' && document.hidden) {
        return;
      }
      client
        .status()
        .then(s => alive && setStatus(s))
        .catch(() => undefined);
    };
    load();
    const timer = setInterval(load, LIFECYCLE_BANNER_REFRESH_MS);
    return () => {
      alive = false;
      clearInterval(timer);
    };
  }, [client]);

  const failure = startupFailure(status);
  if (!failure || (failure.run && failure.run.id === dismissed)) {
    return null;
  }
  const run = failure.run;
  return (
    <div className="jp-mlkit-banner jp-mlkit-lc-banner" role="alert">
      <span>{failure.text}</span>{' '}
      {run && (
        <>
          <button
            type="button"
            className="jp-mlkit-button"
            onClick={() => props.onShowLog(run)}
          >
            Open log
          </button>{' '}
          <button
            type="button"
            className="jp-mlkit-link"
            aria-label="Dismiss"
            onClick={() => {
              writeDismissed(run.id);
              setDismissed(run.id);
            }}
          >
            Dismiss
          </button>
        </>
      )}
    </div>
  );
}
