// Messages between the chat webview and the extension host. The webview imports only this file
// (and its UI kit); every message from the webview is validated by the host before use.
import { MAX_OTHER_LOCATIONS, type AnswerEvent, type AnswerResult, type AnswerSource, type BestLines, type SourceLocation } from "./answer.js";
import type { EngineStatus } from "./protocol.js";

/** Longest question, comment and corrected answer the host accepts (the webview's inputs stop there too). */
export const MAX_QUESTION_CHARS = 8000;
export const MAX_COMMENT_CHARS = 4000;
export const MAX_CORRECTION_CHARS = 8000;

export interface ChatTurn {
  id: string;
  question: string;
  /** Set when the turn has finished. */
  result?: AnswerResult;
  error?: string;
  rating?: "up" | "down";
}

export type HostToWebview =
  | { type: "init"; turns: ChatTurn[]; status: EngineStatus; hasModel: boolean }
  | { type: "status"; status: EngineStatus; hasModel: boolean }
  | { type: "turnStarted"; turn: ChatTurn }
  | { type: "event"; id: string; event: AnswerEvent }
  | { type: "turnDone"; id: string; result: AnswerResult }
  | { type: "turnError"; id: string; message: string }
  /** Stop was asked for the running turn: the engine may take a moment (a local model stops reading only between batches). */
  | { type: "stopping"; id: string }
  | { type: "feedbackSaved"; id: string; rating: "up" | "down" }
  | { type: "historyCleared" }
  | { type: "focusInput" }
  /** Example questions for the empty state, from the names the docs define. */
  | { type: "examples"; questions: string[] };

export type WebviewToHost =
  | { type: "ready" }
  | { type: "ask"; question: string }
  | { type: "stop" }
  | { type: "openSource"; file: string; startLine: number; endLine: number }
  | { type: "feedback"; id: string; rating: "up" | "down"; comment?: string; correction?: string }
  | { type: "copy"; id: string }
  | { type: "clearHistory" }
  | { type: "showLogs" }
  | { type: "selectModel" }
  /** A link clicked in an answer or excerpt: its href as written, the turn it is in, and the source whose excerpt holds it. */
  | { type: "openLink"; href: string; turnId?: string; n?: number }
  /** A table from an answer or excerpt, as Markdown, to open in an editor tab. */
  | { type: "openTable"; markdown: string };

const isString = (v: unknown): v is string => typeof v === "string";
const isId = (v: unknown): v is string => typeof v === "string" && v.length > 0 && v.length <= 100;
const isPath = (v: unknown): v is string => typeof v === "string" && v.length > 0 && v.length <= 4096 && !v.includes("\0");
const isLine = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 1 && v < 10_000_000;

const FIELDS = ["type", "question", "file", "startLine", "endLine", "id", "rating", "comment", "correction", "href", "turnId", "n", "markdown"] as const;
/** Longest link the host accepts. */
export const MAX_LINK_CHARS = 2048;
/** Longest table (as Markdown) the host opens in an editor tab. */
export const MAX_TABLE_CHARS = 200_000;

/**
 * Checks a message from the webview; anything malformed is rejected, never half-used, and nothing
 * throws. Only the object's own data properties count: an inherited `type` (a polluted prototype,
 * `{"__proto__": {...}}`), a getter or a proxy's trap is never read as a field.
 */
export function parseWebviewMessage(raw: unknown): WebviewToHost | undefined {
  try {
    return parseFields(ownFields(raw));
  } catch {
    return undefined;
  }
}

function ownFields(raw: unknown): Partial<Record<(typeof FIELDS)[number], unknown>> | undefined {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return undefined;
  const fields: Partial<Record<(typeof FIELDS)[number], unknown>> = Object.create(null) as Partial<Record<(typeof FIELDS)[number], unknown>>;
  for (const key of FIELDS) {
    const descriptor = Object.getOwnPropertyDescriptor(raw, key);
    if (descriptor && "value" in descriptor) fields[key] = descriptor.value;
    else if (descriptor) return undefined;
  }
  return fields;
}

