import * as React from 'react';

import { IDqdlError, IDqdlValidation } from '../qualityApi';

/** Rule types known before the server's list arrives (the common ones). */
export const DEFAULT_RULE_TYPES = [
  'AggregateMatch',
  'ColumnCorrelation',
  'ColumnCount',
  'ColumnDataType',
  'ColumnExists',
  'ColumnLength',
  'ColumnNamesMatchPattern',
  'ColumnValues',
  'Completeness',
  'CustomSql',
  'DataFreshness',
  'DatasetMatch',
  'DetectAnomalies',
  'DistinctValuesCount',
  'Entropy',
  'IsComplete',
  'IsPrimaryKey',
  'IsUnique',
  'Mean',
  'ReferentialIntegrity',
  'RowCount',
  'RowCountMatch',
  'SchemaMatch',
  'StandardDeviation',
  'Sum',
  'UniqueValueRatio',
  'Uniqueness',
  'Variance'
];

export const DEFAULT_KEYWORDS = [
  'Rules',
  'Analyzers',
  'Metadata',
  'DataSources',
  'DefaultLabels',
  'and',
  'or',
  'not',
  'in',
  'between',
  'matches',
  'with',
  'where',
  'threshold',
  'NULL',
  'EMPTY',
  'WHITESPACES_ONLY',
  'now',
  'last'
];

export type TokenKind =
  'comment' | 'string' | 'number' | 'ruletype' | 'keyword' | 'punct' | 'text';

export interface IToken {
  text: string;
  kind: TokenKind;
  start: number;
}

const TOKEN_RE =
  /(#.*)|("(?:[^"\\]|\\.)*"?)|(\d+(?:\.\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|([[\](),=<>!*/+-]+)|(\s+|.)/g;

/** Tokens of one line of DQDL (strings do not span lines in DQDL). */
export function tokenizeLine(
  line: string,
  ruleTypes: Set<string>,
  keywords: Set<string>
): IToken[] {
  const out: IToken[] = [];
  TOKEN_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = TOKEN_RE.exec(line)) !== null) {
    let kind: TokenKind = 'text';
    if (m[1] !== undefined) {
      kind = 'comment';
    } else if (m[2] !== undefined) {
      kind = 'string';
    } else if (m[3] !== undefined) {
      kind = 'number';
    } else if (m[4] !== undefined) {
      kind = ruleTypes.has(m[4])
        ? 'ruletype'
        : keywords.has(m[4])
          ? 'keyword'
          : 'text';
    } else if (m[5] !== undefined) {
      kind = 'punct';
    }
    const prev = out[out.length - 1];
    if (kind === 'text' && prev && prev.kind === 'text') {
      prev.text += m[0];
    } else {
      out.push({ text: m[0], kind, start: m.index });
    }
  }
  return out;
}

function renderLine(
  tokens: IToken[],
  errorColumn: number | null,
  key: number
): JSX.Element[] {
  const spans: JSX.Element[] = [];
  let errorDrawn = false;
  tokens.forEach((tok, i) => {
    const cls = `jp-mlkit-dq-tok-${tok.kind}`;
    const at = errorColumn === null ? -1 : errorColumn - 1 - tok.start;
    if (at >= 0 && at < tok.text.length) {
      errorDrawn = true;
      spans.push(
        <span key={`${key}-${i}a`} className={cls}>
          {tok.text.slice(0, at)}
        </span>,
        <span
          key={`${key}-${i}b`}
          className={`${cls} jp-mlkit-dq-errmark`}
          data-testid="dq-error-mark"
        >
          {tok.text.slice(at, at + 1)}
        </span>,
        <span key={`${key}-${i}c`} className={cls}>
          {tok.text.slice(at + 1)}
        </span>
      );
    } else {
      spans.push(
        <span key={`${key}-${i}`} className={cls}>
          {tok.text}
        </span>
      );
    }
  });
  if (errorColumn !== null && !errorDrawn) {
    // The error is at the end of the line (missing input): mark the position after it.
    spans.push(
      <span
        key={`${key}-end`}
        className="jp-mlkit-dq-errmark"
        data-testid="dq-error-mark"
      >
        {' '}
      </span>
    );
  }
  return spans;
}

