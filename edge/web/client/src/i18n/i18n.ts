/**
 * `t(key, params)` reads the catalogue of the current locale; `errorText(code)` turns a
 * server error code into a sentence. Both read the `locale` signal, so components that call
 * them re-render when the language switches. Each language's catalogue and its error
 * sentences are chunks of their own, loaded for the language in use only: an entry awaits
 * `catalogueReady()` (the part every page shows; the streamer's and operator's pages also
 * `"work"`) before it renders. The error sentences load on first use: REST calls that
 * fail wait for them before they reject (api.ts), so a `catch` reads them at once; an error
 * that comes another way is said through `errorSentence(code)`; a component rendering
 * `errorText` re-renders when they arrive.
 */
import { effect, signal } from "@preact/signals";
import { type Locale, locale } from "./locale.ts";
import type { Message, MessageKey } from "./messages_en.ts";

export type Params = Record<string, string | number>;

/**
 * A catalogue comes in parts, each a chunk per language: `base` (every page) and `work` (the
 * streamer's and operator's pages: messages_work_*.ts). A page asks for the parts it shows.
 */
export type CataloguePart = "base" | "work";
type Messages = Partial<Record<MessageKey, Message>>;

const CATALOGUES: Partial<Record<Locale, Messages>> = {};
/** Bumped when a part of a catalogue arrives (re-renders what showed another language). */
const cataloguesLoaded = signal(0);
const CATALOGUE_LOADERS: Record<Locale, Record<CataloguePart, () => Promise<Messages>>> = {
  en: {
    base: () => import("./messages_en.ts").then((m) => m.en),
    work: () => import("./messages_work_en.ts").then((m) => m.workEn),
  },
  "zh-CN": {
    base: () => import("./messages_zh_cn.ts").then((m) => m.zhCN),
    work: () => import("./messages_work_zh_cn.ts").then((m) => m.workZhCN),
  },
};
const catalogueLoads: Partial<Record<`${Locale}:${CataloguePart}`, Promise<void>>> = {};
/** The parts this page has asked for (a language switch loads them in the new language). */
const partsInUse = new Set<CataloguePart>(["base"]);

function loadCatalogue(lang: Locale, part: CataloguePart): Promise<void> {
  return catalogueLoads[`${lang}:${part}`] ??= CATALOGUE_LOADERS[lang][part]().then(
    (messages) => {
      CATALOGUES[lang] = { ...CATALOGUES[lang], ...messages };
      cataloguesLoaded.value++;
    },
    (err) => {
      delete catalogueLoads[`${lang}:${part}`]; // offline: tried again when next asked
      throw err;
    },
  );
}

/** Resolves once the current language's `parts` are in (pages render after them). */
export function catalogueReady(...parts: CataloguePart[]): Promise<void> {
  const lang = locale.value;
  if (parts.length === 0) parts = ["base"];
  for (const part of parts) partsInUse.add(part);
  return Promise.all(parts.map((part) => loadCatalogue(lang, part))).then(() => {});
}
const ERRORS: Partial<Record<Locale, Record<string, string>>> = {};
/** Bumped when a language's error sentences arrive (re-renders what showed a fallback). */
const errorsLoaded = signal(0);

const LOADERS: Record<Locale, () => Promise<Record<string, string>>> = {
  en: () => import("./errors_en.ts").then((m) => m.errorsEn),
  "zh-CN": () => import("./errors_zh_cn.ts").then((m) => m.errorsZhCN),
};
const errorLoads: Partial<Record<Locale, Promise<void>>> = {};

function loadErrors(lang: Locale): Promise<void> {
  return errorLoads[lang] ??= LOADERS[lang]().then((sentences) => {
    ERRORS[lang] = sentences;
    errorsLoaded.value++;
  }, () => {
    delete errorLoads[lang]; // offline: tried again on the next error
  });
}

/** Resolves once the current language's error sentences are in (or could not be loaded). */
export function errorSentencesReady(): Promise<void> {
  return loadErrors(locale.value);
}

effect(() => {
  const lang = locale.value;
  for (const part of partsInUse) loadCatalogue(lang, part).catch(() => {});
  // Sentences already in use are shown in the new language too.
  if (Object.keys(errorLoads).length > 0) void loadErrors(lang);
});

function fill(template: string, params: Params | undefined): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name) => {
    const v = params[name];
    return v === undefined ? whole : String(v);
  });
}

/**
 * The message of `key` and its language: the current language's, else (while it loads) the
 * other's. A key of a part nobody asked for loads that part (what shows it re-renders).
 */
function lookup(key: string): { lang: Locale; message: Message | undefined } {
  void cataloguesLoaded.value;
  const lang = locale.value;
  const here = CATALOGUES[lang]?.[key as MessageKey];
  if (here !== undefined) return { lang, message: here };
  if (!partsInUse.has("work")) void catalogueReady("work").catch(() => {});
  for (const other of Object.keys(CATALOGUES) as Locale[]) {
    const there = CATALOGUES[other]?.[key as MessageKey];
    if (there !== undefined) return { lang: other, message: there };
  }
  return { lang, message: undefined };
}

/** Whether the catalogue has `key` (for keys made from what the server sent). */
export function hasMessage(key: string): key is MessageKey {
  void cataloguesLoaded.value;
  return Object.values(CATALOGUES).some((messages) => key in messages);
}

export function t(key: MessageKey, params?: Params): string {
  const { lang, message } = lookup(key);
  if (message === undefined) return key;
  if (typeof message === "string") return fill(message, params);
  // `count` (a number) picks the plural form when `n` is a formatted string.
  const n = Number(params?.count ?? params?.n ?? 0);
  const form = new Intl.PluralRules(lang).select(n) === "one" ? message.one : message.other;
  return fill(form, params);
}

/** The sentence for a server error code in the current language (never the raw message). */
export function errorText(code: string): string {
  // No answer at all (the network): said from the catalogue, nothing to load (it could not be).
  if (code === "offline") return t("error.offline");
  void errorsLoaded.value;
  const sentences = ERRORS[locale.value];
  if (!sentences) void loadErrors(locale.value); // first use: what renders this re-renders
  return sentences?.[code] ?? t("error.unknown", { code });
}

/** `errorText` once the sentences are in: for an error said once (a notice), not rendered. */
export async function errorSentence(code: string): Promise<string> {
  await errorSentencesReady();
  return errorText(code);
}
