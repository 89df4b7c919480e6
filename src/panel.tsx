import { ReactWidget } from '@jupyterlab/apputils';
import * as React from 'react';

import { CapabilitySection } from './components/CapabilitySection';
import { JobsSection } from './components/JobsSection';
import { LifecycleBanner } from './components/LifecycleBanner';
import { IShowRun, LifecycleSection } from './components/LifecycleSection';
import { LifecycleClient } from './lifecycleApi';
import { ProfileForm } from './components/ProfileForm';
import { QualitySection } from './components/QualitySection';
import { MlkitModel } from './model';
import { MonitorSection } from './components/MonitorSection';
import { MonitorClient } from './monitorApi';
import { CompileSection } from './components/CompileSection';
import { CompileClient } from './compileApi';
import { QualityClient } from './qualityApi';
import { SpotSection } from './components/SpotSection';
import { SpotClient } from './spotApi';
import { FormError } from './components/FormControls';

export const CAPABILITY_SECTIONS = [
  {
    name: 'compiler',
    title: 'Compile',
    blurb:
      'Measure torch.compile, XLA and mixed precision on your model; keep the fastest.'
  },
  {
    name: 'spot',
    title: 'Spot training',
    blurb: 'Training that survives interruptions: checkpoints, resume, costs.'
  },
  {
    name: 'lifecycle',
    title: 'Lifecycle',
    blurb: 'On-create and on-start scripts for this server, idle auto-stop.'
  },
  {
    name: 'quality',
    title: 'Data quality',
    blurb: 'AWS Glue DQDL rules on any table, on DuckDB.'
  },
  {
    name: 'monitor',
    title: 'Monitor',
    blurb: 'SageMaker Model Monitor compatible baselines and drift.'
  }
];

export function MlkitPanelView({ model }: { model: MlkitModel }): JSX.Element {
  const [, setTick] = React.useState(0);
  React.useEffect(() => {
    const onChange = () => setTick(t => t + 1);
    model.changed.connect(onChange);
    return () => {
      model.changed.disconnect(onChange);
    };
  }, [model]);
  const health = model.health;
  const status =
    health.kind === 'ok' || health.kind === 'mismatch'
      ? health.status
      : undefined;
  const [actionError, setActionError] = React.useState<string | null>(null);
  const [showRun, setShowRun] = React.useState<IShowRun | null>(null);
  const lifecycleClient = React.useMemo(
    () => new LifecycleClient(model.client.settings),
    [model]
  );
  const qualityClient = React.useMemo(
    () => new QualityClient(model.client.settings),
    [model]
  );
  const monitorClient = React.useMemo(
    () => new MonitorClient(model.client.settings),
    [model]
  );
  const compileClient = React.useMemo(
    () => new CompileClient(model.client.settings),
    [model]
  );
  const spotClient = React.useMemo(
    () => new SpotClient(model.client.settings),
    [model]
  );
  const act = (fn: () => Promise<void>) => {
    setActionError(null);
    fn().catch(err => setActionError((err as Error).message));
  };
  return (
    <div className="jp-mlkit-panel">
      <header className="jp-mlkit-header">
        <h2>ML Kit</h2>
        {status && <span className="jp-mlkit-version">v{status.version}</span>}
      </header>
      {(health.kind === 'missing' ||
        health.kind === 'mismatch' ||
        health.kind === 'error') && (
        <div className="jp-mlkit-banner" role="alert">
          {health.message}
        </div>
      )}
      {status && (
        <LifecycleBanner
          client={lifecycleClient}
          onShowLog={run =>
            setShowRun(prev => ({ id: run.id, seq: (prev?.seq ?? 0) + 1 }))
          }
        />
      )}
      {CAPABILITY_SECTIONS.map(section =>
        section.name === 'lifecycle' ? (
          <LifecycleSection
            key={section.name}
            client={lifecycleClient}
            title={section.title}
            blurb={section.blurb}
            capability={status?.capabilities[section.name]}
            showRun={showRun}
          />
        ) : (
          <CapabilitySection
            key={section.name}
            {...section}
            capability={status?.capabilities[section.name]}
          >
            {section.name === 'quality' && (
              <QualitySection
                client={qualityClient}
                jobs={model.jobs}
                onRun={params => model.startJob('dq-run', { ...params })}
                onRecommend={data => model.startJob('dq-recommend', { data })}
              />
            )}
            {section.name === 'monitor' && (
              <MonitorSection
                client={monitorClient}
                jobs={model.jobs}
                onStart={(kind, params) => model.startJob(kind, params)}
              />
            )}
            {section.name === 'compiler' &&
              status?.capabilities.compiler?.usable && (
                <CompileSection
                  client={compileClient}
                  jobs={model.jobs}
                  onStart={(kind, params) => model.startJob(kind, params)}
                />
              )}
            {section.name === 'spot' && status?.capabilities.spot?.usable && (
              <SpotSection
                client={spotClient}
                jobs={model.jobs}
                onStart={(kind, params) => model.startJob(kind, params)}
              />
            )}
          </CapabilitySection>
        )
      )}
      <section
        className="jp-mlkit-section jp-mlkit-jobs-section"
        aria-label="Jobs section"
      >
        <h3>Jobs</h3>
        <ProfileForm
          onSubmit={async path => {
            await model.startJob('profile', { path });
          }}
        />
        <FormError message={actionError} />
        <JobsSection
          jobs={model.jobs}
          total={model.total}
          onCancel={id => act(() => model.cancelJob(id))}
          onDelete={id => act(() => model.deleteJob(id))}
          onRerun={id =>
            act(async () => {
              await model.rerunJob(id);
            })
          }
          loadLog={id => model.jobLog(id)}
          onShowMore={() => act(() => model.showMore())}
        />
      </section>
    </div>
  );
}

/** The left sidebar panel. Refreshes when shown; its poll stands by while it is hidden. */
export class MlkitPanel extends ReactWidget {
  constructor(readonly model: MlkitModel) {
    super();
    this.id = 'jp-mlkit-panel';
    this.addClass('jp-mlkit-root');
    this.title.caption = 'ML Kit';
  }

  protected onAfterShow(): void {
    void this.model.poll.refresh();
  }

  render(): JSX.Element {
    return <MlkitPanelView model={this.model} />;
  }

  dispose(): void {
    this.model.dispose();
    super.dispose();
  }
}
