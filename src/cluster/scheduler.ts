// The scheduler seam of the map step: a job is N independent tasks, each one argv with its own log file.
// Implementations: the local pool (child processes over the cores of this machine) and Slurm (a job array).
// Kubernetes Jobs (an Indexed Job, completion index = task index) or Ray (one remote task per index) fit the
// same shape: submit returns a handle, wait reports progress and ends with one status per task.

export interface MapTask {
  /** 0..N-1; Slurm's SLURM_ARRAY_TASK_ID, a Kubernetes completion index */
  index: number;
  /** argv[0] is the program (an absolute path where the task may run on another machine) */
  argv: string[];
  /** stdout and stderr of the task go here */
  logPath: string;
  /** what the task works on, for messages (e.g. the profile path) */
  label: string;
}

export interface MapJob {
  /** short name shown by the scheduler (Slurm --job-name) */
  name: string;
  tasks: MapTask[];
  /** a folder the scheduler may write its own files into (batch script, task list, exit and usage files) */
  workDir: string;
  /** extra environment for every task */
  env?: Record<string, string>;
  /** V8 heap limit of a Node task (passed as --max-old-space-size through NODE_OPTIONS) */
  maxOldSpaceMb?: number;
}

export type TaskState = 'pending' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface TaskStatus {
  index: number;
  label: string;
  state: TaskState;
  /** exit code of the task's process; null while it runs or when it was killed by a signal */
  exitCode: number | null;
  signal?: string | null;
  /** peak resident memory of the task's process, bytes (Node tasks report it themselves; others: /proc VmHWM) */
  peakRssBytes?: number;
  wallMs?: number;
  /** user + system CPU time of the task's own process (Node tasks report it), ms */
  cpuMs?: number;
  logPath: string;
  /** why it failed, one line (last line of its log, or the scheduler's reason) */
  message?: string;
}

export interface JobProgress {
  total: number;
  pending: number;
  running: number;
  succeeded: number;
  failed: number;
  cancelled: number;
}

export interface WaitOptions {
  signal?: AbortSignal | undefined;
  onProgress?: ((p: JobProgress, tasks: readonly TaskStatus[]) => void) | undefined;
}

export interface SubmittedJob {
  /** the scheduler's id (Slurm job id; the local pool's own id) */
  readonly id: string;
  /** resolves when every task has ended; on abort it cancels the job and rejects with CancelledError */
  wait(opts?: WaitOptions): Promise<TaskStatus[]>;
  /** the current status of every task */
  status(): Promise<TaskStatus[]>;
  /** stops running tasks (kills child processes, scancel); tasks not started end as cancelled */
  cancel(): Promise<void>;
}

export interface Scheduler {
  readonly kind: 'local' | 'slurm';
  submit(job: MapJob): Promise<SubmittedJob>;
}

export function progressOf(tasks: readonly TaskStatus[]): JobProgress {
  const p: JobProgress = { total: tasks.length, pending: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0 };
  for (const t of tasks) p[t.state]++;
  return p;
}

export function isDone(t: TaskStatus): boolean {
  return t.state === 'succeeded' || t.state === 'failed' || t.state === 'cancelled';
}
