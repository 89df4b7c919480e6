import * as React from 'react';

import { ApiError } from '../api';
import {
  ILifecycleConfig,
  IProblem,
  ITemplate,
  LifecycleClient
} from '../lifecycleApi';
import { FormError } from './FormControls';

export interface IEditorValue {
  name: string;
  on_create: string;
  on_start: string;
  existing: boolean;
}

export const EMPTY_EDITOR: IEditorValue = {
  name: '',
  on_create: '',
  on_start: '',
  existing: false
};

/** How long typing must pause before the scripts are validated on the server. */
export const VALIDATE_DELAY_MS = 300;

function Problems(props: { problems: IProblem[]; label: string }) {
  if (props.problems.length === 0) {
    return null;
  }
  return (
    <ul className="jp-mlkit-problems" aria-label={`${props.label} problems`}>
      {props.problems.map((p, i) => (
        <li key={i}>
          {p.line !== null ? `line ${p.line}: ` : ''}
          {p.message}
        </li>
      ))}
    </ul>
  );
}

function problemsOf(error: unknown): IProblem[] | null {
  if (error instanceof ApiError && error.details) {
    const found = (error.details as { problems?: IProblem[] }).problems;
    return Array.isArray(found) ? found : null;
  }
  return null;
}

/** The template picker with its parameter fields. */
function TemplatePicker(props: {
  templates: ITemplate[];
  onUse: (template: ITemplate, params: Record<string, string>) => Promise<void>;
}): JSX.Element {
  const [name, setName] = React.useState('');
  const [params, setParams] = React.useState<Record<string, string>>({});
  const template = props.templates.find(t => t.name === name);
  return (
    <div className="jp-mlkit-lc-templates">
      <label className="jp-mlkit-label">
        Template
        <select
          className="jp-mlkit-input"
          aria-label="Template"
          value={name}
          onChange={e => {
            setName(e.target.value);
            setParams({});
          }}
        >
          <option value="">(none: write your own)</option>
          {props.templates.map(t => (
            <option key={t.name} value={t.name}>
              {t.title}
            </option>
          ))}
        </select>
      </label>
      {template && (
        <div className="jp-mlkit-lc-params">
          <p className="jp-mlkit-blurb">{template.description}</p>
          {template.params.map(p => (
            <label key={p.name} className="jp-mlkit-label" title={p.help}>
              {p.name}
              {p.required ? ' *' : ''}
              {p.choices.length > 0 ? (
                <select
                  className="jp-mlkit-input"
                  aria-label={p.name}
                  value={params[p.name] ?? p.default}
                  onChange={e =>
                    setParams({ ...params, [p.name]: e.target.value })
                  }
                >
                  {p.choices.map(c => (
                    <option key={c}>{c}</option>
                  ))}
                </select>
              ) : (
                <input
                  className="jp-mlkit-input"
                  aria-label={p.name}
                  placeholder={p.default || p.help}
                  value={params[p.name] ?? ''}
                  onChange={e =>
                    setParams({ ...params, [p.name]: e.target.value })
                  }
                />
              )}
            </label>
          ))}
          <button
            type="button"
            className="jp-mlkit-button"
            onClick={() => void props.onUse(template, params)}
          >
            Use template
          </button>
        </div>
      )}
    </div>
  );
}

/** Name, on-create and on-start scripts, validated as one types, and Save. */
export function LifecycleEditor(props: {
  client: LifecycleClient;
  templates: ITemplate[];
  initial: IEditorValue;
  onSaved: (config: ILifecycleConfig) => void;
  onCancel: () => void;
}): JSX.Element {
  const [value, setValue] = React.useState<IEditorValue>(props.initial);
  const [problems, setProblems] = React.useState<IProblem[]>([]);
  const [error, setError] = React.useState<string | null>(null);
  const [saving, setSaving] = React.useState(false);
  const { client } = props;

  React.useEffect(() => {
    if (!value.on_create.trim() && !value.on_start.trim()) {
      setProblems([]);
      return;
    }
    let live = true;
    const timer = setTimeout(() => {
      client
        .validate({
          ...(value.name ? { name: value.name } : {}),
          on_create: value.on_create,
          on_start: value.on_start
        })
        .then(out => live && setProblems(out.problems))
        .catch(err => live && setError((err as Error).message));
    }, VALIDATE_DELAY_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [value.name, value.on_create, value.on_start]);

  const useTemplate = async (t: ITemplate, params: Record<string, string>) => {
    setError(null);
    const given: Record<string, string> = {};
    Object.keys(params)
      .filter(k => params[k] !== '')
      .forEach(k => (given[k] = params[k]));
    try {
      const out = await client.render(t.name, given);
      const key = out.hook === 'on-create' ? 'on_create' : 'on_start';
      setValue(v => ({
        ...v,
        [key]: out.script,
        name: v.name || t.name
      }));
    } catch (err) {
      setError((err as Error).message);
    }
  };

  const save = async (event: React.FormEvent) => {
    event.preventDefault();
    setSaving(true);
    setError(null);
    const scripts = { on_create: value.on_create, on_start: value.on_start };
    try {
      const saved = value.existing
        ? await client.updateConfig(value.name, scripts)
        : await client.createConfig(value.name, scripts);
      props.onSaved(saved);
    } catch (err) {
      const found = problemsOf(err);
      if (found) {
        setProblems(found);
        setError('Not saved: fix the problems below.');
      } else {
        setError((err as Error).message);
      }
    } finally {
      setSaving(false);
    }
  };

  const by = (hook: IProblem['hook']) => problems.filter(p => p.hook === hook);
  return (
    <form
      className="jp-mlkit-lc-editor"
      aria-label="Lifecycle configuration editor"
      onSubmit={save}
    >
      <TemplatePicker templates={props.templates} onUse={useTemplate} />
      <label className="jp-mlkit-label">
        Name
        <input
          className="jp-mlkit-input"
          aria-label="Configuration name"
          placeholder="my-setup"
          value={value.name}
          disabled={value.existing}
          onChange={e => setValue({ ...value, name: e.target.value })}
        />
      </label>
      <Problems problems={by(null)} label="name" />
      <label className="jp-mlkit-label">
        on-create (runs once)
        <textarea
          className="jp-mlkit-input jp-mlkit-lc-script"
          aria-label="on-create script"
          rows={5}
          value={value.on_create}
          onChange={e => setValue({ ...value, on_create: e.target.value })}
        />
      </label>
      <Problems problems={by('on_create')} label="on-create" />
      <label className="jp-mlkit-label">
        on-start (runs at every start)
        <textarea
          className="jp-mlkit-input jp-mlkit-lc-script"
          aria-label="on-start script"
          rows={8}
          value={value.on_start}
          onChange={e => setValue({ ...value, on_start: e.target.value })}
        />
      </label>
      <Problems problems={by('on_start')} label="on-start" />
      <FormError message={error} />
      <div className="jp-mlkit-form">
        <button
          className="jp-mlkit-button jp-mod-accept"
          type="submit"
          disabled={saving || !value.name}
        >
          Save
        </button>
        <button
          className="jp-mlkit-button"
          type="button"
          onClick={props.onCancel}
        >
          Cancel
        </button>
      </div>
    </form>
  );
}
