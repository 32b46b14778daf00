// Our own small components over @vscode/webview-ui-toolkit: the rest of the app never imports the
// toolkit, so a swap to another component library stays in this file.
import type { ReactNode } from 'react';
import { VSCodeBadge, VSCodeButton, VSCodeDropdown, VSCodeOption, VSCodeProgressRing } from '@vscode/webview-ui-toolkit/react';

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
      disabled={props.disabled}
      title={props.title}
      data-testid={props.testId}
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

export function Badge(props: { children: ReactNode; title?: string }) {
  return <VSCodeBadge title={props.title}>{props.children}</VSCodeBadge>;
}

export function Spinner() {
  return <VSCodeProgressRing className="spinner" />;
}
