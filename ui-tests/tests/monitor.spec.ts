import { expect, test } from '@jupyterlab/galata';

// x moves by 100 in the current window (half its range leaves the baseline's), y and c stay.
function csv(shift: number): string {
  const lines = ['x,y,c'];
  for (let i = 0; i < 200; i++) {
    lines.push(`${i + shift},${i % 10},${i % 2 ? 'b' : 'a'}`);
  }
  return lines.join('\n') + '\n';
}

test.describe('Monitor panel', () => {
  test('computes a baseline, analyzes a shifted file and flags the drifted feature', async ({
    page,
    tmpPath
  }) => {
    await page.contents.uploadContent(csv(0), 'text', `${tmpPath}/train.csv`);
    await page.contents.uploadContent(csv(100), 'text', `${tmpPath}/today.csv`);
    await page.getByRole('tab', { name: 'ML Kit' }).click();
    const panel = page.locator('#jp-mlkit-panel');
    const section = panel.locator('details[data-capability="monitor"]');
    await section.locator('summary').click();
    await expect(section.locator('.jp-mlkit-cap-note')).toHaveText('Ready.');

    await section
      .getByPlaceholder('data/train.csv')
      .fill(`${tmpPath}/train.csv`);
    await section
      .getByPlaceholder('data/today.csv')
      .fill(`${tmpPath}/today.csv`);
    await section.getByPlaceholder('monitor', { exact: true }).fill('ui-drift');
    await section.getByRole('button', { name: 'Run monitor' }).click();

    const summary = section.locator('.jp-mlkit-mon-summary');
    await expect(summary).toHaveText(
      '1 of 3 features drifted, 1 violations (200 rows)',
      { timeout: 90000 }
    );
    const drifted = section.locator('g:has(rect.jp-mlkit-mon-drifted)');
    await expect(drifted).toHaveCount(1);
    await expect(drifted).toHaveAttribute('data-feature', 'x');
    await expect(
      section.locator('.jp-mlkit-mon-violations tbody tr')
    ).toContainText('baseline_drift_check');
    await expect(section.locator('.jp-mlkit-mon-history tbody tr')).toHaveCount(
      1
    );
    // The most drifted feature's distribution is shown first.
    await expect(section.getByLabel('Feature distribution')).toHaveValue('x');
    await expect(
      section.locator('rect.jp-mlkit-mon-dist-current')
    ).not.toHaveCount(0);
    // Both jobs are in the Jobs list.
    const jobs = panel.locator('.jp-mlkit-jobs-section');
    await expect(jobs).toContainText('monitor-baseline');
    await expect(jobs).toContainText('monitor-analyze');
    await page.screenshot({ path: 'test-results/monitor-panel.png' });
  });

  test('checks model quality of a scored file', async ({ page, tmpPath }) => {
    // 8 rows, 6 predicted right: accuracy 0.75
    const scored = [
      'prediction,label',
      '1,1',
      '0,0',
      '1,1',
      '0,0',
      '1,0',
      '0,1',
      '1,1',
      '0,0'
    ];
    await page.contents.uploadContent(
      scored.join('\n') + '\n',
      'text',
      `${tmpPath}/scored.csv`
    );
    await page.getByRole('tab', { name: 'ML Kit' }).click();
    const section = page.locator('details[data-capability="monitor"]');
    await section.locator('summary').click();
    await section
      .getByPlaceholder('data/scored.csv')
      .fill(`${tmpPath}/scored.csv`);
    await section.getByRole('button', { name: 'Check model quality' }).click();
    await expect(section.locator('.jp-mlkit-mq-summary')).toContainText(
      'BinaryClassification, 8 rows',
      { timeout: 90000 }
    );
    await expect(
      section.locator('.jp-mlkit-mq-metrics tr', { hasText: /^accuracy\d/ })
    ).toHaveText('accuracy0.7500');
  });
});
