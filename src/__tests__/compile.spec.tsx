import {
  act,
  fireEvent,
  render,
  screen,
  waitFor
} from '@testing-library/react';
import * as React from 'react';

import { IJob, MlkitClient } from '../api';
import { CompileClient, ICompileBenchResult, ICompileZoo } from '../compileApi';
import {
  CompileResults,
  CompileSection,
  compileSummary
} from '../components/CompileSection';
import { MlkitModel } from '../model';
import { MlkitPanel } from '../panel';
import { job, makeSettings, status } from './fakeServer';

const ZOO: ICompileZoo = {
  models: {
    torch: [
      'bert',
      'gpt',
      'resnet',
      'efficientnet',
      'lstm',
      'tcn',
      'dlrm',
      'mlp'
    ],
    keras: ['bert', 'gpt', 'resnet', 'efficientnet', 'lstm', 'dlrm', 'mlp']
  },
  sizes: ['tiny', 'small', 'default'],
  frameworks: ['torch', 'keras'],
  objectives: ['speed', 'memory', 'balanced']
};

const RESULT: ICompileBenchResult = {
  model: 'resnet',
  framework: 'torch',
  size: 'small',
  objective: 'speed',
  strategy: 'bf16-autocast',
  reason: 'bf16-autocast is 2.74x faster than eager',
  eager_step_ms: 864,
  step_ms: 315.3,
  speedup: 2.74,
  peak_mem_eager_mb: 74.7,
  peak_mem_mb: 42.8,
  memory_saving: 0.427,
  compile_s: 0,
  break_even_steps: 0,
  choose_s: 41.2,
  wall_s: 42,
  candidates: [
    {
      name: 'eager',
      status: 'ok',
      step_ms: 864,
      peak_mem_mb: 74.7,
      compile_s: 0,
      max_rel_loss_diff: 0,
      numerics: 'ok',
      error: null
    },
    {
      name: 'bf16-autocast',
      status: 'ok',
      step_ms: 315.3,
      peak_mem_mb: 42.8,
      compile_s: 0,
      max_rel_loss_diff: 0.004,
      numerics: 'ok',
      error: null
    },
    {
      name: 'compile:default',
      status: 'rejected',
      step_ms: 700,
      peak_mem_mb: 70,
      compile_s: 31.5,
      max_rel_loss_diff: 0.3,
      numerics: 'failed',
      error: 'losses differ by 30%'
    },
    {
      name: 'checkpoint',
      status: 'skipped',
      step_ms: null,
      peak_mem_mb: null,
      compile_s: null,
      max_rel_loss_diff: null,
      numerics: '-',
      error: 'budget: 2 s left'
    }
  ]
};

function benchJob(overrides: Partial<IJob> = {}): IJob {
  return job({
    id: 'c'.repeat(32),
    kind: 'compile-bench',
    parameters: { model: 'resnet' },
    result: RESULT,
    ...overrides
  });
}

describe('CompileResults', () => {
  it('shows the choice, its reason, the summary and the candidates table', () => {
    const { container } = render(<CompileResults job={benchJob()} />);
    expect(container.querySelector('.jp-mlkit-cmp-choice')?.textContent).toBe(
      'bf16-autocast: bf16-autocast is 2.74x faster than eager'
    );
    expect(container.querySelector('.jp-mlkit-cmp-summary')?.textContent).toBe(
      'speed-up 2.74x (eager 864.000 ms → 315.300 ms per step); peak memory ' +
        '74.70 → 42.80 MiB (43% saved); compile 0.00 s, break-even after 0 ' +
        'steps; chose in 41.2 s'
    );
    const rows = container.querySelectorAll(
      '.jp-mlkit-cmp-candidates tbody tr'
    );
    expect(rows).toHaveLength(4);
    const cells = (i: number) =>
      Array.from(rows[i].querySelectorAll('td')).map(td => td.textContent);
    expect(cells(2)).toEqual([
      'compile:default',
      'rejected',
      '700.000',
      '70.00',
      '31.50',
      'failed',
      'losses differ by 30%'
    ]);
    expect(cells(3)).toEqual([
      'checkpoint',
      'skipped',
      '-',
      '-',
      '-',
      '-',
      'budget: 2 s left'
    ]);
    // the chosen row is marked, and only it
    const chosen = container.querySelectorAll('tr.jp-mlkit-cmp-chosen');
    expect(chosen).toHaveLength(1);
    expect(chosen[0].textContent).toContain('bf16-autocast');
  });

  it('shows progress, then the error of a failed job', () => {
    const { container, rerender } = render(
      <CompileResults
        job={benchJob({
          state: 'running',
          message: 'trying compile:default',
          result: null
        })}
      />
    );
    expect(container.textContent).toBe('running: trying compile:default');
    rerender(
      <CompileResults
        job={benchJob({
          state: 'failed',
          result: null,
          error: { code: 'bad_parameters', message: "unknown candidate 'x'" }
        })}
      />
    );
    expect(container.textContent).toBe("unknown candidate 'x'");
  });

  it('says when memory and break-even are unknown', () => {
    expect(
      compileSummary({
        ...RESULT,
        peak_mem_eager_mb: null,
        peak_mem_mb: null,
        memory_saving: null,
        break_even_steps: null
      })
    ).toContain(
      'peak memory not measured; compile 0.00 s, break-even after - steps'
    );
  });
});

