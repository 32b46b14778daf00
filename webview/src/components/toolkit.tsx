// Our own small components over @vscode/webview-ui-toolkit: the rest of the app never imports the
// toolkit, so a swap to another component library stays in this file.
import type { ReactNode } from 'react';
import { optional } from '../../../src/core/optional.js';
import { VSCodeButton, VSCodeDropdown, VSCodeOption } from '@vscode/webview-ui-toolkit/react';

export function Button(props: {
  children: ReactNode;
  onClick: () => void;
  secondary?: boolean;
  disabled?: boolean;
  title?: string;
  testId?: string;
}) {
  return (
    <VSCodeButton
      appearance={props.secondary ? 'secondary' : 'primary'}
      disabled={props.disabled ?? false}
      {...optional('title', props.title)}
      {...optional('data-testid', props.testId)}
      onClick={() => { if (!props.disabled) props.onClick(); }}
    >
      {props.children}
    </VSCodeButton>
  );
}

export function Select(props: {
  value: string;
  options: Array<{ value: string; label: string }>;
  onChange: (value: string) => void;
  label: string;
  testId?: string;
}) {
  return (
    <VSCodeDropdown
      aria-label={props.label}
      data-testid={props.testId}
      value={props.value}
      onChange={(e: Event | React.FormEvent) => props.onChange((e.target as HTMLSelectElement).value)}
    >
      {props.options.map((o) => (
        <VSCodeOption key={o.value} value={o.value} selected={o.value === props.value}>{o.label}</VSCodeOption>
      ))}
    </VSCodeDropdown>
  );
}

/** A plain badge: the toolkit's badge template binds an inline style attribute (a strict-CSP violation). */
export function Badge(props: { children: ReactNode; title?: string }) {
  return <span className="badge" title={props.title}>{props.children}</span>;
}

/** A CSS spinner: the toolkit's progress ring template carries an inline style attribute that a strict
 * CSP (no 'unsafe-inline') reports as a violation. */
export function Spinner() {
  return <span className="spinner" role="progressbar" aria-label="working" />;
}

/** A titled card: the section, its heading and an optional muted note beside the heading. */
export function Card(props: { title: ReactNode; note?: ReactNode; label?: string; testId?: string; children: ReactNode }) {
  return (
    <section className="card" {...optional('aria-label', props.label)} {...optional('data-testid', props.testId)}>
      <div className="card-head"><h2>{props.title}</h2>{props.note !== undefined && <span className="muted">{props.note}</span>}</div>
      {props.children}
    </section>
  );
}
