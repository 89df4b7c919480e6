import { ServerConnection } from '@jupyterlab/services';

import { IJob, IStatus } from '../api';
import { FRONTEND_VERSION } from '../version';

/** Canned replies, keyed by "METHOD path", answered through a fake fetch. */
export type Route = (body: any) => {
  status: number;
  body?: unknown;
  text?: string;
};

export function makeSettings(routes: Record<string, Route>): {
  settings: ServerConnection.ISettings;
  calls: { method: string; path: string; body: any; headers: Headers }[];
} {
  const calls: { method: string; path: string; body: any; headers: Headers }[] =
    [];
  const fetchImpl = async (input: RequestInfo, init?: RequestInit) => {
    const request =
      input instanceof Request ? input : new Request(input as string, init);
    const url = new URL(request.url);
    // ServerConnection appends a cache-busting timestamp to GET URLs; drop it.
    const search = url.search.replace(/[?&]\d{10,}$/, '');
    const path = url.pathname.replace(/^\/base\/mlkit\/api\/v1\//, '') + search;
    const method = request.method;
    const text = await request.text();
    const body = text ? JSON.parse(text) : null;
    calls.push({ method, path, body, headers: request.headers });
    const route =
      routes[`${method} ${path}`] ?? routes[`${method} ${path.split('?')[0]}`];
    if (!route) {
      return new Response('<html>404: Not Found</html>', {
        status: 404,
        headers: { 'Content-Type': 'text/html' }
      });
    }
    const reply = route(body);
    const payload =
      reply.text ??
      (reply.body === undefined ? '' : JSON.stringify(reply.body));
    // A Response with status 204 may not carry a body, not even an empty string.
    return new Response(reply.status === 204 ? null : payload, {
      status: reply.status
    });
  };
  const settings = ServerConnection.makeSettings({
    baseUrl: 'http://localhost/base/',
    token: 'secret-token',
    fetch: fetchImpl as any,
    Request: Request as any,
    Headers: Headers as any
  });
  return { settings, calls };
}

export function status(version = FRONTEND_VERSION): IStatus {
  const cap = (built: boolean) => ({
    title: 't',
    built,
    wired: false,
    usable: built,
    reason: built ? 'ready' : 'not built yet in this version'
  });
  return {
    version,
    capabilities: {
      compiler: cap(false),
      spot: cap(false),
      lifecycle: cap(false),
      quality: cap(true),
      monitor: cap(false)
    },
    jobs: { running: 0, max_concurrent: 2, kinds: ['profile'] }
  };
}

export function job(overrides: Partial<IJob> = {}): IJob {
  return {
    id: 'a'.repeat(32),
    kind: 'profile',
    parameters: { path: '/root/data/sales.csv' },
    state: 'completed',
    progress: 1,
    message: 'completed',
    created_at: '2026-11-28T08:00:00+00:00',
    started_at: null,
    finished_at: null,
    log_path: null,
    result: {
      rows: 3,
      columns: [
        { name: 'qty', type: 'BIGINT', null_count: 1, min: '3', max: '7' }
      ]
    },
    artifacts: [],
    error: null,
    origin: 'api',
    parent_id: null,
    schedule_id: null,
    scheduled_for: null,
    ...overrides
  };
}
