import * as React from 'react';

import { ICapability } from '../api';
import {
  Hook,
  IConfigList,
  IIdleState,
  ILifecycleStatus,
  IRun,
  ITemplate,
  LifecycleClient
} from '../lifecycleApi';
import { EMPTY_EDITOR, IEditorValue, LifecycleEditor } from './LifecycleEditor';
import { NotebookInstances } from './NotebookInstances';
import { FormError } from './FormControls';

/** A request to show one run's log (from the panel's banner); `seq` makes a repeat count. */
export interface IShowRun {
  id: number;
  seq: number;
}

/** How often the section refreshes while it is open (runs and the idle timer). */
export const LIFECYCLE_REFRESH_MS = 5000;

const hookLabel = (hook: string) => hook.replace('_', '-');

/** Seconds before the idle action, counted down locally between refreshes. */
export function secondsLeft(
  idle: IIdleState | undefined,
  now: number
): number | null {
  const deadline = idle?.status?.deadline;
  if (!idle?.enabled || !deadline || idle.status?.seconds_left === null) {
    return null;
  }
  return Math.max(0, Math.round((Date.parse(deadline) - now) / 1000));
}

function IdleTimer(props: {
  idle: IIdleState;
  now: number;
  onPostpone: () => void;
}): JSX.Element | null {
  const { idle } = props;
  if (!idle.enabled || !idle.policy) {
    return null;
  }
  const left = secondsLeft(idle, props.now);
  return (
    <div className="jp-mlkit-lc-idle" aria-label="Idle auto-stop">
      <span>
        Idle auto-stop ({idle.policy.action}):{' '}
        {left !== null ? (
          <b className="jp-mlkit-lc-idle-left">{left} s left</b>
        ) : (
          <span>{idle.status?.reason ?? 'checking'}</span>
        )}
      </span>
      <button
        type="button"
        className="jp-mlkit-button"
        onClick={props.onPostpone}
      >
        Postpone 1 h
      </button>
      {idle.last_error && (
        <div className="jp-mlkit-form-error">{idle.last_error}</div>
      )}
    </div>
  );
}

function RunHistory(props: {
  client: LifecycleClient;
  runs: IRun[];
  focus?: IShowRun | null;
}): JSX.Element {
  const [shown, setShown] = React.useState<number | null>(null);
  const [log, setLog] = React.useState('');
  const open = async (id: number) => {
    if (shown === id) {
      setShown(null);
      return;
    }
    await show(id);
  };
  const show = async (id: number) => {
    setShown(id);
    setLog('');
    let text = '';
    let offset = 0;
    for (let i = 0; i < 20; i++) {
      const chunk = await props.client.runLog(id, offset);
      text += chunk.text;
      if (chunk.eof || chunk.next_offset === offset) {
        break;
      }
      offset = chunk.next_offset;
    }
    setLog(text);
  };
  const focus = props.focus;
  React.useEffect(() => {
    if (focus) {
      void show(focus.id).catch(err => setLog((err as Error).message));
    }
  }, [focus?.seq]);
  const focused = React.useRef<HTMLLIElement>(null);
  React.useEffect(() => {
    focused.current?.scrollIntoView?.({ block: 'nearest' });
  }, [shown, props.runs.length]);
  if (props.runs.length === 0) {
    return <p className="jp-mlkit-blurb">No runs yet.</p>;
  }
  return (
    <ul className="jp-mlkit-lc-runs" aria-label="Run history">
      {props.runs.map(r => (
        <li
          key={r.id}
          className={`jp-mlkit-lc-run jp-mod-${r.status}`}
          ref={shown === r.id ? focused : undefined}
        >
          <button className="jp-mlkit-link" onClick={() => void open(r.id)}>
            {r.config_name} {hookLabel(r.hook)}
          </button>{' '}
          <span className="jp-mlkit-lc-run-status">{r.status}</span>
          {r.exit_code !== null && r.status !== 'succeeded'
            ? ` (exit ${r.exit_code})`
            : ''}{' '}
          <span className="jp-mlkit-blurb">
            {r.started_at.slice(0, 19).replace('T', ' ')}
          </span>
          {shown === r.id && (
            <pre className="jp-mlkit-lc-log" aria-label={`Log of run ${r.id}`}>
              {log || '(empty log)'}
              {r.error ? `\n${r.error}` : ''}
            </pre>
          )}
        </li>
      ))}
    </ul>
  );
}

