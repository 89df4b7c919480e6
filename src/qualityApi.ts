import { ServerConnection } from '@jupyterlab/services';

import { IJob, requestAPI } from './api';

/** A DQDL syntax error; line and column are 1-based. */
export interface IDqdlError {
  line: number;
  column: number;
  message: string;
}

export interface IDqdlValidation {
  ok: boolean;
  errors: IDqdlError[];
  rules?: number;
  analyzers?: number;
}

export interface IRuleType {
  name: string;
  parameters: string[];
  returns: string;
  where: boolean;
  threshold: boolean;
  analyzer_only: boolean;
}

export interface IRuleTypes {
  rule_types: IRuleType[];
  keywords: string[];
}

export interface IHistoryRun {
  run_id: string;
  recorded_at: string;
  score: number | null;
}

export interface IDqHistory {
  dataset: string;
  ruleset: string | null;
  runs: IHistoryRun[];
  metric_names: string[];
  metrics: Record<string, { recorded_at: string; value: number }[]>;
}

export type DqOutcome = 'Passed' | 'Failed' | 'Error';

/** One rule's outcome in a dq-run job's result. */
export interface IDqRuleResult {
  name: string;
  rule: string;
  outcome: DqOutcome;
  message: string;
  metrics: Record<string, number>;
  evaluated_rule: string;
  failing_rows: number | null;
}

/** The result of a dq-run job. */
export interface IDqSummary {
  result_id: string;
  dataset: string | null;
  score: number;
  passed: number;
  failed: number;
  errors: number;
  exit_code: number;
  rules: IDqRuleResult[];
  failing_rows?: number;
  failing_rows_path?: string;
  /** The first failing rows, with their DataQualityRulesFail list. */
  failing_rows_preview?: Record<string, unknown>[];
  result_path?: string;
}

/** Parameters of a dq-run job. */
export interface IDqRunParams {
  rules?: string;
  rules_path?: string;
  data: string;
  references?: Record<string, string>;
  row_level?: boolean;
  dataset_name?: string;
  ruleset_name?: string;
}

/** Typed methods for the data-quality routes (`quality/...`). */
export class QualityClient {
  constructor(readonly settings: ServerConnection.ISettings) {}

  validate(text: string): Promise<IDqdlValidation> {
    return requestAPI<IDqdlValidation>('quality/validate', this.settings, {
      method: 'POST',
      body: JSON.stringify({ text })
    });
  }

  run(params: IDqRunParams): Promise<IJob> {
    return requestAPI<IJob>('quality/run', this.settings, {
      method: 'POST',
      body: JSON.stringify(params)
    });
  }

  recommend(data: string): Promise<IJob> {
    return requestAPI<IJob>('quality/recommend', this.settings, {
      method: 'POST',
      body: JSON.stringify({ data })
    });
  }

  history(
    dataset: string,
    options: { ruleset?: string; metric?: string; limit?: number } = {}
  ): Promise<IDqHistory> {
    const params = new URLSearchParams({ dataset });
    Object.entries(options).forEach(([key, value]) => {
      if (value !== undefined && value !== '') {
        params.set(key, String(value));
      }
    });
    return requestAPI<IDqHistory>(
      `quality/history?${params.toString()}`,
      this.settings
    );
  }

  ruleTypes(): Promise<IRuleTypes> {
    return requestAPI<IRuleTypes>('quality/rule-types', this.settings);
  }
}
