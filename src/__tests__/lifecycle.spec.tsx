import {
  act,
  fireEvent,
  render,
  screen,
  waitFor
} from '@testing-library/react';
import * as React from 'react';

import { LifecycleSection, secondsLeft } from '../components/LifecycleSection';
import {
  IIdleState,
  ILifecycleConfig,
  ILifecycleStatus,
  IRun,
  LifecycleClient
} from '../lifecycleApi';
import { makeSettings, Route } from './fakeServer';

function config(overrides: Partial<ILifecycleConfig> = {}): ILifecycleConfig {
  return {
    name: 'setup',
    version: 2,
    latest_version: 2,
    on_create: null,
    on_start: 'echo hi\n',
    description: '',
    created_at: '2026-11-28T08:00:00+00:00',
    attached: false,
    ...overrides
  };
}

function run(overrides: Partial<IRun> = {}): IRun {
  return {
    id: 1,
    config_name: 'setup',
    version: 2,
    hook: 'on_start',
    server: 'box',
    log_stream: 'box/LifecycleConfigOnStart',
    status: 'succeeded',
    exit_code: 0,
    timed_out: false,
    error: null,
    started_at: '2026-11-28T08:00:00+00:00',
    finished_at: '2026-11-28T08:00:01+00:00',
    duration_s: 1,
    ...overrides
  };
}

const IDLE_OFF: IIdleState = {
  enabled: false,
  source: null,
  policy: null,
  status: null,
  last_action: null,
  last_error: null
};

function idleOn(left: number): IIdleState {
  return {
    enabled: true,
    source: 'file',
    policy: {
      idle_seconds: 600,
      action: 'stop-server',
      ignore_connections: true
    },
    status: {
      idle: true,
      due: false,
      reason: 'idle for 10 s',
      seconds_left: left,
      deadline: new Date(Date.now() + left * 1000).toISOString(),
      postponed_until: null,
      busy: []
    },
    last_action: null,
    last_error: null
  };
}

function lcStatus(overrides: Partial<ILifecycleStatus> = {}): ILifecycleStatus {
  return {
    server: 'box',
    attached: null,
    last_runs: { on_create: null, on_start: null },
    failed_hooks: [],
    startup: { state: 'done' },
    idle: IDLE_OFF,
    ...overrides
  };
}

const TEMPLATES = {
  templates: [
    {
      name: 'auto-stop-idle',
      title: 'Auto-stop when idle',
      description: 'Stops the server when idle.',
      hook: 'on-start',
      params: [
        {
          name: 'IDLE_SECONDS',
          help: 'seconds',
          required: false,
          default: '3600',
          kind: 'int',
          choices: []
        },
        {
          name: 'ACTION',
          help: 'what to do',
          required: false,
          default: 'stop-notebook-instance',
          kind: 'str',
          choices: ['shutdown-kernels', 'stop-server', 'stop-notebook-instance']
        }
      ]
    }
  ]
};

function setup(
  extra: Record<string, Route> = {},
  base: Record<string, Route> = {}
) {
  const { settings, calls } = makeSettings({
    'GET lifecycle/configs': () => ({
      status: 200,
      body: { server: 'box', attached: null, configs: [config()] }
    }),
    'GET lifecycle/status': () => ({ status: 200, body: lcStatus() }),
    'GET lifecycle/runs': () => ({ status: 200, body: { runs: [run()] } }),
    'GET lifecycle/templates': () => ({ status: 200, body: TEMPLATES }),
    ...base,
    ...extra
  });
  const client = new LifecycleClient(settings);
  return { client, calls };
}

async function show(client: LifecycleClient) {
  await act(async () => {
    render(
      <LifecycleSection
        client={client}
        title="Lifecycle"
        blurb="b"
        initiallyOpen={true}
      />
    );
  });
  await screen.findAllByText('setup');
}

