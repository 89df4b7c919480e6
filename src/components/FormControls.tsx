import * as React from 'react';

/** A form's error line (the server's message); nothing when there is none. */
export function FormError({
  message
}: {
  message: string | null | undefined;
}): JSX.Element | null {
  if (!message) {
    return null;
  }
  return (
    <div className="jp-mlkit-form-error" role="alert">
      {message}
    </div>
  );
}

export interface ITextFieldProps {
  /** The visible label; the input is inside it, so it is also the accessible name. */
  label: string;
  value: string;
  onChange: (value: string) => void;
  placeholder?: string;
  /** A tooltip for the whole field. */
  title?: string;
  disabled?: boolean;
}

/** A labelled one-line text input, the way every capability form lays it out. */
export function TextField(props: ITextFieldProps): JSX.Element {
  return (
    <label className="jp-mlkit-label" title={props.title}>
      {props.label}
      <input
        className="jp-mlkit-input"
        type="text"
        placeholder={props.placeholder}
        value={props.value}
        disabled={props.disabled}
        onChange={e => props.onChange(e.target.value)}
      />
    </label>
  );
}

export interface ISelectFieldProps {
  label: string;
  value: string;
  /** Each option's value is also its text. */
  options: readonly string[];
  onChange: (value: string) => void;
  disabled?: boolean;
}

/** A labelled drop-down of plain string choices. */
export function SelectField(props: ISelectFieldProps): JSX.Element {
  return (
    <label className="jp-mlkit-label">
      {props.label}
      <select
        className="jp-mlkit-input"
        value={props.value}
        disabled={props.disabled}
        onChange={e => props.onChange(e.target.value)}
      >
        {props.options.map(o => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    </label>
  );
}
