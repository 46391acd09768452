/**
 * media/livekit/tokens.ts names LiveKit's track sources by their protocol numbers so that
 * signing no token loads no SDK (issue 18); they must be the SDK's own values.
 */
import assert from "node:assert/strict";
import { TrackSource } from "livekit-server-sdk";
import { guestSources, TRACK_SOURCE } from "../media/livekit/tokens.ts";

Deno.test("livekit tokens: the track source numbers are the SDK's", () => {
  for (const [name, value] of Object.entries(TRACK_SOURCE)) {
    assert.equal(value, TrackSource[name as keyof typeof TrackSource], name);
  }
  assert.deepEqual(guestSources("both"), [TrackSource.CAMERA, TrackSource.MICROPHONE]);
});
