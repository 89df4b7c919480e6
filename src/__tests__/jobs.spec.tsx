import {
  act,
  fireEvent,
  render,
  screen,
  waitFor
} from '@testing-library/react';
import * as React from 'react';

import { MlkitClient } from '../api';
import { JobRow, JobsSection } from '../components/JobsSection';
import { MlkitModel } from '../model';
import { job, makeSettings, status } from './fakeServer';

const ID = 'a'.repeat(32);

describe('JobRow log and rerun', () => {
  it('shows the log tail when asked and fetches it again on Refresh', async () => {
    const lines = ['step 1', 'step 1\nstep 2'];
    const loadLog = jest.fn(async () => lines.shift() ?? '');
    render(
      <JobRow
        job={job()}
        onCancel={jest.fn()}
        onDelete={jest.fn()}
        loadLog={loadLog}
      />
    );
    expect(screen.queryByLabelText('Job log')).toBeNull();
    fireEvent.click(screen.getByText('Log'));
    await waitFor(() =>
      expect(screen.getByLabelText('Job log').textContent).toBe('step 1')
    );
    await act(async () => {
      fireEvent.click(screen.getByText('Refresh log'));
    });
    expect(screen.getByLabelText('Job log').textContent).toBe('step 1\nstep 2');
    expect(loadLog).toHaveBeenCalledWith(ID);
    expect(loadLog).toHaveBeenCalledTimes(2);
  });

  it('says when the log is empty, and shows why it could not be read', async () => {
    const { unmount } = render(
      <JobRow
        job={job()}
        onCancel={jest.fn()}
        onDelete={jest.fn()}
        loadLog={async () => ''}
      />
    );
    fireEvent.click(screen.getByText('Log'));
    await waitFor(() =>
      expect(screen.getByLabelText('Job log').textContent).toBe(
        '(the log is empty)'
      )
    );
    unmount();
    const { container } = render(
      <JobRow
        job={job()}
        onCancel={jest.fn()}
        onDelete={jest.fn()}
        loadLog={async () => {
          throw new Error('job has no log yet');
        }}
      />
    );
    fireEvent.click(screen.getByText('Log'));
    await waitFor(() =>
      expect(
        container.querySelector('.jp-mlkit-job-log')?.textContent
      ).toContain('job has no log yet')
    );
  });

  it('offers Rerun only for a finished job', () => {
    const onRerun = jest.fn();
    const { rerender } = render(
      <JobsSection
        jobs={[job({ state: 'running', result: null })]}
        total={1}
        onCancel={jest.fn()}
        onDelete={jest.fn()}
        onRerun={onRerun}
      />
    );
    expect(screen.queryByText('Rerun')).toBeNull();
    rerender(
      <JobsSection
        jobs={[job({ state: 'interrupted', result: null })]}
        total={1}
        onCancel={jest.fn()}
        onDelete={jest.fn()}
        onRerun={onRerun}
      />
    );
    fireEvent.click(screen.getByText('Rerun'));
    expect(onRerun).toHaveBeenCalledWith(ID);
  });
});

describe('MlkitModel rerun and log', () => {
  it('posts the rerun, puts the new job first, and reads the log text', async () => {
    const fresh = job({ id: 'b'.repeat(32), state: 'queued', result: null });
    const { settings, calls } = makeSettings({
      [`POST jobs/${ID}/rerun`]: () => ({ status: 201, body: fresh }),
      [`GET jobs/${ID}/log`]: () => ({
        status: 200,
        body: { job_id: ID, log: 'hello\n' }
      })
    });
    const model = new MlkitModel(new MlkitClient(settings));
    try {
      const created = await model.rerunJob(ID);
      expect(created.id).toBe('b'.repeat(32));
      expect(model.jobs[0].id).toBe('b'.repeat(32));
      expect(await model.jobLog(ID, 50)).toBe('hello\n');
      expect(calls.map(c => `${c.method} ${c.path}`)).toEqual([
        `POST jobs/${ID}/rerun`,
        `GET jobs/${ID}/log?lines=50`
      ]);
    } finally {
      model.dispose();
    }
  });
});

describe('older jobs', () => {
  it('says how many are not shown and fetches more on Show older', async () => {
    const ids = Array.from({ length: 120 }, (_, i) =>
      i.toString(16).padStart(32, '0')
    );
    const { settings, calls } = makeSettings({
      'GET jobs': () => {
        const limit = Number(
          new URL('http://x/' + calls[calls.length - 1].path).searchParams.get(
            'limit'
          )
        );
        return {
          status: 200,
          body: {
            jobs: ids.slice(0, limit).map(id => job({ id })),
            total: ids.length,
            limit,
            offset: 0
          }
        };
      },
      'GET status': () => ({ status: 200, body: status() })
    });
    const model = new MlkitModel(new MlkitClient(settings), {
      standby: 'never'
    });
    try {
      await model.refresh();
      expect(model.jobs).toHaveLength(50);
      const onShowMore = jest.fn(() => model.showMore());
      // the section as the panel renders it from the model's current list
      const section = () => (
        <JobsSection
          jobs={model.jobs}
          total={model.total}
          onCancel={jest.fn()}
          onDelete={jest.fn()}
          onShowMore={onShowMore}
        />
      );
      const { rerender } = render(section());
      expect(screen.getByText(/70 older jobs not shown/)).toBeTruthy();
      await act(async () => {
        fireEvent.click(screen.getByText('Show older'));
        await onShowMore.mock.results[0].value;
      });
      expect(model.limit).toBe(100);
      expect(model.jobs).toHaveLength(100);
      rerender(section());
      expect(screen.getByText(/20 older jobs not shown/)).toBeTruthy();
      expect(
        calls.filter(c => c.path.startsWith('jobs')).map(c => c.path)
      ).toEqual(['jobs?limit=50', 'jobs?limit=100']);
    } finally {
      model.dispose();
    }
  });
});
