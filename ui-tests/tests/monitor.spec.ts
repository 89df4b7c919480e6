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

    await section.getByPlaceholder('data/train.csv').fill(`${tmpPath}/train.csv`);
    await section.getByPlaceholder('data/today.csv').fill(`${tmpPath}/today.csv`);
    await section.getByPlaceholder('monitor').fill('ui-drift');
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
    await expect(
      section.locator('.jp-mlkit-mon-history tbody tr')
    ).toHaveCount(1);
    // Both jobs are in the Jobs list.
    const jobs = panel.locator('.jp-mlkit-jobs-section');
    await expect(jobs).toContainText('monitor-baseline');
    await expect(jobs).toContainText('monitor-analyze');
    await page.screenshot({ path: 'test-results/monitor-panel.png' });
  });
});
