import { act, fireEvent, render, screen } from '@testing-library/react';
import * as React from 'react';

import { MlkitClient } from '../api';
import { CapabilitySection } from '../components/CapabilitySection';
import { JobsSection } from '../components/JobsSection';
import { DISMISSED_KEY, startupFailure } from '../components/LifecycleBanner';
import { ProfileForm } from '../components/ProfileForm';
import { IRun } from '../lifecycleApi';
import { MlkitModel } from '../model';
import { MlkitPanelView } from '../panel';
import { job, makeSettings, status } from './fakeServer';

function failedRun(overrides: Partial<IRun> = {}): IRun {
  return {
    id: 7,
    config_name: 'team-setup',
    version: 1,
    hook: 'on_start',
    server: 'box',
    log_stream: 'box/LifecycleConfigOnStart',
    status: 'failed',
    exit_code: 3,
    timed_out: false,
    error: null,
    started_at: '2026-11-28T08:00:00+00:00',
    finished_at: '2026-11-28T08:00:01+00:00',
    duration_s: 1,
    ...overrides
  };
}

function lcStatus(run: IRun | null) {
  return {
    server: 'box',
    attached: { config_name: 'team-setup', attached_at: 'x' },
    last_runs: { on_create: null, on_start: run },
    failed_hooks: run ? ['on_start'] : [],
    startup: { state: 'done' },
    idle: {
      enabled: false,
      source: null,
      policy: null,
      status: null,
      last_action: null,
      last_error: null
    }
  };
}

describe('panel components', () => {
  it('says when a capability is not built yet', () => {
    render(
      <CapabilitySection
        name="spot"
        title="Spot training"
        blurb="b"
        capability={{
          title: 't',
          built: false,
          wired: false,
          usable: false,
          reason: 'x'
        }}
      />
    );
    expect(screen.getByText('Not built yet in this version.')).toBeTruthy();
  });

  it('shows a job with its progress and a profile result table', () => {
    const onCancel = jest.fn();
    render(
      <JobsSection
        jobs={[
          job(),
          job({ id: 'c'.repeat(32), state: 'running', progress: 0.42 })
        ]}
        total={3}
        onCancel={onCancel}
        onDelete={jest.fn()}
      />
    );
    const bars = screen.getAllByRole('progressbar');
    expect(bars[0].getAttribute('aria-valuenow')).toBe('100');
    expect(bars[1].getAttribute('aria-valuenow')).toBe('42');
    fireEvent.click(screen.getAllByText('profile sales.csv')[0]);
    expect(screen.getByText('3 rows, 1 columns')).toBeTruthy();
    fireEvent.click(screen.getByText('Cancel'));
    expect(onCancel).toHaveBeenCalledWith('c'.repeat(32));
    expect(screen.getByText('1 older jobs not shown')).toBeTruthy();
  });

  it('shows the error of a failed job', () => {
    render(
      <JobsSection
        jobs={[
          job({
            state: 'failed',
            error: { code: 'x', message: 'file is corrupt' }
          })
        ]}
        total={1}
        onCancel={jest.fn()}
        onDelete={jest.fn()}
      />
    );
    expect(screen.getByRole('alert').textContent).toBe('file is corrupt');
  });

  it('shows the server message when starting a job fails', async () => {
    const onSubmit = jest
      .fn()
      .mockRejectedValue(new Error('outside the server root'));
    render(<ProfileForm onSubmit={onSubmit} />);
    fireEvent.change(screen.getByPlaceholderText('data/sales.csv'), {
      target: { value: ' ../x.csv ' }
    });
    await act(async () => {
      fireEvent.click(screen.getByText('Profile'));
    });
    expect(onSubmit).toHaveBeenCalledWith('../x.csv');
    expect(screen.getByRole('alert').textContent).toBe(
      'outside the server root'
    );
  });
});

describe('failed lifecycle script banner', () => {
  it('words a failure, a time-out and a start-up error', () => {
    expect(startupFailure(lcStatus(failedRun()) as any)?.text).toBe(
      "Lifecycle on-start script 'team-setup' failed (exit 3) – see logs"
    );
    const timedOut = failedRun({ status: 'timed_out', exit_code: -15 });
    expect(startupFailure(lcStatus(timedOut) as any)?.text).toBe(
      "Lifecycle on-start script 'team-setup' timed out and was stopped – see logs"
    );
    expect(startupFailure(lcStatus(null) as any)).toBeNull();
  });

  it('shows at the top of the panel and opens the run log in the Lifecycle section', async () => {
    const { settings } = makeSettings({
      'GET status': () => ({ status: 200, body: status() }),
      'GET jobs': () => ({
        status: 200,
        body: { jobs: [], total: 0, limit: 50, offset: 0 }
      }),
      'GET lifecycle/status': () => ({
        status: 200,
        body: lcStatus(failedRun())
      }),
      'GET lifecycle/configs': () => ({
        status: 200,
        body: { server: 'box', attached: 'team-setup', configs: [] }
      }),
      'GET lifecycle/runs': () => ({
        status: 200,
        body: { runs: [failedRun()] }
      }),
      'GET lifecycle/templates': () => ({
        status: 200,
        body: { templates: [] }
      }),
      'GET lifecycle/runs/7/log': () => ({
        status: 200,
        body: {
          text: 'installing...\npip: no such package\n',
          offset: 0,
          next_offset: 38,
          size: 38,
          eof: true
        }
      })
    });
    const model = new MlkitModel(new MlkitClient(settings), {
      standby: 'never'
    });
    await model.refresh();
    let view: ReturnType<typeof render> | undefined;
    await act(async () => {
      view = render(<MlkitPanelView model={model} />);
    });
    const banner = await screen.findByText(
      "Lifecycle on-start script 'team-setup' failed (exit 3) – see logs"
    );
    // The top banner: before every capability section.
    const root = view!.container.querySelector('.jp-mlkit-panel')!;
    const section = root.querySelector('[data-capability="lifecycle"]')!;
    expect(
      banner.compareDocumentPosition(root.querySelector('.jp-mlkit-section')!) &
        Node.DOCUMENT_POSITION_FOLLOWING
    ).toBeTruthy();
    expect((section as HTMLDetailsElement).open).toBe(false);

    await act(async () => {
      fireEvent.click(screen.getByText('Open log'));
    });
    expect((section as HTMLDetailsElement).open).toBe(true);
    const log = await screen.findByLabelText('Log of run 7');
    expect(log.textContent).toContain('pip: no such package');

    await act(async () => {
      fireEvent.click(screen.getByText('Dismiss'));
    });
    expect(screen.queryByText(/see logs$/)).toBeNull();
    // The dismissal outlives the page: a new panel does not show the same run again.
    expect(window.localStorage.getItem(DISMISSED_KEY)).toBe('7');
    view!.unmount();
    await act(async () => {
      render(<MlkitPanelView model={model} />);
    });
    expect(screen.queryByText(/see logs$/)).toBeNull();
    window.localStorage.removeItem(DISMISSED_KEY);
    model.dispose();
  });
});
