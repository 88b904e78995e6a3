/** Part of a RawJson body read while it is sent (e.g. inflated from storage): `byteLength` bytes of UTF-8 JSON. */
export interface StreamedJson {
  byteLength: number;
  chunks(): AsyncIterable<Buffer>;
}

/**
 * A response body already serialized as JSON, in parts sent one after the other. For very large bodies
 * (a 10,000-key plan's Terraform JSON is tens of MB) that the server has serialized once already for
 * storage: the router writes strings in slices and streamed parts chunk by chunk, so no second copy of
 * the whole body is made.
 */
export class RawJson {
  readonly parts: Array<string | StreamedJson>;
  /** Overrides the route's status (an error answer with a large body). */
  status?: number;
  contentType = "application/json; charset=utf-8";
  constructor(...parts: Array<string | StreamedJson>) {
    this.parts = parts;
  }
}
