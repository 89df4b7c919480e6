import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

import { ApiError, FINAL_STATES, IJob, IStatus, MlkitClient } from './api';
import { FRONTEND_VERSION } from './version';

/** What the panel says about the server part. */
export type ServerHealth =
  | { kind: 'unknown' }
  | { kind: 'ok'; status: IStatus }
  | { kind: 'missing'; message: string }
  | { kind: 'mismatch'; status: IStatus; message: string }
  | { kind: 'error'; message: string };

export const FAST_INTERVAL = 1000;
export const SLOW_INTERVAL = 10000;
/** The Jobs list starts with the newest PAGE_SIZE jobs; "Show older" adds as many again. */
export const PAGE_SIZE = 50;

/**
 * The panel's state: server health and the jobs list, refreshed by a Poll that backs off on
 * errors, stands by while the panel is hidden, and polls fast only while jobs are active.
 */
export class MlkitModel {
  constructor(
    readonly client: MlkitClient,
    options: { standby?: Poll.Standby | (() => boolean | Poll.Standby) } = {}
  ) {
    this._poll = new Poll({
      auto: false,
      factory: () => this.refresh(),
      frequency: { interval: SLOW_INTERVAL, backoff: true, max: 300000 },
      name: 'jupyter-mlkit:jobs',
      standby: options.standby ?? 'when-hidden'
    });
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get health(): ServerHealth {
    return this._health;
  }

  get jobs(): IJob[] {
    return this._jobs;
  }

  get total(): number {
    return this._total;
  }

  /** How many of the newest jobs the list holds (it grows with showMore). */
  get limit(): number {
    return this._limit;
  }

  /** Hold PAGE_SIZE more of the older jobs in the list, and fetch them now. */
  async showMore(): Promise<void> {
    this._limit += PAGE_SIZE;
    await this.refresh();
  }

  get hasActiveJobs(): boolean {
    return this._jobs.some(job => !FINAL_STATES.includes(job.state));
  }

  get poll(): Poll {
    return this._poll;
  }

  start(): Promise<void> {
    return this._poll.start();
  }

  /** Fetch status (once, until it is known) and the jobs list. */
  async refresh(): Promise<void> {
    if (this._health.kind !== 'ok' && this._health.kind !== 'mismatch') {
      await this.checkServer();
    }
    if (this._health.kind === 'missing') {
      return;
    }
    try {
      const list = await this.client.listJobs({ limit: this._limit });
      this._jobs = list.jobs;
      this._total = list.total;
    } catch (error) {
      this._changed.emit();
      throw error;
    }
    this._adjustFrequency();
    this._changed.emit();
  }

  async checkServer(): Promise<ServerHealth> {
    try {
      const status = await this.client.status();
      if (status.version !== FRONTEND_VERSION) {
        this._health = {
          kind: 'mismatch',
          status,
          message:
            `The server extension is version ${status.version} but this panel is ` +
            `${FRONTEND_VERSION}. Reinstall jupyter_mlkit and restart JupyterLab.`
        };
      } else {
        this._health = { kind: 'ok', status };
      }
    } catch (error) {
      if (error instanceof ApiError && error.missingExtension) {
        this._health = {
          kind: 'missing',
          message:
            'The jupyter_mlkit server extension is not running. Check ' +
            '`jupyter server extension list`, then restart JupyterLab.'
        };
      } else {
        this._health = {
          kind: 'error',
          message: String((error as Error).message)
        };
      }
    }
    this._changed.emit();
    return this._health;
  }

  async startJob(
    kind: string,
    parameters: Record<string, unknown>
  ): Promise<IJob> {
    const job = await this.client.createJob(kind, parameters);
    this._jobs = [job, ...this._jobs.filter(j => j.id !== job.id)];
    this._total += 1;
    this._adjustFrequency();
    this._changed.emit();
    return job;
  }

  async cancelJob(id: string): Promise<void> {
    await this.client.cancelJob(id);
    await this._poll.refresh();
  }

  /** Run a finished job again (a new job with the same kind and parameters). */
  async rerunJob(id: string): Promise<IJob> {
    const job = await this.client.rerunJob(id);
    this._jobs = [job, ...this._jobs.filter(j => j.id !== job.id)];
    this._total += 1;
    this._adjustFrequency();
    this._changed.emit();
    return job;
  }

  /** The last lines of a job's log. */
  async jobLog(id: string, lines = 200): Promise<string> {
    return (await this.client.jobLog(id, lines)).log;
  }

  async deleteJob(id: string): Promise<void> {
    await this.client.deleteJob(id);
    this._jobs = this._jobs.filter(j => j.id !== id);
    this._total = Math.max(0, this._total - 1);
    this._changed.emit();
  }

  dispose(): void {
    this._poll.dispose();
    Signal.clearData(this);
  }

  private _adjustFrequency(): void {
    const interval = this.hasActiveJobs ? FAST_INTERVAL : SLOW_INTERVAL;
    if (this._poll.frequency.interval !== interval) {
      this._poll.frequency = { ...this._poll.frequency, interval };
    }
  }

  private _poll: Poll;
  private _changed = new Signal<this, void>(this);
  private _health: ServerHealth = { kind: 'unknown' };
  private _jobs: IJob[] = [];
  private _total = 0;
  private _limit = PAGE_SIZE;
}
