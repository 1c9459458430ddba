// The text a reader sees of an answer in the chat view: what `docent eval --context` measures as
// visible recall. Kept beside the pipeline so that what is measured follows what is shown: the
// definition cards on top, the answer (for a retrieval-only answer, each source's label, location
// and best-matching lines), and the source labels.
import type { AnswerResult, AnswerSource } from "../../shared/answer.js";
import { cardMarkdown } from "../../shared/cards.js";

export function visibleAnswerText(result: AnswerResult<AnswerSource>): string {
  const parts = (result.cards ?? []).map((c) => cardMarkdown(c));
  parts.push(result.answer);
  for (const s of result.sources) {
    const also = (s.also ?? []).map((a) => ` ${a.path}:${a.startLine}-${a.endLine}`).join("");
    parts.push(`${s.label ?? s.heading} ${s.path}:${s.startLine}-${s.endLine}${also}`);
  }
  return parts.join("\n");
}
