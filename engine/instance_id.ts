/** Instance ids become KV keys and subject tokens: keep them to this alphabet. */
export const INSTANCE_ID = /^[A-Za-z0-9_-]{1,64}$/;
