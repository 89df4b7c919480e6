import {
  act,
  fireEvent,
  render,
  screen,
  waitFor
} from '@testing-library/react';
import * as React from 'react';

import { IJob } from '../api';
import { DriftChart, MAX_BARS } from '../components/DriftChart';
import {
  MonitorResults,
  MonitorSection,
  baselineFolder
} from '../components/MonitorSection';
import { IDriftSummary, IMonitorHistory, MonitorClient } from '../monitorApi';
import { job, makeSettings } from './fakeServer';

const SUMMARY: IDriftSummary = {
  status: 'CompletedWithViolations',
  rows: 200,
  violation_count: 1,
  violations: [
    {
      feature_name: 'x',
      constraint_check_type: 'baseline_drift_check',
      description: 'Baseline drift distance: 0.32 exceeds threshold: 0.1'
    }
  ],
  drift: [
    {
      feature: 'x',
      method: 'linf_robust',
      distance: 0.32,
      threshold: 0.1,
      drifted: true
    },
    {
      feature: 'y',
      method: 'linf_robust',
      distance: 0.04,
      threshold: 0.1,
      drifted: false
    },
    {
      feature: 'empty',
      method: 'linf_robust',
      distance: null,
      threshold: 0.1,
      drifted: false
    }
  ],
  drifted: ['x'],
  name: 'daily',
  run_id: 3,
  output_dir: '/root/out'
};

const HISTORY: IMonitorHistory = {
  name: 'daily',
  runs: [
    {
      id: 1,
      name: 'daily',
      created: '2026-11-27T08:00:00Z',
      status: 'Completed',
      violations: 0,
      drifted: 0,
      rows: 200,
      metrics: { drift: { x: 0.01 } },
      output_dir: null
    },
    {
      id: 2,
      name: 'daily',
      created: '2026-11-28T08:00:00Z',
      status: 'CompletedWithViolations',
      violations: 1,
      drifted: 1,
      rows: 200,
      metrics: { drift: { x: 0.32 } },
      output_dir: null
    }
  ]
};

const analyzeJob = (overrides: Partial<IJob> = {}) =>
  job({
    id: 'a'.repeat(32),
    kind: 'monitor-analyze',
    parameters: { data: '/root/today.csv', baseline: '/root/b', name: 'daily' },
    result: SUMMARY,
    ...overrides
  });

const baselineJob = (overrides: Partial<IJob> = {}) =>
  job({
    id: 'b'.repeat(32),
    kind: 'monitor-baseline',
    parameters: { data: '/root/train.csv', out: '/root/b' },
    state: 'running',
    result: null,
    ...overrides
  });

describe('MonitorClient', () => {
  it('posts each job route and reads history and plots', async () => {
    const { settings, calls } = makeSettings({
      'POST monitor/baseline': () => ({ status: 201, body: baselineJob() }),
      'POST monitor/analyze': () => ({ status: 201, body: analyzeJob() }),
      'POST monitor/quality': () => ({ status: 201, body: job() }),
      'GET monitor/history': () => ({ status: 200, body: HISTORY }),
      [`GET monitor/plots/${'a'.repeat(32)}`]: () => ({
        status: 200,
        body: {
          job_id: 'a',
          name: 'daily',
          drift: {},
          features: {},
          drifted: []
        }
      })
    });
    const client = new MonitorClient(settings);
    expect((await client.baseline({ data: 'train.csv', out: 'b' })).kind).toBe(
      'monitor-baseline'
    );
    await client.analyze({ data: 'today.csv', baseline: 'b', name: 'daily' });
    await client.quality({ data: 'p.csv', problem_type: 'Regression' });
    expect((await client.history('daily', 5)).runs).toHaveLength(2);
    expect((await client.plots('a'.repeat(32))).name).toBe('daily');
    expect(calls.map(c => `${c.method} ${c.path}`)).toEqual([
      'POST monitor/baseline',
      'POST monitor/analyze',
      'POST monitor/quality',
      'GET monitor/history?name=daily&limit=5',
      `GET monitor/plots/${'a'.repeat(32)}`
    ]);
    expect(calls[1].body).toEqual({
      data: 'today.csv',
      baseline: 'b',
      name: 'daily'
    });
  });

  it('turns a refused request into the server message', async () => {
    const { settings } = makeSettings({
      'POST monitor/analyze': () => ({
        status: 400,
        body: {
          error: {
            code: 'baseline_error',
            message:
              "baseline folder 'b' holds neither statistics.json nor constraints.json",
            details: { field: 'baseline' }
          }
        }
      })
    });
    await expect(
      new MonitorClient(settings).analyze({ data: 'x.csv', baseline: 'b' })
    ).rejects.toMatchObject({ status: 400, code: 'baseline_error' });
  });
});

