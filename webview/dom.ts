// Builds elements from tag, attributes and children: no HTML strings anywhere in the view.

export type Child = Node | string | null | undefined | false;
/** A child, or an array of them of any length (appended one by one, never spread into a call). */
export type Children = Child | readonly Child[];
export type Attributes = Record<string, string | number | boolean | null | undefined>;

/** `class` sets className; `true` sets an empty attribute; `false`, null and undefined set nothing. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: Children[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  setAttributes(element, attributes);
  appendChildren(element, children);
  return element;
}

export function setAttributes(element: Element, attributes: Attributes): void {
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === "class") element.setAttribute("class", String(value));
    else element.setAttribute(name, value === true ? "" : String(value));
  }
}

export function append(parent: Element, ...children: Children[]): void {
  appendChildren(parent, children);
}

/**
 * Appends children one at a time, arrays included: `parent.append(...nodes)` with ~100k nodes (a
 * hostile doc's heading of 46,000 code spans) throws "Maximum call stack size exceeded".
 */
export function appendChildren(parent: ParentNode, children: readonly Children[]): void {
  for (const child of children) {
    if (Array.isArray(child)) {
      for (const c of child as readonly Child[]) if (c !== null && c !== undefined && c !== false) parent.append(c);
    } else if (child !== null && child !== undefined && child !== false) parent.append(child as Node | string);
  }
}

/** Replaces an element's children with `children`, however many (see appendChildren). */
export function setChildren(parent: Element, children: readonly Children[]): void {
  const fragment = document.createDocumentFragment();
  appendChildren(fragment, children);
  parent.replaceChildren(fragment);
}

let nextId = 0;
/** A fresh id for aria-labelledby and the like (host ids are not used as DOM ids). */
export function uniqueId(prefix: string): string {
  return `${prefix}-${++nextId}`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}
