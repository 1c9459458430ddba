// The `docent` command: the same engine as the extension, for terminals, scripts and evaluation.
import { UsageError } from "./args.js";
import { safeLines, safeText } from "./terminalText.js";
import { askCommand } from "./askCommand.js";
import { datasetCommand, feedbackCommand } from "./finetuneCommands.js";
import { evalCommand, indexCommand, searchCommand } from "./indexCommands.js";
import { mcpCommand } from "./mcp/command.js";
import { defineCommand } from "./defineCommand.js";
import { checkCommand } from "./checkCommand.js";

const USAGE = `Usage: docent <command> [options]

Commands:
  index <dir> [--index <file>] [--include <glob>]... [--exclude <glob>]... [--json]
      Index the docs under <dir> (incrementally, saved to --index or the cache folder).
  search <dir> "<query>" [--k N] [--json]
      Show the best-matching sections with file, heading path, lines and score.
  define <dir> <name> [--json]
      A defined name's card (instrument or type, unit, description, attributes, where); a misspelt
      name gets the nearest defined name's, with "Did you mean". Exit code 1 when nothing matches.
  check <code dir> --docs <docs dir> [--json] [--sarif <file>]
      Names in the code's string literals against the names the docs define: undefined, misspelled
      and deprecated names, and metric calls whose instrument or unit differs from the docs
      (docs/code-check.md). Exit code 1 when anything is found.
  eval --docs <dir> --questions <file.jsonl> [--draft-from answer [--draft-noise P] [--seed S] [--draft-when-needed]] [--json]
      Retrieval quality at file level: hit@5, recall@5, mrr@10, search latency, and the questions
      whose answer without a model says "not covered" (not_covered).
  eval --docs <dir> --questions <file.jsonl> --context [--context-size N] [--max-tokens N] [--source-tokens N] [--json]
      No model needed: context recall (share of the reference answers' content words in the sources
      the model would get), visible recall (in the answer shown without a model, and in its first
      600 characters), the relevant files' whole text as a reference, context tokens used
      (estimated, 4 characters a token) and the "not covered" answers. --source-tokens caps the
      tokens the sources may take (a CPU's time budget).
  eval --docs <dir> --questions <file.jsonl> --answers [--model <m>] [--no-draft] [--json]
      Answer quality against reference answers: token F1, ROUGE-L, citation precision/recall,
      abstentions and time per answer.
  Every eval also takes [--limit N] (the first N questions) and [--typos SEED [--typos-out <file.jsonl>]]:
      each question with 1-2 seeded typos (swapped, dropped or doubled letter, neighbouring key) in
      words of 4+ letters; --typos-out writes the questions as evaluated, with their edits.
  ask <dir> "<question>" [--include <glob>]... [--exclude <glob>]... [--model <path|hf:uri>] [--embedding-model <path|hf:uri>]
      [--lora <path>[:scale]]... [--no-draft | --draft-always] [--gpu auto|off] [--threads N] [--context-size N] [--json]
      [--first-token-seconds S]
      [--server <url> [--server-model <name>] [--server-embedding-model <name> [--server-embedding-url <url>]] [--server-timeout S]]
      Draft, retrieve and answer with citations. Without --model: the best sections and their links.
      --first-token-seconds (default 8; 0: the whole context): the docs given to a local model are
      what it reads in that time at its measured speed, never below 1,200 tokens.
      --server: answers from an OpenAI-compatible server (vLLM, llama-server, Ollama) instead of a
      local model; its API key is read from DOCENT_SERVER_API_KEY. See docs/team.md.
  dataset <dir> --model <path|hf:uri> --out <file.jsonl> [--per-section N] [--distractors K] [--seed S] [--limit N]
      Fine-tuning data from the docs (train file plus <file>.val.jsonl, split by source file).
      Interrupted runs resume.
  feedback export --log <feedback.jsonl> --out <file.jsonl>
      Thumbs-up answers as chat records; thumbs-down with a correction as preference pairs.
  mcp <dir>... [--index <file>] [--include <glob>]... [--exclude <glob>]... [--watch fs|poll|off] [--poll-interval MS]
      [--model <path|hf:uri> [--no-draft | --draft-always] [--sources N] [--max-tokens N] [--draft-max-tokens N]] [model options as for ask]
      A Model Context Protocol server on stdio for AI agents: tools search_docs, define, read_section
      (and ask, with --model). Re-indexes docs as they change. Logs go to stderr. See docs/agents.md.
`;

/** A command resolves to its exit code when it is not 0 (`define` of a name nothing matches: 1). */
type Command = (argv: string[]) => Promise<void | number>;

export const COMMANDS: Record<string, Command> = {
  index: indexCommand,
  search: searchCommand,
  define: defineCommand,
  check: checkCommand,
  eval: evalCommand,
  ask: askCommand,
  dataset: datasetCommand,
  feedback: feedbackCommand,
  mcp: mcpCommand,
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(USAGE);
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`docent: unknown command "${safeText(name)}"\n\n${USAGE}`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    process.stdout.write(USAGE);
    return 0;
  }
  try {
    return (await command(rest)) ?? 0;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`docent ${safeText(name)}: ${safeLines(err.message)}\n\n${USAGE}`);
      return 2;
    }
    process.stderr.write(`docent ${safeText(name)}: ${safeLines((err as Error).message)}\n`);
    if (process.env.DOCENT_DEBUG) process.stderr.write(`${safeLines(String((err as Error).stack))}\n`);
    return 1;
  }
}
