// What a question asks of its definition card (DOM-free, so Node tests run it).

/** Whether a question asks for a name's attributes (labels, dimensions): its card shows them open. */
export function asksForAttributes(question: string): boolean {
  return /\b(?:attributes?|labels?|dimensions?)\b/i.test(question);
}
