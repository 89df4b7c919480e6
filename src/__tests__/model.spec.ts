import { MlkitClient } from '../api';
import { FAST_INTERVAL, MlkitModel, SLOW_INTERVAL } from '../model';
import { job, makeSettings, status } from './fakeServer';

function model(routes: Parameters<typeof makeSettings>[0]) {
  const { settings, calls } = makeSettings(routes);
  return {
    model: new MlkitModel(new MlkitClient(settings), { standby: 'never' }),
    calls
  };
}

describe('MlkitModel', () => {
  it('reports a missing server extension plainly', async () => {
    const { model: m } = model({});
    const health = await m.checkServer();
    expect(health.kind).toBe('missing');
    expect((health as any).message).toContain('jupyter server extension list');
    m.dispose();
  });

  it('reports a version mismatch between panel and server', async () => {
    const { model: m } = model({
      'GET status': () => ({ status: 200, body: status('9.9.9') })
    });
    const health = await m.checkServer();
    expect(health.kind).toBe('mismatch');
    expect((health as any).message).toContain('9.9.9');
    m.dispose();
  });

  it('loads jobs and polls fast only while some are active', async () => {
    let jobs = [job({ state: 'running', progress: 0.5 })];
    const { model: m } = model({
      'GET status': () => ({ status: 200, body: status() }),
      'GET jobs': () => ({
        status: 200,
        body: { jobs, total: jobs.length, limit: 50, offset: 0 }
      })
    });
    let changes = 0;
    m.changed.connect(() => changes++);
    await m.refresh();
    expect(m.health.kind).toBe('ok');
    expect(m.jobs).toHaveLength(1);
    expect(m.hasActiveJobs).toBe(true);
    expect(m.poll.frequency.interval).toBe(FAST_INTERVAL);
    jobs = [job({ state: 'completed' })];
    await m.refresh();
    expect(m.hasActiveJobs).toBe(false);
    expect(m.poll.frequency.interval).toBe(SLOW_INTERVAL);
    expect(m.poll.frequency.backoff).toBe(true);
    expect(changes).toBeGreaterThanOrEqual(3);
    m.dispose();
  });

  it('adds a started job at the top of the list', async () => {
    const { model: m, calls } = model({
      'POST jobs': () => ({
        status: 201,
        body: job({ id: 'b'.repeat(32), state: 'queued' })
      })
    });
    const created = await m.startJob('profile', { path: 'x.csv' });
    expect(created.id).toBe('b'.repeat(32));
    expect(m.jobs[0].id).toBe('b'.repeat(32));
    expect(m.total).toBe(1);
    expect(calls[0].method).toBe('POST');
    m.dispose();
  });

  it('removes a deleted job', async () => {
    const { model: m } = model({
      'POST jobs': () => ({ status: 201, body: job() }),
      ['DELETE jobs/' + 'a'.repeat(32)]: () => ({ status: 204 })
    });
    await m.startJob('profile', { path: 'x.csv' });
    await m.deleteJob('a'.repeat(32));
    expect(m.jobs).toHaveLength(0);
    m.dispose();
  });
});
