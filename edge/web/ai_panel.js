// The room's AI side panel: the chat's mood (a sparkline of the last minutes), hot topics,
// the assistant's answers with their citations, and for room admins the AI room manager's
// audit log (with undo), the knowledge-base editor and the Q&A controls. Everything goes
// over the room socket as `{type:"ai", cmd}` frames (edge/PROTOCOL.md); live updates come
// from the batch events `mood`, `topics`, `assistant`, `assistant_stop`, `qa`, `retract`
// and `ai_notice`.
import { $, el } from "./api.js";

/** The TypeScript client's catalogues (client/src/bridge.ts), loaded before this module. */
const tr = (key, params) => globalThis.synapseClient.t(key, params);

const SPARK_MINUTES = 30;

/** Inline SVG sparkline of mood means (-1..1), newest on the right. */
function sparkline(points) {
  const w = 220, h = 40;
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", `0 0 ${w} ${h}`);
  svg.setAttribute("class", "ai-spark");
  const mid = document.createElementNS(ns, "line");
  for (const [k, v] of [["x1", 0], ["x2", w], ["y1", h / 2], ["y2", h / 2]]) {
    mid.setAttribute(k, String(v));
  }
  mid.setAttribute("class", "ai-spark-mid");
  svg.append(mid);
  if (points.length > 0) {
    const step = points.length > 1 ? w / (points.length - 1) : 0;
    const coords = points.map((p, i) =>
      `${(i * step).toFixed(1)},${(h / 2 - (p.mean * h) / 2).toFixed(1)}`
    );
    const line = document.createElementNS(ns, "polyline");
    line.setAttribute("points", coords.join(" "));
    line.setAttribute("class", "ai-spark-line");
    svg.append(line);
  }
  return svg;
}

const moodWord = (mean) =>
  tr(mean > 0.15 ? "ai.moodPositive" : mean < -0.15 ? "ai.moodNegative" : "ai.moodNeutral");
const when = (at) => globalThis.synapseClient.formatTime(at);
/** Time left until `until` (ms since the epoch), rounded up: "45 s", "9 min", "2 h". */
const timeLeft = (until) => {
  const s = Math.max(1, Math.ceil((until - Date.now()) / 1000));
  return s < 120
    ? tr("ai.seconds", { n: s })
    : s < 7200
    ? tr("ai.minutes", { n: Math.ceil(s / 60) })
    : tr("ai.hours", { n: Math.ceil(s / 3600) });
};

/**
 * `send(frame)` sends on the room socket; `canModerate()` says whether the viewer is a room
 * admin (the room checks again); `selfId()` the viewer's user id; `notice(text)` a toast.
 */