function parseFields(m: Partial<Record<(typeof FIELDS)[number], unknown>> | undefined): WebviewToHost | undefined {
  if (!m) return undefined;
  switch (m.type) {
    case "ready":
    case "stop":
    case "clearHistory":
    case "showLogs":
    case "selectModel":
      return { type: m.type };
    case "ask":
      return isString(m.question) && m.question.trim().length > 0 && m.question.length <= MAX_QUESTION_CHARS
        ? { type: "ask", question: m.question }
        : undefined;
    case "openSource":
      return isPath(m.file) && isLine(m.startLine) && isLine(m.endLine) && m.endLine >= m.startLine
        ? { type: "openSource", file: m.file, startLine: m.startLine, endLine: m.endLine }
        : undefined;
    case "feedback":
      return isId(m.id) &&
        (m.rating === "up" || m.rating === "down") &&
        (m.comment === undefined || (isString(m.comment) && m.comment.length <= MAX_COMMENT_CHARS)) &&
        (m.correction === undefined || (isString(m.correction) && m.correction.length <= MAX_CORRECTION_CHARS))
        ? { type: "feedback", id: m.id, rating: m.rating, ...(m.comment ? { comment: m.comment } : {}), ...(m.correction ? { correction: m.correction } : {}) }
        : undefined;
    case "copy":
      return isId(m.id) ? { type: "copy", id: m.id } : undefined;
    case "openLink":
      return isString(m.href) &&
        m.href.trim().length > 0 &&
        m.href.length <= MAX_LINK_CHARS &&
        !m.href.includes("\0") &&
        (m.turnId === undefined || isId(m.turnId)) &&
        (m.n === undefined || isLine(m.n))
        ? { type: "openLink", href: m.href, ...(m.turnId !== undefined ? { turnId: m.turnId } : {}), ...(m.n !== undefined ? { n: m.n } : {}) }
        : undefined;
    case "openTable":
      return isString(m.markdown) && m.markdown.trim().length > 0 && m.markdown.length <= MAX_TABLE_CHARS && !m.markdown.includes("\0")
        ? { type: "openTable", markdown: m.markdown }
        : undefined;
    default:
      return undefined;
  }
}

/**
 * The saved conversation, as far as it can be shown: entries that are not turns are dropped, and a
 * turn saved while it was running (feedback on another turn saves the history) is marked interrupted,
 * so the view never shows it as running for ever, with Send and Clear disabled.
 */
export function parseSavedHistory(saved: unknown): ChatTurn[] {
  if (!Array.isArray(saved)) return [];
  const turns: ChatTurn[] = [];
  for (const entry of saved as unknown[]) {
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) continue;
    const turn = entry as Partial<Record<keyof ChatTurn, unknown>>;
    if (!isId(turn.id) || typeof turn.question !== "string") continue;
    const finished = (typeof turn.result === "object" && turn.result !== null && !Array.isArray(turn.result)) || typeof turn.error === "string";
    turns.push(finished ? (entry as ChatTurn) : { id: turn.id, question: turn.question, error: INTERRUPTED });
  }
  return turns;
}

export const INTERRUPTED = "This answer was interrupted.";

/**
 * The other places a source's text is in, as far as they are well formed: a saved turn is read
 * back as it was stored, so the list is checked before the view shows it or opens one. At most
 * MAX_OTHER_LOCATIONS; only own data properties are read (never a getter or an inherited field).
 */
export function sourcePlaces(source: unknown): SourceLocation[] {
  try {
    if (typeof source !== "object" || source === null) return [];
    const also = Object.getOwnPropertyDescriptor(source, "also");
    if (!also || !("value" in also) || !Array.isArray(also.value)) return [];
    const places: SourceLocation[] = [];
    for (const entry of (also.value as unknown[]).slice(0, MAX_OTHER_LOCATIONS)) {
      if (typeof entry !== "object" || entry === null || Array.isArray(entry)) continue;
      const field = (key: string): unknown => {
        const d = Object.getOwnPropertyDescriptor(entry, key);
        return d && "value" in d ? d.value : undefined;
      };
      const [path, file, startLine, endLine] = [field("path"), field("file"), field("startLine"), field("endLine")];
      if (isPath(path) && isPath(file) && isLine(startLine) && isLine(endLine) && endLine >= startLine) places.push({ path, file, startLine, endLine });
    }
    return places;
  } catch {
    return [];
  }
}

/** The most sources a turn's best lines list (the engine sends `docent.sources`, 6 by default). */
export const MAX_BEST_LINES_SOURCES = 50;

/**
 * A turn's best lines as far as they are well formed (a saved turn is read back as stored): the
 * answer a string, each source an object with a whole number `n` and a path (at most
 * MAX_BEST_LINES_SOURCES); else none. Only own data properties are read, and nothing throws.
 */
export function bestLinesOf(value: unknown): BestLines | undefined {
  try {
    const field = (o: object, key: string): unknown => {
      const d = Object.getOwnPropertyDescriptor(o, key);
      return d && "value" in d ? d.value : undefined;
    };
    if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
    const answer = field(value, "answer");
    const sources = field(value, "sources");
    if (typeof answer !== "string" || !Array.isArray(sources)) return undefined;
    const kept = (sources as unknown[])
      .slice(0, MAX_BEST_LINES_SOURCES)
      .filter((s): s is AnswerSource => typeof s === "object" && s !== null && isLine(field(s, "n")) && isPath(field(s, "file")));
    return { answer, sources: kept };
  } catch {
    return undefined;
  }
}
