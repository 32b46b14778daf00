// `npm run bench:kineto-parsers -- FILE.json [--dir DIR]`: how fast each candidate turns a plain Kineto JSON
// file into its events, parse only (each event is counted, nothing is kept). The measurement behind the
// streaming reader's tokenizer (src/profile/kineto/scan.ts):
//   json-parse   readFile + JSON.parse of the whole text (the old reader; refuses text past 512 MiB)
//   scan         TraceScanner: cuts each event out of the byte stream and JSON.parses it
//   stream-json  stream-json's parser + pick('traceEvents') + streamArray (when installed in --dir)
//   streamparser @streamparser/json JSONParser with paths ['$.traceEvents.*'] (when installed in --dir)
// Each candidate runs in its own subprocess, twice, interleaved; CPU seconds (user+sys) and peak RSS come
// from getrusage of that subprocess, beside wall time and the load average. Writes bench/results/kineto-parsers.json.
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { TraceScanner } from '../src/profile/kineto/scan.js';

const ROOT = resolve(__dirname, '..', '..');
const CANDIDATES = ['json-parse', 'scan', 'stream-json', 'streamparser'] as const;
type Candidate = (typeof CANDIDATES)[number];

async function runOne(candidate: Candidate, file: string, dir: string): Promise<number> {
  let n = 0;
  const req = createRequire(join(dir, 'node_modules', 'x.js'));
  switch (candidate) {
    case 'json-parse': {
      const v = JSON.parse(readFileSync(file, 'utf8')) as { traceEvents: unknown[] };
      return v.traceEvents.length;
    }
    case 'scan': {
      const s = new TraceScanner({ member() {}, element() { n++; } });
      for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) s.push(chunk as Buffer);
      s.end();
      return n;
    }
    case 'stream-json': {
      const { parser } = req('stream-json') as { parser: () => unknown };
      const { pick } = req('stream-json/filters/pick.js') as { pick: (o: { filter: string }) => unknown };
      const { streamArray } = req('stream-json/streamers/stream-array.js') as { streamArray: () => unknown };
      const chainMod = req('stream-chain') as { default?: (fns: unknown[]) => AsyncIterable<unknown>; chain?: (fns: unknown[]) => AsyncIterable<unknown> };
      const chain = chainMod.chain ?? chainMod.default!;
      const out = chain([createReadStream(file, { highWaterMark: 1 << 20 }), parser(), pick({ filter: 'traceEvents' }), streamArray()]);
      for await (const _ of out) n++;
      return n;
    }
    case 'streamparser': {
      const { JSONParser } = req('@streamparser/json') as { JSONParser: new (o: object) => { onValue: (v: unknown) => void; write(b: Uint8Array): void; end(): void } };
      const p = new JSONParser({ paths: ['$.traceEvents.*'], keepStack: false });
      p.onValue = () => { n++; };
      for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) p.write(chunk as Buffer);
      return n; // the parser ends itself at the close of the top-level object
    }
  }
}

const WRAP = `
import json, resource, subprocess, sys, time, os
t = time.perf_counter()
r = subprocess.run(sys.argv[1:], capture_output=True, text=True)
u = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({'wall_s': time.perf_counter() - t, 'cpu_s': u.ru_utime + u.ru_stime, 'rc': r.returncode,
                  'stdout': r.stdout.strip(), 'stderr': r.stderr[-500:], 'maxrss_kb': u.ru_maxrss}))
`;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--one') {
    const n = await runOne(args[1] as Candidate, args[2]!, args[3]!);
    process.stdout.write(`${n}\n`);
    return;
  }
  const file = args.find((a) => !a.startsWith('--'));
  const di = args.indexOf('--dir');
  const dir = resolve(di >= 0 ? args[di + 1]! : process.env.KINETO_PARSERS_DIR ?? join(ROOT, 'bench', 'work', 'parsers'));
  if (!file || !existsSync(file)) throw new Error('usage: bench:kineto-parsers -- FILE.json [--dir DIR with stream-json and @streamparser/json installed]');
  const have = (pkg: string): boolean => existsSync(join(dir, 'node_modules', pkg, 'package.json'));
  const runs: Record<string, unknown>[] = [];
  for (let rep = 0; rep < 2; rep++) {
    for (const c of CANDIDATES) {
      if (c === 'stream-json' && !have('stream-json')) continue;
      if (c === 'streamparser' && !have('@streamparser/json')) continue;
      const load = loadavg()[0]!;
      const r = spawnSync('python3', ['-c', WRAP, process.execPath, '--max-old-space-size=6000', __filename, '--one', c, file, dir], { encoding: 'utf8' });
      const m = JSON.parse(r.stdout) as { wall_s: number; cpu_s: number; rc: number; stdout: string; stderr: string; maxrss_kb: number };
      const row = { candidate: c, rep, events: Number(m.stdout), wall_s: +m.wall_s.toFixed(2), cpu_s: +m.cpu_s.toFixed(2), peak_rss_mb: Math.round(m.maxrss_kb / 1024), load1: +load.toFixed(2), ...(m.rc !== 0 ? { error: m.stderr.split('\n').filter(Boolean).pop() } : {}) };
      runs.push(row);
      console.log(JSON.stringify(row));
    }
  }
  const out = join(ROOT, 'bench', 'results', 'kineto-parsers.json');
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(out, `${JSON.stringify({ file, bytes: statSync(file).size, node: process.version, runs }, null, 2)}\n`);
  console.log(`wrote ${out}`);
}

void main().catch((e: unknown) => {
  console.error((e as Error).message);
  process.exit(2);
});
