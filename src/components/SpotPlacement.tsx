import * as React from 'react';

import { ISpotPlacement, SpotClient } from '../spotApi';
import { FormError, TextField } from './FormControls';

/** "Where is it cheapest?": spot placement advice for the instance types the user allows. */
export function SpotPlacement({ client }: { client: SpotClient }): JSX.Element {
  const [types, setTypes] = React.useState('ml.g5.xlarge, ml.g4dn.xlarge');
  const [region, setRegion] = React.useState('');
  const [busy, setBusy] = React.useState(false);
  const [advice, setAdvice] = React.useState<ISpotPlacement | null>(null);
  const [error, setError] = React.useState<string | null>(null);

  const ask = async (event: React.FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setAdvice(null);
    try {
      const names = types
        .split(/[\s,]+/)
        .map(t => t.trim())
        .filter(Boolean);
      setAdvice(
        await client.placement(names, { region: region.trim() || undefined })
      );
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const best = advice?.cheapest;
  return (
    <form
      className="jp-mlkit-spot-placement"
      onSubmit={ask}
      aria-label="Where is it cheapest?"
    >
      <div className="jp-mlkit-spot-placement-title">Where is it cheapest?</div>
      <TextField
        label="Instance types"
        placeholder="ml.g5.xlarge, ml.p3.2xlarge"
        value={types}
        onChange={setTypes}
      />
      <TextField
        label="Region"
        placeholder="the server's default"
        value={region}
        onChange={setRegion}
      />
      <button
        className="jp-mlkit-button"
        type="submit"
        disabled={busy || !types.trim()}
      >
        {busy ? 'Asking EC2…' : 'Find cheapest'}
      </button>
      <FormError message={error} />
      {advice && best && (
        <div className="jp-mlkit-spot-advice" aria-label="Placement advice">
          <div>
            Cheapest: <b>{best.instance_type}</b> in <b>{best.az}</b> at $
            {best.mean_price.toFixed(4)}/h
          </div>
          <div>
            Cheapest hours (UTC):{' '}
            {advice.cheapest_hours_utc
              .map(h => `${String(h).padStart(2, '0')}:00`)
              .join(', ') || '-'}
          </div>
          <div className="jp-mlkit-spot-advice-note">
            {advice.records} price records, {advice.region}, last {advice.days}{' '}
            days
            {advice.missing_types.length > 0 &&
              `; no prices for ${advice.missing_types.join(', ')}`}
          </div>
        </div>
      )}
    </form>
  );
}
