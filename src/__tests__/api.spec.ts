import { ApiError, MlkitClient } from '../api';
import { job, makeSettings, status } from './fakeServer';

import { FRONTEND_VERSION } from '../version';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const pkg = (globalThis as any).require
  ? (globalThis as any).require('../../package.json')
  : jest.requireActual('../../package.json');

describe('MlkitClient', () => {
  it('sends the token and joins the base URL and API prefix', async () => {
    const { settings, calls } = makeSettings({
      'GET status': () => ({ status: 200, body: status() })
    });
    const client = new MlkitClient(settings);
    const got = await client.status();
    expect(got.version).toBe(FRONTEND_VERSION);
    expect(calls).toHaveLength(1);
    expect(calls[0].path).toBe('status');
    expect(calls[0].headers.get('Authorization')).toBe('token secret-token');
  });

  it('posts a job as JSON and returns the created job', async () => {
    const { settings, calls } = makeSettings({
      'POST jobs': body => ({
        status: 201,
        body: job({ parameters: body.parameters })
      })
    });
    const created = await new MlkitClient(settings).createJob('profile', {
      path: 'x.csv'
    });
    expect(calls[0].body).toEqual({
      kind: 'profile',
      parameters: { path: 'x.csv' }
    });
    expect(created.parameters).toEqual({ path: 'x.csv' });
  });

  it('puts list filters in the query string', async () => {
    const { settings, calls } = makeSettings({
      'GET jobs': () => ({
        status: 200,
        body: { jobs: [], total: 0, limit: 5, offset: 0 }
      })
    });
    await new MlkitClient(settings).listJobs({
      kind: 'profile',
      state: 'running',
      limit: 5
    });
    expect(calls[0].path).toBe('jobs?kind=profile&state=running&limit=5');
  });

  it('turns a JSON error reply into an ApiError with code and message', async () => {
    const { settings } = makeSettings({
      'POST jobs': () => ({
        status: 403,
        body: {
          error: {
            code: 'path_outside_root',
            message: 'outside root',
            details: null
          }
        }
      })
    });
    const error = await new MlkitClient(settings)
      .createJob('profile', {})
      .catch(e => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(403);
    expect(error.code).toBe('path_outside_root');
    expect(error.message).toBe('outside root');
    expect(error.missingExtension).toBe(false);
  });

  it('recognises an HTML 404 as a missing server extension', async () => {
    const { settings } = makeSettings({});
    const error = await new MlkitClient(settings).status().catch(e => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.missingExtension).toBe(true);
  });

  it('keeps FRONTEND_VERSION equal to package.json', () => {
    expect(FRONTEND_VERSION).toBe(pkg.version);
  });
});
