// The answer pipeline's CLI flags, shared by `ask` and `mcp`. Their defaults are DEFAULT_PIPELINE's,
// so the terminal answers as the editor does unless a flag says otherwise.
import { DEFAULT_PIPELINE, type PipelineSettings } from "../shared/pipelineSettings.js";
import { intOption, numberOption } from "./args.js";

export const pipelineOptions = {
  "no-draft": { type: "boolean" },
  "draft-always": { type: "boolean" },
  sources: { type: "string" },
  "max-tokens": { type: "string" },
  "draft-max-tokens": { type: "string" },
  "first-token-seconds": { type: "string" },
} as const;

export interface PipelineFlags {
  "no-draft"?: boolean;
  "draft-always"?: boolean;
  sources?: string;
  "max-tokens"?: string;
  "draft-max-tokens"?: string;
  "first-token-seconds"?: string;
}

/** The pipeline settings the flags set, checked; the rest stay DEFAULT_PIPELINE's (openEngine merges them). */
export function pipelineSettingsFrom(
  flags: PipelineFlags,
): Pick<PipelineSettings, "draft" | "draftForNamedTerms" | "sources" | "answerMaxTokens" | "draftMaxTokens" | "firstTokenSeconds"> {
  return {
    draft: !flags["no-draft"],
    draftForNamedTerms: flags["draft-always"] ?? DEFAULT_PIPELINE.draftForNamedTerms,
    sources: intOption(flags.sources, "sources", DEFAULT_PIPELINE.sources),
    answerMaxTokens: intOption(flags["max-tokens"], "max-tokens", DEFAULT_PIPELINE.answerMaxTokens),
    draftMaxTokens: intOption(flags["draft-max-tokens"], "draft-max-tokens", DEFAULT_PIPELINE.draftMaxTokens),
    firstTokenSeconds: numberOption(flags["first-token-seconds"], "first-token-seconds", DEFAULT_PIPELINE.firstTokenSeconds, 0, 600),
  };
}
