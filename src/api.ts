import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/** Route prefix of the server extension's REST API. */
export const API_PREFIX = 'mlkit/api/v1';

export type JobState =
  'queued' | 'running' | 'completed' | 'failed' | 'cancelled' | 'interrupted';

export const FINAL_STATES: JobState[] = [
  'completed',
  'failed',
  'cancelled',
  'interrupted'
];

export interface IErrorBody {
  code: string;
  message: string;
  details?: unknown;
}

export interface IJob {
  id: string;
  kind: string;
  parameters: Record<string, unknown>;
  state: JobState;
  progress: number;
  message: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  log_path: string | null;
  result: any;
  artifacts: string[];
  error: IErrorBody | null;
  origin: string;
  parent_id: string | null;
  schedule_id: string | null;
  scheduled_for: string | null;
}

export interface IJobList {
  jobs: IJob[];
  total: number;
  limit: number;
  offset: number;
}

export interface ICapability {
  title: string;
  built: boolean;
  wired: boolean;
  usable: boolean;
  reason: string;
  engines?: string[];
}

export interface IStatus {
  version: string;
  capabilities: Record<string, ICapability>;
  jobs: { running: number; max_concurrent: number; kinds: string[] };
  database?: string;
}

/**
 * An error answered by the server (or the network), with the server's code and message.
 * `missingExtension` is true when the route does not exist: the server part is not installed.
 */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly details?: unknown
  ) {
    super(message);
    this.name = 'ApiError';
  }

  get missingExtension(): boolean {
    return this.status === 404 && this.code === 'route_not_found';
  }
}

/**
 * The one place the frontend talks to the server: adds token and XSRF through
 * ServerConnection.makeRequest and turns error replies into ApiError.
 */
export async function requestAPI<T>(
  endPoint: string,
  settings: ServerConnection.ISettings,
  init: RequestInit = {}
): Promise<T> {
  const url = URLExt.join(settings.baseUrl, API_PREFIX, endPoint);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch (error) {
    throw new ApiError(
      `cannot reach the Jupyter server: ${String(error)}`,
      0,
      'network_error'
    );
  }
  const text = await response.text();
  let data: any = null;
  if (text.length > 0) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!response.ok) {
    if (data && data.error) {
      throw new ApiError(
        data.error.message,
        response.status,
        data.error.code,
        data.error.details
      );
    }
    if (response.status === 404) {
      // An HTML 404 page: the route is unknown, so the server extension is absent.
      throw new ApiError(
        'the jupyter_mlkit server extension is not installed or not enabled',
        404,
        'route_not_found'
      );
    }
    throw new ApiError(
      `${response.status} ${response.statusText}: ${text.slice(0, 200)}`,
      response.status,
      'http_error'
    );
  }
  return data as T;
}

/** Typed methods for every route the panel uses. */
export class MlkitClient {
  constructor(readonly settings: ServerConnection.ISettings) {}

  status(): Promise<IStatus> {
    return requestAPI<IStatus>('status', this.settings);
  }

  listJobs(
    query: {
      kind?: string;
      state?: JobState;
      limit?: number;
      offset?: number;
    } = {}
  ): Promise<IJobList> {
    const params = new URLSearchParams();
    Object.entries(query).forEach(([key, value]) => {
      if (value !== undefined) {
        params.set(key, String(value));
      }
    });
    const suffix = params.toString() ? `?${params.toString()}` : '';
    return requestAPI<IJobList>(`jobs${suffix}`, this.settings);
  }

  getJob(id: string): Promise<IJob> {
    return requestAPI<IJob>(`jobs/${id}`, this.settings);
  }

  createJob(kind: string, parameters: Record<string, unknown>): Promise<IJob> {
    return requestAPI<IJob>('jobs', this.settings, {
      method: 'POST',
      body: JSON.stringify({ kind, parameters })
    });
  }

  cancelJob(id: string): Promise<IJob> {
    return requestAPI<IJob>(`jobs/${id}/cancel`, this.settings, {
      method: 'POST'
    });
  }

  rerunJob(id: string): Promise<IJob> {
    return requestAPI<IJob>(`jobs/${id}/rerun`, this.settings, {
      method: 'POST'
    });
  }

  async deleteJob(id: string): Promise<void> {
    await requestAPI<null>(`jobs/${id}`, this.settings, { method: 'DELETE' });
  }

  jobLog(id: string, lines = 200): Promise<{ job_id: string; log: string }> {
    return requestAPI(`jobs/${id}/log?lines=${lines}`, this.settings);
  }
}
