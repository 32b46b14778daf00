// The clicked slice: name, times, where it ran, launch dimensions or copy, and the CUDA runtime call behind it
// with its native callchain and the Python frames around it (innermost first); a CPU op or Python function with
// its line and the Python stack around it; a CUDA graph replay with its launch's line and its nodes (each opens
// its kernel) with their capture-time lines, and a kernel of a replay with both lines. Frames with a file open
// file:line in the editor.
import type { SearchHit, SliceDetails } from '../../../src/protocol/dashboard.js';
import { ns } from '../format.js';

function Field(props: { label: string; children: React.ReactNode }) {
  return <><dt>{props.label}</dt><dd>{props.children}</dd></>;
}

/**
 * A frame's text; with a file, a link that opens file:line in the editor (the host gives nsys Python frames,
 * `train_step (train.py:57)`, their file and line: src/profile/queries/slice-details.ts).
 */
function Frame(props: { text: string; file: string | undefined; line: number | undefined; onSource: ((file: string, line: number) => void) | undefined }) {
  const { text, file, line } = props;
  if (!file || !props.onSource) return <>{text}{file ? <span className="muted"> {file}:{line ?? ''}</span> : null}</>;
  const onSource = props.onSource;
  return <>{text} <button className="link mono" data-testid="frame-link" title="Open in the editor" onClick={() => onSource(file, line ?? 1)}>{file}:{line ?? 1}</button></>;
}

type Site = { file: string; line: number; function: string };

/** A Python site as a link to file:line ("fn  file.py:12"), or a dash. */
function SiteLink(props: { site: Site | null | undefined; onSource: ((file: string, line: number) => void) | undefined; testId: string }) {
  const s = props.site;
  if (!s) return <span className="muted" data-testid={props.testId}>—</span>;
  return <span data-testid={props.testId}><Frame text={s.function} file={s.file} line={s.line} onSource={props.onSource} /></span>;
}

const MATCH_NOTE: Record<string, string> = { 'dims-differ': ' (grid/block differ)', ambiguous: ' (ambiguous)', unmatched: ' (no capture launch matched)' };

function captureNote(source: 'trace' | 'self' | 'none'): string {
  return source === 'none' ? 'no capture trace: open the trace recorded while the graph was captured to see each node\'s line' : source === 'self' ? 'capture recorded in this profile' : 'capture trace';
}

