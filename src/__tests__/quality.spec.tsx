import {
  act,
  fireEvent,
  render,
  screen,
  waitFor
} from '@testing-library/react';
import * as React from 'react';

import { tokenizeLine, DqdlEditor } from '../components/DqdlEditor';
import {
  QualityResults,
  QualitySection,
  ScoreChart
} from '../components/QualitySection';
import { IDqHistory, QualityClient } from '../qualityApi';
import { job, makeSettings } from './fakeServer';

const RESULT = {
  result_id: 'dqresult-1',
  dataset: 'data/orders.csv',
  score: 0.5,
  passed: 1,
  failed: 1,
  errors: 0,
  exit_code: 1,
  rules: [
    {
      name: 'Rule_1',
      rule: 'RowCount = 4',
      outcome: 'Passed',
      message: '',
      metrics: {},
      evaluated_rule: 'RowCount = 4',
      failing_rows: null
    },
    {
      name: 'Rule_2',
      rule: 'IsComplete "qty"',
      outcome: 'Failed',
      message: '1 of 4 rows failed',
      metrics: {},
      evaluated_rule: 'IsComplete "qty"',
      failing_rows: 1
    }
  ]
};

function history(scores: number[], dataset = 'data/orders.csv'): IDqHistory {
  return {
    dataset,
    ruleset: null,
    runs: scores.map((score, i) => ({
      run_id: `r${i}`,
      recorded_at: `2026-11-2${i}T08:00:00`,
      score
    })),
    metric_names: [],
    metrics: {}
  };
}

const dqJob = (overrides = {}) =>
  job({
    id: 'd'.repeat(32),
    kind: 'dq-run',
    parameters: {
      data: '/root/data/orders.csv',
      dataset_name: 'data/orders.csv'
    },
    result: RESULT,
    ...overrides
  });

describe('QualityClient', () => {
  it('posts text to validate and returns positioned errors', async () => {
    const { settings, calls } = makeSettings({
      'POST quality/validate': () => ({
        status: 200,
        body: {
          ok: false,
          errors: [{ line: 2, column: 3, message: 'did you mean IsComplete?' }]
        }
      })
    });
    const got = await new QualityClient(settings).validate('x');
    expect(calls[0].body).toEqual({ text: 'x' });
    expect(got.errors[0].line).toBe(2);
  });

  it('asks for history with the query string and runs jobs', async () => {
    const { settings, calls } = makeSettings({
      'GET quality/history': () => ({ status: 200, body: history([1]) }),
      'POST quality/run': body => ({
        status: 201,
        body: dqJob({ parameters: body })
      }),
      'POST quality/recommend': () => ({ status: 201, body: dqJob() })
    });
    const client = new QualityClient(settings);
    await client.history('data/a b.csv', { ruleset: 'r1', metric: '' });
    expect(calls[0].path).toBe(
      'quality/history?dataset=data%2Fa+b.csv&ruleset=r1'
    );
    const created = await client.run({ rules: 'R', data: 'd.csv' });
    expect(calls[1].body).toEqual({ rules: 'R', data: 'd.csv' });
    expect(created.kind).toBe('dq-run');
    await client.recommend('d.csv');
    expect(calls[2].body).toEqual({ data: 'd.csv' });
  });
});

describe('DQDL highlighting', () => {
  it('tokenizes rule types, keywords, strings, numbers and comments', () => {
    const toks = tokenizeLine(
      'IsComplete "a" and Mean "b" > 1.5 # note',
      new Set(['IsComplete', 'Mean']),
      new Set(['and'])
    );
    const kinds = toks
      .filter(t => t.text.trim())
      .map(t => `${t.kind}:${t.text}`);
    expect(kinds).toEqual([
      'ruletype:IsComplete',
      'string:"a"',
      'keyword:and',
      'ruletype:Mean',
      'string:"b"',
      'punct:>',
      'number:1.5',
      'comment:# note'
    ]);
    // Every character is in exactly one token, at its offset.
    expect(toks.map(t => t.text).join('')).toBe(
      'IsComplete "a" and Mean "b" > 1.5 # note'
    );
    expect(toks[2].start).toBe(11);
  });

  it('marks the server error at its line and column after a pause', async () => {
    const validate = jest.fn().mockResolvedValue({
      ok: false,
      errors: [{ line: 2, column: 3, message: 'unknown rule IsComplet' }]
    });
    const { container } = render(
      <DqdlEditor
        value={'Rules = [\n  IsComplet "a"\n]'}
        onChange={jest.fn()}
        validate={validate}
        delay={5}
      />
    );
    await waitFor(() =>
      expect(screen.getByText(/line 2, column 3: unknown rule/)).toBeTruthy()
    );
    expect(validate).toHaveBeenCalledTimes(1);
    const mark = screen.getByTestId('dq-error-mark');
    expect(mark.textContent).toBe('I');
    expect(mark.closest('.jp-mlkit-dq-line')?.className).toContain(
      'jp-mlkit-dq-errline'
    );
    expect(container.querySelectorAll('.jp-mlkit-dq-errline')).toHaveLength(1);
    expect(
      container.querySelector('.jp-mlkit-dq-tok-keyword')?.textContent
    ).toBe('Rules');
  });

  it('debounces: quick edits cause one check of the last text', async () => {
    const validate = jest.fn().mockResolvedValue({ ok: true, errors: [] });
    const { rerender } = render(
      <DqdlEditor
        value="R"
        onChange={jest.fn()}
        validate={validate}
        delay={30}
      />
    );
    rerender(
      <DqdlEditor
        value="Ru"
        onChange={jest.fn()}
        validate={validate}
        delay={30}
      />
    );
    rerender(
      <DqdlEditor
        value="Rul"
        onChange={jest.fn()}
        validate={validate}
        delay={30}
      />
    );
    await waitFor(() => expect(validate).toHaveBeenCalled());
    await act(() => new Promise(r => setTimeout(r, 60)));
    expect(validate.mock.calls).toEqual([['Rul']]);
  });
});

