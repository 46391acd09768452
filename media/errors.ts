/** Errors of the media layer: a stable `code` the edge maps to an HTTP status. */
export class MediaError extends Error {
  constructor(readonly code: string, message: string, readonly status = 400) {
    super(message);
    this.name = "MediaError";
  }
}
