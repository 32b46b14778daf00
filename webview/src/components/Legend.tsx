// One colour per kind of work, the same in the Summary's timeline, its GPU-time card and the trace view.
export type WorkKind = 'kernel' | 'nccl' | 'memcpy' | 'memset' | 'cpu' | 'waiting' | 'gpu' | 'idle';

export const KIND_LABELS: Record<WorkKind, string> = {
  kernel: 'kernels', nccl: 'NCCL', memcpy: 'copies', memset: 'memsets', cpu: 'CPU work', waiting: 'waiting (sync)', gpu: 'GPU (any)', idle: 'idle',
};

/** CSS custom property of each kind (styles.css): the trace view's canvas reads the same ones. */
export const KIND_VARS: Record<WorkKind, string> = {
  kernel: '--sy-kernel', nccl: '--sy-nccl', memcpy: '--sy-memcpy', memset: '--sy-memset', cpu: '--sy-cpu', waiting: '--sy-waiting', gpu: '--sy-gpu', idle: '--sy-idle',
};

export function KindLegend(props: { kinds: WorkKind[]; testId?: string }) {
  return (
    <div className="legend" data-testid={props.testId ?? 'kind-legend'}>
      {props.kinds.map((k) => <span key={k}><i className={`sw ${k}`} />{KIND_LABELS[k]}</span>)}
    </div>
  );
}
