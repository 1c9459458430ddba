// Small 16x16 line icons drawn in currentColor, built as SVG elements (no icon font, no markup).

const SVG = "http://www.w3.org/2000/svg";

type Shape = [tag: "path" | "rect" | "circle", attributes: Record<string, string>];

function icon(shapes: Shape[], groupTransform?: string): SVGSVGElement {
  const svg = document.createElementNS(SVG, "svg");
  for (const [name, value] of Object.entries({
    viewBox: "0 0 16 16",
    width: "16",
    height: "16",
    fill: "none",
    stroke: "currentColor",
    "stroke-width": "1.2",
    "stroke-linecap": "round",
    "stroke-linejoin": "round",
    "aria-hidden": "true",
    focusable: "false",
    class: "icon",
  })) {
    svg.setAttribute(name, value);
  }
  const parent = groupTransform ? svg.appendChild(document.createElementNS(SVG, "g")) : svg;
  if (groupTransform) parent.setAttribute("transform", groupTransform);
  for (const [tag, attributes] of shapes) {
    const shape = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attributes)) shape.setAttribute(name, value);
    parent.appendChild(shape);
  }
  return svg;
}

const thumb: Shape[] = [
  ["rect", { x: "1.8", y: "7", width: "2.6", height: "7", rx: ".5" }],
  ["path", { d: "M4.4 7.6 7.2 2.4c1 0 1.8.9 1.6 1.9L8.4 6.6h4.3c.9 0 1.5.8 1.3 1.6l-1.1 4.6c-.2.7-.8 1.2-1.5 1.2H4.4" }],
];

export const Icons = {
  send: () =>
    icon([
      ["path", { d: "M2.2 2.6 14 8 2.2 13.4 4 8z" }],
      ["path", { d: "M4 8h5.5" }],
    ]),
  stop: () => icon([["rect", { x: "3.5", y: "3.5", width: "9", height: "9", rx: "1.2", fill: "currentColor" }]]),
  copy: () =>
    icon([
      ["rect", { x: "5.5", y: "5.5", width: "8.5", height: "8.5", rx: "1.2" }],
      ["path", { d: "M10.5 5.5V3.2c0-.7-.5-1.2-1.2-1.2H3.2C2.5 2 2 2.5 2 3.2v6.1c0 .7.5 1.2 1.2 1.2h2.3" }],
    ]),
  check: () => icon([["path", { d: "M3 8.5 6.3 11.8 13 4.5" }]]),
  thumbsUp: () => icon(thumb),
  // Mirrored top to bottom, so the cuff stays on the left as in VS Code's own icons.
  thumbsDown: () => icon(thumb, "translate(0 16) scale(1 -1)"),
  clear: () =>
    icon([
      ["path", { d: "M2 4h10M2 7.5h10M2 11h5.5" }],
      ["path", { d: "M10 10.5l3.5 3.5M13.5 10.5 10 14" }],
    ]),
  error: () =>
    icon([
      ["circle", { cx: "8", cy: "8", r: "6.2" }],
      ["path", { d: "M8 4.8v3.8M8 11.1v.1" }],
    ]),
  info: () =>
    icon([
      ["circle", { cx: "8", cy: "8", r: "6.2" }],
      ["path", { d: "M8 7.2v4M8 4.9v.1" }],
    ]),
  warning: () =>
    icon([
      ["path", { d: "M8 2 14.5 13.5h-13z" }],
      ["path", { d: "M8 6.5v3.2M8 11.6v.1" }],
    ]),
  /** Docent's mark: a speech bubble holding an open book (media/docent.svg at 24px). */
  docent: () => {
    const svg = icon([
      ["path", { d: "M5 3h14a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2h-7l-4.5 3.5V17H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z" }],
      ["path", { d: "M7.5 7.4c1.6-.6 3.1-.4 4.5.6 1.4-1 2.9-1.2 4.5-.6v5.8c-1.6-.6-3.1-.4-4.5.6-1.4-1-2.9-1.2-4.5-.6z" }],
      ["path", { d: "M12 8v5.8" }],
    ]);
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "24");
    svg.setAttribute("height", "24");
    svg.setAttribute("stroke-width", "1.5");
    return svg;
  },
};
