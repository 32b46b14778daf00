// A scripted reviewer for recording the analyze benchmark's LLM transcripts when no real model is
// reachable. It is NOT a language model: a fixed procedure that speaks the OpenAI chat-completions wire
// format (through src/agent/testing/fake-llm.ts) and decides only from what a model would see — the
// prompt and the results of the tool calls it makes. It never reads truth.json.
//
// Review task ("Review these findings…"):
//   turn 0: read ±3 lines around each finding's line, and run the profile query of each category;
//   turn 1: confirm a finding when the line it names holds the code its source evidence quotes, it has
//           profile (or call-stack) evidence and a non-negligible cost; otherwise reject it with the reason.
// Extra-findings task ("The deterministic analysis found…"):
//   turn 0: search the repo for the usual sync / copy suspects, and look at the top kernels;
//   turn 1: read ±3 lines around the suspects the known findings do not cover;
//   turn 2: decline each with a reason (guarded by an `if … % … ==` step condition, an asynchronous copy,
//           or no profile query attributing a cost to it) and propose nothing.
import { conversationOf, type ReceivedRequest, type Reply, type Script } from '../../src/agent/testing/fake-llm.js';

const QUERY_OF: Record<string, string> = { C1: 'profile_gaps', C2: 'profile_launch', C3: 'profile_sync', C4: 'profile_memcpy', C5: 'profile_top_kernels', C6: 'profile_nccl', C7: 'profile_gaps' };
const SUSPECTS = String.raw`\.item\(\)|\.cpu\(\)|\.numpy\(\)|\.tolist\(\)|synchronize\(|\.to\(|\.cuda\(|print\(`;

interface Brief { id: string; category: string; pattern: string; at: string; impact: string; evidence: string[] }
type Msg = { role: string; content?: unknown; tool_calls?: Array<{ id: string }>; tool_call_id?: string };

function toolOutputs(req: ReceivedRequest): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of (req.body.messages ?? []) as Msg[]) if (m.role === 'tool' && m.tool_call_id) out.set(m.tool_call_id, typeof m.content === 'string' ? m.content : '');
  return out;
}

function tokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

function answer(req: ReceivedRequest, content: string, toolCalls?: Array<{ id: string; name: string; arguments: unknown }>): Reply {
  return { answer: { content, ...(toolCalls ? { toolCalls } : {}), usage: { input: tokens(JSON.stringify(req.body.messages ?? [])), output: tokens(content + JSON.stringify(toolCalls ?? [])) } } };
}

/** `N| text` lines of a read_file output → line number → text. */
function linesOf(readOutput: string): Map<number, string> {
  const m = new Map<number, string>();
  for (const l of readOutput.split('\n')) {
    const x = /^\s*(\d+)\| ?(.*)$/.exec(l);
    if (x) m.set(Number(x[1]), x[2]!);
  }
  return m;
}

function parseAt(at: string): { file: string; fn: string; line: number } {
  const i = at.lastIndexOf(':');
  const j = at.lastIndexOf(':', i - 1);
  return { file: at.slice(0, j), fn: at.slice(j + 1, i), line: Number(at.slice(i + 1)) };
}

