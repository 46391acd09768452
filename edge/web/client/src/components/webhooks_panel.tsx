/**
 * Outbound webhooks for a streamer (`scope="mine"`: their rooms' events) or the platform
 * (`scope="platform"`, admins): register an endpoint (URL, event types), see its signing
 * secret, send a test event, turn it off, remove it, and read its delivery log with every
 * attempt, redelivering one. A component any page can mount (`/#/webhooks` mounts it; the
 * streamer dashboard and the operator pages can too).
 */
import { useSignal, useSignalEffect } from "@preact/signals";
import { api, ApiError } from "../api.ts";
import { errorText, t } from "../i18n/i18n.ts";

interface Endpoint {
  id: string;
  url: string;
  description: string;
  eventTypes: string[];
  enabled: boolean;
  secret?: string;
}

interface Delivery {
  id: string;
  eventId: string;
  eventType: string;
  status: "pending" | "delivered" | "failed";
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: string;
}

const failText = (err: unknown) => errorText(err instanceof ApiError ? err.code : "internal");

export function WebhooksPanel({ scope }: { scope: "mine" | "platform" }) {
  const endpoints = useSignal<Endpoint[] | null>(null);
  const types = useSignal<string[]>([]);
  const error = useSignal("");
  const info = useSignal("");
  const url = useSignal("");
  const chosen = useSignal<string[]>([]);
  const open = useSignal<string | null>(null);
  const secret = useSignal<string | null>(null);
  const deliveries = useSignal<Delivery[]>([]);
  const reload = useSignal(0);

  useSignalEffect(() => {
    void reload.value;
    api<{ endpoints: Endpoint[] }>(`/webhooks/endpoints?scope=${scope}`, { auth: true }).then(
      (r) => (endpoints.value = r.endpoints, error.value = ""),
      (err) => (error.value = failText(err)),
    );
  });
  useSignalEffect(() => {
    api<{ eventTypes: string[] }>("/webhooks/event-types").then(
      (r) => (types.value = r.eventTypes.filter((x) => x !== "webhook.test")),
      () => {},
    );
  });
  useSignalEffect(() => {
    const id = open.value;
    void reload.value;
    if (!id) return;
    api<{ deliveries: Delivery[] }>(`/webhooks/endpoints/${id}/deliveries?limit=20`, {
      auth: true,
    }).then((r) => (deliveries.value = r.deliveries), (err) => (error.value = failText(err)));
  });

  const act = (fn: () => Promise<unknown>, done?: string) =>
    fn().then(() => {
      info.value = done ?? "";
      error.value = "";
      reload.value++;
    }, (err) => (error.value = failText(err)));

  const create = (e: Event) => {
    e.preventDefault();
    act(async () => {
      const r = await api<{ endpoint: Endpoint }>("/webhooks/endpoints", {
        auth: true,
        json: { url: url.value.trim(), eventTypes: chosen.value, scope },
      });
      secret.value = r.endpoint.secret ?? null;
      url.value = "";
      chosen.value = [];
    }, t("webhooks.created"));
  };

  return (
    <section class="panel webhooks" aria-labelledby="webhooks-h">
      <h2 id="webhooks-h">
        {scope === "platform" ? t("webhooks.platformTitle") : t("webhooks.title")}
      </h2>
      <p class="muted">{t("webhooks.intro")}</p>
      {error.value && <p role="alert" class="error">{error.value}</p>}
      {info.value && <p role="status">{info.value}</p>}
      {secret.value && (
        <p>
          {t("webhooks.secret")} <code data-testid="webhook-secret">{secret.value}</code>
        </p>
      )}
      <form onSubmit={create} class="webhook-form">
        <label>
          {t("webhooks.url")}
          <input
            type="url"
            required
            maxLength={2000}
            placeholder="https://"
            value={url.value}
            onInput={(e) => (url.value = (e.currentTarget as HTMLInputElement).value)}
          />
        </label>
        <fieldset>
          <legend>{t("webhooks.events")}</legend>
          {types.value.map((ty) => (
            <label key={ty} class="chip">
              <input
                type="checkbox"
                checked={chosen.value.includes(ty)}
                onChange={(e) =>
                  chosen.value = (e.currentTarget as HTMLInputElement).checked
                    ? [...chosen.value, ty]
                    : chosen.value.filter((x) => x !== ty)}
              />{" "}
              {ty}
            </label>
          ))}
        </fieldset>
        <button type="submit">{t("webhooks.add")}</button>
      </form>
      {endpoints.value?.length === 0 && <p class="muted">{t("webhooks.none")}</p>}
      <ul class="webhook-list">
        {endpoints.value?.map((ep) => (
          <li key={ep.id} data-endpoint={ep.id}>
            <code>{ep.url}</code>{" "}
            <span class="muted">
              {ep.eventTypes.length ? ep.eventTypes.join(", ") : t("webhooks.allEvents")}
              {ep.enabled ? "" : ` · ${t("webhooks.off")}`}
            </span>
            <div class="actions">
              <button
                type="button"
                onClick={() => (open.value = open.value === ep.id ? null : ep.id)}
              >
                {t("webhooks.log")}
              </button>
              <button
                type="button"
                onClick={() =>
                  act(
                    () => api(`/webhooks/endpoints/${ep.id}/test`, { auth: true, json: {} }),
                    t("webhooks.testSent"),
                  )}
              >
                {t("webhooks.test")}
              </button>
              <button
                type="button"
                onClick={() =>
                  act(() =>
                    api(`/webhooks/endpoints/${ep.id}`, {
                      auth: true,
                      method: "PATCH",
                      json: { enabled: !ep.enabled },
                    })
                  )}
              >
                {ep.enabled ? t("webhooks.disable") : t("webhooks.enable")}
              </button>
              <button
                type="button"
                onClick={() =>
                  act(async () => {
                    const r = await api<{ endpoint: Endpoint }>(`/webhooks/endpoints/${ep.id}`, {
                      auth: true,
                    });
                    secret.value = r.endpoint.secret ?? null;
                  })}
              >
                {t("webhooks.showSecret")}
              </button>
              <button
                type="button"
                onClick={() =>
                  act(() => api(`/webhooks/endpoints/${ep.id}`, { auth: true, method: "DELETE" }))}
              >
                {t("webhooks.remove")}
              </button>
            </div>
            {open.value === ep.id && (
              <table class="webhook-log">
                <thead>
                  <tr>
                    <th>{t("webhooks.event")}</th>
                    <th>{t("webhooks.status")}</th>
                    <th>{t("webhooks.attempts")}</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {deliveries.value.map((d) => (
                    <tr key={d.id} data-delivery={d.id} data-status={d.status}>
                      <td>
                        {d.eventType} <code class="muted">{d.eventId}</code>
                      </td>
                      <td>
                        {t(`webhooks.state.${d.status}`)}
                        {d.lastStatus !== null ? ` (HTTP ${d.lastStatus})` : ""}
                        {d.lastError && d.status !== "delivered" ? ` · ${d.lastError}` : ""}
                      </td>
                      <td>{d.attempts}</td>
                      <td>
                        <button
                          type="button"
                          onClick={() =>
                            act(
                              () =>
                                api(`/webhooks/deliveries/${d.id}/redeliver`, {
                                  auth: true,
                                  json: {},
                                }),
                              t("webhooks.redelivering"),
                            )}
                        >
                          {t("webhooks.redeliver")}
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
