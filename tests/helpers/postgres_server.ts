/** A started test server on real Postgres (a scratch database per call). */
import { openPostgresStore } from "../../engine/sql/postgres_store.ts";
import type { SqlStore } from "../../engine/sql/sql.ts";
import { createScratchDatabase } from "./db.ts";
import { startTestServer, type TestServer, type TestServerOptions } from "./server.ts";

/**
 * `startTestServer` with accounts on a fresh scratch Postgres database, and a store on that
 * database for what the API does not reach (roles, audit rows). `close()` closes the store
 * and the server and drops the database.
 */
export async function startPostgresTestServer(
  opts: TestServerOptions = {},
): Promise<{ srv: TestServer; store: SqlStore; close(): Promise<void> }> {
  const scratch = await createScratchDatabase();
  const srv = await startTestServer({
    accounts: true,
    ...opts,
    env: { ...opts.env, DATABASE_URL: scratch.url },
  });
  const store = openPostgresStore(scratch.url, { max: 2 });
  return {
    srv,
    store,
    async close() {
      await store.close();
      await srv.close();
      await scratch.drop();
    },
  };
}