export function createAiPanel({ send, canModerate, selfId, notice }) {
  const link = el("link", { rel: "stylesheet", href: "/ai_panel.css" });
  document.head.append(link);

  const moodBox = el("div", { class: "ai-mood" });
  const topicsBox = el("ul", { class: "ai-topics" });
  const answersBox = el("ol", { class: "ai-answers" });
  const qaBox = el("div", { class: "ai-qa" });
  const adminBox = el("div", { class: "ai-admin", hidden: "" });
  const panel = el(
    "section",
    { id: "ai-panel", class: "ai-panel" },
    el("h3", {}, tr("ai.title")),
    el("div", { class: "ai-source muted", id: "ai-source" }, ""),
    el("h4", {}, tr("ai.mood")),
    moodBox,
    el("h4", {}, tr("ai.topics")),
    topicsBox,
    el("h4", {}, tr("ai.assistant")),
    qaBox,
    answersBox,
    adminBox,
  );
  ($("#ai-root") ?? $(".side")).append(panel);

  let counter = 0;
  const pending = new Map();
  /** Sends an `ai` command; `then(result)` runs on `ai_ok`. */
  const ai = (cmd, then = () => {}) => {
    const clientId = `ai${++counter}`;
    pending.set(clientId, then);
    if (!send({ type: "ai", cmd, clientId })) pending.delete(clientId);
  };

  let mood = [];
  let moodNow = null;
  let answers = [];
  let qa = { paused: false, current: null, pending: [] };

  function renderMood() {
    const series = mood.slice(-SPARK_MINUTES);
    const last = moodNow ?? series.at(-1);
    moodBox.replaceChildren(
      sparkline(moodNow ? [...series, moodNow] : series),
      el(
        "div",
        { class: "muted" },
        last
          ? tr("ai.moodLine", { mood: moodWord(last.mean), n: last.count, count: last.count })
          : tr("ai.noChat"),
      ),
    );
  }

  function renderTopics(topics) {
    topicsBox.replaceChildren(
      ...(topics?.topics?.length
        ? topics.topics.map((t) =>
          el(
            "li",
            { class: "ai-topic" },
            `#${t.term} `,
            el("span", { class: "muted" }, `${t.count}`),
          )
        )
        : [el("li", { class: "muted" }, tr("ai.noTopics"))]),
    );
  }

  function renderAnswers() {
    answersBox.replaceChildren(
      ...answers.slice(-8).reverse().map((a) =>
        el(
          "li",
          { "data-answer": a.id },
          el("div", { class: "ai-q" }, `❓ ${a.question}`, a.askers > 1 ? ` (×${a.askers})` : ""),
          el("div", { class: "ai-a" }, `🤖 ${a.text}`),
          el(
            "div",
            { class: "ai-cite muted" },
            tr("ai.source", {
              title: a.citation.title,
              chunk: a.citation.chunkId,
              by: a.source,
            }),
          ),
        )
      ),
    );
  }

  function renderQa() {
    const children = [
      el(
        "div",
        { class: "muted" },
        qa.paused
          ? tr("ai.paused")
          : qa.current
          ? tr("ai.answering", { text: qa.current.text })
          : tr("ai.queued", { n: qa.pending.length, count: qa.pending.length }),
      ),
    ];
    if (canModerate()) {
      children.push(
        el(
          "div",
          { class: "ai-controls" },
          el("button", {
            onclick: () =>
              ai({ op: "qa", action: qa.paused ? "resume" : "pause" }, (r) => applyQa(r.qa)),
          }, tr(qa.paused ? "ai.resume" : "ai.pause")),
          el(
            "button",
            { onclick: () => ai({ op: "qa", action: "interrupt" }) },
            tr("ai.interrupt"),
          ),
        ),
        el(
          "ul",
          { class: "ai-queue" },
          ...qa.pending.map((q) =>
            el(
              "li",
              {},
              `${q.text} (×${q.askers}) `,
              el("button", {
                class: "secondary",
                onclick: () =>
                  ai({ op: "qa", action: "skip", questionId: q.id }, (r) => applyQa(r.qa)),
              }, tr("ai.skip")),
            )
          ),
        ),
      );
    }
    qaBox.replaceChildren(...children);
  }

  const applyQa = (status) => {
    if (status) qa = status;
    renderQa();
  };

  function renderAdmin(admin) {
    if (!canModerate() || !admin) {
      adminBox.hidden = true;
      return;
    }
    adminBox.hidden = false;
    const form = el(
      "form",
      { class: "ai-kb-form" },
      el("input", {
        name: "title",
        placeholder: tr("ai.kbTitle"),
        "aria-label": tr("ai.kbTitle"),
        maxlength: "200",
        required: "",
      }),
      el("textarea", {
        name: "body",
        placeholder: tr("ai.kbBody"),
        "aria-label": tr("ai.kbBody"),
        rows: "3",
        required: "",
      }),
      el("input", { name: "id", type: "hidden" }),
      el("button", {}, tr("ai.kbSave")),
    );
    const field = (name) => form.querySelector(`[name="${name}"]`);
    form.onsubmit = (e) => {
      e.preventDefault();
      const data = new FormData(form);
      const id = String(data.get("id") || "") || undefined;
      ai({
        op: "kb_put",
        ...(id ? { id } : {}),
        entry: { title: String(data.get("title")), body: String(data.get("body")) },
      }, () => {
        notice(tr("ai.kbSaved"));
        refresh();
      });
    };
    const mutes = admin.mutes ?? [];
    adminBox.replaceChildren(
      el("h4", {}, tr("ai.mutedNow")),
      el(
        "ul",
        { class: "ai-mutes" },
        ...(mutes.length === 0
          ? [el("li", { class: "muted" }, tr("ai.nobody"))]
          : mutes.map((m) =>
            el(
              "li",
              { "data-user": m.userId },
              `${
                tr("ai.muteLeft", {
                  user: m.userId,
                  left: timeLeft(m.until),
                  by: m.source === "ai" ? m.by : tr("ai.byWhom", { by: m.by }),
                })
              } `,
              el("button", {
                class: "secondary",
                onclick: () => {
                  send({ type: "mod", action: "unmute", target: m.userId });
                  setTimeout(refresh, 300);
                },
              }, tr("mod.unmute")),
            )
          )),
      ),
      el("h4", {}, tr("ai.kb")),
      el(
        "ul",
        { class: "ai-kb" },
        ...admin.kb.map((k) =>
          el(
            "li",
            {},
            el("strong", {}, k.title),
            " ",
            el("button", {
              class: "secondary",
              onclick: () => {
                // (not form.title / form.id: those are the form's own attributes)
                field("title").value = k.title;
                field("body").value = k.body;
                field("id").value = k.id;
              },
            }, tr("ai.edit")),
            el("button", {
              class: "danger",
              onclick: () => ai({ op: "kb_delete", id: k.id }, refresh),
            }, tr("ai.delete")),
          )
        ),
      ),
      form,
      el("h4", {}, tr("ai.log")),
      el(
        "ol",
        { class: "ai-audit" },
        ...admin.audit.slice(0, 30).map((a) =>
          el(
            "li",
            { class: a.undone ? "undone" : "" },
            `${when(a.at)} ${a.action} ${a.userName}: “${a.excerpt}” (${
              a.reasons.join(", ")
            }; ${a.by}) `,
            a.undone
              ? el("span", { class: "muted" }, tr("ai.undoneBy", { by: a.undone.by }))
              : el("button", {
                class: "secondary",
                onclick: () => ai({ op: "undo", auditId: a.id }, refresh),
              }, tr("ai.undo")),
          )
        ),
      ),
    );
  }

  function applyState(s) {
    mood = s.mood;
    moodNow = s.moodNow;
    answers = s.answers;
    $("#ai-source").textContent = s.llm.configured
      ? tr("ai.model", { model: s.llm.model, breaker: s.llm.breaker })
      : tr("ai.local");
    renderMood();
    renderTopics(s.topics);
    renderAnswers();
    applyQa(s.qa);
    renderAdmin(s.admin);
  }

  const refresh = () => ai({ op: "state" }, applyState);
  let adminTimer;

  return {
    /** After each welcome: load the panel; admins also poll the audit log. */
    onWelcome() {
      refresh();
      clearInterval(adminTimer);
      adminTimer = setInterval(() => canModerate() && refresh(), 5_000);
    },
    /** Frames for the panel; returns true when consumed. */
    onFrame(f) {
      if (f.type === "ai_ok" && pending.has(f.clientId)) {
        const then = pending.get(f.clientId);
        pending.delete(f.clientId);
        then(f.result);
        return true;
      }
      if (f.type === "error" && pending.has(f.clientId)) {
        pending.delete(f.clientId);
        notice(globalThis.synapseClient.errorText(f.code));
        return true;
      }
      return false;
    },
    /** Batch events (called after the room view handled them). */
    onEvent(e) {
      switch (e.t) {
        case "mood":
          mood = [...mood, e.m].slice(-240);
          moodNow = null;
          renderMood();
          break;
        case "topics":
          renderTopics(e);
          break;
        case "assistant":
          answers = [...answers, e.a].slice(-20);
          renderAnswers();
          break;
        case "assistant_stop":
          answers = answers.filter((a) => a.id !== e.answerId);
          renderAnswers();
          break;
        case "qa":
          applyQa(e.status);
          break;
        case "retract":
          // The room page drops the line from its chat list.
          if (canModerate()) refresh();
          break;
        case "ai_notice":
          if (e.to === selfId()) notice(`🛡️ ${e.text}`);
          break;
      }
    },
  };
}
