/**
 * The dashboard's charts over the stream's time (uPlot, bundled): viewers, chat messages per
 * second, the chat's mood (-1..1 per minute) and gifts (coins per bucket), each with the
 * room's highlights drawn as bands. The series come from `GET /api/rooms/:id/stats` (the room's
 * stats part, 10 s buckets since the room woke), polled, and the mood minutes from the room AI
 * over the socket; before those, from `GET /api/rooms/:id/stats/minutes` (the same per minute,
 * kept in Postgres across the room's activations), so a room that passivated or restarted
 * mid-stream still charts the whole stream.
 * Each chart's uPlot instance is on its element as `uplot` (the browser tests read its data).
 */
import { useSignalEffect } from "@preact/signals";
import { useEffect, useRef, useState } from "preact/hooks";
import uPlot from "uplot";
import type { HighlightSpan, StatsReply } from "../../../../../actors/room/contract.ts";
import { api } from "../api.ts";
import { t } from "../i18n/i18n.ts";
import { locale } from "../i18n/locale.ts";
import { formatClock } from "../i18n/format.ts";
import type { MessageKey } from "../i18n/messages_en.ts";
import type { RoomSocket } from "./room_socket.ts";

const POLL_MS = 5_000;
type Data = [number[], (number | null)[]];

/** A point of any series: its start (s), length (s), and what happened in it. */
interface Sample {
  x: number;
  seconds: number;
  viewers: number;
  danmaku: number;
  coins: number;
}
interface StatsMinute {
  t: number;
  viewers: number;
  danmaku: number;
  coins: string;
  mood: number | null;
}

/** Draws the highlights (seconds) as translucent bands under the series. */
function highlightBands(spans: () => HighlightSpan[]): uPlot.Plugin {
  return {
    hooks: {
      drawClear: (u: uPlot) => {
        const ctx = u.ctx;
        ctx.save();
        ctx.fillStyle = "rgba(255, 204, 51, 0.25)";
        for (const h of spans()) {
          const x0 = u.valToPos(h.startAt / 1000, "x", true);
          const x1 = u.valToPos(h.endAt / 1000, "x", true);
          const w = Math.max(2, x1 - x0);
          ctx.fillRect(x0, u.bbox.top, w, u.bbox.height);
        }
        ctx.restore();
      },
    },
  };
}

interface ChartProps {
  id: string;
  title: MessageKey;
  data: () => Data;
  color: string;
  spans: () => HighlightSpan[];
  range?: [number, number];
  /** The latest value, as said to screen readers. */
  summary: () => string;
  /** Changes whenever the data may have changed. */
  version: number;
}

function Chart(props: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const latest = useRef(props);
  latest.current = props;

  useEffect(() => {
    const el = box.current!;
    const width = () => Math.max(240, el.clientWidth);
    const u = new uPlot(
      {
        width: width(),
        height: 160,
        legend: { show: false },
        // room on the right for the last clock label, centred on its tick
        padding: [8, 32, null, null],
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: true }, y: props.range ? { range: props.range } : {} },
        axes: [
          {
            stroke: "#aab0c0",
            grid: { stroke: "#2a2f3c" },
            ticks: { stroke: "#2a2f3c" },
            space: 64,
            // the clock in the page's locale, one row (uPlot's default adds a date row)
            values: (_u: uPlot, splits: number[]) => splits.map((s) => formatClock(s * 1000)),
          },
          {
            stroke: "#aab0c0",
            grid: { stroke: "#2a2f3c" },
            ticks: { stroke: "#2a2f3c" },
            size: 44,
          },
        ],
        series: [{}, { stroke: props.color, width: 2, fill: `${props.color}33`, spanGaps: true }],
        plugins: [highlightBands(() => latest.current.spans())],
      },
      props.data(),
      el,
    );
    plot.current = u;
    (el as HTMLDivElement & { uplot?: uPlot }).uplot = u;
    const ro = new ResizeObserver(() => u.setSize({ width: width(), height: 160 }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
    };
  }, []);

  useEffect(() => {
    plot.current?.setData(props.data());
  }, [props.version]);

  return (
    <figure class="chart">
      <figcaption>
        {t(props.title)}
        {props.data()[0].length === 0 && <span class="muted small">· {t("studio.chartEmpty")}
        </span>}
      </figcaption>
      <div
        id={props.id}
        class="chart-canvas"
        ref={box}
        role="img"
        aria-label={`${t(props.title)}: ${props.summary()}`}
      />
    </figure>
  );
}

