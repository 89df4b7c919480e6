import * as React from 'react';

import { FormError, TextField } from './FormControls';

export interface IProfileFormProps {
  onSubmit: (path: string) => Promise<void>;
}

/** Start a `profile` job on a file (path relative to the server root). */
export function ProfileForm({ onSubmit }: IProfileFormProps): JSX.Element {
  const [path, setPath] = React.useState('');
  const [error, setError] = React.useState<string | null>(null);
  const [busy, setBusy] = React.useState(false);
  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await onSubmit(path.trim());
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      className="jp-mlkit-form"
      onSubmit={submit}
      aria-label="Profile a file"
    >
      <TextField
        label="File to profile (CSV, Parquet, JSON lines)"
        placeholder="data/sales.csv"
        value={path}
        onChange={setPath}
      />
      <button
        className="jp-mlkit-button jp-mod-accept"
        type="submit"
        disabled={busy || !path}
      >
        Profile
      </button>
      <FormError message={error} />
    </form>
  );
}
