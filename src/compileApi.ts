import { ServerConnection } from '@jupyterlab/services';

import { IJob, requestAPI } from './api';

/** Parameters of a compile-bench job: a zoo `model` or a training `script`. */
export interface ICompileBenchParams {
  model?: string;
  /** A training script inside the server root (instead of `model`). */
  script?: string;
  /** The script's command-line arguments. */
  args?: string[];
  framework?: 'torch' | 'keras';
  size?: 'tiny' | 'small' | 'default';
  objective?: 'speed' | 'memory' | 'balanced';
  budget_s?: number;
  candidates?: string[];
}

/** One measured candidate of a compile-bench result (milliseconds, MiB, seconds). */
export interface ICompileCandidate {
  name: string;
  status: 'ok' | 'failed' | 'rejected' | 'skipped' | string;
  step_ms: number | null;
  peak_mem_mb: number | null;
  compile_s: number | null;
  max_rel_loss_diff: number | null;
  /** ok, failed (rejected by the numerical check) or - (not run). */
  numerics: string;
  error: string | null;
}

/** The result of a completed compile-bench job. */
export interface ICompileBenchResult {
  model: string;
  framework: string;
  size: string;
  objective: string;
  strategy: string;
  reason: string;
  eager_step_ms: number | null;
  step_ms: number | null;
  speedup: number | null;
  peak_mem_eager_mb: number | null;
  peak_mem_mb: number | null;
  memory_saving: number | null;
  compile_s: number;
  break_even_steps: number | null;
  choose_s: number;
  wall_s: number;
  /** Seconds the search spent in trials of compiling candidates. */
  compile_total_s?: number;
  candidates: ICompileCandidate[];
  /** A script's path (for a script, `model` is the model's variable name). */
  script?: string;
  /** A script's every optimized model (the first is this row). */
  models?: ICompileBenchResult[];
}

/** The zoo's models per framework, its sizes and the objectives. */
export interface ICompileZoo {
  models: Record<string, string[]>;
  sizes: string[];
  frameworks: string[];
  objectives: string[];
}

/** Typed methods for the training-compiler routes (`compile/...`). */
export class CompileClient {
  constructor(readonly settings: ServerConnection.ISettings) {}

  zoo(): Promise<ICompileZoo> {
    return requestAPI<ICompileZoo>('compile/zoo', this.settings);
  }

  /** Create a compile-bench job directly (the panel goes through the model's startJob). */
  bench(params: ICompileBenchParams): Promise<IJob> {
    return requestAPI<IJob>('compile/bench', this.settings, {
      method: 'POST',
      body: JSON.stringify(params)
    });
  }
}
