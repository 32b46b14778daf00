// `sysight mcp` driven by the MCP SDK's own client over stdio: tools listed, a profile query and analyze
// answered, a path outside the repo refused.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');
const TRACE = join(ROOT, 'examples', 'nanogpt', 'profiles', 'cpu_trace.json.gz');

type TextResult = { content: Array<{ type: string; text: string }>; isError?: boolean };

describe('sysight mcp', () => {
  let client: Client;
  let repo: string;
  beforeAll(async () => {
    repo = mkdtempSync(join(tmpdir(), 'sysight-mcp-'));
    cpSync(join(ROOT, 'examples', 'nanogpt'), repo, { recursive: true, filter: (p) => !p.includes('.sysight') });
    client = new Client({ name: 'sysight-test', version: '1.0.0' });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [join(ROOT, 'bin', 'sysight.js'), 'mcp', '--repo', repo], stderr: 'ignore' }));
  });
  afterAll(async () => {
    await client?.close();
    rmSync(repo, { recursive: true, force: true });
  });

  it('lists analyze, optimize, the profile queries and the source tools', async () => {
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    for (const n of ['analyze', 'optimize', 'profile_summary', 'profile_iterations', 'read_file', 'search', 'wiki_search']) expect(names).toContain(n);
    const summary = tools.find((t) => t.name === 'profile_summary')!;
    expect((summary.inputSchema as { required?: string[] }).required).toContain('profile');
  });

  it('answers a profile query and analyze on the demo trace', async () => {
    const it3 = (await client.callTool({ name: 'profile_iterations', arguments: { profile: TRACE } })) as TextResult;
    expect(it3.isError).toBeFalsy();
    expect(it3.content[0]!.text).toMatch(/^iterations\s+3$/m);
    const a = (await client.callTool({ name: 'analyze', arguments: { profile: TRACE } })) as TextResult;
    expect(a.isError, a.content[0]?.text).toBeFalsy();
    const set = JSON.parse(a.content[0]!.text);
    expect(set.runId).toMatch(/\d{8}-\d{6}-/);
    expect(set.findings[0]).toMatchObject({ category: 'C7', file: 'train.py', function: 'get_batch' });
  });

  it('confines source tools to the repo', async () => {
    const ok = (await client.callTool({ name: 'read_file', arguments: { path: 'train.py', start: 1, end: 3 } })) as TextResult;
    expect(ok.isError).toBeFalsy();
    const escape = (await client.callTool({ name: 'read_file', arguments: { path: '../../etc/passwd' } })) as TextResult;
    expect(escape.isError).toBe(true);
    expect(escape.content[0]!.text).not.toMatch(/root:x:0/);
  });
});