describe('DriftChart', () => {
  it('draws one bar per feature with a distance, red when drifted', () => {
    const { container } = render(<DriftChart drift={SUMMARY.drift} />);
    const bars = container.querySelectorAll('rect.jp-mlkit-mon-bar');
    expect(bars).toHaveLength(2);
    const drifted = container.querySelectorAll('rect.jp-mlkit-mon-drifted');
    expect(drifted).toHaveLength(1);
    expect(drifted[0].closest('g')?.getAttribute('data-feature')).toBe('x');
    // 0.32 is the largest value: the full 150 px; 0.04 is an eighth of it.
    expect(Number(bars[0].getAttribute('width'))).toBeCloseTo(150);
    expect(Number(bars[1].getAttribute('width'))).toBeCloseTo(18.75);
    const ticks = container.querySelectorAll('line.jp-mlkit-mon-threshold');
    expect(Number(ticks[0].getAttribute('x1'))).toBeCloseTo(96 + 46.875);
    expect(container.querySelector('svg')?.getAttribute('aria-label')).toBe(
      'Drift distance per feature: 1 of 2 drifted'
    );
  });

  it('caps the bars and counts the rest', () => {
    const many = Array.from({ length: MAX_BARS + 5 }, (_, i) => ({
      feature: `f${i}`,
      method: 'linf_simple',
      distance: i / 100,
      threshold: 0.1,
      drifted: false
    }));
    const { container } = render(<DriftChart drift={many} />);
    expect(container.querySelectorAll('rect')).toHaveLength(MAX_BARS);
    expect(container.textContent).toContain('5 more not shown');
  });
});

describe('MonitorResults', () => {
  it('shows the summary and the violations table', () => {
    const { container } = render(<MonitorResults job={analyzeJob()} />);
    expect(container.textContent).toContain(
      '1 of 3 features drifted, 1 violations (200 rows)'
    );
    const rows = container.querySelectorAll(
      '.jp-mlkit-mon-violations tbody tr'
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].getAttribute('data-check')).toBe('baseline_drift_check');
  });

  it('shows progress, then the error of a failed job', () => {
    const { container, rerender } = render(
      <MonitorResults
        job={analyzeJob({ state: 'running', message: 'profiled 100 rows' })}
      />
    );
    expect(container.textContent).toBe('running: profiled 100 rows');
    rerender(
      <MonitorResults
        job={analyzeJob({
          state: 'failed',
          result: null,
          error: { code: 'x', message: 'the current window has no rows' }
        })}
      />
    );
    expect(container.textContent).toBe('the current window has no rows');
  });
});

