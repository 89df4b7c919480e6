import { act, fireEvent, render, screen, within } from '@testing-library/react';
import * as React from 'react';

import {
  instanceActions,
  NotebookInstances
} from '../components/NotebookInstances';
import { INotebookInstance, LifecycleClient } from '../lifecycleApi';
import { makeSettings, Route } from './fakeServer';

function instance(
  overrides: Partial<INotebookInstance> = {}
): INotebookInstance {
  return {
    name: 'nb-one',
    arn: 'arn:aws:sagemaker:us-east-1:1:notebook-instance/nb-one',
    status: 'InService',
    instance_type: 'ml.t3.medium',
    volume_size_gb: null,
    lifecycle_config: 'setup',
    url: null,
    failure_reason: null,
    created_at: null,
    last_modified_at: null,
    schedule: null,
    scheduled_action: null,
    ...overrides
  };
}

function setup(routes: Record<string, Route>) {
  const { settings, calls } = makeSettings(routes);
  return { client: new LifecycleClient(settings), calls };
}

async function show(client: LifecycleClient, configs = ['setup', 'other']) {
  await act(async () => {
    render(
      <NotebookInstances client={client} configs={configs} initiallyOpen />
    );
  });
}

const listOf = (...instances: INotebookInstance[]) => ({
  status: 200,
  body: { instances, orphan_schedules: [], default_role: false }
});

