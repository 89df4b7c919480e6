import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import * as React from 'react';

import {
  DistributionChart,
  FeatureDistributions,
  IShareRow,
  shareRows
} from '../components/DistributionChart';
import { mostDrifted } from '../components/MonitorSection';
import { IDriftSummary, MonitorClient } from '../monitorApi';
import { makeSettings } from './fakeServer';

const JOB = 'c'.repeat(32);

const rows = (shares: [number, number][]): IShareRow[] => {
  const out: IShareRow[] = [];
  shares.forEach(([b, c], i) => {
    out.push({ source: 'baseline', bucket: `b${i}`, order: i, share: b });
    out.push({ source: 'current', bucket: `b${i}`, order: i, share: c });
  });
  return out;
};

const spec = (values: IShareRow[]) => ({ mark: 'bar', data: { values } });

describe('DistributionChart', () => {
  it('draws a baseline and a current bar per bucket, scaled to the largest share', () => {
    const { container } = render(
      <DistributionChart
        feature="x"
        rows={rows([
          [0.5, 0.25],
          [0.5, 0.75]
        ])}
      />
    );
    const base = container.querySelectorAll('rect.jp-mlkit-mon-dist-baseline');
    const cur = container.querySelectorAll('rect.jp-mlkit-mon-dist-current');
    expect(base).toHaveLength(2);
    expect(cur).toHaveLength(2);
    // 0.75 is the tallest bar (90 px); 0.25 is a third of it
    expect(cur[1].getAttribute('height')).toBe('90');
    expect(Number(cur[0].getAttribute('height'))).toBeCloseTo(30);
    expect(cur[0].textContent).toBe('current b0: 25.0%');
    expect(container.textContent).toContain('x (b0 … b1)');
  });

  it('says so when a feature has no distribution', () => {
    const { container } = render(<DistributionChart feature="x" rows={[]} />);
    expect(container.textContent).toBe('No distribution for x.');
  });

  it('reads the rows of a Vega-Lite spec, and nothing from a malformed one', () => {
    expect(shareRows(spec(rows([[1, 1]])))).toHaveLength(2);
    expect(shareRows(undefined)).toEqual([]);
    expect(shareRows({ data: { values: 'no' } })).toEqual([]);
  });
});

describe('mostDrifted', () => {
  it('is the feature with the largest measured distance', () => {
    const drift = [
      { feature: 'a', distance: 0.1 },
      { feature: 'b', distance: null },
      { feature: 'c', distance: 0.4 }
    ].map(d => ({
      ...d,
      method: 'linf_robust',
      threshold: 0.1,
      drifted: false
    }));
    expect(mostDrifted({ drift } as unknown as IDriftSummary)).toBe('c');
    expect(mostDrifted({ drift: [] } as unknown as IDriftSummary)).toBe(
      undefined
    );
  });
});

describe('FeatureDistributions', () => {
  it('loads the plots once, shows the initial feature and switches on pick', async () => {
    const { settings, calls } = makeSettings({
      [`GET monitor/plots/${JOB}`]: () => ({
        status: 200,
        body: {
          job_id: JOB,
          name: 'daily',
          drift: {},
          features: {
            age: spec(rows([[1, 0]])),
            city: spec(
              rows([
                [0.5, 0.5],
                [0.5, 0.5],
                [0, 0]
              ])
            )
          },
          drifted: ['city']
        }
      })
    });
    const { container } = render(
      <FeatureDistributions
        client={new MonitorClient(settings)}
        jobId={JOB}
        initial="city"
      />
    );
    const picker = (await screen.findByLabelText(
      'Feature distribution'
    )) as HTMLSelectElement;
    expect(picker.value).toBe('city');
    expect(Array.from(picker.options).map(o => o.textContent)).toEqual([
      'age',
      'city (drifted)'
    ]);
    expect(
      container.querySelectorAll('rect.jp-mlkit-mon-dist-current')
    ).toHaveLength(3);
    fireEvent.change(picker, { target: { value: 'age' } });
    expect(
      container.querySelectorAll('rect.jp-mlkit-mon-dist-current')
    ).toHaveLength(1);
    expect(calls).toHaveLength(1);
  });

  it('shows the server message when the plots cannot be read', async () => {
    const { settings } = makeSettings({
      [`GET monitor/plots/${JOB}`]: () => ({
        status: 404,
        body: { error: { code: 'not_found', message: 'no plots for this job' } }
      })
    });
    const { container } = render(
      <FeatureDistributions client={new MonitorClient(settings)} jobId={JOB} />
    );
    await waitFor(() =>
      expect(container.textContent).toBe('Distributions: no plots for this job')
    );
  });
});
