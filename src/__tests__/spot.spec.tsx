import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import * as React from 'react';

import { IJob } from '../api';
import {
  CURVE_HEIGHT,
  CURVE_WIDTH,
  LossCurve,
  SpotSection,
  lossPoints
} from '../components/SpotSection';
import { SpotPlacement } from '../components/SpotPlacement';
import {
  ISpotEvent,
  ISpotPlacement,
  ISpotResult,
  SpotClient
} from '../spotApi';
import { job, makeSettings } from './fakeServer';

const ID = 'c'.repeat(32);

const transition = (Status: string, StartTime: number): ISpotEvent => ({
  type: 'transition',
  Status,
  StartTime,
  EndTime: null,
  StatusMessage: `${Status} message`
});

const FIRST: ISpotEvent[] = [
  transition('Starting', 0),
  transition('Training', 2),
  { type: 'metric', step: 10, loss: 1.0, attempt: 1 },
  { type: 'metric', step: 20, loss: 0.5, attempt: 1 }
];

const SECOND: ISpotEvent[] = [
  transition('Interrupted', 3),
  {
    type: 'interruption',
    attempt: 1,
    mode: 'kill',
    step: 20,
    durable_step: 10,
    lost_work_s: 1.25,
    capacity_wait_s: 2,
    saved_on_notice: false
  },
  { type: 'metric', step: 30, loss: 0.0, attempt: 2 },
  transition('Completed', 9)
];

const RESULT: ISpotResult = {
  status: 'Completed',
  secondary_status: 'Completed',
  interruptions: [SECOND[1]],
  training_s: 100,
  billable_s: 30,
  savings_pct: 70,
  lost_work_s: 1.25,
  waited_s: 2,
  cost_usd: 0.0117,
  on_demand_cost_usd: 0.0391,
  attempts: 2,
  final_step: 30,
  fell_back_to_on_demand: false,
  summary: 'Completed (Completed) after 2 attempt(s), 1 interruption(s)'
};

const spotJob = (overrides: Partial<IJob> = {}) =>
  job({
    id: ID,
    kind: 'spot-run',
    parameters: { command: ['python', '/root/train.py'] },
    state: 'running',
    message: 'Training: step 20/30',
    result: null,
    ...overrides
  });

function eventRoutes() {
  return {
    [`GET spot/events/${ID}?offset=0`]: () => ({
      status: 200,
      body: {
        job_id: ID,
        state: 'running',
        events: FIRST,
        offset: 0,
        next_offset: 400,
        done: false
      }
    }),
    [`GET spot/events/${ID}?offset=400`]: () => ({
      status: 200,
      body: {
        job_id: ID,
        state: 'completed',
        events: SECOND,
        offset: 400,
        next_offset: 900,
        done: true
      }
    })
  };
}

describe('SpotClient', () => {
  it('posts a run and reads events and prices', async () => {
    const { settings, calls } = makeSettings({
      'POST spot/run': () => ({ status: 201, body: spotJob() }),
      ...eventRoutes(),
      'GET spot/prices': () => ({
        status: 200,
        body: { as_of: '2025-06', instances: {} }
      })
    });
    const client = new SpotClient(settings);
    const created = await client.run({
      command: ['python', 'train.py'],
      checkpoint_uri: 'ck',
      simulate_interruptions: 2
    });
    expect(created.kind).toBe('spot-run');
    expect((await client.events(ID)).next_offset).toBe(400);
    expect((await client.events(ID, 400)).done).toBe(true);
    expect((await client.prices()).as_of).toBe('2025-06');
    expect(calls.map(c => `${c.method} ${c.path}`)).toEqual([
      'POST spot/run',
      `GET spot/events/${ID}?offset=0`,
      `GET spot/events/${ID}?offset=400`,
      'GET spot/prices'
    ]);
    expect(calls[0].body).toEqual({
      command: ['python', 'train.py'],
      checkpoint_uri: 'ck',
      simulate_interruptions: 2
    });
  });

  it('turns a refused run into the server message', async () => {
    const { settings } = makeSettings({
      'POST spot/run': () => ({
        status: 400,
        body: {
          error: {
            code: 'bad_parameters',
            message: 'max_wait_s (50) must be >= max_run_s (100)',
            details: { field: 'max_wait_s' }
          }
        }
      })
    });
    await expect(
      new SpotClient(settings).run({
        command: ['python', 'train.py'],
        checkpoint_uri: 'ck',
        max_run_s: 100,
        max_wait_s: 50
      })
    ).rejects.toMatchObject({ status: 400, code: 'bad_parameters' });
  });
});

