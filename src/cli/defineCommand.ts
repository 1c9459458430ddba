// `docent define <dir> <name>`: a defined name's card from a terminal, as the hover and the MCP
// `define` tool give it; a misspelt name gets the nearest defined name's ("Did you mean"), a name
// far from every defined one the nearest defined names.
import { cardMarkdown } from "../shared/cards.js";
import { isDefinableName } from "../shared/names.js";
import { parse, UsageError } from "./args.js";
import { nearestNames } from "./nearestNames.js";
import { indexOptions } from "./indexCommands.js";
import { openEngine, requireDir, withEngine } from "./openEngine.js";
import { jsonLine, safeLines, safeText } from "./terminalText.js";

export async function defineCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, indexOptions);
  const dir = await requireDir(positionals[0]);
  const wanted = positionals[1]?.trim().replace(/^`|`$/g, "");
  if (!wanted) throw new UsageError('missing "<name>"');
  return withEngine(await openEngine(dir, values), async (engine) => {
    const def = await engine.defineWithCard(wanted);
    const nearest = def ? [] : nearestNames(wanted, engine.docsIndex.terms, 5);
    if (values.json) {
      const { file: _file, ...rest } = def ?? { file: "" };
      console.log(
        jsonLine(
          def ? { name: wanted, defined: !def.askedAs, ...(def.askedAs ? { didYouMean: def.term } : {}), ...rest } : { name: wanted, defined: false, nearest },
        ),
      );
    } else if (def) {
      if (def.askedAs) console.log(`Did you mean ${safeText(def.term)}? The docs do not define ${safeText(wanted)}.\n`);
      console.log(
        safeLines(
          def.card
            ? cardMarkdown({ ...def.card, askedAs: undefined }).replace(/ {2}\n/g, "\n")
            : `${def.term}: ${def.summary}\nDefined in ${def.path}:${def.startLine}`,
        ),
      );
    } else {
      const why = isDefinableName(wanted) ? "" : " (only names with a dot, underscore, hyphen, colon or slash are looked up; try `docent search`)";
      console.log(`${safeText(wanted)} is not defined in the docs${why}.`);
      if (nearest.length) console.log(`Nearest defined names:\n${nearest.map((n) => `  ${safeText(n)}`).join("\n")}`);
    }
    return def ? 0 : 1;
  });
}
