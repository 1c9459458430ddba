// A section's lines read as units an excerpt is made of: sentences, list items (with the sentence
// that introduces their list), table rows (with their header), code blocks and block quotes.
import { isDelimiterRow } from "../cards/markdownTables.js";

type UnitKind = "sentence" | "item" | "row" | "code";

export interface Unit {
  kind: UnitKind;
  /** Units of one paragraph, list, table or fence share a block number. */
  block: number;
  /** Position in the section, for document order. */
  order: number;
  /** Index of its (first) line in the section's lines. */
  line: number;
  text: string;
  /** For table rows: the table's header and delimiter lines. */
  tableHead?: string;
  /** For list items: the sentence that introduces the list, shown whenever an item is. */
  leadIn?: Unit;
  /** For code: the fence's lines, opening and closing fences included (the text shows at most MAX_CODE_LINES of them). */
  fence?: string[];
  /** For what is inside a block quote: the quote (one per quote), and its alert's name ("Important") if it is one. */
  quote?: { id: number; label?: string };
  score: number;
}

const SENTENCE_END = /(?<=[.!?])\s+(?=[`"'([*_A-Z0-9])/;
const ITEM = /^(\s*)([-*+]|\d+[.)])\s+/;
const FENCE = /^\s*(```|~~~)/;
/**
 * An alert or admonition marker on a line of its own: "[!IMPORTANT]", "[IMPORTANT]", "**Note**"
 * (what readableMarkdown makes of "> [!NOTE]"). It names the kind of what follows; it is never shown alone.
 */
const ADMONITION = /^\s*(?:\[!?(NOTE|TIP|IMPORTANT|WARNING|CAUTION|DANGER|INFO)\]|\*\*(NOTE|TIP|IMPORTANT|WARNING|CAUTION|DANGER|INFO):?\*\*:?)\s*$/i;

/** The alert's name as a reader sees it ("[!IMPORTANT]" -> "Important"), if the line is only an alert marker. */
export function admonitionName(line: string): string | undefined {
  const m = ADMONITION.exec(line);
  const name = m?.[1] ?? m?.[2];
  return name ? name[0]!.toUpperCase() + name.slice(1).toLowerCase() : undefined;
}

/**
 * Quotes nested deeper than this are read as the text of the innermost one: each level is a
 * recursive parse, and a line of 200,000 ">" overflowed the stack (and copied the line per level).
 */
const MAX_QUOTE_DEPTH = 8;

/** The section's readable units (headings, comments and link definitions left out). */
export function unitsOf(lines: readonly string[]): Unit[] {
  const units: Unit[] = [];
  let block = 0;
  let quotes = 0;
  const parse = (lines: readonly string[], base: number, quote?: Unit["quote"], depth = 0) => {
    let paragraph: string[] = [];
    let paragraphLine = 0;
    let lineOf = 0;
    /** The last sentence of a paragraph followed so far only by blank lines: a list after it is introduced by it. */
    let leadIn: Unit | undefined;
    /** The lead-in of the list being read. */
    let listLeadIn: Unit | undefined;
    /** An alert marker outside a quote ("[!NOTE]" on its own line): it labels the next sentence. */
    let label: string | undefined;
    const push = (kind: UnitKind, text: string, extra: Partial<Unit> = {}) => {
      const unit: Unit = { kind, block, order: units.length, line: base + lineOf, text, score: 0, ...(quote ? { quote } : {}), ...extra };
      units.push(unit);
      return unit;
    };
    const flushParagraph = () => {
      if (!paragraph.length) return;
      lineOf = paragraphLine;
      let last: Unit | undefined;
      for (const sentence of paragraph.join(" ").split(SENTENCE_END)) {
        if (!sentence.trim()) continue;
        last = push("sentence", label ? `**${label}:** ${sentence.trim()}` : sentence.trim());
        label = undefined;
      }
      paragraph = [];
      block++;
      leadIn = last;
    };
    /** Something other than a paragraph or a list item starts: no list continues past it. */
    const endList = () => {
      flushParagraph();
      leadIn = listLeadIn = undefined;
    };
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      const t = line.trim();
      lineOf = i;
      if (t.startsWith("<!--")) {
        flushParagraph();
        while (i < lines.length && !lines[i]!.includes("-->")) i++;
        continue;
      }
      if (FENCE.test(line)) {
        endList();
        const marker = t.slice(0, 3);
        const fence = [line];
        for (i++; i < lines.length; i++) {
          fence.push(lines[i]!);
          if (lines[i]!.trim().startsWith(marker)) break;
        }
        // A fence the section does not close (a chunk's own text) is closed, so nothing after it reads as code.
        if (fence.length < 2 || !fence[fence.length - 1]!.trim().startsWith(marker)) fence.push(line.slice(0, line.indexOf(marker) + 3));
        push("code", fence.join("\n"), { fence });
        block++;
        continue;
      }
      if (!paragraph.length && /^(\s{4}|\t)\S/.test(line) && !listLeadIn && (i === 0 || !lines[i - 1]!.trim())) {
        // An indented code block: kept whole, as a fence.
        endList();
        const body: string[] = [];
        for (; i < lines.length && (/^(\s{4}|\t)/.test(lines[i]!) || !lines[i]!.trim()); i++) body.push(lines[i]!.replace(/^(\s{4}|\t)/, ""));
        while (body.length && !body[body.length - 1]!.trim()) body.pop();
        i--;
        const fence = ["```", ...body, "```"];
        push("code", fence.join("\n"), { fence });
        block++;
        continue;
      }
      if (!paragraph.length && /^[{[]\s*$/.test(t)) {
        // A JSON block outside a fence: up to its closing bracket at the same indentation, kept whole.
        const indent = /^\s*/.exec(line)![0];
        const close = t === "{" ? "}" : "]";
        let j = i + 1;
        while (j < lines.length && !(lines[j]!.startsWith(indent + close) && /^\s*[}\]],?\s*$/.test(lines[j]!)) && lines[j]!.trim()) j++;
        if (j < lines.length && lines[j]!.trim()) {
          endList();
          const fence = ["```json", ...lines.slice(i, j + 1), "```"];
          push("code", fence.join("\n"), { fence });
          block++;
          i = j;
          continue;
        }
      }
      if (t.includes("|") && i + 1 < lines.length && isDelimiterRow(lines[i + 1]!)) {
        endList();
        const tableHead = `${lines[i]!.trim()}\n${lines[i + 1]!.trim()}`;
        for (i += 2; i < lines.length && lines[i]!.includes("|") && lines[i]!.trim() && !isDelimiterRow(lines[i]!); i++) {
          lineOf = i;
          push("row", lines[i]!.trim(), { tableHead });
        }
        i--;
        block++;
        continue;
      }
      if (!t) {
        flushParagraph();
        continue;
      }
      if (/^#{1,6}\s/.test(t) || /^\[[^\]]+\]:\s/.test(t) || /^(=+|-+|\*+|_+)$/.test(t)) {
        endList();
        continue;
      }
      const alert = admonitionName(t);
      if (alert) {
        // Never a unit of its own: it labels what follows (a quote's label is shown with the quote).
        flushParagraph();
        label = alert;
        continue;
      }
      if (t.startsWith(">") && depth < MAX_QUOTE_DEPTH) {
        endList();
        // The whole quote, read as a section of its own; an alert marker at its top labels it.
        const inner: string[] = [];
        const first = i;
        for (; i < lines.length && lines[i]!.trim().startsWith(">"); i++) inner.push(lines[i]!.replace(/^\s*>\s?/, ""));
        i--;
        const name = admonitionName(inner[0] ?? "");
        if (name) inner[0] = "";
        parse(inner, base + first, { id: quotes++, ...(name ? { label: name } : {}) }, depth + 1);
        block++;
        continue;
      }
      const item = ITEM.exec(line);
      if (item) {
        flushParagraph();
        if (!listLeadIn) listLeadIn = leadIn;
        leadIn = undefined;
        label = undefined;
        const text = [t];
        // Continuation lines: indented, not a new item, not a fence (a code block in an item is a unit of its own).
        while (i + 1 < lines.length && /^\s{2,}\S/.test(lines[i + 1]!) && !ITEM.test(lines[i + 1]!) && !FENCE.test(lines[i + 1]!))
          text.push(lines[++i]!.trim());
        push("item", text.join(" "), listLeadIn ? { leadIn: listLeadIn } : {});
        continue;
      }
      if (units.length && units[units.length - 1]!.kind === "item" && !paragraph.length) {
        block++;
        listLeadIn = undefined;
      }
      if (!paragraph.length) paragraphLine = i;
      paragraph.push(t);
    }
    flushParagraph();
  };
  parse(lines, 0);
  return units;
}