describe('LifecycleSection', () => {
  it('lists configurations, the attachment, a failed hook and the idle timer', async () => {
    const { client, calls } = setup({
      'GET lifecycle/configs': () => ({
        status: 200,
        body: {
          server: 'box',
          attached: 'setup',
          configs: [config({ attached: true })]
        }
      }),
      'GET lifecycle/status': () => ({
        status: 200,
        body: lcStatus({
          attached: { config_name: 'setup', attached_at: 'x' },
          failed_hooks: ['on_start'],
          last_runs: {
            on_create: null,
            on_start: run({ status: 'timed_out', exit_code: -15 })
          },
          idle: idleOn(42)
        })
      }),
      'POST lifecycle/idle/postpone': () => ({
        status: 200,
        body: idleOn(3642)
      })
    });
    await show(client);
    expect(screen.getByText('attached')).toBeTruthy();
    expect(screen.getByText('Detach')).toBeTruthy();
    expect(screen.getByRole('alert').textContent).toBe(
      'on-start timed_out (exit -15)'
    );
    expect(screen.getByText(/^4[12] s left$/)).toBeTruthy();
    await act(async () => {
      fireEvent.click(screen.getByText('Postpone 1 h'));
    });
    const post = calls.find(c => c.path === 'lifecycle/idle/postpone');
    expect(post?.body).toEqual({ seconds: 3600 });
  });

  it('picks a template, shows validation problems inline and saves', async () => {
    const saved: any[] = [];
    const { client, calls } = setup({
      'POST lifecycle/templates/auto-stop-idle/render': () => ({
        status: 200,
        body: {
          template: 'auto-stop-idle',
          hook: 'on-start',
          script: 'IDLE_SECONDS=60\nif\n'
        }
      }),
      'POST lifecycle/validate': () => ({
        status: 200,
        body: {
          valid: false,
          problems: [
            { message: "syntax error near 'if'", hook: 'on_start', line: 2 }
          ]
        }
      }),
      'POST lifecycle/configs': body => {
        saved.push(body);
        return { status: 201, body: config({ name: body.name, version: 1 }) };
      }
    });
    await show(client);
    fireEvent.click(screen.getByText('New configuration'));
    await act(async () => {
      fireEvent.change(screen.getByLabelText('Template'), {
        target: { value: 'auto-stop-idle' }
      });
    });
    fireEvent.change(screen.getByLabelText('IDLE_SECONDS'), {
      target: { value: '60' }
    });
    fireEvent.change(screen.getByLabelText('ACTION'), {
      target: { value: 'stop-server' }
    });
    await act(async () => {
      fireEvent.click(screen.getByText('Use template'));
    });
    const render = calls.find(c => c.path.endsWith('/render'));
    expect(render?.body).toEqual({
      params: { IDLE_SECONDS: '60', ACTION: 'stop-server' }
    });
    const onStart = screen.getByLabelText(
      'on-start script'
    ) as HTMLTextAreaElement;
    expect(onStart.value).toBe('IDLE_SECONDS=60\nif\n');
    const name = screen.getByLabelText(
      'Configuration name'
    ) as HTMLInputElement;
    expect(name.value).toBe('auto-stop-idle');
    const problems = await screen.findByLabelText('on-start problems');
    expect(problems.textContent).toBe("line 2: syntax error near 'if'");
    const validate = calls.filter(c => c.path === 'lifecycle/validate').pop();
    expect(validate?.body).toEqual({
      name: 'auto-stop-idle',
      on_create: '',
      on_start: 'IDLE_SECONDS=60\nif\n'
    });
    await act(async () => {
      fireEvent.click(screen.getByText('Save'));
    });
    expect(saved).toEqual([
      {
        name: 'auto-stop-idle',
        on_create: '',
        on_start: 'IDLE_SECONDS=60\nif\n'
      }
    ]);
    await screen.findByText('auto-stop-idle saved (version 1)');
  });

  it('shows the problems of a refused save', async () => {
    const { client } = setup({
      'POST lifecycle/validate': () => ({
        status: 200,
        body: { valid: true, problems: [] }
      }),
      'POST lifecycle/configs': () => ({
        status: 400,
        body: {
          error: {
            code: 'invalid_config',
            message: 'invalid',
            details: {
              problems: [
                {
                  message: 'Windows line ends (CRLF)',
                  hook: 'on_create',
                  line: 1
                }
              ]
            }
          }
        }
      })
    });
    await show(client);
    fireEvent.click(screen.getByText('New configuration'));
    fireEvent.change(screen.getByLabelText('Configuration name'), {
      target: { value: 'x' }
    });
    fireEvent.change(screen.getByLabelText('on-create script'), {
      target: { value: 'echo\r\n' }
    });
    await act(async () => {
      fireEvent.click(screen.getByText('Save'));
    });
    expect(screen.getByRole('alert').textContent).toBe(
      'Not saved: fix the problems below.'
    );
    expect(screen.getByLabelText('on-create problems').textContent).toBe(
      'line 1: Windows line ends (CRLF)'
    );
  });

  it('attaches, runs now and shows a run log', async () => {
    const { client, calls } = setup({
      'PUT lifecycle/attachment': body => ({
        status: 200,
        body: {
          server: 'box',
          attached: { config_name: body.name },
          message: 'm'
        }
      }),
      'POST lifecycle/configs/setup/run': () => ({
        status: 202,
        body: run({ id: 2, status: 'running', exit_code: null })
      }),
      'GET lifecycle/runs/1/log?offset=0': () => ({
        status: 200,
        body: { text: 'hello\n', offset: 0, next_offset: 6, size: 6, eof: true }
      })
    });
    await show(client);
    await act(async () => {
      fireEvent.click(screen.getByText('Attach'));
    });
    expect(calls.find(c => c.method === 'PUT')?.body).toEqual({
      name: 'setup'
    });
    await screen.findByText('setup attached: it runs at the next server start');
    await act(async () => {
      fireEvent.click(screen.getByText('Run on-start'));
    });
    expect(
      calls.find(c => c.path === 'lifecycle/configs/setup/run')?.body
    ).toEqual({
      hook: 'on-start'
    });
    await act(async () => {
      fireEvent.click(screen.getAllByText('setup on-start')[0]);
    });
    await waitFor(() =>
      expect(screen.getByLabelText('Log of run 1').textContent).toBe('hello\n')
    );
  });
});

describe('secondsLeft', () => {
  it('counts down to the deadline, and is null while busy or off', () => {
    const idle = idleOn(100);
    const deadline = Date.parse(idle.status!.deadline!);
    expect(secondsLeft(idle, deadline - 30000)).toBe(30);
    expect(secondsLeft(idle, deadline + 5000)).toBe(0);
    expect(secondsLeft(IDLE_OFF, deadline)).toBeNull();
    const busy = {
      ...idle,
      status: { ...idle.status!, seconds_left: null, deadline: null }
    };
    expect(secondsLeft(busy, deadline)).toBeNull();
  });
});
