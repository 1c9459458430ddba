// String literals of a source file, in one linear pass: the check looks only inside them, and never
// inside comments. One scanner for every language, told the comment and string forms of the file's
// family (C-like, Python, shell-like). Literals whose value is built at run time (template literals
// with `${}`, Python f-strings and C# interpolated strings with `{}`) are marked dynamic.

export type LanguageFamily = "js" | "python" | "go" | "java" | "csharp" | "clike" | "hash" | "plain";

export interface StringLiteral {
  /** Offsets of the content (quotes excluded): text.slice(start, end) is the raw content. */
  start: number;
  end: number;
  /** Offset of the opening quote, and just after the closing one. */
  open: number;
  close: number;
  /** Built at run time (`${x}`, f"{x}", $"{x}"): never checked as a name. */
  dynamic: boolean;
}

/** VS Code language ids and file extensions, to a family. */
const FAMILIES: Record<string, LanguageFamily> = {
  typescript: "js",
  typescriptreact: "js",
  javascript: "js",
  javascriptreact: "js",
  ts: "js",
  tsx: "js",
  mts: "js",
  cts: "js",
  js: "js",
  jsx: "js",
  mjs: "js",
  cjs: "js",
  vue: "js",
  svelte: "js",
  python: "python",
  py: "python",
  pyi: "python",
  go: "go",
  java: "java",
  kotlin: "java",
  kt: "java",
  kts: "java",
  scala: "java",
  groovy: "java",
  csharp: "csharp",
  cs: "csharp",
  c: "clike",
  h: "clike",
  cpp: "clike",
  cc: "clike",
  hpp: "clike",
  rust: "clike",
  rs: "clike",
  swift: "clike",
  php: "clike",
  dart: "clike",
  ruby: "hash",
  rb: "hash",
  shellscript: "hash",
  sh: "hash",
  bash: "hash",
  yaml: "hash",
  yml: "hash",
  toml: "hash",
  r: "hash",
  perl: "hash",
  pl: "hash",
  elixir: "hash",
  ex: "hash",
  exs: "hash",
};

/** The family of a VS Code language id or a file extension (without the dot); "plain" when unknown. */
export function languageFamily(idOrExtension: string): LanguageFamily {
  return FAMILIES[idOrExtension.toLowerCase()] ?? "plain";
}

/** Whether files of this family are code the check reads (not prose: Markdown and plain text are not). */
export function isCheckedFamily(family: LanguageFamily): boolean {
  return family !== "plain";
}

const NL = 10;
const SLASH = 47;
const STAR = 42;
const HASH = 35;
const BACKSLASH = 92;
const DQ = 34;
const SQ = 39;
const BT = 96;
const LBRACE = 123;
const DOLLAR = 36;
const AT = 64;

function isIdentChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

/** Every string literal in `text`, in order. Linear: each character is looked at a bounded number of times. */
export function stringLiterals(text: string, family: LanguageFamily): StringLiteral[] {
  const out: StringLiteral[] = [];
  const n = text.length;
  const slashComments = family === "js" || family === "go" || family === "java" || family === "csharp" || family === "clike";
  const hashComments = family === "python" || family === "hash";
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (slashComments && c === SLASH) {
      const d = text.charCodeAt(i + 1);
      if (d === SLASH) {
        i = lineEnd(text, i);
        continue;
      }
      if (d === STAR) {
        const close = text.indexOf("*/", i + 2);
        i = close < 0 ? n : close + 2;
        continue;
      }
    }
    if (hashComments && c === HASH) {
      i = lineEnd(text, i);
      continue;
    }
    if (c === DQ || c === SQ || (c === BT && (family === "js" || family === "go"))) {
      i = scanString(text, i, family, out);
      continue;
    }
    i++;
  }
  return out;
}

function lineEnd(text: string, from: number): number {
  const nl = text.indexOf("\n", from);
  return nl < 0 ? text.length : nl;
}

/** Reads the literal opening at `open`, pushes it, and returns where scanning goes on. */
function scanString(text: string, open: number, family: LanguageFamily, out: StringLiteral[]): number {
  const n = text.length;
  const quote = text.charCodeAt(open);
  // Prefix letters right before the quote (Python r/b/f/u, C# $ and @), not part of an identifier.
  let prefix = "";
  for (let p = open - 1; p >= 0 && open - p <= 3; p--) {
    const ch = text.charCodeAt(p);
    if (ch === DOLLAR || ch === AT || isIdentChar(ch)) prefix = text[p] + prefix;
    else break;
  }
  const lower = prefix.toLowerCase();
  const pythonPrefix = family === "python" && /^[rbfu]{0,2}$/.test(lower);
  const formatted = (pythonPrefix && lower.includes("f")) || (family === "csharp" && prefix.includes("$"));
  const raw = (pythonPrefix && lower.includes("r")) || (family === "csharp" && prefix.includes("@")) || (quote === BT && family === "go");
  const triple =
    (family === "python" || family === "java" || family === "csharp") &&
    quote !== BT &&
    text.charCodeAt(open + 1) === quote &&
    text.charCodeAt(open + 2) === quote;
  const multiline = triple || quote === BT || (family === "csharp" && prefix.includes("@"));
  const start = open + (triple ? 3 : 1);
  let dynamic = false;
  let i = start;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === NL && !multiline) return i; // unterminated: the line ends it, nothing is pushed
    if (c === BACKSLASH && !raw) {
      i += 2;
      continue;
    }
    if (quote === BT && family === "js" && c === DOLLAR && text.charCodeAt(i + 1) === LBRACE) dynamic = true;
    if (formatted && c === LBRACE) {
      if (text.charCodeAt(i + 1) === LBRACE) {
        i += 2;
        continue;
      }
      dynamic = true;
    }
    if (c === quote) {
      if (triple) {
        if (text.charCodeAt(i + 1) === quote && text.charCodeAt(i + 2) === quote) {
          out.push({ start, end: i, open, close: i + 3, dynamic });
          return i + 3;
        }
      } else if (raw && family === "csharp" && text.charCodeAt(i + 1) === quote) {
        i += 2; // "" inside a verbatim string
        continue;
      } else {
        out.push({ start, end: i, open, close: i + 1, dynamic });
        return i + 1;
      }
    }
    i++;
  }
  return n;
}
