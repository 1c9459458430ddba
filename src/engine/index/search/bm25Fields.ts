// The fields the full-text index scores separately (bm25.ts) and a chunk's tokens by field.

export const FIELDS = ["title", "heading", "text"] as const;
export type Field = (typeof FIELDS)[number];
export const FIELD_COUNT = FIELDS.length;

export type FieldTokens = Record<Field, string[]>;