export function StreamCharts({ roomId, socket }: { roomId: string; socket: RoomSocket }) {
  const stats = useRef<StatsReply | null>(null);
  const minutes = useRef<StatsMinute[]>([]);
  const version = useRef(0);
  const [, setRenders] = useState(0);
  const force = () => setRenders((n) => n + 1);

  useEffect(() => {
    let stop = false;
    const load = async () => {
      try {
        stats.current = await api<StatsReply>(`/rooms/${encodeURIComponent(roomId)}/stats`);
        version.current++;
        force();
      } catch {
        // the next poll retries
      }
      if (!stop) timer = setTimeout(load, POLL_MS);
    };
    let timer = setTimeout(load, 0);
    // What the room saw before it last woke (the four hours before now).
    api<{ minutes: StatsMinute[] }>(`/rooms/${encodeURIComponent(roomId)}/stats/minutes`)
      .then((r) => {
        minutes.current = r.minutes;
        version.current++;
        force();
      }, () => {});
    return () => {
      stop = true;
      clearTimeout(timer);
    };
  }, [roomId]);

  // Mood minutes and highlights arrive on the socket.
  useSignalEffect(() => {
    void socket.mood.value;
    void socket.highlights.value;
    void locale.value;
    version.current++;
    force();
  });

  /** The archived minutes before the room's first live bucket, then the live buckets. */
  const points = (): Sample[] => {
    const s = stats.current;
    const live = s ? [...s.points, s.current] : [];
    const bucket = (s?.bucketMs ?? 10_000) / 1000;
    const from = live[0]?.t ?? Infinity;
    return [
      ...minutes.current.filter((m) => m.t < from).map((m) => ({
        x: m.t / 1000,
        seconds: 60,
        viewers: m.viewers,
        danmaku: m.danmaku,
        coins: Number(m.coins),
      })),
      ...live.map((p) => ({
        x: p.t / 1000,
        seconds: bucket,
        viewers: p.viewers,
        danmaku: p.danmaku,
        coins: Number(p.coins),
      })),
    ];
  };
  const bucketSeconds = () => (stats.current?.bucketMs ?? 10_000) / 1000;
  const xs = () => points().map((p) => p.x);
  const spans = () => socket.highlights.value;
  const last = <T,>(a: T[]) => a.at(-1);

  const viewers = (): Data => [xs(), points().map((p) => p.viewers)];
  const rate = (): Data => [
    xs(),
    points().map((p) => Math.round((p.danmaku / p.seconds) * 10) / 10),
  ];
  // Coins per live bucket: an archived minute's are spread over its buckets.
  const gifts = (): Data => [
    xs(),
    points().map((p) => Math.round((p.coins * bucketSeconds()) / p.seconds)),
  ];
  const mood = (): Data => {
    const m = socket.mood.value;
    const first = m[0]?.minute ?? Infinity;
    const before = minutes.current.filter((p) => p.mood !== null && p.t < first);
    return [
      [...before.map((p) => p.t / 1000), ...m.map((p) => p.minute / 1000)],
      [...before.map((p) => p.mood), ...m.map((p) => p.mean)],
    ];
  };

  return (
    <div class="charts">
      <Chart
        id="chart-viewers"
        title="studio.chartViewers"
        color="#7cc4ff"
        data={viewers}
        spans={spans}
        version={version.current}
        summary={() => String(last(viewers()[1]) ?? "—")}
      />
      <Chart
        id="chart-danmaku"
        title="studio.chartDanmaku"
        color="#ff5c8a"
        data={rate}
        spans={spans}
        version={version.current}
        summary={() => String(last(rate()[1]) ?? "—")}
      />
      <Chart
        id="chart-mood"
        title="studio.chartMood"
        color="#6ee7a8"
        range={[-1, 1]}
        data={mood}
        spans={spans}
        version={version.current}
        summary={() => {
          const v = last(mood()[1]);
          return typeof v === "number" ? v.toFixed(2) : "—";
        }}
      />
      <Chart
        id="chart-gifts"
        title="studio.chartGifts"
        color="#ffcc33"
        data={gifts}
        spans={spans}
        version={version.current}
        summary={() => String(last(gifts()[1]) ?? "—")}
      />
    </div>
  );
}
