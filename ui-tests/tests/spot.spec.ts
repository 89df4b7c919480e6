import { expect, test } from '@jupyterlab/galata';
import * as fs from 'fs';
import * as path from 'path';

// The repository's example: a tiny deterministic MLP, 300 steps of ~10 ms, a checkpoint every
// 20 steps. Each simulated interruption lands 0.3-1.5 s into an attempt, so both land mid-run.
const EXAMPLE = fs.readFileSync(
  path.resolve(__dirname, '..', '..', 'examples', 'spot_train.py'),
  'utf-8'
);

test.describe('Spot training panel', () => {
  test('runs a script through two interruptions to Completed, with savings', async ({
    page,
    tmpPath
  }) => {
    // three python + torch starts, simulated capacity waits (1-5 s each), on a busy machine
    test.setTimeout(240000);
    await page.contents.uploadContent(
      EXAMPLE,
      'text',
      `${tmpPath}/spot_train.py`
    );
    await page.getByRole('tab', { name: 'ML Kit' }).click();
    const panel = page.locator('#jp-mlkit-panel');
    const section = panel.locator('details[data-capability="spot"]');
    await section.locator('summary').click();
    await expect(section.locator('.jp-mlkit-cap-note')).toHaveText('Ready.');

    await section.getByPlaceholder('train.py').fill(`${tmpPath}/spot_train.py`);
    await section
      .getByPlaceholder('--steps 400')
      .fill(`--steps 300 --out ${tmpPath}/final.pt`);
    await section
      .getByPlaceholder('checkpoints/run-1 or s3://bucket/prefix')
      .fill(`${tmpPath}/ck`);
    await section.getByLabel('Simulated interruptions').fill('2');
    await section.getByLabel('Seed').fill('1');
    await section.getByLabel('Mode').selectOption('mixed');
    await section.getByRole('button', { name: 'Run' }).click();

    const latest = section.locator('.jp-mlkit-spot-latest');
    const timeline = latest.getByLabel('Spot timeline');
    // live: the timeline fills while the job runs (each attempt restarts python + torch)
    await expect(
      timeline.locator('li[data-status="Training"]')
    ).not.toHaveCount(0, { timeout: 90000 });
    await expect(timeline.locator('li[data-status="Completed"]')).toHaveCount(
      1,
      { timeout: 200000 }
    );
    const interruptions = timeline.locator('li.jp-mlkit-spot-interruption');
    await expect(interruptions).toHaveCount(2);
    // mixed, 2: one notice (saved on notice) and one SIGKILL (work since the last save lost)
    await expect(interruptions.filter({ hasText: '(notice)' })).toContainText(
      'saved on notice'
    );
    await expect(interruptions.filter({ hasText: '(kill' })).toContainText(
      'of work lost'
    );
    await expect(timeline.locator('li[data-status="Interrupted"]')).toHaveCount(
      2
    );
    await expect(latest.locator('.jp-mlkit-spot-status')).toContainText(
      'completed',
      { timeout: 30000 }
    );
    await expect(latest.locator('.jp-mlkit-spot-status')).toContainText(
      '(2 interruptions)'
    );
    const costs = latest.locator('.jp-mlkit-spot-costs');
    await expect(costs).toContainText(
      'Completed after 3 attempt(s), 2 interruption(s)'
    );
    // ml.g5.xlarge: spot 0.4224 / on-demand 1.408 $/h -> 70.0 % savings
    await expect(costs).toContainText('savings 70.0%');
    await expect(latest.locator('svg.jp-mlkit-spot-curve')).toBeVisible();
    await page.screenshot({ path: 'test-results/spot-panel.png' });
  });

  test('placement advice without AWS access is a message, not a traceback', async ({
    page
  }) => {
    // the UI-test server has no AWS credentials (and no network): the answer is a refusal
    await page.getByRole('tab', { name: 'ML Kit' }).click();
    const section = page.locator('details[data-capability="spot"]');
    await section.locator('summary').click();
    const form = section.getByRole('form', { name: 'Where is it cheapest?' });
    await form.getByLabel('Instance types').fill('ml.g5.xlarge');
    await form.getByRole('button', { name: 'Find cheapest' }).click();
    await expect(form.getByRole('alert')).toContainText(
      /no AWS credentials found|EC2 could not be reached/,
      { timeout: 30000 }
    );
    await expect(form.getByRole('alert')).not.toContainText('Traceback');
  });
});
