/** Configuration: each part declares its variables; the root joins them and validates once. */
import assert from "node:assert/strict";
import { assertDisjoint, ENGINE_VARIABLES, int } from "../engine/config.ts";
import { MEDIA_VARIABLES } from "../media/config.ts";
import { ConfigSchema, parseConfig } from "../edge/wiring/config.ts";

Deno.test("config: a variable declared by two parts is refused, naming both", () => {
  assert.throws(
    () => assertDisjoint({ "a/config.ts": { PORT: int(1) }, "b/config.ts": { PORT: int(2) } }),
    /PORT is declared by both a\/config.ts and b\/config.ts/,
  );
  assert.doesNotThrow(() => assertDisjoint({ engine: ENGINE_VARIABLES, media: MEDIA_VARIABLES }));
});

Deno.test("config: the joined schema holds every part's variables, and one error names each bad one", () => {
  for (const name of [...Object.keys(ENGINE_VARIABLES), ...Object.keys(MEDIA_VARIABLES)]) {
    assert.ok(name in ConfigSchema.shape, name);
  }
  const defaults = parseConfig({});
  assert.equal(defaults.PARTITIONS, 64);
  assert.equal(defaults.MEDIA, "auto");
  assert.throws(
    () => parseConfig({ PARTITIONS: "0", MEDIA: "sometimes", GIFT_COMMISSION_BPS: "x" }),
    (err: unknown) =>
      err instanceof Error &&
      ["PARTITIONS", "MEDIA", "GIFT_COMMISSION_BPS"].every((v) => err.message.includes(v)),
  );
});