describe('MonitorSection', () => {
  function setup(jobs: IJob[] = []) {
    const { settings, calls } = makeSettings({
      'GET monitor/history': () => ({ status: 200, body: HISTORY })
    });
    const onStart = jest.fn();
    const client = new MonitorClient(settings);
    const utils = render(
      <MonitorSection client={client} jobs={jobs} onStart={onStart} />
    );
    const rerender = (next: IJob[]) =>
      utils.rerender(
        <MonitorSection client={client} jobs={next} onStart={onStart} />
      );
    return { ...utils, rerender, calls, onStart };
  }

  const fill = (baseline: string, current: string, name = 'daily') => {
    fireEvent.change(screen.getByPlaceholderText('data/train.csv'), {
      target: { value: baseline }
    });
    fireEvent.change(screen.getByPlaceholderText('data/today.csv'), {
      target: { value: current }
    });
    fireEvent.change(screen.getByPlaceholderText('monitor'), {
      target: { value: name }
    });
  };

  it('computes the baseline, then analyzes once it has completed', async () => {
    const { onStart, rerender, container, calls } = setup();
    onStart.mockResolvedValueOnce(baselineJob());
    fill(' train.csv ', 'today.csv', 'my model');
    await act(async () => {
      fireEvent.click(screen.getByText('Run monitor'));
    });
    expect(onStart).toHaveBeenCalledWith('monitor-baseline', {
      data: 'train.csv',
      out: 'monitor/my-model/baseline'
    });
    expect(container.textContent).toContain('Computing the baseline (queued)');
    expect(
      (screen.getByText('Run monitor') as HTMLButtonElement).disabled
    ).toBe(true);
    // The poll brings the running, then the completed baseline job.
    rerender([baselineJob()]);
    expect(onStart).toHaveBeenCalledTimes(1);
    onStart.mockResolvedValueOnce(
      analyzeJob({ state: 'queued', result: null })
    );
    await act(async () => {
      rerender([baselineJob({ state: 'completed', result: {} })]);
    });
    expect(onStart).toHaveBeenLastCalledWith('monitor-analyze', {
      data: 'today.csv',
      baseline: 'monitor/my-model/baseline',
      name: 'my model'
    });
    await act(async () => {
      rerender([analyzeJob(), baselineJob({ state: 'completed' })]);
    });
    expect(
      container.querySelectorAll('rect.jp-mlkit-mon-drifted')
    ).toHaveLength(1);
    await waitFor(() =>
      expect(
        container.querySelectorAll('.jp-mlkit-mon-history tbody tr')
      ).toHaveLength(2)
    );
    expect(calls.map(c => c.path)).toContain('monitor/history?name=daily');
    // newest first
    expect(
      container
        .querySelector('.jp-mlkit-mon-history tbody tr')
        ?.getAttribute('data-status')
    ).toBe('CompletedWithViolations');
  });

  it('analyzes at once against an existing baseline folder', async () => {
    const { onStart } = setup();
    onStart.mockResolvedValueOnce(analyzeJob());
    // the first select is the baseline mode (the second, model quality's problem type)
    fireEvent.change(screen.getAllByRole('combobox')[0], {
      target: { value: 'folder' }
    });
    fireEvent.change(screen.getByPlaceholderText('monitor/baseline'), {
      target: { value: 'b' }
    });
    fireEvent.change(screen.getByPlaceholderText('data/today.csv'), {
      target: { value: 'today.csv' }
    });
    await act(async () => {
      fireEvent.click(screen.getByText('Run monitor'));
    });
    expect(onStart).toHaveBeenCalledWith('monitor-analyze', {
      data: 'today.csv',
      baseline: 'b',
      name: 'monitor'
    });
  });

  it('reports a failed baseline job and a refused request', async () => {
    const { onStart, rerender } = setup();
    onStart.mockResolvedValueOnce(baselineJob());
    fill('train.csv', 'today.csv');
    await act(async () => {
      fireEvent.click(screen.getByText('Run monitor'));
    });
    rerender([
      baselineJob({
        state: 'failed',
        error: { code: 'x', message: 'the baseline data has no rows' }
      })
    ]);
    expect(screen.getByRole('alert').textContent).toBe(
      'baseline: the baseline data has no rows'
    );
    expect(onStart).toHaveBeenCalledTimes(1);
    onStart.mockRejectedValueOnce(
      new Error("'../x' is outside the server's root")
    );
    await act(async () => {
      fireEvent.click(screen.getByText('Run monitor'));
    });
    expect(screen.getByRole('alert').textContent).toContain(
      'outside the server'
    );
  });

  it('names the baseline folder safely', () => {
    expect(baselineFolder(' a/b c ')).toBe('monitor/a-b-c/baseline');
    expect(baselineFolder('')).toBe('monitor/monitor/baseline');
  });
});
