// Values the platform ports keep as given (job input, checkpoints and results, outbox payloads): plain JSON.
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };
