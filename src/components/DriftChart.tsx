import * as React from 'react';

import { IFeatureDrift } from '../monitorApi';

/** At most this many bars; the rest are counted under the chart. */
export const MAX_BARS = 40;

/**
 * Drift distance per feature as horizontal bars (red when drifted), each with its threshold
 * as a tick. Plain SVG: no charting library, so it opens instantly.
 */
export function DriftChart({ drift }: { drift: IFeatureDrift[] }): JSX.Element {
  const rows = drift.filter(d => d.distance !== null).slice(0, MAX_BARS);
  if (rows.length === 0) {
    return <p className="jp-mlkit-mon-note">No drift distances to show.</p>;
  }
  const labelWidth = 96;
  const barWidth = 150;
  const rowHeight = 16;
  const width = labelWidth + barWidth + 48;
  const height = rows.length * rowHeight + 4;
  const top = Math.max(
    ...rows.map(r => Math.max(r.distance as number, r.threshold)),
    1e-9
  );
  const scale = (v: number) => (Math.max(0, v) / top) * barWidth;
  const hidden = drift.length - rows.length;
  return (
    <figure className="jp-mlkit-mon-chart">
      <svg
        width="100%"
        style={{ maxWidth: width }}
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label={`Drift distance per feature: ${rows.filter(r => r.drifted).length} of ${rows.length} drifted`}
      >
        {rows.map((r, i) => {
          const y = 2 + i * rowHeight;
          const distance = r.distance as number;
          const label =
            r.feature.length > 14 ? `${r.feature.slice(0, 13)}…` : r.feature;
          return (
            <g key={r.feature} data-feature={r.feature}>
              <text
                className="jp-mlkit-mon-label"
                x={labelWidth - 4}
                y={y + rowHeight - 5}
                textAnchor="end"
              >
                {label}
              </text>
              <rect
                className={`jp-mlkit-mon-bar ${r.drifted ? 'jp-mlkit-mon-drifted' : ''}`}
                x={labelWidth}
                y={y + 2}
                width={scale(distance)}
                height={rowHeight - 5}
              >
                <title>
                  {r.feature}: {r.method} distance {distance.toFixed(4)},
                  threshold {r.threshold}
                  {r.drifted ? ' (drifted)' : ''}
                </title>
              </rect>
              <line
                className="jp-mlkit-mon-threshold"
                x1={labelWidth + scale(r.threshold)}
                x2={labelWidth + scale(r.threshold)}
                y1={y}
                y2={y + rowHeight - 1}
              />
              <text
                className="jp-mlkit-mon-value"
                x={labelWidth + barWidth + 4}
                y={y + rowHeight - 5}
              >
                {distance.toFixed(3)}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption>
        Drift distance per feature (tick: threshold)
        {hidden > 0 ? `; ${hidden} more not shown` : ''}
      </figcaption>
    </figure>
  );
}
