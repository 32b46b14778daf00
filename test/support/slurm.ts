// A real single-node Slurm for tests: munged, slurmctld and slurmd started in a temp folder (as root, no
// systemd), stopped by pid. Needs Debian's slurm-wlm and munge (scripts/setup.sh installs them); without them,
// or when not root, `startSlurm` returns the reason to skip instead.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SlurmCluster {
  dir: string;
  conf: string;
  /** environment for sbatch/squeue/scontrol and for the CLI under test */
  env: NodeJS.ProcessEnv;
  partition: string;
  stop(): Promise<void>;
}

const SBIN = ['/usr/sbin', '/usr/bin'];

function which(name: string): string | undefined {
  for (const d of [...SBIN, ...(process.env.PATH ?? '').split(':')]) {
    if (d && existsSync(join(d, name))) return join(d, name);
  }
  return undefined;
}

/** Why a real Slurm cannot be started here, or undefined when it can. */
export function slurmUnavailable(): string | undefined {
  const missing = ['munged', 'slurmctld', 'slurmd', 'sbatch', 'squeue', 'scontrol'].filter((n) => !which(n));
  if (missing.length) return `Slurm not installed (missing ${missing.join(', ')}): apt-get install slurm-wlm munge, or run scripts/setup.sh as root`;
  if (process.getuid?.() !== 0) return 'starting slurmctld/slurmd/munged needs root';
  return undefined;
}

async function until(what: string, ok: () => boolean, ms: number, logs: string[]): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (ok()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  const tail = logs.map((f) => (existsSync(f) ? `${f}:\n${readFileSync(f, 'utf8').split('\n').slice(-15).join('\n')}` : '')).join('\n');
  throw new Error(`test Slurm: ${what} did not happen within ${ms} ms\n${tail}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** `n` distinct TCP ports nobody listens on now (so two test Slurms, or a test and the benchmark, do not collide). */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: n }, () => new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => resolve(srv));
  })));
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/** Starts munged + slurmctld + slurmd; always call stop() (afterAll), also after a failed start. */
export async function startSlurm(opts: { cpus?: number } = {}): Promise<SlurmCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'sysight-slurm-'));
  chmodSync(dir, 0o755);
  const host = hostname().split('.')[0]!;
  const ncpu = opts.cpus ?? Math.max(1, cpus().length);
  const procs: ChildProcess[] = [];
  const bg = (argv: string[], log: string, env: NodeJS.ProcessEnv) => {
    const fd = openSync(log, 'a');
    const p = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', fd, fd], env, detached: true });
    closeSync(fd);
    p.on('error', () => {});
    procs.push(p);
    return p;
  };
  const stop = async () => {
    // slurmd and slurmctld first (they talk to munged), then munged; each by its own pid
    for (const p of [...procs].reverse()) {
      if (p.pid !== undefined && alive(p.pid)) {
        try {
          process.kill(p.pid, 'SIGTERM');
        } catch {
          /* gone */
        }
        const end = Date.now() + 5000;
        while (alive(p.pid) && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
        if (alive(p.pid)) process.kill(p.pid, 'SIGKILL');
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // munge: its own socket, pid and key in the temp folder, run as the munge user when there is one
    const munge = join(dir, 'munge');
    mkdirSync(munge, { mode: 0o755 });
    const key = join(munge, 'munge.key');
    const mk = spawnSync(which('mungekey') ?? 'mungekey', ['--create', `--keyfile=${key}`], { encoding: 'utf8' });
    if (mk.status !== 0) {
      if (!existsSync('/etc/munge/munge.key')) throw new Error(`mungekey failed: ${mk.stderr}`);
      writeFileSync(key, readFileSync('/etc/munge/munge.key'));
    }
    chmodSync(key, 0o400);
    const socket = join(munge, 'munge.socket.2');
    bg([which('munged')!, '--foreground', '--force', `--socket=${socket}`, `--key-file=${key}`, `--pid-file=${join(munge, 'munged.pid')}`,
      `--log-file=${join(munge, 'munged.log')}`, `--seed-file=${join(munge, 'munged.seed')}`], join(dir, 'munged.out'), process.env);
    await until('munged socket', () => existsSync(socket), 10_000, [join(dir, 'munged.out'), join(munge, 'munged.log')]);

    const conf = join(dir, 'slurm.conf');
    const [ctldPort, slurmdPort] = await freePorts(2);
    for (const d of ['state', 'spool']) mkdirSync(join(dir, d), { mode: 0o755 });
    writeFileSync(conf, [
      'ClusterName=sysight-test',
      `SlurmctldHost=${host}`,
      'SlurmUser=root',
      'SlurmdUser=root',
      'AuthType=auth/munge',
      'CredType=cred/munge',
      `AuthInfo=socket=${socket}`,
      'MpiDefault=none',
      'ProctrackType=proctrack/linuxproc',
      'TaskPlugin=task/none',
      'JobAcctGatherType=jobacct_gather/none',
      'AccountingStorageType=accounting_storage/none',
      'JobCompType=jobcomp/none',
      'SelectType=select/cons_tres',
      'SelectTypeParameters=CR_CPU',
      'SchedulerType=sched/backfill',
      'SchedulerParameters=batch_sched_delay=0',
      'ReturnToService=2',
      'MailProg=/bin/true',
      `SlurmctldPort=${ctldPort}`,
      `SlurmdPort=${slurmdPort}`,
      `SlurmctldPidFile=${join(dir, 'slurmctld.pid')}`,
      `SlurmdPidFile=${join(dir, 'slurmd.pid')}`,
      `StateSaveLocation=${join(dir, 'state')}`,
      `SlurmdSpoolDir=${join(dir, 'spool')}`,
      `SlurmctldLogFile=${join(dir, 'slurmctld.log')}`,
      `SlurmdLogFile=${join(dir, 'slurmd.log')}`,
      `NodeName=${host} CPUs=${ncpu} RealMemory=1000 State=UNKNOWN`,
      `PartitionName=debug Nodes=${host} Default=YES MaxTime=INFINITE State=UP`,
      '',
    ].join('\n'));
    chmodSync(conf, 0o644);
    const env = { ...process.env, SLURM_CONF: conf };
    bg([which('slurmctld')!, '-D', '-f', conf], join(dir, 'slurmctld.out'), env);
    bg([which('slurmd')!, '-D', '-f', conf], join(dir, 'slurmd.out'), env);
    const logs = [join(dir, 'slurmctld.log'), join(dir, 'slurmd.log'), join(dir, 'slurmctld.out'), join(dir, 'slurmd.out')];
    await until('node idle in sinfo', () => {
      const r = spawnSync(which('sinfo') ?? 'sinfo', ['-h', '-o', '%T'], { env, encoding: 'utf8' });
      return r.status === 0 && /^idle/m.test(r.stdout);
    }, 30_000, logs);
    return { dir, conf, env, partition: 'debug', stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
