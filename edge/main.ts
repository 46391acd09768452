/**
 * Entry point: `deno run -A edge/main.ts --role all|engine|edge [--demo]`.
 * Reads the configuration (wiring/config.ts), starts the process for its role and stops it
 * gracefully on SIGINT/SIGTERM (a second signal exits at once).
 */
import { parseArgs } from "node:util";
import { loadConfig } from "./wiring/config.ts";
import { createLogger } from "../engine/log.ts";
import { type Role, startServer } from "./wiring/process.ts";

const ROLES: readonly Role[] = ["all", "engine", "edge"];

function parseCli(args: string[]): { role: Role; demo: boolean } {
  const { values } = parseArgs({
    args,
    options: {
      role: { type: "string", default: "all" },
      demo: { type: "boolean", default: false },
    },
    strict: true,
  });
  const role = values.role as Role;
  if (!ROLES.includes(role)) throw new Error(`--role must be one of ${ROLES.join(", ")}`);
  return { role, demo: values.demo ?? false };
}

async function main(): Promise<void> {
  const log = createLogger({ service: "synapse-live" });
  let cli: ReturnType<typeof parseCli>;
  let config: ReturnType<typeof loadConfig>;
  try {
    cli = parseCli(Deno.args);
    config = loadConfig();
  } catch (err) {
    log.error("cannot start", { err });
    Deno.exit(2);
  }
  const server = await startServer(config, { role: cli.role, demo: cli.demo });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      log.warn("second signal: exiting now", { signal });
      Deno.exit(1);
    }
    stopping = true;
    log.info("shutting down", { signal });
    await server.close();
    log.info("stopped");
    Deno.exit(0);
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, () => void stop(signal));
  }
}

if (import.meta.main) await main();
