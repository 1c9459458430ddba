// Tables wider than the view: each scrolls sideways in its own box, and gets an "Open table" button
// above it that opens the table's Markdown in an editor tab (issue 23 item 1). The button shows only
// while the table is wider than its box (one ResizeObserver: the sidebar resized, a details opened).
import { h } from "./dom.js";
import { pipeTable } from "./pipeTable.js";

export class WideTables {
  private readonly observer = new ResizeObserver((entries) => {
    for (const entry of entries) this.update(entry.target as HTMLElement);
  });
  private readonly buttons = new WeakMap<Element, HTMLButtonElement>();

  constructor(private readonly open: (markdown: string) => void) {}

  /** Watches the tables under `root` not watched yet (a turn's answer and sources as they render). */
  watch(root: ParentNode): void {
    for (const box of root.querySelectorAll<HTMLElement>(".md-table")) {
      if (this.buttons.has(box)) continue;
      const table = box.querySelector("table");
      if (!table) continue;
      const button = h("button", { type: "button", class: "open-table", hidden: true, title: "Open this table in an editor tab" }, "Open table");
      // Inside a source item a click would open the source: this one opens the table only.
      button.addEventListener("click", (event) => {
        event.stopPropagation();
        this.open(tableMarkdown(table));
      });
      box.before(button);
      this.buttons.set(box, button);
      this.observer.observe(box);
      this.observer.observe(table);
    }
  }

  private update(target: HTMLElement): void {
    const box = target.classList.contains("md-table") ? target : target.closest<HTMLElement>(".md-table");
    const button = box && this.buttons.get(box);
    if (!box || !button) return;
    // A re-rendered answer replaces its tables: the old ones (reported at size 0) are let go.
    if (!box.isConnected) {
      this.observer.unobserve(box);
      this.observer.unobserve(target);
      return;
    }
    button.hidden = box.scrollWidth <= box.clientWidth + 1;
  }
}

/** A rendered table back as a Markdown pipe table: code as `code`, links as [text](href), pipes escaped. */
export function tableMarkdown(table: HTMLTableElement): string {
  return pipeTable([...table.rows].map((row) => [...row.cells].map((cell) => cellMarkdown(cell))));
}

function cellMarkdown(cell: Element): string {
  const walk = (node: Node): string => {
    if (node.nodeType === Node.TEXT_NODE) return node.textContent ?? "";
    if (!(node instanceof Element)) return "";
    const inner = [...node.childNodes].map(walk).join("");
    switch (node.tagName) {
      case "CODE":
        return `\`${node.textContent ?? ""}\``;
      case "STRONG":
      case "B":
        return `**${inner}**`;
      case "EM":
      case "I":
        return `*${inner}*`;
      case "BR":
        return " ";
      default: {
        const href = node instanceof HTMLElement ? node.dataset.href : undefined;
        return href ? `[${inner}](${href})` : inner;
      }
    }
  };
  return walk(cell).replace(/\s+/g, " ").trim().replace(/\|/g, "\\|");
}