describe('LossCurve', () => {
  it('keeps the last loss of a repeated step, in step order', () => {
    expect(
      lossPoints([
        { type: 'metric', step: 20, loss: 0.4 },
        { type: 'metric', step: 10, loss: 0.9 },
        { type: 'metric', step: 20, loss: 0.3 },
        { type: 'metric', step: 30 },
        { type: 'ready', step: 0 }
      ])
    ).toEqual([
      [10, 0.9],
      [20, 0.3]
    ]);
  });

  it('scales steps to the width and losses to the height, marks interruptions', () => {
    const { container } = render(<LossCurve events={[...FIRST, ...SECOND]} />);
    const svg = container.querySelector('svg')!;
    expect(Number(svg.getAttribute('width'))).toBe(CURVE_WIDTH);
    expect(Number(svg.getAttribute('height'))).toBe(CURVE_HEIGHT);
    // steps 10..30 over 4..236 px; losses 1..0 over 4..76 px (top is high)
    expect(svg.querySelector('polyline')!.getAttribute('points')).toBe(
      '4.0,4.0 120.0,40.0 236.0,76.0'
    );
    const marks = svg.querySelectorAll('line.jp-mlkit-spot-mark');
    expect(marks).toHaveLength(1);
    expect(Number(marks[0].getAttribute('x1'))).toBe(120);
    expect(svg.getAttribute('aria-label')).toBe(
      'Loss from 1.00 to 0.00 over steps 10-30'
    );
  });

  it('draws nothing without losses', () => {
    const { container } = render(<LossCurve events={[FIRST[0]]} />);
    expect(container.querySelector('svg')).toBeNull();
  });
});

