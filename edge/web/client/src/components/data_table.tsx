/** A table that scrolls sideways on a phone: column headers, then the rows given. */
import type { ComponentChildren } from "preact";
import { t } from "../i18n/i18n.ts";

export function DataTable(
  { id, headers, children }: {
    id: string;
    headers: ComponentChildren[];
    children: ComponentChildren;
  },
) {
  return (
    <div class="table-wrap">
      <table id={id}>
        <thead>
          <tr>{headers.map((h, i) => <th scope="col" key={i}>{h}</th>)}</tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

/** Previous / next for a list paged by cursors. */
export function Pager(
  { page, hasNext, go }: { page: number; hasNext: boolean; go: (step: number) => void },
) {
  return (
    <div class="row">
      <button type="button" class="secondary" disabled={page === 0} onClick={() => go(-1)}>
        {t("common.previous")}
      </button>
      <button type="button" class="secondary" disabled={!hasNext} onClick={() => go(1)}>
        {t("common.next")}
      </button>
    </div>
  );
}
