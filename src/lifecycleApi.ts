import { ServerConnection } from '@jupyterlab/services';

import { requestAPI } from './api';

/** Typed client for the lifecycle routes (`mlkit/api/v1/lifecycle/...`). */

export type Hook = 'on-create' | 'on-start';

export interface IProblem {
  message: string;
  hook: 'on_create' | 'on_start' | null;
  line: number | null;
}

export interface ILifecycleConfig {
  name: string;
  version: number;
  latest_version: number;
  on_create: string | null;
  on_start: string | null;
  description: string;
  created_at: string;
  attached: boolean;
}

export interface IConfigList {
  server: string;
  attached: string | null;
  configs: ILifecycleConfig[];
}

export interface ITemplateParam {
  name: string;
  help: string;
  required: boolean;
  default: string;
  kind: 'str' | 'int' | 'bool';
  choices: string[];
}

export interface ITemplate {
  name: string;
  title: string;
  description: string;
  hook: Hook;
  params: ITemplateParam[];
}

export type RunStatus = 'running' | 'succeeded' | 'failed' | 'timed_out';

export interface IRun {
  id: number;
  config_name: string;
  version: number | null;
  hook: 'on_create' | 'on_start';
  server: string;
  log_stream: string;
  status: RunStatus;
  exit_code: number | null;
  timed_out: boolean;
  error: string | null;
  started_at: string;
  finished_at: string | null;
  duration_s: number | null;
}

export interface ILogChunk {
  text: string;
  offset: number;
  next_offset: number;
  size: number;
  eof: boolean;
}

export interface IIdleState {
  enabled: boolean;
  source: 'file' | 'config' | null;
  policy: {
    idle_seconds: number;
    action: string;
    ignore_connections: boolean;
  } | null;
  status: {
    idle: boolean;
    due: boolean;
    reason: string;
    seconds_left: number | null;
    deadline: string | null;
    postponed_until: string | null;
    busy: string[];
  } | null;
  last_action: string | null;
  last_error: string | null;
}

export interface ILifecycleStatus {
  server: string;
  attached: { config_name: string; attached_at: string } | null;
  last_runs: { on_create: IRun | null; on_start: IRun | null };
  failed_hooks: string[];
  startup: { state: string; error?: string | null; messages?: string[] };
  idle: IIdleState;
}

export interface IScripts {
  on_create?: string | null;
  on_start?: string | null;
  description?: string;
}

/** SageMaker notebook instances (`lifecycle/notebook-instances`). */
export type InstanceStatus =
  | 'Pending'
  | 'InService'
  | 'Stopping'
  | 'Stopped'
  | 'Failed'
  | 'Deleting'
  | 'Updating';

export interface IInstanceSchedule {
  text: string;
  days: string[];
  start: string;
  stop: string;
  tz: string;
}

export interface INotebookInstance {
  name: string;
  arn: string;
  status: InstanceStatus | null;
  instance_type: string | null;
  volume_size_gb: number | null;
  lifecycle_config: string | null;
  url: string | null;
  failure_reason: string | null;
  created_at: string | null;
  last_modified_at: string | null;
  schedule: IInstanceSchedule | null;
  scheduled_action: 'start' | 'stop' | null;
}

export interface IInstanceList {
  instances: INotebookInstance[];
  orphan_schedules: { instance: string; schedule: IInstanceSchedule }[];
  default_role: boolean;
}

export interface INewInstance {
  name: string;
  instance_type: string;
  volume_size_gb: number;
  lifecycle_config?: string | null;
  role_arn?: string;
}

const json = (method: string, body?: unknown): RequestInit => ({
  method,
  body: body === undefined ? undefined : JSON.stringify(body)
});

export class LifecycleClient {
  constructor(readonly settings: ServerConnection.ISettings) {}

  private req<T>(path: string, init: RequestInit = {}): Promise<T> {
    return requestAPI<T>(`lifecycle/${path}`, this.settings, init);
  }

  status(): Promise<ILifecycleStatus> {
    return this.req('status');
  }

  listConfigs(): Promise<IConfigList> {
    return this.req('configs');
  }

  getConfig(name: string): Promise<ILifecycleConfig> {
    return this.req(`configs/${encodeURIComponent(name)}`);
  }

  createConfig(name: string, scripts: IScripts): Promise<ILifecycleConfig> {
    return this.req('configs', json('POST', { name, ...scripts }));
  }

  updateConfig(name: string, scripts: IScripts): Promise<ILifecycleConfig> {
    return this.req(
      `configs/${encodeURIComponent(name)}`,
      json('PUT', scripts)
    );
  }

  async deleteConfig(name: string, force = false): Promise<void> {
    await this.req(
      `configs/${encodeURIComponent(name)}${force ? '?force=true' : ''}`,
      { method: 'DELETE' }
    );
  }

  validate(
    scripts: IScripts & { name?: string }
  ): Promise<{ valid: boolean; problems: IProblem[] }> {
    return this.req('validate', json('POST', scripts));
  }

  templates(): Promise<{ templates: ITemplate[] }> {
    return this.req('templates');
  }

  render(
    template: string,
    params: Record<string, string>
  ): Promise<{ template: string; hook: Hook; script: string }> {
    return this.req(
      `templates/${encodeURIComponent(template)}/render`,
      json('POST', { params })
    );
  }

  attach(name: string): Promise<{ server: string; message: string }> {
    return this.req('attachment', json('PUT', { name }));
  }

  detach(): Promise<{ server: string; detached: boolean }> {
    return this.req('attachment', { method: 'DELETE' });
  }

  runNow(name: string, hook: Hook): Promise<IRun> {
    return this.req(
      `configs/${encodeURIComponent(name)}/run`,
      json('POST', { hook })
    );
  }

  runs(name?: string, limit = 20): Promise<{ runs: IRun[] }> {
    const params = new URLSearchParams({ limit: String(limit) });
    if (name) {
      params.set('name', name);
    }
    return this.req(`runs?${params.toString()}`);
  }

  runLog(id: number, offset = 0): Promise<ILogChunk> {
    return this.req(`runs/${id}/log?offset=${offset}`);
  }

  idle(): Promise<IIdleState> {
    return this.req('idle');
  }

  postpone(seconds: number): Promise<IIdleState> {
    return this.req('idle/postpone', json('POST', { seconds }));
  }

  listInstances(): Promise<IInstanceList> {
    return this.req('notebook-instances');
  }

  createInstance(body: INewInstance): Promise<{
    instance: INotebookInstance;
    published: { action: string; arn: string } | null;
  }> {
    return this.req('notebook-instances', json('POST', body));
  }

  startInstance(name: string): Promise<INotebookInstance> {
    return this.req(
      `notebook-instances/${encodeURIComponent(name)}/start`,
      json('POST', {})
    );
  }

  stopInstance(name: string): Promise<INotebookInstance> {
    return this.req(
      `notebook-instances/${encodeURIComponent(name)}/stop`,
      json('POST', {})
    );
  }

  async deleteInstance(name: string): Promise<void> {
    await this.req(`notebook-instances/${encodeURIComponent(name)}`, {
      method: 'DELETE'
    });
  }

  setSchedule(name: string, schedule: string): Promise<INotebookInstance> {
    return this.req(
      `notebook-instances/${encodeURIComponent(name)}/schedule`,
      json('PUT', { schedule })
    );
  }

  async deleteSchedule(name: string): Promise<void> {
    await this.req(`notebook-instances/${encodeURIComponent(name)}/schedule`, {
      method: 'DELETE'
    });
  }
}
