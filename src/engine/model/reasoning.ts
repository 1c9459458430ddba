// Reasoning ("thinking") segments in a model's output: `<think>…</think>` in Qwen3, QwQ and the
// DeepSeek R1 distills. node-llama-cpp's specialised wrappers already hand them over as thought
// segments; with a Jinja or general wrapper they arrive as plain text, and this splitter takes
// them out of the stream, so that reasoning is never shown as the answer and never parsed for
// citations. Chunks may cut a tag anywhere: the splitter holds back a possible tag prefix.

export const THINK_OPEN = "<think>";
export const THINK_CLOSE = "</think>";

export interface SplitChunk {
  answer: string;
  reasoning: string;
}

export class ReasoningSplitter {
  private inReasoning: boolean;
  private pending = "";
  answer = "";
  reasoning = "";

  /** `startInReasoning`: the prompt already opened a segment (a template that ends in `<think>`). */
  constructor(startInReasoning = false) {
    this.inReasoning = startInReasoning;
  }

  /** Splits the next chunk; text that may be the start of a tag waits for the next chunk. */
  push(text: string): SplitChunk {
    let rest = this.pending + text;
    this.pending = "";
    const out: SplitChunk = { answer: "", reasoning: "" };
    for (;;) {
      const tag = this.inReasoning ? THINK_CLOSE : THINK_OPEN;
      const at = rest.indexOf(tag);
      if (at >= 0) {
        this.emit(out, rest.slice(0, at));
        rest = rest.slice(at + tag.length);
        this.inReasoning = !this.inReasoning;
        continue;
      }
      const keep = partialTagSuffix(rest, tag);
      this.emit(out, rest.slice(0, rest.length - keep));
      this.pending = rest.slice(rest.length - keep);
      return out;
    }
  }

  /** The end of the output: a held-back partial tag is text after all. */
  flush(): SplitChunk {
    const out: SplitChunk = { answer: "", reasoning: "" };
    this.emit(out, this.pending);
    this.pending = "";
    return out;
  }

  private emit(out: SplitChunk, text: string): void {
    if (!text) return;
    if (this.inReasoning) {
      out.reasoning += text;
      this.reasoning += text;
    } else {
      out.answer += text;
      this.answer += text;
    }
  }
}

/** Length of the longest suffix of `text` that is a proper prefix of `tag`. */
function partialTagSuffix(text: string, tag: string): number {
  for (let n = Math.min(tag.length - 1, text.length); n > 0; n--) {
    if (text.endsWith(tag.slice(0, n))) return n;
  }
  return 0;
}

/** Splits a whole text at once (a stored answer, a server's reply). */
export function splitReasoning(text: string, startInReasoning = false): { answer: string; reasoning: string } {
  const splitter = new ReasoningSplitter(startInReasoning);
  splitter.push(text);
  splitter.flush();
  return { answer: splitter.answer, reasoning: splitter.reasoning };
}

/** Whether a rendered prompt leaves the model inside a reasoning segment (its generation prompt ends in `<think>`). */
export function promptOpensReasoning(prompt: string): boolean {
  const tail = prompt.trimEnd();
  return tail.endsWith(THINK_OPEN);
}