describe('results and chart', () => {
  it('shows per-rule outcomes and failing-row counts', () => {
    const { container } = render(<QualityResults job={dqJob()} />);
    expect(
      screen.getByText('Score 0.50: 1 passed, 1 failed, 0 errors')
    ).toBeTruthy();
    const rows = container.querySelectorAll('tbody tr');
    expect(rows).toHaveLength(2);
    expect(rows[0].getAttribute('data-outcome')).toBe('Passed');
    expect(rows[1].textContent).toBe('IsComplete "qty"1 of 4 rows failedFAIL1');
  });

  it('lists the first failing rows with the rules they failed', () => {
    render(
      <QualityResults
        job={dqJob({
          result: {
            ...RESULT,
            failing_rows: 1,
            failing_rows_path: '/root/a/failing_rows.parquet',
            failing_rows_preview: [
              {
                id: 2,
                qty: null,
                DataQualityRulesFail: ['IsComplete "qty"', 'IsUnique "id"']
              }
            ]
          }
        })}
      />
    );
    expect(screen.getByText('Failing rows (first 1)')).toBeTruthy();
    const cells = Array.from(
      document.querySelectorAll('.jp-mlkit-dq-failing tbody td')
    ).map(td => td.textContent);
    expect(cells).toEqual(['2', '', 'IsComplete "qty"; IsUnique "id"']);
    expect(screen.getByText('/root/a/failing_rows.parquet')).toBeTruthy();
  });

  it('shows the error of a failed run', () => {
    render(
      <QualityResults
        job={dqJob({
          state: 'failed',
          result: null,
          error: { code: 'data_error', message: 'empty.csv is empty' }
        })}
      />
    );
    expect(screen.getByText('empty.csv is empty')).toBeTruthy();
  });

  it('draws one point per run, higher scores higher', () => {
    const { container } = render(
      <ScoreChart history={history([1, 0.5, 0.75])} />
    );
    const points = container.querySelectorAll('circle');
    expect(points).toHaveLength(3);
    const ys = Array.from(points).map(p => Number(p.getAttribute('cy')));
    expect(ys[0]).toBeLessThan(ys[2]);
    expect(ys[2]).toBeLessThan(ys[1]);
    expect(
      container.querySelector('polyline')?.getAttribute('points')?.split(' ')
    ).toHaveLength(3);
    expect(screen.getByText(/3 runs; latest 0.75/)).toBeTruthy();
  });

  it('says when there is no history', () => {
    render(<ScoreChart history={history([])} />);
    expect(screen.getByText('No history yet.')).toBeTruthy();
  });
});