describe('CompileSection', () => {
  function setup(jobs: IJob[] = [], zoo: unknown = ZOO, status = 200) {
    const { settings, calls } = makeSettings({
      'GET compile/zoo': () => ({ status, body: zoo })
    });
    const onStart = jest.fn();
    const client = new CompileClient(settings);
    const utils = render(
      <CompileSection client={client} jobs={jobs} onStart={onStart} />
    );
    const rerender = (next: IJob[]) =>
      utils.rerender(
        <CompileSection client={client} jobs={next} onStart={onStart} />
      );
    return { ...utils, rerender, calls, onStart };
  }

  it('picks a zoo model and starts a compile-bench job', async () => {
    const { onStart, calls, rerender, container } = setup();
    await waitFor(() => expect(select('Model').options).toHaveLength(8));
    expect(calls.map(c => c.path)).toEqual(['compile/zoo']);
    fireEvent.change(select('Framework'), { target: { value: 'keras' } });
    expect(Array.from(select('Model').options).map(o => o.value)).toEqual(
      ZOO.models.keras
    );
    fireEvent.change(select('Model'), { target: { value: 'bert' } });
    fireEvent.change(select('Size'), { target: { value: 'tiny' } });
    fireEvent.change(select('Objective'), { target: { value: 'memory' } });
    fireEvent.change(screen.getByLabelText('Budget (s)'), {
      target: { value: '30' }
    });
    onStart.mockResolvedValueOnce(benchJob({ state: 'queued', result: null }));
    await act(async () => {
      fireEvent.click(screen.getByText('Run benchmark'));
    });
    expect(onStart).toHaveBeenCalledWith('compile-bench', {
      model: 'bert',
      framework: 'keras',
      size: 'tiny',
      objective: 'memory',
      budget_s: 30
    });
    // the poll brings the newest compile job: its table shows
    rerender([
      job(),
      benchJob(),
      benchJob({ id: 'd'.repeat(32), result: { ...RESULT, model: 'old' } })
    ]);
    expect(
      container.querySelector('.jp-mlkit-cmp-candidates caption')?.textContent
    ).toBe('torch resnet (small), objective speed');
  });

  it('keeps the model when switching to a framework that has it', async () => {
    setup();
    await waitFor(() => expect(select('Model').options).toHaveLength(8));
    fireEvent.change(select('Model'), { target: { value: 'tcn' } });
    fireEvent.change(select('Framework'), { target: { value: 'keras' } });
    // keras has no tcn: the first keras model is picked
    expect(select('Model').value).toBe('bert');
    fireEvent.change(select('Model'), { target: { value: 'lstm' } });
    fireEvent.change(select('Framework'), { target: { value: 'torch' } });
    expect(select('Model').value).toBe('lstm');
  });

  it('refuses a bad budget and shows a refused request', async () => {
    const { onStart } = setup();
    await waitFor(() => expect(select('Model').options).toHaveLength(8));
    fireEvent.change(screen.getByLabelText('Budget (s)'), {
      target: { value: '0' }
    });
    await act(async () => {
      fireEvent.click(screen.getByText('Run benchmark'));
    });
    expect(onStart).not.toHaveBeenCalled();
    expect(screen.getByRole('alert').textContent).toBe(
      'Budget must be a positive number of seconds.'
    );
    fireEvent.change(screen.getByLabelText('Budget (s)'), {
      target: { value: '60' }
    });
    onStart.mockRejectedValueOnce(
      new Error("'budget_s' must be between 0 and 3600")
    );
    await act(async () => {
      fireEvent.click(screen.getByText('Run benchmark'));
    });
    expect(onStart).toHaveBeenCalledTimes(1);
    expect(screen.getByRole('alert').textContent).toBe(
      "'budget_s' must be between 0 and 3600"
    );
  });

  it('says when the zoo cannot be listed and does not offer Run', async () => {
    setup([], { error: { code: 'x', message: 'boom', details: null } }, 500);
    await waitFor(() =>
      expect(screen.getByRole('alert').textContent).toContain('zoo: ')
    );
    expect(
      (screen.getByText('Run benchmark') as HTMLButtonElement).disabled
    ).toBe(true);
  });
});

