import { ServerConnection } from '@jupyterlab/services';

import { IJob, requestAPI } from './api';

/** Parameters of a monitor-baseline job. */
export interface IMonitorBaselineParams {
  data: string;
  out: string;
  dataset_format?: string;
}

/** Parameters of a monitor-analyze job (and of a monitoring schedule). */
export interface IMonitorAnalyzeParams {
  data: string;
  baseline: string;
  name?: string;
  out?: string;
  config?: Record<string, unknown>;
}

/** Parameters of a monitor-quality job. */
export interface IMonitorQualityParams {
  data: string;
  problem_type:
    'Regression' | 'BinaryClassification' | 'MulticlassClassification';
  inference_attribute?: string;
  ground_truth_attribute?: string;
  probability_attribute?: string;
  constraints?: string;
  out?: string;
}

export interface IViolation {
  feature_name?: string;
  metric_name?: string;
  constraint_check_type: string;
  description: string;
}

export interface IFeatureDrift {
  feature: string;
  method: string;
  /** null when it could not be computed (e.g. an empty column). */
  distance: number | null;
  threshold: number;
  drifted: boolean;
}

/** The result of a completed monitor-analyze job. */
export interface IDriftSummary {
  status: 'Completed' | 'CompletedWithViolations';
  rows: number;
  violation_count: number;
  violations: IViolation[];
  drift: IFeatureDrift[];
  drifted: string[];
  name: string;
  run_id: number;
  output_dir: string;
}

export interface IMonitorRun {
  id: number;
  name: string;
  created: string;
  status: string;
  violations: number;
  drifted: number;
  rows: number;
  metrics: { drift: Record<string, number | null> };
  output_dir: string | null;
}

export interface IMonitorHistory {
  name: string;
  /** Oldest first. */
  runs: IMonitorRun[];
}

export interface IMonitorPlots {
  job_id: string;
  name: string | null;
  drift: Record<string, unknown>;
  features: Record<string, Record<string, unknown>>;
  drifted: string[];
}

/** Typed methods for the model-monitor routes (`monitor/...`). */
export class MonitorClient {
  constructor(readonly settings: ServerConnection.ISettings) {}

  baseline(params: IMonitorBaselineParams): Promise<IJob> {
    return this._post('monitor/baseline', params);
  }

  analyze(params: IMonitorAnalyzeParams): Promise<IJob> {
    return this._post('monitor/analyze', params);
  }

  quality(params: IMonitorQualityParams): Promise<IJob> {
    return this._post('monitor/quality', params);
  }

  history(name: string, limit?: number): Promise<IMonitorHistory> {
    const params = new URLSearchParams({ name });
    if (limit !== undefined) {
      params.set('limit', String(limit));
    }
    return requestAPI<IMonitorHistory>(
      `monitor/history?${params.toString()}`,
      this.settings
    );
  }

  plots(jobId: string): Promise<IMonitorPlots> {
    return requestAPI<IMonitorPlots>(`monitor/plots/${jobId}`, this.settings);
  }

  private _post(path: string, body: object): Promise<IJob> {
    return requestAPI<IJob>(path, this.settings, {
      method: 'POST',
      body: JSON.stringify(body)
    });
  }
}
