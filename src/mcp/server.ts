// `sysight mcp`: the engine for coding agents over MCP (stdio). Tools: `analyze` (profile + repo → ranked
// findings), `optimize` (a run's findings → sandbox-verified patches), and every tool the LLM stages use —
// the profile queries (`profile_<query>`, on a profile named per call), the source tools (paths confined to
// the repo) and the knowledge base. One registry (src/agent/tools.ts) serves both.
import { resolve } from 'node:path';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { agentTools, runTool, type AgentTool } from '../agent/tools.js';
import { oneLine } from '../core/errors.js';
import type { ProfileModel } from '../core/profile.js';
import { analyzeToRun } from '../pipeline/analyze.js';
import { optimizeRun } from '../pipeline/optimize.js';
import { loopSummary } from '../pipeline/summary.js';
import { openProfile } from '../profile/open.js';
import { indexRepo, type RepoIndex } from '../source/index.js';

export interface McpOptions {
  /** the repository the source and knowledge-base tools read (default: the working directory) */
  repo: string;
  version: string;
}

type Json = Record<string, unknown>;

const REPO_ARG = { type: 'string', description: 'repository root (default: the server\'s --repo)' };
const PROFILE_ARG = { type: 'string', description: 'path of an nsys .sqlite export or a PyTorch profiler .json/.json.gz trace' };

/** The tools an MCP client sees, with the profile path added to every profile query. */
export function mcpTools(base: AgentTool[] = agentTools()): AgentTool[] {
  return base.map((t) => {
    if (!t.name.startsWith('profile_')) return t;
    const params = t.parameters as { type: 'object'; properties?: Json; required?: string[] };
    return { ...t, parameters: { ...params, properties: { ...(params.properties ?? {}), profile: PROFILE_ARG }, required: [...(params.required ?? []), 'profile'] } };
  });
}

export function createMcpServer(o: McpOptions): Server {
  const server = new Server({ name: 'sysight', version: o.version }, { capabilities: { tools: {} } });
  const base = agentTools();
  const tools = mcpTools(base);
  const models = new Map<string, Promise<ProfileModel>>();
  const indexes = new Map<string, Promise<RepoIndex>>();
  const modelOf = (p: string) => {
    const key = resolve(p);
    if (!models.has(key)) models.set(key, openProfile(key));
    return models.get(key)!;
  };
  const extra = [
    { name: 'analyze', description: 'Find C1–C7 bottlenecks in a profile and localize each to file:function:line of the repo, with profile evidence. Writes .sysight/runs/<id>/findings.json.',
      inputSchema: { type: 'object', properties: { profile: PROFILE_ARG, repo: REPO_ARG }, required: ['profile'] } },
    { name: 'optimize', description: 'Plan patches for the findings of a run and verify each in a git-worktree sandbox (smoke test, interleaved A/B timing, numerics guard). Never changes the working tree.',
      inputSchema: { type: 'object', properties: { run_id: { type: 'string' }, repo: REPO_ARG, python: { type: 'string' }, runs: { type: 'number' } }, required: ['run_id'] } },
  ];
  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: [...extra, ...tools.map((t) => ({ name: t.name, description: t.description, inputSchema: t.parameters as { type: 'object' } }))],
  }));
  server.setRequestHandler(CallToolRequestSchema, async (req, ctx) => {
    const args = (req.params.arguments ?? {}) as Json;
    const repo = resolve(typeof args.repo === 'string' ? args.repo : o.repo);
    const text = (t: string, isError = false) => ({ content: [{ type: 'text' as const, text: t }], ...(isError ? { isError: true } : {}) });
    try {
      if (req.params.name === 'analyze') {
        const r = await analyzeToRun(resolve(String(args.profile)), repo, { signal: ctx.signal });
        return text(JSON.stringify({ runId: r.runId, ...r.set }, null, 2));
      }
      if (req.params.name === 'optimize') {
        const r = await optimizeRun({ repo, runId: String(args.run_id), ...(typeof args.python === 'string' ? { python: args.python } : {}), ...(typeof args.runs === 'number' ? { runs: args.runs } : {}), signal: ctx.signal });
        return text(`${loopSummary(r.run)}\nReport: ${r.reports.html}`);
      }
      const tool = tools.find((t) => t.name === req.params.name);
      if (!tool) return text(`unknown tool: ${req.params.name}`, true);
      const { profile, repo: _repo, ...rest } = args;
      if (!indexes.has(repo)) indexes.set(repo, indexRepo(repo));
      const model = tool.name.startsWith('profile_') ? await modelOf(String(profile)) : undefined;
      // the registry's own schemas (without the per-call profile path) validate the arguments
      const out = await runTool(base, tool.name, rest, { repo, ...(model ? { model } : {}), index: () => indexes.get(repo)!, signal: ctx.signal });
      return text(out.output, !out.ok);
    } catch (e) {
      return text(oneLine(e), true);
    }
  });
  return server;
}

export async function serveMcp(o: McpOptions, transport: Transport = new StdioServerTransport()): Promise<void> {
  const server = createMcpServer(o);
  await server.connect(transport);
  await new Promise<void>((done) => { server.onclose = () => done(); });
}
