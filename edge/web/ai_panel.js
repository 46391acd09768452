// The room's AI side panel: the chat's mood (a sparkline of the last minutes), hot topics,
// the assistant's answers with their citations, and for room admins the AI room manager's
// audit log (with undo), the knowledge-base editor and the Q&A controls. Everything goes
// over the room socket as `{type:"ai", cmd}` frames (edge/PROTOCOL.md); live updates come
// from the batch events `mood`, `topics`, `assistant`, `assistant_stop`, `qa`, `retract`
// and `ai_notice`.
import { $, el } from "./api.js";

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
  mean > 0.15 ? "😊 positive" : mean < -0.15 ? "😠 negative" : "😐 neutral";
const when = (at) => new Date(at).toLocaleTimeString();
/** Time left until `until` (ms since the epoch), rounded up: "45 s", "9 min", "2 h". */
const timeLeft = (until) => {
  const s = Math.max(1, Math.ceil((until - Date.now()) / 1000));
  return s < 120 ? `${s} s` : s < 7200 ? `${Math.ceil(s / 60)} min` : `${Math.ceil(s / 3600)} h`;
};
const muteSource = (m) => m.source === "ai" ? "the room's AI moderator" : "a room admin";

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
    el("h3", {}, "Room AI"),
    el("div", { class: "ai-source muted", id: "ai-source" }, ""),
    el("h4", {}, "Mood"),
    moodBox,
    el("h4", {}, "Hot topics"),
    topicsBox,
    el("h4", {}, "Assistant"),
    qaBox,
    answersBox,
    adminBox,
  );
  $(".side").prepend(panel);

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
        last ? `${moodWord(last.mean)} · ${last.count} messages this minute` : "no chat yet",
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
        : [el("li", { class: "muted" }, "nothing stands out yet")]),
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
            `source: ${a.citation.title} [${a.citation.chunkId}] · ${a.source}`,
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
          ? "assistant paused"
          : qa.current
          ? `answering: ${qa.current.text}`
          : `${qa.pending.length} question(s) queued`,
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
          }, qa.paused ? "Resume" : "Pause"),
          el("button", { onclick: () => ai({ op: "qa", action: "interrupt" }) }, "Interrupt"),
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
              }, "Skip"),
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
      el("input", { name: "title", placeholder: "title", maxlength: "200", required: "" }),
      el("textarea", {
        name: "body",
        placeholder: "what the assistant may answer from",
        rows: "3",
        required: "",
      }),
      el("input", { name: "id", type: "hidden" }),
      el("button", {}, "Save entry"),
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
        notice("knowledge base saved");
        refresh();
      });
    };
    const mutes = admin.mutes ?? [];
    adminBox.replaceChildren(
      el("h4", {}, "Muted now"),
      el(
        "ul",
        { class: "ai-mutes" },
        ...(mutes.length === 0 ? [el("li", { class: "muted" }, "nobody")] : mutes.map((m) =>
          el(
            "li",
            { "data-user": m.userId },
            `${m.userId}: ${timeLeft(m.until)} left (${m.source === "ai" ? m.by : `by ${m.by}`}) `,
            el("button", {
              class: "secondary",
              onclick: () => {
                send({ type: "mod", action: "unmute", target: m.userId });
                setTimeout(refresh, 300);
              },
            }, "Unmute"),
          )
        )),
      ),
      el("h4", {}, "Knowledge base"),
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
            }, "Edit"),
            el("button", {
              class: "danger",
              onclick: () => ai({ op: "kb_delete", id: k.id }, refresh),
            }, "Delete"),
          )
        ),
      ),
      form,
      el("h4", {}, "Moderation log"),
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
            a.undone ? el("span", { class: "muted" }, `undone by ${a.undone.by}`) : el("button", {
              class: "secondary",
              onclick: () => ai({ op: "undo", auditId: a.id }, refresh),
            }, "Undo"),
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
      ? `model ${s.llm.model} (breaker ${s.llm.breaker})`
      : "local heuristics (no model configured)";
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
      // a viewer (re)joining while muted hears for how long and by whom (the room refuses
      // their chat until then with the same answer)
      if (f.type === "welcome" && f.self?.muted) {
        notice(
          `🔇 you are muted here for ${timeLeft(f.self.muted.until)} more (by ${
            muteSource(f.self.muted)
          })`,
        );
      }
      if (f.type === "ai_ok" && pending.has(f.clientId)) {
        const then = pending.get(f.clientId);
        pending.delete(f.clientId);
        then(f.result);
        return true;
      }
      if (f.type === "error" && pending.has(f.clientId)) {
        pending.delete(f.clientId);
        notice(`${f.code}: ${f.message}`);
        return true;
      }
      if (f.type === "ack" && f.warning) notice(`⚠️ ${f.warning.message}`);
      return false;
    },
    /** Batch events (called after the room view handled them). */
    onEvent(e) {
      switch (e.t) {
        case "danmaku": {
          const line = $("#chat").lastElementChild;
          if (line && line.dataset.user === e.d.userId) line.dataset.msg = e.d.id;
          break;
        }
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
          for (
            const line of document.querySelectorAll(
              `#chat li[data-msg="${CSS.escape(e.messageId)}"]`,
            )
          ) {
            line.remove();
          }
          if (canModerate()) refresh();
          break;
        case "ai_notice":
          if (e.to === selfId()) notice(`🛡️ ${e.text}`);
          break;
      }
    },
  };
}
