// A few of the CSS variables VS Code injects into webviews, for a light, a dark and a high-contrast theme:
// one row per variable (without its `--vscode-` prefix), one column per theme; null where a theme leaves it unset.
type ThemeName = 'light' | 'dark' | 'hc';
const COLUMNS: ThemeName[] = ['light', 'dark', 'hc'];
const BODY_CLASS: Record<ThemeName, string> = { light: 'vscode-light', dark: 'vscode-dark', hc: 'vscode-high-contrast' };

const COLORS: Array<[variable: string, light: string | null, dark: string | null, hc: string | null]> = [
  ['foreground', '#3b3b3b', '#cccccc', '#ffffff'],
  ['editor-foreground', '#3b3b3b', '#cccccc', '#ffffff'],
  ['editor-background', '#ffffff', '#1f1f1f', '#000000'],
  ['descriptionForeground', '#717171', '#9d9d9d', '#ffffff'],
  ['contrastBorder', null, null, '#6fc3df'],
  ['panel-border', '#e5e5e5', '#2b2b2b', '#6fc3df'],
  ['editorWidget-background', '#f8f8f8', '#202020', null],
  ['charts-blue', '#1a85ff', '#3794ff', '#3794ff'],
  ['charts-yellow', '#bf8803', '#cca700', '#ffd700'],
  ['charts-purple', '#652d90', '#b180d7', '#b180d7'],
  ['charts-green', '#388a34', '#89d185', '#89d185'],
  ['charts-orange', '#d18616', '#d18616', '#d18616'],
  ['charts-red', '#e51400', '#f14c4c', '#f48771'],
  ['textLink-foreground', '#005fb8', '#4daafc', '#21a6ff'],
  ['list-hoverBackground', '#f2f2f2', '#2a2d2e', null],
  ['badge-background', '#cccccc', '#616161', '#000000'],
  ['badge-foreground', '#3b3b3b', '#f8f8f8', '#ffffff'],
  ['focusBorder', '#005fb8', '#0078d4', '#f38518'],
  ['progressBar-background', '#005fb8', '#0078d4', '#0f4a85'],
];

function theme(name: ThemeName): { bodyClass: string; vars: Record<string, string> } {
  const vars: Record<string, string> = { '--vscode-font-family': 'system-ui, sans-serif', '--vscode-font-size': '13px' };
  const column = COLUMNS.indexOf(name) + 1;
  for (const row of COLORS) {
    const value = row[column];
    if (value) vars[`--vscode-${row[0]}`] = value;
  }
  return { bodyClass: BODY_CLASS[name], vars };
}

export const THEMES: Record<ThemeName, { bodyClass: string; vars: Record<string, string> }> = {
  light: theme('light'), dark: theme('dark'), hc: theme('hc'),
};
