import { expect, test } from '@jupyterlab/galata';

test.describe('ML Kit lifecycle section', () => {
  test('pick a template, save, attach, see it attached', async ({ page }) => {
    const name = `auto-stop-${Date.now()}`;
    await page.getByRole('tab', { name: 'ML Kit' }).click();
    const panel = page.locator('#jp-mlkit-panel');
    const section = panel.locator('details[data-capability="lifecycle"]');
    await section.locator('summary').click();
    await section.getByRole('button', { name: 'New configuration' }).click();
    await section.getByLabel('Template', { exact: true }).selectOption('auto-stop-idle');
    await section.getByLabel('IDLE_SECONDS').fill('120');
    await section.getByLabel('ACTION').selectOption('stop-server');
    await section.getByRole('button', { name: 'Use template' }).click();
    await expect(section.getByLabel('on-start script')).toHaveValue(/IDLE_SECONDS=120/);
    await section.getByLabel('Configuration name').fill(name);
    await section.getByRole('button', { name: 'Save', exact: true }).click();
    const row = section.locator(`li[data-name="${name}"]`);
    await expect(row).toBeVisible();
    await row.getByRole('button', { name: 'Attach' }).click();
    await expect(row.locator('.jp-mlkit-lc-badge')).toHaveText('attached');
    await expect(section.locator('.jp-mlkit-lc-server')).toContainText(name);
    await expect(section.getByRole('alert')).toHaveCount(0);
  });
});