function review(req: ReceivedRequest, task: string, turn: number): Reply {
  const start = task.indexOf('\n[');
  const findings = JSON.parse(task.slice(start + 1, task.indexOf('\n]', start) + 2)) as Brief[];
  if (turn === 0) {
    const calls = findings.map((f, i) => {
      const { file, line } = parseAt(f.at);
      return { id: `read-${i}`, name: 'read_file', arguments: { path: file, start: Math.max(1, line - 3), end: line + 3 } };
    });
    const cats = [...new Set(findings.map((f) => f.category.slice(0, 2)))];
    for (const c of cats) calls.push({ id: `q-${c}`, name: QUERY_OF[c] ?? 'profile_summary', arguments: {} as never });
    return answer(req, `I will read each finding's line and check the ${cats.map((c) => QUERY_OF[c]).join(', ')} results.`, calls);
  }
  const outs = toolOutputs(req);
  const verdicts = findings.map((f, i) => {
    const { file, line } = parseAt(f.at);
    const code = linesOf(outs.get(`read-${i}`) ?? '').get(line);
    const quoted = f.evidence.find((e) => e.startsWith(`source ${file}:${line}:`))?.split(': ').slice(1).join(': ').trim();
    const profile = f.evidence.filter((e) => e.startsWith('profile ') || e.startsWith('stack '));
    const ms = Number(/^([\d.]+) ms/.exec(f.impact)?.[1] ?? 0);
    const pct = Number(/\(([\d.]+)%\)/.exec(f.impact)?.[1] ?? 0);
    const queryOut = outs.get(`q-${f.category.slice(0, 2)}`) ?? '';
    if (code === undefined) return { id: f.id, verdict: 'rejected' as const, reason: `${file} has no line ${line}.` };
    if (quoted && code.trim() !== quoted) return { id: f.id, verdict: 'rejected' as const, reason: `${file}:${line} reads \`${code.trim()}\`, not the quoted \`${quoted}\`.` };
    if (!profile.length) return { id: f.id, verdict: 'rejected' as const, reason: `only a source pattern at ${file}:${line}; no profile evidence ties a cost to it.` };
    if (ms < 0.05 && pct < 0.5) return { id: f.id, verdict: 'rejected' as const, reason: `real pattern, but ${f.impact} is too small to matter.` };
    const fact = profile[0]!.replace(/^profile |^stack /, '').slice(0, 160);
    const q = queryOut.startsWith('error') || !queryOut ? '' : ` (${QUERY_OF[f.category.slice(0, 2)]} agrees)`;
    return { id: f.id, verdict: 'confirmed' as const, reason: `\`${code.trim()}\` at ${file}:${line} is the site: ${fact}${q}; ${f.impact}.` };
  });
  return answer(req, '```json\n' + JSON.stringify({ verdicts }, null, 1) + '\n```');
}

function extra(req: ReceivedRequest, task: string, turn: number): Reply {
  const known = new Set([...task.matchAll(/ at ([^"\s]+):[^:"\s]+:(\d+)"/g)].map((m) => `${m[1]}:${m[2]}`));
  if (turn === 0) {
    return answer(req, 'Looking for sync and copy sites the known findings do not cover, and at where the GPU time goes.', [
      { id: 'suspects', name: 'search', arguments: { pattern: SUSPECTS, regex: true, limit: 60 } },
      { id: 'kernels', name: 'profile_top_kernels', arguments: {} },
    ]);
  }
  const outs = toolOutputs(req);
  const hits = (outs.get('suspects') ?? '').split('\n').map((l) => /^(.+?):(\d+): (.*)$/.exec(l)).filter((m): m is RegExpExecArray => !!m && m[1]!.endsWith('.py'))
    .map((m) => ({ file: m[1]!, line: Number(m[2]), text: m[3]! })).filter((h) => !known.has(`${h.file}:${h.line}`)).slice(0, 6);
  if (turn === 1) {
    if (!hits.length) return answer(req, 'Nothing beyond the known findings.\n```json\n{"findings": []}\n```');
    return answer(req, `Reading the ${hits.length} other suspect line(s).`, hits.map((h, i) => ({ id: `ctx-${i}`, name: 'read_file', arguments: { path: h.file, start: Math.max(1, h.line - 3), end: h.line + 3 } })));
  }
  const notes = hits.map((h, i) => {
    const ctx = linesOf(outs.get(`ctx-${i}`) ?? '');
    const indent = (s: string) => s.length - s.trimStart().length;
    const own = ctx.get(h.line) ?? h.text;
    const guard = [...ctx.entries()].filter(([n, t]) => n < h.line && /^\s*if\b.*%.*==/.test(t) && indent(t) < indent(own)).pop();
    const why = guard ? `guarded by \`${guard[1].trim()}\`: runs on some steps only, no per-step cost`
      : /non_blocking\s*=\s*True/.test(own) ? 'an asynchronous copy; the profile shows no stall after it'
        : 'no profile query attributes a cost to this line beyond the known findings';
    return `- ${h.file}:${h.line} \`${h.text.trim()}\`: not proposed (${why}).`;
  });
  return answer(req, [...notes, '', 'No further finding is supported by the profile.', '```json', '{"findings": []}', '```'].join('\n'));
}

/** The script for startFakeLlm('openai', …). */
export const scriptedReviewer: Script = (req) => {
  const c = conversationOf(req.body);
  if (c.task.startsWith('Review these findings')) return review(req, c.task, c.turn);
  if (c.task.startsWith('The deterministic analysis found')) return extra(req, c.task, c.turn);
  return { status: 400, body: { error: { message: 'the scripted reviewer only answers the analyze stage', type: 'invalid_request_error' } } };
};

export const SCRIPTED_MODEL = 'scripted-reviewer';
