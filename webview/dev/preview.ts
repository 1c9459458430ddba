// Dev preview of the chat view outside VS Code (not shipped): stubs acquireVsCodeApi, applies
// VS Code-like theme variables and default webview styles, and plays a fake host that sends `init`
// and streams turns. Loaded before media/chat.js by preview.html; build it with build-preview.mjs.
// Query: ?scenario=stream|empty|history|error|indexing  &theme=dark|light  &delay=ms per chunk
//        &reading=seconds the model reads before its first word (shown with the best lines; "server": no estimate, until Stop)
//        &stopDelay=ms the engine takes to stop after Stop (a local model finishing its batch)
import type { AnswerEvent, AnswerResult, AnswerSource as Source } from "../../src/shared/answer.js";
import type { EngineStatus } from "../../src/shared/protocol.js";
import type { ChatTurn, HostToWebview, WebviewToHost } from "../../src/shared/webviewMessages.js";

const params = new URLSearchParams(location.search);
const scenario = params.get("scenario") ?? "stream";
const theme = params.get("theme") === "light" ? "light" : "dark";
const delay = Number(params.get("delay") ?? 40);
const readingParam = params.get("reading");
const stopDelay = Number(params.get("stopDelay") ?? 0);

/** Every message the view posted, for scripted checks (webview/dev/screenshot.mjs reads it). */
const posted: WebviewToHost[] = [];
Object.assign(window, { __docentPosted: posted });

let state: unknown;
Object.assign(window, {
  acquireVsCodeApi: () => ({
    postMessage: (message: WebviewToHost) => {
      posted.push(message);
      console.log("[view -> host]", JSON.stringify(message));
      void onMessage(message);
    },
    getState: () => state,
    setState: (next: unknown) => {
      state = next;
    },
  }),
});

// --------------------------------------------------------------------------------------- theme

const DARK: Record<string, string> = {
  "font-family": 'system-ui, "Ubuntu", "Droid Sans", sans-serif',
  "font-size": "13px",
  "font-weight": "normal",
  "editor-font-family": '"Droid Sans Mono", "monospace", monospace',
  "editor-font-size": "13px",
  foreground: "#cccccc",
  "editor-foreground": "#cccccc",
  "sideBar-background": "#181818",
  "editor-background": "#1f1f1f",
  descriptionForeground: "#9d9d9d",
  errorForeground: "#f85149",
  focusBorder: "#0078d4",
  "textLink-foreground": "#4daafc",
  "textLink-activeForeground": "#4daafc",
  "textBlockQuote-background": "#2b2b2b",
  "textBlockQuote-border": "#616161",
  "textCodeBlock-background": "#2b2b2b",
  "textPreformat-foreground": "#d0d0d0",
  "textPreformat-background": "#3c3c3c",
  "badge-background": "#616161",
  "badge-foreground": "#f8f8f8",
  "button-background": "#0078d4",
  "button-foreground": "#ffffff",
  "button-hoverBackground": "#026ec1",
  "button-border": "#ffffff12",
  "button-secondaryBackground": "#313131",
  "button-secondaryForeground": "#cccccc",
  "button-secondaryHoverBackground": "#3c3c3c",
  "input-background": "#313131",
  "input-foreground": "#cccccc",
  "input-border": "#3c3c3c",
  "dropdown-border": "#3c3c3c",
  "input-placeholderForeground": "#989898",
  "progressBar-background": "#0078d4",
  "panel-border": "#2b2b2b",
  "widget-border": "#313131",
  "sideBarSectionHeader-border": "#2b2b2b",
  "list-hoverBackground": "#2a2d2e",
  "toolbar-hoverBackground": "#5a5d5e50",
  "icon-foreground": "#cccccc",
  "inputValidation-errorBackground": "#5a1d1d",
  "editorWarning-foreground": "#cca700",
  "scrollbarSlider-background": "#79797966",
  "scrollbarSlider-hoverBackground": "#646464b3",
};

