// The turn's list of sources: an item per source (its number, heading and file, a button that
// opens it) with "Also in" and the other places its text is in.
import type { AnswerSource as Source } from "../src/shared/answer.js";
import { sourcePlaces } from "../src/shared/webviewMessages.js";
import { h } from "./dom.js";
import { citationLabel, clipText, MAX_PATH_CHARS, renderInlineMarkdown } from "./markdown/render.js";

/** The most characters of a source's heading label shown. */
const MAX_LABEL_CHARS = 200;

/** One source of the list, marked when the answer does not cite it. */
export function sourceItem(s: Source, uncited: boolean): HTMLElement {
  const range = s.startLine === s.endLine ? `${s.startLine}` : `${s.startLine}-${s.endLine}`;
  return h(
    "li",
    {},
    h(
      "button",
      {
        type: "button",
        class: uncited ? "source uncited" : "source",
        "data-n": s.n,
        "aria-label": citationLabel(s) + (uncited ? " (not cited in the answer)" : ""),
        title: `${clipText(s.file, MAX_PATH_CHARS)}:${range}${uncited ? "\nNot cited in the answer" : ""}`,
      },
      h("span", { class: "source-n" }, String(s.n)),
      // The most specific heading first: at a narrow width the outer headings all read alike.
      typeof s.label === "string" && s.label
        ? h("span", { class: "source-heading" }, clipText(s.label, MAX_LABEL_CHARS))
        : h("span", { class: "source-heading" }, renderInlineMarkdown(document, s.heading || s.path)),
      h("span", { class: "source-path" }, `${clipText(baseName(s.path), MAX_PATH_CHARS)}:${range}`),
    ),
    placesElement(s),
  );
}

/** "Also in" with a button per other place of the source's text (opens it), or nothing. */
function placesElement(source: Source): HTMLElement | null {
  const places = sourcePlaces(source);
  if (!places.length) return null;
  return h(
    "div",
    { class: "source-places" },
    h("span", { class: "source-places-label" }, "Also in"),
    ...places.map((p, i) => {
      const range = p.startLine === p.endLine ? `${p.startLine}` : `${p.startLine}-${p.endLine}`;
      return h(
        "button",
        {
          type: "button",
          class: "source-place",
          "data-n": source.n,
          "data-place": i,
          "aria-label": `The same text, also in ${clipText(p.path, MAX_PATH_CHARS)}, lines ${range}`,
          title: `${clipText(p.file, MAX_PATH_CHARS)}:${range}`,
        },
        // The whole relative path: a copy often has the same file name in another folder.
        `${clipText(p.path, MAX_PATH_CHARS)}:${range}`,
      );
    }),
  );
}

export function baseName(p: string): string {
  return p.slice(p.lastIndexOf("/") + 1) || p;
}
