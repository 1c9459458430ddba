// A definition card as the turn shows it on top of its answer: the name, its facts, description,
// attributes and a button to where it is defined. Text only.
import type { DefinitionCard } from "../src/shared/cards.js";
import { h } from "./dom.js";
import { clipText, MAX_PATH_CHARS } from "./markdown/render.js";
import { baseName } from "./sourceList.js";

/** The most attributes a card lists; the rest are counted. */
const MAX_CARD_ATTRIBUTES = 40;

/**
 * A definition card: the name, its facts (instrument or type, unit, ...), description, attributes
 * (open when `openAttributes`, else collapsed under their count) and where it is defined. Text only.
 */
export function cardElement(card: DefinitionCard, index: number, options: { openAttributes?: boolean } = {}): HTMLElement {
  const text = (v: unknown) => (typeof v === "string" ? clipText(v, 400) : "");
  const facts: [string, string, string][] = [];
  if (card.kind) facts.push([text(card.kindLabel) || "Kind", text(card.kind), "card-kind"]);
  if (card.unit) facts.push(["Unit", text(card.unit), "card-unit"]);
  if (card.requirement) facts.push(["Requirement", text(card.requirement), "card-requirement"]);
  if (card.stability) facts.push(["Stability", text(card.stability), "card-stability"]);
  const attributes = Array.isArray(card.attributes) ? card.attributes.slice(0, MAX_CARD_ATTRIBUTES) : [];
  const extra = Array.isArray(card.attributes) ? card.attributes.length - attributes.length : 0;
  return h(
    "section",
    { class: "card", "aria-label": `Definition of ${text(card.term)}` },
    card.askedAs ? h("p", { class: "card-asked" }, "Did you mean ", h("code", {}, text(card.term)), "?") : null,
    h("div", { class: "card-term" }, h("code", {}, text(card.term))),
    facts.length
      ? h("dl", { class: "card-facts" }, ...facts.map(([label, value, cls]) => h("div", { class: `card-fact ${cls}` }, h("dt", {}, label), h("dd", {}, value))))
      : null,
    card.description ? h("p", { class: "card-description" }, text(card.description)) : null,
    attributes.length
      ? h(
          "details",
          { class: "card-attributes", open: options.openAttributes === true },
          h("summary", {}, `Attributes (${attributes.length + extra})`),
          h("ul", {}, ...attributes.map((a) => h("li", {}, h("code", {}, text(a.name)), a.requirement ? ` ${text(a.requirement)}` : ""))),
        )
      : null,
    h(
      "button",
      {
        type: "button",
        class: "card-source",
        "data-card": index,
        title: `${clipText(String(card.file), MAX_PATH_CHARS)}:${card.line}`,
        "aria-label": `Open the definition of ${text(card.term)}`,
      },
      `${clipText(baseName(String(card.path)), MAX_PATH_CHARS)}:${card.line}`,
    ),
  );
}
