import { ServerConnection } from '@jupyterlab/services';

import { IJob, requestAPI } from './api';

export type SpotMode = 'notice' | 'kill' | 'mixed';

/** Parameters of a spot-run job. */
export interface ISpotRunParams {
  /** e.g. ['python', 'train.py', '--steps', '400']; the script inside the server root. */
  command: string[];
  /** A folder inside the server root, or s3://bucket/prefix. */
  checkpoint_uri: string;
  max_run_s?: number;
  max_wait_s?: number;
  notice_s?: number;
  simulate_interruptions?: number;
  seed?: number;
  mode?: SpotMode;
  instance_type?: string;
  nproc?: number;
  wait_time_scale?: number;
}

/** One supervisor event; `type` says which fields it carries. */
export interface ISpotEvent {
  type: string;
  /** transition */
  Status?: string;
  StartTime?: number;
  StatusMessage?: string;
  /** interruption */
  attempt?: number;
  mode?: string;
  step?: number | null;
  durable_step?: number | null;
  lost_work_s?: number;
  capacity_wait_s?: number;
  saved_on_notice?: boolean;
  /** metric */
  loss?: number;
  [key: string]: unknown;
}

export interface ISpotEvents {
  job_id: string;
  state: string;
  events: ISpotEvent[];
  offset: number;
  /** Pass as `offset` to read what follows. */
  next_offset: number;
  /** The job has ended and every event was read. */
  done: boolean;
}

/** The result of a completed spot-run job (SpotJobResult fields). */
export interface ISpotResult {
  status: string;
  secondary_status: string;
  interruptions: ISpotEvent[];
  training_s: number;
  billable_s: number;
  savings_pct: number;
  lost_work_s: number;
  waited_s: number;
  cost_usd: number;
  on_demand_cost_usd: number;
  attempts: number;
  final_step: number | null;
  fell_back_to_on_demand: boolean;
  summary: string;
}

export interface ISpotPrices {
  as_of: string;
  region: string;
  currency: string;
  source: string;
  instances: Record<string, { on_demand: number; spot: number; gpus: number }>;
}

/** One (instance type, availability zone) from the spot price history. */
export interface ISpotPlacementChoice {
  instance_type: string;
  az: string;
  mean_price: number;
  min_price: number;
  max_price: number;
  samples: number;
}

/** Where and when spot has been cheapest (GET spot/placement). */
export interface ISpotPlacement {
  cheapest: ISpotPlacementChoice;
  by_choice: ISpotPlacementChoice[];
  cheapest_hours_utc: number[];
  records: number;
  instance_types: string[];
  region: string;
  days: number;
  /** Types asked about that have no price history. */
  missing_types: string[];
}

/** Typed methods for the spot routes (`spot/...`). */
export class SpotClient {
  constructor(readonly settings: ServerConnection.ISettings) {}

  run(params: ISpotRunParams): Promise<IJob> {
    return requestAPI<IJob>('spot/run', this.settings, {
      method: 'POST',
      body: JSON.stringify(params)
    });
  }

  events(jobId: string, offset = 0): Promise<ISpotEvents> {
    return requestAPI<ISpotEvents>(
      `spot/events/${jobId}?offset=${offset}`,
      this.settings
    );
  }

  prices(): Promise<ISpotPrices> {
    return requestAPI<ISpotPrices>('spot/prices', this.settings);
  }

  placement(
    instanceTypes: string[],
    options: { region?: string; days?: number } = {}
  ): Promise<ISpotPlacement> {
    const query = new URLSearchParams({
      instance_types: instanceTypes.join(',')
    });
    if (options.region) {
      query.set('region', options.region);
    }
    if (options.days !== undefined) {
      query.set('days', String(options.days));
    }
    return requestAPI<ISpotPlacement>(
      `spot/placement?${query.toString()}`,
      this.settings
    );
  }
}
