// How long the UI tests wait for a state before they fail. Generous: each wait ends as soon as its
// state is reached, and CI machines are shared and loaded.

/** The index ready (status bar), code-server and the extension started. */
export const READY_MS = 240_000;
/** An answer (retrieval-only, or the tiny model's) complete in the view. */
export const ANSWER_MS = 180_000;
/** One UI step: a menu, a tab, a rendered element. */
export const UI_MS = 60_000;
