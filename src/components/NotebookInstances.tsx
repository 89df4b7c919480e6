import * as React from 'react';

import {
  INotebookInstance,
  IInstanceList,
  LifecycleClient
} from '../lifecycleApi';
import { CreateInstanceForm } from './NotebookInstanceForm';
import { FormError } from './FormControls';

/** How often the instance table refreshes while it is open (states change on AWS's side). */
export const INSTANCES_REFRESH_MS = 15000;

const message = (err: unknown) => (err as Error).message;

function ScheduleCell(props: {
  instance: INotebookInstance;
  onSave: (text: string) => Promise<void>;
  onClear: () => Promise<void>;
}): JSX.Element {
  const current = props.instance.schedule?.text ?? '';
  const [text, setText] = React.useState(current);
  React.useEffect(() => setText(current), [current]);
  return (
    <span className="jp-mlkit-ni-schedule">
      <input
        className="jp-mlkit-input"
        aria-label={`Schedule of ${props.instance.name}`}
        placeholder="weekdays 09:00-19:00"
        value={text}
        onChange={e => setText(e.target.value)}
      />
      <button
        type="button"
        className="jp-mlkit-button"
        disabled={text.trim() === current || !text.trim()}
        onClick={() => void props.onSave(text.trim())}
      >
        Save
      </button>
      {current && (
        <button
          type="button"
          className="jp-mlkit-button"
          onClick={() => void props.onClear()}
        >
          Clear
        </button>
      )}
    </span>
  );
}

/** What can be done to an instance in a state (SageMaker refuses the rest). */
export function instanceActions(status: string | null): {
  label: string;
  done: string;
  run: (client: LifecycleClient, name: string) => Promise<unknown>;
}[] {
  const actions = [];
  if (status === 'Stopped') {
    actions.push({
      label: 'Start',
      done: 'starting',
      run: (c: LifecycleClient, n: string) => c.startInstance(n)
    });
  }
  if (status === 'InService') {
    actions.push({
      label: 'Stop',
      done: 'stopping',
      run: (c: LifecycleClient, n: string) => c.stopInstance(n)
    });
  }
  if (status === 'Stopped' || status === 'Failed') {
    actions.push({
      label: 'Delete',
      done: 'deleted',
      run: (c: LifecycleClient, n: string) => c.deleteInstance(n)
    });
  }
  return actions;
}

/**
 * SageMaker notebook instances: state, Start/Stop, schedules and a create form. Collapsed by
 * default: AWS is only called once the user opens it.
 */
export function NotebookInstances(props: {
  client: LifecycleClient;
  configs: string[];
  initiallyOpen?: boolean;
}): JSX.Element {
  const { client } = props;
  const [open, setOpen] = React.useState(props.initiallyOpen ?? false);
  const [list, setList] = React.useState<IInstanceList | null>(null);
  const [loadError, setLoadError] = React.useState<string | null>(null);
  const [rowError, setRowError] = React.useState<{
    name: string;
    text: string;
  } | null>(null);
  const [note, setNote] = React.useState<string | null>(null);

  const load = React.useCallback(async () => {
    try {
      setList(await client.listInstances());
      setLoadError(null);
    } catch (err) {
      setLoadError(message(err));
    }
  }, [client]);

  React.useEffect(() => {
    if (!open) {
      return;
    }
    void load();
    const timer = setInterval(() => void load(), INSTANCES_REFRESH_MS);
    return () => clearInterval(timer);
  }, [open, load]);

  const act = async (
    name: string,
    fn: () => Promise<unknown>,
    done: string
  ) => {
    setRowError(null);
    setNote(null);
    try {
      await fn();
      setNote(done);
    } catch (err) {
      setRowError({ name, text: message(err) });
    }
    await load();
  };

  const instances = list?.instances ?? [];
  return (
    <details
      className="jp-mlkit-ni"
      open={open}
      onToggle={e => setOpen((e.currentTarget as HTMLDetailsElement).open)}
    >
      <summary>Notebook instances (SageMaker)</summary>
      <FormError message={loadError} />
      {note && <div className="jp-mlkit-lc-message">{note}</div>}
      {list && instances.length === 0 && (
        <p className="jp-mlkit-blurb">No notebook instances.</p>
      )}
      {instances.length > 0 && (
        <table className="jp-mlkit-ni-table" aria-label="Notebook instances">
          <thead>
            <tr>
              <th>Name</th>
              <th>State</th>
              <th>Type</th>
              <th>Lifecycle</th>
              <th>Schedule</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {instances.map(i => (
              <React.Fragment key={i.name}>
                <tr data-name={i.name}>
                  <td>{i.name}</td>
                  <td>
                    <span
                      className={`jp-mlkit-ni-state jp-mod-${i.status ?? 'unknown'}`}
                      title={i.failure_reason ?? undefined}
                    >
                      {i.status ?? '?'}
                    </span>
                    {i.scheduled_action && (
                      <span className="jp-mlkit-blurb">
                        {' '}
                        (schedule: {i.scheduled_action} due)
                      </span>
                    )}
                  </td>
                  <td>{i.instance_type}</td>
                  <td>{i.lifecycle_config ?? '-'}</td>
                  <td>
                    <ScheduleCell
                      instance={i}
                      onSave={text =>
                        act(
                          i.name,
                          () => client.setSchedule(i.name, text),
                          `${i.name} runs ${text}`
                        )
                      }
                      onClear={() =>
                        act(
                          i.name,
                          () => client.deleteSchedule(i.name),
                          `${i.name}: schedule removed`
                        )
                      }
                    />
                  </td>
                  <td className="jp-mlkit-lc-actions">
                    {instanceActions(i.status).map(a => (
                      <button
                        key={a.label}
                        type="button"
                        className="jp-mlkit-button"
                        onClick={() =>
                          void act(
                            i.name,
                            () => a.run(client, i.name),
                            `${i.name} ${a.done}`
                          )
                        }
                      >
                        {a.label}
                      </button>
                    ))}
                  </td>
                </tr>
                {rowError?.name === i.name && (
                  <tr>
                    <td colSpan={6}>
                      <div className="jp-mlkit-form-error" role="alert">
                        {rowError.text}
                      </div>
                    </td>
                  </tr>
                )}
              </React.Fragment>
            ))}
          </tbody>
        </table>
      )}
      {open && (
        <CreateInstanceForm
          client={client}
          configs={props.configs}
          defaultRole={list?.default_role ?? false}
          onCreated={(name, published) => {
            setNote(
              `${name} created` +
                (published ? ` (configuration ${published})` : '')
            );
            void load();
          }}
        />
      )}
    </details>
  );
}