const LIGHT: Record<string, string> = {
  ...DARK,
  foreground: "#3b3b3b",
  "editor-foreground": "#3b3b3b",
  "sideBar-background": "#f8f8f8",
  "editor-background": "#ffffff",
  descriptionForeground: "#717171",
  errorForeground: "#e51400",
  focusBorder: "#005fb8",
  "textLink-foreground": "#005fb8",
  "textLink-activeForeground": "#005fb8",
  "textBlockQuote-background": "#f2f2f2",
  "textBlockQuote-border": "#e5e5e5",
  "textCodeBlock-background": "#f2f2f2",
  "textPreformat-foreground": "#3b3b3b",
  "textPreformat-background": "#0000001f",
  "badge-background": "#cccccc",
  "badge-foreground": "#3b3b3b",
  "button-background": "#005fb8",
  "button-hoverBackground": "#0258a8",
  "button-border": "#0000001a",
  "button-secondaryBackground": "#e5e5e5",
  "button-secondaryForeground": "#3b3b3b",
  "button-secondaryHoverBackground": "#cccccc",
  "input-background": "#ffffff",
  "input-foreground": "#3b3b3b",
  "input-border": "#cecece",
  "dropdown-border": "#cecece",
  "input-placeholderForeground": "#767676",
  "progressBar-background": "#005fb8",
  "panel-border": "#e5e5e5",
  "widget-border": "#e5e5e5",
  "sideBarSectionHeader-border": "#e5e5e5",
  "list-hoverBackground": "#f2f2f2",
  "icon-foreground": "#3b3b3b",
  "inputValidation-errorBackground": "#f2dede",
  "editorWarning-foreground": "#bf8803",
};

// VS Code sets the theme as variables on <html> and adds its default webview styles; a
// constructed stylesheet does the same here without breaking the page's CSP.
const vars = theme === "light" ? LIGHT : DARK;
const sheet = new CSSStyleSheet();
sheet.replaceSync(`
  html { ${Object.entries(vars)
    .map(([k, v]) => `--vscode-${k}: ${v};`)
    .join(" ")} background: var(--vscode-sideBar-background); }
  body { background-color: transparent; color: var(--vscode-editor-foreground); font-family: var(--vscode-font-family);
    font-weight: var(--vscode-font-weight); font-size: var(--vscode-font-size); margin: 0; padding: 0 20px; }
  a, a code { color: var(--vscode-textLink-foreground); }
  code { font-family: var(--vscode-editor-font-family); color: var(--vscode-textPreformat-foreground);
    background-color: var(--vscode-textPreformat-background); padding: 1px 3px; border-radius: 4px; }
  pre code { padding: 0; }
  blockquote { background: var(--vscode-textBlockQuote-background); border-color: var(--vscode-textBlockQuote-border); }
  ::-webkit-scrollbar { width: 10px; height: 10px; }
  ::-webkit-scrollbar-thumb { background-color: var(--vscode-scrollbarSlider-background); }
`);
document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
document.addEventListener("DOMContentLoaded", () => {
  document.body.classList.add(theme === "light" ? "vscode-light" : "vscode-dark");
  document.body.dataset.vscodeThemeKind = theme === "light" ? "vscode-light" : "vscode-dark";
});

// ---------------------------------------------------------------------------------- fake host

const DOCS = "/home/me/otel/docs";
const sources: Source[] = [
  {
    n: 1,
    path: "http/http-metrics.md",
    file: `${DOCS}/http/http-metrics.md`,
    heading: "Metric: `http.server.request.duration`",
    startLine: 60,
    endLine: 203,
    matchedBy: ["text", "vector"],
  },
  {
    n: 2,
    path: "http/http-spans.md",
    file: `${DOCS}/http/http-spans.md`,
    heading: "HTTP server span",
    startLine: 507,
    endLine: 602,
    matchedBy: ["text"],
    // The same section copied into an archived version of the docs: one source, two places.
    also: [{ path: "archive/v1.26/http/http-spans.md", file: `${DOCS}/archive/v1.26/http/http-spans.md`, startLine: 498, endLine: 590 }],
  },
  {
    n: 3,
    path: "http/http-metrics.md",
    file: `${DOCS}/http/http-metrics.md`,
    heading: "Metric: `http.server.active_requests`",
    startLine: 204,
    endLine: 282,
    matchedBy: ["term"],
    term: "http.server",
  },
  {
    n: 4,
    path: "general/attribute-requirement-level.md",
    file: `${DOCS}/general/attribute-requirement-level.md`,
    heading: "Conditionally Required",
    startLine: 40,
    endLine: 72,
    matchedBy: ["vector"],
  },
];

