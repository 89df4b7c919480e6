import { expect, test } from '@jupyterlab/galata';

test.describe('ML Kit lifecycle section', () => {
  test('pick a template, save, attach, see it attached', async ({ page }) => {
    const name = `auto-stop-${Date.now()}`;
    await page.getByRole('tab', { name: 'ML Kit' }).click();
    const panel = page.locator('#jp-mlkit-panel');
    const section = panel.locator('details[data-capability="lifecycle"]');
    await section.locator(':scope > summary').click();
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

  test('a failed on-start shows in the top banner and opens its log', async ({ page }) => {
    const name = `fails-${Date.now()}`;
    await page.getByRole('tab', { name: 'ML Kit' }).click();
    const panel = page.locator('#jp-mlkit-panel');
    const section = panel.locator('details[data-capability="lifecycle"]');
    await section.locator(':scope > summary').click();
    await section.getByRole('button', { name: 'New configuration' }).click();
    await section.getByLabel('Configuration name').fill(name);
    await section.getByLabel('on-start script').fill('echo "pip: no such package"\nexit 3\n');
    await section.getByRole('button', { name: 'Save', exact: true }).click();
    const row = section.locator(`li[data-name="${name}"]`);
    await row.getByRole('button', { name: 'Attach' }).click();
    await expect(row.locator('.jp-mlkit-lc-badge')).toHaveText('attached');
    await row.getByRole('button', { name: 'Run on-start' }).click();
    // Close the section: the banner's button must open it again.
    await section.locator(':scope > summary').click();

    const banner = panel.locator('.jp-mlkit-lc-banner');
    // The banner checks every 15 s; generous on a busy machine.
    await expect(banner).toContainText(
      `Lifecycle on-start script '${name}' failed (exit 3) – see logs`,
      { timeout: 45000 }
    );
    await banner.getByRole('button', { name: 'Open log' }).click();
    await expect(section).toHaveAttribute('open', '');
    await expect(section.getByLabel(/^Log of run/)).toContainText('pip: no such package');

    // Clean up for the tests that follow (they expect no alerts): detach, dismiss.
    await row.getByRole('button', { name: 'Detach' }).click();
    await banner.getByRole('button', { name: 'Dismiss' }).click();
    await expect(banner).toHaveCount(0);
  });

  // The UI test server runs without AWS credentials (none exist on this machine or in CI; the
  // test server config, ui-tests/jupyter_server_test_config.py, removes every credential source).
  test('notebook instances without AWS credentials show a message', async ({ page }) => {
    await page.getByRole('tab', { name: 'ML Kit' }).click();
    const section = page.locator('#jp-mlkit-panel details[data-capability="lifecycle"]');
    await section.locator(':scope > summary').click();
    const instances = section.locator('details.jp-mlkit-ni');
    await instances.locator('summary').click();
    await expect(instances.getByRole('alert')).toContainText('no AWS credentials found');
    await expect(instances.getByRole('button', { name: 'Create instance' })).toBeVisible();
  });
});
