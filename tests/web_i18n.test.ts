/**
 * The web client's catalogues: every error code the server can send (found in its source and
 * PROTOCOL.md, tests/helpers/error_codes.ts) has a sentence in English and in Chinese, both
 * catalogues hold the same keys, and the browser's language picks the locale.
 */
import assert from "node:assert/strict";
import { errorsEn } from "../edge/web/client/src/i18n/errors_en.ts";
import { errorsZhCN } from "../edge/web/client/src/i18n/errors_zh_cn.ts";
import { fromBrowser } from "../edge/web/client/src/i18n/pick_locale.ts";
import { en } from "../edge/web/client/src/i18n/messages_en.ts";
import { zhCN } from "../edge/web/client/src/i18n/messages_zh_cn.ts";
import { workEn } from "../edge/web/client/src/i18n/messages_work_en.ts";
import { workZhCN } from "../edge/web/client/src/i18n/messages_work_zh_cn.ts";
import { serverErrorCodes } from "./helpers/error_codes.ts";

Deno.test("web i18n: every server error code has a sentence in both languages", async () => {
  const codes = await serverErrorCodes();
  // The finder must be finding things: a sample of codes known to be sent.
  for (const known of ["bad_frame", "rate_limited", "insufficient_funds", "too_many_connections"]) {
    assert.ok(codes.has(known), `the code finder missed ${known}`);
  }
  const missingEn = [...codes].filter((c) => !(c in errorsEn)).sort();
  const missingZh = [...codes].filter((c) => !(c in errorsZhCN)).sort();
  assert.deepEqual(missingEn, [], "codes without an English sentence (errors_en.ts)");
  assert.deepEqual(missingZh, [], "codes without a Chinese sentence (errors_zh_cn.ts)");
  for (const [code, text] of Object.entries(errorsZhCN)) {
    assert.match(text, /[\u4e00-\u9fff]/, `${code}: the Chinese sentence is Chinese`);
  }
});

Deno.test("web i18n: both UI catalogues have the same keys and placeholders", () => {
  const holes = (m: unknown) => [...JSON.stringify(m).matchAll(/\{(\w+)\}/g)].map((x) => x[1]);
  // Each part (every page's; the streamer's and operator's pages') in both languages.
  const parts: [string, Record<string, unknown>, Record<string, unknown>][] = [
    ["base", en, zhCN],
    ["work", workEn, workZhCN],
  ];
  for (const [part, english, chinese] of parts) {
    assert.deepEqual(Object.keys(chinese).sort(), Object.keys(english).sort(), `${part}: keys`);
    for (const key of Object.keys(english)) {
      assert.deepEqual(
        [...new Set(holes(chinese[key]))].sort(),
        [...new Set(holes(english[key]))].sort(),
        `${key}: same placeholders`,
      );
    }
  }
  // A key lives in one part only (t() reads them merged).
  assert.deepEqual(Object.keys(workEn).filter((k) => k in en), [], "keys in both parts");
});

Deno.test("web i18n: the browser's languages pick zh-CN or en", () => {
  assert.equal(fromBrowser(["zh-CN", "en"]), "zh-CN");
  assert.equal(fromBrowser(["zh-TW"]), "zh-CN");
  assert.equal(fromBrowser(["fr-FR", "en-GB"]), "en");
  assert.equal(fromBrowser(["de-DE"]), "en");
  assert.equal(fromBrowser([]), "en");
});