/** The "Lifecycle" section: configurations, editor with templates, runs and the idle timer. */
export function LifecycleSection(props: {
  client: LifecycleClient;
  title: string;
  blurb: string;
  capability?: ICapability;
  initiallyOpen?: boolean;
  /** Open the section and this run's log (the panel's failed-script banner sets it). */
  showRun?: IShowRun | null;
}): JSX.Element {
  const { client } = props;
  const [open, setOpen] = React.useState(props.initiallyOpen ?? false);
  React.useEffect(() => {
    if (props.showRun) {
      setOpen(true);
    }
  }, [props.showRun?.seq]);
  const [configs, setConfigs] = React.useState<IConfigList | null>(null);
  const [status, setStatus] = React.useState<ILifecycleStatus | null>(null);
  const [runs, setRuns] = React.useState<IRun[]>([]);
  const [templates, setTemplates] = React.useState<ITemplate[]>([]);
  const [editing, setEditing] = React.useState<IEditorValue | null>(null);
  const [error, setError] = React.useState<string | null>(null);
  const [message, setMessage] = React.useState<string | null>(null);
  const [now, setNow] = React.useState(Date.now());

  const load = React.useCallback(async () => {
    try {
      const [c, s, r] = await Promise.all([
        client.listConfigs(),
        client.status(),
        client.runs()
      ]);
      setConfigs(c);
      setStatus(s);
      setRuns(r.runs);
    } catch (err) {
      setError((err as Error).message);
    }
  }, [client]);

  React.useEffect(() => {
    if (!open) {
      return;
    }
    void load();
    client
      .templates()
      .then(t => setTemplates(t.templates))
      .catch(err => setError((err as Error).message));
    const refresh = setInterval(() => void load(), LIFECYCLE_REFRESH_MS);
    const tick = setInterval(() => setNow(Date.now()), 1000);
    return () => {
      clearInterval(refresh);
      clearInterval(tick);
    };
  }, [open, load]);

  const act = async (fn: () => Promise<unknown>, done?: string) => {
    setError(null);
    setMessage(null);
    try {
      await fn();
      if (done) {
        setMessage(done);
      }
    } catch (err) {
      setError((err as Error).message);
    }
    await load();
  };

  const run = (name: string, hook: Hook) =>
    act(async () => {
      const started = await client.runNow(name, hook);
      setRuns(rs => [started, ...rs.filter(r => r.id !== started.id)]);
    }, `${name} ${hook} started`);

  const edit = async (name: string) => {
    try {
      const c = await client.getConfig(name);
      setEditing({
        name: c.name,
        on_create: c.on_create ?? '',
        on_start: c.on_start ?? '',
        existing: true
      });
    } catch (err) {
      setError((err as Error).message);
    }
  };

  const cap = props.capability;
  const failed = status?.failed_hooks ?? [];
  return (
    <details
      className="jp-mlkit-section jp-mlkit-lc"
      data-capability="lifecycle"
      open={open}
      onToggle={e => setOpen((e.currentTarget as HTMLDetailsElement).open)}
    >
      <summary>{props.title}</summary>
      <p className="jp-mlkit-blurb">{props.blurb}</p>
      {cap && !cap.usable && (
        <p className="jp-mlkit-cap-note">Not usable here: {cap.reason}.</p>
      )}
      {status && (
        <p className="jp-mlkit-lc-server">
          Server <b>{status.server}</b>:{' '}
          {status.attached ? (
            <>
              runs <b>{status.attached.config_name}</b> at start
            </>
          ) : (
            'no configuration attached'
          )}
        </p>
      )}
      {failed.length > 0 && status && (
        <div className="jp-mlkit-form-error" role="alert">
          {failed
            .map(h => {
              const r = status.last_runs[h as 'on_create' | 'on_start'];
              return `${hookLabel(h)} ${r?.status ?? 'failed'}${
                r?.exit_code !== null && r?.exit_code !== undefined
                  ? ` (exit ${r.exit_code})`
                  : ''
              }`;
            })
            .join('; ')}
        </div>
      )}
      {status && (
        <IdleTimer
          idle={status.idle}
          now={now}
          onPostpone={() =>
            void act(async () => {
              const idle = await client.postpone(3600);
              setStatus(s => (s ? { ...s, idle } : s));
            }, 'idle stop postponed by 1 h')
          }
        />
      )}
      <FormError message={error} />
      {message && <div className="jp-mlkit-lc-message">{message}</div>}
      <h4>Configurations</h4>
      <ul className="jp-mlkit-lc-configs" aria-label="Lifecycle configurations">
        {(configs?.configs ?? []).map(c => (
          <li key={c.name} className="jp-mlkit-lc-config" data-name={c.name}>
            <b>{c.name}</b> v{c.version}
            {c.attached && <span className="jp-mlkit-lc-badge">attached</span>}
            <span className="jp-mlkit-lc-actions">
              <button
                className="jp-mlkit-button"
                onClick={() => void edit(c.name)}
              >
                Edit
              </button>
              {c.attached ? (
                <button
                  className="jp-mlkit-button"
                  onClick={() =>
                    void act(() => client.detach(), `${c.name} detached`)
                  }
                >
                  Detach
                </button>
              ) : (
                <button
                  className="jp-mlkit-button"
                  onClick={() =>
                    void act(
                      () => client.attach(c.name),
                      `${c.name} attached: it runs at the next server start`
                    )
                  }
                >
                  Attach
                </button>
              )}
              {c.on_start !== null && (
                <button
                  className="jp-mlkit-button"
                  onClick={() => void run(c.name, 'on-start')}
                >
                  Run on-start
                </button>
              )}
              {c.on_create !== null && (
                <button
                  className="jp-mlkit-button"
                  onClick={() => void run(c.name, 'on-create')}
                >
                  Run on-create
                </button>
              )}
              <button
                className="jp-mlkit-button"
                onClick={() =>
                  void act(
                    () => client.deleteConfig(c.name),
                    `${c.name} deleted`
                  )
                }
              >
                Delete
              </button>
            </span>
          </li>
        ))}
      </ul>
      {configs && configs.configs.length === 0 && (
        <p className="jp-mlkit-blurb">No configurations yet.</p>
      )}
      {editing ? (
        <LifecycleEditor
          key={editing.existing ? editing.name : 'new'}
          client={client}
          templates={templates}
          initial={editing}
          onCancel={() => setEditing(null)}
          onSaved={saved => {
            setEditing(null);
            setMessage(`${saved.name} saved (version ${saved.version})`);
            void load();
          }}
        />
      ) : (
        <button
          type="button"
          className="jp-mlkit-button jp-mod-accept"
          onClick={() => setEditing(EMPTY_EDITOR)}
        >
          New configuration
        </button>
      )}
      <h4>Runs</h4>
      <RunHistory client={client} runs={runs} focus={props.showRun} />
      <NotebookInstances
        client={client}
        configs={(configs?.configs ?? []).map(c => c.name)}
      />
    </details>
  );
}
