/**
 * Galata configuration. Uses the system Chromium (Playwright cannot download its own browser
 * here): CHROMIUM_PATH, else /usr/bin/chromium.
 */
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');

// MLKIT_UI_PORT lets two checkouts run their UI tests side by side (default 8888).
const port = process.env.MLKIT_UI_PORT || '8888';

module.exports = {
  ...baseConfig,
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  reporter: [['list']],
  use: {
    ...baseConfig.use,
    baseURL: process.env.TARGET_URL || `http://localhost:${port}`,
    video: 'off',
    trace: 'off',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: [
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic'
      ]
    }
  },
  webServer: {
    command: 'jlpm start',
    url: `http://localhost:${port}/lab`,
    timeout: 120 * 1000,
    reuseExistingServer: !process.env.CI
  }
};
