/**
 * The cluster (`GET /api/cluster`, admins): instances with their live load (partitions owned,
 * active actors, last heartbeat, reachable) and the partition table (owner, actors there),
 * polled every 2 s.
 */
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { DataTable } from "../components/data_table.tsx";
import { api, ApiError } from "../api.ts";
import { errorText, t } from "../i18n/i18n.ts";
import { formatNumber, formatTime } from "../i18n/format.ts";

interface ClusterView {
  partitions: number;
  instances: {
    id: string;
    role: string;
    hostname: string;
    heartbeatAt: number;
    owned: number[];
    actors: number;
    reachable: boolean;
  }[];
  partitionTable: {
    partition: number;
    owner: string | null;
    actors: { type: string; id: string }[];
  }[];
  unowned: number[];
}

export function Cluster() {
  const view = useSignal<ClusterView | null>(null);
  const status = useSignal("");
  useEffect(() => {
    const load = () =>
      api<ClusterView>("/cluster", { auth: true }).then((v) => {
        view.value = v;
        status.value = "";
      }, (err) => (status.value = errorText(err instanceof ApiError ? err.code : "offline")));
    load();
    const timer = setInterval(load, 2000);
    return () => clearInterval(timer);
  }, []);
  const v = view.value;
  const busiest = Math.max(1, ...(v?.partitionTable.map((p) => p.actors.length) ?? [1]));
  return (
    <>
      {status.value && <p class="error" role="alert">{status.value}</p>}
      <section class="panel-card" aria-labelledby="inst-h">
        <h2 id="inst-h">{t("ops.instances")}</h2>
        {v && (
          <p class="muted">
            {t("ops.summary", {
              n: v.instances.length,
              p: v.partitions,
              u: v.unowned.length,
            })}
          </p>
        )}
        <DataTable
          id="cluster-instances"
          headers={[
            t("ops.instance"),
            t("ops.role"),
            t("ops.host"),
            t("ops.owned"),
            t("ops.actors"),
            t("ops.heartbeat"),
            t("ops.reachable"),
          ]}
        >
          {v?.instances.map((i) => (
            <tr key={i.id}>
              <td>{i.id}</td>
              <td>{i.role}</td>
              <td>{i.hostname}</td>
              <td>{formatNumber(i.owned.length)}</td>
              <td>{formatNumber(i.actors)}</td>
              <td>{formatTime(i.heartbeatAt)}</td>
              <td class={i.reachable ? "ok" : "bad"}>
                {i.reachable ? t("cohost.yes") : t("cohost.no")}
              </td>
            </tr>
          ))}
        </DataTable>
      </section>
      <section class="panel-card" aria-labelledby="part-h">
        <h2 id="part-h">{t("ops.partitions")}</h2>
        <ol class="partition-grid" id="cluster-partitions">
          {v?.partitionTable.map((p) => (
            <li
              key={p.partition}
              class={p.owner ? "cell" : "cell unowned"}
              title={p.actors.map((a) => a.id).join(", ")}
            >
              <b>p{p.partition}</b>
              <span class="muted small">{p.owner ?? t("ops.unowned")}</span>
              <span class="load" aria-hidden="true">
                <span style={{ width: `${(p.actors.length / busiest) * 100}%` }} />
              </span>
              <span class="small">{t("ops.actorsIn", { n: p.actors.length })}</span>
            </li>
          ))}
        </ol>
      </section>
    </>
  );
}
