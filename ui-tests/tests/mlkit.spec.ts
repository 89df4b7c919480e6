import { expect, test } from '@jupyterlab/galata';

const CSV = 'region,qty,price\nnorth,3,1.5\nsouth,,2.0\nnorth,7,\n';

test.describe('ML Kit panel', () => {
  test('activates once and shows every capability section', async ({
    page
  }) => {
    await page.getByRole('tab', { name: 'ML Kit' }).click();
    const panel = page.locator('#jp-mlkit-panel');
    await expect(panel.getByRole('heading', { name: 'ML Kit' })).toBeVisible();
    for (const title of [
      'Compile',
      'Spot training',
      'Lifecycle',
      'Data quality',
      'Monitor'
    ]) {
      await expect(panel.locator('summary', { hasText: title })).toBeVisible();
    }
    // No health banner (missing server extension, version mismatch). A lifecycle banner left by
    // an earlier test of this server is not about the panel's health.
    await expect(
      panel.locator('.jp-mlkit-banner:not(.jp-mlkit-lc-banner)')
    ).toHaveCount(0);
    await expect(panel.locator('.jp-mlkit-version')).toHaveText(
      /^v\d+\.\d+\.\d+/
    );
  });

  test('runs a profile job from the panel and shows its result', async ({
    page,
    tmpPath
  }) => {
    await page.contents.uploadContent(CSV, 'text', `${tmpPath}/sales.csv`);
    await page.getByRole('tab', { name: 'ML Kit' }).click();
    const panel = page.locator('#jp-mlkit-panel');
    await panel.getByPlaceholder('data/sales.csv').fill(`${tmpPath}/sales.csv`);
    await panel.getByRole('button', { name: 'Profile', exact: true }).click();
    const job = panel.locator('.jp-mlkit-job').first();
    await expect(job.locator('.jp-mlkit-job-state')).toHaveText('completed', {
      timeout: 60000
    });
    await expect(job.getByRole('progressbar')).toHaveAttribute(
      'aria-valuenow',
      '100'
    );
    await job.getByRole('button', { name: /profile sales\.csv/ }).click();
    await expect(job.locator('.jp-mlkit-result-summary')).toHaveText(
      '3 rows, 3 columns'
    );
    await expect(job.locator('table')).toContainText('qty');
    // Its log, then a rerun that completes too.
    await job.getByRole('button', { name: 'Log' }).click();
    await expect(job.getByLabel('Job log')).toContainText('(profile) started');
    await expect(job.getByLabel('Job log')).toContainText('completed');
    const firstId = await job.getAttribute('data-job-id');
    await job.getByRole('button', { name: 'Rerun' }).click();
    const rerun = panel.locator('.jp-mlkit-job').first();
    await expect(rerun).not.toHaveAttribute('data-job-id', firstId ?? '');
    await expect(rerun.locator('.jp-mlkit-job-state')).toHaveText('completed', {
      timeout: 60000
    });
    // The README's screenshot of the panel comes from here.
    await page.screenshot({ path: 'test-results/panel.png' });
  });

  test('a bad path is refused with the server message', async ({ page }) => {
    await page.getByRole('tab', { name: 'ML Kit' }).click();
    const panel = page.locator('#jp-mlkit-panel');
    await panel.getByPlaceholder('data/sales.csv').fill('../../etc/passwd');
    await panel.getByRole('button', { name: 'Profile', exact: true }).click();
    await expect(panel.locator('.jp-mlkit-form-error')).toContainText(
      'outside the server'
    );
  });
});
