/**
 * Notifications in the user's language (issue 14): users have a language on file (zh-CN or
 * en), set at sign-up from the body's `language` (the web client's switch) or the request's
 * Accept-Language, changed through `PUT /api/me/language`, learnt from Accept-Language by an
 * older account without one; push and e-mail texts are written in that language only (both,
 * as before, only while it is unknown). The e-mail end to end is in notify_email.test.ts.
 */
import assert from "node:assert/strict";
import { languageFromAcceptLanguage } from "../edge/accounts/user_language.ts";
import { mailOf, pushPayload, verifyMail, word } from "../edge/notifications/messages.ts";
import { startPostgresTestServer } from "./helpers/postgres_server.ts";

const HAN = /\p{Script=Han}/u;
const LATIN_WORD = /\b(is live|withdrawal|recording|Unsubscribe|settings)\b/i;

Deno.test("user language: Accept-Language picks zh-CN or en by weight, or nothing", () => {
  const cases: [string | null, string | undefined][] = [
    ["zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"],
    ["zh-TW", "zh-CN"],
    ["zh-Hans-CN", "zh-CN"],
    ["en-US,en;q=0.9", "en"],
    ["fr-FR,fr;q=0.9,en;q=0.5,zh;q=0.4", "en"],
    ["en;q=0.3, zh;q=0.8", "zh-CN"],
    ["de, ja", undefined],
    ["zh;q=0, en;q=0.1", "en"],
    ["*", undefined],
    ["", undefined],
    [null, undefined],
  ];
  for (const [header, want] of cases) {
    assert.equal(languageFromAcceptLanguage(header), want, `Accept-Language: ${header}`);
  }
});

Deno.test("notification texts: one language when known, both only when unknown", () => {
  const live = { roomId: "r1", roomTitle: "Evening piano", streamer: { displayName: "Luna" } };
  const paid = { withdrawalId: "w1", amount: "500", reference: "bank-1" };
  const ready = { roomId: "r1", recordingId: "rec_1", roomTitle: "Evening piano" };
  const links = { open: "http://x/r/r1", unsubscribe: "http://x/u", settings: "http://x/s" };
  for (
    const [kind, payload] of [["live", live], ["withdrawal_paid", paid], [
      "recording_ready",
      ready,
    ]] as const
  ) {
    const zh = word(kind, payload, "zh-CN");
    const en = word(kind, payload, "en");
    const both = word(kind, payload, null);
    assert.match(zh.title, HAN, `${kind} zh`);
    assert.doesNotMatch(zh.title, LATIN_WORD, `${kind} zh has no English`);
    assert.doesNotMatch(en.title, HAN, `${kind} en has no Chinese`);
    assert.match(en.title, /[A-Za-z]/);
    assert.equal(both.title, `${zh.title} · ${en.title}`);
    assert.equal(zh.path, en.path);

    const mailZh = mailOf(kind, payload, links, "zh-CN");
    const mailEn = mailOf(kind, payload, links, "en");
    assert.equal(mailZh.subject, zh.title);
    assert.doesNotMatch(mailZh.text, LATIN_WORD, `${kind} zh mail: ${mailZh.text}`);
    assert.doesNotMatch(mailEn.text, HAN, `${kind} en mail: ${mailEn.text}`);
    assert.doesNotMatch(mailEn.html, HAN);
    assert.match(mailZh.html, /lang="zh-CN"/);
    assert.match(mailZh.text, /http:\/\/x\/u/, "the unsubscribe link is in every language");
    assert.match(mailEn.text, /Unsubscribe from these e-mails: http:\/\/x\/u/);

    const push = JSON.parse(pushPayload(kind, "ev_1", payload, "en"));
    assert.equal(push.title, en.title);
    assert.equal(JSON.parse(pushPayload(kind, "ev_1", payload, "zh-CN")).title, zh.title);
  }
  assert.equal(word("live", live, "zh-CN").title, "Luna 开播了");
  assert.equal(verifyMail("http://x/v", "zh-CN").subject, "确认你的邮箱");
  assert.equal(verifyMail("http://x/v", "en").subject, "Confirm your e-mail address");
  assert.doesNotMatch(verifyMail("http://x/v", "en").text, HAN);
  assert.equal(word("live", live, "en").title, "Luna is live");
});

Deno.test("user language over the API: sign-up body or Accept-Language, PUT /api/me/language, learnt later", async () => {
  const { srv, store, close } = await startPostgresTestServer();
  const call = async (
    method: string,
    path: string,
    opts: { token?: string; json?: unknown; lang?: string } = {},
  ) => {
    const res = await fetch(`${srv.url}${path}`, {
      method,
      headers: {
        ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
        ...(opts.json !== undefined ? { "content-type": "application/json" } : {}),
        ...(opts.lang ? { "accept-language": opts.lang } : {}),
      },
      body: opts.json === undefined ? undefined : JSON.stringify(opts.json),
    });
    return { status: res.status, body: await res.json() };
  };
  const register = (username: string, lang?: string, language?: string) =>
    call("POST", "/api/auth/register", {
      lang,
      json: { username, password: "a fine password", ...(language ? { language } : {}) },
    });
  try {
    const zh = await register("lang_zh", "zh-CN,zh;q=0.9,en;q=0.8");
    assert.equal(zh.status, 201, JSON.stringify(zh.body));
    assert.equal(zh.body.user.language, "zh-CN");
    const en = await register("lang_en", "en-GB");
    assert.equal(en.body.user.language, "en");
    // The web client's switch (the body) wins over the browser's header.
    const chosen = await register("lang_pick", "en-US", "zh-CN");
    assert.equal(chosen.body.user.language, "zh-CN");
    // Neither Chinese nor English asked for: English.
    assert.equal((await register("lang_de", "de-DE")).body.user.language, "en");
    const bad = await register("lang_bad", undefined, "fr");
    assert.equal(bad.status, 400);

    const token = zh.body.accessToken as string;
    const me = await call("GET", "/api/me", { token, lang: "en" });
    assert.equal(me.body.user.language, "zh-CN", "a known language is not overwritten by a header");
    const put = await call("PUT", "/api/me/language", { token, json: { language: "en" } });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.equal(put.body.user.language, "en");
    assert.equal((await call("GET", "/api/me", { token })).body.user.language, "en");
    const refused = await call("PUT", "/api/me/language", { token, json: { language: "de" } });
    assert.deepEqual([refused.status, refused.body.error.code], [400, "invalid_request"]);
    const anonymous = await call("PUT", "/api/me/language", { json: { language: "en" } });
    assert.equal(anonymous.status, 401);

    // An account made before languages were kept (none on file) learns one from its next
    // request that names Chinese or English, and only then.
    await store.query("UPDATE users SET language = NULL WHERE username = 'lang_en'");
    const old = en.body.accessToken as string;
    assert.equal((await call("GET", "/api/me", { token: old })).body.user.language, null);
    assert.equal(
      (await call("GET", "/api/me", { token: old, lang: "ja" })).body.user.language,
      null,
    );
    assert.equal(
      (await call("GET", "/api/me", { token: old, lang: "zh-TW,zh;q=0.8" })).body.user.language,
      "zh-CN",
    );
    const login = await call("POST", "/api/auth/login", {
      lang: "en",
      json: { username: "lang_en", password: "a fine password" },
    });
    assert.equal(login.body.user.language, "zh-CN", "learnt once, then kept");
  } finally {
    await close();
  }
});
