// Text as a regular expression that matches exactly that text.

/** `s` with every character a RegExp gives a meaning escaped (`a.b(1)` → `a\.b\(1\)`). */
export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