export function DetailsPanel(props: {
  details: SliceDetails | null; error: string | null; originNs: number; onClose: () => void;
  /** opens a frame's file:line in the editor */
  onSource?: ((file: string, line: number) => void) | undefined;
  /** selects another slice (a replay's node, a node's replay) */
  onOpen?: ((hit: SearchHit) => void) | undefined;
}) {
  const d = props.details;
  if (!d && !props.error) return null;
  return (
    <section className="trace-details" data-testid="slice-details" aria-label="Slice details">
      <div className="card-head">
        <h2 className="mono ellipsis" title={d?.fullName ?? d?.name}>{d ? d.name : 'No slice'}</h2>
        <span className="spacer" />
        <button className="link" onClick={props.onClose}>close</button>
      </div>
      {props.error && <p className="banner error">{props.error}</p>}
      {d && (
        <dl className="kv">
          <Field label="kind">{d.table} · row {d.row}</Field>
          <Field label="lane">{d.lane}</Field>
          <Field label="start">{ns(d.startNs - props.originNs)}</Field>
          <Field label="duration"><span data-testid="detail-duration">{ns(d.durationNs)}</span></Field>
          {d.fullName && <Field label="full name"><span className="mono wrap">{d.fullName}</span></Field>}
          {d.deviceId !== undefined && <Field label="device / stream">GPU {d.deviceId} · stream {d.streamId}</Field>}
          {d.tid !== undefined && <Field label="thread">{d.pid} / {d.tid}</Field>}
          {d.grid && d.block && (
            <Field label="grid / block"><span data-testid="detail-grid">{d.grid.join('×')} / {d.block.join('×')}</span></Field>
          )}
          {d.registersPerThread !== undefined && <Field label="resources">{d.registersPerThread} registers/thread, {d.sharedMemoryBytes} B shared</Field>}
          {d.bytes !== undefined && <Field label="bytes">{d.bytes.toLocaleString()}{d.copyKind ? ` · ${d.copyKind} (${d.srcKind} → ${d.dstKind})` : ''}</Field>}
          {d.domain && <Field label="domain">{d.domain}</Field>}
          {d.correlationId !== undefined && d.correlationId >= 0 && <Field label={d.table === 'cpu' ? 'external id' : 'correlation'}>{d.correlationId}</Field>}
          {d.launched && <Field label="launched">{d.launched.name} on {d.launched.lane}</Field>}
          {d.depth !== undefined && <Field label="level">{d.depth}{d.cpuKind ? ` · ${d.cpuKind === 'python' ? 'Python function' : 'CPU op'}` : ''}</Field>}
          {d.source && <Field label="source"><span data-testid="detail-source"><Frame text="" file={d.source.file} line={d.source.line} onSource={props.onSource} /></span></Field>}
          {d.graph && (<>
            <Field label="CUDA graph">
              <span data-testid="detail-graph-node">node #{d.graph.node} of {d.graph.nodes} · </span>
              {props.onOpen
                ? <button className="link" data-testid="detail-open-replay" onClick={() => props.onOpen!(d.graph!.replaySlice)}>graph {d.graph.graph} replay {d.graph.replay}</button>
                : <>graph {d.graph.graph} replay {d.graph.replay}</>}
            </Field>
            {d.graph.captureSite !== undefined && (
              <Field label="captured at"><SiteLink site={d.graph.captureSite} onSource={props.onSource} testId="detail-capture-site" />{MATCH_NOTE[d.graph.match ?? ''] ?? ''}</Field>
            )}
            <Field label="replayed from"><SiteLink site={d.graph.replaySite} onSource={props.onSource} testId="detail-replay-site" /></Field>
          </>)}
          {d.replay && (<>
            <Field label="CUDA graph">
              <span data-testid="detail-replay">graph {d.replay.graph}{d.replay.graphExecId !== undefined ? ` (exec ${d.replay.graphExecId})` : ''} · {d.replay.replaysOfGraph} replay{d.replay.replaysOfGraph === 1 ? '' : 's'} · {d.replay.kernels} kernels{d.replay.memOps ? ` + ${d.replay.memOps} memset/memcpy` : ''}</span>
              {d.replay.source === 'inferred' ? <span className="muted"> · launch call not in the trace</span> : d.replay.source === 'graph-trace' ? <span className="muted"> · traced at graph level (no kernel rows)</span> : null}
            </Field>
            <Field label="replayed from"><SiteLink site={d.replay.replaySite} onSource={props.onSource} testId="detail-replay-site" />{d.replay.siteFrom === 'same-graph' ? <span className="muted"> (another replay of this graph)</span> : null}</Field>
          </>)}
        </dl>
      )}
      {d?.replay && d.replay.nodes.length > 0 && (
        <div data-testid="detail-replay-nodes">
          <h4 className="muted">Nodes in GPU order ({captureNote(d.replay.captureSource)}){d.replay.nodes.length < d.replay.kernels ? `, first ${d.replay.nodes.length}` : ''}</h4>
          <ol className="frames mono" start={0}>
            {d.replay.nodes.map((n) => (
              <li key={n.node} data-testid="replay-node">
                {props.onOpen ? <button className="link mono" data-testid="open-node" title="Open this kernel" onClick={() => props.onOpen!(n)}>{n.name}</button> : n.name}
                <span className="muted"> {ns(n.durationNs)}</span>
                {n.captureSite !== undefined && <> · captured at <SiteLink site={n.captureSite} onSource={props.onSource} testId="node-capture-site" />{MATCH_NOTE[n.match ?? ''] ?? ''}</>}
              </li>
            ))}
          </ol>
        </div>
      )}
      {d?.stack && d.stack.length > 0 && (
        <div data-testid="detail-cpu-stack">
          <h4 className="muted">Python stack: this {d.cpuKind === 'python' ? 'function' : 'op'} and the frames around it on its thread, innermost first</h4>
          <ol className="frames mono" data-testid="detail-stack">
            {d.stack.map((p, i) => <li key={i}><Frame text={p.name} file={p.file || undefined} line={p.line} onSource={props.onSource} /></li>)}
          </ol>
        </div>
      )}
      {d?.frames && d.frames.length > 0 && (
        <div>
          <h4 className="muted">Call stack recorded with the op, innermost first</h4>
          <ol className="frames mono" data-testid="detail-op-frames">
            {d.frames.map((f, i) => <li key={i}><Frame text={f.symbol} file={f.file} line={f.line} onSource={props.onSource} /></li>)}
          </ol>
        </div>
      )}
      {d?.runtime && (
        <div data-testid="detail-runtime">
          <h3>{d.table === 'runtime' ? 'Call stack' : `Launched by ${d.runtime.name}`} <span className="muted">({ns(d.runtime.durationNs)}, thread {d.runtime.tid})</span></h3>
          {d.runtime.frames.length === 0 && d.runtime.python.length === 0 && <p className="muted">No callchain or Python frames recorded for this call.</p>}
          {d.runtime.frames.length > 0 && (<>
            <h4 className="muted">Launch site: the call's native callchain, innermost first</h4>
            <ol className="frames mono" data-testid="detail-frames">
              {d.runtime.frames.map((f, i) => <li key={i}><Frame text={f.symbol} file={f.file} line={f.line} onSource={props.onSource} />{f.module ? <span className="muted"> [{f.module}]</span> : null}</li>)}
            </ol>
          </>)}
          {d.runtime.python.length > 0 && (<>
            <h4 className="muted">Python stack around the call, innermost first</h4>
            <ol className="frames mono" data-testid="detail-python">
              {d.runtime.python.map((p, i) => <li key={i}><Frame text={p.name} file={p.file || undefined} line={p.line} onSource={props.onSource} /></li>)}
            </ol>
          </>)}
        </div>
      )}
    </section>
  );
}
