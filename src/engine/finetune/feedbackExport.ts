// Turns the feedback log into training data: answers rated up become chat records; answers rated
// down that carry a corrected answer become preference pairs (prompt, chosen, rejected).
import type { FeedbackEntry } from "./feedbackLog.js";
import { ANSWER_SYSTEM_PROMPT, answerPrompt } from "../answer/answerPrompts.js";
import type { ChatRecord } from "./chatRecords.js";

export interface PreferencePair {
  prompt: { role: "system" | "user"; content: string }[];
  chosen: { role: "assistant"; content: string }[];
  rejected: { role: "assistant"; content: string }[];
}

export interface FeedbackExport {
  chat: ChatRecord[];
  preferences: PreferencePair[];
  /** Entries that gave nothing to train on (down without a correction, answers without sources). */
  skipped: number;
  /**
   * Of those, entries that lack the text of a source (rated after the cited file changed): the
   * prompt the model saw cannot be rebuilt, so they would teach answers without their evidence.
   */
  skippedWithoutTexts: number;
}

/** The prompt the model saw, rebuilt from the logged question and sources. */
function promptOf(entry: FeedbackEntry): { role: "system" | "user"; content: string }[] {
  const sources = entry.sources.map((s) => ({ ...s, file: s.path, text: s.text!, matchedBy: [] }));
  return [
    { role: "system", content: ANSWER_SYSTEM_PROMPT },
    { role: "user", content: answerPrompt(entry.question, sources) },
  ];
}

export function exportFeedback(entries: FeedbackEntry[]): FeedbackExport {
  const out: FeedbackExport = { chat: [], preferences: [], skipped: 0, skippedWithoutTexts: 0 };
  const seen = new Set<string>();
  for (const entry of entries) {
    const key = `${entry.rating}\u0000${entry.question}\u0000${entry.answer}\u0000${entry.correction ?? ""}`;
    if (seen.has(key)) {
      out.skipped++;
      continue;
    }
    seen.add(key);
    const wanted = entry.rating === "up" || Boolean(entry.correction?.trim());
    const withoutTexts = entry.sources.some((s) => typeof s.text !== "string");
    if (wanted && withoutTexts) {
      out.skipped++;
      out.skippedWithoutTexts++;
      continue;
    }
    const usable = entry.mode === "model" && entry.sources.length > 0;
    if (entry.rating === "up" && usable) {
      out.chat.push({ messages: [...promptOf(entry), { role: "assistant", content: entry.answer }], metadata: { origin: "feedback", at: entry.at } });
    } else if (entry.rating === "down" && entry.correction?.trim() && usable) {
      out.preferences.push({
        prompt: promptOf(entry),
        chosen: [{ role: "assistant", content: entry.correction.trim() }],
        rejected: [{ role: "assistant", content: entry.answer }],
      });
    } else {
      out.skipped++;
    }
  }
  return out;
}
