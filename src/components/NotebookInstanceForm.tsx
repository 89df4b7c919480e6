import * as React from 'react';

import { ApiError } from '../api';
import { INewInstance, LifecycleClient } from '../lifecycleApi';

export const INSTANCE_TYPES = [
  'ml.t3.medium',
  'ml.t3.large',
  'ml.t3.xlarge',
  'ml.m5.xlarge',
  'ml.m5.2xlarge',
  'ml.c5.xlarge',
  'ml.g4dn.xlarge',
  'ml.p3.2xlarge'
];

/** The request field an error is about (the server names it in `details.field`). */
export function errorField(err: unknown): string | null {
  const details = err instanceof ApiError ? err.details : undefined;
  const field = (details as { field?: unknown } | null | undefined)?.field;
  return typeof field === 'string' ? field : null;
}

const message = (err: unknown) => (err as Error).message;

const EMPTY_FORM = {
  name: '',
  instance_type: 'ml.t3.medium',
  volume_size_gb: '5',
  lifecycle_config: '',
  role_arn: ''
};

/** The create form: a bad field (the server names it) is shown beside it. */
export function CreateInstanceForm(props: {
  client: LifecycleClient;
  configs: string[];
  defaultRole: boolean;
  onCreated: (name: string, published: string | null) => void;
}): JSX.Element {
  const [form, setForm] = React.useState(EMPTY_FORM);
  const [error, setError] = React.useState<{
    field: string | null;
    text: string;
  } | null>(null);
  const [busy, setBusy] = React.useState(false);
  const set =
    (key: keyof typeof EMPTY_FORM) => (e: { target: { value: string } }) =>
      setForm(f => ({ ...f, [key]: e.target.value }));
  const fieldError = (field: string) =>
    error?.field === field ? (
      <span className="jp-mlkit-form-error" role="alert">
        {error.text}
      </span>
    ) : null;

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    const volume = Number(form.volume_size_gb);
    const body: INewInstance = {
      name: form.name.trim(),
      instance_type: form.instance_type.trim(),
      // A non-number goes to the server as typed so its message names the field.
      volume_size_gb: Number.isInteger(volume)
        ? volume
        : (form.volume_size_gb as unknown as number),
      lifecycle_config: form.lifecycle_config || null
    };
    if (form.role_arn.trim()) {
      body.role_arn = form.role_arn.trim();
    }
    setBusy(true);
    try {
      const out = await props.client.createInstance(body);
      setForm(EMPTY_FORM);
      props.onCreated(
        out.instance.name,
        out.published ? `${out.published.action} ${out.published.arn}` : null
      );
    } catch (err) {
      setError({ field: errorField(err), text: message(err) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="jp-mlkit-ni-create"
      aria-label="New notebook instance"
      onSubmit={e => void submit(e)}
    >
      <label>
        Name{' '}
        <input
          className="jp-mlkit-input"
          value={form.name}
          onChange={set('name')}
          placeholder="team-notebook"
        />
      </label>
      {fieldError('name')}
      <label>
        Instance type{' '}
        <input
          className="jp-mlkit-input"
          list="jp-mlkit-ni-types"
          value={form.instance_type}
          onChange={set('instance_type')}
        />
        <datalist id="jp-mlkit-ni-types">
          {INSTANCE_TYPES.map(t => (
            <option key={t} value={t} />
          ))}
        </datalist>
      </label>
      {fieldError('instance_type')}
      <label>
        Volume (GB){' '}
        <input
          className="jp-mlkit-input"
          type="number"
          min={5}
          max={16384}
          value={form.volume_size_gb}
          onChange={set('volume_size_gb')}
        />
      </label>
      {fieldError('volume_size_gb')}
      <label>
        Lifecycle configuration{' '}
        <select
          className="jp-mlkit-input"
          value={form.lifecycle_config}
          onChange={set('lifecycle_config')}
        >
          <option value="">(none)</option>
          {props.configs.map(c => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
      </label>
      {fieldError('lifecycle_config')}
      <label>
        IAM role ARN{' '}
        <input
          className="jp-mlkit-input"
          value={form.role_arn}
          onChange={set('role_arn')}
          placeholder={
            props.defaultRole
              ? "(the server's default role)"
              : 'arn:aws:iam::123456789012:role/NAME'
          }
        />
      </label>
      {fieldError('role_arn')}
      {error && !error.field && (
        <div className="jp-mlkit-form-error" role="alert">
          {error.text}
        </div>
      )}
      <button
        type="submit"
        className="jp-mlkit-button jp-mod-accept"
        disabled={busy || !form.name.trim()}
      >
        Create instance
      </button>
    </form>
  );
}
