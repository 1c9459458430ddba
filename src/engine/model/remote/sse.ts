// Server-sent events as the OpenAI streaming API sends them: `data: <json>` events separated by a
// blank line, ending with `data: [DONE]`. Only `data` fields matter; comments (`: ping`) and other
// fields are skipped. Lines may end in \n, \r\n or \r (the SSE spec allows all three).

/** One read of a response body (the web stream reader's result). */
export type BodyRead = { done: true; value?: undefined } | { done: false; value: Uint8Array };

const MAX_EVENT_CHARS = 16 * 1024 * 1024;

/** Splits a byte stream into the data of each event; `read` is the (stall-guarded) body reader. */
export async function* sseData(read: () => Promise<BodyRead>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffer = "";
  let data: string[] = [];
  let pending = 0;
  const takeLine = (line: string): string | undefined => {
    if (line === "") {
      const event = data.length ? data.join("\n") : undefined;
      data = [];
      pending = 0;
      return event;
    }
    if (line.startsWith("data:")) {
      const value = line.slice(line[5] === " " ? 6 : 5);
      pending += value.length;
      if (pending > MAX_EVENT_CHARS) throw new Error("A server-sent event longer than 16 MB");
      data.push(value);
    }
    // "event:", "id:", "retry:" and ": comments" carry nothing the chat API needs.
    return undefined;
  };
  for (;;) {
    const { done, value } = await read();
    buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
    let start = 0;
    for (let i = 0; i < buffer.length; i++) {
      const c = buffer[i];
      if (c !== "\n" && c !== "\r") continue;
      // A "\r" at the end of what arrived may be half of "\r\n": wait for the next piece.
      if (c === "\r" && i === buffer.length - 1 && !done) break;
      const event = takeLine(buffer.slice(start, i));
      if (c === "\r" && buffer[i + 1] === "\n") i++;
      start = i + 1;
      if (event !== undefined) yield event;
    }
    buffer = buffer.slice(start);
    if (buffer.length > MAX_EVENT_CHARS) throw new Error("A server-sent event line longer than 16 MB");
    if (done) {
      if (buffer) takeLine(buffer);
      if (data.length) yield data.join("\n");
      return;
    }
  }
}
