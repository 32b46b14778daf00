// The dashboard page: strict Content-Security-Policy (nothing but our bundle, by nonce), resources only
// from dist/webview.
import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';

export function webviewRoot(extensionUri: vscode.Uri): vscode.Uri {
  return vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
}

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return { enableScripts: true, enableCommandUris: false, localResourceRoots: [webviewRoot(extensionUri)] };
}

/** The page of the React app; `view` names its root (the profile dashboard by default, or the ranks panel). */
export function dashboardHtml(webview: vscode.Webview, extensionUri: vscode.Uri, title: string, view?: 'ranks'): string {
  const nonce = randomBytes(16).toString('base64');
  const root = webviewRoot(extensionUri);
  const script = webview.asWebviewUri(vscode.Uri.joinPath(root, 'webview.js'));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(root, 'webview.css'));
  const csp = [
    "default-src 'none'",
    // the toolkit (FAST) probes :focus-visible with one <style> element carrying the csp-nonce meta's nonce
    `style-src ${webview.cspSource} 'nonce-${nonce}'`,
    `img-src ${webview.cspSource} data:`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta property="csp-nonce" content="${nonce}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style}">
<title>${esc(title)}</title>
</head>
<body>
<div id="root"${view ? ` data-view="${view}"` : ''}></div>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
}