const QUESTION = "Which attributes are required on http.server.request.duration, and what unit does it use?";
const DRAFT =
  "The metric `http.server.request.duration` is a histogram in seconds. It requires `http.request.method`, `url.scheme` and `http.response.status_code`; `http.route` is conditionally required.";
const ANSWER = [
  "`http.server.request.duration` is a **histogram** measured in seconds (`s`) [1]. These attributes are required [1, 4]:",
  "",
  "- `http.request.method` — the HTTP method, e.g. `GET` [1]",
  "- `url.scheme` — `http` or `https` [1]",
  "- `http.response.status_code` — *conditionally required*, if a response was sent [4]",
  "",
  "Set `http.route` when the framework provides it [2]. For example:",
  "",
  "```yaml",
  "http.request.method: GET",
  "http.route: /users/{id}",
  "```",
  "",
  "Rendered as text, never markup: <img src=x onerror=alert(1)> and [a link](javascript:alert(1)); [9] names no source.",
].join("\n");

/** The retrieval-only answer shown while the model reads (as pipeline.ts writes it). */
const BEST_LINES = {
  answer: [
    "[1] **Metric: `http.server.request.duration`** · `docs/http/http-metrics.md:60-203`",
    "",
    "This metric is required. The unit is `s` (seconds); the instrument a Histogram.",
    "",
    "[2] **HTTP Server semantic conventions** · `docs/http/http-spans.md:390-480`",
    "",
    "HTTP server span names SHOULD be `{method} {target}`.",
  ].join("\n"),
  sources: [
    {
      n: 1,
      path: "docs/http/http-metrics.md",
      file: "/workspace/docs/http/http-metrics.md",
      heading: "Metric: `http.server.request.duration`",
      startLine: 60,
      endLine: 203,
      matchedBy: ["term" as const],
    },
    {
      n: 2,
      path: "docs/http/http-spans.md",
      file: "/workspace/docs/http/http-spans.md",
      heading: "HTTP Server semantic conventions",
      startLine: 390,
      endLine: 480,
      matchedBy: ["text" as const],
    },
  ],
};

