// A file that opened in the dashboard by its name (*.sqlite, *.json.gz) but is not a profile: what it is, and the
// way out in one click — VS Code's default editor, now or always for this kind of file (the host does both:
// src/extension/non-profile.ts).
import { ActionCommand } from '../../../src/protocol/dashboard.js';
import { post } from '../host.js';
import { Button } from './toolkit.js';

export function NotAProfile(props: { message: string; kind: string | null }) {
  return (
    <section className="card not-profile" data-testid="not-profile" role="alert">
      <h2>This file is not a profile</h2>
      <p data-testid="not-profile-message">{props.message}</p>
      <div className="actions">
        <Button testId="reopen-default" onClick={() => post(ActionCommand, { action: 'reopenDefault' })}>
          Reopen with the default editor
        </Button>
        {props.kind && (
          <Button secondary testId="always-default" onClick={() => post(ActionCommand, { action: 'alwaysDefault' })}>
            Always open {props.kind} files that are not profiles with the default editor
          </Button>
        )}
      </div>
      {props.kind && (
        <p className="muted">
          Profiles saved as {props.kind} still open here. The choice is the setting sysight.defaultEditorForNonProfiles;
          the command “Sysight: Ask Again for Files That Are Not Profiles” undoes it.
        </p>
      )}
    </section>
  );
}
