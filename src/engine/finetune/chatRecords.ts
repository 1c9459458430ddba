// Training records in the chat format most fine-tuning tools read.

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface ChatRecord {
  messages: ChatMessage[];
  /** Where the record came from; tools ignore extra keys, resuming relies on it. */
  metadata: Record<string, unknown>;
}

/** One record per line; the line is written whole or not at all. */
export function recordLine(record: ChatRecord | object): string {
  return JSON.stringify(record) + "\n";
}