function chunks(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

function citationsOf(numbers: number[]): AnswerResult["citations"] {
  return numbers.map((n) => {
    const s = sources[n - 1]!;
    return { n, path: s.path, file: s.file, heading: s.heading, startLine: s.startLine, endLine: s.endLine };
  });
}

function result(partial: Partial<AnswerResult> = {}): AnswerResult {
  const answer = partial.answer ?? ANSWER;
  return {
    question: QUESTION,
    draft: DRAFT,
    answer,
    mode: "model",
    sources,
    citations: citationsOf([1, 2, 4]),
    invalidCitations: [9],
    draftWeight: 0.6,
    aborted: false,
    timings: { terms: 3, draft: 820, retrieve: 24, answer: 2350, total: 3210, firstAnswerTokenMs: 1290 },
    tokens: { draft: 48, answer: 131, answerPrompt: 2210 },
    tokensPerSecond: { draft: 58.2, answer: 41.7 },
    ...partial,
  };
}

const ready: EngineStatus = { state: "ready", files: 214, sections: 3129, model: "qwen2.5-1.5b-instruct-q4_k_m.gguf", device: "cpu", warnings: [] };

function send(message: HostToWebview): void {
  window.postMessage(message, "*");
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let turnCounter = 0;
let stopRequested = false;

async function streamTurn(question: string, answer = ANSWER): Promise<void> {
  const id = `t${++turnCounter}`;
  stopRequested = false;
  send({ type: "turnStarted", turn: { id, question } });
  const event = (e: AnswerEvent) => send({ type: "event", id, event: e });
  const stage = async (name: "terms" | "draft" | "retrieve" | "answer", ms: number, during?: () => Promise<void>) => {
    event({ type: "stage", stage: name, status: "started" });
    await sleep(delay * 3);
    if (during) await during();
    event({ type: "stage", stage: name, status: "finished", ms });
  };
  await stage("terms", 3);
  await stage("draft", 820, async () => {
    for (const c of chunks(DRAFT)) {
      event({ type: "draft-chunk", text: c });
      await sleep(delay / 2);
    }
  });
  await stage("retrieve", 24);
  let streamed = "";
  await stage("answer", 2350, async () => {
    event({ type: "sources", sources });
    if (readingParam) {
      const seconds = readingParam === "server" ? undefined : Number(readingParam);
      event({ type: "reading", promptTokens: 1150, ...(seconds !== undefined ? { seconds } : {}), bestLines: BEST_LINES });
      const until = performance.now() + (seconds ?? Infinity) * 1000;
      while (!stopRequested && performance.now() < until) await sleep(50);
    }
    for (const c of chunks(answer)) {
      if (stopRequested) break;
      streamed += c;
      event({ type: "answer-chunk", text: c });
      await sleep(delay);
    }
  });
  send({
    type: "turnDone",
    id,
    result: result({ question, answer: streamed.trim(), aborted: stopRequested, ...(readingParam ? { bestLines: BEST_LINES } : {}) }),
  });
}

async function onMessage(message: WebviewToHost): Promise<void> {
  await sleep(0);
  switch (message.type) {
    case "ready":
      return start();
    case "ask":
      return streamTurn(message.question);
    case "stop":
      send({ type: "stopping", id: `t${turnCounter}` });
      await sleep(stopDelay);
      stopRequested = true;
      return;
    case "feedback":
      await sleep(100);
      return send({ type: "feedbackSaved", id: message.id, rating: message.rating });
    case "clearHistory":
      return send({ type: "historyCleared" });
    case "selectModel":
      return send({ type: "status", status: ready, hasModel: true });
    default:
      return;
  }
}

async function start(): Promise<void> {
  switch (scenario) {
    case "empty":
      send({ type: "init", turns: [], status: { ...ready, model: undefined }, hasModel: false });
      return;
    case "indexing":
      send({ type: "init", turns: [], status: { state: "indexing", files: 214, sections: 0, progress: 0.42, warnings: [] }, hasModel: true });
      return;
    case "error":
      send({
        type: "init",
        turns: history().slice(2),
        status: {
          state: "error",
          files: 214,
          sections: 3129,
          message: "The chat model failed to load: not a GGUF file",
          warnings: ["Skipped 2 files over 1 MB"],
        },
        hasModel: true,
      });
      return;
    case "history":
      send({ type: "init", turns: history(), status: { ...ready, warnings: ["Skipped 2 files over 1 MB", "docs/big.md: not UTF-8"] }, hasModel: true });
      return;
    default:
      send({ type: "init", turns: [], status: ready, hasModel: true });
      await sleep(200);
      await streamTurn(QUESTION);
      return;
  }
}

function history(): ChatTurn[] {
  const retrievalSources = sources.slice(0, 3);
  return [
    {
      id: "h1",
      question: "What is the span name for an HTTP server span?",
      rating: "up",
      result: result({
        question: "What is the span name for an HTTP server span?",
        draft: "",
        answer:
          "HTTP server span names SHOULD be `{method} {target}` [2], where the target is `http.route` when available [2].\n\n| Attribute | Requirement |\n| --- | --- |\n| `http.route` | Conditionally required [4] |\n| `http.request.method` | Required |",
        citations: citationsOf([2, 4]),
      }),
    },
    {
      id: "h2",
      question: "How do I count active requests?",
      result: result({
        question: "How do I count active requests?",
        draft: "",
        mode: "retrieval-only",
        note: "No chat model is configured, so these are the best-matching sections of the docs.",
        sources: retrievalSources,
        citations: [],
        answer: [
          "The best-matching sections of the docs:",
          "",
          ...retrievalSources.map(
            (s) => `${s.n}. **${s.heading}** (${s.path}, lines ${s.startLine}-${s.endLine}) [${s.n}]\n   An excerpt of the section text shown here…`,
          ),
        ].join("\n"),
      }),
    },
    {
      id: "h3",
      question: "What does the spec say about quantum tunnelling?",
      result: result({
        question: "What does the spec say about quantum tunnelling?",
        draft: "",
        mode: "not-covered",
        note: "No section matches the question.",
        sources: [],
        citations: [],
        answer: "The documentation does not seem to cover this.",
      }),
    },
    {
      id: "h4",
      question: "Explain every HTTP metric in detail",
      result: result({
        question: "Explain every HTTP metric in detail",
        answer: "There are four HTTP server metrics [1]. The first is",
        aborted: true,
        citations: citationsOf([1]),
      }),
    },
    { id: "h5", question: "Which port does the collector use?", error: "The engine process exited unexpectedly (code 134)." },
  ];
}
