// The text a reader sees of an answer in the chat view: what `docent eval --context` measures as
// visible recall. Kept beside the pipeline so that what is measured follows what is shown.
import type { AnswerResult, AnswerSource } from "../../shared/answer.js";

export function visibleAnswerText(result: AnswerResult<AnswerSource>): string {
  const parts = [result.answer];
  for (const s of result.sources) parts.push(`${s.heading} ${s.path}:${s.startLine}-${s.endLine}`);
  return parts.join("\n");
}
