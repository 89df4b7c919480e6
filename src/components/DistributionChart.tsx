import * as React from 'react';

import { IMonitorPlots, MonitorClient } from '../monitorApi';

/** One bucket's share of a feature's values, in the baseline or the current window. */
export interface IShareRow {
  source: 'baseline' | 'current';
  bucket: string;
  order: number;
  share: number;
}

/** The rows of a feature's Vega-Lite distribution spec (from the plots endpoint). */
export function shareRows(
  spec: Record<string, unknown> | undefined
): IShareRow[] {
  const data = (spec?.data as { values?: IShareRow[] } | undefined)?.values;
  return Array.isArray(data) ? data : [];
}

/**
 * Baseline vs current shares per bucket as grouped vertical bars. Plain SVG, like DriftChart:
 * the server already bucketed both windows on the same edges.
 */
export function DistributionChart({
  feature,
  rows
}: {
  feature: string;
  rows: IShareRow[];
}): JSX.Element {
  if (rows.length === 0) {
    return <p className="jp-mlkit-mon-note">No distribution for {feature}.</p>;
  }
  const buckets = Array.from(
    new Map(rows.map(r => [r.order, r.bucket])).entries()
  ).sort((a, b) => a[0] - b[0]);
  const share = (source: string, order: number) =>
    rows.find(r => r.source === source && r.order === order)?.share ?? 0;
  const slot = 22;
  const chartHeight = 90;
  const width = Math.max(buckets.length * slot, 120);
  const top = Math.max(...rows.map(r => r.share), 1e-9);
  const bar = (v: number) => (v / top) * chartHeight;
  return (
    <figure className="jp-mlkit-mon-dist">
      <svg
        width="100%"
        style={{ maxWidth: width }}
        viewBox={`0 0 ${width} ${chartHeight + 2}`}
        role="img"
        aria-label={`Distribution of ${feature}: baseline vs current`}
      >
        {buckets.map(([order, bucket], i) =>
          (['baseline', 'current'] as const).map((source, k) => {
            const value = share(source, order);
            const h = bar(value);
            return (
              <rect
                key={`${order}-${source}`}
                className={`jp-mlkit-mon-dist-${source}`}
                data-bucket={bucket}
                x={i * slot + 2 + k * 9}
                y={chartHeight - h + 1}
                width={8}
                height={h}
              >
                <title>
                  {source} {bucket}: {(value * 100).toFixed(1)}%
                </title>
              </rect>
            );
          })
        )}
      </svg>
      <figcaption>
        <span className="jp-mlkit-mon-dist-baseline-key">■</span> baseline{' '}
        <span className="jp-mlkit-mon-dist-current-key">■</span> current:{' '}
        {feature} ({buckets[0][1]} … {buckets[buckets.length - 1][1]})
      </figcaption>
    </figure>
  );
}

/** A feature picker over a monitor run's distributions, loaded once from the plots endpoint. */
export function FeatureDistributions({
  client,
  jobId,
  initial
}: {
  client: MonitorClient;
  jobId: string;
  /** The feature shown first (the most drifted one). */
  initial?: string;
}): JSX.Element | null {
  const [plots, setPlots] = React.useState<IMonitorPlots | null>(null);
  const [error, setError] = React.useState<string | null>(null);
  const [feature, setFeature] = React.useState<string | undefined>(initial);

  React.useEffect(() => {
    let live = true;
    setPlots(null);
    setError(null);
    client
      .plots(jobId)
      .then(p => live && setPlots(p))
      .catch(err => live && setError((err as Error).message));
    return () => {
      live = false;
    };
  }, [client, jobId]);

  if (error) {
    return <p className="jp-mlkit-mon-note">Distributions: {error}</p>;
  }
  if (!plots) {
    return null;
  }
  const names = Object.keys(plots.features).sort();
  if (names.length === 0) {
    return null;
  }
  const shown = feature && names.includes(feature) ? feature : names[0];
  return (
    <div className="jp-mlkit-mon-dists">
      <label className="jp-mlkit-label">
        Distribution of
        <select
          className="jp-mlkit-input"
          aria-label="Feature distribution"
          value={shown}
          onChange={e => setFeature(e.target.value)}
        >
          {names.map(n => (
            <option key={n} value={n}>
              {n}
              {plots.drifted.includes(n) ? ' (drifted)' : ''}
            </option>
          ))}
        </select>
      </label>
      <DistributionChart
        feature={shown}
        rows={shareRows(plots.features[shown])}
      />
    </div>
  );
}
