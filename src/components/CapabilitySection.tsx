import * as React from 'react';

import { ICapability } from '../api';

/** One capability's section: what it will do, and whether it is usable here. */
export function CapabilitySection(props: {
  name: string;
  title: string;
  blurb: string;
  capability?: ICapability;
  /** The capability's own controls, shown under its note. */
  children?: React.ReactNode;
}): JSX.Element {
  const cap = props.capability;
  let note: string;
  if (!cap) {
    note = 'Status unknown (the server has not answered yet).';
  } else if (!cap.built) {
    note = 'Not built yet in this version.';
  } else if (!cap.usable) {
    note = `Not usable here: ${cap.reason}.`;
  } else if (!cap.wired) {
    note =
      'The library is installed (use it from Python); its panel controls are coming.';
  } else {
    note = 'Ready.';
  }
  return (
    <details className="jp-mlkit-section" data-capability={props.name}>
      <summary>{props.title}</summary>
      <p className="jp-mlkit-blurb">{props.blurb}</p>
      <p className="jp-mlkit-cap-note">{note}</p>
      {props.children}
    </details>
  );
}
