/**
 * The operator's command line for platform roles (`deno task admin ...`), on the relational
 * store the server uses: Postgres with `DATABASE_URL`, else PGlite under `DATA_DIR` (opened and
 * migrated exactly as the server does, by `openStore`). With embedded PGlite, stop the server
 * first: a PGlite folder belongs to one process.
 *
 *   deno task admin roles grant <username> <role>     streamer | finance | admin
 *   deno task admin roles revoke <username> <role>
 *   deno task admin roles list [--role <role>] [<username prefix>]
 *   deno task admin roles log [<username>]
 *
 * Every change is audited in `role_events` with `via = cli` and the operating-system user.
 * Exit codes: 0 done (or nothing to change), 1 refused (`error <code>: <message>` on stderr,
 * e.g. unknown_user, unknown_role, last_admin), 2 usage or configuration error.
 */
import { findTextViolation } from "../../engine/text/forbidden.ts";
import { parseArgs } from "node:util";
import { userInfo } from "node:os";
import { openStore } from "../../engine/sql/open_store.ts";
import { appMigrations } from "../wiring/migrations.ts";
import type { SqlStore } from "../../engine/sql/sql.ts";
import { type Config, loadConfig } from "../wiring/config.ts";
import { AccountError } from "./errors.ts";
import { changeRole, countUsers, GRANTABLE_ROLES, listUsers, roleEvents } from "./roles.ts";
import { Progress } from "../../engine/progress.ts";
import { findByUsername } from "./users.ts";

export const USAGE = `usage:
  deno task admin roles grant <username> <role>     roles: ${GRANTABLE_ROLES.join(", ")}
  deno task admin roles revoke <username> <role>
  deno task admin roles list [--role <role>] [<username prefix>]
  deno task admin roles log [<username>]
Uses DATABASE_URL (Postgres) or PGlite under DATA_DIR, as the server does; with PGlite, stop
the server first.`;

class UsageError extends Error {}

/** Users per page of `roles list`. */
const LIST_PAGE = 200;

function operator(): string {
  try {
    return `cli:${userInfo().username}`.slice(0, 64);
  } catch {
    return "cli";
  }
}

/** Runs one command; returns the exit code. Output goes through `out` / `err`. */
export async function runAdminCli(
  args: string[],
  io: { config: () => Config; out: (line: string) => void; err: (line: string) => void },
): Promise<number> {
  const badArg = args.map((a, i) => findTextViolation(a, `argument ${i + 1}`)).find(Boolean);
  if (badArg) {
    io.err(`error invalid_text: ${badArg.message}`);
    return 1;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { role: { type: "string" }, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    io.err(`${e instanceof Error ? e.message : e}\n${USAGE}`);
    return 2;
  }
  const [group, command, ...rest] = parsed.positionals;
  if (parsed.values.help || group !== "roles" || !command) {
    (parsed.values.help ? io.out : io.err)(USAGE);
    return parsed.values.help ? 0 : 2;
  }
  let config: Config;
  try {
    config = io.config();
  } catch (e) {
    io.err(e instanceof Error ? e.message : String(e));
    return 2;
  }
  let store: SqlStore | undefined;
  try {
    if (!["grant", "revoke", "list", "log"].includes(command)) {
      throw new UsageError(`unknown command roles ${command}`);
    }
    if ((command === "grant" || command === "revoke") && rest.length !== 2) {
      throw new UsageError(`roles ${command} takes <username> <role>`);
    }
    if ((command === "list" || command === "log") && rest.length > 1) {
      throw new UsageError(`roles ${command} takes at most one name`);
    }
    store = await openStore(config, await appMigrations(), io.err);
    switch (command) {
      case "grant":
      case "revoke": {
        const [username, role] = rest;
        const change = await changeRole(store, { username }, role, command, {
          via: "cli",
          name: operator(),
        });
        const name = change.user.username;
        io.out(
          change.changed
            ? `${command === "grant" ? "granted" : "revoked"} ${role} ${
              command === "grant" ? "to" : "from"
            } ${name}; roles now: ${change.user.roles.join(", ")}`
            : `${name} ${command === "grant" ? "already has" : "does not have"} ${role}; ` +
              `nothing changed (roles: ${change.user.roles.join(", ")})`,
        );
        return 0;
      }
      case "list": {
        const filter = { q: rest[0], role: parsed.values.role };
        // More than one page: a progress line per page on stderr (the list itself is stdout).
        const total = await countUsers(store, filter);
        const pages = Math.ceil(total / LIST_PAGE);
        const progress = pages > 1 ? new Progress("roles list", pages, io.err) : undefined;
        let after: string | undefined;
        let shown = 0;
        for (let n = 0; n < 1000; n++) {
          if (n < pages) {
            progress?.step(`users ${shown + 1}-${Math.min(shown + LIST_PAGE, total)} of ${total}`);
          }
          const page = await listUsers(store, { ...filter, limit: LIST_PAGE, after });
          for (const u of page.users) {
            io.out(`${u.username}\t${u.roles.join(",")}${u.status === "banned" ? "\tbanned" : ""}`);
          }
          shown += page.users.length;
          if (!page.next) break;
          after = page.next;
        }
        if (shown === 0) io.err("no users match");
        return 0;
      }
      default: {
        let userId: string | undefined;
        if (rest[0]) {
          const found = await findByUsername(store, rest[0]);
          if (!found) throw new AccountError("unknown_user", `no such user named ${rest[0]}`);
          userId = found.user.id;
        }
        const { events } = await roleEvents(store, { userId, limit: 200 });
        for (const e of events.reverse()) {
          io.out(`${e.at}\t${e.action}\t${e.role}\t${e.username ?? e.userId}\tby ${e.actorName}`);
        }
        return 0;
      }
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`${e.message}\n${USAGE}`);
      return 2;
    }
    if (e instanceof AccountError) {
      io.err(`error ${e.code}: ${e.message}`);
      return 1;
    }
    throw e;
  } finally {
    await store?.close();
  }
}

if (import.meta.main) {
  const code = await runAdminCli(Deno.args, {
    config: loadConfig,
    out: (l) => console.log(l),
    err: (l) => console.error(l),
  });
  Deno.exit(code);
}