describe('the panel', () => {
  it('shows Compile when usable and Run creates a job in the Jobs list', async () => {
    const ready = status();
    ready.capabilities.compiler = {
      title: 'Training compiler',
      built: true,
      wired: true,
      usable: true,
      reason: 'ready'
    };
    const created = benchJob({ state: 'queued', result: null, message: '' });
    const { settings, calls } = makeSettings({
      'GET status': () => ({ status: 200, body: ready }),
      'GET jobs': () => ({
        status: 200,
        body: { jobs: [], total: 0, limit: 50, offset: 0 }
      }),
      'GET compile/zoo': () => ({ status: 200, body: ZOO }),
      'POST jobs': () => ({ status: 201, body: created })
    });
    const model = new MlkitModel(new MlkitClient(settings), {
      standby: 'never'
    });
    await model.refresh();
    const panel = new MlkitPanel(model);
    const { container } = render(panel.render());
    await waitFor(() => expect(select('Model').options).toHaveLength(8));
    await act(async () => {
      fireEvent.click(screen.getByText('Run benchmark'));
    });
    const post = calls.find(c => c.method === 'POST');
    expect(post?.path).toBe('jobs');
    expect(post?.body).toEqual({
      kind: 'compile-bench',
      parameters: {
        model: 'mlp',
        framework: 'torch',
        size: 'small',
        objective: 'speed',
        budget_s: 120
      }
    });
    expect(model.jobs.map(j => j.id)).toEqual([created.id]);
    expect(container.querySelector('.jp-mlkit-cmp-pending')?.textContent).toBe(
      'queued: '
    );
    panel.dispose();
  });
});

function select(label: string): HTMLSelectElement {
  return screen.getByLabelText(label) as HTMLSelectElement;
}

describe('a training script', () => {
  const scriptRow = (model: string): ICompileBenchResult => ({
    ...RESULT,
    model,
    size: 'script',
    script: 'proj/train.py'
  });

  it('starts a compile-bench job for a script path instead of a zoo model', async () => {
    const { settings } = makeSettings({
      'GET compile/zoo': () => ({ status: 200, body: ZOO })
    });
    const onStart = jest.fn();
    const client = new CompileClient(settings);
    const { container, rerender } = render(
      <CompileSection client={client} jobs={[]} onStart={onStart} />
    );
    await waitFor(() => expect(select('Model').options).toHaveLength(8));
    fireEvent.change(screen.getByLabelText('or script'), {
      target: { value: ' proj/train.py ' }
    });
    // the zoo pickers do not apply to a script
    expect(select('Model').disabled).toBe(true);
    expect(select('Framework').disabled).toBe(true);
    expect(select('Size').disabled).toBe(true);
    fireEvent.change(screen.getByLabelText('Budget (s)'), {
      target: { value: '45' }
    });
    onStart.mockResolvedValueOnce(benchJob({ state: 'queued', result: null }));
    await act(async () => {
      fireEvent.click(screen.getByText('Run benchmark'));
    });
    expect(onStart).toHaveBeenCalledWith('compile-bench', {
      script: 'proj/train.py',
      objective: 'speed',
      budget_s: 45
    });
    // a script that trained two models: one table each, captioned with the script
    const first = scriptRow('net');
    const result = { ...first, models: [first, scriptRow('critic')] };
    rerender(
      <CompileSection
        client={client}
        jobs={[benchJob({ parameters: { script: 'proj/train.py' }, result })]}
        onStart={onStart}
      />
    );
    const captions = Array.from(
      container.querySelectorAll('.jp-mlkit-cmp-candidates caption')
    ).map(c => c.textContent);
    expect(captions).toEqual([
      'torch net in proj/train.py, objective speed',
      'torch critic in proj/train.py, objective speed'
    ]);
    // clearing the path brings the zoo model back
    fireEvent.change(screen.getByLabelText('or script'), {
      target: { value: '' }
    });
    expect(select('Model').disabled).toBe(false);
  });
});