describe('QualitySection', () => {
  function setup(jobs = [dqJob()]) {
    const { settings, calls } = makeSettings({
      'GET quality/rule-types': () => ({
        status: 200,
        body: {
          rule_types: [{ name: 'RowCount' }, { name: 'IsComplete' }],
          keywords: ['Rules']
        }
      }),
      'POST quality/validate': body => ({
        status: 200,
        body: body.text.includes('Bad')
          ? { ok: false, errors: [{ line: 1, column: 1, message: 'bad' }] }
          : { ok: true, errors: [] }
      }),
      'GET quality/history': () => ({ status: 200, body: history([0.5, 1]) })
    });
    const onRun = jest.fn().mockResolvedValue(dqJob({ id: 'e'.repeat(32) }));
    const utils = render(
      <QualitySection
        client={new QualityClient(settings)}
        jobs={jobs}
        onRun={onRun}
        validateDelay={5}
      />
    );
    return { ...utils, calls, onRun };
  }

  it('runs the rules on the dataset and shows the latest run with its history', async () => {
    const { onRun, calls, container } = setup();
    fireEvent.change(screen.getByLabelText('DQDL rules'), {
      target: { value: 'Rules = [ RowCount = 4 ]' }
    });
    fireEvent.change(screen.getByPlaceholderText('data/orders.csv'), {
      target: { value: ' data/orders.csv ' }
    });
    fireEvent.click(screen.getByLabelText('Save failing rows'));
    await waitFor(() =>
      expect(calls.some(c => c.path === 'quality/validate')).toBe(true)
    );
    await act(async () => {
      fireEvent.click(screen.getByText('Run rules'));
    });
    expect(onRun).toHaveBeenCalledWith({
      rules: 'Rules = [ RowCount = 4 ]',
      data: 'data/orders.csv',
      row_level: true
    });
    expect(
      screen.getByText('Score 0.50: 1 passed, 1 failed, 0 errors')
    ).toBeTruthy();
    await waitFor(() =>
      expect(container.querySelectorAll('circle')).toHaveLength(2)
    );
    const hist = calls.find(c => c.path.startsWith('quality/history'));
    expect(hist?.path).toBe('quality/history?dataset=data%2Forders.csv');
  });

  it('disables Run while the rules have a syntax error', async () => {
    setup([]);
    fireEvent.change(screen.getByPlaceholderText('data/orders.csv'), {
      target: { value: 'd.csv' }
    });
    fireEvent.change(screen.getByLabelText('DQDL rules'), {
      target: { value: 'Bad' }
    });
    await waitFor(() =>
      expect(screen.getByText('line 1, column 1: bad')).toBeTruthy()
    );
    expect((screen.getByText('Run rules') as HTMLButtonElement).disabled).toBe(
      true
    );
    fireEvent.change(screen.getByLabelText('DQDL rules'), {
      target: { value: 'Rules = [ RowCount > 0 ]' }
    });
    await waitFor(() =>
      expect(
        (screen.getByText('Run rules') as HTMLButtonElement).disabled
      ).toBe(false)
    );
  });

  it('shows the server message when the run is refused', async () => {
    const { onRun } = setup([]);
    onRun.mockRejectedValue(
      new Error("'../x.csv' is outside the server's root")
    );
    fireEvent.change(screen.getByPlaceholderText('data/orders.csv'), {
      target: { value: '../x.csv' }
    });
    await act(async () => {
      fireEvent.click(screen.getByText('Run rules'));
    });
    expect(screen.getByRole('alert').textContent).toContain(
      'outside the server'
    );
  });

  it('replaces the rules with a recommendation when its job completes', async () => {
    const { settings } = makeSettings({});
    const client = new QualityClient(settings);
    const rec = job({
      id: 'b'.repeat(32),
      kind: 'dq-recommend',
      state: 'running',
      result: null
    });
    const onRecommend = jest.fn().mockResolvedValue(rec);
    const view = (jobs: any[]) => (
      <QualitySection
        client={client}
        jobs={jobs}
        onRun={jest.fn()}
        onRecommend={onRecommend}
        validateDelay={5}
      />
    );
    const { rerender } = render(view([]));
    fireEvent.change(screen.getByPlaceholderText('data/orders.csv'), {
      target: { value: 'd.csv' }
    });
    await act(async () => {
      fireEvent.click(screen.getByText('Suggest rules'));
    });
    expect(onRecommend).toHaveBeenCalledWith('d.csv');
    rerender(view([rec]));
    expect(screen.getByText('Suggesting…')).toBeTruthy();
    const done = {
      ...rec,
      state: 'completed' as const,
      result: { rules: 'Rules = [\n    IsComplete "id"\n]' }
    };
    await act(async () => {
      rerender(view([done]));
    });
    expect(
      (screen.getByLabelText('DQDL rules') as HTMLTextAreaElement).value
    ).toBe('Rules = [\n    IsComplete "id"\n]');
    expect(screen.getByText('Suggest rules')).toBeTruthy();
    await act(() => new Promise(r => setTimeout(r, 20)));
  });

  it('lets the user pick an older run', async () => {
    const older = dqJob({
      id: 'f'.repeat(32),
      result: { ...RESULT, score: 1, passed: 2, failed: 0 }
    });
    setup([dqJob(), older]);
    expect(screen.getByText(/Score 0.50/)).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Data quality run'), {
      target: { value: 'f'.repeat(32) }
    });
    expect(screen.getByText(/Score 1.00: 2 passed/)).toBeTruthy();
    await act(() => new Promise(r => setTimeout(r, 20)));
  });
});