describe('SpotSection', () => {
  it('starts a spot-run job from the form', async () => {
    const { settings } = makeSettings({});
    const onStart = jest.fn().mockResolvedValue(spotJob());
    render(
      <SpotSection
        client={new SpotClient(settings)}
        jobs={[]}
        onStart={onStart}
      />
    );
    const run = screen.getByRole('button', { name: 'Run' });
    expect((run as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(screen.getByPlaceholderText('train.py'), {
      target: { value: 'examples/spot_train.py' }
    });
    fireEvent.change(screen.getByPlaceholderText('--steps 400'), {
      target: { value: ' --steps  300 ' }
    });
    fireEvent.change(
      screen.getByPlaceholderText('checkpoints/run-1 or s3://bucket/prefix'),
      { target: { value: 'ck/run' } }
    );
    fireEvent.change(screen.getByLabelText('Simulated interruptions'), {
      target: { value: '3' }
    });
    fireEvent.change(screen.getByLabelText('Seed'), {
      target: { value: '7' }
    });
    fireEvent.change(screen.getByLabelText('Mode'), {
      target: { value: 'notice' }
    });
    fireEvent.click(run);
    await waitFor(() => expect(onStart).toHaveBeenCalledTimes(1));
    expect(onStart).toHaveBeenCalledWith('spot-run', {
      command: ['python', 'examples/spot_train.py', '--steps', '300'],
      checkpoint_uri: 'ck/run',
      simulate_interruptions: 3,
      seed: 7,
      mode: 'notice'
    });
  });

  it('shows the server refusal', async () => {
    const { settings } = makeSettings({});
    const onStart = jest
      .fn()
      .mockRejectedValue(new Error("file not found: 'nope.py'"));
    render(
      <SpotSection
        client={new SpotClient(settings)}
        jobs={[]}
        onStart={onStart}
      />
    );
    fireEvent.change(screen.getByPlaceholderText('train.py'), {
      target: { value: 'nope.py' }
    });
    fireEvent.click(screen.getByRole('button', { name: 'Run' }));
    expect((await screen.findByRole('alert')).textContent).toBe(
      "file not found: 'nope.py'"
    );
  });

  it('follows the newest spot job: timeline, loss curve, then costs', async () => {
    const { settings, calls } = makeSettings(eventRoutes());
    const client = new SpotClient(settings);
    const other = job({ id: 'd'.repeat(32), kind: 'profile' });
    const { container, rerender } = render(
      <SpotSection
        client={client}
        jobs={[other, spotJob()]}
        onStart={jest.fn()}
        pollMs={5}
      />
    );
    const timeline = await screen.findByLabelText('Spot timeline');
    await waitFor(() =>
      expect(timeline.querySelectorAll('li')).toHaveLength(5)
    );
    const items = Array.from(timeline.querySelectorAll('li')).map(
      li => li.textContent
    );
    expect(items[0]).toBe('00:00:00 Starting Starting message');
    expect(items[3]).toBe(
      'interruption (kill) at step 20, resumed from 10, 1.3 s of work lost'
    );
    expect(items[4]).toBe('00:00:09 Completed Completed message');
    expect(container.textContent).toContain('(1 interruption)');
    expect(container.querySelector('polyline')).not.toBeNull();
    // read incrementally, and no more once done
    await new Promise(r => setTimeout(r, 30));
    expect(calls.map(c => c.path)).toEqual([
      `spot/events/${ID}?offset=0`,
      `spot/events/${ID}?offset=400`
    ]);

    rerender(
      <SpotSection
        client={client}
        jobs={[other, spotJob({ state: 'completed', result: RESULT as any })]}
        onStart={jest.fn()}
        pollMs={5}
      />
    );
    const costs = container.querySelector('.jp-mlkit-spot-costs')!;
    expect(costs.textContent).toContain(
      'billable 30.0 s of 100.0 s training: savings 70.0%'
    );
    expect(costs.textContent).toContain('cost $0.0117 vs $0.0391 on demand');
  });

  it('shows the error of a failed run', async () => {
    const { settings, calls } = makeSettings({
      [`GET spot/events/${ID}?offset=0`]: () => ({
        status: 200,
        body: {
          job_id: ID,
          state: 'failed',
          events: [],
          offset: 0,
          next_offset: 0,
          done: true
        }
      })
    });
    const failed = spotJob({
      state: 'failed',
      error: { code: 'spot_run_failed', message: 'spot run Failed (Failed)' }
    });
    const { container } = render(
      <SpotSection
        client={new SpotClient(settings)}
        jobs={[failed]}
        onStart={jest.fn()}
        pollMs={5}
      />
    );
    expect(container.querySelector('.jp-mlkit-job-error')!.textContent).toBe(
      'spot run Failed (Failed)'
    );
    await waitFor(() => expect(calls).toHaveLength(1));
  });
});

const ADVICE: ISpotPlacement = {
  cheapest: {
    instance_type: 'ml.g5.xlarge',
    az: 'us-east-1b',
    mean_price: 0.41234,
    min_price: 0.4,
    max_price: 0.43,
    samples: 12
  },
  by_choice: [],
  cheapest_hours_utc: [4, 3, 15],
  records: 30,
  instance_types: ['ml.g5.xlarge', 'ml.p3.2xlarge'],
  region: 'us-east-1',
  days: 7,
  missing_types: ['ml.p3.2xlarge']
};

describe('SpotPlacement', () => {
  const error = (status: number, code: string, message: string) => () => ({
    status,
    body: { error: { code, message, details: null } }
  });

  it('asks for the typed instance types and shows the cheapest zone, type, price and hours', async () => {
    const { settings, calls } = makeSettings({
      'GET spot/placement': () => ({ status: 200, body: ADVICE })
    });
    render(<SpotPlacement client={new SpotClient(settings)} />);
    fireEvent.change(screen.getByLabelText('Instance types'), {
      target: { value: ' ml.g5.xlarge,ml.p3.2xlarge  ' }
    });
    fireEvent.change(screen.getByLabelText('Region'), {
      target: { value: 'us-east-1' }
    });
    fireEvent.click(screen.getByRole('button', { name: 'Find cheapest' }));
    const advice = await screen.findByLabelText('Placement advice');
    expect(advice.textContent).toContain(
      'Cheapest: ml.g5.xlarge in us-east-1b at $0.4123/h'
    );
    expect(advice.textContent).toContain(
      'Cheapest hours (UTC): 04:00, 03:00, 15:00'
    );
    expect(advice.textContent).toContain('no prices for ml.p3.2xlarge');
    expect(calls.map(c => c.path)).toEqual([
      'spot/placement?instance_types=ml.g5.xlarge%2Cml.p3.2xlarge&region=us-east-1'
    ]);
  });

  it.each([
    [
      error(
        503,
        'aws_unavailable',
        'no AWS credentials found (environment, ~/.aws or instance role)'
      ),
      'no AWS credentials found (environment, ~/.aws or instance role)'
    ],
    [
      error(
        404,
        'no_price_history',
        'no spot price history for ml.nope.xlarge in us-east-1'
      ),
      'no spot price history for ml.nope.xlarge in us-east-1'
    ]
  ])('shows a refusal as a message', async (route, message) => {
    const { settings } = makeSettings({ 'GET spot/placement': route });
    render(<SpotPlacement client={new SpotClient(settings)} />);
    fireEvent.change(screen.getByLabelText('Instance types'), {
      target: { value: 'ml.nope.xlarge' }
    });
    fireEvent.click(screen.getByRole('button', { name: 'Find cheapest' }));
    expect((await screen.findByRole('alert')).textContent).toBe(message);
    expect(screen.queryByLabelText('Placement advice')).toBeNull();
  });

  it('is part of the Spot section', () => {
    const { settings } = makeSettings({});
    render(
      <SpotSection
        client={new SpotClient(settings)}
        jobs={[]}
        onStart={jest.fn()}
      />
    );
    expect(
      screen.getByRole('form', { name: 'Where is it cheapest?' })
    ).toBeTruthy();
  });
});
