// A tiny stand-in for the DOM, enough to see which elements the chat view's Markdown renderer
// creates (there is no DOM library in these Node tests). Iterative throughout: a 10,000-level tree
// must not overflow the test either.
import assert from "node:assert/strict";
import type { MarkdownElement } from "../../webview/markdown/render.js";

export class FakeElement implements MarkdownElement<FakeElement> {
  className = "";
  readonly attributes = new Map<string, string>();
  readonly children: (FakeElement | string)[] = [];
  constructor(readonly tagName: string) {}
  setAttribute(name: string, value: string): void {
    this.attributes.set(name, value);
  }
  append(...nodes: (FakeElement | string)[]): void {
    // The renderer appends one node at a time; more than one here would be a spread it must not make.
    assert.ok(nodes.length <= 1, `append() got ${nodes.length} nodes in one call`);
    for (const node of nodes) this.children.push(node);
  }
  get textContent(): string {
    const parts: string[] = [];
    const stack: (FakeElement | string)[] = [this];
    while (stack.length) {
      const node = stack.pop()!;
      if (typeof node === "string") parts.push(node);
      else for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!);
    }
    return parts.join("");
  }
  /** Every element below, in document order. */
  descendants(): FakeElement[] {
    const out: FakeElement[] = [];
    const stack: FakeElement[] = [];
    const pushChildren = (e: FakeElement) => {
      for (let i = e.children.length - 1; i >= 0; i--) {
        const c = e.children[i]!;
        if (typeof c !== "string") stack.push(c);
      }
    };
    pushChildren(this);
    while (stack.length) {
      const e = stack.pop()!;
      out.push(e);
      pushChildren(e);
    }
    return out;
  }
  depth(): number {
    let max = 0;
    const stack: [FakeElement, number][] = [[this, 0]];
    while (stack.length) {
      const [e, d] = stack.pop()!;
      max = Math.max(max, d);
      for (const c of e.children) if (typeof c !== "string") stack.push([c, d + 1]);
    }
    return max;
  }
}

export const fakeDocument = { createElement: (tag: string) => new FakeElement(tag) };
