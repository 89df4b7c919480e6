import { act, fireEvent, render, screen } from '@testing-library/react';
import * as React from 'react';

import { IJob } from '../api';
import {
  formatMetric,
  IModelQualitySummary,
  ModelQuality,
  ModelQualityResults
} from '../components/ModelQuality';
import { job } from './fakeServer';

const CHECKED: IModelQualitySummary = {
  problem_type: 'BinaryClassification',
  rows: 120,
  metrics: { accuracy: 0.7166666666666667, recall: 0.5, true_positives: 30 },
  violations: [
    {
      metric_name: 'accuracy',
      constraint_check_type: 'LessThanThreshold',
      description:
        "Metric accuracy with 0.71 +/- 0.0 was LessThanThreshold '0.8'"
    }
  ],
  violation_count: 1,
  out: null
};

function qualityJob(overrides: Partial<IJob> = {}): IJob {
  return job({
    id: 'q'.repeat(32),
    kind: 'monitor-quality',
    parameters: { data: 'scored.csv', problem_type: 'BinaryClassification' },
    result: CHECKED as unknown as IJob['result'],
    ...overrides
  });
}

describe('formatMetric', () => {
  it('keeps counts whole, rounds ratios, and shows a dash for missing', () => {
    expect(formatMetric(30)).toBe('30');
    expect(formatMetric(0.7166666666666667)).toBe('0.7167');
    expect(formatMetric(null)).toBe('–');
    expect(formatMetric(NaN)).toBe('–');
  });
});

describe('ModelQualityResults', () => {
  it('shows every metric and the violations', () => {
    const { container } = render(<ModelQualityResults job={qualityJob()} />);
    expect(container.textContent).toContain(
      'BinaryClassification, 120 rows: 1 violations'
    );
    const rows = container.querySelectorAll('.jp-mlkit-mq-metrics tr');
    expect(Array.from(rows).map(r => r.textContent)).toEqual([
      'accuracy0.7167',
      'recall0.5000',
      'true_positives30'
    ]);
    expect(
      container.querySelector('li[data-check="LessThanThreshold"]')?.textContent
    ).toContain('accuracy');
  });

  it('says constraints were suggested when none were given', () => {
    const suggested = { ...CHECKED, violations: null, violation_count: 0 };
    const { container } = render(
      <ModelQualityResults
        job={qualityJob({ result: suggested as unknown as IJob['result'] })}
      />
    );
    expect(container.textContent).toContain('constraints suggested');
    expect(container.querySelector('.jp-mlkit-mq-violations')).toBeNull();
  });

  it('shows progress, then the error of a failed job', () => {
    const { container, rerender } = render(
      <ModelQualityResults
        job={qualityJob({
          state: 'running',
          result: null,
          message: 'reading predictions'
        })}
      />
    );
    expect(container.textContent).toBe('running: reading predictions');
    rerender(
      <ModelQualityResults
        job={qualityJob({
          state: 'failed',
          result: null,
          error: {
            code: 'invalid_parameter',
            message: "column 'prediction' is not in the data",
            details: { field: 'inference_attribute' }
          }
        })}
      />
    );
    expect(container.textContent).toContain(
      "column 'prediction' is not in the data"
    );
  });
});

describe('ModelQuality', () => {
  it('starts a monitor-quality job with the form fields, trimmed', async () => {
    const onStart = jest.fn().mockResolvedValue(qualityJob());
    render(<ModelQuality jobs={[]} onStart={onStart} />);
    const button = screen.getByText('Check model quality') as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    fireEvent.change(screen.getByPlaceholderText('data/scored.csv'), {
      target: { value: ' scored.csv ' }
    });
    fireEvent.change(screen.getByPlaceholderText('probability'), {
      target: { value: 'p' }
    });
    fireEvent.change(
      screen.getByPlaceholderText('monitor/quality/constraints.json'),
      { target: { value: 'mq/constraints.json' } }
    );
    await act(async () => {
      fireEvent.click(button);
    });
    expect(onStart).toHaveBeenCalledWith('monitor-quality', {
      data: 'scored.csv',
      problem_type: 'BinaryClassification',
      inference_attribute: 'prediction',
      ground_truth_attribute: 'label',
      probability_attribute: 'p',
      constraints: 'mq/constraints.json'
    });
  });

  it('has no probability column for regression, and shows a refused request', async () => {
    const onStart = jest
      .fn()
      .mockRejectedValue(new Error("'data': no such file: scored.csv"));
    const { container } = render(<ModelQuality jobs={[]} onStart={onStart} />);
    fireEvent.change(screen.getByRole('combobox'), {
      target: { value: 'Regression' }
    });
    expect(screen.queryByPlaceholderText('probability')).toBeNull();
    fireEvent.change(screen.getByPlaceholderText('data/scored.csv'), {
      target: { value: 'scored.csv' }
    });
    await act(async () => {
      fireEvent.click(screen.getByText('Check model quality'));
    });
    expect(onStart.mock.calls[0][1]).toEqual({
      data: 'scored.csv',
      problem_type: 'Regression',
      inference_attribute: 'prediction',
      ground_truth_attribute: 'label'
    });
    expect(screen.getByRole('alert').textContent).toBe(
      "'data': no such file: scored.csv"
    );
    expect(container.querySelector('.jp-mlkit-mq-result')).toBeNull();
  });

  it('shows the newest monitor-quality job among the panel jobs', () => {
    const other = job({ kind: 'profile' });
    const { container } = render(
      <ModelQuality jobs={[other, qualityJob()]} onStart={jest.fn()} />
    );
    expect(container.querySelectorAll('.jp-mlkit-mq-metrics tr')).toHaveLength(
      3
    );
  });
});
