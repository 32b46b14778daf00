// torch's legacy export_chrome_trace (autograd profiler, torch without Kineto) formats each event with
// '"name": "%s"' — names are not JSON-escaped, so a record_function name with a quote or backslash makes
// the file invalid JSON. This reads such a file event by event from its fixed layout.

const EVENT_RE = /\{"name": "((?:(?!"ph": ).)*?)", "ph": "([A-Za-z])", "ts": (-?[\d.eE+-]+), (?:"dur": (-?[\d.eE+-]+), )?"tid": (-?\d+|" [^"]*"), "pid": "CPU functions", (?:"id": (\d+), "cat": "([^"]*)", )?"args": \{\}\}(?=, |\]\s*$)/gs;

/** The events of a legacy trace that JSON.parse rejects, or undefined when the text is not one. */
export function parseLegacyTolerant(text: string): Record<string, unknown>[] | undefined {
  const body = text.trim();
  if (!body.startsWith('[{"name": ') || !body.endsWith(']') || !body.includes('"pid": "CPU functions"')) return undefined;
  const out: Record<string, unknown>[] = [];
  let covered = 1;
  for (const m of body.matchAll(EVENT_RE)) {
    if (m.index !== covered) return undefined;
    covered = m.index + m[0].length;
    if (body.startsWith(', ', covered)) covered += 2;
    const tid = m[5]!.startsWith('"') ? m[5]!.slice(1, -1) : Number(m[5]);
    out.push({
      name: m[1]!, ph: m[2]!, ts: Number(m[3]), ...(m[4] !== undefined ? { dur: Number(m[4]) } : {}),
      tid, pid: 'CPU functions', ...(m[6] !== undefined ? { id: Number(m[6]), cat: m[7] } : {}), args: {},
    });
  }
  return covered === body.length - 1 && out.length > 0 ? out : undefined;
}