describe('NotebookInstances', () => {
  it('does not call AWS until it is opened', async () => {
    const { client, calls } = setup({});
    await act(async () => {
      render(<NotebookInstances client={client} configs={[]} />);
    });
    expect(calls).toHaveLength(0);
    expect(screen.getByText('Notebook instances (SageMaker)')).toBeTruthy();
  });

  it('lists instances with their state and stops and starts them', async () => {
    let state: INotebookInstance['status'] = 'InService';
    const { client, calls } = setup({
      'GET lifecycle/notebook-instances': () =>
        listOf(
          instance({ status: state }),
          instance({
            name: 'nb-two',
            status: 'Pending',
            lifecycle_config: null
          })
        ),
      'POST lifecycle/notebook-instances/nb-one/stop': () => {
        state = 'Stopped';
        return { status: 202, body: instance({ status: state }) };
      },
      'POST lifecycle/notebook-instances/nb-one/start': () => {
        state = 'InService';
        return { status: 202, body: instance({ status: state }) };
      }
    });
    await show(client);
    const table = screen.getByRole('table', { name: 'Notebook instances' });
    const one = within(table).getByText('nb-one').closest('tr')!;
    const two = within(table).getByText('nb-two').closest('tr')!;
    expect(within(one).getByText('InService')).toBeTruthy();
    expect(within(two).getByText('Pending')).toBeTruthy();
    expect(within(two).queryByText('Start')).toBeNull(); // nothing to do while Pending
    expect(within(two).queryByText('Stop')).toBeNull();

    await act(async () => {
      fireEvent.click(within(one).getByText('Stop'));
    });
    expect(
      calls.some(c => c.path === 'lifecycle/notebook-instances/nb-one/stop')
    ).toBe(true);
    const stopped = screen.getByText('nb-one').closest('tr')!;
    expect(within(stopped).getByText('Stopped')).toBeTruthy();
    expect(screen.getByText('nb-one stopping')).toBeTruthy();
    await act(async () => {
      fireEvent.click(within(stopped).getByText('Start'));
    });
    expect(
      within(screen.getByText('nb-one').closest('tr')!).getByText('InService')
    ).toBeTruthy();
  });

  it('saves a schedule and shows a bad one inline under its row', async () => {
    const { client, calls } = setup({
      'GET lifecycle/notebook-instances': () => listOf(instance()),
      'PUT lifecycle/notebook-instances/nb-one/schedule': body =>
        body.schedule === 'weekdays 9-19'
          ? { status: 200, body: instance() }
          : {
              status: 400,
              body: {
                error: {
                  code: 'bad_parameters',
                  message: "schedule: hours 'nine-five' are not like 9-19",
                  details: { field: 'schedule' }
                }
              }
            }
    });
    await show(client);
    const input = screen.getByLabelText('Schedule of nb-one');
    fireEvent.change(input, { target: { value: 'weekdays nine-five' } });
    await act(async () => {
      fireEvent.click(screen.getByText('Save'));
    });
    expect(screen.getByRole('alert').textContent).toBe(
      "schedule: hours 'nine-five' are not like 9-19"
    );
    fireEvent.change(input, { target: { value: 'weekdays 9-19' } });
    await act(async () => {
      fireEvent.click(screen.getByText('Save'));
    });
    expect(screen.queryByRole('alert')).toBeNull();
    const puts = calls.filter(c => c.method === 'PUT').map(c => c.body);
    expect(puts).toEqual([
      { schedule: 'weekdays nine-five' },
      { schedule: 'weekdays 9-19' }
    ]);
    expect(screen.getByText('nb-one runs weekdays 9-19')).toBeTruthy();
  });

  it('creates an instance with a stored configuration; a bad field is named beside it', async () => {
    const { client, calls } = setup({
      'GET lifecycle/notebook-instances': () => listOf(),
      'POST lifecycle/notebook-instances': body =>
        body.instance_type === 't3.medium'
          ? {
              status: 400,
              body: {
                error: {
                  code: 'bad_parameters',
                  message:
                    "instance_type: instance type 't3.medium' is not like 'ml.t3.medium'",
                  details: { field: 'instance_type' }
                }
              }
            }
          : {
              status: 201,
              body: {
                instance: instance({ name: body.name }),
                published: { action: 'created', arn: 'arn:lc/setup' }
              }
            }
    });
    await show(client);
    expect(screen.getByText('No notebook instances.')).toBeTruthy();
    const form = screen.getByRole('form', { name: 'New notebook instance' });
    fireEvent.change(within(form).getByLabelText(/^Name/), {
      target: { value: 'nb-new' }
    });
    fireEvent.change(within(form).getByLabelText(/^Instance type/), {
      target: { value: 't3.medium' }
    });
    fireEvent.change(within(form).getByLabelText(/^Lifecycle configuration/), {
      target: { value: 'setup' }
    });
    await act(async () => {
      fireEvent.click(within(form).getByText('Create instance'));
    });
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toContain("is not like 'ml.t3.medium'");
    // Shown right after the instance type field, not as a general error.
    expect(
      alert.previousElementSibling?.textContent?.startsWith('Instance type')
    ).toBe(true);

    fireEvent.change(within(form).getByLabelText(/^Instance type/), {
      target: { value: 'ml.t3.medium' }
    });
    fireEvent.change(within(form).getByLabelText(/^Volume/), {
      target: { value: '20' }
    });
    await act(async () => {
      fireEvent.click(within(form).getByText('Create instance'));
    });
    const posts = calls.filter(c => c.method === 'POST').map(c => c.body);
    expect(posts[1]).toEqual({
      name: 'nb-new',
      instance_type: 'ml.t3.medium',
      volume_size_gb: 20,
      lifecycle_config: 'setup'
    });
    expect(
      screen.getByText('nb-new created (configuration created arn:lc/setup)')
    ).toBeTruthy();
  });

  it('shows missing AWS credentials as a message, not a crash', async () => {
    const { client } = setup({
      'GET lifecycle/notebook-instances': () => ({
        status: 503,
        body: {
          error: {
            code: 'aws_unavailable',
            message:
              'no AWS credentials found (environment, ~/.aws or instance role)',
            details: null
          }
        }
      })
    });
    await show(client);
    expect(screen.getByRole('alert').textContent).toContain(
      'no AWS credentials found'
    );
    // The create form is still there: the user sees what is possible once AWS is set up.
    expect(screen.getByText('Create instance')).toBeTruthy();
  });
});

describe('instanceActions', () => {
  it('offers only what SageMaker allows in each state', () => {
    const labels = (s: string | null) => instanceActions(s).map(a => a.label);
    expect(labels('Stopped')).toEqual(['Start', 'Delete']);
    expect(labels('InService')).toEqual(['Stop']);
    expect(labels('Failed')).toEqual(['Delete']);
    expect(labels('Pending')).toEqual([]);
    expect(labels(null)).toEqual([]);
  });
});
