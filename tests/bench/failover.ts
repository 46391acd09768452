/**
 * Fail-over and hand-over outages per room, against the lease TTL: the cluster scenario of
 * tests/cluster_failover_load.test.ts (3 engines + 2 edges as processes, 8 busy rooms, kill -9
 * of the busiest engine, SIGTERM of another, a new engine joining), run once per lease TTL.
 * A room's outage around an event is the longest time between two consecutive acks of its
 * says (senders say about 5 times a second per room, so an undisturbed room shows a few
 * hundred ms): for the rooms that moved (kill: the dead engine's; SIGTERM and join: the ones
 * handed over) side by side with the rooms that did not move in the same phase (the baseline).
 * Also counted: says refused (`room_unavailable` and the like) per phase, and, as the issue
 * defines the fail-over outage, first refused say → first acked say where there were any.
 * Medians and p99 over rooms, pooled over the rounds of each TTL. Writes tests/bench/results/failover.{json,md}.
 *
 *   deno run -A tests/bench/failover.ts [--ttl 2000,4000] [--rounds 2]
 */
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { CLUSTER_PARTITIONS } from "../helpers/cluster.ts";
import {
  ackGapMs,
  ENGINES,
  type PhaseName,
  runFailoverScenario,
  type ScenarioResult,
  violations,
} from "../helpers/failover_load.ts";
import { partitionOf, rendezvousOwner } from "../../engine/partition.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    ttl: { type: "string", default: "2000,4000" },
    rounds: { type: "string", default: "2" },
  },
});
const TTLS = values.ttl.split(",").map(Number);
const ROUNDS = Number(values.rounds);
const resultsDir = fileURLToPath(new URL("./results/", import.meta.url));

interface PhaseFigures {
  phase: Exclude<PhaseName, "warm">;
  moved: string[];
  /** Longest gap between acks, per moved room and per room that stayed (ms). */
  movedGapMs: number[];
  stayedGapMs: number[];
  refused: number;
  /** First refused say (sent) → first acked say after it, per moved room with refusals. */
  refusedToAckMs: number[];
}

interface Run {
  leaseTtlMs: number;
  acked: number;
  says: number;
  violations: number;
  phases: PhaseFigures[];
}

function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** Rooms whose owner changes at `phase`. */
function movedAt(r: ScenarioResult, phase: Exclude<PhaseName, "warm">): string[] {
  return r.rooms.filter((room) => {
    const p = partitionOf(room.id, CLUSTER_PARTITIONS);
    if (phase === "kill") return room.owner === ENGINES.victim;
    if (phase === "sigterm") {
      return rendezvousOwner(p, [ENGINES.stopped, ENGINES.survivor]) === ENGINES.stopped;
    }
    return room.ownerAfterJoin === ENGINES.joiner;
  }).map((room) => room.id);
}

function figures(r: ScenarioResult): Run {
  const order: PhaseName[] = ["kill", "sigterm", "join"];
  const end = Math.max(...r.sends.map((s) => s.outcome?.at ?? 0));
  const phases = order.map((name, i): PhaseFigures => {
    const from = r.phases.find((p) => p.name === name)!.at;
    const to = i + 1 < order.length ? r.phases.find((p) => p.name === order[i + 1])!.at : end;
    const moved = movedAt(r, name as Exclude<PhaseName, "warm">);
    const gap = (room: string) => Math.round(ackGapMs(r, room, from, to));
    const inPhase = r.sends.filter((s) => s.sentAt >= from && s.sentAt < to);
    const refusedToAckMs: number[] = [];
    for (const room of moved) {
      const mine = inPhase.filter((s) => s.room === room);
      const firstRefused = mine.find((s) => s.outcome?.kind === "error");
      if (!firstRefused) continue;
      const acks = mine.filter((s) =>
        s.outcome?.kind === "ack" && s.outcome.at > firstRefused.sentAt
      ).map((s) => s.outcome!.at);
      if (acks.length > 0) refusedToAckMs.push(Math.round(Math.min(...acks) - firstRefused.sentAt));
    }
    return {
      phase: name as Exclude<PhaseName, "warm">,
      moved,
      movedGapMs: moved.map(gap),
      stayedGapMs: r.rooms.filter((room) => !moved.includes(room.id)).map((room) => gap(room.id)),
      refused: inPhase.filter((s) => s.outcome?.kind === "error").length,
      refusedToAckMs,
    };
  });
  return {
    leaseTtlMs: r.leaseTtlMs,
    acked: r.sends.filter((s) => s.outcome?.kind === "ack").length,
    says: r.sends.length,
    violations: violations(r).length,
    phases,
  };
}