export interface IDqdlEditorProps {
  value: string;
  onChange: (text: string) => void;
  /** Checks the text on the server; called at most once per `delay` ms of quiet typing. */
  validate: (text: string) => Promise<IDqdlValidation>;
  onValidated?: (result: IDqdlValidation | null) => void;
  ruleTypes?: string[];
  keywords?: string[];
  delay?: number;
}

/**
 * A textarea over a highlighted copy of its text: rule types, keywords, strings, numbers and
 * comments get colours, and the server's syntax errors get a marker at their line and column.
 */
export function DqdlEditor(props: IDqdlEditorProps): JSX.Element {
  const delay = props.delay ?? 400;
  const [errors, setErrors] = React.useState<IDqdlError[]>([]);
  const [checkFailed, setCheckFailed] = React.useState<string | null>(null);
  const seq = React.useRef(0);
  const highlight = React.useRef<HTMLPreElement>(null);
  const { validate, onValidated } = props;

  React.useEffect(() => {
    const mine = ++seq.current;
    if (!props.value.trim()) {
      setErrors([]);
      setCheckFailed(null);
      onValidated?.(null);
      return;
    }
    const timer = setTimeout(() => {
      validate(props.value)
        .then(result => {
          if (mine === seq.current) {
            setErrors(result.errors);
            setCheckFailed(null);
            onValidated?.(result);
          }
        })
        .catch(err => {
          if (mine === seq.current) {
            setErrors([]);
            setCheckFailed((err as Error).message);
            onValidated?.(null);
          }
        });
    }, delay);
    return () => clearTimeout(timer);
  }, [props.value, validate, delay]);

  const ruleTypes = React.useMemo(
    () => new Set(props.ruleTypes ?? DEFAULT_RULE_TYPES),
    [props.ruleTypes]
  );
  const keywords = React.useMemo(
    () => new Set(props.keywords ?? DEFAULT_KEYWORDS),
    [props.keywords]
  );
  const lines = props.value.split('\n');
  const errorAt = new Map(errors.map(e => [e.line, e.column]));

  return (
    <div className="jp-mlkit-dq-editor-wrap">
      <div className="jp-mlkit-dq-editor">
        <pre
          className="jp-mlkit-dq-highlight"
          ref={highlight}
          aria-hidden="true"
        >
          {lines.map((line, i) => (
            <div
              key={i}
              className={
                errorAt.has(i + 1)
                  ? 'jp-mlkit-dq-line jp-mlkit-dq-errline'
                  : 'jp-mlkit-dq-line'
              }
            >
              {renderLine(
                tokenizeLine(line, ruleTypes, keywords),
                errorAt.get(i + 1) ?? null,
                i
              )}
              {line.length === 0 && !errorAt.has(i + 1) ? '\u200b' : null}
            </div>
          ))}
        </pre>
        <textarea
          className="jp-mlkit-dq-textarea"
          aria-label="DQDL rules"
          spellCheck={false}
          value={props.value}
          rows={Math.max(6, Math.min(20, lines.length + 1))}
          onChange={e => props.onChange(e.target.value)}
          onScroll={e => {
            if (highlight.current) {
              highlight.current.scrollTop = e.currentTarget.scrollTop;
              highlight.current.scrollLeft = e.currentTarget.scrollLeft;
            }
          }}
        />
      </div>
      {errors.length > 0 && (
        <ul className="jp-mlkit-dq-errors" aria-live="polite">
          {errors.map((e, i) => (
            <li key={i}>
              line {e.line}, column {e.column}: {e.message}
            </li>
          ))}
        </ul>
      )}
      {checkFailed && (
        <div className="jp-mlkit-dq-check-failed">
          Cannot check the rules: {checkFailed}
        </div>
      )}
    </div>
  );
}
