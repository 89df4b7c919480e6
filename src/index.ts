import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { LabIcon } from '@jupyterlab/ui-components';

import { MlkitClient } from './api';
import { MlkitModel } from './model';
import { MlkitPanel } from './panel';

export namespace CommandIDs {
  export const open = 'mlkit:open-panel';
  export const refresh = 'mlkit:refresh';
}

const ICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="16" viewBox="0 0 24 24">' +
  '<path class="jp-icon3" fill="#616161" d="M4 4h7v7H4zm9 0h7v7h-7zM4 13h7v7H4zm12 0h2v3h3v2h-3v3h-2v-3h-3v-2h3z"/>' +
  '</svg>';

export const mlkitIcon = new LabIcon({
  name: 'jupyter-mlkit:icon',
  svgstr: ICON_SVG
});

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-mlkit:plugin',
  description:
    'ML Kit sidebar: training compiler, spot training, lifecycle, data quality, monitor.',
  autoStart: true,
  optional: [ILayoutRestorer, ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null
  ) => {
    const client = new MlkitClient(app.serviceManager.serverSettings);
    const model = new MlkitModel(client);
    const panel = new MlkitPanel(model);
    panel.title.icon = mlkitIcon;
    app.shell.add(panel, 'left', { rank: 850 });
    if (restorer) {
      restorer.add(panel, 'jupyter-mlkit');
    }
    app.commands.addCommand(CommandIDs.open, {
      label: 'Open ML Kit',
      execute: () => app.shell.activateById(panel.id)
    });
    app.commands.addCommand(CommandIDs.refresh, {
      label: 'Refresh ML Kit jobs',
      execute: () => model.poll.refresh()
    });
    if (palette) {
      palette.addItem({ command: CommandIDs.open, category: 'ML Kit' });
      palette.addItem({ command: CommandIDs.refresh, category: 'ML Kit' });
    }
    void model.checkServer().then(health => {
      if (health.kind === 'missing') {
        console.warn(
          'jupyter-mlkit: the server extension appears to be missing'
        );
      }
    });
    void model.start();
    console.log('jupyter-mlkit: activated');
  }
};

export default plugin;