/** Rounds of one TTL pooled: figures per room from every round. */
function pooled(rounds: Run[]): Run {
  return {
    leaseTtlMs: rounds[0].leaseTtlMs,
    acked: rounds.reduce((n, r) => n + r.acked, 0),
    says: rounds.reduce((n, r) => n + r.says, 0),
    violations: rounds.reduce((n, r) => n + r.violations, 0),
    phases: rounds[0].phases.map((p, i) => ({
      phase: p.phase,
      moved: rounds.flatMap((r) => r.phases[i].moved),
      movedGapMs: rounds.flatMap((r) => r.phases[i].movedGapMs),
      stayedGapMs: rounds.flatMap((r) => r.phases[i].stayedGapMs),
      refused: rounds.reduce((n, r) => n + r.phases[i].refused, 0),
      refusedToAckMs: rounds.flatMap((r) => r.phases[i].refusedToAckMs),
    })),
  };
}

const loadBefore = Deno.loadavg()[0];
const runs: Run[] = [];
for (const ttl of TTLS) {
  const rounds: Run[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    console.log(`fail-over scenario with a lease TTL of ${ttl} ms, round ${round}/${ROUNDS}`);
    rounds.push(figures(await runFailoverScenario({ leaseTtlMs: ttl })));
  }
  const run = pooled(rounds);
  runs.push(run);
  for (const p of run.phases) {
    console.log(
      `  ${p.phase}: moved ${p.moved.length} rooms, outage median ${
        quantile(p.movedGapMs, 0.5)
      } ms (stayed ${quantile(p.stayedGapMs, 0.5)} ms), refused ${p.refused}`,
    );
  }
}

await Deno.mkdir(resultsDir, { recursive: true });
await Deno.writeTextFile(
  `${resultsDir}failover.json`,
  JSON.stringify({ at: new Date().toISOString(), runs }, null, 2) + "\n",
);
const label = {
  kill: "kill -9 (fail-over)",
  sigterm: "SIGTERM (hand-over)",
  join: "join (hand-over)",
};
const rows = runs.flatMap((run) =>
  run.phases.map((p) =>
    `| ${run.leaseTtlMs} | ${label[p.phase]} | ${p.moved.length} | ${
      quantile(p.movedGapMs, 0.5)
    } | ${quantile(p.movedGapMs, 0.99)} | ${quantile(p.stayedGapMs, 0.5)} | ${p.refused} | ${
      p.refusedToAckMs.length > 0 ? quantile(p.refusedToAckMs, 0.5) : "—"
    } | ${(quantile(p.movedGapMs, 0.5) / run.leaseTtlMs).toFixed(2)} |`
  )
);
const md = `# Fail-over and hand-over outages per room

The scenario of \`tests/cluster_failover_load.test.ts\`: 3 engines and 2 edges as separate
processes over NATS, 8 rooms with 4 viewers and 5 senders each (about 5 says/s per room), then
\`kill -9\` of the engine owning 4 of the rooms, a SIGTERM of a second engine, and a new engine
joining, ${ROUNDS} rounds per lease TTL. A room's **outage** is the longest time between two
consecutive acks of its says around the event; "stayed" is the same figure for the rooms that did
not move in that phase (the baseline, same runs). Medians and p99 over rooms of all rounds (p99 of
so few rooms is their maximum); "rooms moved" counts room moves over the rounds.
Refused: says answered with an error in the phase; refused→ack: first refused say (sent) to the
first acked say after it (the issue's definition), median over moved rooms that had refusals.

| lease TTL ms | event | rooms moved | outage median ms | outage p99 ms | stayed median ms | refused | refused→ack ms | outage / TTL |
| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${rows.join("\n")}

Delivery promise violations in these runs: ${
  runs.map((r) => `${r.violations} of ${r.acked} acked says (TTL ${r.leaseTtlMs} ms)`).join(", ")
}.
Machine: ${navigator.hardwareConcurrency} cores, load average ${loadBefore.toFixed(1)} before the
runs and ${Deno.loadavg()[0].toFixed(1)} after (other work shares the machine).
A crashed engine's rooms wait for its lease to lapse (the TTL, measured from its last refresh)
and for the senders' retry backoff; a clean hand-over persists, frees the lease and the new
owner takes the room at once.
`;
await Deno.writeTextFile(`${resultsDir}failover.md`, md);
console.log(md);
