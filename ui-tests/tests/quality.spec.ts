import { expect, test } from '@jupyterlab/galata';

const CSV = 'id,status,qty\n1,NEW,3\n2,SHIPPED,\n3,NEW,7\n';
const RULES = 'Rules = [\n    RowCount = 3,\n    IsComplete "qty"\n]';

test.describe('Data quality panel', () => {
  test('runs a ruleset on an uploaded CSV and shows both outcomes', async ({
    page,
    tmpPath
  }) => {
    await page.contents.uploadContent(CSV, 'text', `${tmpPath}/orders.csv`);
    await page.getByRole('tab', { name: 'ML Kit' }).click();
    const panel = page.locator('#jp-mlkit-panel');
    const section = panel.locator('details[data-capability="quality"]');
    await section.locator('summary').click();
    await expect(section.locator('.jp-mlkit-cap-note')).toHaveText('Ready.');

    const editor = section.getByLabel('DQDL rules');
    // A typo first: the validate endpoint's marker shows its line and column.
    await editor.fill('Rules = [\n    IsComplet "qty"\n]');
    await expect(section.locator('.jp-mlkit-dq-errors')).toContainText(
      'line 2, column 5'
    );
    await expect(section.locator('.jp-mlkit-dq-errmark')).toHaveCount(1);
    await editor.fill(RULES);
    await expect(section.locator('.jp-mlkit-dq-errors')).toHaveCount(0);
    await expect(section.locator('.jp-mlkit-dq-tok-ruletype').first()).toHaveText(
      'RowCount'
    );

    await section.getByPlaceholder('data/orders.csv').fill(`${tmpPath}/orders.csv`);
    await section.getByLabel('Save failing rows').check();
    await section.getByRole('button', { name: 'Run rules' }).click();

    const results = section.locator('.jp-mlkit-dq-results');
    await expect(results).toBeVisible({ timeout: 60000 });
    await expect(results.locator('tr[data-outcome="Passed"]')).toContainText(
      'RowCount = 3'
    );
    await expect(results.locator('tr[data-outcome="Failed"]')).toContainText(
      'IsComplete "qty"'
    );
    await expect(section.locator('.jp-mlkit-dq-score')).toHaveText(
      'Score 0.50: 1 passed, 1 failed, 0 errors'
    );
    await expect(section.locator('.jp-mlkit-dq-chart circle')).toHaveCount(1);
    // Row level: the one row without qty, with the rule it failed.
    const failing = section.locator('.jp-mlkit-dq-failing');
    await failing.locator('summary').click();
    await expect(failing.locator('summary')).toHaveText('Failing rows (first 1)');
    await expect(failing.locator('tbody tr')).toHaveCount(1);
    await expect(failing.locator('tbody tr')).toContainText('SHIPPED');
    await expect(failing.locator('tbody tr')).toContainText('IsComplete "qty"');
    await page.screenshot({ path: 'test-results/quality-panel.png' });
  });
});
