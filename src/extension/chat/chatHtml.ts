// The chat view's HTML: a strict Content Security Policy with a nonce, no inline script or style,
// and only the extension's media folder as a source.
import { randomBytes } from "node:crypto";
import * as vscode from "vscode";

export function chatHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const nonce = randomBytes(16).toString("base64");
  const media = (file: string) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, "media", file)).toString();
  const csp = [
    "default-src 'none'",
    `img-src ${webview.cspSource} data:`,
    `style-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join("; ");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${media("chat.css")}">
<title>Docent</title>
</head>
<body>
<div id="root"></div>
<script nonce="${nonce}" src="${media("chat.js")}"></script>
</body>
</html>`;
}
