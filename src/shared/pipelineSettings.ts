// Settings of the answer pipeline and their defaults: shared by the engine, the CLI and the
// extension (which must not pull the engine into its bundle).

export interface PipelineSettings {
  draft: boolean;
  /**
   * Draft even when the question names a term the docs define. Off by default: the term's own
   * section is found without a draft, which on a CPU costs seconds before retrieval can start.
   */
  draftForNamedTerms: boolean;
  draftMaxTokens: number;
  draftTemperature: number;
  answerMaxTokens: number;
  /** How many sections the answer may draw on. */
  sources: number;
  /**
   * Seconds to the first answer word the sources are sized for, from the model's measured reading
   * speed (never fewer than SOURCE_TOKENS_FLOOR tokens); 0: the whole context.
   */
  firstTokenSeconds: number;
  /** Below this share of the question's (idf-weighted) words in the best section, the docs "do not cover it". */
  minCoverage: number;
}

export const DEFAULT_PIPELINE: PipelineSettings = {
  draft: true,
  draftForNamedTerms: false,
  draftMaxTokens: 128,
  draftTemperature: 0.2,
  answerMaxTokens: 512,
  sources: 6,
  minCoverage: 0.3,
  firstTokenSeconds: 8,
};
